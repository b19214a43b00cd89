/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of libsealclient's pieces that need no server: PKCE (RFC 7636
 * Appendix B vector), form encoding, the login-page reader, ID token
 * verification (tokens made here with librhonabwy: good ones and each kind
 * of bad one), the tokens file (mode, refusal of a readable file), and the
 * loopback redirect listener. The whole flow against the real seald is in
 * tests/integration/client_login.sh. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rhonabwy.h>

#include "sc_int.h"

/* ---------------------------------------------------------------- PKCE */
START_TEST(pkce_rfc7636_vector)
{
    /* RFC 7636 Appendix B */
    char *ch = sc_pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    ck_assert_str_eq(ch, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    free(ch);
    static const uint8_t b[] = { 3, 236, 255, 224, 193 };
    char *s = sc_b64url(b, sizeof b);
    ck_assert_str_eq(s, "A-z_4ME");         /* RFC 7515 Appendix C */
    free(s);
}
END_TEST

START_TEST(pkce_verifier_shape)
{
    char *a = sc_random_b64url(32), *b = sc_random_b64url(32);
    ck_assert_uint_eq(strlen(a), 43);       /* RFC 7636 4.1: 43..128 */
    ck_assert_uint_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
    ck_assert_str_ne(a, b);
    free(a);
    free(b);
}
END_TEST

/* ---------------------------------------------------------------- forms */
START_TEST(form_encode_decode)
{
    sc_form_t f = { 0 };
    sc_form_add(&f, "redirect_uri", "http://127.0.0.1:8080/callback");
    sc_form_add(&f, "scope", "openid seal.gm");
    sc_form_add(&f, "x", "a+b&c=d~é");
    char *s = sc_form_take(&f);
    ck_assert_str_eq(s, "redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&scope=openid%20seal.gm"
                        "&x=a%2Bb%26c%3Dd~%C3%A9");
    sc_pairs_t p;
    ck_assert_int_eq(sc_query_parse(s, strlen(s), &p), 0);
    ck_assert_uint_eq(p.n, 3);
    ck_assert_str_eq(sc_pairs_get(&p, "scope"), "openid seal.gm");
    ck_assert_str_eq(sc_pairs_get(&p, "x"), "a+b&c=d~é");
    sc_pairs_free(&p);
    free(s);

    const char *q = "code=a+b%2Bc&state=s1&state=s2&flag&&empty=";
    ck_assert_int_eq(sc_query_parse(q, strlen(q), &p), 0);
    ck_assert_str_eq(sc_pairs_get(&p, "code"), "a b+c");
    ck_assert_uint_eq(sc_pairs_count(&p, "state"), 2);
    ck_assert_str_eq(sc_pairs_get(&p, "flag"), "");
    ck_assert_str_eq(sc_pairs_get(&p, "empty"), "");
    ck_assert_ptr_null(sc_pairs_get(&p, "missing"));
    sc_pairs_free(&p);

    /* bad escapes and embedded NULs are refused, not truncated */
    ck_assert_int_eq(sc_query_parse("code=%zz", 8, &p), -1);
    ck_assert_int_eq(sc_query_parse("code=%4", 7, &p), -1);
    ck_assert_int_eq(sc_query_parse("code=a%00b", 10, &p), -1);
    ck_assert_int_eq(sc_query_parse("", 0, &p), 0);
    ck_assert_uint_eq(p.n, 0);
    sc_pairs_free(&p);
}
END_TEST

/* ---------------------------------------------------------------- login page */
static const char login_page[] =
    "<!DOCTYPE html><html><head><title>Log in</title></head><body>\n"
    "<!-- <form action=\"https://evil.example/steal\"> -->\n"
    "<FORM Method=POST action='/oidc/v1/authorize'>\n"
    "<input type=\"hidden\" name=\"client_id\" value=\"seal-ue\">\n"
    "<input type=hidden name=redirect_uri value=\"http://127.0.0.1:5000/callback\">\n"
    "<input type=\"hidden\" name=\"state\" value=\"a&amp;b&lt;&#x27;&#39;&quot;&#233;\"/>\n"
    "<label>User <input name=\"username\" autocomplete=\"username\"></label>\n"
    "<input type=\"password\" name=\"password\" required>\n"
    "<input type=\"checkbox\" name=\"remember\">\n"
    "<input type=\"checkbox\" name=\"consent\" value=\"yes\" checked>\n"
    "<input type=\"submit\" name=\"action\" value=\"login\">\n"
    "<input type=\"submit\" name=\"action\" value=\"cancel\">\n"
    "</form><form action=\"/other\"><input name=\"nope\"></form></body></html>\n";

START_TEST(html_login_form)
{
    sc_html_form_t f;
    ck_assert_int_eq(sc_html_find_form(login_page, strlen(login_page), &f), 0);
    ck_assert_str_eq(f.action, "/oidc/v1/authorize");
    ck_assert_str_eq(f.method, "post");
    ck_assert_int_eq(f.has_username, 1);
    ck_assert_int_eq(f.has_password, 1);
    ck_assert_str_eq(sc_pairs_get(&f.fields, "client_id"), "seal-ue");
    ck_assert_str_eq(sc_pairs_get(&f.fields, "redirect_uri"), "http://127.0.0.1:5000/callback");
    ck_assert_str_eq(sc_pairs_get(&f.fields, "state"), "a&b<''\"é");
    ck_assert_ptr_null(sc_pairs_get(&f.fields, "remember"));    /* unchecked */
    ck_assert_str_eq(sc_pairs_get(&f.fields, "consent"), "yes");
    ck_assert_uint_eq(sc_pairs_count(&f.fields, "action"), 1);  /* the first button only */
    ck_assert_str_eq(sc_pairs_get(&f.fields, "action"), "login");
    ck_assert_ptr_null(sc_pairs_get(&f.fields, "nope"));        /* the second form */
    sc_html_form_free(&f);
}
END_TEST

START_TEST(html_odd_pages)
{
    sc_html_form_t f;
    const char *none = "<html><body>no form here<input name=x></body></html>";
    ck_assert_int_eq(sc_html_find_form(none, strlen(none), &f), -1);
    /* truncated in the middle of a tag and of a quoted value: no overread */
    const char *cut = "<form action=\"/a\"><input name=\"username\" value=\"ab";
    ck_assert_int_eq(sc_html_find_form(cut, strlen(cut), &f), 0);
    ck_assert_int_eq(f.has_username, 1);
    sc_html_form_free(&f);
    const char *get = "<form method=get><input name=username><input name=password type=password>";
    ck_assert_int_eq(sc_html_find_form(get, strlen(get), &f), 0);
    ck_assert_str_eq(f.method, "get");
    ck_assert_ptr_null(f.action);
    sc_html_form_free(&f);
    const char *ent = "<form><input name=v value=\"&#0;&#x110000;&#xD800;&bogus;&#65\">";
    ck_assert_int_eq(sc_html_find_form(ent, strlen(ent), &f), 0);
    ck_assert_str_eq(sc_pairs_get(&f.fields, "v"), "&#0;&#x110000;&#xD800;&bogus;&#65");
    sc_html_form_free(&f);
}
END_TEST

/* ---------------------------------------------------------------- ID tokens */
#define ISS "https://idm.example:8443"
#define CID "seal-ue"

typedef struct keys {
    jwk_t *priv, *pub;
} keys_t;

static keys_t gen(int type, const char *kid)
{
    keys_t k;
    ck_assert_int_eq(r_jwk_init(&k.priv), RHN_OK);
    ck_assert_int_eq(r_jwk_init(&k.pub), RHN_OK);
    ck_assert_int_eq(r_jwk_generate_key_pair(k.priv, k.pub, type, 256, kid), RHN_OK);
    return k;
}

static void keys_free(keys_t *k)
{
    r_jwk_free(k->priv);
    r_jwk_free(k->pub);
}

static char *jwks_of(jwk_t *a, jwk_t *b)
{
    jwks_t *s;
    ck_assert_int_eq(r_jwks_init(&s), RHN_OK);
    ck_assert_int_eq(r_jwks_append_jwk(s, a), RHN_OK);
    if (b)
        ck_assert_int_eq(r_jwks_append_jwk(s, b), RHN_OK);
    char *t = r_jwks_export_to_json_str(s, 0), *out = strdup(t);
    r_free(t);
    r_jwks_free(s);
    return out;
}

static char *sign(jwk_t *priv, jwa_alg alg, const char *claims, const char *typ, const char *crit)
{
    jwt_t *jwt;
    ck_assert_int_eq(r_jwt_init(&jwt), RHN_OK);
    ck_assert_int_eq(r_jwt_set_full_claims_json_str(jwt, claims), RHN_OK);
    ck_assert_int_eq(r_jwt_set_sign_alg(jwt, alg), RHN_OK);
    if (typ)
        ck_assert_int_eq(r_jwt_set_header_str_value(jwt, "typ", typ), RHN_OK);
    if (crit)
        ck_assert_int_eq(r_jwt_set_header_str_value(jwt, "crit", crit), RHN_OK);
    char *t = r_jwt_serialize_signed(jwt, priv, 0);
    ck_assert_ptr_nonnull(t);
    char *out = strdup(t);
    r_free(t);
    r_jwt_free(jwt);
    return out;
}

static char *claims(const char *iss, const char *aud_json, int64_t exp, int64_t iat,
                    const char *nonce, const char *extra)
{
    char *s = malloc(1024);
    snprintf(s, 1024, "{\"iss\":\"%s\",\"sub\":\"alice\",\"aud\":%s,\"exp\":%lld,\"iat\":%lld"
             "%s%s%s%s%s}", iss, aud_json, (long long)exp, (long long)iat,
             nonce ? ",\"nonce\":\"" : "", nonce ? nonce : "", nonce ? "\"" : "",
             extra ? "," : "", extra ? extra : "");
    return s;
}

static int verify(const char *tok, const char *jwks, const char *nonce, int64_t now,
                  char *why, size_t n, int *unknown)
{
    sc_idt_expect_t e = { ISS, CID, nonce, NULL, 30, now };
    char *sub = NULL;
    int u = 0;
    int rc = sc_idtoken_verify(tok, jwks, &e, &sub, &u, why, n);
    if (rc == 0)
        ck_assert_str_eq(sub, "alice");
    free(sub);
    if (unknown)
        *unknown = u;
    return rc;
}

/* Signs claims with k (ES256) and expects verification to give want (0 or
 * -1) with a reason containing reason_part. */
#define EXPECT(tok, jwks, nonce, now, want, reason_part) do { \
        char why_[160]; \
        int rc_ = verify(tok, jwks, nonce, now, why_, sizeof why_, NULL); \
        ck_assert_msg(rc_ == (want), "%s: got %d (%s)", reason_part, rc_, why_); \
        if ((want) < 0) \
            ck_assert_msg(strstr(why_, reason_part), "wanted '%s', got '%s'", reason_part, why_); \
    } while (0)

