/* SPDX-License-Identifier: Apache-2.0 */
/* store_sqlite's read cache (see sqlite-cache.h for why it stays exact): a
 * chained hash table of entries keyed by "ns\0key"; entries with a value
 * are on an LRU list and count against max_bytes, marked ones are on the
 * session's list until ss_cache_settle drops them. One mutex: every
 * operation under it is a lookup and at most a copy of one document. */
#include "sqlite-cache.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct ent {
    struct ent *hnext;          /* hash chain */
    struct ent *prev, *next;    /* LRU list (value) or the marked list (next only) */
    uint64_t hash, rev;
    bool marked;
    char *json;                 /* NULL when marked */
    size_t jlen, klen, size;    /* size: what it counts against max_bytes */
    char key[];                 /* ns, NUL, key, NUL */
} ent_t;

struct ss_cache {
    pthread_mutex_t mu;
    size_t max_bytes, max_doc, bytes, entries;
    uint64_t gen, seed;
    size_t nbuckets;            /* a power of two */
    ent_t **buckets;
    ent_t *lru_head, *lru_tail; /* head: most recently used */
    ent_t *marked;              /* the session's marks */
    bool all_marked;            /* a mark could not be recorded: bypass everything */
    uint64_t hits, misses, fills, evictions;
};

/* FNV-1a over ns NUL key, from a per-cache seed. Keys come from the store's
 * own documents (a fill needs the document to exist), not from requests. */
static uint64_t hash_of(const ss_cache_t *c, const char *k, size_t klen)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ c->seed;
    for (size_t i = 0; i < klen; i++) {
        h ^= (unsigned char)k[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ns NUL key NUL into buf when it fits; returns the length with the first NUL. */
static size_t make_key(const char *ns, const char *key, char *buf, size_t cap, bool *fits)
{
    size_t a = strlen(ns), b = strlen(key), n = a + 1 + b;
    *fits = n + 1 <= cap;
    if (*fits) {
        memcpy(buf, ns, a + 1);
        memcpy(buf + a + 1, key, b + 1);
    }
    return n;
}

ss_cache_t *ss_cache_new(size_t max_bytes, int *err)
{
    *err = 0;
    if (max_bytes == 0)
        return NULL;
    ss_cache_t *c = calloc(1, sizeof *c);
    if (!c || pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        *err = 1;
        return NULL;
    }
    c->max_bytes = max_bytes;
    c->max_doc = max_bytes / 16;   /* one document never crowds out the rest */
    /* About one bucket per 512 bytes cached, within [64, 65536]. */
    c->nbuckets = 64;
    while (c->nbuckets < 65536 && c->nbuckets * 512 < max_bytes)
        c->nbuckets <<= 1;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        *err = 1;
        return NULL;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->seed = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)c;
    return c;
}

static void ent_free(ent_t *e)
{
    if (e->json) {
        explicit_bzero(e->json, e->jlen);
        free(e->json);
    }
    free(e);
}

void ss_cache_free(ss_cache_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nbuckets; i++)
        for (ent_t *e = c->buckets[i], *n; e; e = n) {
            n = e->hnext;
            ent_free(e);
        }
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static ent_t *find(ss_cache_t *c, const char *k, size_t klen, uint64_t h)
{
    for (ent_t *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && e->klen == klen && memcmp(e->key, k, klen) == 0)
            return e;
    return NULL;
}

static void hash_unlink(ss_cache_t *c, ent_t *e)
{
    ent_t **p = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*p != e)
        p = &(*p)->hnext;
    *p = e->hnext;
}

