/* SPDX-License-Identifier: Apache-2.0 */
/* The validated-token cache: sets of WAYS entries indexed by the first
 * octets of the token's SHA-256, each set guarded by one of NSTRIPES
 * mutexes. The key is a hash of the whole token, so an entry can only be
 * found with the very token that was validated. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>
#include "token_cache.h"

#define WAYS 4
#define NSTRIPES 64
#define NFACTS 6

/* The facts as one blob: per fact a presence octet (0 absent, 1 present)
 * and, when present, the text with its NUL. */
typedef struct entry {
    uint8_t key[TOKEN_CACHE_KEY_LEN];
    int64_t valid_until;       /* 0: empty */
    char *blob;
    size_t blob_len;
} entry_t;

typedef struct stripe {
    _Alignas(64) pthread_mutex_t mu;
    uint64_t hits, misses;
} stripe_t;

struct token_cache {
    _Atomic uint64_t epoch;    /* bumped by token_cache_clear */
    size_t nsets;              /* a power of two */
    entry_t *entries;          /* nsets * WAYS */
    stripe_t stripes[NSTRIPES];
};

token_cache_t *token_cache_new(size_t capacity)
{
    size_t nsets = 1;
    while (nsets * WAYS < capacity && nsets < ((size_t)1 << 24))
        nsets <<= 1;
    token_cache_t *c = aligned_alloc(64, (sizeof *c + 63) / 64 * 64);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->nsets = nsets;
    if (!(c->entries = calloc(nsets * WAYS, sizeof *c->entries))) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < NSTRIPES; i++)
        pthread_mutex_init(&c->stripes[i].mu, NULL);
    return c;
}

static void entry_drop(entry_t *e)
{
    free(e->blob);
    memset(e, 0, sizeof *e);
}

static const char **fact_slot(token_facts_t *f, int i)
{
    switch (i) {
    case 0: return &f->sub;
    case 1: return &f->scope;
    case 2: return &f->client_id;
    case 3: return &f->val_user_ids;
    case 4: return &f->iss;
    default: return &f->jti;
    }
}

/* Reads a blob (copied into buf) back into facts. */
static void unpack(char *buf, token_facts_t *out)
{
    memset(out, 0, sizeof *out);
    char *p = buf;
    for (int i = 0; i < NFACTS; i++) {
        if (*p++) {
            *fact_slot(out, i) = p;
            p += strlen(p) + 1;
        }
    }
}

void token_cache_free(token_cache_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nsets * WAYS; i++)
        free(c->entries[i].blob);
    free(c->entries);
    for (size_t i = 0; i < NSTRIPES; i++)
        pthread_mutex_destroy(&c->stripes[i].mu);
    free(c);
}

void token_cache_key(const char *token, size_t len, uint8_t key[TOKEN_CACHE_KEY_LEN])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)token);
    sha256_digest(&ctx, TOKEN_CACHE_KEY_LEN, key);
}

static size_t set_of(const token_cache_t *c, const uint8_t *key)
{
    uint64_t x;
    memcpy(&x, key, sizeof x);
    return (size_t)x & (c->nsets - 1);
}

int token_cache_get(token_cache_t *c, const uint8_t key[TOKEN_CACHE_KEY_LEN], int64_t now,
                    char buf[TOKEN_CACHE_VALUE_MAX], token_facts_t *out)
{
    if (!c)
        return 0;
    size_t s = set_of(c, key);
    stripe_t *st = &c->stripes[s % NSTRIPES];
    entry_t *set = &c->entries[s * WAYS];
    int hit = 0;
    pthread_mutex_lock(&st->mu);
    for (size_t w = 0; w < WAYS; w++) {
        entry_t *e = &set[w];
        if (!e->valid_until || memcmp(e->key, key, TOKEN_CACHE_KEY_LEN) != 0)
            continue;
        if (now >= e->valid_until) {
            entry_drop(e);              /* expired: the full check will say so */
            break;
        }
        memcpy(buf, e->blob, e->blob_len);
        hit = 1;
        break;
    }
    if (hit)
        st->hits++;
    else
        st->misses++;
    pthread_mutex_unlock(&st->mu);
    if (hit)
        unpack(buf, out);
    return hit;
}

uint64_t token_cache_epoch(token_cache_t *c)
{
    return c ? atomic_load(&c->epoch) : 0;
}

void token_cache_put(token_cache_t *c, const uint8_t key[TOKEN_CACHE_KEY_LEN], uint64_t epoch,
                     int64_t valid_until, const token_facts_t *facts)
{
    if (!c || !facts || !facts->sub || valid_until <= 0)
        return;
    token_facts_t f = *facts;
    size_t len = 0;
    for (int i = 0; i < NFACTS; i++) {
        const char *v = *fact_slot(&f, i);
        len += 1 + (v ? strlen(v) + 1 : 0);
    }
    if (len > TOKEN_CACHE_VALUE_MAX)
        return;
    char *buf = malloc(len);
    if (!buf)
        return;                         /* not cached: checked in full next time */
    char *p = buf;
    for (int i = 0; i < NFACTS; i++) {
        const char *v = *fact_slot(&f, i);
        *p++ = v != NULL;
        if (v) {
            size_t n = strlen(v) + 1;
            memcpy(p, v, n);
            p += n;
        }
    }
    size_t s = set_of(c, key);
    stripe_t *st = &c->stripes[s % NSTRIPES];
    entry_t *set = &c->entries[s * WAYS];
    pthread_mutex_lock(&st->mu);
    /* A clear bumps the epoch before it empties the sets: a put that sees
     * the old epoch here either comes before its set is emptied or is
     * dropped. */
    if (atomic_load(&c->epoch) != epoch) {
        pthread_mutex_unlock(&st->mu);
        free(buf);
        return;
    }
    /* The same token, else an empty way, else the soonest to expire. */
    entry_t *victim = NULL;
    for (size_t w = 0; w < WAYS && !victim; w++)
        if (set[w].valid_until && memcmp(set[w].key, key, TOKEN_CACHE_KEY_LEN) == 0)
            victim = &set[w];
    for (size_t w = 0; w < WAYS && !victim; w++)
        if (!set[w].valid_until)
            victim = &set[w];
    if (!victim) {
        victim = &set[0];
        for (size_t w = 1; w < WAYS; w++)
            if (set[w].valid_until < victim->valid_until)
                victim = &set[w];
    }
    entry_drop(victim);
    memcpy(victim->key, key, TOKEN_CACHE_KEY_LEN);
    victim->valid_until = valid_until;
    victim->blob = buf;
    victim->blob_len = len;
    pthread_mutex_unlock(&st->mu);
}

void token_cache_clear(token_cache_t *c)
{
    if (!c)
        return;
    atomic_fetch_add(&c->epoch, 1);
    for (size_t s = 0; s < c->nsets; s++) {
        stripe_t *st = &c->stripes[s % NSTRIPES];
        pthread_mutex_lock(&st->mu);
        for (size_t w = 0; w < WAYS; w++)
            entry_drop(&c->entries[s * WAYS + w]);
        pthread_mutex_unlock(&st->mu);
    }
}

void token_cache_stats(token_cache_t *c, uint64_t *hits, uint64_t *misses)
{
    uint64_t h = 0, m = 0;
    for (size_t i = 0; c && i < NSTRIPES; i++) {
        pthread_mutex_lock(&c->stripes[i].mu);
        h += c->stripes[i].hits;
        m += c->stripes[i].misses;
        pthread_mutex_unlock(&c->stripes[i].mu);
    }
    if (hits)
        *hits = h;
    if (misses)
        *misses = m;
}