START_TEST(idtoken_checks)
{
    keys_t k = gen(R_KEY_TYPE_EC, "k1"), other = gen(R_KEY_TYPE_EC, "k1");
    char *jwks = jwks_of(k.pub, NULL);
    int64_t now = time(NULL);
    char *c, *t;

#define ONE(claims_expr, nonce, want, part) do { \
        c = claims_expr; t = sign(k.priv, R_JWA_ALG_ES256, c, "JWT", NULL); \
        EXPECT(t, jwks, nonce, now, want, part); free(c); free(t); } while (0)

    ONE(claims(ISS, "\"" CID "\"", now + 300, now, "n1", NULL), "n1", 0, "ok");
    /* leeway: 30 s at most, either side */
    ONE(claims(ISS, "\"" CID "\"", now - 20, now - 320, "n1", NULL), "n1", 0, "ok");
    ONE(claims(ISS, "\"" CID "\"", now - 31, now - 320, "n1", NULL), "n1", -1, "expired");
    ONE(claims(ISS, "\"" CID "\"", now + 300, now + 20, "n1", NULL), "n1", 0, "ok");
    ONE(claims(ISS, "\"" CID "\"", now + 300, now + 60, "n1", NULL), "n1", -1, "future");
    ONE(claims(ISS, "\"" CID "\"", now + 300, now, "n1", "\"nbf\":99999999999"), "n1", -1, "not yet");
    ONE(claims("https://other.example", "\"" CID "\"", now + 300, now, "n1", NULL), "n1", -1, "iss");
    ONE(claims(ISS "/", "\"" CID "\"", now + 300, now, "n1", NULL), "n1", -1, "iss");
    ONE(claims(ISS, "\"someone-else\"", now + 300, now, "n1", NULL), "n1", -1, "aud");
    ONE(claims(ISS, "[\"x\",\"" CID "\"]", now + 300, now, "n1", NULL), "n1", -1, "azp");
    ONE(claims(ISS, "[\"x\",\"" CID "\"]", now + 300, now, "n1", "\"azp\":\"" CID "\""), "n1", 0, "ok");
    ONE(claims(ISS, "[\"" CID "\"]", now + 300, now, "n1", NULL), "n1", 0, "ok");
    ONE(claims(ISS, "42", now + 300, now, "n1", NULL), "n1", -1, "aud");
    ONE(claims(ISS, "\"" CID "\"", now + 300, now, "n2", NULL), "n1", -1, "nonce");
    ONE(claims(ISS, "\"" CID "\"", now + 300, now, NULL, NULL), "n1", -1, "nonce");
    ONE(claims(ISS, "\"" CID "\"", now + 300, now, NULL, NULL), NULL, 0, "ok");   /* refresh */
    ONE(claims(ISS, "\"" CID "\"", now + 300, now, "n1", "\"exp\":\"soon\""), "n1", -1, "exp");

    /* an access token is not an ID token */
    c = claims(ISS, "\"" CID "\"", now + 300, now, "n1", NULL);
    t = sign(k.priv, R_JWA_ALG_ES256, c, "at+jwt", NULL);
    EXPECT(t, jwks, "n1", now, -1, "access token");
    free(t);
    t = sign(k.priv, R_JWA_ALG_ES256, c, NULL, "exp");
    EXPECT(t, jwks, "n1", now, -1, "critical");
    free(t);
    /* same kid, another key: bad signature */
    t = sign(other.priv, R_JWA_ALG_ES256, c, NULL, NULL);
    EXPECT(t, jwks, "n1", now, -1, "signature");
    free(t);
    /* tampered payload */
    t = sign(k.priv, R_JWA_ALG_ES256, c, NULL, NULL);
    char *dot = strchr(t, '.');
    dot[3] = dot[3] == 'A' ? 'B' : 'A';
    EXPECT(t, jwks, "n1", now, -1, "");
    free(t);
    free(c);
    free(jwks);
    keys_free(&k);
    keys_free(&other);
}
END_TEST

