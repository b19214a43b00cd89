/* SPDX-License-Identifier: Apache-2.0 */
/* Revocation sets: three sorted arrays (jtis by strcmp, subject and client
 * hashes by memcmp) searched by bisection, so a request's check costs a
 * few comparisons -- and one SHA-256 of its sub or client_id only while a
 * user or client is on the list. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>
#include "b64url/b64url.h"
#include "jwt_json.h"
#include "revset.h"

#define JTI_MAX 255
#define TIME_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

typedef struct rv_jti {
    char *jti;
    int64_t until;
} rv_jti_t;

typedef struct rv_hash {
    uint8_t h[REVSET_HASH_LEN];
    int64_t until;
} rv_hash_t;

typedef struct hashes {
    rv_hash_t *v;
    size_t n, cap;
} hashes_t;

struct revset {
    rv_jti_t *jtis;
    size_t njtis, cap;
    hashes_t hs[2];                /* subjects, clients */
};

static hashes_t *hashes_of(revset_t *s, revset_kind_t k)
{
    return &s->hs[k == REVSET_SUBJECT ? 0 : 1];
}

static const hashes_t *chashes_of(const revset_t *s, revset_kind_t k)
{
    return &s->hs[k == REVSET_SUBJECT ? 0 : 1];
}

void revset_free(revset_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->njtis; i++)
        free(s->jtis[i].jti);
    free(s->jtis);
    free(s->hs[0].v);
    free(s->hs[1].v);
    free(s);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

static int add_jti(revset_t *s, const char *jti, int64_t until)
{
    if (grow((void **)&s->jtis, &s->cap, s->njtis, sizeof *s->jtis))
        return -1;
    if (!(s->jtis[s->njtis].jti = strdup(jti)))
        return -1;
    s->jtis[s->njtis++].until = until;
    return 0;
}

static int add_hash(revset_t *s, revset_kind_t k, const uint8_t h[REVSET_HASH_LEN],
                    int64_t until)
{
    hashes_t *hs = hashes_of(s, k);
    if (grow((void **)&hs->v, &hs->cap, hs->n, sizeof *hs->v))
        return -1;
    memcpy(hs->v[hs->n].h, h, REVSET_HASH_LEN);
    hs->v[hs->n++].until = until;
    return 0;
}

static int cmp_jti(const void *a, const void *b)
{
    return strcmp(((const rv_jti_t *)a)->jti, ((const rv_jti_t *)b)->jti);
}

static int cmp_hash(const void *a, const void *b)
{
    return memcmp(((const rv_hash_t *)a)->h, ((const rv_hash_t *)b)->h, REVSET_HASH_LEN);
}

/* Sorts the arrays and merges duplicates (the later until stays). */
static void finish(revset_t *s)
{
    if (s->njtis > 1) {
        qsort(s->jtis, s->njtis, sizeof *s->jtis, cmp_jti);
        size_t o = 0;
        for (size_t i = 1; i < s->njtis; i++) {
            if (strcmp(s->jtis[i].jti, s->jtis[o].jti) == 0) {
                if (s->jtis[i].until > s->jtis[o].until)
                    s->jtis[o].until = s->jtis[i].until;
                free(s->jtis[i].jti);
            } else {
                s->jtis[++o] = s->jtis[i];
            }
        }
        s->njtis = o + 1;
    }
    for (int k = 0; k < 2; k++) {
        hashes_t *hs = &s->hs[k];
        if (hs->n < 2)
            continue;
        qsort(hs->v, hs->n, sizeof *hs->v, cmp_hash);
        size_t o = 0;
        for (size_t i = 1; i < hs->n; i++) {
            if (memcmp(hs->v[i].h, hs->v[o].h, REVSET_HASH_LEN) == 0) {
                if (hs->v[i].until > hs->v[o].until)
                    hs->v[o].until = hs->v[i].until;
            } else {
                hs->v[++o] = hs->v[i];
            }
        }
        hs->n = o + 1;
    }
}

static int jti_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > JTI_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* base64url(SHA-256): exactly 43 characters, canonical. */
static int hash_decode(const char *s, uint8_t h[REVSET_HASH_LEN])
{
    size_t n = 0;
    return s && strlen(s) == 43 && b64url_decode(s, 43, h, REVSET_HASH_LEN, &n) == 0
           && n == REVSET_HASH_LEN;
}

revset_t *revset_one(revset_kind_t kind, const char *value, int64_t until)
{
    revset_t *s = calloc(1, sizeof *s);
    uint8_t h[REVSET_HASH_LEN];
    int bad = !s;
    if (!bad && kind == REVSET_JTI)
        bad = !jti_ok(value) || add_jti(s, value, until);
    else if (!bad)
        bad = !hash_decode(value, h) || add_hash(s, kind, h, until);
    if (bad) {
        revset_free(s);
        return NULL;
    }
    return s;
}

