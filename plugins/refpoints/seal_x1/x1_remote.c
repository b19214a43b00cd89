/* SPDX-License-Identifier: Apache-2.0 */
/* SEAL-X1 to a remote KMS (TS 33.434 5.1.1.1: HTTPS, OAuth 2.0): the GMS
 * gets an access token from the IdM's token endpoint with the
 * client_credentials grant (RFC 6749 4.4, client_secret_basic), then asks
 * the KMS's KM-UU interface (TS 33.180 Annex D.2: POST
 * /keymanagement/identity/v1/init and /keyprov/<uri>/<time>) with it.
 *
 * Every call goes through the host's outbound client (seal_http_call); the
 * caller blocks on a condition variable until the answer or the timeout,
 * which is why keys_at must never run on an HTTP worker or the client
 * thread itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <nettle/base64.h>
#include "sjson/sjson.h"
#include "x1.h"

#define KM_PATH "/keymanagement/identity/v1"
#define SECRET_MAX 1024
#define TOKEN_MAX 8192

struct x1_remote {
    seal_plugin_t *self;
    char *kms_url;            /* without a trailing slash */
    char *token_url;
    char *ca_file;
    char *basic;              /* "Authorization: Basic ..." (secret: wiped) */
    size_t basic_len;
    char *token_body;         /* grant_type=client_credentials&scope=... */
    long timeout_ms;

    pthread_mutex_t mu;       /* the token */
    char *token;              /* "Authorization: Bearer ..." (secret: wiped) */
    size_t token_len;
    int64_t token_exp;
};

/* ---- one outbound call, waited for ---- */

typedef struct wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;                 /* the waiter and the callback */
    int done;
    seal_status_t st;
    long http;
    char *body;
    size_t len;
} wait_t;

static void wait_unref(wait_t *w)
{
    pthread_mutex_lock(&w->mu);
    int last = --w->refs == 0;
    pthread_mutex_unlock(&w->mu);
    if (!last)
        return;
    if (w->body) {
        explicit_bzero(w->body, w->len);
        free(w->body);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

static void on_done(seal_status_t st, long http, const char *body, size_t len, void *user)
{
    wait_t *w = user;
    pthread_mutex_lock(&w->mu);
    w->st = st;
    w->http = http;
    if (st == SEAL_OK && body && len) {
        if ((w->body = malloc(len + 1)) != NULL) {
            memcpy(w->body, body, len);
            w->body[len] = '\0';
            w->len = len;
        } else {
            w->st = SEAL_E_NOMEM;
        }
    }
    w->done = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    wait_unref(w);
}

/* Runs the call; *body (malloc'd, NUL-terminated, may be NULL) on SEAL_OK. */
static seal_status_t call(x1_remote_t *r, const char *method, const char *url,
                          const char *const *headers, const char *body, size_t body_len,
                          long *http, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    wait_t *w = calloc(1, sizeof *w);
    if (!w)
        return SEAL_E_NOMEM;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    w->refs = 2;
    seal_http_call_t c = {
        .struct_size = sizeof c,
        .method = method,
        .url = url,
        .headers = headers,
        .body = body,
        .body_len = body_len,
        .timeout_ms = r->timeout_ms,
        .ca_file = r->ca_file,
    };
    seal_status_t st = seal_http_call(r->self, &c, on_done, w);
    if (st != SEAL_OK) {
        /* The callback never runs: drop its reference too. */
        w->refs = 1;
        wait_unref(w);
        return st;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long wait_ms = r->timeout_ms + 5000;   /* the client's own timeout fires first */
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->done)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
            break;
    if (!w->done) {
        st = SEAL_E_TIMEOUT;
    } else {
        st = w->st;
        *http = w->http;
        *out = w->body;
        *out_len = w->len;
        w->body = NULL;
        w->len = 0;
    }
    pthread_mutex_unlock(&w->mu);
    wait_unref(w);
    return st;
}

static void free_body(char *b, size_t len)
{
    if (b) {
        explicit_bzero(b, len);
        free(b);
    }
}

/* ---- the token (RFC 6749 4.4) ---- */

static void drop_token(x1_remote_t *r)
{
    if (r->token) {
        explicit_bzero(r->token, r->token_len);
        free(r->token);
    }
    r->token = NULL;
    r->token_len = 0;
    r->token_exp = 0;
}

/* A printable token of the RFC 6750 b64token alphabet. */
static int token_ok(const char *t, size_t len)
{
    if (len == 0 || len > TOKEN_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("-._~+/=", c)))
            return 0;
    }
    return 1;
}

