/* SPDX-License-Identifier: Apache-2.0 */
/* authz_jwt through an in-process host (RFC 6750 bearer tokens, RFC 9068
 * JWT access tokens): a builtin plugin ("authztest") registers service "t"
 * with a protected route that answers with the principal, and public
 * routes serving two issuers' JWK Sets, so the plugin fetches the keys over
 * loopback from the very host it protects (and so must retry until the
 * listener opens), and the first issuer's revocation list. Tokens are
 * minted here with librhonabwy, or by hand for the forged ones, and sent
 * with libcurl. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <rhonabwy.h>
#include <seal/seal.h>
#include <seal/services/im.h>

#include "host.h"
#include "unit/http_util.h"

#define ISS "https://idm.test"
#define ISS2 "https://partner.test"
#define NO_TIME INT64_MIN

/* ------------------------------------------------ the test plugin */

typedef struct tstate {
    pthread_mutex_t mu;
    char *jwks[2];             /* served at /t/jwks and /t/jwks2 */
    int fetches[2];
    char *revlist;             /* served at /t/revocations (NULL: 503) */
} tstate_t;

static tstate_t T = { .mu = PTHREAD_MUTEX_INITIALIZER };
static seal_plugin_t *tp_self;  /* to run the im's hook as an im would */

static seal_status_t h_hello(seal_request_t *req, void *user)
{
    (void)user;
    const char *p = seal_request_principal(req);
    return seal_response_send(req, 200, "text/plain", p ? p : "(none)", strlen(p ? p : "(none)"));
}

static seal_status_t h_attrs(seal_request_t *req, void *user)
{
    (void)user;
    char b[1024];
    const char *c = seal_request_attr(req, "client_id"), *s = seal_request_attr(req, "scope");
    const char *v = seal_request_attr(req, "val_user_ids");
    int n = snprintf(b, sizeof b, "%s|%s|%s", c ? c : "-", s ? s : "-", v ? v : "-");
    return seal_response_send(req, 200, "text/plain", b, (size_t)n);
}

static seal_status_t h_jwks(seal_request_t *req, void *user)
{
    int i = (int)(intptr_t)user;
    pthread_mutex_lock(&T.mu);
    T.fetches[i]++;
    char *body = T.jwks[i] ? strdup(T.jwks[i]) : NULL;
    pthread_mutex_unlock(&T.mu);
    seal_status_t st = body ? seal_response_send(req, 200, "application/jwk-set+json", body,
                                                 strlen(body))
                            : seal_response_problem(req, 503, NULL, "no keys yet", NULL, 0);
    free(body);
    return st;
}

static seal_status_t h_revlist(seal_request_t *req, void *user)
{
    (void)user;
    pthread_mutex_lock(&T.mu);
    char *body = T.revlist ? strdup(T.revlist) : NULL;
    pthread_mutex_unlock(&T.mu);
    seal_status_t st = body ? seal_response_send(req, 200, "application/json", body,
                                                 strlen(body))
                            : seal_response_problem(req, 503, NULL, "no list", NULL, 0);
    free(body);
    return st;
}

static seal_status_t tp_init(seal_plugin_t *self)
{
    tp_self = self;
    static const seal_service_def_t t = { sizeof t, "t", "test service", "seal.t" };
    static const seal_service_def_t n = { sizeof n, "unmapped", "a service without scope", NULL };
    const seal_route_def_t routes[] = {
        { sizeof(seal_route_def_t), "GET", "/t/hello", "t", 0, h_hello, NULL, NULL },
        { sizeof(seal_route_def_t), "GET", "/n/hello", "unmapped", 0, h_hello, NULL, NULL },
        { sizeof(seal_route_def_t), "GET", "/t/attrs", "t", 0, h_attrs, NULL, NULL },
        { sizeof(seal_route_def_t), "GET", "/t/jwks", "t", SEAL_ROUTE_F_PUBLIC, h_jwks,
          (void *)(intptr_t)0, NULL },
        { sizeof(seal_route_def_t), "GET", "/t/jwks2", "t", SEAL_ROUTE_F_PUBLIC, h_jwks,
          (void *)(intptr_t)1, NULL },
        { sizeof(seal_route_def_t), "GET", "/t/revocations", "t", SEAL_ROUTE_F_PUBLIC,
          h_revlist, NULL, NULL },
    };
    seal_status_t st = seal_service_register(self, &t);
    if (!st)
        st = seal_service_register(self, &n);
    for (size_t i = 0; !st && i < sizeof routes / sizeof *routes; i++)
        st = seal_route_register(self, &routes[i]);
    return st;
}

static const seal_plugin_desc_t tp_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "authztest",
    .version = "0",
    .description = "authz_jwt test routes",
    .init = tp_init,
};

/* ------------------------------------------------ keys and tokens */

typedef struct key {
    jwk_t *priv, *pub;
} key_t_;

static key_t_ kA, kE, kB, kO, kA2;   /* ES256, EdDSA, ES256 (rotated in), issuer 2, A's twin */

static void key_new(key_t_ *k, int type, const char *kid)
{
    ck_assert_int_eq(r_jwk_init(&k->priv), RHN_OK);
    ck_assert_int_eq(r_jwk_init(&k->pub), RHN_OK);
    ck_assert_int_eq(r_jwk_generate_key_pair(k->priv, k->pub, type, 256, kid), RHN_OK);
}

static void key_free(key_t_ *k)
{
    r_jwk_free(k->priv);
    r_jwk_free(k->pub);
}

/* A JWK Set with the given public keys (NULL-terminated). */
static char *jwks_of(jwk_t *first, ...)
{
    jwks_t *s = NULL;
    ck_assert_int_eq(r_jwks_init(&s), RHN_OK);
    va_list ap;
    va_start(ap, first);
    for (jwk_t *k = first; k; k = va_arg(ap, jwk_t *))
        ck_assert_int_eq(r_jwks_append_jwk(s, k), RHN_OK);
    va_end(ap);
    char *text = r_jwks_export_to_json_str(s, 0);
    ck_assert_ptr_nonnull(text);
    char *copy = strdup(text);
    r_free(text);
    r_jwks_free(s);
    return copy;
}

