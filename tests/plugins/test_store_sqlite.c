/* SPDX-License-Identifier: Apache-2.0 */
/* store_sqlite through an in-process host: the seal/store.h contract as a
 * service sees it (revisions, compare-and-set, scans, lookups,
 * transactions), concurrency, durability and configuration errors. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include <seal/seal.h>
#include "host.h"

/* ---- the in-process host ---- */

/* The builtin plugin's handle, the "self" of the seal_store_* calls. Set by
 * its init; each test runs in its own process (Check's fork mode) or
 * resets it when it opens a host. */
static seal_plugin_t *test_self;

static seal_status_t t_init(seal_plugin_t *self)
{
    test_self = self;
    return SEAL_OK;
}

static seal_status_t t_start(seal_plugin_t *self) { (void)self; return SEAL_OK; }
static void t_stop(seal_plugin_t *self) { (void)self; }
static void t_fini(seal_plugin_t *self) { (void)self; }

static const seal_plugin_desc_t t_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "storetest",
    .version = "0",
    .description = "store_sqlite test consumer",
    .init = t_init,
    .start = t_start,
    .stop = t_stop,
    .fini = t_fini,
};

static char tmpdir[64];
static char dbpath[128];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/seal-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(dbpath, sizeof dbpath, "%s/t.db", tmpdir);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static void teardown(void)
{
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static const char *builddir(void)
{
    const char *b = getenv("top_builddir");
    return b && *b ? b : ".";
}

/* A host with store_sqlite on "path" plus the extra keys of its block
 * (e.g. ", \"synchronous\": \"normal\""). Returns the first failing phase's
 * status in *rv; the host is returned either way (free it). */
static seal_host_t *host_open_at(const char *path, const char *extra, seal_status_t *rv)
{
    char conf[1024];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": \"%s/plugins/stores/store_sqlite/.libs\", \"http\": {\"listen\": \"127.0.0.1:0\"},"
             " \"plugins\": {\"store_sqlite\": {\"path\": \"%s\"%s}}}",
             builddir(), path, extra ? extra : "");
    test_self = NULL;
    seal_host_t *host = seal_host_new();
    ck_assert_ptr_nonnull(host);
    *rv = seal_host_configure_string(host, conf, "test.conf");
    if (*rv == SEAL_OK)
        *rv = seal_host_add_builtin(host, &t_desc, "storetest");
    if (*rv == SEAL_OK)
        *rv = seal_host_load(host);
    if (*rv == SEAL_OK)
        *rv = seal_host_init(host);
    if (*rv == SEAL_OK)
        *rv = seal_host_start(host);
    return host;
}

static seal_host_t *host_open(const char *extra)
{
    seal_status_t rv;
    seal_host_t *host = host_open_at(dbpath, extra, &rv);
    ck_assert_msg(rv == SEAL_OK, "host start-up: %s", seal_strerror(rv));
    ck_assert_ptr_nonnull(test_self);
    return host;
}

static void host_close(seal_host_t *host)
{
    seal_host_shutdown(host);
    seal_host_free(host);
    test_self = NULL;
}

/* Runs fn with stderr (where the host logs) captured; returns the text. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
    char path[160];
    snprintf(path, sizeof path, "%s/stderr.txt", tmpdir);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(fd, 0);
    dup2(fd, 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t n = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)n + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(pread(fd, text, (size_t)n, 0), n);
    close(fd);
    /* CK_VERBOSITY=verbose shows the messages a user would see. */
    const char *v = getenv("CK_VERBOSITY");
    if (v && strcmp(v, "verbose") == 0)
        printf("captured: %s", text);
    return text;
}

/* ---- helpers ---- */

#define S(x) (x), strlen(x)

static uint64_t put(const char *ns, const char *key, const char *json, uint64_t expect,
                    seal_status_t want)
{
    uint64_t rev = 0;
    seal_status_t rv = seal_store_put(test_self, NULL, ns, key, S(json), expect, NULL, 0, &rev);
    ck_assert_msg(rv == want, "put %s/%s: got %d (%s), want %d", ns, key, rv,
                  seal_strerror(rv), want);
    return rev;
}

static void expect_doc(seal_store_txn_t *txn, const char *ns, const char *key,
                       const char *json, uint64_t rev)
{
    char *got = NULL;
    size_t len = 0;
    uint64_t got_rev = 0;
    seal_status_t rv = seal_store_get(test_self, txn, ns, key, &got, &len, &got_rev);
    ck_assert_msg(rv == SEAL_OK, "get %s/%s: %s", ns, key, seal_strerror(rv));
    ck_assert_uint_eq(len, strlen(json));
    ck_assert_str_eq(got, json);
    ck_assert_uint_eq(got_rev, rev);
    seal_free(got);
}

static void expect_absent(seal_store_txn_t *txn, const char *ns, const char *key)
{
    char *got = (char *)"x";
    size_t len = 0;
    uint64_t rev = 0;
    ck_assert_int_eq(seal_store_get(test_self, txn, ns, key, &got, &len, &rev), SEAL_E_NOTFOUND);
}

/* Collects the keys a scan or lookup visits, "|"-separated. */
typedef struct keys {
    char buf[1024];
    int count, stop_after;
} keys_t;

