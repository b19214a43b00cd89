/* SPDX-License-Identifier: Apache-2.0 */
/* The queue of GMK distribution chunks, fair across groups (issue 9): the
 * workers take the queued chunk whose group was served least recently, so
 * a one-member group's single chunk does not wait behind every chunk of a
 * group of thousands queued before it, and a group changed again and again
 * cannot keep the workers from the others.
 *
 * A chunk key is "<groupDocId>/<generation %020>/<chunk %08>" (gm_gmk.c).
 * Each group with chunks queued or in flight has a FIFO of its keys, the
 * sequence number of its last pop (0: never served) and its arrival order.
 * A pop takes the first key of the group with the smallest last pop (a
 * group never served first; among those, the one that arrived first).
 * A group with nothing queued and nothing in flight is forgotten, so the
 * bookkeeping is bounded by the work queued: when it comes back it counts
 * as never served, which only lets it take its turn at once.
 *
 * Host-free and without locking: the caller (gm_dist.c) holds its mutex.
 * tests/plugins/test_gmk.c tests the pick order directly. */
#ifndef SEAL_GM_FAIRQ_H
#define SEAL_GM_FAIRQ_H

#include <stddef.h>
#include <stdint.h>

typedef struct gmk_fq_group {
    char *gid;                  /* the groupDocId (the key up to its first '/') */
    char **keys;                /* queued chunk keys, FIFO from head */
    size_t head, n, cap;
    size_t inflight;            /* popped and not yet done */
    uint64_t served;            /* sequence number of its last pop; 0: never */
    uint64_t arrival;           /* order in which it (re)appeared: ties */
} gmk_fq_group_t;

typedef struct gmk_fq {
    gmk_fq_group_t *groups;     /* the groups with keys queued or in flight */
    size_t ngroups, cap;
    size_t queued;              /* keys queued, all groups */
    uint64_t seq;               /* pops so far */
    uint64_t arrivals;
} gmk_fq_t;

/* Queues key (the queue takes it, a malloc'd string) after its group's
 * keys. A key of a newer generation drops the group's queued keys of older
 * ones, and a key older than one queued is dropped itself: the rekey that
 * wrote the newer generation deleted the older one's chunks from the store
 * in its own transaction (they would only be found gone). Returns 0, or -1
 * when out of memory or key has no '/' (the caller still owns key then). */
int gmk_fq_push(gmk_fq_t *q, char *key);

/* The fair pick (see above), or NULL when nothing is queued. The caller
 * owns the key and calls gmk_fq_done with it once it is processed. */
char *gmk_fq_pop(gmk_fq_t *q);

/* key (as popped) is processed: its group is forgotten if it has nothing
 * else queued or in flight. Does not free key. */
void gmk_fq_done(gmk_fq_t *q, const char *key);

/* 1 when key is queued (keys in flight are the caller's to check). */
int gmk_fq_queued(const gmk_fq_t *q, const char *key);

/* Frees every queued key and the bookkeeping; q is empty after. */
void gmk_fq_clear(gmk_fq_t *q);

#endif