static void serve_jwks(int i, char *text)
{
    pthread_mutex_lock(&T.mu);
    free(T.jwks[i]);
    T.jwks[i] = text;
    pthread_mutex_unlock(&T.mu);
}

static int fetches(int i)
{
    pthread_mutex_lock(&T.mu);
    int n = T.fetches[i];
    pthread_mutex_unlock(&T.mu);
    return n;
}

static void b64url(const void *data, size_t len, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const uint8_t *p = data;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = a[v >> 18];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        out[o++] = a[v & 63];
    }
    if (len - i == 1) {
        out[o++] = a[p[i] >> 2];
        out[o++] = a[(p[i] & 3) << 4];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];
        out[o++] = a[v >> 10];
        out[o++] = a[v >> 4 & 63];
        out[o++] = a[(v & 15) << 2];
    }
    out[o] = '\0';
}

/* What a token says; NULL strings and NO_TIME times are left out. */
typedef struct tok {
    const char *alg, *kid, *typ, *extra_hdr;
    const char *iss, *sub, *aud, *scope;   /* aud is raw JSON */
    const char *vals;                      /* val_user_ids, raw JSON */
    const char *jti;
    int64_t iat, nbf, exp;
} tok_t;

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static tok_t good(void)
{
    int64_t now = now_s();
    return (tok_t){ .alg = "ES256", .kid = "kA", .typ = "at+jwt", .iss = ISS, .sub = "alice",
                    .aud = "\"seal\"", .scope = "openid seal.t", .jti = "j1", .iat = now,
                    .nbf = now, .exp = now + 300 };
}

static void add_str(char *b, size_t cap, const char *k, const char *v)
{
    if (v)
        snprintf(b + strlen(b), cap - strlen(b), "%s\"%s\":\"%s\"", b[1] ? "," : "", k, v);
}

static void add_raw(char *b, size_t cap, const char *k, const char *v)
{
    if (v)
        snprintf(b + strlen(b), cap - strlen(b), "%s\"%s\":%s", b[1] ? "," : "", k, v);
}

static void add_time(char *b, size_t cap, const char *k, int64_t v)
{
    if (v != NO_TIME)
        snprintf(b + strlen(b), cap - strlen(b), "%s\"%s\":%lld", b[1] ? "," : "", k,
                 (long long)v);
}

static void header_json(const tok_t *t, char *h, size_t cap)
{
    strcpy(h, "{");
    add_str(h, cap, "alg", t->alg);
    add_str(h, cap, "kid", t->kid);
    add_str(h, cap, "typ", t->typ);
    if (t->extra_hdr)
        snprintf(h + strlen(h), cap - strlen(h), "%s%s", h[1] ? "," : "", t->extra_hdr);
    strcat(h, "}");
}

static void claims_json(const tok_t *t, char *c, size_t cap)
{
    strcpy(c, "{");
    add_str(c, cap, "iss", t->iss);
    add_str(c, cap, "sub", t->sub);
    add_raw(c, cap, "aud", t->aud);
    add_str(c, cap, "scope", t->scope);
    add_str(c, cap, "client_id", "c1");
    add_raw(c, cap, "val_user_ids", t->vals);
    add_str(c, cap, "jti", t->jti);
    add_time(c, cap, "iat", t->iat);
    add_time(c, cap, "nbf", t->nbf);
    add_time(c, cap, "exp", t->exp);
    strcat(c, "}");
}

/* A token signed by librhonabwy with priv. */
static char *mint(const key_t_ *k, const tok_t *t)
{
    char h[1024], c[2048];
    header_json(t, h, sizeof h);
    claims_json(t, c, sizeof c);
    jws_t *jws = NULL;
    ck_assert_int_eq(r_jws_init(&jws), RHN_OK);
    ck_assert_int_eq(r_jws_set_full_header_json_str(jws, h), RHN_OK);
    ck_assert_int_eq(r_jws_set_payload(jws, (const unsigned char *)c, strlen(c)), RHN_OK);
    char *s = r_jws_serialize(jws, k->priv, 0);
    ck_assert_ptr_nonnull(s);
    char *copy = strdup(s);
    r_free(s);
    r_jws_free(jws);
    return copy;
}

/* A token assembled by hand: header.payload.signature, the signature given
 * raw (NULL: empty). */
static char *assemble(const tok_t *t, const void *sig, size_t sig_len)
{
    char h[1024], c[2048];
    header_json(t, h, sizeof h);
    claims_json(t, c, sizeof c);
    char *out = malloc(4096);
    b64url(h, strlen(h), out);
    strcat(out, ".");
    b64url(c, strlen(c), out + strlen(out));
    strcat(out, ".");
    if (sig)
        b64url(sig, sig_len, out + strlen(out));
    return out;
}

/* HS256 over the signing input with the given secret (the public key as
 * text: the classic algorithm-confusion forgery). */
static char *forge_hs256(const tok_t *t, const char *secret)
{
    char *tok = assemble(t, NULL, 0);
    uint8_t mac[32];
    ck_assert_int_eq(gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, strlen(secret), tok,
                                      strlen(tok) - 1, mac), 0);
    tok[strlen(tok) - 1] = '\0';          /* drop the final dot: re-added below */
    char *out = malloc(4096);
    snprintf(out, 4096, "%s.", tok);
    b64url(mac, sizeof mac, out + strlen(out));
    free(tok);
    return out;
}

/* ------------------------------------------------ host */

static seal_host_t *host;
static int refetch_s = 1;                /* jwks_min_refetch_s */
static int revoking;                     /* issuer 1 has a revocation_uri */
static unsigned port;
static char base[64];

