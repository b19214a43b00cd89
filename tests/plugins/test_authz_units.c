/* SPDX-License-Identifier: Apache-2.0 */
/* authz_jwt's parts without a host: strict base64url, JWK Set reading,
 * token checks at a fixed clock (so every time bound is exact), the
 * validated-token cache (bounds, expiry, threads) and the revocation set
 * (reading a list, lookups, in-process additions). */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rhonabwy.h>

#include "b64url/b64url.h"
#include "jwks.h"
#include "jwt_check.h"
#include "revset.h"
#include "token_cache.h"

#define NOW INT64_C(1800000000)

/* ------------------------------------------------ base64url */

/* out: 64 characters */
static int dec(const char *s, char *out)
{
    size_t n = 0;
    int r = b64url_decode(s, strlen(s), (uint8_t *)out, 63, &n);
    if (r == 0)
        out[n] = '\0';
    return r;
}

START_TEST(b64url_is_strict)
{
    char out[64];
    ck_assert_int_eq(dec("", out), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(dec("QQ", out), 0);
    ck_assert_str_eq(out, "A");
    ck_assert_int_eq(dec("QUI", out), 0);
    ck_assert_str_eq(out, "AB");
    ck_assert_int_eq(dec("QUJD", out), 0);
    ck_assert_str_eq(out, "ABC");
    ck_assert_int_eq(dec("-_-_", out), 0);
    ck_assert_int_eq((unsigned char)out[0], 0xfb);
    /* Non-zero unused bits: another spelling of "A". */
    ck_assert_int_eq(dec("QR", out), -1);
    ck_assert_int_eq(dec("QUJ", out), -1);
    /* Impossible length, padding, the standard alphabet, whitespace. */
    ck_assert_int_eq(dec("Q", out), -1);
    ck_assert_int_eq(dec("QQ==", out), -1);
    ck_assert_int_eq(dec("QU+D", out), -1);
    ck_assert_int_eq(dec("QU/D", out), -1);
    ck_assert_int_eq(dec("QU D", out), -1);
    ck_assert_uint_eq(b64url_decoded_len(86), 64);
    ck_assert_uint_eq(b64url_decoded_len(5), SIZE_MAX);
    /* A result larger than the room given is refused, not written. */
    uint8_t small[5];
    size_t n = 0;
    ck_assert_int_eq(b64url_decode("Zm9vYmFy", 8, small, sizeof small, &n), -1);
    ck_assert_int_eq(b64url_decode("Zm9vYmE", 7, small, sizeof small, &n), 0);
    ck_assert_uint_eq(n, 5);
    /* Encoding: lengths and the round trip. */
    char enc[16];
    ck_assert_uint_eq(b64url_encode((const uint8_t *)"fooba", 5, enc), 7);
    ck_assert_str_eq(enc, "Zm9vYmE");
    ck_assert_uint_eq(b64url_encoded_len(5), 7);
    ck_assert_uint_eq(b64url_encoded_len(6), 8);
}
END_TEST

/* ------------------------------------------------ keys */

typedef struct kp { jwk_t *priv, *pub; } kp_t;

static kp_t gen(int type, const char *kid)
{
    kp_t k;
    ck_assert_int_eq(r_jwk_init(&k.priv), RHN_OK);
    ck_assert_int_eq(r_jwk_init(&k.pub), RHN_OK);
    ck_assert_int_eq(r_jwk_generate_key_pair(k.priv, k.pub, type, 256, kid), RHN_OK);
    return k;
}

static void kp_free(kp_t *k)
{
    r_jwk_free(k->priv);
    r_jwk_free(k->pub);
}

static char *jwk_text(jwk_t *k)
{
    char *s = r_jwk_export_to_json_str(k, 0), *c = strdup(s);
    r_free(s);
    return c;
}

static int parse(const char *doc, jwks_set_t *set, size_t *skipped, char *why)
{
    return jwks_parse(doc, strlen(doc), set, skipped, why, 160);
}

START_TEST(jwks_keeps_signature_keys_of_our_two_kinds)
{
    kp_t ec = gen(R_KEY_TYPE_EC, "ec1"), ed = gen(R_KEY_TYPE_EDDSA, "ed1");
    kp_t p384 = gen(R_KEY_TYPE_EC, "p384");
    r_jwk_free(p384.priv);
    r_jwk_free(p384.pub);
    r_jwk_init(&p384.priv);
    r_jwk_init(&p384.pub);
    ck_assert_int_eq(r_jwk_generate_key_pair(p384.priv, p384.pub, R_KEY_TYPE_EC, 384, "p384"),
                     RHN_OK);
    char *a = jwk_text(ec.pub), *b = jwk_text(ed.pub), *c = jwk_text(p384.pub);
    char doc[8192], why[160];
    snprintf(doc, sizeof doc,
             "{\"keys\":[%s,%s,%s,"
             "{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
             "{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"c2VjcmV0\"}]}", a, b, c);
    jwks_set_t set = { 0 };
    size_t skipped = 0;
    ck_assert_int_eq(parse(doc, &set, &skipped, why), 0);
    ck_assert_uint_eq(set.n, 2);
    ck_assert_uint_eq(skipped, 3);
    ck_assert_int_eq(jwks_find(&set, "ec1")->alg, JWK_ALG_ES256);
    ck_assert_int_eq(jwks_find(&set, "ed1")->alg, JWK_ALG_EDDSA);
    ck_assert_ptr_null(jwks_find(&set, "p384"));
    ck_assert_ptr_null(jwks_find(&set, "h"));
    /* Only the checked members are kept. */
    ck_assert_ptr_null(strstr(jwks_find(&set, "ec1")->jwk, "kid"));
    jwks_set_t again = { 0 };
    ck_assert_int_eq(parse(doc, &again, NULL, why), 0);
    ck_assert(!jwks_lost_keys(&set, &again));
    jwks_clear(&again);
    snprintf(doc, sizeof doc, "{\"keys\":[%s]}", a);
    ck_assert_int_eq(parse(doc, &again, NULL, why), 0);
    ck_assert(jwks_lost_keys(&set, &again));
    jwks_clear(&again);
    jwks_clear(&set);
    free(a);
    free(b);
    free(c);
    kp_free(&ec);
    kp_free(&ed);
    kp_free(&p384);
}
END_TEST

/* Replaces the first "key":"..." member value in a JWK text. */
static char *with_member(const char *jwk, const char *key, const char *raw)
{
    char *out = malloc(strlen(jwk) + strlen(raw) + 64);
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(jwk, pat);
    if (!p) {                                /* add it */
        sprintf(out, "{%s%s,%s", pat, raw, jwk + 1);
        return out;
    }
    const char *v = p + strlen(pat), *e = v + 1;
    while (*e && *e != '"')
        e++;
    sprintf(out, "%.*s%s%s", (int)(v - jwk), jwk, raw, e + 1);
    return out;
}

START_TEST(jwks_skips_or_refuses_what_it_must)
{
    kp_t ec = gen(R_KEY_TYPE_EC, "ec1"), ec2 = gen(R_KEY_TYPE_EC, "ec2");
    char *a = jwk_text(ec.pub), *good2 = jwk_text(ec2.pub), *priv = jwk_text(ec.priv);
    char doc[8192], why[160];
    jwks_set_t set = { 0 };
    size_t skipped = 0;
    struct { const char *key, *raw; } skips[] = {
        { "use", "\"enc\"" },
        { "alg", "\"EdDSA\"" },
        { "alg", "\"HS256\"" },
        { "kid", "\"\"" },
        { "x", "\"AAAA\"" },                       /* 3 octets */
        { "x", "\"A\"" },
        { "crv", "\"P-384\"" },
    };
    for (size_t i = 0; i < sizeof skips / sizeof *skips; i++) {
        char *bad = with_member(a, skips[i].key, skips[i].raw);
        snprintf(doc, sizeof doc, "{\"keys\":[%s,%s]}", bad, good2);
        ck_assert_msg(parse(doc, &set, &skipped, why) == 0, "%s: %s", bad, why);
        ck_assert_msg(set.n == 1 && skipped == 1 && jwks_find(&set, "ec2"), "%s", bad);
        ck_assert_ptr_null(jwks_find(&set, "ec1"));
        jwks_clear(&set);
        free(bad);
    }
    /* A point that is not on P-256 (x = y = 1). */
    char *off = with_member(a, "x", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"");
    char *off2 = with_member(off, "y", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"");
    snprintf(doc, sizeof doc, "{\"keys\":[%s,%s]}", off2, good2);
    ck_assert_int_eq(parse(doc, &set, &skipped, why), 0);
    ck_assert_msg(set.n == 1 && skipped == 1 && jwks_find(&set, "ec2"), "%s", why);
    ck_assert_ptr_nonnull(strstr(why, "not a point of P-256"));
    jwks_clear(&set);
    free(off);
    free(off2);
    /* Duplicate kid: the first stays. */
    char *dup = with_member(good2, "kid", "\"ec1\"");
    snprintf(doc, sizeof doc, "{\"keys\":[%s,%s]}", a, dup);
    ck_assert_int_eq(parse(doc, &set, &skipped, why), 0);
    ck_assert_uint_eq(set.n, 1);
    ck_assert_uint_eq(skipped, 1);
    jwks_clear(&set);
    free(dup);
    /* Refused outright: a private key anywhere, no usable key, not a set. */
    snprintf(doc, sizeof doc, "{\"keys\":[%s,%s]}", good2, priv);
    ck_assert_int_eq(parse(doc, &set, &skipped, why), -1);
    ck_assert_ptr_nonnull(strstr(why, "private"));
    ck_assert_int_eq(parse("{\"keys\":[]}", &set, &skipped, why), -1);
    ck_assert_int_eq(parse("{\"keys\":{}}", &set, &skipped, why), -1);
    ck_assert_int_eq(parse("[]", &set, &skipped, why), -1);
    ck_assert_int_eq(parse("{\"keys\":[]} x", &set, &skipped, why), -1);
    ck_assert_int_eq(parse("{\"keys\":[] /* c */}", &set, &skipped, why), -1);
    ck_assert_int_eq(parse("", &set, &skipped, why), -1);
    ck_assert_uint_eq(set.n, 0);
    free(a);
    free(good2);
    free(priv);
    kp_free(&ec);
    kp_free(&ec2);
}
END_TEST

static const char *const typ[] = { "at+jwt", "application/at+jwt" };
static const jwt_policy_t pol = { .audience = "seal", .leeway_s = 30, .typ = typ, .n_typ = 2,
                                  .max_len = 8192 };

/* The coordinate lengths of an EC JWK's x and y, in characters. */
static void coord_lens(const char *jwk, size_t *xl, size_t *yl)
{
    const char *x = strstr(jwk, "\"x\":\""), *y = strstr(jwk, "\"y\":\"");
    *xl = x ? strcspn(x + 5, "\"") : 0;
    *yl = y ? strcspn(y + 5, "\"") : 0;
}

static char *sign(const kp_t *k, const char *hdr, const char *claims);

START_TEST(jwks_pads_short_p256_coordinates)
{
    /* librhonabwy drops a leading zero octet (about one key in 128): such
     * a key must still be read, and verify. */
    kp_t k = { 0 };
    char *pub = NULL;
    size_t xl = 43, yl = 43;
    for (int i = 0; i < 20000 && xl == 43 && yl == 43; i++) {
        if (pub) {
            free(pub);
            kp_free(&k);
        }
        k = gen(R_KEY_TYPE_EC, "short");
        pub = jwk_text(k.pub);
        coord_lens(pub, &xl, &yl);
    }
    ck_assert_msg(xl < 43 || yl < 43, "no short coordinate in 20000 keys");
    char doc[1024], why[160];
    snprintf(doc, sizeof doc, "{\"keys\":[%s]}", pub);
    jwks_set_t set = { 0 };
    ck_assert_int_eq(parse(doc, &set, NULL, why), 0);
    const jwks_key_t *key = jwks_find(&set, "short");
    ck_assert_ptr_nonnull(key);
    size_t kx, ky;
    coord_lens(key->jwk, &kx, &ky);
    ck_assert_uint_eq(kx, 43);
    ck_assert_uint_eq(ky, 43);
    char *tok = sign(&k, "{\"alg\":\"ES256\",\"kid\":\"short\",\"typ\":\"at+jwt\"}",
                     "{\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\",\"iat\":1800000000,"
                     "\"exp\":1800000100}");
    jwt_token_t *t = NULL;
    ck_assert_int_eq(jwt_token_parse(tok, strlen(tok), &pol, &t), JWT_OK);
    ck_assert_int_eq(jwt_token_verify(t, key->alg, key->jwk), JWT_OK);
    jwt_token_free(t);
    free(tok);
    jwks_clear(&set);
    free(pub);
    kp_free(&k);
}
END_TEST

/* ------------------------------------------------ tokens at a fixed clock */


static char *sign(const kp_t *k, const char *hdr, const char *claims)
{
    jws_t *jws = NULL;
    ck_assert_int_eq(r_jws_init(&jws), RHN_OK);
    ck_assert_int_eq(r_jws_set_full_header_json_str(jws, hdr), RHN_OK);
    ck_assert_int_eq(r_jws_set_payload(jws, (const unsigned char *)claims, strlen(claims)),
                     RHN_OK);
    char *s = r_jws_serialize(jws, k->priv, 0), *c = strdup(s);
    r_free(s);
    r_jws_free(jws);
    return c;
}

/* Parses, verifies with k and checks claims at now. */
static jwt_status_t check(const char *tok, const kp_t *k, jwk_alg_t alg, int64_t now,
                          jwt_claims_t *cl, char *sub_out)
{
    jwt_token_t *t = NULL;
    jwt_status_t st = jwt_token_parse(tok, strlen(tok), &pol, &t);
    if (st == JWT_OK) {
        char *pub = jwk_text(k->pub);
        st = jwt_token_verify(t, alg, pub);
        free(pub);
    }
    jwt_claims_t c;
    if (st == JWT_OK)
        st = jwt_token_claims(t, &pol, now, cl ? cl : &c);
    if (st == JWT_OK && sub_out)
        strcpy(sub_out, (cl ? cl : &c)->sub);
    jwt_token_free(t);
    return st;
}

static char *claims_at(int64_t iat, int64_t nbf, int64_t exp)
{
    char *c = malloc(512);
    snprintf(c, 512, "{\"iss\":\"https://idm\",\"sub\":\"alice\",\"aud\":\"seal\","
             "\"scope\":\"seal.gm openid\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}",
             (long long)iat, (long long)nbf, (long long)exp);
    return c;
}

START_TEST(time_bounds_are_exact)
{
    kp_t k = gen(R_KEY_TYPE_EC, "k");
    const char *h = "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"at+jwt\"}";
    struct { int64_t iat, nbf, exp; jwt_status_t want; } cases[] = {
        { NOW - 100, NOW - 100, NOW - 29, JWT_OK },
        { NOW - 100, NOW - 100, NOW - 30, JWT_E_EXPIRED },
        { NOW - 100, NOW + 30, NOW + 300, JWT_OK },
        { NOW - 100, NOW + 31, NOW + 300, JWT_E_NOT_YET_VALID },
        { NOW + 30, NOW - 100, NOW + 300, JWT_OK },
        { NOW + 31, NOW - 100, NOW + 300, JWT_E_IAT },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *c = claims_at(cases[i].iat, cases[i].nbf, cases[i].exp);
        char *tok = sign(&k, h, c);
        jwt_claims_t cl;
        ck_assert_msg(check(tok, &k, JWK_ALG_ES256, NOW, &cl, NULL) == cases[i].want,
                      "case %zu", i);
        free(tok);
        free(c);
    }
    /* Fractional NumericDates are read (floored); others are refused. */
    char *tok = sign(&k, h, "{\"iss\":\"https://idm\",\"sub\":\"a\",\"aud\":\"seal\","
                            "\"iat\":1799999999.5,\"exp\":1800000100.9}");
    jwt_claims_t cl;
    ck_assert_int_eq(check(tok, &k, JWK_ALG_ES256, NOW, &cl, NULL), JWT_OK);
    ck_assert_int_eq(cl.exp, NOW + 100);
    free(tok);
    const char *bad[] = {
        "{\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\",\"iat\":1799999999,\"exp\":\"1800000100\"}",
        "{\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\",\"iat\":1799999999,\"exp\":-1}",
        "{\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\",\"iat\":1799999999,\"exp\":1e300}",
        "{\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\",\"iat\":1799999999,"
        "\"exp\":9223372036854775807}",
        "{\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\",\"iat\":true,\"exp\":1800000100}",
        "{\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\",\"iat\":1799999999,\"exp\":1800000100,"
        "\"nbf\":null}",
        "{\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\",\"iat\":1799999999,\"exp\":1800000100,"
        "\"scope\":[\"seal.gm\"]}",
        "{\"iss\":\"i\",\"sub\":\"a\\u0000b\",\"aud\":\"seal\",\"iat\":1799999999,"
        "\"exp\":1800000100}",
        "{\"iss\":\"i\",\"sub\":\"a\\nb\",\"aud\":\"seal\",\"iat\":1799999999,"
        "\"exp\":1800000100}",
        "{\"iss\":\"i\",\"sub\":\"\",\"aud\":\"seal\",\"iat\":1799999999,\"exp\":1800000100}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tok = sign(&k, h, bad[i]);
        ck_assert_msg(check(tok, &k, JWK_ALG_ES256, NOW, NULL, NULL) == JWT_E_CLAIMS, "%s",
                      bad[i]);
        free(tok);
    }
    /* "aud" with a NUL must not match "seal". */
    tok = sign(&k, h, "{\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\\u0000x\","
                      "\"iat\":1799999999,\"exp\":1800000100}");
    ck_assert_int_eq(check(tok, &k, JWK_ALG_ES256, NOW, NULL, NULL), JWT_E_AUDIENCE);
    free(tok);
    kp_free(&k);
}
END_TEST

START_TEST(header_and_signature_checks)
{
    kp_t k = gen(R_KEY_TYPE_EC, "k"), e = gen(R_KEY_TYPE_EDDSA, "e");
    char *c = claims_at(NOW, NOW, NOW + 300);
    char sub[300];
    char *tok = sign(&e, "{\"alg\":\"EdDSA\",\"kid\":\"e\",\"typ\":\"at+jwt\"}", c);
    ck_assert_int_eq(check(tok, &e, JWK_ALG_EDDSA, NOW, NULL, sub), JWT_OK);
    ck_assert_str_eq(sub, "alice");
    /* The key's type must be the token's. */
    ck_assert_int_eq(check(tok, &e, JWK_ALG_ES256, NOW, NULL, NULL), JWT_E_ALG);
    ck_assert_int_eq(check(tok, &k, JWK_ALG_EDDSA, NOW, NULL, NULL), JWT_E_SIGNATURE);
    free(tok);
    tok = sign(&k, "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"application/at+jwt\"}", c);
    ck_assert_int_eq(check(tok, &k, JWK_ALG_ES256, NOW, NULL, NULL), JWT_OK);
    /* Trailing or inner whitespace, a fourth part, too long. */
    size_t n = strlen(tok);
    char *w = malloc(n + 3);
    snprintf(w, n + 3, "%s ", tok);
    ck_assert_int_eq(check(w, &k, JWK_ALG_ES256, NOW, NULL, NULL), JWT_E_MALFORMED);
    snprintf(w, n + 3, "%s.", tok);
    ck_assert_int_eq(check(w, &k, JWK_ALG_ES256, NOW, NULL, NULL), JWT_E_MALFORMED);
    free(w);
    jwt_policy_t small = pol;
    small.max_len = n - 1;
    jwt_token_t *t = NULL;
    ck_assert_int_eq(jwt_token_parse(tok, n, &small, &t), JWT_E_MALFORMED);
    ck_assert_ptr_null(t);
    free(tok);
    /* Header refusals, in the order they are checked. */
    const struct { const char *h; jwt_status_t want; } hs[] = {
        { "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"at+jwt\",\"zip\":\"DEF\"}", JWT_E_MALFORMED },
        { "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"at+jwt\",\"crit\":[\"x\"],\"x\":1}",
          JWT_E_MALFORMED },
        { "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"at+jwt\",\"cty\":\"JWT\"}", JWT_E_MALFORMED },
        { "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", JWT_E_MALFORMED },
        { "{\"alg\":\"ES256\",\"kid\":5,\"typ\":\"at+jwt\"}", JWT_E_MALFORMED },
        { "{\"alg\":\"ES256\",\"kid\":\"k\"}", JWT_E_TYP },
        { "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"JWT\"}", JWT_E_TYP },
        { "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"at+jwt\\u0000\"}", JWT_E_TYP },
        { "{\"alg\":\"ES384\",\"kid\":\"k\",\"typ\":\"at+jwt\"}", JWT_E_ALG },
        { "{\"alg\":\"es256\",\"kid\":\"k\",\"typ\":\"at+jwt\"}", JWT_E_ALG },
        { "{\"kid\":\"k\",\"typ\":\"at+jwt\"}", JWT_E_ALG },
        { "{\"alg\":\"HS256\",\"kid\":\"k\",\"typ\":\"at+jwt\"}", JWT_E_ALG },
        { "{\"alg\":\"none\",\"kid\":\"k\",\"typ\":\"at+jwt\"}", JWT_E_ALG },
        /* A duplicate header member (jansson and json-c keep the last one):
         * refused before anything reads it (RFC 7515 4). */
        { "{\"alg\":\"ES256\",\"alg\":\"HS256\",\"kid\":\"k\",\"typ\":\"at+jwt\"}",
          JWT_E_MALFORMED },
        { "{\"alg\":\"ES256\",\"kid\":\"k\",\"kid\":\"k\",\"typ\":\"at+jwt\"}",
          JWT_E_MALFORMED },
        { "{\"alg\":\"ES256\",\"kid\":\"k\\ud800\",\"typ\":\"at+jwt\"}", JWT_E_MALFORMED },
        { "[\"ES256\"]", JWT_E_MALFORMED },
    };
    for (size_t i = 0; i < sizeof hs / sizeof *hs; i++) {
        /* Assembled by hand: rhonabwy would not sign most of these. */
        char hb[512], cb[1024], buf[2048];
        size_t hl = 0, cl = 0;
        static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const char *srcs[2] = { hs[i].h, c };
        char *outs[2] = { hb, cb };
        size_t *lens[2] = { &hl, &cl };
        for (int s = 0; s < 2; s++) {
            const uint8_t *p = (const uint8_t *)srcs[s];
            size_t len = strlen(srcs[s]), o = 0, j = 0;
            for (; j + 2 < len; j += 3) {
                uint32_t v = (uint32_t)p[j] << 16 | (uint32_t)p[j + 1] << 8 | p[j + 2];
                outs[s][o++] = a[v >> 18];
                outs[s][o++] = a[v >> 12 & 63];
                outs[s][o++] = a[v >> 6 & 63];
                outs[s][o++] = a[v & 63];
            }
            if (len - j == 1) {
                outs[s][o++] = a[p[j] >> 2];
                outs[s][o++] = a[(p[j] & 3) << 4];
            } else if (len - j == 2) {
                uint32_t v = (uint32_t)p[j] << 8 | p[j + 1];
                outs[s][o++] = a[v >> 10];
                outs[s][o++] = a[v >> 4 & 63];
                outs[s][o++] = a[(v & 15) << 2];
            }
            outs[s][o] = '\0';
            *lens[s] = o;
        }
        snprintf(buf, sizeof buf, "%s.%s.%s", hb, cb,
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        t = NULL;
        jwt_status_t st = jwt_token_parse(buf, strlen(buf), &pol, &t);
        ck_assert_msg(st == hs[i].want, "%s: %d, wanted %d", hs[i].h, st, hs[i].want);
        jwt_token_free(t);
    }
    free(c);
    kp_free(&k);
    kp_free(&e);
}
END_TEST

/* RFC 7519 4: a claim set with a duplicate claim name must be refused,
 * even signed with the right key; the same for text that is not strict
 * JSON. A key set with a duplicate member is not read either. */
START_TEST(strict_json_in_claims_and_key_sets)
{
    kp_t k = gen(R_KEY_TYPE_EC, "k");
    const char *h = "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"at+jwt\"}";
    char claims[512];
    const char *const bad[] = {
        "\"sub\":\"alice\",\"sub\":\"mallory\"",
        "\"sub\":\"alice\",\"scope\":\"openid\",\"scope\":\"seal.gm openid\"",
        "\"sub\":\"alice\\udc00\"",
        "\"sub\":\"al\xc0\xafice\"",
        "\"sub\":\"alice\",\"x\":NaN",
        "\"sub\":\"alice\",\"x\":{\"y\":1,\"y\":2}",
    };
    for (size_t i = 0; i <= sizeof bad / sizeof *bad; i++) {
        snprintf(claims, sizeof claims, "{\"iss\":\"https://idm\",%s,\"aud\":\"seal\","
                 "\"scope\":\"seal.gm\",\"iat\":%lld,\"exp\":%lld}",
                 i < sizeof bad / sizeof *bad ? bad[i] : "\"sub\":\"alice\"",
                 (long long)NOW, (long long)NOW + 300);
        if (i == 1)     /* scope twice: the case itself names it */
            snprintf(claims, sizeof claims, "{\"iss\":\"https://idm\",%s,\"aud\":\"seal\","
                     "\"iat\":%lld,\"exp\":%lld}", bad[i], (long long)NOW,
                     (long long)NOW + 300);
        char *tok = sign(&k, h, claims);
        jwt_status_t st = check(tok, &k, JWK_ALG_ES256, NOW, NULL, NULL);
        if (i < sizeof bad / sizeof *bad)
            ck_assert_msg(st == JWT_E_MALFORMED, "%s: %d", claims, st);
        else
            ck_assert_msg(st == JWT_OK, "the control token: %d", st);
        free(tok);
    }
    char *a = jwk_text(k.pub), doc[4096], why[160];
    jwks_set_t set = { 0 };
    size_t skipped = 0;
    snprintf(doc, sizeof doc, "{\"keys\":[%s]}", a);
    ck_assert_int_eq(parse(doc, &set, &skipped, why), 0);
    jwks_clear(&set);
    snprintf(doc, sizeof doc, "{\"keys\":[%s],\"keys\":[]}", a);
    ck_assert_int_eq(parse(doc, &set, &skipped, why), -1);
    ck_assert_msg(strstr(why, "duplicate member name at /keys"), "%s", why);
    char *twice = with_member(a, "kid", "\"k\",\"kid\":\"k2\"");
    snprintf(doc, sizeof doc, "{\"keys\":[%s]}", twice);
    ck_assert_int_eq(parse(doc, &set, &skipped, why), -1);
    ck_assert_msg(strstr(why, "duplicate member name at /keys/0/kid"), "%s", why);
    ck_assert_uint_eq(set.n, 0);
    free(twice);
    free(a);
    kp_free(&k);
}
END_TEST

START_TEST(scope_matching)
{
    ck_assert(jwt_scope_has("seal.gm", "seal.gm"));
    ck_assert(jwt_scope_has("openid seal.gm seal.km", "seal.gm"));
    ck_assert(jwt_scope_has("openid  seal.km ", "seal.km"));
    ck_assert(!jwt_scope_has("seal.gmx", "seal.gm"));
    ck_assert(!jwt_scope_has("xseal.gm", "seal.gm"));
    ck_assert(!jwt_scope_has("seal", "seal.gm"));
    ck_assert(!jwt_scope_has("", "seal.gm"));
    ck_assert(!jwt_scope_has(NULL, "seal.gm"));
    ck_assert(!jwt_scope_has("seal.gm", ""));
}
END_TEST

/* ------------------------------------------------ the cache */

static void key_of(unsigned i, uint8_t key[TOKEN_CACHE_KEY_LEN])
{
    char tok[32];
    snprintf(tok, sizeof tok, "token-%u", i);
    token_cache_key(tok, strlen(tok), key);
}

static void put(token_cache_t *c, const uint8_t *k, int64_t until, const char *sub,
                const char *scope)
{
    token_facts_t f = { sub, scope, NULL, NULL, NULL, NULL };
    token_cache_put(c, k, token_cache_epoch(c), until, &f);
}

START_TEST(cache_hits_expires_and_stays_bounded)
{
    token_cache_t *c = token_cache_new(64);
    ck_assert_ptr_nonnull(c);
    uint8_t k[TOKEN_CACHE_KEY_LEN];
    char buf[TOKEN_CACHE_VALUE_MAX];
    token_facts_t f;
    key_of(1, k);
    ck_assert(!token_cache_get(c, k, NOW, buf, &f));
    token_facts_t all = { "alice", "openid seal.gm", "client-1", "sip:a@x tel:+1",
                          "https://idm.example", "jti-1" };
    token_cache_put(c, k, token_cache_epoch(c), NOW + 10, &all);
    ck_assert(token_cache_get(c, k, NOW + 9, buf, &f));
    ck_assert_str_eq(f.sub, "alice");
    ck_assert_str_eq(f.scope, "openid seal.gm");
    ck_assert_str_eq(f.client_id, "client-1");
    ck_assert_str_eq(f.val_user_ids, "sip:a@x tel:+1");
    /* What revocation is checked by comes back too. */
    ck_assert_str_eq(f.iss, "https://idm.example");
    ck_assert_str_eq(f.jti, "jti-1");
    /* Expired at valid_until, and dropped. */
    ck_assert(!token_cache_get(c, k, NOW + 10, buf, &f));
    ck_assert(!token_cache_get(c, k, NOW, buf, &f));
    /* Absent facts stay absent. */
    put(c, k, NOW + 10, "bob", NULL);
    ck_assert(token_cache_get(c, k, NOW, buf, &f));
    ck_assert_str_eq(f.sub, "bob");
    ck_assert_ptr_null(f.scope);
    ck_assert_ptr_null(f.client_id);
    ck_assert_ptr_null(f.val_user_ids);
    ck_assert_ptr_null(f.jti);
    /* 10000 tokens into 64 places: at most 64 stay, the latest among them. */
    for (unsigned i = 0; i < 10000; i++) {
        key_of(100 + i, k);
        put(c, k, NOW + 1000 + i, "u", "s");
    }
    unsigned kept = 0;
    for (unsigned i = 0; i < 10000; i++) {
        key_of(100 + i, k);
        kept += (unsigned)token_cache_get(c, k, NOW, buf, &f);
    }
    ck_assert_uint_le(kept, 64);
    ck_assert_uint_ge(kept, 16);
    key_of(100 + 9999, k);
    ck_assert(token_cache_get(c, k, NOW, buf, &f));
    /* Facts too long to keep are not kept. */
    char big[TOKEN_CACHE_VALUE_MAX];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    key_of(7, k);
    put(c, k, NOW + 10, "x", big);
    ck_assert(!token_cache_get(c, k, NOW, buf, &f));
    /* A clear forgets everything, and a token validated before it (with a
     * key that may be the withdrawn one) is not kept after it. */
    uint64_t before = token_cache_epoch(c);
    token_cache_clear(c);
    key_of(100 + 9999, k);
    ck_assert(!token_cache_get(c, k, NOW, buf, &f));
    token_cache_put(c, k, before, NOW + 10, &all);
    ck_assert(!token_cache_get(c, k, NOW, buf, &f));
    token_cache_put(c, k, token_cache_epoch(c), NOW + 10, &all);
    ck_assert(token_cache_get(c, k, NOW, buf, &f));
    uint64_t hits = 0, misses = 0;
    token_cache_stats(c, &hits, &misses);
    ck_assert_uint_gt(hits, 0);
    ck_assert_uint_gt(misses, 0);
    token_cache_free(c);
    /* Room for at least 4 however small it is asked to be. */
    c = token_cache_new(0);
    key_of(1, k);
    put(c, k, NOW + 10, "a", "s");
    ck_assert(token_cache_get(c, k, NOW, buf, &f));
    token_cache_free(c);
}
END_TEST

static token_cache_t *shared;

static void *hammer(void *arg)
{
    unsigned base = (unsigned)(uintptr_t)arg, wrong = 0;
    uint8_t k[TOKEN_CACHE_KEY_LEN];
    char buf[TOKEN_CACHE_VALUE_MAX], want[32];
    for (unsigned i = 0; i < 20000; i++) {
        unsigned id = base + i % 500;
        key_of(id, k);
        snprintf(want, sizeof want, "u%u", id);
        token_facts_t f;
        if (token_cache_get(shared, k, NOW, buf, &f)) {
            if (strcmp(f.sub, want) != 0 || !jwt_scope_has(f.scope, "s"))
                wrong++;
        } else {
            put(shared, k, NOW + 100, want, "s");
        }
        if (i % 5000 == 4999 && base == 0)
            token_cache_clear(shared);
    }
    return (void *)(uintptr_t)wrong;
}

START_TEST(cache_is_consistent_across_threads)
{
    shared = token_cache_new(256);
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, (void *)(i * 1000)), 0);
    for (int i = 0; i < 4; i++) {
        void *wrong;
        pthread_join(th[i], &wrong);
        ck_assert_uint_eq((uintptr_t)wrong, 0);
    }
    token_cache_free(shared);
}
END_TEST