/* Signs the claims text as it is (rhonabwy's JWT setter would read it
 * through jansson first, which keeps the last of two members). */
static char *sign_raw(jwk_t *priv, const char *claims_text)
{
    jws_t *jws;
    ck_assert_int_eq(r_jws_init(&jws), RHN_OK);
    ck_assert_int_eq(r_jws_set_alg(jws, R_JWA_ALG_ES256), RHN_OK);
    ck_assert_int_eq(r_jws_set_payload(jws, (const unsigned char *)claims_text,
                                       strlen(claims_text)), RHN_OK);
    char *t = r_jws_serialize(jws, priv, 0);
    ck_assert_ptr_nonnull(t);
    char *out = strdup(t);
    r_free(t);
    r_jws_free(jws);
    return out;
}

/* RFC 7519 4: a claim set with a member name twice is refused, even with
 * a good signature; so is one that is not strict JSON. */
START_TEST(idtoken_strict_claims)
{
    keys_t k = gen(R_KEY_TYPE_EC, "k1");
    char *jwks = jwks_of(k.pub, NULL);
    int64_t now = time(NULL);
    char c[512];
    const char *extra[] = { NULL, "\"sub\":\"mallory\"", "\"nonce\":\"n2\"", "\"x\":\"\\ud800\"",
                            "\"x\":NaN", "\"x\":{\"y\":1,\"y\":1}" };
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) {
        snprintf(c, sizeof c, "{\"iss\":\"%s\",\"sub\":\"alice\",\"aud\":\"%s\",\"exp\":%lld,"
                 "\"iat\":%lld,\"nonce\":\"n1\"%s%s}", ISS, CID, (long long)now + 300,
                 (long long)now, extra[i] ? "," : "", extra[i] ? extra[i] : "");
        char *t = sign_raw(k.priv, c);
        if (i >= 3)     /* jansson refuses these too, with its own words */
            EXPECT(t, jwks, "n1", now, -1, "");
        else if (extra[i])
            EXPECT(t, jwks, "n1", now, -1, "strict");
        else
            EXPECT(t, jwks, "n1", now, 0, "ok");
        free(t);
    }
    free(jwks);
    keys_free(&k);
}
END_TEST

