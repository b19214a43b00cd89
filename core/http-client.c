/* SPDX-License-Identifier: Apache-2.0 */
/* core/http-client.c: outbound HTTP(S) for plugins (seal_http_call of
 * include/seal/http.h): one libcurl multi handle driven
 * by one host thread, started at the first call. Callers build the easy
 * handle on their own thread and queue it; the client thread adds it to the
 * multi handle (woken by curl_multi_wakeup), runs the transfers and calls
 * each done callback. TLS peers are always verified (the call's ca_file or
 * the system store); no redirects are followed; only http and https.
 * TLS 1.2 at least (RFC 9325 3.1.1), and TLS 1.2 with AEAD suites only
 * (RFC 9325 4.2) where libcurl lets us say so: the OpenSSL flavour takes a
 * cipher list; the GnuTLS flavour adds a priority string that starts with
 * '-' to its own from curl 8.13 on, and ignores it before (the servers we
 * call are seald's peers, whose own defaults refuse CBC suites).
 *
 * libcurl is loaded with dlopen at the first call, not linked: it brings
 * some twenty libraries (OpenSSL through libssh2, Kerberos, LDAP, ...) that
 * would cost every seald about 5 MB of RSS and start-up time, while many
 * deployments make no outbound call. The header is used for types only. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "http-private.h"

#define MAX_RESPONSE_BYTES (16u * 1024 * 1024)
#define DEFAULT_TIMEOUT_MS 10000L

/* The libcurl functions used, resolved at load. */
typedef struct curl_api {
    void *dl;
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned, int, int *);
    CURLMcode (*multi_wakeup)(CURLM *);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    curl_version_info_data *(*version_info)(CURLversion);
    const char *ciphers;          /* CURLOPT_SSL_CIPHER_LIST for this flavour, or NULL */
} curl_api_t;

typedef struct call {
    const curl_api_t *api;
    CURL *easy;
    struct curl_slist *headers;
    char *body;                   /* the request body (curl does not copy it) */
    char *resp;
    size_t resp_len, resp_cap;
    int too_big;
    seal_plugin_t *self;
    seal_http_done_fn done;
    void *user;
    struct call *next;
} call_t;

struct seal_http_client {
    seal_host_t *host;
    curl_api_t api;               /* api.dl != NULL once loaded (under mu) */
    int load_failed;
    CURLM *multi;
    pthread_mutex_t mu;           /* queue, stopping, thread_started */
    call_t *queue, **queue_tail;
    call_t *active;               /* owned by the client thread */
    int stopping, thread_started;
    pthread_t thread;
};

seal_http_client_t *seal_http_client_new(seal_host_t *host)
{
    seal_http_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->host = host;
    c->queue_tail = &c->queue;
    return c;
}

