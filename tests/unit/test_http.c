/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP(S) front through an in-process host: a builtin test plugin
 * ("httptest") registers routes, an optional builtin ("httpauth") the
 * authorization hook, and libcurl talks to 127.0.0.1:<ephemeral port>. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "host-private.h"
#include "http_util.h"

/* ------------------------------------------------------ test plugins */

static seal_plugin_t *tp_self;
static seal_request_t *g_parked;          /* /t/park: never answered by the handler */
static volatile int g_park_late = 1;      /* what answering it in stop returned */
static volatile int g_second_answer = 1;  /* /t/twice: the second answer's status */

static seal_status_t h_item(seal_request_t *req, void *user)
{
    (void)user;
    char b[512];
    const char *x = seal_request_query(req, "x");
    int n = snprintf(b, sizeof b, "{\"id\":\"%s\",\"x\":\"%s\",\"path\":\"%s\",\"service\":\"%s\"}",
                     seal_request_path_param(req, "id"), x ? x : "(none)",
                     seal_request_path(req), seal_request_service(req));
    return seal_response_send(req, 200, "application/json", b, (size_t)n);
}

static seal_status_t h_text(seal_request_t *req, void *user)
{
    return seal_response_send(req, 200, "text/plain", user, strlen(user));
}

static seal_status_t h_echo(seal_request_t *req, void *user)
{
    (void)user;
    size_t len;
    const char *body = seal_request_body(req, &len);
    return seal_response_send(req, 200, "application/octet-stream", body, len);
}

static seal_status_t h_whoami(seal_request_t *req, void *user)
{
    (void)user;
    char b[512];
    const char *p = seal_request_principal(req), *dn = seal_request_client_cert_dn(req);
    const char *scope = seal_request_attr(req, "scope");
    int n = snprintf(b, sizeof b, "principal=%s dn=%s%s%s", p ? p : "(none)", dn ? dn : "(none)",
                     scope ? " scope=" : "", scope ? scope : "");
    return seal_response_send(req, 200, "text/plain", b, (size_t)n);
}

/* Every attribute core/principals.c and a hook may leave, for the
 * certificate principal tests. */
static seal_status_t h_attrs(seal_request_t *req, void *user)
{
    static const char *const names[] = { "auth", "client_id", "roles", "scope",
                                         "val_service_id", "cert_principal", "cert_roles" };
    char b[1024];
    const char *p = seal_request_principal(req);
    int n = snprintf(b, sizeof b, "principal=%s", p ? p : "(none)");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *v = seal_request_attr(req, names[i]);
        if (v && n >= 0 && (size_t)n < sizeof b)
            n += snprintf(b + n, sizeof b - (size_t)n, " %s=%s", names[i], v);
    }
    (void)user;
    return seal_response_send(req, 200, "text/plain", b, strlen(b));
}

static seal_status_t h_header(seal_request_t *req, void *user)
{
    (void)user;
    const char *v = seal_request_header(req, "x-TEST");
    ck_assert_int_eq(seal_response_header(req, "X-Reply", v ? v : "(none)"), SEAL_OK);
    ck_assert_int_eq(seal_response_header(req, "X-Bad", "a\r\nInjected: yes"), SEAL_E_INVAL);
    ck_assert_int_eq(seal_response_header(req, "Bad Name", "x"), SEAL_E_INVAL);
    return seal_response_send(req, 204, NULL, NULL, 0);
}

static seal_status_t h_fail(seal_request_t *req, void *user)
{
    (void)req;
    (void)user;
    return SEAL_E_IO;
}

static seal_status_t h_noanswer(seal_request_t *req, void *user)
{
    (void)req;
    (void)user;
    return SEAL_OK;
}

static seal_status_t h_twice(seal_request_t *req, void *user)
{
    (void)user;
    seal_status_t st = seal_response_send(req, 200, "text/plain", "first", 5);
    g_second_answer = seal_response_send(req, 500, "text/plain", "second", 6);
    /* Too late to suspend or add headers once answered. */
    if (seal_request_suspend(req) != SEAL_E_STATE || seal_response_header(req, "X-Late", "1") != SEAL_E_STATE)
        g_second_answer = 99;
    return st;
}

static void *answer_later(void *arg)
{
    struct timespec ts = { 0, 100 * 1000000 };
    nanosleep(&ts, NULL);
    seal_response_send(arg, 200, "text/plain", "later", 5);
    return NULL;
}

static seal_status_t h_suspend(seal_request_t *req, void *user)
{
    (void)user;
    ck_assert_int_eq(seal_request_suspend(req), SEAL_OK);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, answer_later, req), 0);
    pthread_detach(t);
    return SEAL_OK;
}

static seal_status_t h_park(seal_request_t *req, void *user)
{
    (void)user;
    seal_request_suspend(req);
    __atomic_store_n(&g_parked, req, __ATOMIC_SEQ_CST);
    return SEAL_OK;
}

static seal_status_t tp_init(seal_plugin_t *self)
{
    tp_self = self;
    seal_service_def_t svc = { sizeof svc, "t", "test service", "seal.t" };
    ck_assert_int_eq(seal_service_register(self, &svc), SEAL_OK);
    static const struct { const char *m, *p; seal_handler_fn h; const char *u; uint32_t f; } r[] = {
        { "GET", "/t/items/{id}", h_item, NULL, SEAL_ROUTE_F_PUBLIC },
        { "GET", "/t/items/special", h_text, "special", SEAL_ROUTE_F_PUBLIC },
        { "POST", "/t/echo", h_echo, NULL, SEAL_ROUTE_F_PUBLIC },
        { "GET", "/t/public", h_text, "public", SEAL_ROUTE_F_PUBLIC },
        { "GET", "/t/whoami", h_whoami, NULL, 0 },
        { "GET", "/t/attrs", h_attrs, NULL, 0 },
        { "GET", "/t/public-attrs", h_attrs, NULL, SEAL_ROUTE_F_PUBLIC },
        { "GET", "/t/header", h_header, NULL, SEAL_ROUTE_F_PUBLIC },
        { "GET", "/t/fail", h_fail, NULL, SEAL_ROUTE_F_PUBLIC },
        { "GET", "/t/noanswer", h_noanswer, NULL, SEAL_ROUTE_F_PUBLIC },
        { "GET", "/t/twice", h_twice, NULL, SEAL_ROUTE_F_PUBLIC },
        { "GET", "/t/suspend", h_suspend, NULL, SEAL_ROUTE_F_PUBLIC },
        { "GET", "/t/park", h_park, NULL, SEAL_ROUTE_F_PUBLIC },
    };
    for (size_t i = 0; i < sizeof r / sizeof *r; i++) {
        seal_route_def_t d = { sizeof d, r[i].m, r[i].p, "t", r[i].f, r[i].h, (void *)r[i].u, NULL };
        ck_assert_int_eq(seal_route_register(self, &d), SEAL_OK);
    }
    return SEAL_OK;
}

static void tp_stop(seal_plugin_t *self)
{
    (void)self;
    /* The host answered the parked request at drain: ours must be refused,
     * safely (the request object is still alive until the server is freed). */
    seal_request_t *req = __atomic_load_n(&g_parked, __ATOMIC_SEQ_CST);
    if (req)
        g_park_late = seal_response_send(req, 200, "text/plain", "late", 4);
}