static unsigned free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

static const char *builddir(void)
{
    const char *b = getenv("top_builddir");
    return b && *b ? b : ".";
}

static long get(const char *path, const char *auth, http_resp_t *r);

static void start_host(const char *extra_conf)
{
    char conf[4096];
    for (int attempt = 0; attempt < 5; attempt++) {
        port = free_port();
        snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
        snprintf(conf, sizeof conf,
                 "{\"plugin_dir\": [\"%s/plugins/auth/authz_jwt/.libs\"],"
                 " \"crypto\": \"none\", \"store\": \"none\","
                 " \"http\": {\"listen\": [\"127.0.0.1:%u\"]},"
                 " \"plugins\": {\"authz_jwt\": {"
                 "   \"issuers\": [{\"issuer\": \"" ISS "\", \"jwks_uri\": \"%s/t/jwks\"%s%s%s},"
                 "                 {\"issuer\": \"" ISS2 "\", \"jwks_uri\": \"%s/t/jwks2\"}],"
                 "   \"scopes\": {\"t\": \"seal.t\"},"
                 "   \"revocation_poll_s\": 1, \"revocation_max_age_s\": 2,"
                 "   \"jwks_min_refetch_s\": %d, \"jwks_refresh_s\": 3600,"
                 "   \"jwks_wait_ms\": 5000%s%s}}}",
                 builddir(), port, base, revoking ? ", \"revocation_uri\": \"" : "",
                 revoking ? base : "", revoking ? "/t/revocations\"" : "", base, refetch_s,
                 extra_conf ? ", " : "", extra_conf ? extra_conf : "");
        host = seal_host_new();
        ck_assert_ptr_nonnull(host);
        ck_assert_int_eq(seal_host_configure_string(host, conf, "authz-test.conf"), SEAL_OK);
        ck_assert_int_eq(seal_host_add_builtin(host, &tp_desc, "authztest"), SEAL_OK);
        ck_assert_int_eq(seal_host_load(host), SEAL_OK);
        ck_assert_int_eq(seal_host_init(host), SEAL_OK);
        if (seal_host_start(host) == SEAL_OK)
            return;
        seal_host_free(host);                 /* the port was taken meanwhile */
        host = NULL;
    }
    ck_abort_msg("the host did not start");
}

/* Waits until the plugin has read issuer 1's key set (it fetches it from
 * this host, which listens only after the plugins have started). */
static void wait_keys(void)
{
    tok_t t = good();
    char *tok = mint(&kA, &t);
    http_resp_t r;
    long st = 0;
    for (int i = 0; i < 100 && st != 200; i++) {
        st = get("/t/hello", tok, &r);
        http_resp_free(&r);
        if (st != 200)
            usleep(50 * 1000);
    }
    free(tok);
    ck_assert_int_eq(st, 200);
}

static void setup(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    refetch_s = 1;
    key_new(&kA, R_KEY_TYPE_EC, "kA");
    key_new(&kE, R_KEY_TYPE_EDDSA, "kE");
    key_new(&kB, R_KEY_TYPE_EC, "kB");
    key_new(&kO, R_KEY_TYPE_EC, "kO");
    key_new(&kA2, R_KEY_TYPE_EC, "kA");
    serve_jwks(0, jwks_of(kA.pub, kE.pub, NULL));
    serve_jwks(1, jwks_of(kO.pub, NULL));
    T.fetches[0] = T.fetches[1] = 0;
}

static void teardown(void)
{
    if (host) {
        seal_host_shutdown(host);
        seal_host_free(host);
        host = NULL;
    }
    key_free(&kA);
    key_free(&kE);
    key_free(&kB);
    key_free(&kO);
    key_free(&kA2);
    serve_jwks(0, NULL);
    serve_jwks(1, NULL);
    pthread_mutex_lock(&T.mu);
    free(T.revlist);
    T.revlist = NULL;
    pthread_mutex_unlock(&T.mu);
    revoking = 0;
    curl_global_cleanup();
}

/* ------------------------------------------------ helpers */

static long get(const char *path, const char *token, http_resp_t *r)
{
    char url[256], auth[8192];
    snprintf(url, sizeof url, "%s%s", base, path);
    const char *headers[2] = { NULL, NULL };
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        headers[0] = auth;
    }
    http_req_t rq = { .url = url, .headers = headers };
    http_do(NULL, &rq, r);
    ck_assert_msg(r->rc == CURLE_OK, "curl: %s", curl_easy_strerror(r->rc));
    return r->status;
}

static int challenges(const http_resp_t *r)
{
    int n = 0;
    for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncasecmp(p, "WWW-Authenticate:", 17) == 0;
    return n;
}

/* True when a WWW-Authenticate header holds every needle. */
static int challenge_has(const http_resp_t *r, const char *n1, const char *n2)
{
    for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncasecmp(p, "WWW-Authenticate:", 17) != 0)
            continue;
        size_t l = strcspn(p, "\r\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)l, p);
        if (strstr(line, n1) && (!n2 || strstr(line, n2)))
            return 1;
    }
    return 0;
}

/* Expects 401 invalid_token whose description holds why. */
static void expect_invalid(const char *token, const char *why)
{
    http_resp_t r;
    long st = get("/t/hello", token, &r);
    ck_assert_msg(st == 401, "status %ld (%s) for %.80s..., wanted 401 (%s)", st, r.body,
                  token ? token : "(none)", why);
    ck_assert_msg(challenge_has(&r, "Bearer realm=\"seal\"", "error=\"invalid_token\""),
                  "no invalid_token challenge in:\n%s", r.headers);
    ck_assert_msg(challenge_has(&r, why, NULL), "challenge does not say \"%s\":\n%s", why,
                  r.headers);
    /* The plugin's challenge is the only one (RFC 6750 3). */
    ck_assert_msg(challenges(&r) == 1, "%d challenges:\n%s", challenges(&r), r.headers);
    http_resp_free(&r);
}

