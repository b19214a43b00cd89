/* SPDX-License-Identifier: Apache-2.0 */
/* store_sqlite: connections, their prepared statements, the readers' pool
 * and the writer connection.
 *
 * Why a pool and not one connection per thread: HTTP worker threads come and
 * go with the host's configuration, and a thread-local connection would have
 * to be closed from a thread-exit destructor that may run after fini. A
 * small pool closes every connection in fini, bounds memory and descriptors,
 * and lets a transaction keep its connection across calls. Each connection
 * is used by one thread at a time (SQLITE_OPEN_NOMUTEX is then safe).
 *
 * Why one writer connection: SQLite has one write lock per database anyway,
 * and a blocked writer polls with sleeps (1, 2, 5, ... 100 ms). Our writers
 * queue for a single connection on a condition variable instead, which
 * wakes the next one as soon as the lock is free; and since only that
 * connection writes, its page cache stays valid from one write to the next
 * (a connection discards its cache when another one has written).
 * busy_timeout still covers other processes that open the same file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sqlite-conn.h"

static const char *const stmt_sql[SS_STMT_COUNT] = {
    [SS_BEGIN] = "BEGIN IMMEDIATE",
    [SS_COMMIT] = "COMMIT",
    [SS_ROLLBACK] = "ROLLBACK",
    [SS_SAVEPOINT] = "SAVEPOINT seal_write",
    [SS_RELEASE] = "RELEASE seal_write",
    [SS_ROLLBACK_TO] = "ROLLBACK TO seal_write",
    [SS_GET] = "SELECT json, rev FROM docs WHERE ns = ?1 AND key = ?2",
    [SS_GET_REV] = "SELECT rev FROM docs WHERE ns = ?1 AND key = ?2",
    [SS_INSERT] = "INSERT INTO docs(ns, key, rev, json) VALUES(?1, ?2, ?3, ?4)",
    [SS_UPDATE] = "UPDATE docs SET rev = ?3, json = ?4 WHERE ns = ?1 AND key = ?2",
    [SS_DELETE] = "DELETE FROM docs WHERE ns = ?1 AND key = ?2",
    /* terms_by_doc (ns, key, idx, value) yields this order, no sort. */
    [SS_TERMS_OF] = "SELECT idx, value FROM terms WHERE ns = ?1 AND key = ?2"
                    " ORDER BY idx, value",
    [SS_TERM_DEL] = "DELETE FROM terms WHERE ns = ?1 AND idx = ?2 AND value = ?3 AND key = ?4",
    [SS_TERM_ADD] = "INSERT INTO terms(ns, idx, value, key) VALUES(?1, ?2, ?3, ?4)",
    [SS_SCAN_RANGE] = "SELECT key, json, rev FROM docs"
                      " WHERE ns = ?1 AND key >= ?2 AND key < ?3 ORDER BY key",
    [SS_SCAN_FROM] = "SELECT key, json, rev FROM docs"
                     " WHERE ns = ?1 AND key >= ?2 ORDER BY key",
    /* terms' primary key (ns, idx, value, key) yields key order, no sort. */
    [SS_LOOKUP] = "SELECT d.key, d.json, d.rev FROM terms t"
                  " JOIN docs d ON d.ns = t.ns AND d.key = t.key"
                  " WHERE t.ns = ?1 AND t.idx = ?2 AND t.value = ?3 ORDER BY t.key",
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when this occurrence of f is to be logged (the first, or the first
 * after SS_FAULT_LOG_MS); more then says how many went unsaid since the
 * previous line ("" when none). */
static int fault_due(ss_fault_t *f, char *more, size_t n)
{
    int64_t now = mono_ms(), last = atomic_load(&f->last_ms);
    if ((last == 0 || now - last >= SS_FAULT_LOG_MS) &&
        atomic_compare_exchange_strong(&f->last_ms, &last, now ? now : 1)) {
        uint64_t unsaid = atomic_exchange(&f->unsaid, 0);
        more[0] = '\0';
        if (unsaid)
            snprintf(more, n, " (%llu more since the last such message)",
                     (unsigned long long)unsaid);
        return 1;
    }
    atomic_fetch_add(&f->unsaid, 1);
    return 0;
}

static int disk_full(ss_conn_t *c, int rc)
{
    if ((rc & 0xff) == SQLITE_FULL)
        return 1;
    if ((rc & 0xff) != SQLITE_IOERR || !c || !c->db)
        return 0;
    int e = sqlite3_system_errno(c->db);
    return e == ENOSPC || e == EDQUOT;
}

