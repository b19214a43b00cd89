/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parts of the identity management server, compiled in directly:
 * the form / query / HTTP authentication parsers of im_uu (uu_form.c),
 * PKCE S256 (RFC 7636, with the Appendix B example), argon2id password
 * hashing, base64url, scope lists and the login throttle of im. PKCE and
 * the random parts run through the crypto ABI of an in-process host with
 * crypto_gnutls. */
#include <argon2.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seal/seal.h>
#include "host.h"
#include "im_int.h"
#include "uu_form.h"

/* ---- form parser ---- */

static uu_form_t F;

static int parse(const char *body, const char **bad)
{
    uu_form_free(&F);
    return uu_form_parse(body, strlen(body), &F, bad);
}

START_TEST(form_decodes)
{
    ck_assert_int_eq(parse("grant_type=authorization_code&code=a%2Bb+c&redirect_uri="
                           "http%3A%2F%2F127.0.0.1%3A4711%2Fcb&&x", NULL), UU_FORM_OK);
    ck_assert_str_eq(uu_form_get(&F, "grant_type"), "authorization_code");
    ck_assert_str_eq(uu_form_get(&F, "code"), "a+b c");
    ck_assert_str_eq(uu_form_get(&F, "redirect_uri"), "http://127.0.0.1:4711/cb");
    /* "x" has no value: treated as omitted (RFC 6749 3.1) */
    ck_assert_ptr_null(uu_form_get(&F, "x"));
    ck_assert_uint_eq(F.n, 3);
    /* empty values are omitted, so they cannot clash either */
    ck_assert_int_eq(parse("client_secret=&client_id=app&client_secret=", NULL), UU_FORM_OK);
    ck_assert_ptr_null(uu_form_get(&F, "client_secret"));
    ck_assert_int_eq(parse("", NULL), UU_FORM_OK);
    ck_assert_uint_eq(F.n, 0);
    /* not NUL-terminated input: len counts */
    uu_form_free(&F);
    ck_assert_int_eq(uu_form_parse("a=1&b=2", 3, &F, NULL), UU_FORM_OK);
    ck_assert_str_eq(uu_form_get(&F, "a"), "1");
    ck_assert_ptr_null(uu_form_get(&F, "b"));
    uu_form_free(&F);
}
END_TEST

START_TEST(form_refuses)
{
    const char *bad = NULL;
    ck_assert_int_eq(parse("code=1&grant_type=x&code=2", &bad), UU_FORM_DUP);
    ck_assert_str_eq(bad, "code");
    ck_assert_int_eq(parse("a=%zz", NULL), UU_FORM_BAD);
    ck_assert_int_eq(parse("a=%4", NULL), UU_FORM_BAD);
    ck_assert_int_eq(parse("a=%00x", NULL), UU_FORM_BAD);   /* an encoded NUL */
    ck_assert_int_eq(parse("=1", NULL), UU_FORM_BAD);       /* no name */
    ck_assert_int_eq(parse("a%0Ab=1", NULL), UU_FORM_BAD);  /* a control character in a name */
    uu_form_free(&F);
    ck_assert_int_eq(uu_form_parse("a=1\0b=2", 7, &F, NULL), UU_FORM_BAD);
    char many[UU_FORM_MAX_PARAMS * 8 + 16] = "";
    for (int i = 0; i <= UU_FORM_MAX_PARAMS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "p%d=1&", i);
    ck_assert_int_eq(parse(many, NULL), UU_FORM_TOOBIG);
    char *big = malloc(UU_FORM_MAX_BYTES + 2);
    memset(big, 'a', UU_FORM_MAX_BYTES + 1);
    big[UU_FORM_MAX_BYTES + 1] = '\0';
    ck_assert_int_eq(parse(big, NULL), UU_FORM_TOOBIG);
    free(big);
    /* query parameters added one by one follow the same rules */
    uu_form_free(&F);
    ck_assert_int_eq(uu_form_add(&F, "state", "s", NULL), UU_FORM_OK);
    ck_assert_int_eq(uu_form_add(&F, "nonce", "", NULL), UU_FORM_OK);
    ck_assert_int_eq(uu_form_add(&F, "state", "t", &bad), UU_FORM_DUP);
    ck_assert_str_eq(bad, "state");
    ck_assert_uint_eq(F.n, 1);
    uu_form_free(&F);
}
END_TEST