static void expect_ok(const char *token, const char *who)
{
    http_resp_t r;
    long st = get("/t/hello", token, &r);
    ck_assert_msg(st == 200, "status %ld: %s\n%s", st, r.body, r.headers);
    ck_assert_str_eq(r.body, who);
    http_resp_free(&r);
}

static void expect_ok_tok(const key_t_ *k, const tok_t *t)
{
    char *tok = mint(k, t);
    expect_ok(tok, t->sub);
    free(tok);
}

static void expect_invalid_tok(const key_t_ *k, const tok_t *t, const char *why)
{
    char *tok = mint(k, t);
    expect_invalid(tok, why);
    free(tok);
}

/* ------------------------------------------------ tests */

START_TEST(valid_tokens_are_served_with_the_subject_as_principal)
{
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    expect_ok_tok(&kA, &t);
    t.alg = "EdDSA";
    t.kid = "kE";
    t.sub = "bob";
    expect_ok_tok(&kE, &t);
    /* aud as an array holding ours; typ case-insensitive (RFC 7515 4.1.9). */
    t = good();
    t.aud = "[\"other\",\"seal\"]";
    t.typ = "AT+JWT";
    expect_ok_tok(&kA, &t);
    /* nbf is optional (iat is not). */
    t = good();
    t.nbf = NO_TIME;
    expect_ok_tok(&kA, &t);
    /* The second issuer signs with its own key. */
    t = good();
    t.iss = ISS2;
    t.kid = "kO";
    t.sub = "partner-user";
    expect_ok_tok(&kO, &t);
}
END_TEST

START_TEST(the_token_facts_reach_the_handler)
{
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    t.vals = "[\"sip:alice@val.example\",\"tel:+15550100\"]";
    char *tok = mint(&kA, &t);
    for (int i = 0; i < 2; i++) {        /* the full check, then the cache */
        http_resp_t r;
        ck_assert_int_eq(get("/t/attrs", tok, &r), 200);
        ck_assert_str_eq(r.body, "c1|openid seal.t|sip:alice@val.example tel:+15550100");
        http_resp_free(&r);
    }
    free(tok);
    t = good();
    tok = mint(&kA, &t);
    http_resp_t r;
    ck_assert_int_eq(get("/t/attrs", tok, &r), 200);
    ck_assert_str_eq(r.body, "c1|openid seal.t|-");
    http_resp_free(&r);
    free(tok);
}
END_TEST

START_TEST(no_token_without_client_certificate_is_401_bearer)
{
    start_host(NULL);
    http_resp_t r;
    ck_assert_int_eq(get("/t/hello", NULL, &r), 401);
    ck_assert_msg(challenge_has(&r, "Bearer", NULL), "no Bearer challenge:\n%s", r.headers);
    http_resp_free(&r);
    /* Another scheme is not ours: same answer as no credentials. */
    char url[256];
    snprintf(url, sizeof url, "%s/t/hello", base);
    const char *h[] = { "Authorization: Basic YWxpY2U6c2VjcmV0", NULL };
    http_req_t rq = { .url = url, .headers = h };
    http_do(NULL, &rq, &r);
    ck_assert_int_eq(r.status, 401);
    ck_assert(!challenge_has(&r, "invalid_token", NULL));
    http_resp_free(&r);
    /* Public routes need nothing. */
    ck_assert_int_eq(get("/t/jwks", NULL, &r), 200);
    http_resp_free(&r);
}
END_TEST

START_TEST(expired_and_not_yet_valid_tokens_are_refused)
{
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    t.iat = now_s() - 3600;
    t.nbf = t.iat;
    t.exp = now_s() - 600;
    expect_invalid_tok(&kA, &t, "expired");
    t = good();
    t.nbf = now_s() + 600;
    expect_invalid_tok(&kA, &t, "not valid yet");
    t = good();
    t.iat = now_s() + 600;
    t.nbf = NO_TIME;
    expect_invalid_tok(&kA, &t, "issued in the future");
}
END_TEST

/* Starts at the beginning of a second, so that the checks below run in
 * the same second as the minting (they take milliseconds). */
static int64_t second_start(void)
{
    int64_t t0 = now_s();
    while (now_s() == t0)
        usleep(2000);
    return now_s();
}

START_TEST(leeway_is_30_seconds_exactly)
{
    start_host(NULL);
    wait_keys();
    for (int attempt = 0; attempt < 3; attempt++) {
        int64_t now = second_start();
        tok_t t = good();
        char *ok_exp, *bad_exp, *ok_nbf, *bad_nbf, *ok_iat, *bad_iat;
        t.iat = now - 100;
        t.nbf = now - 100;
        t.exp = now - 29;                /* refused from exp + 30 on */
        t.sub = "exp-29";
        ok_exp = mint(&kA, &t);
        t.exp = now - 30;
        bad_exp = mint(&kA, &t);
        t = good();
        t.nbf = now + 30;                /* refused before nbf - 30 */
        t.sub = "nbf+30";
        ok_nbf = mint(&kA, &t);
        t.nbf = now + 31;
        bad_nbf = mint(&kA, &t);
        t = good();
        t.nbf = NO_TIME;
        t.iat = now + 30;                /* refused after now + 30 */
        t.sub = "iat+30";
        ok_iat = mint(&kA, &t);
        t.iat = now + 31;
        bad_iat = mint(&kA, &t);
        int same_second = now_s() == now;
        if (same_second) {
            expect_ok(ok_exp, "exp-29");
            expect_ok(ok_nbf, "nbf+30");
            expect_ok(ok_iat, "iat+30");
            expect_invalid(bad_exp, "expired");
            expect_invalid(bad_nbf, "not valid yet");
            expect_invalid(bad_iat, "issued in the future");
            same_second = now_s() == now;
        }
        free(ok_exp);
        free(bad_exp);
        free(ok_nbf);
        free(bad_nbf);
        free(ok_iat);
        free(bad_iat);
        if (same_second)
            return;
        /* The second ended before the checks did: do it again. */
    }
    ck_abort_msg("could not run the checks within one second");
}
END_TEST

