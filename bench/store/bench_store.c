/* SPDX-License-Identifier: Apache-2.0 */
/* bench_store: puts/s and gets/s through seal_store_* on store_sqlite, with
 * 1 and 2 threads, and the same work on raw SQLite alongside as a baseline
 * (ratio = store / raw; the machine's disk cancels out of it).
 *
 *   bench_store [seconds per case, default 1] [directory, default /tmp]
 *
 * Run it from the build tree (top_builddir, default ".", locates the plugin).
 * A put is an unconditional replace of a ~200-byte document with one term; a
 * get reads one of the documents written, at random.
 */
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include <seal/seal.h>
#include "host.h"

#define NKEYS 10000

static const char doc[] =
    "{\"groupDocId\":\"grp-000001\",\"groupDefinitions\":[{\"valGroupId\":\"g1\","
    "\"valServiceId\":\"svc\"}],\"members\":[{\"valUserId\":\"alice@example.com\"},"
    "{\"valUserId\":\"bob@example.com\"}],\"groupStatus\":\"ENABLED\"}";

/* Handle of the builtin consumer plugin (set by its init). */
static seal_plugin_t *bench_self;

static seal_status_t b_init(seal_plugin_t *self) { bench_self = self; return SEAL_OK; }
static seal_status_t b_start(seal_plugin_t *self) { (void)self; return SEAL_OK; }
static void b_stop(seal_plugin_t *self) { (void)self; }
static void b_fini(seal_plugin_t *self) { (void)self; }

static const seal_plugin_desc_t b_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "storebench",
    .version = "0",
    .description = "store benchmark consumer",
    .init = b_init, .start = b_start, .stop = b_stop, .fini = b_fini,
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One timed case: nthreads run op(thread, i) until the time is up. */
typedef int (*op_fn)(int thread, unsigned i, void *ctx);

typedef struct run {
    op_fn op;
    void *ctx;
    double until;
    int thread;
    unsigned long done;
    int failed;
} run_t;

static void *runner(void *p)
{
    run_t *r = p;
    unsigned seed = (unsigned)r->thread * 7919u + 1;
    while (now() < r->until) {
        for (int k = 0; k < 16; k++) {
            seed = seed * 1103515245u + 12345u;
            if (r->op(r->thread, seed, r->ctx) != 0) {
                r->failed = 1;
                return NULL;
            }
            r->done++;
        }
    }
    return NULL;
}

static double measure(op_fn op, void *ctx, int nthreads, double seconds)
{
    pthread_t th[2];
    run_t r[2];
    double t0 = now();
    for (int i = 0; i < nthreads; i++) {
        r[i] = (run_t){ op, ctx, t0 + seconds, i, 0, 0 };
        if (pthread_create(&th[i], NULL, runner, &r[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(1);
        }
    }
    unsigned long total = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        if (r[i].failed) {
            fprintf(stderr, "an operation failed\n");
            exit(1);
        }
        total += r[i].done;
    }
    return (double)total / (now() - t0);
}

/* ---- through the store ---- */

static int store_put(int thread, unsigned i, void *ctx)
{
    (void)ctx;
    char key[32], value[32];
    /* Disjoint key ranges per thread: writers contend on the lock, not on CAS. */
    snprintf(key, sizeof key, "k%06u", (i % (NKEYS / 2)) + (unsigned)thread * (NKEYS / 2));
    snprintf(value, sizeof value, "user%u@example.com", i % 1000);
    seal_store_term_t term = { "member", value };
    return seal_store_put(bench_self, NULL, "bench", key, doc, sizeof doc - 1, SEAL_REV_ANY,
                          &term, 1, NULL) != SEAL_OK;
}

static int store_get(int thread, unsigned i, void *ctx)
{
    (void)thread; (void)ctx;
    char key[32];
    snprintf(key, sizeof key, "k%06u", i % NKEYS);
    char *json = NULL;
    size_t len;
    uint64_t rev;
    int rv = seal_store_get(bench_self, NULL, "bench", key, &json, &len, &rev);
    seal_free(json);
    return rv != SEAL_OK;
}

/* ---- raw SQLite baseline: one connection per thread, same pragmas ---- */

typedef struct raw {
    sqlite3 *db[2];
    sqlite3_stmt *put[2], *get[2];
} raw_t;

static int raw_put_key(raw_t *r, int thread, const char *key)
{
    sqlite3_stmt *s = r->put[thread];
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, doc, sizeof doc - 1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_BUSY)
        sqlite3_reset(s);
    sqlite3_reset(s);
    return rc != SQLITE_DONE;
}

static int raw_put(int thread, unsigned i, void *ctx)
{
    char key[32];
    snprintf(key, sizeof key, "k%06u", (i % (NKEYS / 2)) + (unsigned)thread * (NKEYS / 2));
    return raw_put_key(ctx, thread, key);
}

