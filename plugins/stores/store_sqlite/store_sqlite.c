/* SPDX-License-Identifier: Apache-2.0 */
/* store_sqlite: the embedded document store backend (provider side of
 * include/seal/store.h) on SQLite in WAL mode.
 *
 * Configuration block ("plugins": {"store_sqlite": {...}}):
 *   path             database file (default SEAL_STATEDIR "/seal.db"); the
 *                    directory must exist, it is never created here
 *   busy_timeout_ms  how long a call waits for a connection or the write
 *                    lock before SEAL_E_AGAIN (default 5000)
 *   synchronous      "full" (default): a write that returned SEAL_OK survives
 *                    a crash and a power loss; "normal": it survives a crash
 *                    of seald, the last commits may be lost on power loss
 *   cache_bytes      the read cache of documents by key (sqlite-cache.h),
 *                    default 8 MiB, 0 = off
 *   quick_check      check every page at start (PRAGMA quick_check) and
 *                    refuse a corrupt database, default true
 *
 * A database serves one seald: start takes an exclusive flock on path-lock
 * (the read cache relies on seeing every write), so a second seald on it
 * refuses to start; --check-config (init only) does not take it.
 *
 * Writes run in BEGIN IMMEDIATE transactions (or a savepoint inside the
 * caller's transaction), so the revision check and the write are atomic.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sqlite-conn.h"

#ifndef SEAL_STATEDIR
#define SEAL_STATEDIR "/var/lib/seal"
#endif

/* A caller's transaction: the writer connection, held until commit/abort. */
typedef struct ss_txn {
    ss_conn_t *c;
} ss_txn_t;

/* ---- connection for one call ---- */

static seal_status_t conn_enter(ss_store_t *st, void *txn, ss_conn_t **c)
{
    if (txn) {
        *c = ((ss_txn_t *)txn)->c;
        return SEAL_OK;
    }
    return ss_pool_acquire(st, c);
}

static void conn_leave(ss_store_t *st, void *txn, ss_conn_t *c)
{
    if (!txn)
        ss_pool_release(st, c);
}

/* A write: a savepoint in the caller's transaction, else its own
 * BEGIN IMMEDIATE on the writer connection. */
static seal_status_t write_enter(ss_store_t *st, void *txn, ss_conn_t **c)
{
    if (txn) {
        *c = ((ss_txn_t *)txn)->c;
        return ss_exec(st, *c, SS_SAVEPOINT);
    }
    seal_status_t rv = ss_writer_acquire(st, c);
    if (rv != SEAL_OK)
        return rv;
    rv = ss_exec(st, *c, SS_BEGIN);
    if (rv != SEAL_OK)
        ss_writer_release(st, *c);
    else
        (*c)->changes_at_begin = sqlite3_total_changes((*c)->db);
    return rv;
}

/* Commits (rv == SEAL_OK) or rolls back the write; returns the final status. */
static seal_status_t write_leave(ss_store_t *st, void *txn, ss_conn_t *c, seal_status_t rv)
{
    if (txn) {
        if (rv == SEAL_OK)
            return ss_exec(st, c, SS_RELEASE);
        /* Undo this call's changes only; the transaction goes on. */
        if (ss_exec(st, c, SS_ROLLBACK_TO) == SEAL_OK)
            ss_exec(st, c, SS_RELEASE);
        return rv;
    }
    if (rv == SEAL_OK)
        rv = ss_exec(st, c, SS_COMMIT);
    if (rv == SEAL_OK && sqlite3_total_changes(c->db) != c->changes_at_begin)
        ss_write_ok(st);
    if (rv != SEAL_OK && !sqlite3_get_autocommit(c->db))
        ss_exec(st, c, SS_ROLLBACK);
    /* Before the slot goes: the next session's marks are its own. */
    ss_cache_settle(st->cache);
    ss_writer_release(st, c);
    return rv;
}

/* ---- helpers ---- */

static int bind_key(sqlite3_stmt *s, const char *ns, const char *key)
{
    int rc = sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    return rc;
}