START_TEST(the_cache_answers_as_the_full_check_does)
{
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    t.sub = "cached";
    char *tok = mint(&kA, &t);
    for (int i = 0; i < 5; i++)
        expect_ok(tok, "cached");
    free(tok);
    t = good();
    t.scope = "openid";
    tok = mint(&kA, &t);
    for (int i = 0; i < 3; i++) {
        http_resp_t r;
        ck_assert_int_eq(get("/t/hello", tok, &r), 403);
        ck_assert(challenge_has(&r, "error=\"insufficient_scope\"", "scope=\"seal.t\""));
        ck_assert_int_eq(challenges(&r), 1);
        http_resp_free(&r);
    }
    free(tok);
    /* The stop line counts the hits: the repeats never reached a
     * signature check. */
    fflush(stderr);
    char path[] = "/tmp/authz-log-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    int saved = dup(2);
    dup2(fd, 2);
    seal_host_shutdown(host);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[8192] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(path);
    buf[n > 0 ? n : 0] = '\0';
    const char *line = strstr(buf, "token cache: ");
    ck_assert_msg(line, "no cache line in the log:\n%s", buf);
    unsigned long long hits = 0, misses = 0;
    ck_assert_int_eq(sscanf(line, "token cache: %llu hits, %llu misses", &hits, &misses), 2);
    /* 5 + 3 uses of two tokens: 2 misses, 6 hits (wait_keys adds misses). */
    ck_assert_msg(hits == 6 && misses >= 3, "hits %llu misses %llu", hits, misses);
}
END_TEST

START_TEST(forged_signatures_are_refused)
{
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    char *tok = mint(&kA, &t);
    /* One signature bit changed (the first character keeps the encoding
     * canonical). */
    char *sig = strrchr(tok, '.') + 1;
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    expect_invalid(tok, "signature does not verify");
    free(tok);
    /* Signed by another key under the published kid. */
    expect_invalid_tok(&kA2, &t, "signature does not verify");
    /* Claims changed after signing. */
    tok = mint(&kA, &t);
    tok_t t2 = good();
    t2.sub = "mallory";
    char *other = assemble(&t2, "x", 1);
    char *p1 = strchr(tok, '.') + 1, *p2 = strchr(other, '.') + 1;
    char spliced[4096];
    snprintf(spliced, sizeof spliced, "%.*s%.*s%s", (int)(p1 - tok), tok,
             (int)(strchr(p2, '.') - p2), p2, strchr(p1, '.'));
    expect_invalid(spliced, "signature does not verify");
    free(other);
    free(tok);
    /* A signature three octets short (one base64url quantum removed). */
    tok = mint(&kA, &t);
    sig = strrchr(tok, '.') + 1;
    memmove(sig, sig + 4, strlen(sig + 4) + 1);
    expect_invalid(tok, "signature does not verify");
    free(tok);
}
END_TEST

START_TEST(alg_none_and_hmac_with_the_public_key_are_refused)
{
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    t.alg = "none";
    char *tok = assemble(&t, NULL, 0);
    expect_invalid(tok, "algorithm is not accepted");
    free(tok);
    tok = assemble(&t, "0123456789012345678901234567890123456789012345678901234567890123", 64);
    expect_invalid(tok, "algorithm is not accepted");
    free(tok);
    /* HS256 keyed with the public key as published (JWK text) and as PEM. */
    t = good();
    t.alg = "HS256";
    char *jwk_text = r_jwk_export_to_json_str(kA.pub, 0);
    tok = forge_hs256(&t, jwk_text);
    expect_invalid(tok, "algorithm is not accepted");
    free(tok);
    r_free(jwk_text);
    unsigned char pem[4096];
    size_t pem_len = sizeof pem - 1;
    ck_assert_int_eq(r_jwk_export_to_pem_der(kA.pub, R_FORMAT_PEM, pem, &pem_len, 0), RHN_OK);
    pem[pem_len] = '\0';
    tok = forge_hs256(&t, (const char *)pem);
    expect_invalid(tok, "algorithm is not accepted");
    free(tok);
    /* Other algorithms, and ES256 claimed with the EdDSA key's kid. */
    t = good();
    t.alg = "RS256";
    tok = assemble(&t, "x", 1);
    expect_invalid(tok, "algorithm is not accepted");
    free(tok);
    t = good();
    t.alg = "EdDSA";
    t.kid = "kA";
    expect_invalid_tok(&kE, &t, "algorithm is not accepted");
}
END_TEST

START_TEST(headers_we_do_not_accept)
{
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    t.typ = NULL;
    expect_invalid_tok(&kA, &t, "type is not accepted");
    t.typ = "JWT";                       /* an ID token is not an access token */
    expect_invalid_tok(&kA, &t, "type is not accepted");
    t = good();
    t.kid = NULL;
    char *tok = assemble(&t, "0123456789012345678901234567890123456789012345678901234567890123", 64);
    expect_invalid(tok, "malformed");
    free(tok);
    t = good();
    t.extra_hdr = "\"crit\":[\"exp\"],\"exp\":1";
    expect_invalid_tok(&kA, &t, "malformed");
    t = good();
    t.extra_hdr = "\"zip\":\"DEF\"";
    tok = assemble(&t, "0123456789012345678901234567890123456789012345678901234567890123", 64);
    expect_invalid(tok, "malformed");
    free(tok);
    /* A key carried in the header is never used: the kid names nothing. */
    t = good();
    t.kid = "mine";
    char *jwk_text = r_jwk_export_to_json_str(kB.pub, 0);
    char extra[1024];
    snprintf(extra, sizeof extra, "\"jwk\":%s,\"jku\":\"%s/t/jwks\"", jwk_text, base);
    r_free(jwk_text);
    t.extra_hdr = extra;
    expect_invalid_tok(&kB, &t, "signing key is unknown");
    /* Not a token at all. */
    expect_invalid("", "malformed");
    expect_invalid("abc", "malformed");
    expect_invalid("a.b", "malformed");
    expect_invalid("a.b.c.d", "malformed");
    expect_invalid("eyJhbGciOiJFUzI1NiJ9.e30=.c2ln", "malformed");
    expect_invalid("****.****.****", "malformed");
}
END_TEST