START_TEST(basic_and_bearer)
{
    char *id, *secret;
    /* RFC 6749 2.3.1: id and secret are form-urlencoded, then base64:
     * "a%3Ab:p%2Bw+x" -> id "a:b", secret "p+w x" */
    ck_assert_int_eq(uu_basic_parse("Basic YSUzQWI6cCUyQncreA==", &id, &secret), 0);
    ck_assert_str_eq(id, "a:b");
    ck_assert_str_eq(secret, "p+w x");
    free(id);
    free(secret);
    ck_assert_int_eq(uu_basic_parse("basic   dnMxOnM=  ", &id, &secret), 0);   /* vs1:s */
    ck_assert_str_eq(id, "vs1");
    free(id);
    free(secret);
    ck_assert_int_eq(uu_basic_parse("Bearer abc", &id, &secret), 1);
    ck_assert_int_eq(uu_basic_parse(NULL, &id, &secret), 1);
    ck_assert_int_eq(uu_basic_parse("Basic !!!!", &id, &secret), -1);
    ck_assert_int_eq(uu_basic_parse("Basic dnMx", &id, &secret), -1);        /* "vs1": no colon */
    ck_assert_int_eq(uu_basic_parse("Basic OnM=", &id, &secret), -1);        /* ":s": no id */
    ck_assert_int_eq(uu_basic_parse("Basic YQBiOmM=", &id, &secret), -1);    /* a NUL inside */
    ck_assert_int_eq(uu_basic_parse("Basic YTpi=", &id, &secret), -1);       /* bad padding */
    ck_assert_ptr_null(id);
    ck_assert_ptr_null(secret);

    size_t n = 0;
    const char *t = uu_bearer_token("Bearer abc.DEF-_~+/==  ", &n);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(n, 14);
    ck_assert_ptr_nonnull(uu_bearer_token("bearer x", &n));
    ck_assert_ptr_null(uu_bearer_token("Bearer", &n));
    ck_assert_ptr_null(uu_bearer_token("Bearer a b", &n));
    ck_assert_ptr_null(uu_bearer_token("Bearer a\"b", &n));
    ck_assert_ptr_null(uu_bearer_token("Basic abc", &n));
}
END_TEST