static seal_status_t fetch_token(x1_remote_t *r)
{
    const char *headers[] = { r->basic, "Content-Type: application/x-www-form-urlencoded",
                              "Accept: application/json", NULL };
    long http = 0;
    char *body = NULL;
    size_t len = 0;
    seal_status_t st = call(r, "POST", r->token_url, headers, r->token_body,
                            strlen(r->token_body), &http, &body, &len);
    if (st != SEAL_OK) {
        seal_log(r->self, SEAL_LOG_WARN, "token endpoint %s: %s", r->token_url,
                 seal_strerror(st));
        return st == SEAL_E_TIMEOUT ? st : SEAL_E_IO;
    }
    struct json_object *o = NULL, *v;
    if (http != 200) {
        seal_log(r->self, SEAL_LOG_WARN, "token endpoint %s refused the client_credentials "
                 "grant: HTTP %ld", r->token_url, http);
        st = http == 400 || http == 401 || http == 403 ? SEAL_E_UNAUTH : SEAL_E_IO;
        goto out;
    }
    /* The token answer (RFC 6749 5.1) through the strict reader: a second
     * access_token or token_type must not replace the first unseen. */
    sjson_error_t jerr;
    o = sjson_parse(body, len, 8, &jerr);
    if (!o && jerr.code != SJSON_OK) {
        char text[SJSON_PTR_MAX + 96];
        seal_log(r->self, SEAL_LOG_WARN, "token endpoint %s: the answer is not strict JSON: %s",
                 r->token_url, sjson_error_text(&jerr, text, sizeof text));
    }
    const char *at = NULL, *type = NULL;
    int64_t exp_in = 300;
    if (o && json_object_is_type(o, json_type_object)) {
        if (json_object_object_get_ex(o, "access_token", &v) && json_object_is_type(v, json_type_string))
            at = json_object_get_string(v);
        if (json_object_object_get_ex(o, "token_type", &v) && json_object_is_type(v, json_type_string))
            type = json_object_get_string(v);
        if (json_object_object_get_ex(o, "expires_in", &v) && json_object_is_type(v, json_type_int))
            exp_in = json_object_get_int64(v);
    }
    if (!at || !token_ok(at, strlen(at)) || !type || strcasecmp(type, "Bearer") != 0) {
        seal_log(r->self, SEAL_LOG_WARN, "token endpoint %s: the answer holds no bearer "
                 "access_token", r->token_url);
        st = SEAL_E_UNAUTH;
        goto out;
    }
    drop_token(r);
    r->token_len = strlen("Authorization: Bearer ") + strlen(at);
    if (!(r->token = malloc(r->token_len + 1))) {
        r->token_len = 0;
        st = SEAL_E_NOMEM;
        goto out;
    }
    snprintf(r->token, r->token_len + 1, "Authorization: Bearer %s", at);
    /* Renewed a little before it expires, so a call never carries a token
     * that dies on its way. */
    if (exp_in < 0)
        exp_in = 0;
    r->token_exp = (int64_t)time(NULL) + (exp_in > 60 ? exp_in - 30 : exp_in / 2);
out:
    if (o) {
        /* The token text inside json-c's object is freed without a wipe;
         * the copy we keep is wiped. */
        json_object_put(o);
    }
    free_body(body, len);
    return st;
}

/* The bearer header; fetches a token when none is valid. Under r->mu. */
static seal_status_t bearer(x1_remote_t *r, int fresh)
{
    if (fresh || !r->token || (int64_t)time(NULL) >= r->token_exp)
        return fetch_token(r);
    return SEAL_OK;
}

/* ---- KM-UU requests ---- */