START_TEST(client_id_and_val_user_ids)
{
    kp_t k = gen(R_KEY_TYPE_EC, "k");
    const char *h = "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"at+jwt\"}";
    const char *base = "\"iss\":\"i\",\"sub\":\"a\",\"aud\":\"seal\",\"iat\":1799999999,"
                       "\"exp\":1800000100";
    char c[1024];
    snprintf(c, sizeof c, "{%s,\"client_id\":\"cli\",\"val_user_ids\":[\"sip:a@v\",\"tel:+1\"]}",
             base);
    char *tok = sign(&k, h, c);
    jwt_token_t *t = NULL;
    ck_assert_int_eq(jwt_token_parse(tok, strlen(tok), &pol, &t), JWT_OK);
    jwt_claims_t cl;
    ck_assert_int_eq(jwt_token_claims(t, &pol, NOW, &cl), JWT_OK);
    ck_assert_str_eq(cl.client_id, "cli");
    ck_assert_str_eq(cl.val_user_ids, "sip:a@v tel:+1");
    ck_assert_ptr_null(cl.jti);
    jwt_token_free(t);
    free(tok);
    snprintf(c, sizeof c, "{%s,\"jti\":\"j-1 x\"}", base);
    tok = sign(&k, h, c);
    ck_assert_int_eq(jwt_token_parse(tok, strlen(tok), &pol, &t), JWT_OK);
    ck_assert_int_eq(jwt_token_claims(t, &pol, NOW, &cl), JWT_OK);
    ck_assert_str_eq(cl.jti, "j-1 x");
    jwt_token_free(t);
    free(tok);
    snprintf(c, sizeof c, "{%s,\"val_user_ids\":[]}", base);
    tok = sign(&k, h, c);
    ck_assert_int_eq(jwt_token_parse(tok, strlen(tok), &pol, &t), JWT_OK);
    ck_assert_int_eq(jwt_token_claims(t, &pol, NOW, &cl), JWT_OK);
    ck_assert_str_eq(cl.val_user_ids, "");
    ck_assert_ptr_null(cl.client_id);
    jwt_token_free(t);
    free(tok);
    const char *bad[] = {
        "\"val_user_ids\":\"sip:a@v\"", "\"val_user_ids\":[\"a b\"]", "\"val_user_ids\":[1]",
        "\"val_user_ids\":[\"\"]", "\"client_id\":7", "\"client_id\":\"\"",
        "\"client_id\":\"a\\u0000\"", "\"jti\":7", "\"jti\":\"\"", "\"jti\":\"a\\n\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(c, sizeof c, "{%s,%s}", base, bad[i]);
        tok = sign(&k, h, c);
        ck_assert_int_eq(jwt_token_parse(tok, strlen(tok), &pol, &t), JWT_OK);
        ck_assert_msg(jwt_token_claims(t, &pol, NOW, &cl) == JWT_E_CLAIMS, "%s", bad[i]);
        jwt_token_free(t);
        free(tok);
    }
    kp_free(&k);
}
END_TEST