static int collect(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    keys_t *k = ctx;
    ck_assert_uint_eq(strlen(json), len);
    ck_assert_uint_ge(rev, 1);
    if (k->count++)
        strcat(k->buf, "|");
    strcat(k->buf, key);
    return k->stop_after && k->count >= k->stop_after;
}

static const char *scan(const char *ns, const char *prefix)
{
    static keys_t k;
    memset(&k, 0, sizeof k);
    ck_assert_int_eq(seal_store_scan(test_self, NULL, ns, prefix, collect, &k), SEAL_OK);
    return k.buf;
}

static const char *lookup(const char *ns, const char *index, const char *value)
{
    static keys_t k;
    memset(&k, 0, sizeof k);
    ck_assert_int_eq(seal_store_lookup(test_self, NULL, ns, index, value, collect, &k), SEAL_OK);
    return k.buf;
}

/* ---- documents and revisions ---- */

START_TEST(test_put_get_cas)
{
    seal_host_t *host = host_open(NULL);
    ck_assert_uint_eq(put("g", "doc1", "{\"v\":1}", SEAL_REV_ABSENT, SEAL_OK), 1);
    expect_doc(NULL, "g", "doc1", "{\"v\":1}", 1);
    /* Creating over a document. */
    put("g", "doc1", "{\"v\":9}", SEAL_REV_ABSENT, SEAL_E_EXISTS);
    /* Compare-and-set: the right revision wins, a stale one conflicts. */
    ck_assert_uint_eq(put("g", "doc1", "{\"v\":2}", 1, SEAL_OK), 2);
    put("g", "doc1", "{\"v\":9}", 1, SEAL_E_CONFLICT);
    put("g", "doc1", "{\"v\":9}", 7, SEAL_E_CONFLICT);
    expect_doc(NULL, "g", "doc1", "{\"v\":2}", 2);
    /* CAS on a missing document. */
    put("g", "nope", "{}", 1, SEAL_E_NOTFOUND);
    expect_absent(NULL, "g", "nope");
    /* Unconditional writes: replace (+1) or create (1). */
    ck_assert_uint_eq(put("g", "doc1", "{\"v\":3}", SEAL_REV_ANY, SEAL_OK), 3);
    ck_assert_uint_eq(put("g", "doc2", "[]", SEAL_REV_ANY, SEAL_OK), 1);
    expect_doc(NULL, "g", "doc1", "{\"v\":3}", 3);
    /* Namespaces are separate. */
    expect_absent(NULL, "other", "doc1");
    ck_assert_uint_eq(put("other", "doc1", "{}", SEAL_REV_ABSENT, SEAL_OK), 1);
    expect_doc(NULL, "g", "doc1", "{\"v\":3}", 3);
    /* The length given is what is stored, returned NUL-terminated. */
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "short", "{}xyz", 2, SEAL_REV_ANY,
                                    NULL, 0, NULL), SEAL_OK);
    expect_doc(NULL, "g", "short", "{}", 1);
    /* Revisions go on increasing. */
    uint64_t rev = 3;
    for (int i = 0; i < 20; i++)
        rev = put("g", "doc1", "{}", rev, SEAL_OK);
    ck_assert_uint_eq(rev, 23);
    expect_doc(NULL, "g", "doc1", "{}", 23);
    host_close(host);
}
END_TEST

START_TEST(test_bad_arguments)
{
    seal_host_t *host = host_open(NULL);
    seal_store_term_t bad_term = { "member", NULL };
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "k", S("{}"), SEAL_REV_ANY,
                                    &bad_term, 1, NULL), SEAL_E_INVAL);
    expect_absent(NULL, "g", "k");
    /* "Delete, expecting nothing there" is meaningless. */
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "k", SEAL_REV_ABSENT), SEAL_E_INVAL);
    host_close(host);
}
END_TEST

START_TEST(test_delete)
{
    seal_host_t *host = host_open(NULL);
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "a", SEAL_REV_ANY), SEAL_E_NOTFOUND);
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "a", 1), SEAL_E_NOTFOUND);
    put("g", "a", "{}", SEAL_REV_ABSENT, SEAL_OK);
    put("g", "a", "{}", 1, SEAL_OK);
    /* A stale revision keeps the document. */
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "a", 1), SEAL_E_CONFLICT);
    expect_doc(NULL, "g", "a", "{}", 2);
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "a", 2), SEAL_OK);
    expect_absent(NULL, "g", "a");
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "a", SEAL_REV_ANY), SEAL_E_NOTFOUND);
    /* A new document starts over at revision 1. */
    ck_assert_uint_eq(put("g", "a", "{}", SEAL_REV_ABSENT, SEAL_OK), 1);
    put("g", "a", "{}", SEAL_REV_ANY, SEAL_OK);
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "a", SEAL_REV_ANY), SEAL_OK);
    expect_absent(NULL, "g", "a");
    /* Only that namespace. */
    put("g", "b", "{}", SEAL_REV_ABSENT, SEAL_OK);
    put("h", "b", "{}", SEAL_REV_ABSENT, SEAL_OK);
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "h", "b", SEAL_REV_ANY), SEAL_OK);
    expect_doc(NULL, "g", "b", "{}", 1);
    host_close(host);
}
END_TEST

/* ---- scans ---- */