static seal_status_t kms_post(x1_remote_t *r, const char *url, x1_response_t *res)
{
    seal_status_t st = SEAL_E_UNAUTH;
    char err[160];
    pthread_mutex_lock(&r->mu);
    /* A 401 means our token died early (key rotation, revocation): one
     * retry with a fresh token. */
    for (int attempt = 0; attempt < 2; attempt++) {
        if ((st = bearer(r, attempt > 0)) != SEAL_OK)
            break;
        const char *headers[] = { r->token, "Accept: application/xml",
                                  "Content-Type: application/xml", NULL };
        long http = 0;
        char *body = NULL;
        size_t len = 0;
        st = call(r, "POST", url, headers, "", 0, &http, &body, &len);
        if (st != SEAL_OK) {
            seal_log(r->self, SEAL_LOG_WARN, "KMS %s: %s", url, seal_strerror(st));
            st = st == SEAL_E_TIMEOUT ? st : SEAL_E_IO;
            break;
        }
        if (http == 401 && attempt == 0) {
            free_body(body, len);
            drop_token(r);
            continue;
        }
        seal_status_t pst = x1_xml_parse(body, len, res, err, sizeof err);
        free_body(body, len);
        if (http == 200 && pst == SEAL_OK && res->kind != X1_KIND_ERROR) {
            st = SEAL_OK;
        } else if (pst == SEAL_OK && res->kind == X1_KIND_ERROR) {
            seal_log(r->self, SEAL_LOG_WARN, "KMS %s: HTTP %ld, KmsError %ld: %s", url, http,
                     res->error_code, res->error_msg);
            st = http == 401 ? SEAL_E_UNAUTH : http == 403 ? SEAL_E_PERM : SEAL_E_IO;
        } else if (http != 200) {
            seal_log(r->self, SEAL_LOG_WARN, "KMS %s: HTTP %ld", url, http);
            st = http == 401 ? SEAL_E_UNAUTH : http == 403 ? SEAL_E_PERM : SEAL_E_IO;
        } else {
            seal_log(r->self, SEAL_LOG_WARN, "KMS %s: unusable KmsResponse: %s", url, err);
            st = pst == SEAL_E_NOMEM ? pst : SEAL_E_IO;
        }
        if (st != SEAL_OK)
            x1_response_wipe(res);
        break;
    }
    pthread_mutex_unlock(&r->mu);
    return st;
}

seal_status_t x1_remote_cert(x1_remote_t *r, x1_cert_t *cert)
{
    char url[1024];
    x1_response_t *res = malloc(sizeof *res);
    if (!res)
        return SEAL_E_NOMEM;
    snprintf(url, sizeof url, "%s" KM_PATH "/init", r->kms_url);
    seal_status_t st = kms_post(r, url, res);
    if (st == SEAL_OK && res->kind != X1_KIND_INIT) {
        seal_log(r->self, SEAL_LOG_WARN, "KMS %s: the answer is not a KmsInit", url);
        st = SEAL_E_IO;
    }
    if (st == SEAL_OK)
        *cert = res->cert;
    x1_response_wipe(res);
    free(res);
    return st;
}

/* Percent-encoding of everything but the unreserved characters (RFC 3986
 * 2.3), as Annex D.2 asks for the URI path segment; with form, the
 * application/x-www-form-urlencoded variant instead (a space is '+', '*'
 * stays, '~' is escaped), which RFC 6749 2.3.1 applies to the client id
 * and secret before Basic. */
static int pct_encode(const char *s, int form, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                    c == (form ? '*' : '~');
        if (o + (plain && !form ? 1 : 3) >= cap)   /* form: room for 3 at each */
            return -1;
        if (form && c == ' ') {
            out[o++] = '+';
        } else if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return 0;
}

seal_status_t x1_remote_keyset(x1_remote_t *r, const char *uri, uint64_t ntp_secs,
                               x1_keyset_t *ks)
{
    char enc[3 * SEAL_X1_URI_MAX + 1], url[2048];
    if (pct_encode(uri, 0, enc, sizeof enc) != 0)
        return SEAL_E_INVAL;
    /* <time>: the 64-bit NTP-UTC timestamp in hex, as in MIKEY (D.2). */
    snprintf(url, sizeof url, "%s" KM_PATH "/keyprov/%s/%08X00000000", r->kms_url, enc,
             (unsigned)(ntp_secs & 0xFFFFFFFFu));
    x1_response_t *res = malloc(sizeof *res);
    if (!res)
        return SEAL_E_NOMEM;
    seal_status_t st = kms_post(r, url, res);
    if (st == SEAL_OK && res->kind != X1_KIND_KEYPROV) {
        seal_log(r->self, SEAL_LOG_WARN, "KMS %s: the answer is not a KmsKeyProv", url);
        st = SEAL_E_IO;
    }
    if (st == SEAL_OK) {
        st = SEAL_E_IO;
        for (size_t i = 0; i < res->n_keysets; i++)
            if (strcmp(res->keysets[i].user_uri, uri) == 0) {
                *ks = res->keysets[i];
                st = SEAL_OK;
                break;
            }
        if (st != SEAL_OK)
            seal_log(r->self, SEAL_LOG_WARN, "KMS %s: no key set for %s in the answer", url,
                     uri);
    }
    x1_response_wipe(res);
    free(res);
    return st;
}