seal_status_t ss_status(ss_store_t *st, ss_conn_t *c, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return SEAL_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        /* The caller retries; not worth an error line per occurrence. */
        if (seal_log_enabled(SEAL_LOG_DEBUG))
            seal_log(st->self, SEAL_LOG_DEBUG, "%s: %s: database busy", st->path, what);
        return SEAL_E_AGAIN;
    case SQLITE_NOMEM:
        return SEAL_E_NOMEM;
    case SQLITE_TOOBIG:
        return SEAL_E_TOOBIG;
    default:
        break;
    }
    const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    char more[80];
    if (disk_full(c, rc)) {
        /* Nothing was committed: the caller answers "try again" (503 with
         * Retry-After) and the same write succeeds once space is freed. */
        atomic_store(&st->full.active, true);
        if (fault_due(&st->full, more, sizeof more))
            seal_log(st->self, SEAL_LOG_ERR, "database \"%s\": disk full (%s: %s): writes are"
                     " refused until space is freed%s", st->path, what, msg, more);
        return SEAL_E_AGAIN;
    }
    if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
        if (fault_due(&st->corrupt, more, sizeof more))
            seal_log(st->self, SEAL_LOG_ERR, "database \"%s\" is corrupt (%s: %s): stop seald"
                     " and restore it from a backup%s", st->path, what, msg, more);
        return SEAL_E_IO;
    }
    seal_log(st->self, SEAL_LOG_ERR, "%s: %s: %s", st->path, what, msg);
    switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return SEAL_E_IO;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
        return SEAL_E_INVAL;
    default:
        return SEAL_E_GENERIC;
    }
}

void ss_write_ok(ss_store_t *st)
{
    if (atomic_load_explicit(&st->full.active, memory_order_relaxed) &&
        atomic_exchange(&st->full.active, false))
        seal_log(st->self, SEAL_LOG_NOTICE, "database \"%s\": writes succeed again (disk space"
                 " was freed)", st->path);
}

seal_status_t ss_conn_open(ss_store_t *st, bool create, ss_conn_t **out)
{
    *out = NULL;
    ss_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return SEAL_E_NOMEM;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (create)
        flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(st->path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        seal_status_t s = ss_status(st, c, rc, "cannot open database");
        ss_conn_close(c);
        return s == SEAL_E_AGAIN ? SEAL_E_IO : s;
    }
    sqlite3_busy_timeout(c->db, st->busy_ms);
    /* No schema tricks from a crafted file: writable_schema and friends off. */
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA foreign_keys = ON; PRAGMA synchronous = %s;",
             st->sync_full ? "FULL" : "NORMAL");
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        seal_status_t s = ss_status(st, c, rc, "cannot configure connection");
        ss_conn_close(c);
        return s;
    }
    *out = c;
    return SEAL_OK;
}

void ss_conn_close(ss_conn_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SS_STMT_COUNT; i++)
        sqlite3_finalize(c->stmt[i]);
    sqlite3_close(c->db);  /* NULL is a no-op */
    free(c);
}

seal_status_t ss_stmt_get(ss_store_t *st, ss_conn_t *c, ss_stmt_id_t id, sqlite3_stmt **out)
{
    sqlite3_stmt *s = c->stmt[id];
    if (s && !sqlite3_stmt_busy(s)) {
        *out = s;
        return SEAL_OK;
    }
    /* Cache the first one for good; a reentrant one is finalized after use. */
    unsigned flags = s ? 0 : SQLITE_PREPARE_PERSISTENT;
    sqlite3_stmt *fresh = NULL;
    int rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, flags, &fresh, NULL);
    if (rc != SQLITE_OK || !fresh) {
        *out = NULL;
        seal_status_t rv = ss_status(st, c, rc, "cannot prepare statement");
        return rv == SEAL_OK ? SEAL_E_GENERIC : rv;
    }
    if (!s)
        c->stmt[id] = fresh;
    *out = fresh;
    return SEAL_OK;
}

void ss_stmt_put(ss_conn_t *c, ss_stmt_id_t id, sqlite3_stmt *s)
{
    if (!s)
        return;
    if (s == c->stmt[id]) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    } else {
        sqlite3_finalize(s);
    }
}

seal_status_t ss_exec(ss_store_t *st, ss_conn_t *c, ss_stmt_id_t id)
{
    sqlite3_stmt *s;
    seal_status_t rv = ss_stmt_get(st, c, id, &s);
    if (rv != SEAL_OK)
        return rv;
    int rc = sqlite3_step(s);
    rv = rc == SQLITE_DONE ? SEAL_OK : ss_status(st, c, rc, stmt_sql[id]);
    ss_stmt_put(c, id, s);
    return rv;
}