START_TEST(test_scan_prefix)
{
    seal_host_t *host = host_open(NULL);
    /* Inserted out of order; LIKE wildcards and 0xff bytes in keys. */
    static const char *const keys[] = {
        "b", "a_b", "a%", "ab", "a", "a%b", "a_", "abc", "a\xff", "a\xff\xff", "\xff",
        "\xff\xff", "aa", "A",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        put("s", keys[i], "{}", SEAL_REV_ABSENT, SEAL_OK);
    put("t", "a", "{}", SEAL_REV_ABSENT, SEAL_OK);
    put("t", "ab", "{}", SEAL_REV_ABSENT, SEAL_OK);

    /* Everything, in byte order. */
    ck_assert_str_eq(scan("s", ""),
                     "A|a|a%|a%b|a_|a_b|aa|ab|abc|a\xff|a\xff\xff|b|\xff|\xff\xff");
    ck_assert_str_eq(scan("s", NULL),
                     "A|a|a%|a%b|a_|a_b|aa|ab|abc|a\xff|a\xff\xff|b|\xff|\xff\xff");
    /* '%' and '_' are literal. */
    ck_assert_str_eq(scan("s", "a%"), "a%|a%b");
    ck_assert_str_eq(scan("s", "a_"), "a_|a_b");
    ck_assert_str_eq(scan("s", "a"), "a|a%|a%b|a_|a_b|aa|ab|abc|a\xff|a\xff\xff");
    ck_assert_str_eq(scan("s", "ab"), "ab|abc");
    ck_assert_str_eq(scan("s", "abc"), "abc");
    ck_assert_str_eq(scan("s", "abcd"), "");
    ck_assert_str_eq(scan("s", "z"), "");
    /* Case matters. */
    ck_assert_str_eq(scan("s", "A"), "A");
    /* Prefixes ending in 0xff bytes, which have no simple successor. */
    ck_assert_str_eq(scan("s", "a\xff"), "a\xff|a\xff\xff");
    ck_assert_str_eq(scan("s", "a\xff\xff"), "a\xff\xff");
    ck_assert_str_eq(scan("s", "\xff"), "\xff|\xff\xff");
    ck_assert_str_eq(scan("s", "\xff\xff"), "\xff\xff");
    ck_assert_str_eq(scan("s", "\xff\xff\xff"), "");
    /* Other namespaces stay out. */
    ck_assert_str_eq(scan("t", ""), "a|ab");
    ck_assert_str_eq(scan("none", ""), "");

    /* The callback stops the scan. */
    keys_t k;
    memset(&k, 0, sizeof k);
    k.stop_after = 2;
    ck_assert_int_eq(seal_store_scan(test_self, NULL, "s", "a", collect, &k), SEAL_OK);
    ck_assert_str_eq(k.buf, "a|a%");
    host_close(host);
}
END_TEST

/* A scan callback calling back into the store, with and without the
 * transaction the scan runs in. */
typedef struct nested {
    seal_store_txn_t *txn;
    int docs, inner;
} nested_t;

static int count_cb(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    (void)key; (void)json; (void)len; (void)rev;
    ++*(int *)ctx;
    return 0;
}

static int nested_cb(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    nested_t *n = ctx;
    (void)json; (void)len;
    n->docs++;
    uint64_t got = 0;
    char *doc = NULL;
    ck_assert_int_eq(seal_store_get(test_self, n->txn, "n", key, &doc, NULL, &got), SEAL_OK);
    ck_assert_uint_eq(got, rev);
    seal_free(doc);
    ck_assert_int_eq(seal_store_scan(test_self, n->txn, "n", "", count_cb, &n->inner), SEAL_OK);
    return 0;
}

START_TEST(test_scan_reentrant)
{
    seal_host_t *host = host_open(NULL);
    put("n", "1", "{}", SEAL_REV_ABSENT, SEAL_OK);
    put("n", "2", "{}", SEAL_REV_ABSENT, SEAL_OK);
    put("n", "3", "{}", SEAL_REV_ABSENT, SEAL_OK);
    nested_t n = { NULL, 0, 0 };
    ck_assert_int_eq(seal_store_scan(test_self, NULL, "n", "", nested_cb, &n), SEAL_OK);
    ck_assert_int_eq(n.docs, 3);
    ck_assert_int_eq(n.inner, 9);
    memset(&n, 0, sizeof n);
    ck_assert_int_eq(seal_store_txn_begin(test_self, &n.txn), SEAL_OK);
    ck_assert_int_eq(seal_store_scan(test_self, n.txn, "n", "", nested_cb, &n), SEAL_OK);
    ck_assert_int_eq(seal_store_txn_commit(n.txn), SEAL_OK);
    ck_assert_int_eq(n.docs, 3);
    ck_assert_int_eq(n.inner, 9);
    host_close(host);
}
END_TEST

/* ---- lookups by term ---- */

START_TEST(test_lookup_terms)
{
    seal_host_t *host = host_open(NULL);
    seal_store_term_t t1[] = { { "member", "alice" }, { "member", "bob" }, { "owner", "alice" },
                               { "member", "alice" } /* twice: found once */ };
    seal_store_term_t t2[] = { { "member", "alice" } };
    seal_store_term_t t3[] = { { "member", "carol" } };
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc2", S("{}"), SEAL_REV_ABSENT,
                                    t2, 1, NULL), SEAL_OK);
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc1", S("{}"), SEAL_REV_ABSENT,
                                    t1, 4, NULL), SEAL_OK);
    ck_assert_int_eq(seal_store_put(test_self, NULL, "h", "doc0", S("{}"), SEAL_REV_ABSENT,
                                    t2, 1, NULL), SEAL_OK);
    /* Key order, per namespace, per index. */
    ck_assert_str_eq(lookup("g", "member", "alice"), "doc1|doc2");
    ck_assert_str_eq(lookup("g", "member", "bob"), "doc1");
    ck_assert_str_eq(lookup("g", "owner", "alice"), "doc1");
    ck_assert_str_eq(lookup("g", "owner", "bob"), "");
    ck_assert_str_eq(lookup("g", "member", "alic"), "");
    ck_assert_str_eq(lookup("h", "member", "alice"), "doc0");

    /* A failed CAS leaves the terms alone. */
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc1", S("{}"), 5, t3, 1, NULL),
                     SEAL_E_CONFLICT);
    ck_assert_str_eq(lookup("g", "member", "bob"), "doc1");
    /* A put replaces all the document's terms: kept, dropped and added ones. */
    seal_store_term_t t4[] = { { "owner", "alice" }, { "member", "dave" },
                               { "member", "alice" }, { "member", "dave" } };
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc1", S("{}"), 1, t4, 4, NULL),
                     SEAL_OK);
    ck_assert_str_eq(lookup("g", "member", "alice"), "doc1|doc2");
    ck_assert_str_eq(lookup("g", "member", "bob"), "");
    ck_assert_str_eq(lookup("g", "member", "dave"), "doc1");
    ck_assert_str_eq(lookup("g", "owner", "alice"), "doc1");
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc1", S("{}"), 2, t4, 4, NULL),
                     SEAL_OK);
    ck_assert_str_eq(lookup("g", "member", "dave"), "doc1");
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc1", S("{}"), 3, t3, 1, NULL),
                     SEAL_OK);
    ck_assert_str_eq(lookup("g", "member", "alice"), "doc2");
    ck_assert_str_eq(lookup("g", "member", "bob"), "");
    ck_assert_str_eq(lookup("g", "owner", "alice"), "");
    ck_assert_str_eq(lookup("g", "member", "carol"), "doc1");
    /* ... also with none. */
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc1", S("{}"), SEAL_REV_ANY,
                                    NULL, 0, NULL), SEAL_OK);
    ck_assert_str_eq(lookup("g", "member", "carol"), "");
    /* A delete removes them. */
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "doc2", SEAL_REV_ANY), SEAL_OK);
    ck_assert_str_eq(lookup("g", "member", "alice"), "");
    ck_assert_str_eq(lookup("h", "member", "alice"), "doc0");
    /* A re-created document does not inherit terms. */
    put("g", "doc2", "{}", SEAL_REV_ABSENT, SEAL_OK);
    ck_assert_str_eq(lookup("g", "member", "alice"), "");
    host_close(host);
}
END_TEST

