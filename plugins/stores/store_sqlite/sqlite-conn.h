/* SPDX-License-Identifier: Apache-2.0 */
/* store_sqlite internals: connections, their statement cache, the pool and
 * the writer connection (sqlite-conn.c), terms (sqlite-terms.c), the schema
 * (sqlite-schema.c). */
#ifndef STORE_SQLITE_CONN_H
#define STORE_SQLITE_CONN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>
#include <seal/seal.h>
#include "sqlite-cache.h"

/* Upper bound on open reader connections (plus the one writer). A read is
 * short, so more connections than this would only cost memory (each has
 * its own page cache) and descriptors. */
#define SS_MAX_CONN 16

/* The statements every connection prepares once and keeps. */
typedef enum ss_stmt_id {
    SS_BEGIN = 0,      /* BEGIN IMMEDIATE */
    SS_COMMIT,
    SS_ROLLBACK,
    SS_SAVEPOINT,      /* a write inside a caller's transaction */
    SS_RELEASE,
    SS_ROLLBACK_TO,
    SS_GET,
    SS_GET_REV,
    SS_INSERT,
    SS_UPDATE,
    SS_DELETE,
    SS_TERMS_OF,       /* a document's terms, in (idx, value) order */
    SS_TERM_DEL,
    SS_TERM_ADD,
    SS_SCAN_RANGE,     /* key >= prefix AND key < successor(prefix) */
    SS_SCAN_FROM,      /* key >= prefix: the prefix has no successor */
    SS_LOOKUP,
    SS_STMT_COUNT
} ss_stmt_id_t;

typedef struct ss_conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[SS_STMT_COUNT];  /* prepared lazily */
    struct ss_conn *next_idle;
    int changes_at_begin;               /* sqlite3_total_changes at BEGIN (writer) */
} ss_conn_t;

/* A fault that would otherwise be logged by every request (a full disk, a
 * corrupt database): logged at most once per SS_FAULT_LOG_MS, with the
 * number of occurrences left unsaid in between. */
#define SS_FAULT_LOG_MS 60000
typedef struct ss_fault {
    _Atomic int64_t last_ms;     /* CLOCK_MONOTONIC of the last line, 0: never */
    _Atomic uint64_t unsaid;     /* occurrences since that line */
    _Atomic bool active;         /* (full disk) a write failed since the last success */
} ss_fault_t;

typedef struct ss_store {
    seal_plugin_t *self;      /* for log attribution */
    char *path;
    int busy_ms;
    bool sync_full;
    bool quick_check;         /* PRAGMA quick_check at init */
    bool sync_init;           /* the mutexes and condvars were initialised */
    int lock_fd;              /* holds the flock on the database (-1 before start) */
    ss_cache_t *cache;        /* documents by key; NULL when off */
    /* Readers' pool. */
    pthread_mutex_t mu;
    pthread_cond_t conn_cv;   /* a connection went back to the pool */
    ss_conn_t *idle;
    size_t nconn;
    ss_conn_t *all[SS_MAX_CONN];
    /* The writer connection and its slot. */
    pthread_mutex_t wmu;
    pthread_cond_t writer_cv; /* the writer slot was released */
    ss_conn_t *wconn;
    bool writer;              /* the writer slot is taken */
    unsigned wwaiting;        /* threads waiting for it */
    ss_fault_t full, corrupt;
} ss_store_t;

/* Opens one connection configured for the store (busy timeout, foreign
 * keys, synchronous). create: may create the file (the first one only). */
seal_status_t ss_conn_open(ss_store_t *st, bool create, ss_conn_t **out);
void ss_conn_close(ss_conn_t *c);

/* The cached statement, or a fresh one when the cached one is running (a
 * scan callback calling back into the store on the same connection). Hand
 * it back with ss_stmt_put, which resets or finalizes it. */
seal_status_t ss_stmt_get(ss_store_t *st, ss_conn_t *c, ss_stmt_id_t id, sqlite3_stmt **out);
void ss_stmt_put(ss_conn_t *c, ss_stmt_id_t id, sqlite3_stmt *s);
/* Runs a statement without result rows (BEGIN, COMMIT, ...). */
seal_status_t ss_exec(ss_store_t *st, ss_conn_t *c, ss_stmt_id_t id);

/* Pool: waits at most busy_ms for a connection (SEAL_E_AGAIN after). */
seal_status_t ss_pool_init(ss_store_t *st);
seal_status_t ss_pool_acquire(ss_store_t *st, ss_conn_t **out);
void ss_pool_release(ss_store_t *st, ss_conn_t *c);
void ss_pool_fini(ss_store_t *st);

/* The writer connection: one writer per process at a time, waits at most
 * busy_ms (SEAL_E_AGAIN after). Release rolls back what is left open. */
seal_status_t ss_writer_acquire(ss_store_t *st, ss_conn_t **out);
void ss_writer_release(ss_store_t *st, ss_conn_t *c);

/* Maps an SQLite result code to a status; logs what is unexpected. A full
 * disk (SQLITE_FULL, or an I/O error with ENOSPC or EDQUOT) is
 * SEAL_E_AGAIN: the write can succeed once space is freed, with no
 * restart; corruption is SEAL_E_IO. Both are logged at most once a minute. */
seal_status_t ss_status(ss_store_t *st, ss_conn_t *c, int rc, const char *what);
/* A write committed: after a full disk, says once that writes succeed again. */
void ss_write_ok(ss_store_t *st);
/* sqlite-schema.c: PRAGMA quick_check on the first connection at start. */
seal_status_t ss_schema_check(ss_store_t *st, ss_conn_t *c);

/* sqlite-terms.c: makes the terms of (ns, key) exactly the given ones
 * (duplicates count once). */
seal_status_t ss_terms_replace(ss_store_t *st, ss_conn_t *c, const char *ns, const char *key,
                               const seal_store_term_t *terms, size_t nterms);

/* sqlite-schema.c: WAL mode and the schema, on the first connection. */
seal_status_t ss_schema_setup(ss_store_t *st, ss_conn_t *c);

#endif