/* ------------------------------------------------ the revocation set */

#define ISS "https://idm.example"

/* base64url(SHA-256(text)), as the IdM publishes a sub or a client_id. */
static void hash_of(const char *text, char out[44])
{
    uint8_t h[TOKEN_CACHE_KEY_LEN];
    token_cache_key(text, strlen(text), h);
    b64url_encode(h, sizeof h, out);
}

static int rs_parse(const char *json, int64_t now, revset_t **out, char *why)
{
    return revset_parse(json, strlen(json), ISS, now, 60, 30, out, why, 200);
}

START_TEST(revocation_list_is_read)
{
    char alice[44], vs1[44], json[2048], why[200] = "";
    hash_of("alice", alice);
    hash_of("vs1", vs1);
    snprintf(json, sizeof json,
             "{\"issuer\":\"" ISS "\",\"generated\":%lld,\"extra\":{\"x\":1},"
             "\"jtis\":[{\"jti\":\"j1\",\"exp\":%lld},{\"jti\":\"j2\",\"exp\":%lld},"
             "{\"jti\":\"old\",\"exp\":%lld},{\"jti\":\"j1\",\"exp\":%lld}],"
             "\"subjects\":[{\"sha256\":\"%s\",\"until\":%lld}],"
             "\"clients\":[{\"sha256\":\"%s\",\"until\":%lld}]}",
             (long long)NOW - 5, (long long)NOW + 100, (long long)NOW - 20, (long long)NOW - 31,
             (long long)NOW + 50, alice, (long long)NOW + 300, vs1, (long long)NOW + 300);
    revset_t *s = NULL;
    ck_assert_msg(rs_parse(json, NOW, &s, why) == 0, "%s", why);
    /* j2 is within the leeway of its exp, "old" past it; j1 once. */
    ck_assert_uint_eq(revset_count(s, REVSET_JTI), 2);
    ck_assert_uint_eq(revset_count(s, REVSET_SUBJECT), 1);
    ck_assert_uint_eq(revset_count(s, REVSET_CLIENT), 1);
    ck_assert(revset_revoked(s, "j1", "bob", "app"));
    ck_assert(revset_revoked(s, "j2", NULL, NULL));
    ck_assert(!revset_revoked(s, "old", "bob", "app"));
    ck_assert(!revset_revoked(s, "j3", "bob", "app"));
    ck_assert(!revset_revoked(s, NULL, NULL, NULL));
    /* A disabled user's every token, a disabled client's every token;
     * a user is not a client of the same name, nor the other way. */
    ck_assert(revset_revoked(s, "j3", "alice", "app"));
    ck_assert(revset_revoked(s, NULL, "bob", "vs1"));
    ck_assert(!revset_revoked(s, "j3", "vs1", "alice"));
    ck_assert(!revset_revoked(s, "j3", "alic", "vs"));
    revset_free(s);
    /* An empty list, and one without the arrays. */
    snprintf(json, sizeof json, "{\"issuer\":\"" ISS "\",\"generated\":%lld,\"jtis\":[],"
             "\"subjects\":[],\"clients\":[]}", (long long)NOW);
    ck_assert_int_eq(rs_parse(json, NOW, &s, why), 0);
    ck_assert(!revset_revoked(s, "j1", "alice", "vs1"));
    revset_free(s);
    snprintf(json, sizeof json, "{\"issuer\":\"" ISS "\",\"generated\":%lld}", (long long)NOW);
    ck_assert_int_eq(rs_parse(json, NOW, &s, why), 0);
    ck_assert_uint_eq(revset_count(s, REVSET_JTI), 0);
    revset_free(s);
}
END_TEST