/* ---- transactions ---- */

START_TEST(test_txn_commit)
{
    seal_host_t *host = host_open(NULL);
    put("g", "old", "{\"o\":1}", SEAL_REV_ABSENT, SEAL_OK);
    expect_doc(NULL, "g", "old", "{\"o\":1}", 1);   /* now in the read cache */
    seal_store_txn_t *txn = NULL;
    ck_assert_int_eq(seal_store_txn_begin(test_self, &txn), SEAL_OK);
    ck_assert_ptr_nonnull(txn);
    seal_store_term_t term = { "member", "alice" };
    for (int i = 0; i < 3; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%d", i);
        ck_assert_int_eq(seal_store_put(test_self, txn, "g", key, S("{}"), SEAL_REV_ABSENT,
                                        &term, 1, NULL), SEAL_OK);
    }
    uint64_t rev = 0;
    ck_assert_int_eq(seal_store_put(test_self, txn, "g", "old", S("{\"o\":2}"), 1, NULL, 0, &rev),
                     SEAL_OK);
    ck_assert_uint_eq(rev, 2);
    /* A failed write in a transaction fails alone. */
    ck_assert_int_eq(seal_store_put(test_self, txn, "g", "k0", S("{}"), SEAL_REV_ABSENT,
                                    NULL, 0, NULL), SEAL_E_EXISTS);
    /* The transaction sees its own writes; nobody else does yet. */
    expect_doc(txn, "g", "old", "{\"o\":2}", 2);
    expect_doc(NULL, "g", "old", "{\"o\":1}", 1);
    expect_absent(NULL, "g", "k1");
    keys_t k;
    memset(&k, 0, sizeof k);
    ck_assert_int_eq(seal_store_lookup(test_self, txn, "g", "member", "alice", collect, &k),
                     SEAL_OK);
    ck_assert_str_eq(k.buf, "k0|k1|k2");
    ck_assert_int_eq(seal_store_txn_commit(txn), SEAL_OK);
    /* All of it is visible. */
    ck_assert_str_eq(scan("g", "k"), "k0|k1|k2");
    ck_assert_str_eq(lookup("g", "member", "alice"), "k0|k1|k2");
    expect_doc(NULL, "g", "old", "{\"o\":2}", 2);
    expect_doc(NULL, "g", "k1", "{}", 1);
    host_close(host);
}
END_TEST