static int copy_live(revset_t *to, const revset_t *from, int64_t now, int64_t leeway)
{
    if (!from)
        return 0;
    for (size_t i = 0; i < from->njtis; i++)
        if (from->jtis[i].until + leeway >= now && add_jti(to, from->jtis[i].jti,
                                                           from->jtis[i].until))
            return -1;
    for (revset_kind_t k = REVSET_SUBJECT; k <= REVSET_CLIENT; k++) {
        const hashes_t *hs = chashes_of(from, k);
        for (size_t i = 0; i < hs->n; i++)
            if (hs->v[i].until + leeway >= now && add_hash(to, k, hs->v[i].h, hs->v[i].until))
                return -1;
    }
    return 0;
}

revset_t *revset_union(const revset_t *a, const revset_t *b, int64_t now, int64_t leeway_s)
{
    revset_t *s = calloc(1, sizeof *s);
    if (!s || copy_live(s, a, now, leeway_s) || copy_live(s, b, now, leeway_s)) {
        revset_free(s);
        return NULL;
    }
    finish(s);
    return s;
}

size_t revset_count(const revset_t *s, revset_kind_t kind)
{
    if (!s)
        return 0;
    return kind == REVSET_JTI ? s->njtis : chashes_of(s, kind)->n;
}

static int has_hash(const hashes_t *hs, const char *text)
{
    if (!text || hs->n == 0)
        return 0;
    rv_hash_t key;
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, strlen(text), (const uint8_t *)text);
    sha256_digest(&ctx, REVSET_HASH_LEN, key.h);
    return bsearch(&key, hs->v, hs->n, sizeof *hs->v, cmp_hash) != NULL;
}

int revset_revoked(const revset_t *s, const char *jti, const char *sub, const char *client_id)
{
    if (!s)
        return 0;
    if (jti && s->njtis) {
        rv_jti_t key = { (char *)jti, 0 };
        if (bsearch(&key, s->jtis, s->njtis, sizeof *s->jtis, cmp_jti))
            return 1;
    }
    return has_hash(&s->hs[0], sub) || has_hash(&s->hs[1], client_id);
}

/* ---- reading a list ---- */

/* A time member: 1 and *out, 0 when absent, -1 when not a usable time. */
static int get_time(json_object *o, const char *key, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return -1;
    errno = 0;
    int64_t x = json_object_get_int64(v);
    if (errno || x < 0 || x > TIME_MAX)
        return -1;
    *out = x;
    return 1;
}

static int fail(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t why_len, const char *fmt, ...)
{
    if (why && why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* One of the three arrays: every entry read into s (live ones only). */
static int read_array(json_object *root, const char *name, revset_kind_t kind, revset_t *s,
                      int64_t now, int64_t leeway, char *why, size_t why_len)
{
    json_object *arr;
    if (!json_object_object_get_ex(root, name, &arr))
        return 0;
    if (!json_object_is_type(arr, json_type_array))
        return fail(why, why_len, "%s is not an array", name);
    const char *id_key = kind == REVSET_JTI ? "jti" : "sha256";
    const char *t_key = kind == REVSET_JTI ? "exp" : "until";
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        const char *id = json_object_is_type(e, json_type_object) ? jwt_json_str(e, id_key, NULL)
                                                                   : NULL;
        int64_t until = 0;
        uint8_t h[REVSET_HASH_LEN];
        if (get_time(e, t_key, &until) != 1
            || (kind == REVSET_JTI ? !jti_ok(id) : !hash_decode(id, h)))
            return fail(why, why_len, "%s/%zu is malformed", name, i);
        if (until + leeway < now)
            continue;
        if (kind == REVSET_JTI ? add_jti(s, id, until) : add_hash(s, kind, h, until))
            return fail(why, why_len, "%s/%zu: out of memory", name, i);
    }
    return 0;
}

int revset_parse(const char *text, size_t len, const char *iss, int64_t now, int64_t max_age_s,
                 int64_t leeway_s, revset_t **out, char *why, size_t why_len)
{
    *out = NULL;
    json_object *root = jwt_json_parse(text, len);
    revset_t *s = NULL;
    int64_t generated = 0;
    int r = -1;
    if (!json_object_is_type(root, json_type_object)) {
        fail(why, why_len, "not a JSON object");
        goto out;
    }
    const char *list_iss = jwt_json_str(root, "issuer", NULL);
    if (!list_iss || strcmp(list_iss, iss) != 0) {
        fail(why, why_len, "its issuer is not the token issuer");
        goto out;
    }
    if (get_time(root, "generated", &generated) != 1) {
        fail(why, why_len, "generated is missing or malformed");
        goto out;
    }
    /* An old list (a stuck cache on the way) is no evidence that nothing
     * was revoked since. */
    if (generated < now - max_age_s) {
        fail(why, why_len, "it was generated %lld s ago", (long long)(now - generated));
        goto out;
    }
    if (!(s = calloc(1, sizeof *s))) {
        fail(why, why_len, "out of memory");
        goto out;
    }
    if (read_array(root, "jtis", REVSET_JTI, s, now, leeway_s, why, why_len)
        || read_array(root, "subjects", REVSET_SUBJECT, s, now, leeway_s, why, why_len)
        || read_array(root, "clients", REVSET_CLIENT, s, now, leeway_s, why, why_len))
        goto out;
    finish(s);
    *out = s;
    s = NULL;
    r = 0;
out:
    revset_free(s);
    json_object_put(root);
    return r;
}