START_TEST(issuer_audience_and_claims)
{
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    t.iss = "https://evil.test";
    expect_invalid_tok(&kA, &t, "issuer is not trusted");
    t.iss = NULL;
    expect_invalid_tok(&kA, &t, "issuer is not trusted");
    /* Issuer 2 claimed, signed with issuer 1's key: its set lacks the kid. */
    t = good();
    t.iss = ISS2;
    expect_invalid_tok(&kA, &t, "signing key is unknown");
    t = good();
    t.aud = "\"other\"";
    expect_invalid_tok(&kA, &t, "not meant for this server");
    t.aud = "[\"a\",\"b\"]";
    expect_invalid_tok(&kA, &t, "not meant for this server");
    t.aud = NULL;
    expect_invalid_tok(&kA, &t, "not meant for this server");
    t = good();
    t.sub = NULL;
    expect_invalid_tok(&kA, &t, "lacks a required claim");
    t = good();
    t.exp = NO_TIME;
    expect_invalid_tok(&kA, &t, "lacks a required claim");
    t = good();
    t.iat = NO_TIME;
    expect_invalid_tok(&kA, &t, "lacks a required claim");
}
END_TEST

START_TEST(missing_scope_is_403_insufficient_scope)
{
    start_host(NULL);
    wait_keys();
    const char *scopes[] = { "openid seal.gm", "seal.tt", "seal", NULL };
    for (int i = 0; i < 4; i++) {
        tok_t t = good();
        t.scope = scopes[i];
        char *tok = mint(&kA, &t);
        http_resp_t r;
        ck_assert_int_eq(get("/t/hello", tok, &r), 403);
        ck_assert_msg(challenge_has(&r, "error=\"insufficient_scope\"", "scope=\"seal.t\""),
                      "%s", r.headers);
        http_resp_free(&r);
        free(tok);
    }
    /* A service the configuration gives no scope: refused, not served. */
    tok_t t = good();
    char *tok = mint(&kA, &t);
    http_resp_t r;
    ck_assert_int_eq(get("/n/hello", tok, &r), 403);
    http_resp_free(&r);
    free(tok);
}
END_TEST

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(unknown_kid_refetches_at_most_once_per_interval)
{
    refetch_s = 2;
    start_host(NULL);
    wait_keys();
    usleep(2100 * 1000);                 /* the first fetch counts in the interval */
    int f0 = fetches(0);
    tok_t t = good();
    t.kid = "kB";
    char *tokB = mint(&kB, &t);
    /* kB is not published: one refetch, still unknown. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_invalid(tokB, "signing key is unknown");
    struct timespec t1;                  /* the refetch started before this */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_eq(fetches(0), f0 + 1);
    /* Published now, but within the interval no refetch happens (the
     * refetch started after t0, so 1.5 s after t0 is inside it). */
    serve_jwks(0, jwks_of(kA.pub, kE.pub, kB.pub, NULL));
    int tries = 0;
    for (; tries < 5 && since(&t0) < 1.5; tries++)
        expect_invalid(tokB, "signing key is unknown");
    ck_assert_msg(tries > 0, "too slow to test within the interval");
    ck_assert_int_eq(fetches(0), f0 + 1);
    /* Past the interval, the next unknown kid refetches. */
    while (since(&t1) < 2.05)
        usleep(20 * 1000);
    expect_ok(tokB, "alice");
    ck_assert_int_eq(fetches(0), f0 + 2);
    /* Known keys never fetch. */
    tok_t ta = good();
    ta.sub = "again";
    expect_ok_tok(&kA, &ta);
    ck_assert_int_eq(fetches(0), f0 + 2);
    free(tokB);
}
END_TEST

START_TEST(a_withdrawn_key_stops_working_even_for_cached_tokens)
{
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    t.kid = "kE";
    t.alg = "EdDSA";
    t.sub = "ed";
    char *tokE = mint(&kE, &t);
    expect_ok(tokE, "ed");                /* cached now */
    /* The issuer withdraws kE and publishes kB; a kB token makes the plugin
     * refetch, which drops kE and the tokens cached under it. */
    serve_jwks(0, jwks_of(kA.pub, kB.pub, NULL));
    usleep(1100 * 1000);
    tok_t tb = good();
    tb.kid = "kB";
    tb.sub = "bee";
    expect_ok_tok(&kB, &tb);
    expect_invalid(tokE, "signing key is unknown");
    free(tokE);
}
END_TEST

START_TEST(keys_are_fetched_when_the_issuer_comes_up_late)
{
    serve_jwks(0, NULL);                 /* 503 until set */
    start_host(NULL);
    tok_t t = good();
    char *tok = mint(&kA, &t);
    expect_invalid(tok, "signing key is unknown");
    serve_jwks(0, jwks_of(kA.pub, NULL));
    free(tok);
    wait_keys();                         /* the back-off retries find it */
}
END_TEST

