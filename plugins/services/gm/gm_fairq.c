/* SPDX-License-Identifier: Apache-2.0 */
/* The fair queue of GMK distribution chunks (gm_fairq.h). The groups are a
 * plain array searched linearly: it holds only the groups with work queued
 * or in flight, and a pop is dwarfed by the chunk it hands out (a SAKKE
 * encapsulation of a few ms per member). */
#include <stdlib.h>
#include <string.h>
#include "gm_fairq.h"

/* Length of the group part of a key ("<gid>/..."), 0 when there is none. */
static size_t gid_len(const char *key)
{
    const char *slash = strchr(key, '/');
    return slash && slash > key ? (size_t)(slash - key) : 0;
}

/* Length of the "<gid>/<generation>" part: what orders generations (the
 * generation is zero-padded to 20 digits). */
static size_t gen_len(const char *key)
{
    const char *last = strrchr(key, '/');
    return last ? (size_t)(last - key) : strlen(key);
}

static gmk_fq_group_t *find(const gmk_fq_t *q, const char *key, size_t glen)
{
    for (size_t i = 0; i < q->ngroups; i++) {
        gmk_fq_group_t *g = &q->groups[i];
        if (strlen(g->gid) == glen && memcmp(g->gid, key, glen) == 0)
            return g;
    }
    return NULL;
}

static void forget(gmk_fq_t *q, gmk_fq_group_t *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->keys[g->head + i]);
    free(g->keys);
    free(g->gid);
    size_t at = (size_t)(g - q->groups);
    q->groups[at] = q->groups[--q->ngroups];
}

/* <0, 0, >0 as the generation of key a is older than, the same as, or
 * newer than b's (keys of one group; 0 for keys not of that form). */
static int gen_cmp(const char *a, const char *b)
{
    size_t la = gen_len(a), lb = gen_len(b);
    return la == lb ? memcmp(a, b, la) : 0;
}

/* Before key joins g: drops g's queued keys of older generations. Returns 1
 * when key itself is of an older generation than one queued (a scan that
 * read the store before the rekey): it is superseded. */
static int supersede(gmk_fq_t *q, gmk_fq_group_t *g, const char *key)
{
    size_t o = g->head;
    int stale = 0;
    for (size_t i = 0; i < g->n; i++) {
        char *k = g->keys[g->head + i];
        int c = gen_cmp(k, key);
        stale |= c > 0;
        if (c < 0) {
            free(k);
            q->queued--;
        } else {
            g->keys[o++] = k;
        }
    }
    g->n = o - g->head;
    return stale;
}

int gmk_fq_push(gmk_fq_t *q, char *key)
{
    size_t glen = gid_len(key);
    if (!glen)
        return -1;
    gmk_fq_group_t *g = find(q, key, glen);
    if (!g) {
        if (q->ngroups == q->cap) {
            size_t cap = q->cap ? 2 * q->cap : 16;
            gmk_fq_group_t *a = realloc(q->groups, cap * sizeof *a);
            if (!a)
                return -1;
            q->groups = a;
            q->cap = cap;
        }
        char *gid = strndup(key, glen);
        if (!gid)
            return -1;
        g = &q->groups[q->ngroups++];
        memset(g, 0, sizeof *g);
        g->gid = gid;
        g->arrival = ++q->arrivals;
    } else if (supersede(q, g, key)) {
        free(key);
        if (!g->n && !g->inflight)
            forget(q, g);
        return 0;
    }
    if (g->head + g->n == g->cap) {
        if (g->head > 0) {   /* room at the front: move the keys down */
            memmove(g->keys, g->keys + g->head, g->n * sizeof *g->keys);
            g->head = 0;
        } else {
            size_t cap = g->cap ? 2 * g->cap : 8;
            char **k = realloc(g->keys, cap * sizeof *k);
            if (!k) {
                if (!g->n && !g->inflight)
                    forget(q, g);
                return -1;
            }
            g->keys = k;
            g->cap = cap;
        }
    }
    g->keys[g->head + g->n++] = key;
    q->queued++;
    return 0;
}

char *gmk_fq_pop(gmk_fq_t *q)
{
    gmk_fq_group_t *best = NULL;
    for (size_t i = 0; i < q->ngroups; i++) {
        gmk_fq_group_t *g = &q->groups[i];
        if (g->n && (!best || g->served < best->served
                     || (g->served == best->served && g->arrival < best->arrival)))
            best = g;
    }
    if (!best)
        return NULL;
    char *key = best->keys[best->head++];
    if (--best->n == 0)
        best->head = 0;
    best->inflight++;
    best->served = ++q->seq;
    q->queued--;
    return key;
}

void gmk_fq_done(gmk_fq_t *q, const char *key)
{
    size_t glen = gid_len(key);
    gmk_fq_group_t *g = glen ? find(q, key, glen) : NULL;
    if (!g)
        return;
    if (g->inflight)
        g->inflight--;
    if (!g->n && !g->inflight)
        forget(q, g);
}

int gmk_fq_queued(const gmk_fq_t *q, const char *key)
{
    size_t glen = gid_len(key);
    const gmk_fq_group_t *g = glen ? find(q, key, glen) : NULL;
    for (size_t i = 0; g && i < g->n; i++)
        if (strcmp(g->keys[g->head + i], key) == 0)
            return 1;
    return 0;
}

void gmk_fq_clear(gmk_fq_t *q)
{
    while (q->ngroups)
        forget(q, &q->groups[q->ngroups - 1]);
    free(q->groups);
    memset(q, 0, sizeof *q);
}