START_TEST(test_txn_abort)
{
    seal_host_t *host = host_open(NULL);
    seal_store_term_t term = { "member", "alice" };
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "keep", S("{\"k\":1}"),
                                    SEAL_REV_ABSENT, &term, 1, NULL), SEAL_OK);
    expect_doc(NULL, "g", "keep", "{\"k\":1}", 1);   /* now in the read cache */
    seal_store_txn_t *txn = NULL;
    ck_assert_int_eq(seal_store_txn_begin(test_self, &txn), SEAL_OK);
    ck_assert_int_eq(seal_store_put(test_self, txn, "g", "new", S("{}"), SEAL_REV_ABSENT,
                                    &term, 1, NULL), SEAL_OK);
    ck_assert_int_eq(seal_store_put(test_self, txn, "g", "keep", S("{\"k\":2}"), 1,
                                    NULL, 0, NULL), SEAL_OK);
    ck_assert_int_eq(seal_store_delete(test_self, txn, "g", "keep", SEAL_REV_ANY), SEAL_OK);
    expect_absent(txn, "g", "keep");
    expect_doc(NULL, "g", "keep", "{\"k\":1}", 1);
    seal_store_txn_abort(txn);
    /* None of it happened. */
    expect_absent(NULL, "g", "new");
    expect_doc(NULL, "g", "keep", "{\"k\":1}", 1);
    ck_assert_str_eq(lookup("g", "member", "alice"), "keep");
    /* The store goes on working (the connection went back clean). */
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(seal_store_txn_begin(test_self, &txn), SEAL_OK);
        ck_assert_int_eq(seal_store_put(test_self, txn, "g", "loop", S("{}"), SEAL_REV_ANY,
                                        NULL, 0, NULL), SEAL_OK);
        if (i % 2)
            seal_store_txn_abort(txn);
        else
            ck_assert_int_eq(seal_store_txn_commit(txn), SEAL_OK);
    }
    expect_doc(NULL, "g", "loop", "{}", 20);
    host_close(host);
}
END_TEST

/* A transaction holds the write lock: another writer waits busy_timeout_ms
 * and gets SEAL_E_AGAIN, a reader is not blocked. */
static void *other_writer(void *arg)
{
    seal_status_t *rv = arg;
    *rv = seal_store_put(test_self, NULL, "g", "other", S("{}"), SEAL_REV_ANY, NULL, 0, NULL);
    return NULL;
}

START_TEST(test_txn_busy)
{
    seal_host_t *host = host_open(", \"busy_timeout_ms\": 200");
    put("g", "r", "{}", SEAL_REV_ABSENT, SEAL_OK);
    seal_store_txn_t *txn = NULL;
    ck_assert_int_eq(seal_store_txn_begin(test_self, &txn), SEAL_OK);
    ck_assert_int_eq(seal_store_put(test_self, txn, "g", "r", S("{\"in\":1}"), SEAL_REV_ANY,
                                    NULL, 0, NULL), SEAL_OK);
    seal_status_t other = SEAL_OK;
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, other_writer, &other), 0);
    pthread_join(th, NULL);
    ck_assert_int_eq(other, SEAL_E_AGAIN);
    /* The same thread writing outside its transaction does not hang either. */
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "x", S("{}"), SEAL_REV_ANY, NULL, 0,
                                    NULL), SEAL_E_AGAIN);
    /* Readers see the last committed state meanwhile. */
    expect_doc(NULL, "g", "r", "{}", 1);
    ck_assert_int_eq(seal_store_txn_commit(txn), SEAL_OK);
    expect_doc(NULL, "g", "r", "{\"in\":1}", 2);
    expect_absent(NULL, "g", "other");
    host_close(host);
}
END_TEST

/* ---- concurrency ---- */

#define N_THREADS 4
#define N_INCR 500

typedef struct counter_arg {
    int conflicts, retries_again;
    seal_status_t failed;
} counter_arg_t;

static void *incrementer(void *p)
{
    counter_arg_t *a = p;
    for (int i = 0; i < N_INCR; i++) {
        for (;;) {
            char *json = NULL;
            size_t len;
            uint64_t rev;
            seal_status_t rv = seal_store_get(test_self, NULL, "c", "counter", &json, &len, &rev);
            if (rv != SEAL_OK) {
                a->failed = rv;
                return NULL;
            }
            long n = strtol(json + strlen("{\"n\":"), NULL, 10);
            seal_free(json);
            char next[32];
            snprintf(next, sizeof next, "{\"n\":%ld}", n + 1);
            rv = seal_store_put(test_self, NULL, "c", "counter", S(next), rev, NULL, 0, NULL);
            if (rv == SEAL_OK)
                break;
            if (rv == SEAL_E_CONFLICT) {
                a->conflicts++;
            } else if (rv == SEAL_E_AGAIN) {
                a->retries_again++;
            } else {
                a->failed = rv;
                return NULL;
            }
        }
    }
    return NULL;
}

START_TEST(test_concurrent_cas)
{
    /* "normal" keeps this fast on slow disks; it changes durability only. */
    seal_host_t *host = host_open(", \"synchronous\": \"normal\"");
    put("c", "counter", "{\"n\":0}", SEAL_REV_ABSENT, SEAL_OK);
    pthread_t th[N_THREADS];
    counter_arg_t args[N_THREADS];
    memset(args, 0, sizeof args);
    for (int i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, incrementer, &args[i]), 0);
    int conflicts = 0;
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(args[i].failed == SEAL_OK, "thread %d: %s", i,
                      seal_strerror(args[i].failed));
        conflicts += args[i].conflicts;
    }
    /* No lost update: every increment landed exactly once. */
    char want[32];
    snprintf(want, sizeof want, "{\"n\":%d}", N_THREADS * N_INCR);
    expect_doc(NULL, "c", "counter", want, 1 + N_THREADS * N_INCR);
    fprintf(stderr, "concurrent CAS: %d conflicts retried\n", conflicts);
    host_close(host);
}
END_TEST