START_TEST(configuration_errors_stop_start_up)
{
    const char *bad[] = {
        "\"leeway_s\": 31",
        "\"typ\": []",
        "\"scopes\": {\"t\": \"two words\"}",
        "\"realm\": \"a\\\"b\"",
        "\"unknown_key\": 1",
        "\"revocation_poll_s\": 5, \"revocation_max_age_s\": 5",
        "\"revocation_poll_s\": 0",
        "\"revocation_max_age_s\": 100000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char conf[1024];
        snprintf(conf, sizeof conf,
                 "{\"plugin_dir\": [\"%s/plugins/auth/authz_jwt/.libs\"], \"crypto\": \"none\","
                 " \"store\": \"none\", \"http\": {\"listen\": [\"127.0.0.1:0\"]},"
                 " \"plugins\": {\"authz_jwt\": {\"issuers\": [{\"issuer\": \"x\","
                 " \"jwks_uri\": \"http://127.0.0.1:1/\"}], %s}}}", builddir(), bad[i]);
        seal_host_t *h = seal_host_new();
        ck_assert_int_eq(seal_host_configure_string(h, conf, "bad.conf"), SEAL_OK);
        ck_assert_int_eq(seal_host_load(h), SEAL_OK);
        ck_assert_msg(seal_host_init(h) != SEAL_OK, "accepted: %s", bad[i]);
        seal_host_free(h);
    }
    /* A revocation_uri that is not an http(s) URL. */
    char conf[1024];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": [\"%s/plugins/auth/authz_jwt/.libs\"], \"crypto\": \"none\","
             " \"store\": \"none\", \"plugins\": {\"authz_jwt\": {\"issuers\": [{\"issuer\": \"x\","
             " \"jwks_uri\": \"http://127.0.0.1:1/\", \"revocation_uri\": \"ftp://x/\"}]}}}",
             builddir());
    seal_host_t *h0 = seal_host_new();
    ck_assert_int_eq(seal_host_configure_string(h0, conf, "bad.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_load(h0), SEAL_OK);
    ck_assert(seal_host_init(h0) != SEAL_OK);
    seal_host_free(h0);
    /* No issuers at all. */
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": [\"%s/plugins/auth/authz_jwt/.libs\"], \"crypto\": \"none\","
             " \"store\": \"none\", \"plugins\": {\"authz_jwt\": {}}}", builddir());
    seal_host_t *h = seal_host_new();
    ck_assert_int_eq(seal_host_configure_string(h, conf, "bad.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_load(h), SEAL_OK);
    ck_assert(seal_host_init(h) != SEAL_OK);
    seal_host_free(h);
}
END_TEST

/* ------------------------------------------------ revocation */

/* base64url(SHA-256(text)), as the IdM lists a sub or a client_id. */
static void sha256_b64(const char *text, char out[44])
{
    uint8_t h[32];
    ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA256, text, strlen(text), h), 0);
    b64url(h, sizeof h, out);
}

/* One array of a list: [] or [{"<key>": "<v>", "<tkey>": <t>}]. */
static void rev_array(char *out, size_t cap, const char *key, const char *v, const char *tkey,
                      int64_t t)
{
    if (v)
        snprintf(out, cap, "[{\"%s\":\"%s\",\"%s\":%lld}]", key, v, tkey, (long long)t);
    else
        snprintf(out, cap, "[]");
}

/* Serves issuer 1's list: a jti, a sub and a client_id, each may be NULL. */
static void serve_revlist(const char *jti, const char *sub, const char *client_id)
{
    char *b = malloc(1024), hs[44], hc[44], a[3][128];
    int64_t now = now_s();
    if (sub)
        sha256_b64(sub, hs);
    if (client_id)
        sha256_b64(client_id, hc);
    rev_array(a[0], sizeof a[0], "jti", jti, "exp", now + 300);
    rev_array(a[1], sizeof a[1], "sha256", sub ? hs : NULL, "until", now + 300);
    rev_array(a[2], sizeof a[2], "sha256", client_id ? hc : NULL, "until", now + 300);
    snprintf(b, 1024, "{\"issuer\":\"" ISS "\",\"generated\":%lld,\"jtis\":%s,"
             "\"subjects\":%s,\"clients\":%s}", (long long)now, a[0], a[1], a[2]);
    pthread_mutex_lock(&T.mu);
    free(T.revlist);
    T.revlist = b;
    pthread_mutex_unlock(&T.mu);
}

static void serve_revtext(const char *text)
{
    pthread_mutex_lock(&T.mu);
    free(T.revlist);
    T.revlist = text ? strdup(text) : NULL;
    pthread_mutex_unlock(&T.mu);
}

/* Waits (at most 5 s: the poll interval is 1 s) until token gets want. */
static void wait_status(const char *token, long want)
{
    long st = 0;
    for (int i = 0; i < 100; i++) {
        http_resp_t r;
        st = get("/t/hello", token, &r);
        http_resp_free(&r);
        if (st == want)
            return;
        usleep(50 * 1000);
    }
    ck_abort_msg("status %ld, wanted %ld", st, want);
}

START_TEST(revoked_tokens_users_and_clients_are_refused)
{
    revoking = 1;
    serve_revlist(NULL, NULL, NULL);
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    char *tok = mint(&kA, &t);
    expect_ok(tok, "alice");                 /* now in the cache */
    /* A revoked jti: refused at the next poll, cache hit or not. */
    serve_revlist("j1", NULL, NULL);
    wait_status(tok, 401);
    expect_invalid(tok, "the access token was revoked");
    t.jti = "j2";
    expect_ok_tok(&kA, &t);
    /* A disabled user: every token of that sub. */
    serve_revlist(NULL, "bob", NULL);
    wait_status(tok, 200);
    t.sub = "bob";
    t.jti = "j3";
    char *bob = mint(&kA, &t);
    wait_status(bob, 401);
    expect_invalid(bob, "the access token was revoked");
    t.sub = "alice";
    expect_ok_tok(&kA, &t);
    /* A disabled client: every token of that client_id (all here: c1). */
    serve_revlist(NULL, NULL, "c1");
    wait_status(tok, 401);
    expect_invalid(tok, "the access token was revoked");
    expect_invalid(bob, "the access token was revoked");
    /* The issuer revokes by jti: a token without one cannot be revoked. */
    serve_revlist(NULL, NULL, NULL);
    wait_status(tok, 200);
    t.jti = NULL;
    expect_invalid_tok(&kA, &t, "lacks a required claim");
    /* An issuer without a list is not concerned. */
    t = good();
    t.iss = ISS2;
    t.kid = "kO";
    t.sub = "partner-user";
    t.jti = NULL;
    expect_ok_tok(&kO, &t);
    free(tok);
    free(bob);
}
END_TEST