/* ---- readers' pool and the writer connection ---- */

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

seal_status_t ss_pool_init(ss_store_t *st)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return SEAL_E_NOMEM;
    /* Wall-clock jumps must not shorten or stretch the wait. */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int e = pthread_mutex_init(&st->mu, NULL);
    if (e == 0 && (e = pthread_mutex_init(&st->wmu, NULL)) != 0)
        pthread_mutex_destroy(&st->mu);
    if (e == 0 && (e = pthread_cond_init(&st->conn_cv, &ca)) != 0) {
        pthread_mutex_destroy(&st->wmu);
        pthread_mutex_destroy(&st->mu);
    }
    if (e == 0 && (e = pthread_cond_init(&st->writer_cv, &ca)) != 0) {
        pthread_cond_destroy(&st->conn_cv);
        pthread_mutex_destroy(&st->wmu);
        pthread_mutex_destroy(&st->mu);
    }
    pthread_condattr_destroy(&ca);
    if (e != 0)
        return SEAL_E_NOMEM;
    st->sync_init = true;
    return SEAL_OK;
}

seal_status_t ss_pool_acquire(ss_store_t *st, ss_conn_t **out)
{
    struct timespec until;
    bool have_deadline = false;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        ss_conn_t *c = st->idle;
        if (c) {
            st->idle = c->next_idle;
            c->next_idle = NULL;
            pthread_mutex_unlock(&st->mu);
            *out = c;
            return SEAL_OK;
        }
        if (st->nconn < SS_MAX_CONN) {
            /* Opened under the lock: it happens at most SS_MAX_CONN times
             * and takes a few system calls; all[] stays dense. */
            seal_status_t rv = ss_conn_open(st, false, &c);
            if (rv == SEAL_OK)
                st->all[st->nconn++] = c;
            pthread_mutex_unlock(&st->mu);
            *out = c;
            return rv;
        }
        if (!have_deadline) {
            deadline_in(&until, st->busy_ms);
            have_deadline = true;
        }
        if (pthread_cond_timedwait(&st->conn_cv, &st->mu, &until) == ETIMEDOUT && !st->idle) {
            pthread_mutex_unlock(&st->mu);
            seal_log(st->self, SEAL_LOG_WARN,
                     "%s: all %d connections busy for %d ms", st->path, SS_MAX_CONN, st->busy_ms);
            return SEAL_E_AGAIN;
        }
    }
}

void ss_pool_release(ss_store_t *st, ss_conn_t *c)
{
    if (!c)
        return;
    /* Never hand out a connection with an open transaction (a failed
     * commit or a caller's early return would otherwise leak it). */
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_lock(&st->mu);
    c->next_idle = st->idle;
    st->idle = c;
    pthread_cond_signal(&st->conn_cv);
    pthread_mutex_unlock(&st->mu);
}

void ss_pool_fini(ss_store_t *st)
{
    for (size_t i = 0; i < st->nconn; i++) {
        ss_conn_close(st->all[i]);
        st->all[i] = NULL;
    }
    st->nconn = 0;
    st->idle = NULL;
    ss_conn_close(st->wconn);
    st->wconn = NULL;
    if (st->sync_init) {
        pthread_cond_destroy(&st->writer_cv);
        pthread_cond_destroy(&st->conn_cv);
        pthread_mutex_destroy(&st->wmu);
        pthread_mutex_destroy(&st->mu);
        st->sync_init = false;
    }
}

seal_status_t ss_writer_acquire(ss_store_t *st, ss_conn_t **out)
{
    struct timespec until;
    bool have_deadline = false;
    pthread_mutex_lock(&st->wmu);
    while (st->writer) {
        if (!have_deadline) {
            deadline_in(&until, st->busy_ms);
            have_deadline = true;
        }
        st->wwaiting++;
        int e = pthread_cond_timedwait(&st->writer_cv, &st->wmu, &until);
        st->wwaiting--;
        if (e == ETIMEDOUT && st->writer) {
            pthread_mutex_unlock(&st->wmu);
            return SEAL_E_AGAIN;
        }
    }
    st->writer = true;
    pthread_mutex_unlock(&st->wmu);
    *out = st->wconn;
    return SEAL_OK;
}

void ss_writer_release(ss_store_t *st, ss_conn_t *c)
{
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_lock(&st->wmu);
    st->writer = false;
    /* No futex call when nobody waits (the common, uncontended case). */
    if (st->wwaiting)
        pthread_cond_signal(&st->writer_cv);
    pthread_mutex_unlock(&st->wmu);
}
