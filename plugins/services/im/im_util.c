/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers of the identity management service: opaque tokens, JSON
 * and store access,
 * scope lists (RFC 6749 3.3) and the sweep of expired records. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "im_int.h"
#include "sjson/sjson.h"

int64_t im_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

seal_status_t im_random_token(im_ctx_t *c, char out[IM_TOKEN_CHARS + 1])
{
    uint8_t r[32];
    seal_status_t st = seal_crypto_random(c->self, r, sizeof r);
    if (st == SEAL_OK)
        b64url_encode(r, sizeof r, out);
    else
        out[0] = '\0';
    memset(r, 0, sizeof r);
    return st;
}

seal_status_t im_token_key(im_ctx_t *c, const char *token, char out[IM_TOKEN_CHARS + 1])
{
    uint8_t h[32];
    seal_status_t st = seal_crypto_hash(c->self, SEAL_CRYPTO_SHA256, token, strlen(token), h,
                                        sizeof h);
    if (st == SEAL_OK)
        b64url_encode(h, sizeof h, out);
    else
        out[0] = '\0';
    return st;
}

int im_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

const char *im_param(const seal_im_param_t *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (p[i].name && strcmp(p[i].name, name) == 0)
            return p[i].value;
    return NULL;
}

void im_err(seal_im_error_t *err, const char *code, unsigned status, const char *fmt, ...)
{
    if (!err)
        return;
    err->error = code;
    err->http_status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->description, sizeof err->description, fmt, ap);
    va_end(ap);
}

struct json_object *im_json_parse(const char *s, size_t len)
{
    /* lib/sjson: admin bodies, token-exchange JWS parts and partner JWKS
     * come from outside (no duplicate names, RFC 7519 4; UTF-8 only). */
    return s ? sjson_parse(s, len, 32, NULL) : NULL;
}

struct json_object *im_json_body(const char *s, size_t len, seal_im_error_t *err)
{
    sjson_error_t e;
    struct json_object *o = s ? sjson_parse(s, len, 32, &e) : NULL;
    if (!json_object_is_type(o, json_type_object)) {
        char why[160];
        im_err(err, "invalid_request", 400, "%s", o || !s ? "the body must be a JSON object"
                                                       : sjson_error_text(&e, why, sizeof why));
        json_object_put(o);
        return NULL;
    }
    return o;
}

char *im_json_text(struct json_object *o, size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN
                                                      | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (!s)
        return NULL;
    char *copy = malloc(n + 1);
    if (copy) {
        memcpy(copy, s, n + 1);
        if (len)
            *len = n;
    }
    return copy;
}

const char *im_jstr(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int64_t im_jint(struct json_object *o, const char *key, int64_t def)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return def;
    return json_object_get_int64(v);
}

int im_jbool(struct json_object *o, const char *key, int def)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
        return def;
    return json_object_get_boolean(v);
}

int im_jarray_has(struct json_object *o, const char *key, const char *value)
{
    struct json_object *a;
    if (!o || !json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        struct json_object *v = json_object_array_get_idx(a, i);
        if (json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), value) == 0)
            return 1;
    }
    return 0;
}

int im_aud_has(struct json_object *o, const char *want)
{
    struct json_object *a;
    if (!json_object_object_get_ex(o, "aud", &a))
        return 0;
    if (json_object_is_type(a, json_type_string))
        return strcmp(json_object_get_string(a), want) == 0;
    return im_jarray_has(o, "aud", want);
}