/* ---- the read cache ---- */

static void raw_exec(const char *sql)
{
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* The cache answers repeated reads: a change made behind the store's back
 * (which a served database never gets, see test_one_seald_per_database) is
 * not seen until the store itself writes the key; with cache_bytes 0 it is
 * seen at once. */
START_TEST(test_cache_serves_reads)
{
    seal_host_t *host = host_open(NULL);
    put("g", "doc", "{\"v\":1}", SEAL_REV_ABSENT, SEAL_OK);
    expect_doc(NULL, "g", "doc", "{\"v\":1}", 1);
    raw_exec("UPDATE docs SET json = '{\"v\":\"raw\"}' WHERE key = 'doc'");
    expect_doc(NULL, "g", "doc", "{\"v\":1}", 1);
    put("g", "doc", "{\"v\":2}", 1, SEAL_OK);
    expect_doc(NULL, "g", "doc", "{\"v\":2}", 2);
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "doc", 2), SEAL_OK);
    expect_absent(NULL, "g", "doc");
    host_close(host);

    host = host_open(", \"cache_bytes\": 0");
    put("g", "doc", "{\"v\":1}", SEAL_REV_ABSENT, SEAL_OK);
    expect_doc(NULL, "g", "doc", "{\"v\":1}", 1);
    raw_exec("UPDATE docs SET json = '{\"v\":\"raw\"}' WHERE key = 'doc'");
    expect_doc(NULL, "g", "doc", "{\"v\":\"raw\"}", 1);
    host_close(host);
}
END_TEST

/* A small cache evicts, and what it keeps is still right. */
START_TEST(test_cache_eviction)
{
    seal_host_t *host = host_open(", \"cache_bytes\": 4096");
    char key[16], doc[64];
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 200; i++) {
            snprintf(key, sizeof key, "k%03d", i);
            snprintf(doc, sizeof doc, "{\"i\":%d,\"round\":%d}", i, round);
            put("g", key, doc, round ? (uint64_t)round : SEAL_REV_ABSENT, SEAL_OK);
            expect_doc(NULL, "g", key, doc, (uint64_t)round + 1);
        }
    for (int i = 199; i >= 0; i--) {
        snprintf(key, sizeof key, "k%03d", i);
        snprintf(doc, sizeof doc, "{\"i\":%d,\"round\":2}", i);
        expect_doc(NULL, "g", key, doc, 3);
    }
    host_close(host);
}
END_TEST

/* Readers racing a writer (plain writes, transactions committed and
 * aborted): a read that starts after a write returned sees that write or a
 * later one, never an older value, and the text always matches the
 * revision. A stale cache entry breaks the first, a torn one the second. */
#define LIN_WRITES 1500
#define LIN_READERS 3

static uint64_t lin_done;   /* the last revision whose write returned */
static int lin_stop;

static void *lin_reader(void *arg)
{
    long *bad = arg;
    uint64_t last = 0;
    while (!__atomic_load_n(&lin_stop, __ATOMIC_ACQUIRE)) {
        uint64_t floor = __atomic_load_n(&lin_done, __ATOMIC_ACQUIRE);
        char *json = NULL;
        size_t len = 0;
        uint64_t rev = 0;
        if (seal_store_get(test_self, NULL, "g", "hot", &json, &len, &rev) != SEAL_OK) {
            (*bad)++;
            continue;
        }
        char want[48];
        snprintf(want, sizeof want, "{\"rev\":%" PRIu64 "}", rev);
        if (rev < floor || rev < last || strcmp(json, want) != 0 || len != strlen(want))
            (*bad)++;
        last = rev;
        seal_free(json);
    }
    return NULL;
}

START_TEST(test_cache_linearizable)
{
    seal_host_t *host = host_open(", \"synchronous\": \"normal\"");
    put("g", "hot", "{\"rev\":1}", SEAL_REV_ABSENT, SEAL_OK);
    __atomic_store_n(&lin_done, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&lin_stop, 0, __ATOMIC_RELEASE);
    pthread_t th[LIN_READERS];
    long bad[LIN_READERS] = { 0 };
    for (int i = 0; i < LIN_READERS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, lin_reader, &bad[i]), 0);
    uint64_t rev = 1;
    char doc[48];
    for (int i = 0; i < LIN_WRITES; i++) {
        snprintf(doc, sizeof doc, "{\"rev\":%" PRIu64 "}", rev + 1);
        if (i % 3 == 0) {
            put("g", "hot", doc, rev, SEAL_OK);
            rev++;
        } else {
            seal_store_txn_t *txn = NULL;
            ck_assert_int_eq(seal_store_txn_begin(test_self, &txn), SEAL_OK);
            ck_assert_int_eq(seal_store_put(test_self, txn, "g", "hot", S(doc), rev, NULL, 0,
                                            NULL), SEAL_OK);
            if (i % 3 == 1) {
                ck_assert_int_eq(seal_store_txn_commit(txn), SEAL_OK);
                rev++;
            } else {
                seal_store_txn_abort(txn);
            }
        }
        __atomic_store_n(&lin_done, rev, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&lin_stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < LIN_READERS; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(bad[i] == 0, "reader %d saw %ld stale or torn documents", i, bad[i]);
    }
    snprintf(doc, sizeof doc, "{\"rev\":%" PRIu64 "}", rev);
    expect_doc(NULL, "g", "hot", doc, rev);
    host_close(host);
}
END_TEST