static int raw_get(int thread, unsigned i, void *ctx)
{
    raw_t *r = ctx;
    char key[32];
    snprintf(key, sizeof key, "k%06u", i % NKEYS);
    sqlite3_stmt *s = r->get[thread];
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        char *copy = malloc(n + 1);  /* what the store does for its caller */
        memcpy(copy, sqlite3_column_text(s, 0), n);
        free(copy);
        rc = SQLITE_DONE;
    }
    sqlite3_reset(s);
    return rc != SQLITE_DONE;
}

static void raw_open(raw_t *r, const char *path, const char *sync)
{
    for (int t = 0; t < 2; t++) {
        char pragmas[160];
        snprintf(pragmas, sizeof pragmas,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA busy_timeout=5000;"
                 "CREATE TABLE IF NOT EXISTS kv(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;",
                 sync);
        if (sqlite3_open(path, &r->db[t]) != SQLITE_OK ||
            sqlite3_exec(r->db[t], pragmas, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(r->db[t], "INSERT OR REPLACE INTO kv(k, v) VALUES(?1, ?2)", -1,
                               &r->put[t], NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(r->db[t], "SELECT v FROM kv WHERE k = ?1", -1, &r->get[t],
                               NULL) != SQLITE_OK) {
            fprintf(stderr, "raw sqlite: %s\n", sqlite3_errmsg(r->db[t]));
            exit(1);
        }
    }
}

static void raw_close(raw_t *r)
{
    for (int t = 0; t < 2; t++) {
        sqlite3_finalize(r->put[t]);
        sqlite3_finalize(r->get[t]);
        sqlite3_close(r->db[t]);
    }
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static seal_host_t *host_open(const char *path, const char *sync)
{
    const char *bd = getenv("top_builddir");
    char conf[1024];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": \"%s/plugins/stores/store_sqlite/.libs\","
             " \"plugins\": {\"store_sqlite\": {\"path\": \"%s\", \"synchronous\": \"%s\"}}}",
             bd && *bd ? bd : ".", path, sync);
    seal_host_t *host = seal_host_new();
    if (!host || seal_host_configure_string(host, conf, "bench.conf") != SEAL_OK ||
        seal_host_add_builtin(host, &b_desc, "storebench") != SEAL_OK ||
        seal_host_load(host) != SEAL_OK || seal_host_init(host) != SEAL_OK ||
        seal_host_start(host) != SEAL_OK || !bench_self) {
        fprintf(stderr, "cannot start the host (run from the build tree)\n");
        exit(1);
    }
    return host;
}

static void line(const char *what, int threads, double store, double raw)
{
    printf("%-14s %d thread%s  %10.0f ops/s   raw sqlite %10.0f ops/s   ratio %.2f\n", what,
           threads, threads > 1 ? "s" : " ", store, raw, raw > 0 ? store / raw : 0.0);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    const char *base = argc > 2 ? argv[2] : "/tmp";
    if (seconds <= 0)
        seconds = 1.0;
    char dir[256];
    snprintf(dir, sizeof dir, "%s/seal-bench-XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror(dir);
        return 1;
    }
    printf("store_sqlite, %zu-byte documents, %.1f s per case, in %s\n", sizeof doc - 1,
           seconds, dir);
    static const char *const syncs[] = { "full", "normal" };
    for (int k = 0; k < 2; k++) {
        char path[300], rawpath[300];
        snprintf(path, sizeof path, "%s/store-%s.db", dir, syncs[k]);
        snprintf(rawpath, sizeof rawpath, "%s/raw-%s.db", dir, syncs[k]);
        seal_host_t *host = host_open(path, syncs[k]);
        raw_t raw;
        raw_open(&raw, rawpath, syncs[k]);
        printf("synchronous=%s\n", syncs[k]);
        for (int threads = 1; threads <= 2; threads++) {
            double s = measure(store_put, NULL, threads, seconds);
            double r = measure(raw_put, &raw, threads, seconds);
            line("put", threads, s, r);
        }
        /* Fill every key so gets always hit: one transaction each. */
        seal_store_txn_t *txn;
        int bad = seal_store_txn_begin(bench_self, &txn) != SEAL_OK ||
                  sqlite3_exec(raw.db[0], "BEGIN", NULL, NULL, NULL) != SQLITE_OK;
        for (unsigned i = 0; !bad && i < NKEYS; i++) {
            char key[32];
            snprintf(key, sizeof key, "k%06u", i);
            bad = seal_store_put(bench_self, txn, "bench", key, doc, sizeof doc - 1,
                                 SEAL_REV_ANY, NULL, 0, NULL) != SEAL_OK ||
                  raw_put_key(&raw, 0, key);
        }
        if (bad || seal_store_txn_commit(txn) != SEAL_OK ||
            sqlite3_exec(raw.db[0], "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            fprintf(stderr, "fill failed\n");
            return 1;
        }
        for (int threads = 1; threads <= 2; threads++) {
            double s = measure(store_get, NULL, threads, seconds);
            double r = measure(raw_get, &raw, threads, seconds);
            line("get", threads, s, r);
        }
        raw_close(&raw);
        seal_host_shutdown(host);
        seal_host_free(host);
        bench_self = NULL;
    }
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}