static const seal_plugin_desc_t tp_desc = {
    SEAL_PLUGIN_DESC_INIT, .name = "httptest", .version = "1",
    .description = "HTTP front test routes", .init = tp_init, .stop = tp_stop,
};

static seal_status_t authorize(void *args, void *user)
{
    seal_request_t *req = args;
    (void)user;
    const char *a = seal_request_header(req, "Authorization");
    if (!a)
        return SEAL_DECLINED;
    if (strcmp(a, "Bearer good") == 0) {
        seal_request_set_principal(req, "alice");
        seal_request_set_attr(req, "auth", "token");
        /* an attribute set twice keeps the last value */
        seal_request_set_attr(req, "scope", "openid");
        seal_request_set_attr(req, "scope", "seal.gm");
        seal_request_set_attr(req, "client_id", "c1");
        return SEAL_OK;
    }
    if (strcmp(a, "Bearer server") == 0) {   /* a client credentials token */
        seal_request_set_principal(req, "c1");
        seal_request_set_attr(req, "auth", "token");
        seal_request_set_attr(req, "client_id", "c1");
        seal_request_set_attr(req, "scope", "seal.t");
        return SEAL_OK;
    }
    if (strcmp(a, "Bearer bad") == 0)
        return SEAL_E_UNAUTH;
    if (strcmp(a, "Bearer expired") == 0) {
        seal_response_header(req, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        return SEAL_E_UNAUTH;
    }
    if (strcmp(a, "Bearer forbidden") == 0)
        return SEAL_E_PERM;
    if (strcmp(a, "Bearer boom") == 0)
        return SEAL_E_IO;
    return SEAL_DECLINED;
}

static seal_status_t auth_init(seal_plugin_t *self)
{
    return seal_hook_register(self, SEAL_HOOK_HTTP_AUTHORIZE, SEAL_HOOK_MIDDLE, authorize,
                              NULL, NULL);
}

static const seal_plugin_desc_t auth_desc = {
    SEAL_PLUGIN_DESC_INIT, .flags = SEAL_PLUGIN_F_THREAD_SAFE, .name = "httpauth",
    .version = "1", .description = "test authorization hook", .init = auth_init,
};

/* ------------------------------------------------------------ host */

static seal_host_t *host;
static unsigned port;
static char pki[256];                      /* test certificates (TLS cases) */
static char urlbuf[512];
static char g_extra[2048];                 /* more top-level config, e.g. "log" */

static seal_status_t try_host(const char *http_block, int with_auth)
{
    char conf[8192];
    snprintf(conf, sizeof conf, "{ \"plugin_dir\": \"/nonexistent\", %s \"http\": %s }", g_extra,
             http_block);
    host = seal_host_new();
    ck_assert_ptr_nonnull(host);
    ck_assert_int_eq(seal_host_configure_string(host, conf, "test.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(host, &tp_desc, "httptest"), SEAL_OK);
    if (with_auth)
        ck_assert_int_eq(seal_host_add_builtin(host, &auth_desc, "httpauth"), SEAL_OK);
    return seal_host_init(host);
}

static void start_host(const char *http_block, int with_auth)
{
    ck_assert_int_eq(try_host(http_block, with_auth), SEAL_OK);
    ck_assert_int_eq(seal_host_start(host), SEAL_OK);
    port = seal_host_port(host, 0);
    ck_assert_uint_gt(port, 0);
}

static void setup(void)
{
    g_parked = NULL;
    g_park_late = 1;
    g_second_answer = 1;
    g_extra[0] = '\0';
}

static void teardown(void)
{
    seal_host_free(host);
    host = NULL;
}

static const char *url(const char *path)
{
    snprintf(urlbuf, sizeof urlbuf, "http://127.0.0.1:%u%s", port, path);
    return urlbuf;
}

static const char *surl(const char *path)
{
    snprintf(urlbuf, sizeof urlbuf, "https://127.0.0.1:%u%s", port, path);
    return urlbuf;
}

static const char *pf(const char *name)
{
    static char b[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(b[i], sizeof b[i], "%s/%s", pki, name);
    return b[i];
}

#define PLAIN "{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2 }"

/* ------------------------------------------------------------ plain HTTP */

START_TEST(healthz)
{
    start_host(PLAIN, 0);
    http_resp_t r;
    char h[128];
    ck_assert_int_eq(http_get(url("/healthz"), &r), 200);
    ck_assert_str_eq(r.body, "{\"status\":\"ok\"}");
    ck_assert_str_eq(http_header(&r, "Content-Type", h, sizeof h), "application/json");
    http_resp_free(&r);
    http_req_t post = { .method = "POST", .url = url("/healthz"), .body = "x", .body_len = 1 };
    http_do(NULL, &post, &r);
    ck_assert_int_eq(r.status, 405);
    ck_assert_str_eq(http_header(&r, "Allow", h, sizeof h), "GET, HEAD");
    http_resp_free(&r);
}
END_TEST

START_TEST(routing_and_params)
{
    start_host(PLAIN, 0);
    http_resp_t r;
    ck_assert_int_eq(http_get(url("/t/items/42?x=hello%20world+again&y"), &r), 200);
    ck_assert_str_eq(r.body, "{\"id\":\"42\",\"x\":\"hello world again\",\"path\":\"/t/items/42\","
                             "\"service\":\"t\"}");
    http_resp_free(&r);
    ck_assert_int_eq(http_get(url("/t/items/caf%C3%A9"), &r), 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"id\":\"caf\xc3\xa9\""));
    ck_assert_ptr_nonnull(strstr(r.body, "\"path\":\"/t/items/caf\xc3\xa9\""));
    http_resp_free(&r);
    /* A literal template wins over the parameter at the same depth. */
    ck_assert_int_eq(http_get(url("/t/items/special"), &r), 200);
    ck_assert_str_eq(r.body, "special");
    http_resp_free(&r);
    ck_assert_int_eq(http_get(url("/t/public"), &r), 200);
    ck_assert_str_eq(r.body, "public");
    http_resp_free(&r);
    /* Request headers are case-insensitive; response headers arrive. */
    const char *hdrs[] = { "X-Test: abc", NULL };
    http_req_t rq = { .url = url("/t/header"), .headers = hdrs };
    http_do(NULL, &rq, &r);
    char h[64];
    ck_assert_int_eq(r.status, 204);
    ck_assert_str_eq(http_header(&r, "X-Reply", h, sizeof h), "abc");
    ck_assert_ptr_null(http_header(&r, "Injected", h, sizeof h));
    http_resp_free(&r);
}
END_TEST

START_TEST(problem_details)
{
    start_host(PLAIN, 0);
    http_resp_t r;
    char h[128];
    ck_assert_int_eq(http_get(url("/nope?secret=1"), &r), 404);
    ck_assert_str_eq(http_header(&r, "Content-Type", h, sizeof h), "application/problem+json");
    ck_assert_str_eq(r.body, "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"no such resource\","
                             "\"instance\":\"/nope\"}");
    http_resp_free(&r);

    http_req_t del = { .method = "DELETE", .url = url("/t/items/1") };
    http_do(NULL, &del, &r);
    ck_assert_int_eq(r.status, 405);
    ck_assert_str_eq(http_header(&r, "Allow", h, sizeof h), "GET, HEAD");
    ck_assert_ptr_nonnull(strstr(r.body, "\"status\":405"));
    ck_assert_ptr_nonnull(strstr(r.body, "\"instance\":\"/t/items/1\""));
    http_resp_free(&r);

    /* An encoded '/' in a parameter, a bad escape: 400 problems. */
    ck_assert_int_eq(http_get(url("/t/items/a%2Fb"), &r), 400);
    ck_assert_ptr_nonnull(strstr(r.body, "\"status\":400"));
    http_resp_free(&r);
    ck_assert_int_eq(http_get(url("/t/items/a%zz"), &r), 400);
    http_resp_free(&r);
    ck_assert_int_eq(http_get(url("/t/items/1?x=%zz"), &r), 400);
    http_resp_free(&r);

    /* A failing handler, one that forgets to answer: 500 problems. */
    ck_assert_int_eq(http_get(url("/t/fail"), &r), 500);
    ck_assert_str_eq(http_header(&r, "Content-Type", h, sizeof h), "application/problem+json");
    ck_assert_ptr_nonnull(strstr(r.body, "I/O error") ? r.body : strstr(r.body, "handler failed"));
    http_resp_free(&r);
    ck_assert_int_eq(http_get(url("/t/noanswer"), &r), 500);
    ck_assert_ptr_nonnull(strstr(r.body, "without answering"));
    http_resp_free(&r);

    /* Answering twice: the first answer stands, the second is refused. */
    ck_assert_int_eq(http_get(url("/t/twice"), &r), 200);
    ck_assert_str_eq(r.body, "first");
    ck_assert_int_eq(g_second_answer, SEAL_E_STATE);
    http_resp_free(&r);
}
END_TEST

static char *filled(size_t n)
{
    char *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = (char)('a' + i % 26);
    return b;
}

START_TEST(body_limit)
{
    start_host("{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2,"
               "  \"limits\": { \"max_body_bytes\": 1000 } }", 0);
    char *big = filled(3000);
    http_resp_t r;
    http_req_t rq = { .method = "POST", .url = url("/t/echo"), .body = big, .body_len = 1000 };
    http_do(NULL, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.len, 1000);
    ck_assert_int_eq(memcmp(r.body, big, 1000), 0);
    http_resp_free(&r);
    /* One byte over, announced by Content-Length: 413 before reading it. */
    rq.body_len = 1001;
    http_do(NULL, &rq, &r);
    ck_assert_int_eq(r.status, 413);
    ck_assert_ptr_nonnull(strstr(r.body, "\"status\":413"));
    http_resp_free(&r);
    /* Chunked, no Content-Length: counted while reading. */
    rq.chunked = 1;
    rq.body_len = 3000;
    http_do(NULL, &rq, &r);
    ck_assert_int_eq(r.status, 413);
    http_resp_free(&r);
    rq.body_len = 900;
    http_do(NULL, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.len, 900);
    ck_assert_int_eq(memcmp(r.body, big, 900), 0);
    http_resp_free(&r);
    free(big);
}
END_TEST

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(rate_limit)
{
    start_host("{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2,"
               "  \"limits\": { \"rate_per_client\": 1, \"rate_burst\": 3 } }", 0);
    CURL *e = curl_easy_init();
    http_resp_t r;
    http_req_t rq = { .url = url("/t/public") };
    /* The burst passes, then 429; a slow machine may earn a token or two
     * back meanwhile (1 per second), never more. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int ok = 0;
    for (;;) {
        http_do(e, &rq, &r);
        if (r.status != 200)
            break;
        ok++;
        http_resp_free(&r);
        ck_assert_int_lt(ok, 50);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_eq(r.status, 429);
    ck_assert_int_ge(ok, 3);
    ck_assert_int_le(ok, 3 + (int)(t1.tv_sec - t0.tv_sec) + 1);
    char h[32];
    ck_assert_ptr_nonnull(http_header(&r, "Retry-After", h, sizeof h));
    ck_assert_int_ge(atoi(h), 1);
    ck_assert_str_eq(http_header(&r, "Content-Type", h, sizeof h), "application/problem+json");
    ck_assert_ptr_nonnull(strstr(r.body, "\"status\":429"));
    http_resp_free(&r);
    /* The refusal kept the connection, and a new one does not reset the
     * bucket: it is per client address. A token is back once 3 + t - ok
     * reaches 1 (t seconds since the burst began), so 429 is asserted only
     * while that cannot have happened yet. */
    http_do(e, &rq, &r);
    ck_assert_int_eq(r.connects, 0);
    if (seconds_since(&t0) < ok - 2 - 0.1)
        ck_assert_int_eq(r.status, 429);
    http_resp_free(&r);
    int st = http_get(url("/t/public"), &r);
    if (seconds_since(&t0) < ok - 2 - 0.1)
        ck_assert_int_eq(st, 429);
    http_resp_free(&r);
    /* Tokens come back with time. */
    sleep(2);
    ck_assert_int_eq(http_get(url("/t/public"), &r), 200);
    http_resp_free(&r);
    curl_easy_cleanup(e);
}
END_TEST

START_TEST(connection_limit)
{
    start_host("{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2,"
               "  \"limits\": { \"max_connections\": 2 } }", 0);
    CURL *a = curl_easy_init(), *b = curl_easy_init();
    http_resp_t r;
    http_req_t rq = { .url = url("/t/public") };
    http_do(a, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    http_do(b, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    /* Two kept-alive connections are open and idle: full. A new client is
     * not refused for them; the older idle one is closed to make room. */
    http_do(NULL, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    http_do(b, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.connects, 0);             /* b, the newer, was kept */
    http_resp_free(&r);
    http_do(a, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.connects, 1);             /* a had to connect again */
    http_resp_free(&r);
    curl_easy_cleanup(a);
    curl_easy_cleanup(b);
}
END_TEST

START_TEST(keep_alive)
{
    start_host(PLAIN, 0);
    CURL *e = curl_easy_init();
    long connects = 0;
    http_resp_t r;
    http_req_t rq = { .url = url("/t/public") };
    for (int i = 0; i < 100; i++) {
        http_do(e, &rq, &r);
        ck_assert_int_eq(r.status, 200);
        connects += r.connects;
        http_resp_free(&r);
    }
    /* With bodies too (the access handler is called once more per chunk). */
    http_req_t post = { .method = "POST", .url = url("/t/echo"), .body = "payload", .body_len = 7 };
    for (int i = 0; i < 20; i++) {
        http_do(e, &post, &r);
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(r.body, "payload");
        connects += r.connects;
        http_resp_free(&r);
    }
    /* And errors answered by the host itself. */
    http_req_t nf = { .url = url("/nope") };
    for (int i = 0; i < 5; i++) {
        http_do(e, &nf, &r);
        ck_assert_int_eq(r.status, 404);
        connects += r.connects;
        http_resp_free(&r);
    }
    ck_assert_int_eq(connects, 1);
    curl_easy_cleanup(e);
}
END_TEST

START_TEST(suspend_and_answer_from_another_thread)
{
    start_host(PLAIN, 0);
    CURL *e = curl_easy_init();
    long connects = 0;
    http_resp_t r;
    http_req_t rq = { .url = url("/t/suspend") };
    for (int i = 0; i < 3; i++) {
        http_do(e, &rq, &r);
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(r.body, "later");
        connects += r.connects;
        http_resp_free(&r);
    }
    ck_assert_int_eq(connects, 1);
    curl_easy_cleanup(e);
}
END_TEST

typedef struct bg_get {
    pthread_t t;
    char url[512];
    http_resp_t r;
} bg_get_t;

static void *bg_get_run(void *arg)
{
    bg_get_t *g = arg;
    http_get(g->url, &g->r);
    return NULL;
}

START_TEST(drain_answers_parked_requests)
{
    start_host("{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2, \"drain_timeout_s\": 1 }", 0);
    bg_get_t g;
    memset(&g, 0, sizeof g);
    snprintf(g.url, sizeof g.url, "%s", url("/t/park"));
    ck_assert_int_eq(pthread_create(&g.t, NULL, bg_get_run, &g), 0);
    for (int i = 0; i < 500 && !__atomic_load_n(&g_parked, __ATOMIC_SEQ_CST); i++) {
        struct timespec ts = { 0, 10 * 1000000 };
        nanosleep(&ts, NULL);
    }
    ck_assert_ptr_nonnull(g_parked);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    seal_host_shutdown(host);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(g.t, NULL);
    ck_assert_int_eq(g.r.status, 503);
    ck_assert_ptr_nonnull(strstr(g.r.body, "shutting down"));
    http_resp_free(&g.r);
    ck_assert_int_eq(g_park_late, SEAL_E_STATE);
    /* The drain waited for the parked request, but not much past the timeout. */
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_double_ge(secs, 0.9);
    ck_assert_double_lt(secs, 5.0);
    /* After the drain nobody listens. */
    http_resp_t r;
    ck_assert_int_eq(http_get(url("/healthz"), &r), 0);
    http_resp_free(&r);
}
END_TEST

START_TEST(authorization_hook)
{
    start_host(PLAIN, 1);
    static const struct { const char *auth; long status; const char *body; } cases[] = {
        { NULL, 401, NULL },
        { "Authorization: Bearer good", 200, "principal=alice dn=(none) scope=seal.gm" },
        { "Authorization: Bearer bad", 401, NULL },
        { "Authorization: Bearer forbidden", 403, NULL },
        { "Authorization: Bearer boom", 500, NULL },
        { "Authorization: Basic eDp5", 401, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *hdrs[] = { cases[i].auth, NULL };
        http_req_t rq = { .url = url("/t/whoami"), .headers = hdrs };
        http_resp_t r;
        http_do(NULL, &rq, &r);
        ck_assert_msg(r.status == cases[i].status, "%s: %ld", cases[i].auth, r.status);
        char h[64];
        if (r.status == 401)
            ck_assert_str_eq(http_header(&r, "WWW-Authenticate", h, sizeof h), "Bearer realm=\"seal\"");
        if (cases[i].body)
            ck_assert_str_eq(r.body, cases[i].body);
        else
            ck_assert_str_eq(http_header(&r, "Content-Type", h, sizeof h),
                             "application/problem+json");
        http_resp_free(&r);
    }
    /* Public routes skip the hook. */
    http_resp_t r;
    const char *bad[] = { "Authorization: Bearer bad", NULL };
    http_req_t rq = { .url = url("/t/public"), .headers = bad };
    http_do(NULL, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    /* A hook's own RFC 6750 challenge is the only one sent. */
    const char *exp_hdrs[] = { "Authorization: Bearer expired", NULL };
    http_req_t erq = { .url = url("/t/whoami"), .headers = exp_hdrs };
    http_resp_t er;
    http_do(NULL, &erq, &er);
    ck_assert_int_eq(er.status, 401);
    ck_assert_ptr_nonnull(strstr(er.headers, "WWW-Authenticate: Bearer error=\"invalid_token\""));
    ck_assert_ptr_null(strstr(er.headers, "WWW-Authenticate: Bearer realm"));
    http_resp_free(&er);
}
END_TEST

START_TEST(no_hook_no_certificate_is_401)
{
    start_host(PLAIN, 0);
    http_resp_t r;
    ck_assert_int_eq(http_get(url("/t/whoami"), &r), 401);
    http_resp_free(&r);
}
END_TEST

static int file_has(const char *file, const char *needle)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    char line[2048];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

START_TEST(access_log)
{
    char log[] = "/tmp/seal-access-XXXXXX";
    int fd = mkstemp(log);
    ck_assert_int_ge(fd, 0);
    close(fd);
    snprintf(g_extra, sizeof g_extra, "\"log\": { \"access_file\": \"%s\" },", log);
    start_host(PLAIN, 1);
    const char *hdrs[] = { "Authorization: Bearer good", NULL };
    http_req_t rq = { .url = url("/t/whoami?token=s3cr3t"), .headers = hdrs };
    http_resp_t r;
    http_do(NULL, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    ck_assert_int_eq(http_get(url("/nope%20x"), &r), 404);
    http_resp_free(&r);
    /* The line is written when the request completes, just after the answer. */
    for (int i = 0; i < 1000 && !file_has(log, "/nope"); i++) {
        struct timespec ts = { 0, 10 * 1000000 };
        nanosleep(&ts, NULL);
    }
    ck_assert(file_has(log, "127.0.0.1 GET /t/whoami 200 39 "));
    ck_assert(file_has(log, " alice\n"));
    ck_assert(file_has(log, "127.0.0.1 GET /nope%20x 404 "));
    ck_assert(!file_has(log, "Bearer"));
    ck_assert(!file_has(log, "good"));
    ck_assert(!file_has(log, "s3cr3t"));
    ck_assert(!file_has(log, "token"));
    unlink(log);
}
END_TEST

static int have_ipv6_loopback(void)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    if (s < 0)
        return 0;
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    int ok = bind(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

START_TEST(several_listeners)
{
    int v6 = have_ipv6_loopback();
    start_host(v6 ? "{ \"listen\": [\"127.0.0.1:0\", \"[::1]:0\", \"127.0.0.1:0\"], \"threads\": 1 }"
                  : "{ \"listen\": [\"127.0.0.1:0\", \"127.0.0.1:0\", \"127.0.0.1:0\"], \"threads\": 1 }", 0);
    unsigned p[3];
    for (size_t i = 0; i < 3; i++) {
        p[i] = seal_host_port(host, i);
        ck_assert_uint_gt(p[i], 0);
    }
    ck_assert_uint_eq(seal_host_port(host, 3), 0);
    ck_assert_uint_ne(p[0], p[2]);
    http_resp_t r;
    char u[128];
    for (size_t i = 0; i < 3; i++) {
        if (v6 && i == 1)
            snprintf(u, sizeof u, "http://[::1]:%u/healthz", p[i]);
        else
            snprintf(u, sizeof u, "http://127.0.0.1:%u/healthz", p[i]);
        ck_assert_msg(http_get(u, &r) == 200, "%s", u);
        http_resp_free(&r);
    }
}
END_TEST

START_TEST(config_errors)
{
    static const char *bad[] = {
        "5",
        "{ \"listen\": [\"nope\"] }",
        "{ \"listen\": [\"127.0.0.1:99999\"] }",
        "{ \"listen\": [\"[::1:80\"] }",
        "{ \"listen\": 5 }",
        "{ \"listen\": [] }",
        "{ \"listen\": [7] }",
        "{ \"tls\": 3 }",
        "{ \"tls\": { \"cert\": \"/nonexistent.pem\", \"key\": \"/nonexistent.key\" } }",
        "{ \"tls\": { \"key\": \"/nonexistent.key\" } }",
        "{ \"limits\": { \"max_body_bytes\": -1 } }",
        "{ \"limits\": { \"max_connections\": 0 } }",
        "{ \"limits\": { \"typo\": 1 } }",
        "{ \"threads\": \"many\" }",
        "{ \"auth\": { \"mtls\": \"yes\" } }",
        "{ \"listen\": [\"127.0.0.1:0\"], \"unknown\": true }",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        seal_status_t st = try_host(bad[i], 0);
        ck_assert_msg(st == SEAL_E_CONFIG, "%s: %d", bad[i], st);
        seal_host_free(host);
        host = NULL;
    }
}
END_TEST

/* ---- outbound calls ---- */

typedef struct call_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    seal_status_t st;
    long http_status;
    char body[256];
} call_wait_t;

static void on_done(seal_status_t st, long http_status, const char *body, size_t len, void *user)
{
    call_wait_t *w = user;
    pthread_mutex_lock(&w->mu);
    w->st = st;
    w->http_status = http_status;
    snprintf(w->body, sizeof w->body, "%.*s", (int)len, body);
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void wait_init(call_wait_t *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

static int wait_done(call_wait_t *w, int secs)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += secs;
    pthread_mutex_lock(&w->mu);
    while (!w->done && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0) {}
    int d = w->done;
    pthread_mutex_unlock(&w->mu);
    return d;
}

START_TEST(outbound_plain)
{
    start_host(PLAIN, 0);
    call_wait_t w;
    wait_init(&w);
    seal_http_call_t c = { .struct_size = sizeof c, .url = url("/healthz") };
    ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w), SEAL_OK);
    ck_assert(wait_done(&w, 10));
    ck_assert_int_eq(w.st, SEAL_OK);
    ck_assert_int_eq(w.http_status, 200);
    ck_assert_str_eq(w.body, "{\"status\":\"ok\"}");

    /* A body makes a POST; headers pass. */
    wait_init(&w);
    const char *hdrs[] = { "Content-Type: text/plain", NULL };
    seal_http_call_t p = { .struct_size = sizeof p, .url = url("/t/echo"), .headers = hdrs,
                           .body = "ping", .body_len = 4 };
    ck_assert_int_eq(seal_http_call(tp_self, &p, on_done, &w), SEAL_OK);
    ck_assert(wait_done(&w, 10));
    ck_assert_int_eq(w.st, SEAL_OK);
    ck_assert_int_eq(w.http_status, 200);
    ck_assert_str_eq(w.body, "ping");

    /* Any HTTP status is an answer. */
    wait_init(&w);
    seal_http_call_t d = { .struct_size = sizeof d, .method = "DELETE", .url = url("/t/items/1") };
    ck_assert_int_eq(seal_http_call(tp_self, &d, on_done, &w), SEAL_OK);
    ck_assert(wait_done(&w, 10));
    ck_assert_int_eq(w.st, SEAL_OK);
    ck_assert_int_eq(w.http_status, 405);

    /* Refused at once: bad scheme, bad method, header injection, no struct_size. */
    seal_http_call_t bad = { .struct_size = sizeof bad, .url = "file:///etc/passwd" };
    ck_assert_int_eq(seal_http_call(tp_self, &bad, on_done, &w), SEAL_E_INVAL);
    bad.url = url("/healthz");
    bad.method = "get";
    ck_assert_int_eq(seal_http_call(tp_self, &bad, on_done, &w), SEAL_E_INVAL);
    bad.method = NULL;
    const char *inj[] = { "X-A: 1\r\nX-B: 2", NULL };
    bad.headers = inj;
    ck_assert_int_eq(seal_http_call(tp_self, &bad, on_done, &w), SEAL_E_INVAL);
    bad.headers = NULL;
    bad.struct_size = 4;
    ck_assert_int_eq(seal_http_call(tp_self, &bad, on_done, &w), SEAL_E_INVAL);

    /* Nobody listening: an I/O error, not an answer. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(s, (struct sockaddr *)&a, &al);
    close(s);                                 /* the port is now closed */
    char closed[64];
    snprintf(closed, sizeof closed, "http://127.0.0.1:%u/", ntohs(a.sin_port));
    wait_init(&w);
    seal_http_call_t n = { .struct_size = sizeof n, .url = closed };
    ck_assert_int_eq(seal_http_call(tp_self, &n, on_done, &w), SEAL_OK);
    ck_assert(wait_done(&w, 10));
    ck_assert_int_eq(w.st, SEAL_E_IO);
}
END_TEST

START_TEST(outbound_pending_at_shutdown)
{
    start_host(PLAIN, 0);
    /* A listener that never accepts: the call waits until the host stops. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(s, 4), 0);
    getsockname(s, (struct sockaddr *)&a, &al);
    char u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%u/", ntohs(a.sin_port));
    call_wait_t w1, w2;
    wait_init(&w1);
    wait_init(&w2);
    seal_http_call_t c = { .struct_size = sizeof c, .url = u, .timeout_ms = 30000 };
    ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w1), SEAL_OK);
    ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w2), SEAL_OK);
    struct timespec ts = { 0, 100 * 1000000 };
    nanosleep(&ts, NULL);
    ck_assert(!w1.done);
    seal_host_shutdown(host);
    ck_assert(w1.done && w2.done);
    ck_assert_int_eq(w1.st, SEAL_E_STATE);
    ck_assert_int_eq(w2.st, SEAL_E_STATE);
    /* After shutdown, no more calls. */
    ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w1), SEAL_E_STATE);
    close(s);
}
END_TEST

/* ------------------------------------------------------------ HTTPS */

static void make_pki(void)
{
    const char *src = getenv("top_srcdir");
    snprintf(pki, sizeof pki, "/tmp/seal-http-pki-%ld", (long)getpid());
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sh %s/tests/unit/http_certs.sh %s", src ? src : ".", pki);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make the test certificates (%s)\n", cmd);
        exit(1);
    }
}

static void remove_pki(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", pki);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", pki);
}

static void start_tls_ca(const char *verify, int mtls, int with_auth, const char *client_ca)
{
    char block[2048];
    snprintf(block, sizeof block,
             "{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2,"
             "  \"tls\": { \"cert\": \"%s\", \"key\": \"%s\", \"client_ca\": \"%s\","
             "             \"verify_client\": \"%s\" },"
             "  \"auth\": { \"mtls\": %s } }",
             pf("server.pem"), pf("server.key"), pf(client_ca), verify, mtls ? "true" : "false");
    start_host(block, with_auth);
}

static void start_tls(const char *verify, int mtls, int with_auth)
{
    start_tls_ca(verify, mtls, with_auth, "ca.pem");
}

/* The principals of the TLS cases (http_certs.sh): client.pem
 * (CN=client-one,O=seal tests from "seal test CA") is "one", a VAL server
 * for scope seal.t; narrow.pem is "narrow", an operator for seal.gm only.
 * Neither stranger.pem (same CA) nor other.pem (client's subject, from
 * "seal test CA 2") is listed. Client c1's client credentials tokens are
 * group_admin for VAL service S1; alice's tokens are group_manager. */
#define PRINCIPALS                                                                        \
    "\"principals\": ["                                                                    \
    " { \"name\": \"one\", \"certificate\": { \"subject\": \"CN=client-one,O=seal tests\","  \
    "   \"issuer\": \"CN=seal test CA\" }, \"roles\": [\"val_server\"],"                    \
    "   \"scopes\": [\"openid\", \"seal.t\"], \"val_service_id\": \"V1\" },"                  \
    " { \"name\": \"narrow\", \"certificate\": { \"subject\": \"CN=client-narrow,O=seal tests\"," \
    "   \"issuer\": \"CN=seal test CA\" }, \"roles\": [\"operator\"], \"scopes\": [\"seal.gm\"] }," \
    " { \"client\": \"c1\", \"roles\": [\"group_admin\"], \"val_service_id\": \"S1\" },"       \
    " { \"user\": \"alice\", \"roles\": [\"group_manager\"] } ],"

/* GET path over HTTPS with the test CA, optionally a client certificate
 * and an Authorization header. */
static long tls_get_auth(const char *path, const char *cert, const char *auth, http_resp_t *r)
{
    const char *hdrs[] = { auth, NULL };
    http_req_t rq = { .url = surl(path), .ca = pf("ca.pem"), .headers = auth ? hdrs : NULL };
    if (cert) {
        char c[64], k[64];
        snprintf(c, sizeof c, "%s.pem", cert);
        snprintf(k, sizeof k, "%s.key", cert);
        rq.cert = pf(c);
        rq.key = pf(k);
    }
    http_do(NULL, &rq, r);
    return r->status;
}

static long tls_get(const char *path, const char *cert, http_resp_t *r)
{
    return tls_get_auth(path, cert, NULL, r);
}

START_TEST(https_basic)
{
    char block[1024];
    snprintf(block, sizeof block,
             "{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2,"
             "  \"tls\": { \"cert\": \"%s\", \"key\": \"%s\" } }", pf("server.pem"), pf("server.key"));
    start_host(block, 0);
    http_resp_t r;
    ck_assert_int_eq(tls_get("/healthz", NULL, &r), 200);
    ck_assert_str_eq(r.body, "{\"status\":\"ok\"}");
    http_resp_free(&r);
    /* Not trusted without the CA; no plain HTTP on the HTTPS port. */
    http_req_t rq = { .url = surl("/healthz") };
    http_do(NULL, &rq, &r);
    ck_assert_int_ne(r.rc, CURLE_OK);
    http_resp_free(&r);
    ck_assert_int_ne(http_get(url("/healthz"), &r), 200);
    http_resp_free(&r);
    /* verify_client off: a client certificate is not even asked for. */
    ck_assert_int_eq(tls_get("/t/whoami", "client", &r), 401);
    http_resp_free(&r);
    /* Keep-alive over TLS. */
    CURL *e = curl_easy_init();
    long connects = 0;
    http_req_t k = { .url = surl("/t/public"), .ca = pf("ca.pem") };
    for (int i = 0; i < 20; i++) {
        http_do(e, &k, &r);
        ck_assert_int_eq(r.status, 200);
        connects += r.connects;
        http_resp_free(&r);
    }
    ck_assert_int_eq(connects, 1);
    curl_easy_cleanup(e);
    /* Outbound HTTPS: verified against ca_file; refused without it. */
    call_wait_t w;
    wait_init(&w);
    char u[512];
    snprintf(u, sizeof u, "%s", surl("/healthz"));
    seal_http_call_t c = { .struct_size = sizeof c, .url = u, .ca_file = pf("ca.pem") };
    ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w), SEAL_OK);
    ck_assert(wait_done(&w, 10));
    ck_assert_int_eq(w.st, SEAL_OK);
    ck_assert_int_eq(w.http_status, 200);
    wait_init(&w);
    c.ca_file = NULL;
    ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w), SEAL_OK);
    ck_assert(wait_done(&w, 10));
    ck_assert_int_eq(w.st, SEAL_E_CRYPTO);
}
END_TEST