/* The current revision of (ns, key); SEAL_E_NOTFOUND when absent. */
static seal_status_t current_rev(ss_store_t *st, ss_conn_t *c, const char *ns,
                                 const char *key, uint64_t *rev)
{
    sqlite3_stmt *s;
    seal_status_t rv = ss_stmt_get(st, c, SS_GET_REV, &s);
    if (rv != SEAL_OK)
        return rv;
    int rc = bind_key(s, ns, key);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *rev = (uint64_t)sqlite3_column_int64(s, 0);
        rv = SEAL_OK;
    } else if (rc == SQLITE_DONE) {
        rv = SEAL_E_NOTFOUND;
    } else {
        rv = ss_status(st, c, rc, "reading a revision");
    }
    ss_stmt_put(c, SS_GET_REV, s);
    return rv;
}

static seal_status_t step_done(ss_store_t *st, ss_conn_t *c, ss_stmt_id_t id, sqlite3_stmt *s,
                               int rc, const char *what)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    seal_status_t rv = rc == SQLITE_DONE ? SEAL_OK : ss_status(st, c, rc, what);
    ss_stmt_put(c, id, s);
    return rv;
}

static seal_status_t write_doc(ss_store_t *st, ss_conn_t *c, bool insert, const char *ns,
                               const char *key, const char *json, size_t len, uint64_t rev)
{
    ss_stmt_id_t id = insert ? SS_INSERT : SS_UPDATE;
    sqlite3_stmt *s;
    seal_status_t rv = ss_stmt_get(st, c, id, &s);
    if (rv != SEAL_OK)
        return rv;
    int rc = bind_key(s, ns, key);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, 3, (sqlite3_int64)rev);
    /* Stored exactly as given; the length says where it ends. */
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text64(s, 4, json, (sqlite3_uint64)len, SQLITE_STATIC, SQLITE_UTF8);
    return step_done(st, c, id, s, rc, "writing a document");
}

/* A NOT NULL column read as NULL: SQLite ran out of memory converting it,
 * or the row is damaged (a corrupt database, said as such). */
static seal_status_t null_column(ss_store_t *st, ss_conn_t *c)
{
    if (sqlite3_errcode(c->db) == SQLITE_NOMEM)
        return SEAL_E_NOMEM;
    return ss_status(st, NULL, SQLITE_CORRUPT, "reading a document");
}

/* Calls fn on every row (key, json, rev) of a prepared, bound query. */
static seal_status_t visit_rows(ss_store_t *st, ss_conn_t *c, sqlite3_stmt *s,
                                seal_store_visit_fn fn, void *fn_ctx, const char *what)
{
    for (;;) {
        int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            return SEAL_OK;
        if (rc != SQLITE_ROW)
            return ss_status(st, c, rc, what);
        const char *key = (const char *)sqlite3_column_text(s, 0);
        const char *json = (const char *)sqlite3_column_text(s, 1);
        size_t len = (size_t)sqlite3_column_bytes(s, 1);
        uint64_t rev = (uint64_t)sqlite3_column_int64(s, 2);
        if (!key || !json)   /* NOT NULL columns: out of memory, or a damaged row */
            return null_column(st, c);
        if (fn(key, json, len, rev, fn_ctx) != 0)
            return SEAL_OK;
    }
}

/* ---- ops ---- */

static seal_status_t op_get(void *ctx, void *txn, const char *ns, const char *key,
                            char **json, size_t *len, uint64_t *rev)
{
    ss_store_t *st = ctx;
    if (json)
        *json = NULL;
    if (!ns || !key)
        return SEAL_E_INVAL;
    /* A transaction reads through its own connection: it may see its own
     * uncommitted writes, which the cache never holds. */
    uint64_t ticket = 0;
    enum ss_cache_result cr = SS_CACHE_BYPASS;
    if (!txn)
        cr = ss_cache_get(st->cache, ns, key, json, len, rev, &ticket);
    if (cr == SS_CACHE_HIT)
        return SEAL_OK;
    if (cr == SS_CACHE_NOMEM)
        return SEAL_E_NOMEM;
    ss_conn_t *c;
    seal_status_t rv = conn_enter(st, txn, &c);
    if (rv != SEAL_OK)
        return rv;
    sqlite3_stmt *s;
    rv = ss_stmt_get(st, c, SS_GET, &s);
    if (rv == SEAL_OK) {
        int rc = bind_key(s, ns, key);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const char *text = (const char *)sqlite3_column_text(s, 0);
            size_t n = (size_t)sqlite3_column_bytes(s, 0);
            if (!text) {
                rv = null_column(st, c);
            } else {
                if (json) {
                    *json = malloc(n + 1);
                    if (*json) {
                        memcpy(*json, text, n);
                        (*json)[n] = '\0';
                    } else {
                        rv = SEAL_E_NOMEM;
                    }
                }
                if (rv == SEAL_OK && len)
                    *len = n;
                uint64_t r = (uint64_t)sqlite3_column_int64(s, 1);
                if (rv == SEAL_OK && rev)
                    *rev = r;
                if (rv == SEAL_OK && cr == SS_CACHE_MISS)
                    ss_cache_fill(st->cache, ticket, ns, key, text, n, r);
            }
        } else if (rc == SQLITE_DONE) {
            rv = SEAL_E_NOTFOUND;
        } else {
            rv = ss_status(st, c, rc, "reading a document");
        }
        ss_stmt_put(c, SS_GET, s);
    }
    conn_leave(st, txn, c);
    return rv;
}