/* Loads libcurl (c->mu held). The GnuTLS flavour first: seald's TLS stack. */
static seal_status_t load_curl(seal_http_client_t *c)
{
    static const char *const names[] = { "libcurl-gnutls.so.4", "libcurl.so.4" };
    curl_api_t *a = &c->api;
    if (a->dl)
        return SEAL_OK;
    if (c->load_failed)
        return SEAL_E_UNSUPPORTED;
    void *dl = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !dl; i++)
        dl = dlopen(names[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!dl) {
        c->load_failed = 1;
        seal_log(NULL, SEAL_LOG_ERR, "http client: cannot load libcurl: %s", dlerror());
        return SEAL_E_UNSUPPORTED;
    }
    /* POSIX allows converting dlsym's object pointer to a function pointer. */
#define SYM(field, name) \
    do { *(void **)(&a->field) = dlsym(dl, name); if (!a->field) goto missing; } while (0)
    SYM(global_init, "curl_global_init");
    SYM(global_cleanup, "curl_global_cleanup");
    SYM(multi_init, "curl_multi_init");
    SYM(multi_cleanup, "curl_multi_cleanup");
    SYM(multi_add_handle, "curl_multi_add_handle");
    SYM(multi_remove_handle, "curl_multi_remove_handle");
    SYM(multi_perform, "curl_multi_perform");
    SYM(multi_info_read, "curl_multi_info_read");
    SYM(multi_poll, "curl_multi_poll");
    SYM(multi_wakeup, "curl_multi_wakeup");
    SYM(easy_init, "curl_easy_init");
    SYM(easy_cleanup, "curl_easy_cleanup");
    SYM(easy_setopt, "curl_easy_setopt");
    SYM(easy_getinfo, "curl_easy_getinfo");
    SYM(slist_append, "curl_slist_append");
    SYM(slist_free_all, "curl_slist_free_all");
    SYM(version_info, "curl_version_info");
#undef SYM
    const curl_version_info_data *vi = a->version_info(CURLVERSION_NOW);
    const char *tls = vi && vi->ssl_version ? vi->ssl_version : "";
    if (strncmp(tls, "GnuTLS", 6) == 0)
        a->ciphers = SEAL_TLS_AEAD_ONLY;
    else if (strncmp(tls, "OpenSSL", 7) == 0)
        a->ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20";
    if (a->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        goto failed;
    if (!(c->multi = a->multi_init())) {
        a->global_cleanup();
        goto failed;
    }
    a->dl = dl;
    return SEAL_OK;
missing:
    seal_log(NULL, SEAL_LOG_ERR, "http client: libcurl lacks %s (7.68 or later is needed)",
             dlerror());
failed:
    dlclose(dl);
    memset(a, 0, sizeof *a);
    c->load_failed = 1;
    return SEAL_E_UNSUPPORTED;
}

static void call_free(call_t *k)
{
    if (k->easy)
        k->api->easy_cleanup(k->easy);
    if (k->headers)
        k->api->slist_free_all(k->headers);
    free(k->body);
    free(k->resp);
    free(k);
}

static void finish(call_t *k, seal_status_t st, long http_status)
{
    const char *body = k->resp ? k->resp : "";
    size_t len = st == SEAL_OK ? k->resp_len : 0;
    if (st != SEAL_OK)
        body = "";
    SEAL_PLUGIN_CALL(k->self, k->done(st, http_status, body, len, k->user));
    call_free(k);
}

static seal_status_t map_curl(CURLcode rc, const call_t *k)
{
    switch (rc) {
    case CURLE_OK:
        return SEAL_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return SEAL_E_TIMEOUT;
    case CURLE_WRITE_ERROR:
        return k->too_big ? SEAL_E_TOOBIG : SEAL_E_IO;
    case CURLE_OUT_OF_MEMORY:
        return SEAL_E_NOMEM;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return SEAL_E_CRYPTO;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return SEAL_E_INVAL;
    default:
        return SEAL_E_IO;
    }
}

static void *client_thread(void *arg)
{
    seal_http_client_t *c = arg;
    const curl_api_t *a = &c->api;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        call_t *q = c->queue;
        c->queue = NULL;
        c->queue_tail = &c->queue;
        int stopping = c->stopping;
        pthread_mutex_unlock(&c->mu);
        while (q) {
            call_t *k = q;
            q = q->next;
            if (stopping || a->multi_add_handle(c->multi, k->easy) != CURLM_OK) {
                finish(k, stopping ? SEAL_E_STATE : SEAL_E_NOMEM, 0);
                continue;
            }
            k->next = c->active;
            c->active = k;
        }
        if (stopping)
            break;
        int running = 0;
        a->multi_perform(c->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = a->multi_info_read(c->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            call_t *k = NULL;
            a->easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&k);
            CURLcode rc = m->data.result;
            a->multi_remove_handle(c->multi, m->easy_handle);
            for (call_t **pp = &c->active; *pp; pp = &(*pp)->next)
                if (*pp == k) {
                    *pp = k->next;
                    break;
                }
            long code = 0;
            a->easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &code);
            seal_status_t st = map_curl(rc, k);
            finish(k, st, st == SEAL_OK ? code : 0);
        }
        a->multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
    /* Stopping: transfers still running end with SEAL_E_STATE. */
    while (c->active) {
        call_t *k = c->active;
        c->active = k->next;
        a->multi_remove_handle(c->multi, k->easy);
        finish(k, SEAL_E_STATE, 0);
    }
    return NULL;
}

void seal_http_client_free(seal_http_client_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stopping = 1;
    int started = c->thread_started;
    pthread_mutex_unlock(&c->mu);
    if (started) {
        c->api.multi_wakeup(c->multi);
        pthread_join(c->thread, NULL);
    }
    /* Calls queued after the thread's last look. */
    call_t *q = c->queue;
    while (q) {
        call_t *k = q;
        q = q->next;
        finish(k, SEAL_E_STATE, 0);
    }
    if (c->api.dl) {
        c->api.multi_cleanup(c->multi);
        c->api.global_cleanup();
        dlclose(c->api.dl);                   /* RTLD_NODELETE: stays mapped */
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *user)
{
    call_t *k = user;
    size_t n = size * nmemb;
    if (k->resp_len + n > MAX_RESPONSE_BYTES) {
        k->too_big = 1;
        return 0;                             /* curl ends with CURLE_WRITE_ERROR */
    }
    if (k->resp_len + n + 1 > k->resp_cap) {
        size_t cap = k->resp_cap ? k->resp_cap : 4096;
        while (cap < k->resp_len + n + 1)
            cap *= 2;
        char *b = realloc(k->resp, cap);
        if (!b)
            return 0;
        k->resp = b;
        k->resp_cap = cap;
    }
    memcpy(k->resp + k->resp_len, data, n);
    k->resp_len += n;
    k->resp[k->resp_len] = '\0';
    return n;
}

static int clean_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t')
            return 0;
    return 1;
}