/* A second server on the same database is refused at start, with a reason;
 * --check-config (init without start) is not. */
static seal_status_t second_rv;

static void open_second(void *arg)
{
    (void)arg;
    seal_host_t *h = host_open_at(dbpath, NULL, &second_rv);
    seal_host_shutdown(h);
    seal_host_free(h);
}

START_TEST(test_one_seald_per_database)
{
    seal_host_t *host = host_open(NULL);
    seal_plugin_t *first = test_self;
    char *log = capture_stderr(open_second, NULL);
    ck_assert_int_eq(second_rv, SEAL_E_AGAIN);
    ck_assert_msg(strstr(log, "is in use by another process") && strstr(log, dbpath),
                  "<<%s>>", log);
    free(log);
    /* init alone (what --check-config runs) works beside it */
    seal_host_t *h = seal_host_new();
    char conf[1024];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": \"%s/plugins/stores/store_sqlite/.libs\","
             " \"plugins\": {\"store_sqlite\": {\"path\": \"%s\"}}}", builddir(), dbpath);
    ck_assert_int_eq(seal_host_configure_string(h, conf, "check.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_load(h), SEAL_OK);
    ck_assert_int_eq(seal_host_init(h), SEAL_OK);
    seal_host_free(h);
    /* The first one is unharmed, and once it is gone the file is free. */
    test_self = first;
    put("g", "after", "{}", SEAL_REV_ABSENT, SEAL_OK);
    host_close(host);
    host = host_open(NULL);
    expect_doc(NULL, "g", "after", "{}", 1);
    host_close(host);
}
END_TEST

/* ---- durability ---- */

START_TEST(test_reopen)
{
    seal_host_t *host = host_open(NULL);
    seal_store_term_t term = { "member", "alice" };
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc", S("{\"a\":1}"),
                                    SEAL_REV_ABSENT, &term, 1, NULL), SEAL_OK);
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc", S("{\"a\":2}"), 1,
                                    &term, 1, NULL), SEAL_OK);
    host_close(host);

    host = host_open(NULL);
    expect_doc(NULL, "g", "doc", "{\"a\":2}", 2);
    ck_assert_str_eq(lookup("g", "member", "alice"), "doc");
    /* Revisions go on from where they were. */
    ck_assert_uint_eq(put("g", "doc", "{}", 2, SEAL_OK), 3);
    host_close(host);
}
END_TEST

/* A write that returned SEAL_OK survives the process being killed at once. */
START_TEST(test_kill9)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        seal_status_t rv;
        host_open_at(dbpath, NULL, &rv);
        if (rv != SEAL_OK || !test_self)
            _exit(2);
        for (int i = 0; i < 10; i++) {
            char key[8];
            snprintf(key, sizeof key, "k%d", i);
            if (seal_store_put(test_self, NULL, "g", key, S("{}"), SEAL_REV_ABSENT,
                               NULL, 0, NULL) != SEAL_OK)
                _exit(3);
        }
        seal_store_txn_t *txn;
        if (seal_store_txn_begin(test_self, &txn) != SEAL_OK ||
            seal_store_put(test_self, txn, "g", "t", S("{}"), SEAL_REV_ABSENT, NULL, 0,
                           NULL) != SEAL_OK ||
            seal_store_txn_commit(txn) != SEAL_OK)
            _exit(4);
        /* Left open on purpose: must not be seen. */
        if (seal_store_txn_begin(test_self, &txn) != SEAL_OK ||
            seal_store_put(test_self, txn, "g", "uncommitted", S("{}"), SEAL_REV_ABSENT, NULL,
                           0, NULL) != SEAL_OK)
            _exit(5);
        raise(SIGKILL);
        _exit(6);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "child did not reach the kill (exit %d)", WEXITSTATUS(status));
    seal_host_t *host = host_open(NULL);
    ck_assert_str_eq(scan("g", ""), "k0|k1|k2|k3|k4|k5|k6|k7|k8|k9|t");
    host_close(host);
}
END_TEST

/* ---- configuration ---- */

static seal_status_t open_rv;

static void open_bad(void *path)
{
    seal_host_free(host_open_at(path, NULL, &open_rv));
}

START_TEST(test_bad_path)
{
    char path[200];
    snprintf(path, sizeof path, "%s/missing-dir/t.db", tmpdir);
    char *log = capture_stderr(open_bad, path);
    ck_assert_int_ne(open_rv, SEAL_OK);
    ck_assert_msg(strstr(log, path) != NULL, "the error names the path: <<%s>>", log);
    ck_assert_msg(strstr(log, "does not exist") != NULL, "the error says why: <<%s>>", log);
    free(log);
    /* A directory where the file should be. */
    log = capture_stderr(open_bad, tmpdir);
    ck_assert_int_ne(open_rv, SEAL_OK);
    ck_assert_msg(strstr(log, tmpdir) != NULL, "the error names the path: <<%s>>", log);
    free(log);
}
END_TEST