static seal_status_t op_put(void *ctx, void *txn, const char *ns, const char *key,
                            const char *json, size_t len, uint64_t expect_rev,
                            const seal_store_term_t *terms, size_t nterms, uint64_t *new_rev)
{
    ss_store_t *st = ctx;
    if (!ns || !key || !json || (nterms && !terms))
        return SEAL_E_INVAL;
    for (size_t i = 0; i < nterms; i++)
        if (!terms[i].index || !terms[i].value)
            return SEAL_E_INVAL;
    ss_conn_t *c;
    seal_status_t rv = write_enter(st, txn, &c);
    if (rv != SEAL_OK)
        return rv;
    ss_cache_mark(st->cache, ns, key);
    uint64_t cur = 0, next = 1;
    rv = current_rev(st, c, ns, key, &cur);
    bool exists = rv == SEAL_OK;
    if (rv == SEAL_E_NOTFOUND)
        rv = SEAL_OK;
    if (rv == SEAL_OK) {
        if (expect_rev == SEAL_REV_ABSENT) {
            if (exists)
                rv = SEAL_E_EXISTS;
        } else if (expect_rev != SEAL_REV_ANY) {
            if (!exists)
                rv = SEAL_E_NOTFOUND;
            else if (cur != expect_rev)
                rv = SEAL_E_CONFLICT;
        }
    }
    if (rv == SEAL_OK && exists) {
        if (cur >= (uint64_t)INT64_MAX)
            rv = SEAL_E_TOOBIG;  /* the revision cannot grow any more */
        next = cur + 1;
    }
    if (rv == SEAL_OK)
        rv = write_doc(st, c, !exists, ns, key, json, len, next);
    if (rv == SEAL_OK)
        rv = ss_terms_replace(st, c, ns, key, terms, nterms);
    rv = write_leave(st, txn, c, rv);
    if (rv == SEAL_OK && new_rev)
        *new_rev = next;
    return rv;
}

static seal_status_t op_del(void *ctx, void *txn, const char *ns, const char *key,
                            uint64_t expect_rev)
{
    ss_store_t *st = ctx;
    /* "Delete, expecting no document" asks for nothing: a caller's bug. */
    if (!ns || !key || expect_rev == SEAL_REV_ABSENT)
        return SEAL_E_INVAL;
    ss_conn_t *c;
    seal_status_t rv = write_enter(st, txn, &c);
    if (rv != SEAL_OK)
        return rv;
    ss_cache_mark(st->cache, ns, key);
    uint64_t cur = 0;
    rv = current_rev(st, c, ns, key, &cur);
    if (rv == SEAL_OK && expect_rev != SEAL_REV_ANY && cur != expect_rev)
        rv = SEAL_E_CONFLICT;
    if (rv == SEAL_OK) {
        sqlite3_stmt *s;
        rv = ss_stmt_get(st, c, SS_DELETE, &s);
        /* Its terms go with it (ON DELETE CASCADE). */
        if (rv == SEAL_OK)
            rv = step_done(st, c, SS_DELETE, s, bind_key(s, ns, key), "deleting a document");
    }
    return write_leave(st, txn, c, rv);
}

/* The smallest string greater than every string starting with prefix:
 * trailing 0xff bytes dropped, then the last byte incremented. Returns its
 * length, 0 when there is none (empty prefix or only 0xff bytes). */
