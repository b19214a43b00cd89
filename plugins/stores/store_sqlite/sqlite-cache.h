/* SPDX-License-Identifier: Apache-2.0 */
/* store_sqlite's read cache: the documents last read by key, so that a hot
 * seal_store_get (a group document served over and over) skips SQLite's read
 * transaction, the larger part of its cost.
 *
 * Why it stays exact: every write of this process goes through the one
 * writer connection, one writer session (a write, or a transaction) at a
 * time. The session marks each key it changes before changing it; a marked
 * key is never served from nor filled into the cache until the session has
 * committed or rolled back (ss_cache_settle), so readers see exactly what
 * SQLite shows them. A reader fills the cache only when no mark nor settle
 * happened since it looked (the generation "ticket"), so a value read from
 * a snapshot older than a commit is never kept. Writes by another process
 * would not be seen: store_sqlite holds the database for one seald (see
 * ss_store_lock in sqlite-conn.c).
 *
 * A NULL cache (max_bytes 0) is valid everywhere and caches nothing. */
#ifndef STORE_SQLITE_CACHE_H
#define STORE_SQLITE_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ss_cache ss_cache_t;

/* NULL with *err = 0 when max_bytes is 0; NULL with *err = 1 on ENOMEM. */
ss_cache_t *ss_cache_new(size_t max_bytes, int *err);
/* Frees every entry, zeroising the documents. */
void ss_cache_free(ss_cache_t *c);

enum ss_cache_result {
    SS_CACHE_HIT,      /* *json (a malloc'd copy, when json was given), *len, *rev set */
    SS_CACHE_MISS,     /* read SQLite, then ss_cache_fill with *ticket */
    SS_CACHE_BYPASS,   /* being written: read SQLite, do not fill */
    SS_CACHE_NOMEM     /* the copy could not be made */
};
enum ss_cache_result ss_cache_get(ss_cache_t *c, const char *ns, const char *key, char **json,
                                  size_t *len, uint64_t *rev, uint64_t *ticket);
/* Keeps what a MISS read from SQLite, unless a write happened meanwhile. */
void ss_cache_fill(ss_cache_t *c, uint64_t ticket, const char *ns, const char *key,
                   const char *json, size_t len, uint64_t rev);

/* Writer side, with the writer slot held: mark before changing (ns, key);
 * settle once the session has committed or rolled back. */
void ss_cache_mark(ss_cache_t *c, const char *ns, const char *key);
void ss_cache_settle(ss_cache_t *c);

/* Counters, for tests and the log. */
typedef struct ss_cache_stats {
    uint64_t hits, misses, fills, evictions;
    size_t entries, bytes;
} ss_cache_stats_t;
void ss_cache_stats(ss_cache_t *c, ss_cache_stats_t *out);

#endif