START_TEST(revocation_list_refused_whole)
{
    char alice[44], json[1024], why[200];
    hash_of("alice", alice);
    char shorter[44];
    memcpy(shorter, alice, 42);
    shorter[42] = '\0';
    const char *entries[] = {
        "\"jtis\":[{\"jti\":\"\",\"exp\":1800000100}]",
        "\"jtis\":[{\"jti\":\"a\\nb\",\"exp\":1800000100}]",
        "\"jtis\":[{\"jti\":7,\"exp\":1800000100}]",
        "\"jtis\":[{\"jti\":\"a\"}]",
        "\"jtis\":[{\"jti\":\"a\",\"exp\":\"1800000100\"}]",
        "\"jtis\":[{\"jti\":\"a\",\"exp\":-1}]",
        "\"jtis\":[{\"jti\":\"a\",\"exp\":1.5}]",
        "\"jtis\":[\"a\"]",
        "\"jtis\":{}",
        "\"subjects\":[{\"sha256\":\"alice\",\"until\":1800000100}]",
        "\"clients\":7",
    };
    revset_t *s = NULL;
    for (size_t i = 0; i < sizeof entries / sizeof *entries; i++) {
        snprintf(json, sizeof json, "{\"issuer\":\"" ISS "\",\"generated\":%lld,%s}",
                 (long long)NOW, entries[i]);
        ck_assert_msg(rs_parse(json, NOW, &s, why) == -1, "%s", entries[i]);
        ck_assert_ptr_null(s);
    }
    /* Short, padded, and with the 2 unused bits of the last character set
     * (not the one canonical encoding). */
    const char *hashes[] = { shorter, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB" };
    for (size_t i = 0; i < sizeof hashes / sizeof *hashes; i++) {
        snprintf(json, sizeof json, "{\"issuer\":\"" ISS "\",\"generated\":%lld,"
                 "\"clients\":[{\"sha256\":\"%s\",\"until\":1800000100}]}",
                 (long long)NOW, hashes[i]);
        ck_assert_msg(rs_parse(json, NOW, &s, why) == -1, "%s", hashes[i]);
    }
    /* Another issuer's list; an old list (a cache on the way); no time. */
    snprintf(json, sizeof json, "{\"issuer\":\"https://other\",\"generated\":%lld}",
             (long long)NOW);
    ck_assert_int_eq(rs_parse(json, NOW, &s, why), -1);
    ck_assert(strstr(why, "issuer"));
    snprintf(json, sizeof json, "{\"issuer\":\"" ISS "\",\"generated\":%lld}",
             (long long)NOW - 61);
    ck_assert_int_eq(rs_parse(json, NOW, &s, why), -1);
    ck_assert(strstr(why, "61 s ago"));
    snprintf(json, sizeof json, "{\"issuer\":\"" ISS "\",\"generated\":%lld}",
             (long long)NOW - 60);
    ck_assert_int_eq(rs_parse(json, NOW, &s, why), 0);
    revset_free(s);
    ck_assert_int_eq(rs_parse("{\"issuer\":\"" ISS "\"}", NOW, &s, why), -1);
    ck_assert_int_eq(rs_parse("[]", NOW, &s, why), -1);
    snprintf(json, sizeof json, "{\"issuer\":\"" ISS "\",\"generated\":%lld} x",
             (long long)NOW);
    ck_assert_int_eq(rs_parse(json, NOW, &s, why), -1);
}
END_TEST

START_TEST(revocation_set_grows_in_process_and_forgets_what_ended)
{
    char alice[44], vs1[44];
    hash_of("alice", alice);
    hash_of("vs1", vs1);
    revset_t *j = revset_one(REVSET_JTI, "j1", NOW + 10);
    revset_t *u = revset_one(REVSET_SUBJECT, alice, NOW + 100);
    revset_t *c = revset_one(REVSET_CLIENT, vs1, NOW + 100);
    ck_assert(j && u && c);
    ck_assert_ptr_null(revset_one(REVSET_SUBJECT, "alice", NOW));
    ck_assert_ptr_null(revset_one(REVSET_JTI, "", NOW));
    char longjti[300];
    memset(longjti, 'j', 256);
    longjti[256] = '\0';
    ck_assert_ptr_null(revset_one(REVSET_JTI, longjti, NOW));
    revset_t *ju = revset_union(j, u, NOW, 30), *all = revset_union(ju, c, NOW, 30);
    ck_assert(revset_revoked(all, "j1", NULL, NULL));
    ck_assert(revset_revoked(all, NULL, "alice", NULL));
    ck_assert(revset_revoked(all, NULL, NULL, "vs1"));
    ck_assert(!revset_revoked(ju, NULL, NULL, "vs1"));   /* the inputs stay as they were */
    /* j1 ended (exp + leeway) by NOW + 41; alice's entry has not. */
    revset_t *later = revset_union(all, NULL, NOW + 41, 30);
    ck_assert(!revset_revoked(later, "j1", NULL, NULL));
    ck_assert(revset_revoked(later, NULL, "alice", NULL));
    ck_assert_uint_eq(revset_count(later, REVSET_JTI), 0);
    /* The same entry twice: once, with the later until. */
    revset_t *j2 = revset_one(REVSET_JTI, "j1", NOW + 1000);
    revset_t *both = revset_union(j, j2, NOW, 30);
    ck_assert_uint_eq(revset_count(both, REVSET_JTI), 1);
    revset_t *both_later = revset_union(both, NULL, NOW + 500, 30);
    ck_assert(revset_revoked(both_later, "j1", NULL, NULL));
    ck_assert(!revset_revoked(NULL, "j1", "alice", "vs1"));
    revset_t *sets[] = { j, u, c, ju, all, later, j2, both, both_later };
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        revset_free(sets[i]);
}
END_TEST

START_TEST(revocation_set_of_many)
{
    /* A list of 20000 jtis in random order: every one found, no other. */
    enum { N = 20000 };
    size_t cap = (size_t)N * 64 + 256, o = 0;
    char *json = malloc(cap), id[32], why[200] = "";
    ck_assert_ptr_nonnull(json);
    o += (size_t)snprintf(json, cap, "{\"issuer\":\"" ISS "\",\"generated\":%lld,\"jtis\":[",
                          (long long)NOW);
    srand(7);
    for (int i = 0; i < N; i++)
        o += (size_t)snprintf(json + o, cap - o, "%s{\"jti\":\"jti-%d-%d\",\"exp\":%lld}",
                              i ? "," : "", i, rand(), (long long)NOW + 100);
    snprintf(json + o, cap - o, "]}");
    revset_t *s = NULL;
    ck_assert_msg(rs_parse(json, NOW, &s, why) == 0, "%s", why);
    ck_assert_uint_eq(revset_count(s, REVSET_JTI), N);
    srand(7);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "jti-%d-%d", i, rand());
        ck_assert_msg(revset_revoked(s, id, "u", "c"), "%s", id);
        snprintf(id, sizeof id, "jti-%d-x", i);
        ck_assert(!revset_revoked(s, id, "u", "c"));
    }
    revset_free(s);
    free(json);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("authz_jwt units");
    TCase *tc = tcase_create("units");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, b64url_is_strict);
    tcase_add_test(tc, jwks_keeps_signature_keys_of_our_two_kinds);
    tcase_add_test(tc, jwks_skips_or_refuses_what_it_must);
    tcase_add_test(tc, jwks_pads_short_p256_coordinates);
    tcase_add_test(tc, time_bounds_are_exact);
    tcase_add_test(tc, header_and_signature_checks);
    tcase_add_test(tc, strict_json_in_claims_and_key_sets);
    tcase_add_test(tc, scope_matching);
    tcase_add_test(tc, cache_hits_expires_and_stays_bounded);
    tcase_add_test(tc, cache_is_consistent_across_threads);
    tcase_add_test(tc, client_id_and_val_user_ids);
    tcase_add_test(tc, revocation_list_is_read);
    tcase_add_test(tc, revocation_list_refused_whole);
    tcase_add_test(tc, revocation_set_grows_in_process_and_forgets_what_ended);
    tcase_add_test(tc, revocation_set_of_many);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