int im_jadd_str(struct json_object *o, const char *key, const char *v)
{
    struct json_object *s = json_object_new_string(v);
    if (!s || json_object_object_add(o, key, s) != 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

int im_jadd_int(struct json_object *o, const char *key, int64_t v)
{
    struct json_object *s = json_object_new_int64(v);
    if (!s || json_object_object_add(o, key, s) != 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

/* Calls fn on each scope token of a space-separated list; stops on non-zero. */
static int each_scope(const char *list, int (*fn)(const char *s, size_t n, void *ctx), void *ctx)
{
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n && fn(p, n, ctx))
            return 1;
        p += n;
    }
    return 0;
}

typedef struct find_ctx {
    const char *s;
    size_t n;
} find_ctx_t;

static int is_token(const char *s, size_t n, void *ctx)
{
    find_ctx_t *f = ctx;
    return n == f->n && memcmp(s, f->s, n) == 0;
}

int im_scope_has(const char *scope, const char *one)
{
    find_ctx_t f = { one, strlen(one) };
    return each_scope(scope, is_token, &f);
}

static int not_in_list(const char *s, size_t n, void *ctx)
{
    find_ctx_t f = { s, n };
    return !each_scope(ctx, is_token, &f);
}

int im_scope_subset(const char *want, const char *have)
{
    return !each_scope(want, not_in_list, (void *)have);
}

static int not_in_arr(const char *s, size_t n, void *ctx)
{
    struct json_object *arr = ctx;
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *v = json_object_array_get_idx(arr, i);
        if (json_object_is_type(v, json_type_string) && (size_t)json_object_get_string_len(v) == n
            && memcmp(json_object_get_string(v), s, n) == 0)
            return 0;
    }
    return 1;
}

int im_scope_subset_arr(const char *want, struct json_object *arr)
{
    return !each_scope(want, not_in_arr, arr);
}

struct json_object *im_store_get(im_ctx_t *c, seal_store_txn_t *txn, const char *ns,
                                 const char *key, uint64_t *rev, seal_status_t *st)
{
    char *json = NULL;
    size_t len = 0;
    seal_status_t s = seal_store_get(c->self, txn, ns, key, &json, &len, rev);
    struct json_object *o = NULL;
    if (s == SEAL_OK) {
        o = im_json_parse(json, len);
        if (!o) {
            seal_log(c->self, SEAL_LOG_ERR, "unreadable document in %s", ns);
            s = SEAL_E_IO;
        }
    }
    seal_free(json);
    if (st)
        *st = s;
    return o;
}

seal_status_t im_store_put(im_ctx_t *c, seal_store_txn_t *txn, const char *ns,
                           const char *key, struct json_object *o, uint64_t expect_rev,
                           const seal_store_term_t *terms, size_t nterms)
{
    size_t len = 0;
    char *text = im_json_text(o, &len);
    if (!text)
        return SEAL_E_NOMEM;
    seal_status_t st = seal_store_put(c->self, txn, ns, key, text, len, expect_rev, terms,
                                      nterms, NULL);
    free(text);
    return st;
}

/* ---- sweep ---- */

typedef struct sweep_ctx {
    int64_t now;
    char **keys;
    size_t n, cap;
} sweep_ctx_t;

/* Collects the keys of documents whose "exp" passed (plus a margin). */
static int sweep_visit(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    sweep_ctx_t *s = p;
    struct json_object *o = im_json_parse(json, len);
    int64_t exp = im_jint(o, "exp", INT64_MAX);
    json_object_put(o);
    (void)rev;
    if (exp == INT64_MAX || exp + IM_LEEWAY >= s->now)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        if (cap > 65536)
            return 1;   /* enough for one round */
        char **k = realloc(s->keys, cap * sizeof *k);
        if (!k)
            return 1;
        s->keys = k;
        s->cap = cap;
    }
    if ((s->keys[s->n] = strdup(key)))
        s->n++;
    return 0;
}

static void sweep_ns(im_ctx_t *c, const char *ns, int64_t now)
{
    sweep_ctx_t s = { .now = now };
    seal_store_scan(c->self, NULL, ns, "", sweep_visit, &s);
    for (size_t i = 0; i < s.n; i++) {
        seal_store_delete(c->self, NULL, ns, s.keys[i], SEAL_REV_ANY);
        free(s.keys[i]);
    }
    if (s.n)
        seal_log(c->self, SEAL_LOG_DEBUG, "sweep: %zu expired records in %s", s.n, ns);
    free(s.keys);
}

void im_sweep_maybe(im_ctx_t *c)
{
    int64_t now = im_now();
    int64_t last = atomic_load(&c->last_sweep);
    if (now - last < c->sweep_s)
        return;
    /* One thread sweeps; the others go on. */
    if (!atomic_compare_exchange_strong(&c->last_sweep, &last, now))
        return;
    static const char *const ns[] = { IM_NS_CODES, IM_NS_RT, IM_NS_FAMILY, IM_NS_REVOKED,
                                      IM_NS_XJTI, IM_NS_DISABLED };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        sweep_ns(c, ns[i], now);
}