static size_t prefix_successor(const char *prefix, char *out)
{
    size_t n = strlen(prefix);
    while (n > 0 && (unsigned char)prefix[n - 1] == 0xff)
        n--;
    if (n == 0)
        return 0;
    memcpy(out, prefix, n);
    out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
    return n;
}

static seal_status_t op_scan(void *ctx, void *txn, const char *ns, const char *prefix,
                             seal_store_visit_fn fn, void *fn_ctx)
{
    ss_store_t *st = ctx;
    if (!ns || !fn)
        return SEAL_E_INVAL;
    if (!prefix)
        prefix = "";
    char *succ = malloc(strlen(prefix) + 1);
    if (!succ)
        return SEAL_E_NOMEM;
    size_t succ_len = prefix_successor(prefix, succ);
    ss_stmt_id_t id = succ_len ? SS_SCAN_RANGE : SS_SCAN_FROM;
    ss_conn_t *c;
    seal_status_t rv = conn_enter(st, txn, &c);
    if (rv == SEAL_OK) {
        sqlite3_stmt *s;
        rv = ss_stmt_get(st, c, id, &s);
        if (rv == SEAL_OK) {
            int rc = bind_key(s, ns, prefix);
            if (rc == SQLITE_OK && succ_len)
                rc = sqlite3_bind_text(s, 3, succ, (int)succ_len, SQLITE_STATIC);
            rv = rc == SQLITE_OK ? visit_rows(st, c, s, fn, fn_ctx, "scanning")
                                 : ss_status(st, c, rc, "scanning");
            ss_stmt_put(c, id, s);
        }
        conn_leave(st, txn, c);
    }
    free(succ);
    return rv;
}

