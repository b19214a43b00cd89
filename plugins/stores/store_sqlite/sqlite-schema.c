/* SPDX-License-Identifier: Apache-2.0 */
/* store_sqlite: the database schema and its version.
 *
 * docs holds one row per document; terms holds the secondary index terms of
 * seal_store_put, removed with their document by the foreign key cascade.
 * seal_schema holds one row, the schema version: a newer database is refused
 * rather than misread, an older one is migrated here (none yet).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sqlite-conn.h"

#define SS_SCHEMA_VERSION 1

static const char schema_v1[] =
    "CREATE TABLE docs ("
    "  ns   TEXT NOT NULL,"
    "  key  TEXT NOT NULL,"
    "  rev  INTEGER NOT NULL CHECK (rev >= 1),"
    "  json TEXT NOT NULL,"
    "  PRIMARY KEY (ns, key)"
    ") WITHOUT ROWID;"
    /* The primary key is the lookup index: (ns, idx, value) then key order. */
    "CREATE TABLE terms ("
    "  ns    TEXT NOT NULL,"
    "  idx   TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  key   TEXT NOT NULL,"
    "  PRIMARY KEY (ns, idx, value, key),"
    "  FOREIGN KEY (ns, key) REFERENCES docs (ns, key) ON DELETE CASCADE"
    ") WITHOUT ROWID;"
    /* Replacing a document's terms, and the cascade, find them by (ns, key). */
    "CREATE INDEX terms_by_doc ON terms (ns, key, idx, value);"
    "INSERT INTO seal_schema (version) VALUES (1);";

static seal_status_t fail(ss_store_t *st, ss_conn_t *c, int rc, const char *what)
{
    seal_log(st->self, SEAL_LOG_ERR, "database \"%s\": %s: %s", st->path, what,
             sqlite3_errmsg(c->db));
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SEAL_E_AGAIN;
    case SQLITE_NOMEM:
        return SEAL_E_NOMEM;
    default:
        return SEAL_E_IO;
    }
}

/* The version, 0 when the database is new (no seal_schema row). */
static int read_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *s = NULL;
    *version = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT max(version) FROM seal_schema", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(s, 0) != SQLITE_NULL)
            *version = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

seal_status_t ss_schema_setup(ss_store_t *st, ss_conn_t *c)
{
    /* WAL: readers never block the writer nor each other, and with
     * synchronous=FULL a commit is on disk when COMMIT returns. The mode is
     * stored in the file; setting it needs no transaction open. */
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(s, 0);
        if (!mode || sqlite3_stricmp(mode, "wal") != 0)
            seal_log(st->self, SEAL_LOG_WARN,
                     "database \"%s\": journal mode is %s, not WAL (file system without"
                     " shared memory?): readers will wait for writers",
                     st->path, mode ? mode : "unknown");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    /* A checkpoint rewinds the WAL but keeps its size; after a burst of
     * writes, give the disk space back down to this. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, "PRAGMA journal_size_limit = 67108864", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(st, c, rc, "cannot open (is it an SQLite database?)");

    rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE;"
                             "CREATE TABLE IF NOT EXISTS seal_schema (version INTEGER NOT NULL);",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        seal_status_t rv = fail(st, c, rc, "cannot create the schema");
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return rv;
    }
    int version;
    rc = read_version(c->db, &version);
    if (rc == SQLITE_OK && version == 0)
        rc = sqlite3_exec(c->db, schema_v1, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        seal_status_t rv = fail(st, c, rc, "cannot create the schema");
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return rv;
    }
    if (version > SS_SCHEMA_VERSION) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        seal_log(st->self, SEAL_LOG_ERR,
                 "database \"%s\" has schema version %d; this store_sqlite knows versions"
                 " up to %d: run a newer seald on it",
                 st->path, version, SS_SCHEMA_VERSION);
        return SEAL_E_CONFIG;
    }
    rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        seal_status_t rv = fail(st, c, rc, "cannot commit the schema");
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return rv;
    }
    return SEAL_OK;
}

/* PRAGMA quick_check: every b-tree page is read and checked (not the
 * indexes against their tables: that is integrity_check, 1.5 times slower
 * here). A corrupt database is refused at start, naming the file, rather
 * than failing request after request. It reads the whole file: 0.7 s for
 * 557 MB from the page cache, the time to read it from disk otherwise. */
seal_status_t ss_schema_check(ss_store_t *st, ss_conn_t *c)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sqlite3_stmt *s = NULL;
    char first[512] = "";
    int rc = sqlite3_prepare_v2(c->db, "PRAGMA quick_check(1)", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(s, 0);
        snprintf(first, sizeof first, "%s", r ? r : "?");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_OK && strcmp(first, "ok") == 0) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        seal_log(st->self, SEAL_LOG_INFO, "database \"%s\": quick_check ok (%lld ms)", st->path,
                 (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
        return SEAL_OK;
    }
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_CORRUPT && (rc & 0xff) != SQLITE_NOTADB) {
        seal_status_t rv = ss_status(st, c, rc, "quick_check");
        return rv == SEAL_OK ? SEAL_E_IO : rv;
    }
    /* The first problem only: one line, not one per damaged page. */
    for (char *p = first; *p; p++)
        if (*p == '\n')
            *p = ' ';
    seal_log(st->self, SEAL_LOG_ERR, "database \"%s\" is corrupt (quick_check: %s): not started;"
             " restore it from a backup", st->path,
             rc == SQLITE_OK ? first : sqlite3_errmsg(c->db));
    return SEAL_E_IO;
}