static char *b64(const char *s)
{
    return sc_b64url((const uint8_t *)s, strlen(s));
}

START_TEST(idtoken_bad_algorithms)
{
    keys_t k = gen(R_KEY_TYPE_EC, "k1");
    char *jwks = jwks_of(k.pub, NULL);
    int64_t now = time(NULL);
    char *c = claims(ISS, "\"" CID "\"", now + 300, now, "n1", NULL);
    char *pc = b64(c);
    char tok[4096], why[160];

    /* alg none, with and without a signature part */
    char *h = b64("{\"alg\":\"none\",\"kid\":\"k1\"}");
    snprintf(tok, sizeof tok, "%s.%s.", h, pc);
    ck_assert_int_eq(verify(tok, jwks, "n1", now, why, sizeof why, NULL), -1);
    snprintf(tok, sizeof tok, "%s.%s", h, pc);
    ck_assert_int_eq(verify(tok, jwks, "n1", now, why, sizeof why, NULL), -1);
    free(h);

    /* HS256 keyed with the server's public JWK text (the classic confusion) */
    char *pubtxt = r_jwk_export_to_json_str(k.pub, 0);
    jwk_t *oct;
    ck_assert_int_eq(r_jwk_init(&oct), RHN_OK);
    char *kk = b64(pubtxt), octjson[2048];
    snprintf(octjson, sizeof octjson, "{\"kty\":\"oct\",\"kid\":\"k1\",\"k\":\"%s\"}", kk);
    ck_assert_int_eq(r_jwk_import_from_json_str(oct, octjson), RHN_OK);
    char *t = sign(oct, R_JWA_ALG_HS256, c, NULL, NULL);
    ck_assert_int_eq(verify(t, jwks, "n1", now, why, sizeof why, NULL), -1);
    ck_assert_msg(strstr(why, "not allowed"), "%s", why);
    free(t);
    free(kk);
    r_free(pubtxt);
    r_jwk_free(oct);

    /* unknown kid is reported as such (the caller refetches the JWKS once) */
    keys_t k2 = gen(R_KEY_TYPE_EC, "k2");
    t = sign(k2.priv, R_JWA_ALG_ES256, c, NULL, NULL);
    int unknown = 0;
    ck_assert_int_eq(verify(t, jwks, "n1", now, why, sizeof why, &unknown), -1);
    ck_assert_int_eq(unknown, 1);
    /* and verifies once the JWKS has it (rotation: old and new key) */
    char *both = jwks_of(k.pub, k2.pub);
    ck_assert_int_eq(verify(t, both, "n1", now, why, sizeof why, &unknown), 0);
    free(t);

    /* EdDSA is allowed; an Ed25519 key under an ES256 header is not */
    keys_t ed = gen(R_KEY_TYPE_EDDSA, "ed1");
    char *edjwks = jwks_of(ed.pub, NULL);
    t = sign(ed.priv, R_JWA_ALG_EDDSA, c, NULL, NULL);
    ck_assert_int_eq(verify(t, edjwks, "n1", now, why, sizeof why, NULL), 0);
    free(t);
    char *edh = b64("{\"alg\":\"ES256\",\"kid\":\"ed1\"}");
    snprintf(tok, sizeof tok, "%s.%s.AAAA", edh, pc);
    ck_assert_int_eq(verify(tok, edjwks, "n1", now, why, sizeof why, NULL), -1);
    free(edh);

    /* garbage */
    ck_assert_int_eq(verify("", jwks, "n1", now, why, sizeof why, NULL), -1);
    ck_assert_int_eq(verify("a.b.c", jwks, "n1", now, why, sizeof why, NULL), -1);
    ck_assert_int_eq(verify("....", jwks, "n1", now, why, sizeof why, NULL), -1);
    ck_assert_int_eq(verify(tok, "{\"keys\":[]}", "n1", now, why, sizeof why, NULL), -1);
    ck_assert_int_eq(verify(tok, "not json", "n1", now, why, sizeof why, NULL), -1);

    free(edjwks);
    keys_free(&ed);
    free(both);
    keys_free(&k2);
    free(pc);
    free(c);
    free(jwks);
    keys_free(&k);
}
END_TEST