/* ---- set-up ---- */

/* The client secret: the file's first line (at most 1 KiB), which must not
 * be readable by others. */
static seal_status_t read_secret(seal_plugin_t *self, const char *path, char *out, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        seal_log(self, SEAL_LOG_ERR, "client_secret_file %s: %s", path, strerror(errno));
        return SEAL_E_CONFIG;
    }
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd, out + n, cap - 1 - n)) != 0) {
        if (k < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            explicit_bzero(out, cap);
            seal_log(self, SEAL_LOG_ERR, "client_secret_file %s: %s", path, strerror(errno));
            return SEAL_E_CONFIG;
        }
        n += (size_t)k;
    }
    close(fd);
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    if (!*out) {
        seal_log(self, SEAL_LOG_ERR, "client_secret_file %s is empty", path);
        return SEAL_E_CONFIG;
    }
    return SEAL_OK;
}

static char *basic_header(const char *id, const char *secret, size_t *len)
{
    static const char name[] = "Authorization: Basic ";
    size_t cap = 3 * (strlen(id) + strlen(secret)) + 8;
    char *raw = malloc(cap), *hdr = NULL;
    if (!raw)
        return NULL;
    size_t n;
    if (pct_encode(id, 1, raw, cap) != 0)
        goto out;
    n = strlen(raw);
    raw[n++] = ':';
    if (pct_encode(secret, 1, raw + n, cap - n) != 0)
        goto out;
    n = strlen(raw);
    size_t hlen = sizeof name - 1 + BASE64_ENCODE_RAW_LENGTH(n);
    if (!(hdr = malloc(hlen + 1)))
        goto out;
    memcpy(hdr, name, sizeof name - 1);
    base64_encode_raw(hdr + sizeof name - 1, n, (const uint8_t *)raw);
    hdr[hlen] = '\0';
    *len = hlen;
out:
    explicit_bzero(raw, cap);
    free(raw);
    return hdr;
}

seal_status_t x1_remote_new(seal_plugin_t *self, const x1_remote_conf_t *conf,
                            x1_remote_t **out)
{
    *out = NULL;
    x1_remote_t *r = calloc(1, sizeof *r);
    if (!r)
        return SEAL_E_NOMEM;
    pthread_mutex_init(&r->mu, NULL);
    r->self = self;
    r->timeout_ms = (long)conf->timeout_ms;
    char secret[SECRET_MAX + 1], scope[256];
    seal_status_t st = read_secret(self, conf->client_secret_file, secret, sizeof secret);
    if (st == SEAL_OK) {
        size_t n = strlen(conf->kms_url);
        while (n && conf->kms_url[n - 1] == '/')
            n--;
        r->kms_url = strndup(conf->kms_url, n);
        r->token_url = strdup(conf->token_url);
        r->ca_file = conf->ca_file ? strdup(conf->ca_file) : NULL;
        r->basic = basic_header(conf->client_id, secret, &r->basic_len);
        if (pct_encode(conf->scope, 1, scope, sizeof scope) == 0 &&
            (r->token_body = malloc(64 + strlen(scope))) != NULL)
            sprintf(r->token_body, "grant_type=client_credentials&scope=%s", scope);
        if (!r->kms_url || !r->token_url || (conf->ca_file && !r->ca_file) || !r->basic ||
            !r->token_body)
            st = SEAL_E_NOMEM;
    }
    explicit_bzero(secret, sizeof secret);
    if (st != SEAL_OK) {
        x1_remote_free(r);
        return st;
    }
    *out = r;
    return SEAL_OK;
}

void x1_remote_free(x1_remote_t *r)
{
    if (!r)
        return;
    drop_token(r);
    if (r->basic) {
        explicit_bzero(r->basic, r->basic_len);
        free(r->basic);
    }
    free(r->kms_url);
    free(r->token_url);
    free(r->ca_file);
    free(r->token_body);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