START_TEST(escaping)
{
    char *e = uu_html_escape("<a href=\"x\">'&'</a>");
    ck_assert_str_eq(e, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    free(e);
    char *q = NULL;
    size_t len = 0;
    ck_assert_int_eq(uu_query_append(&q, &len, "state", "a b&c=d/é"), 0);
    ck_assert_int_eq(uu_query_append(&q, &len, "code", "xY-_.~"), 0);
    ck_assert_str_eq(q, "state=a%20b%26c%3Dd%2F%C3%A9&code=xY-_.~");
    ck_assert_uint_eq(len, strlen(q));
    free(q);
}
END_TEST

/* ---- base64url, scopes ---- */

START_TEST(b64url_vectors)
{
    /* RFC 4648 10, in the URL alphabet without padding */
    static const struct { const char *in, *out; } v[] = {
        { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg" },
        { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" }, { "\xfb\xff", "-_8" },
    };
    char out[32];
    uint8_t back[32];
    size_t n;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        b64url_encode((const uint8_t *)v[i].in, strlen(v[i].in), out);
        ck_assert_str_eq(out, v[i].out);
        ck_assert_int_eq(b64url_decode(out, strlen(out), back, sizeof back, &n), 0);
        ck_assert_uint_eq(n, strlen(v[i].in));
        ck_assert(memcmp(back, v[i].in, n) == 0);
    }
    ck_assert_int_eq(b64url_decode("Zh", 2, back, sizeof back, &n), -1);   /* bits left */
    ck_assert_int_eq(b64url_decode("Z", 1, back, sizeof back, &n), -1);
    ck_assert_int_eq(b64url_decode("Zm9v+", 5, back, sizeof back, &n), -1);
    ck_assert_int_eq(b64url_decode("Zm9vYmFy", 8, back, 5, &n), -1);     /* too small */
}
END_TEST

START_TEST(scope_lists)
{
    ck_assert(im_scope_has("openid  seal.gm", "seal.gm"));
    ck_assert(!im_scope_has("openid seal.gmx", "seal.gm"));
    ck_assert(!im_scope_has(NULL, "openid"));
    ck_assert(im_scope_subset("seal.gm", "openid seal.gm"));
    ck_assert(im_scope_subset("", "openid"));
    ck_assert(!im_scope_subset("seal.gm seal.km", "openid seal.gm"));
    struct json_object *a = json_tokener_parse("[\"openid\",\"seal.km\"]");
    ck_assert(im_scope_subset_arr("seal.km openid", a));
    ck_assert(!im_scope_subset_arr("seal.km seal.cm", a));
    json_object_put(a);
}
END_TEST

/* im_json_parse reads admin bodies, token-exchange JWS parts and partner
 * key sets: strict JSON only (lib/sjson), a duplicate name refused. */
START_TEST(json_is_strict)
{
    static const char *const bad[] = {
        "{\"user_id\":\"alice\",\"user_id\":\"admin\"}",
        "{\"client_id\":\"c\",\"redirect_uris\":[\"https://a\"],\"type\":\"public\","
        "\"type\":\"confidential\"}",
        "{\"sub\":\"a\\ud800\"}",
        "{\"sub\":\"a\xed\xa0\x80\"}",
        "{\"sub\":\"a\xc0\xaf\"}",
        "{\"exp\":NaN}",
        "{\"keys\":[{\"kid\":\"k\",\"kid\":\"l\"}]}",
        "{\"a\":1,}",
        "{\"a\":1} x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(im_json_parse(bad[i], strlen(bad[i])) == NULL, "%s", bad[i]);
    const char *ok = "{\"user_id\":\"alice\",\"password\":\"\\ud83d\\ude00\"}";
    struct json_object *o = im_json_parse(ok, strlen(ok));
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(im_jstr(o, "password"), "\xf0\x9f\x98\x80");
    json_object_put(o);
}
END_TEST

/* ---- passwords (argon2id) ---- */

/* The decoy that unknown user names are checked against: libargon2 parses
 * it and hashes the password with the configured cost before comparing (a
 * decoding error would answer at once, and the timing would tell which
 * names exist), and no password matches it. */
START_TEST(password_decoy)
{
    im_a2_t a = { 2, 2048, 1 };
    uint8_t salt[16], digest[32];
    for (int round = 0; round < 64; round++) {
        for (size_t i = 0; i < sizeof salt; i++)
            salt[i] = (uint8_t)(round * 37 + i * 11);
        for (size_t i = 0; i < sizeof digest; i++)
            digest[i] = (uint8_t)(round * 53 + i * 7 + 0xf0);   /* '+' and '/' appear */
        char *d = im_password_decoy(&a, salt, digest);
        ck_assert_ptr_nonnull(d);
        char *real = im_password_hash(&a, salt, "pw");
        ck_assert_ptr_nonnull(real);
        /* the same parameters and salt as a real hash: only the digest differs */
        size_t head = strrchr(real, '$') - real;
        ck_assert_msg(strncmp(d, real, head + 1) == 0, "%s vs %s", d, real);
        ck_assert_uint_eq(strlen(d), strlen(real));
        ck_assert_int_eq(argon2id_verify(d, "pw", 2), ARGON2_VERIFY_MISMATCH);
        ck_assert_int_eq(argon2id_verify(d, "", 0), ARGON2_VERIFY_MISMATCH);
        ck_assert_int_eq(im_password_verify(d, "pw"), 0);
        free(real);
        free(d);
    }
}
END_TEST

START_TEST(password_round_trip)
{
    im_a2_t a = { 1, 1024, 1 };
    uint8_t salt1[16] = { 1 }, salt2[16] = { 2 };
    char *h1 = im_password_hash(&a, salt1, "correct horse");
    char *h2 = im_password_hash(&a, salt2, "correct horse");
    ck_assert_ptr_nonnull(h1);
    ck_assert_ptr_nonnull(h2);
    /* PHC string with the parameters; never the password itself */
    ck_assert_msg(strncmp(h1, "$argon2id$v=19$m=1024,t=1,p=1$", 30) == 0, "%s", h1);
    ck_assert_ptr_null(strstr(h1, "correct"));
    ck_assert_str_ne(h1, h2);   /* salted */
    ck_assert_int_eq(im_password_verify(h1, "correct horse"), 1);
    ck_assert_int_eq(im_password_verify(h2, "correct horse"), 1);
    ck_assert_int_eq(im_password_verify(h1, "correct horsf"), 0);
    ck_assert_int_eq(im_password_verify(h1, ""), 0);
    /* tampered or foreign encodings never match */
    char *t = strdup(h1);
    t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(im_password_verify(t, "correct horse"), 0);
    memcpy(t, "$argon2i$", 9);
    ck_assert_int_eq(im_password_verify(t, "correct horse"), 0);
    ck_assert_int_eq(im_password_verify("garbage", "x"), 0);
    ck_assert_int_eq(im_password_verify(NULL, "x"), 0);
    free(t);
    /* the cost parameters are honoured */
    im_a2_t b = { 2, 2048, 2 };
    char *h3 = im_password_hash(&b, salt1, "pw");
    ck_assert_msg(strncmp(h3, "$argon2id$v=19$m=2048,t=2,p=2$", 30) == 0, "%s", h3);
    ck_assert_int_eq(im_password_verify(h3, "pw"), 1);
    /* an absurdly long password is refused before hashing */
    char *longpw = malloc(2000);
    memset(longpw, 'p', 1999);
    longpw[1999] = '\0';
    ck_assert_ptr_null(im_password_hash(&a, salt1, longpw));
    free(longpw);
    free(h1);
    free(h2);
    free(h3);
}
END_TEST

/* ---- PKCE through the crypto ABI ---- */

static seal_plugin_t *self;
static seal_host_t *host;

static seal_status_t t_init(seal_plugin_t *p)
{
    self = p;
    return SEAL_OK;
}

static const seal_plugin_desc_t t_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "imtest",
    .version = "0",
    .description = "im unit test consumer",
    .init = t_init,
};

static void host_setup(void)
{
    const char *b = getenv("top_builddir");
    char conf[1024];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": \"%s/plugins/crypto/crypto_gnutls/.libs\", \"store\": \"none\","
             " \"http\": {\"listen\": [\"127.0.0.1:0\"]}}", b && *b ? b : ".");
    host = seal_host_new();
    ck_assert_ptr_nonnull(host);
    ck_assert_int_eq(seal_host_configure_string(host, conf, "test.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(host, &t_desc, "imtest"), SEAL_OK);
    ck_assert_int_eq(seal_host_load(host), SEAL_OK);
    ck_assert_int_eq(seal_host_init(host), SEAL_OK);
    ck_assert_int_eq(seal_host_start(host), SEAL_OK);
    ck_assert_ptr_nonnull(self);
}

static void host_teardown(void)
{
    seal_host_shutdown(host);
    seal_host_free(host);
    host = NULL;
}

START_TEST(pkce_s256)
{
    /* RFC 7636 Appendix B */
    const char *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const char *challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    ck_assert_int_eq(im_pkce_s256_check(self, verifier, challenge), 1);
    ck_assert_int_eq(im_pkce_s256_check(self, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl",
                                        challenge), 0);
    ck_assert_int_eq(im_pkce_s256_check(self, verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJ"
                                                        "Sstw-cN"), 0);
    /* the plain method would compare the verifier itself: never accepted */
    ck_assert_int_eq(im_pkce_s256_check(self, challenge, challenge), 0);
    ck_assert_int_eq(im_pkce_s256_check(self, NULL, challenge), 0);
    ck_assert_int_eq(im_pkce_s256_check(self, verifier, NULL), 0);
    /* syntax (4.1): 43..128 unreserved characters */
    char v[130];
    memset(v, 'a', sizeof v);
    v[42] = '\0';
    ck_assert_int_eq(im_pkce_valid(v), 0);
    v[42] = 'a';
    v[43] = '\0';
    ck_assert_int_eq(im_pkce_valid(v), 1);
    memset(v, '~', 128);
    v[128] = '\0';
    ck_assert_int_eq(im_pkce_valid(v), 1);
    v[127] = '\0';
    v[0] = '+';
    ck_assert_int_eq(im_pkce_valid(v), 0);
    memset(v, 'a', 129);
    v[129] = '\0';
    ck_assert_int_eq(im_pkce_valid(v), 0);
}
END_TEST

START_TEST(tokens_are_random_and_hashed)
{
    im_ctx_t c = { .self = self };
    char a[IM_TOKEN_CHARS + 1], b[IM_TOKEN_CHARS + 1], ka[IM_TOKEN_CHARS + 1];
    ck_assert_int_eq(im_random_token(&c, a), SEAL_OK);
    ck_assert_int_eq(im_random_token(&c, b), SEAL_OK);
    ck_assert_uint_eq(strlen(a), IM_TOKEN_CHARS);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(im_token_key(&c, a, ka), SEAL_OK);
    ck_assert_str_ne(ka, a);
    /* SHA-256("abc") in base64url */
    ck_assert_int_eq(im_token_key(&c, "abc", ka), SEAL_OK);
    ck_assert_str_eq(ka, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}
END_TEST

/* ---- login throttle ---- */

/* A clock the test moves (milliseconds). */
static int64_t fake_ms = 1000;
static int64_t fake_clock(void)
{
    return fake_ms;
}

START_TEST(throttle_backoff)
{
    im_ctx_t c = { .login_max_user = 3, .login_max_addr = 5, .login_delay = 2,
                   .login_max_delay = 16 };
    const char *why;
    c.throttle = im_throttle_new();
    ck_assert_ptr_nonnull(c.throttle);
    im_throttle_set_clock(c.throttle, fake_clock);
    for (int i = 0; i < 2; i++) {
        im_throttle_failed(&c, "alice", "192.0.2.1");
        ck_assert_uint_eq(im_throttle_check(&c, "alice", "192.0.2.1", &why), 0);
    }
    im_throttle_failed(&c, "alice", "192.0.2.1");       /* the 3rd: 2 s */
    ck_assert_uint_eq(im_throttle_check(&c, "alice", "192.0.2.1", &why), 2);
    fake_ms += 1500;
    ck_assert_uint_eq(im_throttle_check(&c, "alice", "192.0.2.1", &why), 1);
    im_throttle_failed(&c, "alice", "192.0.2.1");       /* 4 s */
    ck_assert_uint_eq(im_throttle_check(&c, "alice", "192.0.2.1", &why), 4);
    for (int i = 0; i < 10; i++)                        /* doubling, capped at 16 */
        im_throttle_failed(&c, "alice", "192.0.2.1");
    ck_assert_uint_eq(im_throttle_check(&c, "alice", "192.0.2.1", &why), 16);
    /* other names from elsewhere are not slowed */
    ck_assert_uint_eq(im_throttle_check(&c, "bob", "192.0.2.9", &why), 0);
    /* a success from a known prefix clears the pair */
    fake_ms += 16000;
    im_throttle_succeeded(&c, "alice", "192.0.2.1");
    ck_assert_uint_eq(im_throttle_check(&c, "alice", "192.0.2.1", &why), 0);
    /* a quiet login_max_delay_s forgets a counter */
    for (int i = 0; i < 3; i++)
        im_throttle_failed(&c, "carol", "192.0.2.1");
    ck_assert_uint_gt(im_throttle_check(&c, "carol", "192.0.2.1", &why), 0);
    fake_ms += 16001;
    ck_assert_uint_eq(im_throttle_check(&c, "carol", "192.0.2.1", &why), 0);
    im_throttle_failed(&c, "carol", "192.0.2.1");
    ck_assert_uint_eq(im_throttle_check(&c, "carol", "192.0.2.1", &why), 0);
    /* many names cost no memory: the table forgets, never grows */
    char name[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(name, sizeof name, "u%d", i);
        im_throttle_failed(&c, name, "198.51.100.7");
    }
    im_throttle_free(c.throttle);
}
END_TEST

/* Failures from other addresses slow only the addresses that never logged
 * in as the user (ASVS 2.2.1): the user's own client is not locked out. */
START_TEST(throttle_no_lockout)
{
    im_ctx_t c = { .login_max_user = 3, .login_max_addr = 100, .login_delay = 60,
                   .login_max_delay = 900 };
    const char *why = NULL;
    char peer[64];
    c.throttle = im_throttle_new();
    im_throttle_set_clock(c.throttle, fake_clock);
    im_throttle_succeeded(&c, "alice", "2001:db8:1:2::10");
    for (int i = 0; i < 40; i++) {                   /* 2 each from 20 addresses */
        snprintf(peer, sizeof peer, "203.0.113.%d", i / 2 + 1);
        im_throttle_failed(&c, "alice", peer);
    }
    /* a new address waits (the user-wide counter), capped */
    ck_assert_uint_eq(im_throttle_check(&c, "alice", "203.0.113.200", &why), 900);
    ck_assert_str_eq(why, "user, new address");
    /* alice's known /64, from another interface identifier: no wait */
    ck_assert_uint_eq(im_throttle_check(&c, "alice", "2001:db8:1:2:aaaa::1", &why), 0);
    /* ... and failures inside the known /64 count for that /64 */
    for (int i = 0; i < 3; i++)
        im_throttle_failed(&c, "alice", "2001:db8:1:2::99");
    ck_assert_uint_eq(im_throttle_check(&c, "alice", "2001:db8:1:2::10", &why), 60);
    ck_assert_str_eq(why, "user");
    /* the address counter is per /64 too */
    ck_assert_uint_eq(im_throttle_check(&c, "bob", "2001:db8:1:3::1", &why), 0);
    im_throttle_free(c.throttle);
}
END_TEST

START_TEST(throttle_prefixes)
{
    char p[IM_PREFIX_MAX];
    im_throttle_prefix("192.0.2.33", p);
    ck_assert_str_eq(p, "192.0.2.33");
    im_throttle_prefix("2001:db8:1:2:3:4:5:6", p);
    ck_assert_str_eq(p, "2001:db8:1:2::/64");
    im_throttle_prefix("::ffff:192.0.2.33", p);
    ck_assert_str_eq(p, "192.0.2.33");
    im_throttle_prefix("::1", p);
    ck_assert_str_eq(p, "::/64");
    im_throttle_prefix("-", p);
    ck_assert_str_eq(p, "-");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("im");
    TCase *pure = tcase_create("pure");
    tcase_add_test(pure, form_decodes);
    tcase_add_test(pure, form_refuses);
    tcase_add_test(pure, basic_and_bearer);
    tcase_add_test(pure, escaping);
    tcase_add_test(pure, b64url_vectors);
    tcase_add_test(pure, password_decoy);
    tcase_add_test(pure, scope_lists);
    tcase_add_test(pure, json_is_strict);
    tcase_add_test(pure, password_round_trip);
    tcase_add_test(pure, throttle_backoff);
    tcase_add_test(pure, throttle_no_lockout);
    tcase_add_test(pure, throttle_prefixes);
    suite_add_tcase(s, pure);
    TCase *crypto = tcase_create("crypto");
    tcase_add_checked_fixture(crypto, host_setup, host_teardown);
    tcase_add_test(crypto, pkce_s256);
    tcase_add_test(crypto, tokens_are_random_and_hashed);
    suite_add_tcase(s, crypto);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    uu_form_free(&F);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