/* ---------------------------------------------------------------- tokens file */
static sealclient_t *handle_at(const char *path)
{
    sealclient_options_t o = { .struct_size = sizeof o, .issuer = ISS, .client_id = CID,
                               .tokens_path = path, .leeway_s = -1 };
    sealclient_t *c = NULL;
    ck_assert_int_eq(sealclient_new(&o, &c), SEALCLIENT_OK);
    return c;
}

START_TEST(store_mode_and_refusal)
{
    char dir[] = "/tmp/sealclient-test.XXXXXX", path[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/a/seal/tokens.json", dir);
    mode_t old = umask(0);          /* the worst umask: still 0600 */
    sealclient_t *c = handle_at(path);
    c->tok.issuer = strdup(ISS);
    c->tok.client_id = strdup(CID);
    c->tok.access_token = strdup("at-secret");
    c->tok.refresh_token = strdup("rt-secret");
    c->tok.sub = strdup("alice");
    c->tok.expires_at = 1234567890;
    ck_assert_int_eq(sc_store_save(c), SEALCLIENT_OK);
    umask(old);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    char d[256];
    snprintf(d, sizeof d, "%s/a/seal", dir);
    ck_assert_int_eq(stat(d, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0700);

    sealclient_t *c2 = handle_at(path);
    sealclient_session_t s;
    ck_assert_int_eq(sealclient_session(c2, &s), SEALCLIENT_OK);
    ck_assert_str_eq(s.subject, "alice");
    ck_assert_int_eq(s.expires_at, 1234567890);
    ck_assert_int_eq(s.has_refresh_token, 1);
    ck_assert_str_eq(c2->tok.access_token, "at-secret");

    /* a session for another issuer is not used */
    sealclient_options_t o = { .struct_size = sizeof o, .issuer = "https://other.example",
                               .tokens_path = path, .leeway_s = -1 };
    sealclient_t *c3 = NULL;
    ck_assert_int_eq(sealclient_new(&o, &c3), SEALCLIENT_OK);
    ck_assert_int_eq(sealclient_session(c3, &s), SEALCLIENT_E_NOSESSION);
    sealclient_free(c3);

    /* readable by others: refused */
    ck_assert_int_eq(chmod(path, 0644), 0);
    ck_assert_int_eq(sealclient_session(c2, &s), SEALCLIENT_E_IO);
    ck_assert_msg(strstr(sealclient_error(c2), "chmod 600"), "%s", sealclient_error(c2));
    ck_assert_int_eq(chmod(path, 0600), 0);

    /* saving again replaces the file; no temporary file is left */
    ck_assert_int_eq(sc_store_save(c), SEALCLIENT_OK);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s/a/seal | grep -v '^tokens.json' | wc -l) -eq 0", dir);
    ck_assert_int_eq(system(cmd), 0);

    ck_assert_int_eq(sc_store_delete(c2), SEALCLIENT_OK);
    ck_assert_int_eq(sealclient_session(c2, &s), SEALCLIENT_E_NOSESSION);
    sealclient_free(c);
    sealclient_free(c2);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(options_refused)
{
    sealclient_options_t o = { .struct_size = sizeof o, .issuer = "http://idm.example",
                               .client_id = CID, .tokens_path = "/tmp/x", .leeway_s = -1 };
    sealclient_t *c = NULL;
    ck_assert_int_eq(sealclient_new(&o, &c), SEALCLIENT_E_ARG);
    ck_assert_msg(strstr(sealclient_error(c), "https"), "%s", sealclient_error(c));
    sealclient_free(c);
    o.issuer = ISS;
    o.leeway_s = 31;
    ck_assert_int_eq(sealclient_new(&o, &c), SEALCLIENT_E_ARG);
    sealclient_free(c);
    o.leeway_s = -1;
    o.cacert = "/nonexistent/ca.pem";
    ck_assert_int_eq(sealclient_new(&o, &c), SEALCLIENT_E_ARG);
    sealclient_free(c);
    o.cacert = NULL;
    o.struct_size = 4;
    ck_assert_int_eq(sealclient_new(&o, &c), SEALCLIENT_E_ARG);
    ck_assert_ptr_null(c);
}
END_TEST

/* ---------------------------------------------------------------- loopback */
typedef struct browser {
    unsigned port;
    const char *requests[4];
    int statuses[4];
} browser_t;

static void *browse(void *arg)
{
    browser_t *b = arg;
    for (int i = 0; i < 4 && b->requests[i]; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)b->port) };
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            char buf[1024];
            snprintf(buf, sizeof buf, "%s\r\nHost: 127.0.0.1\r\n\r\n", b->requests[i]);
            (void)!write(fd, buf, strlen(buf));
            ssize_t n = read(fd, buf, sizeof buf - 1);
            if (n > 12) {
                buf[n] = '\0';
                b->statuses[i] = atoi(buf + 9);
            }
        }
        close(fd);
    }
    return NULL;
}