START_TEST(test_not_a_database)
{
    FILE *f = fopen(dbpath, "w");
    ck_assert_ptr_nonnull(f);
    fputs("this is not an SQLite database, just some text long enough to have a header page"
          " .................................................................................",
          f);
    fclose(f);
    char *log = capture_stderr(open_bad, dbpath);
    ck_assert_int_ne(open_rv, SEAL_OK);
    ck_assert_msg(strstr(log, dbpath) != NULL, "the error names the path: <<%s>>", log);
    ck_assert_msg(strstr(log, "not an SQLite database") != NULL, "the error says why: <<%s>>",
                  log);
    free(log);
}
END_TEST

static const char *bad_extra;

static void open_bad_conf(void *arg)
{
    (void)arg;
    seal_host_free(host_open_at(dbpath, bad_extra, &open_rv));
}

START_TEST(test_bad_conf)
{
    static const struct { const char *extra, *needle; } cases[] = {
        { ", \"synchronous\": \"sometimes\"", "synchronous" },
        { ", \"synchronous\": 1", "synchronous" },
        { ", \"busy_timeout_ms\": -1", "busy_timeout_ms" },
        { ", \"busy_timeout_ms\": \"5s\"", "busy_timeout_ms" },
        { ", \"pathh\": \"/tmp/x\"", "pathh" },   /* a typo is not ignored */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad_extra = cases[i].extra;
        char *log = capture_stderr(open_bad_conf, NULL);
        ck_assert_msg(open_rv != SEAL_OK, "accepted %s", cases[i].extra);
        ck_assert_msg(strstr(log, cases[i].needle) != NULL, "%s: <<%s>>", cases[i].extra, log);
        free(log);
    }
    /* In-memory databases would differ per pooled connection. */
    char *log = capture_stderr(open_bad, (void *)":memory:");
    ck_assert_int_ne(open_rv, SEAL_OK);
    ck_assert_msg(strstr(log, ":memory:") != NULL, "<<%s>>", log);
    free(log);
    /* The accepted values are accepted. */
    seal_host_t *host = host_open(", \"synchronous\": \"normal\", \"busy_timeout_ms\": 0");
    put("g", "x", "{}", SEAL_REV_ABSENT, SEAL_OK);
    host_close(host);
}
END_TEST

/* A database written by a newer store_sqlite is refused, not misread. */
START_TEST(test_schema_version)
{
    seal_host_t *host = host_open(NULL);
    host_close(host);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "UPDATE seal_schema SET version = 99", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    char *log = capture_stderr(open_bad, dbpath);
    ck_assert_int_ne(open_rv, SEAL_OK);
    ck_assert_msg(strstr(log, "schema version 99") != NULL, "<<%s>>", log);
    free(log);
}
END_TEST

/* Terms orphaned by a delete made outside the store, with foreign keys off
 * (sqlite3's default), are not inherited by a re-created document. */
START_TEST(test_orphan_terms)
{
    seal_host_t *host = host_open(NULL);
    seal_store_term_t old_term = { "member", "alice" }, new_term = { "member", "bob" };
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc", S("{}"), SEAL_REV_ABSENT,
                                    &old_term, 1, NULL), SEAL_OK);
    host_close(host);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM docs", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    host = host_open(NULL);
    ck_assert_str_eq(lookup("g", "member", "alice"), "");
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc", S("{}"), SEAL_REV_ABSENT,
                                    &new_term, 1, NULL), SEAL_OK);
    ck_assert_str_eq(lookup("g", "member", "alice"), "");
    ck_assert_str_eq(lookup("g", "member", "bob"), "doc");
    /* And re-creating it with the orphaned term itself works. */
    ck_assert_int_eq(seal_store_delete(test_self, NULL, "g", "doc", SEAL_REV_ANY), SEAL_OK);
    ck_assert_int_eq(seal_store_put(test_self, NULL, "g", "doc", S("{}"), SEAL_REV_ABSENT,
                                    &old_term, 1, NULL), SEAL_OK);
    ck_assert_str_eq(lookup("g", "member", "alice"), "doc");
    host_close(host);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store_sqlite");
    TCase *tc = tcase_create("contract");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_put_get_cas);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_delete);
    tcase_add_test(tc, test_scan_prefix);
    tcase_add_test(tc, test_scan_reentrant);
    tcase_add_test(tc, test_lookup_terms);
    tcase_add_test(tc, test_txn_commit);
    tcase_add_test(tc, test_txn_abort);
    tcase_add_test(tc, test_txn_busy);
    tcase_add_test(tc, test_concurrent_cas);
    tcase_add_test(tc, test_cache_serves_reads);
    tcase_add_test(tc, test_cache_eviction);
    tcase_add_test(tc, test_cache_linearizable);
    tcase_add_test(tc, test_one_seald_per_database);
    tcase_add_test(tc, test_reopen);
    tcase_add_test(tc, test_kill9);
    suite_add_tcase(s, tc);

    TCase *conf = tcase_create("config");
    tcase_add_checked_fixture(conf, setup, teardown);
    tcase_add_test(conf, test_bad_path);
    tcase_add_test(conf, test_not_a_database);
    tcase_add_test(conf, test_bad_conf);
    tcase_add_test(conf, test_schema_version);
    tcase_add_test(conf, test_orphan_terms);
    suite_add_tcase(s, conf);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