static void lru_unlink(ss_cache_t *c, ent_t *e)
{
    if (e->prev) e->prev->next = e->next; else c->lru_head = e->next;
    if (e->next) e->next->prev = e->prev; else c->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(ss_cache_t *c, ent_t *e)
{
    e->prev = NULL;
    e->next = c->lru_head;
    if (c->lru_head) c->lru_head->prev = e; else c->lru_tail = e;
    c->lru_head = e;
}

/* Drops a valued entry altogether. */
static void drop(ss_cache_t *c, ent_t *e)
{
    hash_unlink(c, e);
    lru_unlink(c, e);
    c->bytes -= e->size;
    c->entries--;
    ent_free(e);
}

enum ss_cache_result ss_cache_get(ss_cache_t *c, const char *ns, const char *key, char **json,
                                  size_t *len, uint64_t *rev, uint64_t *ticket)
{
    if (!c)
        return SS_CACHE_BYPASS;
    char kb[256];
    bool fits;
    size_t klen = make_key(ns, key, kb, sizeof kb, &fits);
    if (!fits)
        return SS_CACHE_BYPASS;   /* long keys are not worth a cache entry */
    uint64_t h = hash_of(c, kb, klen);
    enum ss_cache_result r = SS_CACHE_MISS;
    pthread_mutex_lock(&c->mu);
    ent_t *e = c->all_marked ? NULL : find(c, kb, klen, h);
    if (c->all_marked || (e && e->marked)) {
        r = SS_CACHE_BYPASS;
    } else if (e) {
        r = SS_CACHE_HIT;
        if (json) {
            *json = malloc(e->jlen + 1);
            if (*json) {
                memcpy(*json, e->json, e->jlen + 1);
            } else {
                r = SS_CACHE_NOMEM;
            }
        }
        if (r == SS_CACHE_HIT) {
            if (len) *len = e->jlen;
            if (rev) *rev = e->rev;
            lru_unlink(c, e);
            lru_push(c, e);
            c->hits++;
        }
    } else {
        *ticket = c->gen;
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    return r;
}

void ss_cache_fill(ss_cache_t *c, uint64_t ticket, const char *ns, const char *key,
                   const char *json, size_t len, uint64_t rev)
{
    if (!c || len > c->max_doc)
        return;
    char kb[256];
    bool fits;
    size_t klen = make_key(ns, key, kb, sizeof kb, &fits);
    if (!fits)
        return;
    uint64_t h = hash_of(c, kb, klen);
    /* Built outside the lock; thrown away if a write came in between. */
    ent_t *e = malloc(sizeof *e + klen + 1);
    char *copy = malloc(len + 1);
    if (!e || !copy) {
        free(e);
        free(copy);
        return;
    }
    memcpy(copy, json, len);
    copy[len] = '\0';
    *e = (ent_t){ .hash = h, .rev = rev, .json = copy, .jlen = len, .klen = klen,
                  .size = sizeof *e + klen + 1 + len + 1 };
    memcpy(e->key, kb, klen + 1);
    pthread_mutex_lock(&c->mu);
    if (ticket != c->gen || find(c, kb, klen, h)) {
        pthread_mutex_unlock(&c->mu);
        ent_free(e);
        return;
    }
    ent_t **b = &c->buckets[h & (c->nbuckets - 1)];
    e->hnext = *b;
    *b = e;
    lru_push(c, e);
    c->bytes += e->size;
    c->entries++;
    c->fills++;
    while (c->bytes > c->max_bytes && c->lru_tail) {
        drop(c, c->lru_tail);
        c->evictions++;
    }
    pthread_mutex_unlock(&c->mu);
}

void ss_cache_mark(ss_cache_t *c, const char *ns, const char *key)
{
    if (!c)
        return;
    char kb[256];
    bool fits;
    size_t klen = make_key(ns, key, kb, sizeof kb, &fits);
    if (!fits)
        return;   /* never cached either */
    uint64_t h = hash_of(c, kb, klen);
    pthread_mutex_lock(&c->mu);
    c->gen++;
    ent_t *e = find(c, kb, klen, h);
    if (e && !e->marked) {
        drop(c, e);
        e = NULL;
    }
    if (!e && !c->all_marked) {
        if ((e = calloc(1, sizeof *e + klen + 1))) {
            e->hash = h;
            e->klen = klen;
            e->marked = true;
            memcpy(e->key, kb, klen + 1);
            ent_t **b = &c->buckets[h & (c->nbuckets - 1)];
            e->hnext = *b;
            *b = e;
            e->next = c->marked;
            c->marked = e;
        } else {
            c->all_marked = true;   /* cannot say which key: none is served */
        }
    }
    pthread_mutex_unlock(&c->mu);
}

void ss_cache_settle(ss_cache_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->gen++;
    for (ent_t *e = c->marked, *n; e; e = n) {
        n = e->next;
        hash_unlink(c, e);
        ent_free(e);
    }
    c->marked = NULL;
    if (c->all_marked) {
        /* Some key went unrecorded: nothing cached can be trusted. */
        while (c->lru_head)
            drop(c, c->lru_head);
        c->all_marked = false;
    }
    pthread_mutex_unlock(&c->mu);
}

void ss_cache_stats(ss_cache_t *c, ss_cache_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    *out = (ss_cache_stats_t){ c->hits, c->misses, c->fills, c->evictions, c->entries,
                               c->bytes };
    pthread_mutex_unlock(&c->mu);
}