START_TEST(loopback_listener)
{
    sealclient_t *c = handle_at("/tmp/unused-tokens.json");
    ck_assert_int_eq(sc_loopback_open(c), SEALCLIENT_OK);
    ck_assert_uint_gt(c->port, 0);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%u/callback", c->port);
    ck_assert_str_eq(c->redirect_uri, want);
    c->state = strdup("st8");
    browser_t b = { .port = c->port,
                    .requests = { "GET /favicon.ico HTTP/1.1",
                                  "GET /callback?code=forged&state=guess HTTP/1.1",
                                  "POST /callback?code=x&state=st8 HTTP/1.1",
                                  "GET /callback?code=c%2B1&state=st8&iss=x HTTP/1.1" } };
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, browse, &b), 0);
    sc_pairs_t q;
    ck_assert_int_eq(sc_loopback_wait(c, 10000, &q), SEALCLIENT_OK);
    pthread_join(th, NULL);
    ck_assert_str_eq(sc_pairs_get(&q, "code"), "c+1");
    ck_assert_int_eq(b.statuses[0], 404);
    ck_assert_int_eq(b.statuses[1], 400);   /* wrong state: refused, and the wait goes on */
    ck_assert_int_eq(b.statuses[2], 400);
    ck_assert_int_eq(b.statuses[3], 200);
    sc_pairs_free(&q);

    /* nothing comes: a timeout, not a hang */
    ck_assert_int_eq(sc_loopback_wait(c, 200, &q), SEALCLIENT_E_TIMEOUT);
    sealclient_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sealclient");
    TCase *t = tcase_create("pieces");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, pkce_rfc7636_vector);
    tcase_add_test(t, pkce_verifier_shape);
    tcase_add_test(t, form_encode_decode);
    tcase_add_test(t, html_login_form);
    tcase_add_test(t, html_odd_pages);
    tcase_add_test(t, idtoken_checks);
    tcase_add_test(t, idtoken_strict_claims);
    tcase_add_test(t, idtoken_bad_algorithms);
    tcase_add_test(t, store_mode_and_refusal);
    tcase_add_test(t, options_refused);
    tcase_add_test(t, loopback_listener);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