static seal_status_t op_lookup(void *ctx, void *txn, const char *ns, const char *index,
                               const char *value, seal_store_visit_fn fn, void *fn_ctx)
{
    ss_store_t *st = ctx;
    if (!ns || !index || !value || !fn)
        return SEAL_E_INVAL;
    ss_conn_t *c;
    seal_status_t rv = conn_enter(st, txn, &c);
    if (rv != SEAL_OK)
        return rv;
    sqlite3_stmt *s;
    rv = ss_stmt_get(st, c, SS_LOOKUP, &s);
    if (rv == SEAL_OK) {
        int rc = sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(s, 2, index, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(s, 3, value, -1, SQLITE_STATIC);
        rv = rc == SQLITE_OK ? visit_rows(st, c, s, fn, fn_ctx, "looking up")
                             : ss_status(st, c, rc, "looking up");
        ss_stmt_put(c, SS_LOOKUP, s);
    }
    conn_leave(st, txn, c);
    return rv;
}

static seal_status_t op_txn_begin(void *ctx, void **txn)
{
    ss_store_t *st = ctx;
    if (!txn)
        return SEAL_E_INVAL;
    *txn = NULL;
    ss_txn_t *t = calloc(1, sizeof *t);
    if (!t)
        return SEAL_E_NOMEM;
    /* The whole transaction holds the write lock: its reads see a state no
     * one else changes until commit, so a read-check-write is atomic. */
    seal_status_t rv = write_enter(st, NULL, &t->c);
    if (rv != SEAL_OK) {
        free(t);
        return rv;
    }
    *txn = t;
    return SEAL_OK;
}

static seal_status_t op_txn_commit(void *ctx, void *txn)
{
    ss_store_t *st = ctx;
    ss_txn_t *t = txn;
    if (!t)
        return SEAL_E_INVAL;
    seal_status_t rv = write_leave(st, NULL, t->c, SEAL_OK);
    free(t);
    return rv;
}

static void op_txn_abort(void *ctx, void *txn)
{
    ss_store_t *st = ctx;
    ss_txn_t *t = txn;
    if (!t)
        return;
    write_leave(st, NULL, t->c, SEAL_E_GENERIC);  /* rolls back */
    free(t);
}

static const seal_store_ops_t ss_ops = {
    .struct_size = sizeof(seal_store_ops_t),
    .get = op_get,
    .put = op_put,
    .del = op_del,
    .scan = op_scan,
    .lookup = op_lookup,
    .txn_begin = op_txn_begin,
    .txn_commit = op_txn_commit,
    .txn_abort = op_txn_abort,
};

/* ---- lifecycle ---- */

static void store_free(ss_store_t *st)
{
    if (!st)
        return;
    ss_pool_fini(st);
    ss_cache_free(st->cache);
    if (st->lock_fd >= 0)
        close(st->lock_fd);   /* the file stays: unlinking a lock file races */
    free(st->path);
    free(st);
}

static bool is_sqlite_file(const char *path)
{
    static const char magic[16] = "SQLite format 3";  /* with its NUL */
    char head[16];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == sizeof head && memcmp(head, magic, sizeof magic) == 0;
}

/* Why the database cannot be opened, when the reason is plain. */
static void explain_open_failure(ss_store_t *st, const seal_conf_t *node)
{
    char *dir = strdup(st->path);
    const char *why = NULL;
    struct stat sb;
    if (dir) {
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        else
            strcpy(dir, ".");
        if (stat(dir, &sb) != 0)
            why = errno == ENOENT ? "its directory does not exist (it is not created"
                                    " for you)" : strerror(errno);
        else if (!S_ISDIR(sb.st_mode))
            why = "its directory is not a directory";
        else if (access(dir, W_OK | X_OK) != 0)
            why = "its directory is not writable by this user";
        else if (stat(st->path, &sb) == 0) {
            if (S_ISDIR(sb.st_mode))
                why = "it is a directory";
            else if (access(st->path, R_OK | W_OK) != 0)
                why = "it is not readable and writable by this user";
            else if (sb.st_size > 0 && !is_sqlite_file(st->path))
                why = "it is not an SQLite database";
        }
    }
    if (!why)
        why = "see the previous message";
    if (node)
        seal_conf_error(st->self, node, "cannot open database \"%s\": %s", st->path, why);
    else
        seal_log(st->self, SEAL_LOG_ERR, "cannot open database \"%s\" (the default path): %s",
                 st->path, why);
    free(dir);
}

static seal_status_t read_conf(ss_store_t *st, seal_plugin_t *self, const seal_conf_t **path_node)
{
    const seal_conf_t *conf = seal_plugin_conf(self);
    const char *path, *sync;
    int64_t busy, cache_bytes;
    bool check = true;
    seal_status_t rv = seal_conf_string(conf, "path", SEAL_STATEDIR "/seal.db", &path);
    if (rv == SEAL_OK)
        rv = seal_conf_bool(conf, "quick_check", true, &check);
    if (rv == SEAL_OK)
        rv = seal_conf_int(conf, "busy_timeout_ms", 5000, 0, INT_MAX, &busy);
    if (rv == SEAL_OK)
        rv = seal_conf_int(conf, "cache_bytes", 8 << 20, 0, (int64_t)1 << 30, &cache_bytes);
    if (rv == SEAL_OK)
        rv = seal_conf_string(conf, "synchronous", "full", &sync);
    if (rv != SEAL_OK)
        return rv;
    *path_node = seal_conf_get(conf, "path");
    if (strcmp(sync, "full") == 0)
        st->sync_full = true;
    else if (strcmp(sync, "normal") == 0)
        st->sync_full = false;
    else
        return seal_conf_error(self, seal_conf_get(conf, "synchronous"),
                               "\"%s\": expected \"full\" or \"normal\"", sync);
    /* Each pooled connection must see the same database: SQLite gives
     * every connection its own private temporary or in-memory one. */
    if (path[0] == '\0' || strcmp(path, ":memory:") == 0)
        return seal_conf_error(self, *path_node,
                               "\"%s\": a file path is required (no in-memory database)", path);
    st->busy_ms = (int)busy;
    st->quick_check = check;
    int err;
    st->cache = ss_cache_new((size_t)cache_bytes, &err);
    st->path = strdup(path);
    return st->path && !err ? SEAL_OK : SEAL_E_NOMEM;
}

/* Creates the database file 0600 whatever the umask (SQLite would create
 * it 0644 & ~umask, and gives path-wal and path-shm the database's mode):
 * it holds password hashes, wrapped keys and group memberships. An
 * existing file keeps its mode, with a warning when others may read it.
 * A failure here is left to SQLite's open, which explains it. */
static void create_private(ss_store_t *st)
{
    int fd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077))
        seal_log(st->self, SEAL_LOG_WARN, "database \"%s\" has mode %04o: group and others"
                 " may read it (and its -wal and -shm files); chmod 600 it", st->path,
                 (unsigned)(sb.st_mode & 07777));
    close(fd);
}