/* An outbound call's ca_file is its only trust: a CA in the system store
 * does not vouch for a server then. The system store is faked with a
 * private mount namespace, /etc/ssl/certs bound to a directory holding the
 * test CA; where namespaces are not allowed the check is skipped (said). */
START_TEST(outbound_ca_file_is_the_only_trust)
{
    char dir[160];
    snprintf(dir, sizeof dir, "%s", pf("system-certs"));
    ck_assert_int_eq(mkdir(dir, 0700) == 0 || errno == EEXIST, 1);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cp %s %s/", pf("ca.pem"), dir);
    ck_assert_int_eq(system(cmd), 0);
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0
        || mount(dir, "/etc/ssl/certs", NULL, MS_BIND, NULL) != 0) {
        fprintf(stderr, "outbound_ca_file_is_the_only_trust: skipped: no private mount"
                " namespace here (%s)\n", strerror(errno));
        return;
    }
    char block[1024];
    snprintf(block, sizeof block,
             "{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2,"
             "  \"tls\": { \"cert\": \"%s\", \"key\": \"%s\" } }", pf("server.pem"), pf("server.key"));
    start_host(block, 0);
    char u[512];
    snprintf(u, sizeof u, "%s", surl("/healthz"));
    /* The system store (now the test CA) verifies the server... */
    call_wait_t w;
    wait_init(&w);
    seal_http_call_t c = { .struct_size = sizeof c, .url = u };
    ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w), SEAL_OK);
    ck_assert(wait_done(&w, 10));
    ck_assert_int_eq(w.st, SEAL_OK);
    /* ...but not for a call naming another CA, kept-alive connection or not. */
    for (int i = 0; i < 2; i++) {
        wait_init(&w);
        c.ca_file = pf("rogue.pem");
        ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w), SEAL_OK);
        ck_assert(wait_done(&w, 10));
        ck_assert_int_eq(w.st, SEAL_E_CRYPTO);
    }
}
END_TEST