START_TEST(without_a_recent_list_an_issuers_tokens_are_503)
{
    revoking = 1;
    serve_revlist(NULL, NULL, NULL);
    start_host(NULL);
    wait_keys();
    tok_t t = good();
    char *tok = mint(&kA, &t);
    expect_ok(tok, "alice");
    t = good();
    t.iss = ISS2;
    t.kid = "kO";
    t.sub = "partner-user";
    char *other = mint(&kO, &t);
    /* Unreadable (not a list), then unreachable (503): once the last list
     * is revocation_max_age_s (2 s) old, refused. */
    const char *bad[] = { "not json", NULL,
                          "{\"issuer\":\"" ISS "\",\"generated\":1000000000}" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        serve_revtext(bad[i]);
        wait_status(tok, 503);
        http_resp_t r;
        ck_assert_int_eq(get("/t/hello", tok, &r), 503);
        ck_assert_msg(strcasestr(r.headers, "Retry-After: 1"), "%s", r.headers);
        ck_assert_msg(strcasestr(r.headers, "application/problem+json"), "%s", r.headers);
        http_resp_free(&r);
        expect_ok(other, "partner-user");    /* another issuer's tokens are not */
        serve_revlist(NULL, NULL, NULL);
        wait_status(tok, 200);
    }
    free(tok);
    free(other);
}
END_TEST

START_TEST(an_im_in_process_revokes_at_once)
{
    start_host(NULL);                        /* no revocation_uri */
    wait_keys();
    tok_t t = good();
    t.jti = "j9";
    char *tok = mint(&kA, &t);
    expect_ok(tok, "alice");
    int64_t until = now_s() + 300;
    /* Another issuer's, and a struct from an older im: ignored. */
    seal_im_revoked_t r = { sizeof r, "https://other.test", SEAL_IM_REVOKED_JTI, "j9", until };
    ck_assert_int_eq(seal_hook_run(tp_self, SEAL_IM_HOOK_REVOKED, &r), SEAL_DECLINED);
    r = (seal_im_revoked_t){ 8, ISS, SEAL_IM_REVOKED_JTI, "j9", until };
    seal_hook_run(tp_self, SEAL_IM_HOOK_REVOKED, &r);
    expect_ok(tok, "alice");
    /* The jti: refused at once, no poll in between. */
    r = (seal_im_revoked_t){ sizeof r, ISS, SEAL_IM_REVOKED_JTI, "j9", until };
    ck_assert_int_eq(seal_hook_run(tp_self, SEAL_IM_HOOK_REVOKED, &r), SEAL_DECLINED);
    expect_invalid(tok, "the access token was revoked");
    /* A disabled user. */
    char h[44];
    sha256_b64("bob", h);
    t = good();
    t.sub = "bob";
    char *bob = mint(&kA, &t);
    expect_ok(bob, "bob");
    r = (seal_im_revoked_t){ sizeof r, ISS, SEAL_IM_REVOKED_SUBJECT, h, until };
    seal_hook_run(tp_self, SEAL_IM_HOOK_REVOKED, &r);
    expect_invalid(bob, "the access token was revoked");
    expect_ok_tok(&kA, &(tok_t){ .alg = "ES256", .kid = "kA", .typ = "at+jwt", .iss = ISS,
                                 .sub = "carol", .aud = "\"seal\"", .scope = "seal.t",
                                 .jti = "j10", .iat = now_s(), .nbf = NO_TIME,
                                 .exp = now_s() + 60 });
    /* A disabled client: c1 signs every token here. */
    sha256_b64("c1", h);
    r = (seal_im_revoked_t){ sizeof r, ISS, SEAL_IM_REVOKED_CLIENT, h, until };
    seal_hook_run(tp_self, SEAL_IM_HOOK_REVOKED, &r);
    t = good();
    t.jti = "j11";
    expect_invalid_tok(&kA, &t, "the access token was revoked");
    free(tok);
    free(bob);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("authz_jwt");
    TCase *tc = tcase_create("host");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, valid_tokens_are_served_with_the_subject_as_principal);
    tcase_add_test(tc, the_token_facts_reach_the_handler);
    tcase_add_test(tc, no_token_without_client_certificate_is_401_bearer);
    tcase_add_test(tc, expired_and_not_yet_valid_tokens_are_refused);
    tcase_add_test(tc, leeway_is_30_seconds_exactly);
    tcase_add_test(tc, the_cache_answers_as_the_full_check_does);
    tcase_add_test(tc, forged_signatures_are_refused);
    tcase_add_test(tc, alg_none_and_hmac_with_the_public_key_are_refused);
    tcase_add_test(tc, headers_we_do_not_accept);
    tcase_add_test(tc, issuer_audience_and_claims);
    tcase_add_test(tc, missing_scope_is_403_insufficient_scope);
    tcase_add_test(tc, unknown_kid_refetches_at_most_once_per_interval);
    tcase_add_test(tc, a_withdrawn_key_stops_working_even_for_cached_tokens);
    tcase_add_test(tc, keys_are_fetched_when_the_issuer_comes_up_late);
    tcase_add_test(tc, configuration_errors_stop_start_up);
    tcase_add_test(tc, revoked_tokens_users_and_clients_are_refused);
    tcase_add_test(tc, without_a_recent_list_an_issuers_tokens_are_503);
    tcase_add_test(tc, an_im_in_process_revokes_at_once);
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