seal_status_t seal_http_call(seal_plugin_t *self, const seal_http_call_t *call,
                             seal_http_done_fn done, void *user)
{
    if (!self || !call || !done || call->struct_size < sizeof(seal_http_call_t) || !call->url ||
        (call->body_len && !call->body))
        return SEAL_E_INVAL;
    if (strncmp(call->url, "http://", 7) != 0 && strncmp(call->url, "https://", 8) != 0)
        return SEAL_E_INVAL;
    seal_http_client_t *c = self->host->client;
    if (!c)
        return SEAL_E_STATE;
    const char *method = call->method ? call->method : call->body_len ? "POST" : "GET";
    for (const char *p = method; *p; p++)
        if (*p < 'A' || *p > 'Z')
            return SEAL_E_INVAL;
    if (!*method || !clean_text(call->url))
        return SEAL_E_INVAL;

    pthread_mutex_lock(&c->mu);
    seal_status_t ld = c->stopping ? SEAL_E_STATE : load_curl(c);
    pthread_mutex_unlock(&c->mu);
    if (ld != SEAL_OK)
        return ld;
    const curl_api_t *a = &c->api;

    call_t *k = calloc(1, sizeof *k);
    if (!k)
        return SEAL_E_NOMEM;
    k->api = a;
    k->self = self;
    k->done = done;
    k->user = user;
    seal_status_t st = SEAL_E_NOMEM;
    if (!(k->easy = a->easy_init()))
        goto fail;
    for (const char *const *h = call->headers; h && *h; h++) {
        if (!clean_text(*h) || !strchr(*h, ':')) {
            st = SEAL_E_INVAL;
            goto fail;
        }
        struct curl_slist *l = a->slist_append(k->headers, *h);
        if (!l)
            goto fail;
        k->headers = l;
    }
    CURL *e = k->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = a->easy_setopt(e, opt, val); } while (0)
    SET(CURLOPT_URL, call->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (a->ciphers)
        SET(CURLOPT_SSL_CIPHER_LIST, a->ciphers);
    SET(CURLOPT_TIMEOUT_MS, call->timeout_ms > 0 ? call->timeout_ms : DEFAULT_TIMEOUT_MS);
    SET(CURLOPT_WRITEFUNCTION, on_data);
    SET(CURLOPT_WRITEDATA, k);
    SET(CURLOPT_PRIVATE, k);
    /* A configured CA is the only trust: libcurl would otherwise add its
     * built-in CA directory (Debian's: /etc/ssl/certs) to it. */
    if (call->ca_file) {
        SET(CURLOPT_CAINFO, call->ca_file);
        SET(CURLOPT_CAPATH, NULL);
    }
    if (call->cert_file)
        SET(CURLOPT_SSLCERT, call->cert_file);
    if (call->key_file)
        SET(CURLOPT_SSLKEY, call->key_file);
    if (k->headers)
        SET(CURLOPT_HTTPHEADER, k->headers);
    if (call->body_len) {
        if (!(k->body = malloc(call->body_len)))
            goto fail;
        memcpy(k->body, call->body, call->body_len);
        SET(CURLOPT_POSTFIELDS, k->body);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
    }
    else if (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
        SET(CURLOPT_POSTFIELDS, "");          /* sends Content-Length: 0 */
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
    if (strcmp(method, "HEAD") == 0)
        SET(CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0 || call->body_len)
        SET(CURLOPT_CUSTOMREQUEST, method);
#undef SET
    if (rc != CURLE_OK) {
        st = rc == CURLE_OUT_OF_MEMORY ? SEAL_E_NOMEM : SEAL_E_INVAL;
        goto fail;
    }

    pthread_mutex_lock(&c->mu);
    if (c->stopping) {
        pthread_mutex_unlock(&c->mu);
        st = SEAL_E_STATE;
        goto fail;
    }
    if (!c->thread_started) {
        if (pthread_create(&c->thread, NULL, client_thread, c) != 0) {
            pthread_mutex_unlock(&c->mu);
            st = SEAL_E_AGAIN;
            goto fail;
        }
        c->thread_started = 1;
    }
    *c->queue_tail = k;
    c->queue_tail = &k->next;
    pthread_mutex_unlock(&c->mu);
    a->multi_wakeup(c->multi);
    return SEAL_OK;
fail:
    call_free(k);
    return st;
}
