/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for core/conf.c: any bytes through seal_conf_doc_parse, then
 * every getter over the tree, seal_conf_unread, free.
 *
 * Includes are fuzzed too, but only against a private directory of small
 * files: the target is linked with -Wl,--wrap=glob, and __wrap_glob lets a
 * pattern reach glob(3) only when it names files directly in that
 * directory, so no input makes the fuzzer read the real file system. */
#include <glob.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conf-private.h"
#include "host-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __real_glob(const char *pattern, int flags, int (*errfunc)(const char *, int),
                glob_t *pglob);
int __wrap_glob(const char *pattern, int flags, int (*errfunc)(const char *, int),
                glob_t *pglob);

static char dir[64];
static char label[96];

/* What an include glob may find: merges, a plugin given twice, a foreign
 * key, a syntax error, an empty file. */
static const struct { const char *name, *text; } files[] = {
    { "a.conf", "{\"plugins\": {\"x\": {\"k\": 1, \"l\": [1, \"s\", {\"m\": null}]}}}" },
    { "b.conf", "// b\n{\"plugins\": {\"y\": {}, \"z\": {\"t\": true}}}" },
    { "dup.conf", "{\"plugins\": {\"x\": {}}}" },
    { "foreign.conf", "{\"plugins\": {}, \"http\": {}}" },
    { "broken.conf", "{\"plugins\": {\n" },
    { "empty.conf", "" },
};

static void cleanup(void)
{
    char p[160];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i].name);
        unlink(p);
    }
    rmdir(dir);
}

static void setup_once(void)
{
    static bool done;
    if (done) return;
    done = true;
    /* Messages are formatted and written, to /dev/null. */
    seal_log_open("/dev/null", SEAL_LOG_DEBUG);
    snprintf(dir, sizeof dir, "/tmp/fuzz_conf.XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(1); }
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s/%s", dir, files[i].name);
        FILE *f = fopen(p, "w");
        if (!f) { perror(p); exit(1); }
        fputs(files[i].text, f);
        fclose(f);
    }
    atexit(cleanup);
    /* Relative include patterns resolve next to the "main file". */
    snprintf(label, sizeof label, "%s/fuzz", dir);
}

int __wrap_glob(const char *pattern, int flags, int (*errfunc)(const char *, int),
                glob_t *pglob)
{
    size_t n = strlen(dir);
    if (strncmp(pattern, dir, n) != 0 || pattern[n] != '/' || strchr(pattern + n + 1, '/')) {
        pglob->gl_pathc = 0;
        pglob->gl_pathv = NULL;
        return GLOB_NOMATCH;
    }
    return __real_glob(pattern, flags, errfunc, pglob);
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_conf: broken invariant: %s\n", what);
        abort();
    }
}

/* Reads what the mask lets it read, so that unread keys remain to be
 * found; mask 0 reads everything. */
static void walk(const seal_conf_t *node, unsigned mask, int depth)
{
    check(depth < 100, "depth");
    check(seal_conf_file(node) && seal_conf_path(node)[0] == '$', "path");
    unsigned sub = mask ? mask * 7 + 3 : 0;
    switch (seal_conf_type(node)) {
    case SEAL_CONF_OBJECT: {
        const seal_conf_t *v;
        const char *k;
        for (size_t i = 0; (k = seal_conf_key_at(node, i, &v)); i++) {
            if ((mask >> (i % 8)) & 1) continue;
            const char *s;
            int64_t n;
            bool b;
            double d;
            seal_conf_type_t t = seal_conf_type(v);
            check(seal_conf_get(node, k) == v, "get(key_at) is the same node");
            seal_status_t st = seal_conf_string(node, k, NULL, &s);
            check(st != SEAL_OK ? t != SEAL_CONF_STRING || s == NULL
                                : t == SEAL_CONF_STRING && s == seal_conf_as_string(v),
                  "string getter");
            st = seal_conf_int(node, k, 0, -1000, 1000, &n);
            check(st != SEAL_OK ? n == 0 : t == SEAL_CONF_INT && n >= -1000 && n <= 1000,
                  "int getter");
            st = seal_conf_bool(node, k, false, &b);
            check((st == SEAL_OK) == (t == SEAL_CONF_BOOL), "bool getter");
            st = seal_conf_double(node, k, 0, &d);
            check(st != SEAL_OK || t == SEAL_CONF_INT || t == SEAL_CONF_DOUBLE,
                  "double getter");
            walk(v, sub, depth + 1);
        }
        check(seal_conf_array_len(node) == 0 && !seal_conf_array_at(node, 0), "no array");
        break;
    }
    case SEAL_CONF_ARRAY:
        for (size_t i = 0; i < seal_conf_array_len(node); i++)
            if (!((mask >> (i % 8)) & 1)) walk(seal_conf_array_at(node, i), sub, depth + 1);
        check(!seal_conf_key_at(node, 0, NULL), "no keys");
        break;
    case SEAL_CONF_STRING:
        check(seal_conf_as_string(node) != NULL, "string value");
        break;
    default:
        check(!seal_conf_as_string(node), "no string");
        break;
    }
}

static void count_unread(const seal_conf_t *node, void *ctx)
{
    char buf[256];
    seal_conf_format_error(node, buf, sizeof buf, "unknown key");
    ++*(size_t *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char err[512];
    seal_conf_doc_t *doc = seal_conf_doc_parse(text, label, err, sizeof err);
    free(text);
    if (!doc) {
        check(err[0] != '\0', "an error says why");
        return 0;
    }
    const seal_conf_t *root = seal_conf_doc_root(doc);
    check(seal_conf_type(root) == SEAL_CONF_OBJECT, "root is an object");
    size_t seen = 0;
    size_t before = seal_conf_unread(root, count_unread, &seen);
    check(before == seen, "unread count");
    walk(root, (unsigned)size | 1, 0);
    seen = 0;
    check(seal_conf_unread(root, count_unread, &seen) == seen, "unread count");
    seal_conf_error(NULL, root, "fuzz %s", "done");
    walk(root, 0, 0);
    check(seal_conf_unread(root, NULL, NULL) == 0, "all read after a full walk");
    seal_conf_doc_free(doc);
    return 0;
}