START_TEST(client_cert_optional)
{
    snprintf(g_extra, sizeof g_extra, "%s", PRINCIPALS);
    start_tls("optional", 1, 0);
    http_resp_t r;
    ck_assert_int_eq(tls_get("/healthz", NULL, &r), 200);
    http_resp_free(&r);
    /* No certificate, no hook: not authorized. */
    ck_assert_int_eq(tls_get("/t/whoami", NULL, &r), 401);
    http_resp_free(&r);
    /* A certificate from the trusted CA that "principals" maps: served as
     * that principal, the DN still there. */
    ck_assert_int_eq(tls_get("/t/whoami", "client", &r), 200);
    ck_assert_str_eq(r.body, "principal=one dn=CN=client-one,O=seal tests scope=openid seal.t");
    http_resp_free(&r);
    /* A self-signed one with the same name: refused. */
    ck_assert_int_eq(tls_get("/t/public", "rogue", &r), 403);
    ck_assert_ptr_nonnull(strstr(r.body, "CLIENT_CERT_INVALID"));
    http_resp_free(&r);
}
END_TEST

START_TEST(client_cert_required)
{
    snprintf(g_extra, sizeof g_extra, "%s", PRINCIPALS);
    start_tls("required", 1, 0);
    http_resp_t r;
    ck_assert_int_eq(tls_get("/healthz", NULL, &r), 401);
    ck_assert_ptr_nonnull(strstr(r.body, "CLIENT_CERT_REQUIRED"));
    http_resp_free(&r);
    ck_assert_int_eq(tls_get("/t/whoami", "client", &r), 200);
    ck_assert_str_eq(r.body, "principal=one dn=CN=client-one,O=seal tests scope=openid seal.t");
    http_resp_free(&r);
    ck_assert_int_eq(tls_get("/healthz", "rogue", &r), 403);
    http_resp_free(&r);
    /* Outbound mutual TLS. */
    call_wait_t w;
    wait_init(&w);
    char u[512];
    snprintf(u, sizeof u, "%s", surl("/t/whoami"));
    seal_http_call_t c = { .struct_size = sizeof c, .url = u, .ca_file = pf("ca.pem"),
                           .cert_file = pf("client.pem"), .key_file = pf("client.key") };
    ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w), SEAL_OK);
    ck_assert(wait_done(&w, 10));
    ck_assert_int_eq(w.st, SEAL_OK);
    ck_assert_int_eq(w.http_status, 200);
    ck_assert_str_eq(w.body, "principal=one dn=CN=client-one,O=seal tests scope=openid seal.t");
}
END_TEST