static seal_status_t ss_init(seal_plugin_t *self)
{
    if (!sqlite3_threadsafe()) {
        seal_log(self, SEAL_LOG_ERR, "the SQLite library was built without thread support");
        return SEAL_E_UNSUPPORTED;
    }
    ss_store_t *st = calloc(1, sizeof *st);
    if (!st)
        return SEAL_E_NOMEM;
    st->self = self;
    st->lock_fd = -1;
    const seal_conf_t *path_node = NULL;
    seal_status_t rv = read_conf(st, self, &path_node);
    if (rv == SEAL_OK)
        rv = ss_pool_init(st);
    if (rv == SEAL_OK) {
        /* The writer opens (and creates) the file and sets the schema up;
         * readers are opened on demand. */
        create_private(st);
        rv = ss_conn_open(st, true, &st->wconn);
        if (rv == SEAL_OK)
            rv = ss_schema_setup(st, st->wconn);
        if (rv == SEAL_E_IO)
            explain_open_failure(st, path_node);
        else if (rv == SEAL_OK && st->quick_check)
            rv = ss_schema_check(st, st->wconn);
    }
    if (rv != SEAL_OK) {
        store_free(st);
        return rv;
    }
    /* Our ctx is freed in fini, not through ctx_free: the host may call
     * ctx_free after this module is gone. */
    rv = seal_store_backend_register(self, &ss_ops, st, NULL);
    if (rv != SEAL_OK) {
        seal_log(self, SEAL_LOG_ERR, "cannot register the store backend: %s", seal_strerror(rv));
        store_free(st);
        return rv;
    }
    seal_plugin_set_data(self, st);
    seal_log(self, SEAL_LOG_INFO, "database \"%s\" (synchronous=%s)", st->path,
             st->sync_full ? "full" : "normal");
    return SEAL_OK;
}

/* The database is this seald's alone from start on: the read cache would
 * not see another process's writes, and two servers sharing one state
 * would each distribute their own group keys. The flock is on path-lock,
 * never on the database itself: closing any descriptor of the database
 * would drop the POSIX locks SQLite holds on it in this process. */
static seal_status_t ss_start(seal_plugin_t *self)
{
    ss_store_t *st = seal_plugin_data(self);
    size_t n = strlen(st->path) + sizeof "-lock";
    char *lock_path = malloc(n);
    if (!lock_path)
        return SEAL_E_NOMEM;
    snprintf(lock_path, n, "%s-lock", st->path);
    seal_status_t rv = SEAL_OK;
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        seal_log(self, SEAL_LOG_ERR, "cannot open \"%s\": %s", lock_path, strerror(errno));
        rv = SEAL_E_IO;
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK) {
            seal_log(self, SEAL_LOG_ERR, "database \"%s\" is in use by another process"
                     " (another seald?): a database serves one seald", st->path);
            rv = SEAL_E_AGAIN;   /* "resource busy" */
        } else {
            seal_log(self, SEAL_LOG_ERR, "cannot lock \"%s\": %s", lock_path, strerror(e));
            rv = SEAL_E_IO;
        }
    } else {
        st->lock_fd = fd;
    }
    free(lock_path);
    return rv;
}

static void ss_stop(seal_plugin_t *self)
{
    (void)self;
}

static void ss_fini(seal_plugin_t *self)
{
    ss_store_t *st = seal_plugin_data(self);
    ss_cache_stats_t cs;
    ss_cache_stats(st ? st->cache : NULL, &cs);
    if (st && st->cache)
        seal_log(self, SEAL_LOG_INFO, "read cache: %llu hits, %llu misses, %llu evictions",
                 (unsigned long long)cs.hits, (unsigned long long)cs.misses,
                 (unsigned long long)cs.evictions);
    store_free(st);
    seal_plugin_set_data(self, NULL);
}

static const seal_plugin_desc_t ss_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "store_sqlite",
    .version = "0.1.0",
    .description = "document store on SQLite (WAL, revisions, transactions)",
    .init = ss_init,
    .start = ss_start,
    .stop = ss_stop,
    .fini = ss_fini,
};

SEAL_PLUGIN_EXPORT(ss_desc)