START_TEST(mtls_off_needs_the_hook)
{
    snprintf(g_extra, sizeof g_extra, "%s", PRINCIPALS);
    start_tls("optional", 0, 1);
    http_resp_t r;
    /* A verified certificate alone does not authorize... */
    ck_assert_int_eq(tls_get("/t/whoami", "client", &r), 401);
    http_resp_free(&r);
    /* ...a hook does, and the DN is still there for it. */
    const char *hdrs[] = { "Authorization: Bearer good", NULL };
    http_req_t rq = { .url = surl("/t/whoami"), .ca = pf("ca.pem"), .headers = hdrs,
                      .cert = pf("client.pem"), .key = pf("client.key") };
    http_do(NULL, &rq, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "principal=alice dn=CN=client-one,O=seal tests scope=seal.gm");
    http_resp_free(&r);
    /* Certificates are never principals then, not even on public routes
     * (so no administration either). */
    ck_assert_int_eq(tls_get("/t/public-attrs", "client", &r), 200);
    ck_assert_str_eq(r.body, "principal=(none)");
    http_resp_free(&r);
}
END_TEST

/* doc/authorization.md: a certificate is a principal only when
 * "principals" lists its subject AND issuer, and only for its scopes. */
START_TEST(certificate_principals)
{
    snprintf(g_extra, sizeof g_extra, "%s", PRINCIPALS);
    start_tls_ca("optional", 1, 1, "cas.pem");
    static const struct { const char *cert, *auth, *path; long status; const char *body; } cases[] = {
        /* Mapped, on a route of its scope: its name, roles, scopes, VAL service. */
        { "client", NULL, "/t/attrs", 200, "principal=one auth=certificate roles=val_server "
          "scope=openid seal.t val_service_id=V1 cert_principal=one cert_roles=val_server" },
        /* Mapped, on a route of a scope it does not have: 403 naming it. */
        { "narrow", NULL, "/t/attrs", 403, "does not have scope seal.t" },
        /* Not listed, from the same CA. */
        { "stranger", NULL, "/t/attrs", 403, "this client certificate is not mapped to a "
          "principal (seald.conf principals)" },
        /* The listed subject, from another trusted CA. */
        { "other", NULL, "/t/attrs", 403, "is not mapped to a principal" },
        /* Neither a certificate nor a token. */
        { NULL, NULL, "/t/attrs", 401, "no credentials were accepted" },
        /* Public routes: a mapped certificate is marked, nothing more. */
        { "client", NULL, "/t/public-attrs", 200,
          "principal=(none) cert_principal=one cert_roles=val_server" },
        { "narrow", NULL, "/t/public-attrs", 200,
          "principal=(none) cert_principal=narrow cert_roles=operator" },
        { "stranger", NULL, "/t/public-attrs", 200, "principal=(none)" },
        { "other", NULL, "/t/public-attrs", 200, "principal=(none)" },
        /* Tokens: the hook decides; the table adds a VAL user's roles (by
         * sub), a client credentials token's roles and VAL service (by
         * client_id), and keeps a certificate's marks. */
        { NULL, "Authorization: Bearer good", "/t/attrs", 200,
          "principal=alice auth=token client_id=c1 roles=group_manager scope=seal.gm" },
        { NULL, "Authorization: Bearer server", "/t/attrs", 200,
          "principal=c1 auth=token client_id=c1 roles=group_admin scope=seal.t "
          "val_service_id=S1" },
        { "narrow", "Authorization: Bearer good", "/t/attrs", 200,
          "principal=alice auth=token client_id=c1 roles=group_manager scope=seal.gm "
          "cert_principal=narrow cert_roles=operator" },
        /* A hook's veto stands, certificate or not. */
        { "client", "Authorization: Bearer bad", "/t/attrs", 401, NULL },
        { "client", "Authorization: Bearer forbidden", "/t/attrs", 403, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        http_resp_t r;
        tls_get_auth(cases[i].path, cases[i].cert, cases[i].auth, &r);
        ck_assert_msg(r.status == cases[i].status, "case %zu: %ld %s", i, r.status,
                      r.body ? r.body : "");
        if (cases[i].body && r.status == 200)
            ck_assert_msg(strcmp(r.body, cases[i].body) == 0, "case %zu: %s", i, r.body);
        else if (cases[i].body)
            ck_assert_msg(strstr(r.body, cases[i].body), "case %zu: %s", i, r.body);
        http_resp_free(&r);
    }
}
END_TEST

START_TEST(tls_config_errors)
{
    char block[1024];
    const char *cases[][4] = {
        /* cert, key, client_ca, verify_client */
        { "server.pem", "server.key", NULL, "maybe" },
        { "server.pem", "server.key", NULL, "required" },
        { "server.pem", "client.key", NULL, "off" },   /* key of another certificate */
        { "server.key", "server.key", NULL, "off" },   /* not a certificate */
        { "server.pem", "server.key", "server.key", "optional" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char ca[400] = "";
        if (cases[i][2])
            snprintf(ca, sizeof ca, "\"client_ca\": \"%s\",", pf(cases[i][2]));
        snprintf(block, sizeof block,
                 "{ \"listen\": [\"127.0.0.1:0\"], \"tls\": { \"cert\": \"%s\", \"key\": \"%s\", %s"
                 " \"verify_client\": \"%s\" } }", pf(cases[i][0]), pf(cases[i][1]), ca, cases[i][3]);
        seal_status_t st = try_host(block, 0);
        ck_assert_msg(st == SEAL_E_CONFIG, "case %zu: %d", i, st);
        seal_host_free(host);
        host = NULL;
    }
    snprintf(block, sizeof block,
             "{ \"listen\": [\"127.0.0.1:0\"], \"tls\": { \"cert\": \"%s\", \"key\": \"%s\","
             " \"priorities\": \"NOT-A-PRIORITY\" } }", pf("server.pem"), pf("server.key"));
    ck_assert_int_eq(try_host(block, 0), SEAL_E_CONFIG);
}
END_TEST

/* ---- TLS versions and suites (RFC 9325) ---- */

/* One TLS handshake to 127.0.0.1:p offering only prio: GnuTLS's result. */
static int handshake_with(unsigned p, const char *prio)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    gnutls_certificate_credentials_t cred;
    gnutls_session_t s;
    ck_assert_int_eq(gnutls_certificate_allocate_credentials(&cred), 0);
    ck_assert_int_eq(gnutls_init(&s, GNUTLS_CLIENT), 0);
    ck_assert_int_eq(gnutls_priority_set_direct(s, prio, NULL), 0);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_transport_set_int(s, fd);
    gnutls_handshake_set_timeout(s, 10000);
    int rc;
    do
        rc = gnutls_handshake(s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc == 0)
        gnutls_bye(s, GNUTLS_SHUT_WR);
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(fd);
    return rc;
}

/* The default priorities: TLS 1.2 with AEAD suites only (RFC 9325 4.2). */
START_TEST(tls12_aead_only)
{
    char block[1024];
    snprintf(block, sizeof block,
             "{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2,"
             "  \"tls\": { \"cert\": \"%s\", \"key\": \"%s\" } }", pf("server.pem"), pf("server.key"));
    start_host(block, 0);
    const char *tls12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:";
    char prio[256];
    snprintf(prio, sizeof prio, "%s+AES-128-CBC:+AES-256-CBC", tls12);
    ck_assert_int_lt(handshake_with(port, prio), 0);
    snprintf(prio, sizeof prio, "%s+AES-128-GCM", tls12);
    ck_assert_int_eq(handshake_with(port, prio), 0);
    snprintf(prio, sizeof prio, "%s+CHACHA20-POLY1305", tls12);
    ck_assert_int_eq(handshake_with(port, prio), 0);
    ck_assert_int_eq(handshake_with(port, "NORMAL:-VERS-ALL:+VERS-TLS1.3"), 0);
    ck_assert_int_lt(handshake_with(port, "NORMAL:-VERS-ALL:+VERS-TLS1.1"), 0);
}
END_TEST

/* A one-connection TLS server on 127.0.0.1 with the test server
 * certificate and priorities prio; answers one HTTP request with 200. */
typedef struct tls_srv {
    int fd;
    unsigned port;
    const char *prio;
    int rc;                 /* the handshake's result */
    pthread_t t;
} tls_srv_t;

static void *tls_srv_run(void *arg)
{
    tls_srv_t *v = arg;
    v->rc = GNUTLS_E_TIMEDOUT;
    struct pollfd pf1 = { .fd = v->fd, .events = POLLIN };
    if (poll(&pf1, 1, 20000) != 1)
        return NULL;
    int c = accept(v->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    gnutls_certificate_credentials_t cred;
    gnutls_session_t s;
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_certificate_set_x509_key_file(cred, pf("server.pem"), pf("server.key"),
                                         GNUTLS_X509_FMT_PEM);
    gnutls_init(&s, GNUTLS_SERVER);
    gnutls_priority_set_direct(s, v->prio, NULL);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_transport_set_int(s, c);
    gnutls_handshake_set_timeout(s, 10000);
    int rc;
    do
        rc = gnutls_handshake(s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    v->rc = rc;
    if (rc == 0) {
        char buf[4096];
        size_t got = 0;
        while (got < sizeof buf - 1) {
            ssize_t n = gnutls_record_recv(s, buf + got, sizeof buf - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            buf[got] = '\0';
            if (strstr(buf, "\r\n\r\n"))
                break;
        }
        static const char ans[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                  "Connection: close\r\n\r\nok";
        gnutls_record_send(s, ans, sizeof ans - 1);
        gnutls_bye(s, GNUTLS_SHUT_WR);
    }
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(c);
    return NULL;
}

static void tls_srv_start(tls_srv_t *v, const char *prio)
{
    v->prio = prio;
    v->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    ck_assert_int_eq(bind(v->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(v->fd, 4), 0);
    ck_assert_int_eq(getsockname(v->fd, (struct sockaddr *)&sa, &sl), 0);
    v->port = ntohs(sa.sin_port);
    ck_assert_int_eq(pthread_create(&v->t, NULL, tls_srv_run, v), 0);
}

/* seal_http_call to such a server: the call's status, the server's
 * handshake result in *hs. */
static seal_status_t call_tls_srv(const char *prio, int *hs)
{
    tls_srv_t v;
    tls_srv_start(&v, prio);
    char u[128];
    snprintf(u, sizeof u, "https://127.0.0.1:%u/", v.port);
    call_wait_t w;
    wait_init(&w);
    seal_http_call_t c = { .struct_size = sizeof c, .url = u, .ca_file = pf("ca.pem") };
    ck_assert_int_eq(seal_http_call(tp_self, &c, on_done, &w), SEAL_OK);
    ck_assert(wait_done(&w, 30));
    pthread_join(v.t, NULL);
    close(v.fd);
    *hs = v.rc;
    return w.st;
}

/* Outbound calls: TLS 1.2 at least (RFC 9325 3.1.1). */
START_TEST(outbound_tls12_at_least)
{
    start_host("{ \"listen\": [\"127.0.0.1:0\"], \"threads\": 2 }", 0);
    int hs;
    ck_assert_int_eq(call_tls_srv("NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM", &hs),
                     SEAL_OK);
    ck_assert_int_eq(hs, 0);
    ck_assert_int_ne(call_tls_srv("NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0", &hs), SEAL_OK);
    ck_assert_int_lt(hs, 0);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("plain");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, healthz);
    tcase_add_test(tc, routing_and_params);
    tcase_add_test(tc, problem_details);
    tcase_add_test(tc, body_limit);
    tcase_add_test(tc, rate_limit);
    tcase_add_test(tc, connection_limit);
    tcase_add_test(tc, keep_alive);
    tcase_add_test(tc, suspend_and_answer_from_another_thread);
    tcase_add_test(tc, drain_answers_parked_requests);
    tcase_add_test(tc, authorization_hook);
    tcase_add_test(tc, no_hook_no_certificate_is_401);
    tcase_add_test(tc, access_log);
    tcase_add_test(tc, several_listeners);
    tcase_add_test(tc, config_errors);
    tcase_add_test(tc, outbound_plain);
    tcase_add_test(tc, outbound_pending_at_shutdown);
    suite_add_tcase(s, tc);

    TCase *tls = tcase_create("tls");
    tcase_add_unchecked_fixture(tls, make_pki, remove_pki);
    tcase_add_checked_fixture(tls, setup, teardown);
    tcase_set_timeout(tls, 60);
    tcase_add_test(tls, https_basic);
    tcase_add_test(tls, outbound_ca_file_is_the_only_trust);
    tcase_add_test(tls, client_cert_optional);
    tcase_add_test(tls, client_cert_required);
    tcase_add_test(tls, mtls_off_needs_the_hook);
    tcase_add_test(tls, certificate_principals);
    tcase_add_test(tls, tls_config_errors);
    tcase_add_test(tls, tls12_aead_only);
    tcase_add_test(tls, outbound_tls12_at_least);
    suite_add_tcase(s, tls);
    return s;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    SRunner *sr = srunner_create(http_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
