/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for core/conf.c: typed getters, JSON paths in messages,
 * comments, syntax errors with file and line, duplicate keys, the include
 * glob and its plugin-block merge, and unread-key reporting. */
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conf-private.h"
#include "host-private.h"

/* ------------------------------------------------------------------ */
/* Helpers */

/* snprintf that fails the test rather than truncate. */
static void fmt_into(char *buf, size_t len, const char *fmt, ...) SEAL_PRINTF(3, 4);
static void fmt_into(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0 && (size_t)n < len);
}

static char log_path[PATH_MAX];
static char data_dir[PATH_MAX];
static char err[1024];

/* The log is where getters report; each test reads it back. */
static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    fmt_into(log_path, sizeof log_path, "%s/test_conf.log.XXXXXX", tmp ? tmp : "/tmp");
    int fd = mkstemp(log_path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(seal_log_open(log_path, SEAL_LOG_DEBUG), SEAL_OK);

    const char *src = getenv("top_srcdir");
    char rel[PATH_MAX];
    if (src) fmt_into(rel, sizeof rel, "%s/tests/unit/data/conf", src);
    else fmt_into(rel, sizeof rel, "%s", SEAL_CONF_TESTDATA);
    ck_assert_ptr_nonnull(realpath(rel, data_dir));
    err[0] = '\0';
}

static void teardown(void)
{
    seal_log_close();
    unlink(log_path);
}

static char *log_text(void)
{
    static char buf[16384];
    FILE *f = fopen(log_path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void log_clear(void)
{
    ck_assert_int_eq(truncate(log_path, 0), 0);
}

#define ck_assert_log_has(s) do {                                           \
        const char *log_ = log_text();                                      \
        ck_assert_msg(strstr(log_, (s)) != NULL,                            \
                      "log lacks \"%s\"; log:\n%s", (s), log_);             \
    } while (0)

static seal_conf_doc_t *parse_ok(const char *text)
{
    seal_conf_doc_t *doc = seal_conf_doc_parse(text, "t.conf", err, sizeof err);
    ck_assert_msg(doc != NULL, "parse failed: %s\ntext: %s", err, text);
    return doc;
}

/* Parses text that must fail; returns the error line. */
static const char *parse_err(const char *text)
{
    err[0] = '\0';
    seal_conf_doc_t *doc = seal_conf_doc_parse(text, "t.conf", err, sizeof err);
    ck_assert_msg(doc == NULL, "parse accepted: %s", text);
    ck_assert_msg(err[0] != '\0', "no error message for: %s", text);
    return err;
}

static const char *load_err(const char *file)
{
    err[0] = '\0';
    seal_conf_doc_t *doc = seal_conf_doc_load(file, err, sizeof err);
    ck_assert_msg(doc == NULL, "load accepted: %s", file);
    return err;
}

static char *data(const char *rel)
{
    static char paths[8][PATH_MAX];
    static int next;
    char *p = paths[next++ % 8];
    fmt_into(p, PATH_MAX, "%s/%s", data_dir, rel);
    return p;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[PATH_MAX];
    fmt_into(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *make_tmpdir(void)
{
    static char dir[PATH_MAX];
    const char *tmp = getenv("TMPDIR");
    fmt_into(dir, sizeof dir, "%s/test_conf.XXXXXX", tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static void rm_tmpdir(const char *dir, const char *const *names)
{
    char p[PATH_MAX];
    for (; *names; names++) {
        fmt_into(p, sizeof p, "%s/%s", dir, *names);
        if (unlink(p) != 0) rmdir(p);
    }
    rmdir(dir);
}

/* seal_conf_unread's callback: the paths reported, in order. */
struct seen { char paths[16][64]; size_t n; };

static void collect(const seal_conf_t *node, void *ctx)
{
    struct seen *s = ctx;
    if (s->n < 16) fmt_into(s->paths[s->n++], sizeof s->paths[0], "%s", seal_conf_path(node));
}

/* ------------------------------------------------------------------ */
/* Typed getters */

START_TEST(test_getters_values)
{
    seal_conf_doc_t *doc = parse_ok(
        "{\"p\": {\"s\": \"x\", \"i\": 42, \"b\": true, \"d\": 1.5, \"di\": 3, \"neg\": -7}}");
    const seal_conf_t *p = seal_conf_get(seal_conf_doc_root(doc), "p");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(seal_conf_type(p), SEAL_CONF_OBJECT);
    const char *s = NULL;
    int64_t i = 0;
    bool b = false;
    double d = 0;
    ck_assert_int_eq(seal_conf_string(p, "s", "def", &s), SEAL_OK);
    ck_assert_str_eq(s, "x");
    ck_assert_int_eq(seal_conf_int(p, "i", 0, 1, 100, &i), SEAL_OK);
    ck_assert_int_eq(i, 42);
    ck_assert_int_eq(seal_conf_int(p, "neg", 0, INT64_MIN, INT64_MAX, &i), SEAL_OK);
    ck_assert_int_eq(i, -7);
    ck_assert_int_eq(seal_conf_bool(p, "b", false, &b), SEAL_OK);
    ck_assert(b);
    ck_assert_int_eq(seal_conf_double(p, "d", 0, &d), SEAL_OK);
    ck_assert_double_eq(d, 1.5);
    /* An integer is a fine number. */
    ck_assert_int_eq(seal_conf_double(p, "di", 0, &d), SEAL_OK);
    ck_assert_double_eq(d, 3.0);
    ck_assert_str_eq(log_text(), "");
    seal_conf_doc_free(doc);
}
END_TEST

START_TEST(test_getters_defaults)
{
    seal_conf_doc_t *doc = parse_ok("{\"p\": {}}");
    const seal_conf_t *p = seal_conf_get(seal_conf_doc_root(doc), "p");
    const char *s = NULL;
    int64_t i = 0;
    bool b = false;
    double d = 0;
    ck_assert_int_eq(seal_conf_string(p, "s", "def", &s), SEAL_OK);
    ck_assert_str_eq(s, "def");
    ck_assert_int_eq(seal_conf_int(p, "i", 7, 1, 10, &i), SEAL_OK);
    ck_assert_int_eq(i, 7);
    ck_assert_int_eq(seal_conf_bool(p, "b", true, &b), SEAL_OK);
    ck_assert(b);
    ck_assert_int_eq(seal_conf_double(p, "d", 2.5, &d), SEAL_OK);
    ck_assert_double_eq(d, 2.5);
    /* No block at all (a plugin without config): every default. */
    const seal_conf_t *none = seal_conf_get(seal_conf_doc_root(doc), "absent");
    ck_assert_ptr_null(none);
    ck_assert_int_eq(seal_conf_int(none, "i", 9, 1, 10, &i), SEAL_OK);
    ck_assert_int_eq(i, 9);
    ck_assert_int_eq(seal_conf_string(none, "s", NULL, &s), SEAL_OK);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(seal_conf_string(p, NULL, "x", &s), SEAL_E_INVAL);
    ck_assert_str_eq(log_text(), "");
    seal_conf_doc_free(doc);
}
END_TEST

START_TEST(test_int_range)
{
    seal_conf_doc_t *doc = parse_ok(
        "{\"p\": {\"lo\": 1, \"hi\": 10, \"zero\": 0, \"big\": 11,\n"
        "        \"huge\": 99999999999999999999, \"neg\": -5}}");
    const seal_conf_t *p = seal_conf_get(seal_conf_doc_root(doc), "p");
    int64_t i = 0;
    /* Bounds are inclusive. */
    ck_assert_int_eq(seal_conf_int(p, "lo", 5, 1, 10, &i), SEAL_OK);
    ck_assert_int_eq(i, 1);
    ck_assert_int_eq(seal_conf_int(p, "hi", 5, 1, 10, &i), SEAL_OK);
    ck_assert_int_eq(i, 10);
    ck_assert_str_eq(log_text(), "");

    ck_assert_int_eq(seal_conf_int(p, "zero", 5, 1, 10, &i), SEAL_E_CONFIG);
    ck_assert_int_eq(i, 5);
    ck_assert_log_has("t.conf: $.p.zero: 0 is out of range [1, 10]");
    ck_assert_int_eq(seal_conf_int(p, "big", 5, 1, 10, &i), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.big: 11 is out of range [1, 10]");
    ck_assert_int_eq(seal_conf_int(p, "neg", 5, 0, 10, &i), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.neg: -5 is out of range [0, 10]");
    /* Beyond int64: refused even with the widest range. */
    ck_assert_int_eq(seal_conf_int(p, "huge", 5, INT64_MIN, INT64_MAX, &i), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.huge: ");
    ck_assert_log_has("is out of range");
    seal_conf_doc_free(doc);
}
END_TEST

START_TEST(test_wrong_types)
{
    seal_conf_doc_t *doc = parse_ok(
        "{\"p\": {\"s\": \"7\", \"i\": 7, \"f\": 7.5, \"a\": [1], \"o\": {}, \"n\": null,\n"
        "         \"b\": false, \"nan\": NaN, \"inf\": -Infinity, \"nul\": \"a\\u0000b\"},\n"
        " \"scalar\": 3}");
    const seal_conf_t *root = seal_conf_doc_root(doc);
    const seal_conf_t *p = seal_conf_get(root, "p");
    const char *s = "keep";
    int64_t i = 1;
    bool b = true;
    double d = 1;
    ck_assert_int_eq(seal_conf_int(p, "s", 3, 0, 100, &i), SEAL_E_CONFIG);
    ck_assert_int_eq(i, 3);
    ck_assert_log_has("t.conf: $.p.s: expected integer, got string");
    ck_assert_int_eq(seal_conf_int(p, "f", 3, 0, 100, &i), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.f: expected integer, got number");
    ck_assert_int_eq(seal_conf_string(p, "i", "d", &s), SEAL_E_CONFIG);
    ck_assert_str_eq(s, "d");
    ck_assert_log_has("t.conf: $.p.i: expected string, got integer");
    ck_assert_int_eq(seal_conf_string(p, "a", "d", &s), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.a: expected string, got array");
    ck_assert_int_eq(seal_conf_string(p, "n", "d", &s), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.n: expected string, got null");
    ck_assert_int_eq(seal_conf_bool(p, "i", false, &b), SEAL_E_CONFIG);
    ck_assert(!b);
    ck_assert_log_has("t.conf: $.p.i: expected boolean, got integer");
    ck_assert_int_eq(seal_conf_double(p, "b", 0, &d), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.b: expected number, got boolean");
    ck_assert_int_eq(seal_conf_double(p, "o", 0, &d), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.o: expected number, got object");
    ck_assert_int_eq(seal_conf_double(p, "nan", 0, &d), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.nan: expected a finite number");
    ck_assert_int_eq(seal_conf_double(p, "inf", 0, &d), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.inf: expected a finite number");
    /* "a\u0000b" would read as "a" through a C string. */
    ck_assert_int_eq(seal_conf_string(p, "nul", "d", &s), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.p.nul: string holds a NUL character");
    /* A getter on a node that is no object. */
    const seal_conf_t *scalar = seal_conf_get(root, "scalar");
    ck_assert_int_eq(seal_conf_int(scalar, "x", 0, 0, 1, &i), SEAL_E_CONFIG);
    ck_assert_log_has("t.conf: $.scalar: expected object, got integer");
    ck_assert_ptr_null(seal_conf_get(scalar, "x"));
    seal_conf_doc_free(doc);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Paths and error messages */

START_TEST(test_paths)
{
    seal_conf_doc_t *doc = parse_ok(
        "{\"plugins\": {\"gm\": {\"ttl\": 5, \"l\": [1, {\"c\": \"x\"}]}},\n"
        " \"a.b\": {\"c d\": {\"q\\\"\\n\": 1}}, \"\": 2}");
    const seal_conf_t *root = seal_conf_doc_root(doc);
    ck_assert_str_eq(seal_conf_path(root), "$");
    ck_assert_str_eq(seal_conf_file(root), "t.conf");
    const seal_conf_t *gm = seal_conf_get(seal_conf_get(root, "plugins"), "gm");
    ck_assert_str_eq(seal_conf_path(seal_conf_get(gm, "ttl")), "$.plugins.gm.ttl");
    const seal_conf_t *l = seal_conf_get(gm, "l");
    ck_assert_str_eq(seal_conf_path(seal_conf_array_at(l, 0)), "$.plugins.gm.l[0]");
    ck_assert_str_eq(seal_conf_path(seal_conf_get(seal_conf_array_at(l, 1), "c")),
                     "$.plugins.gm.l[1].c");
    /* Keys that are no identifiers are quoted, control characters escaped,
     * so a path never breaks a log line. */
    const seal_conf_t *q = seal_conf_get(seal_conf_get(seal_conf_get(root, "a.b"), "c d"),
                                         "q\"\n");
    ck_assert_str_eq(seal_conf_path(q), "$[\"a.b\"][\"c d\"][\"q\\\"\\u000a\"]");
    ck_assert_str_eq(seal_conf_path(seal_conf_get(root, "")), "$[\"\"]");

    /* seal_conf_error: "<file>: <path>: <message>", SEAL_E_CONFIG. */
    ck_assert_int_eq(seal_conf_error(NULL, gm, "ttl %d too short for %s", 5, "gm"),
                     SEAL_E_CONFIG);
    ck_assert_log_has("core: t.conf: $.plugins.gm: ttl 5 too short for gm");
    char buf[128];
    seal_conf_format_error(seal_conf_get(gm, "ttl"), buf, sizeof buf, "must be %s", "odd");
    ck_assert_str_eq(buf, "t.conf: $.plugins.gm.ttl: must be odd");
    seal_conf_format_error(gm, buf, 12, "truncated %s", "safely");
    ck_assert_str_eq(buf, "t.conf: $.p");
    seal_conf_doc_free(doc);
}
END_TEST

START_TEST(test_comments)
{
    seal_conf_doc_t *doc = parse_ok(
        "// leading line comment\n"
        "/* block */ {\n"
        "  \"a\": 1, // after a member\n"
        "  /* before */ \"b\" /* between */ : /* and */ \"http://x/*y*/\",\n"
        "  /** a banner with an even number of stars **/\n"
        "  \"c\": '// not a comment'\n"
        "} // trailing\n"
        "/* trailing block */\n");
    const seal_conf_t *root = seal_conf_doc_root(doc);
    const char *s = NULL;
    int64_t i = 0;
    ck_assert_int_eq(seal_conf_int(root, "a", 0, 0, 9, &i), SEAL_OK);
    ck_assert_int_eq(i, 1);
    ck_assert_int_eq(seal_conf_string(root, "b", NULL, &s), SEAL_OK);
    ck_assert_str_eq(s, "http://x/*y*/");
    ck_assert_int_eq(seal_conf_string(root, "c", NULL, &s), SEAL_OK);
    ck_assert_str_eq(s, "// not a comment");
    seal_conf_doc_free(doc);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Syntax */

START_TEST(test_syntax_lines)
{
    static const struct { const char *text, *want; } cases[] = {
        { "{\"a\": x}", "t.conf:1: unexpected character" },
        { "{\n\"a\": 1,\n\"b\" 2\n}", "t.conf:3: " },
        { "{\n\n\n\n\n  \"a\": [1 2]\n}", "t.conf:6: " },
        { "{\n  // a comment with \"quotes\n  \"a\": tru\n}", "t.conf:3: " },
        { "{\n  /* a \"block\" */ \"a\": 1,\n  \"b\": 'x\\q'\n}", "t.conf:3: " },
        /* The end of the text is where it ends. */
        { "{\n  \"a\": {\n    \"b\": 1\n", "t.conf:4: " },
        { "{\"a\": 1\n", "t.conf:2: " },
        { "", "t.conf:1: " },
        { "{\n\n  /* never closed\n\n}", "t.conf:3: unterminated comment" },
        { "{\"a\": \"\xff\"}", "t.conf:1: " },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const char *e = parse_err(cases[k].text);
        ck_assert_msg(strncmp(e, cases[k].want, strlen(cases[k].want)) == 0,
                      "case %zu: got \"%s\", want \"%s...\"", k, e, cases[k].want);
        /* json-c's reason follows the line. */
        ck_assert_msg(strlen(e) > strlen("t.conf:1: "), "case %zu: no reason: %s", k, e);
    }
}
END_TEST

START_TEST(test_syntax_file)
{
    /* Loading a file names its path and the line of the fault. */
    char want[PATH_MAX + 16];
    fmt_into(want, sizeof want, "%s:5: ", data("broken.conf"));
    const char *e = load_err(data("broken.conf"));
    ck_assert_msg(strncmp(e, want, strlen(want)) == 0, "got \"%s\", want \"%s\"", e, want);

    e = load_err("/nonexistent/seald.conf");
    ck_assert_str_eq(e, "/nonexistent/seald.conf: No such file or directory");
    e = load_err(data_dir);
    ck_assert_ptr_nonnull(strstr(e, "not a regular file"));

    /* A NUL byte in a file is refused with its line. */
    char *dir = make_tmpdir();
    char p[PATH_MAX];
    fmt_into(p, sizeof p, "%s/nul.conf", dir);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fwrite("{\n\"a\":\0 1}", 1, 10, f);
    fclose(f);
    char want2[PATH_MAX + 32];
    fmt_into(want2, sizeof want2, "%s:2: NUL byte in the file", p);
    ck_assert_str_eq(load_err(p), want2);
    rm_tmpdir(dir, (const char *const[]){ "nul.conf", NULL });
}
END_TEST

START_TEST(test_root_not_object)
{
    ck_assert_str_eq(parse_err("[1, 2]"), "t.conf: $: the top level must be an object, got array");
    ck_assert_str_eq(parse_err("3"), "t.conf: $: the top level must be an object, got integer");
    ck_assert_str_eq(parse_err("\"s\""), "t.conf: $: the top level must be an object, got string");
    ck_assert_str_eq(parse_err("// nothing\nnull"),
                     "t.conf: $: the top level must be an object, got null");
}
END_TEST

START_TEST(test_trailing_garbage)
{
    ck_assert_str_eq(parse_err("{} x"),
                     "t.conf:1: unexpected text after the top-level object");
    ck_assert_str_eq(parse_err("{\"a\": 1}\n\n{\"b\": 2}\n"),
                     "t.conf:3: unexpected text after the top-level object");
    ck_assert_str_eq(parse_err("{}\n/* ok */ ,"),
                     "t.conf:2: unexpected text after the top-level object");
    ck_assert_str_eq(parse_err("{} /* never closed"), "t.conf:1: unterminated comment");
    /* Whitespace and comments after the object are fine. */
    seal_conf_doc_free(parse_ok("{}\n  // done\n/* really */\n\n"));
    seal_conf_doc_free(parse_ok("{} // no newline at the end"));
}
END_TEST

START_TEST(test_duplicate_key)
{
    ck_assert_str_eq(parse_err("{\"a\": 1, \"b\": 2, \"a\": 3}"), "t.conf: $.a: duplicate key");
    /* The case that matters: a plugin block given twice in one file. */
    ck_assert_str_eq(parse_err("{\"plugins\": {\n  \"gm\": {},\n  \"cm\": {},\n"
                               "  \"gm\": {\"ttl\": 5}\n}}"),
                     "t.conf: $.plugins.gm: duplicate key");
    /* Two spellings of one key are one key. */
    ck_assert_str_eq(parse_err("{\"ab\": 1, \"a\\u0062\": 2}"), "t.conf: $.ab: duplicate key");
    ck_assert_str_eq(parse_err("{\"k\": 1, 'k': 2}"), "t.conf: $.k: duplicate key");
    ck_assert_str_eq(parse_err("{\"l\": [1, {\"x\": {\"k\": 1, \"k\": 1}}]}"),
                     "t.conf: $.l[1].x.k: duplicate key");
    /* A comment between does not hide it. */
    ck_assert_str_eq(parse_err("{\"a\": 1, /* \"a\": */ \"b\": {}, // x\n \"b\": 2}"),
                     "t.conf: $.b: duplicate key");
    /* Equal keys in different objects are fine. */
    seal_conf_doc_t *doc = parse_ok("{\"a\": {\"k\": 1}, \"b\": {\"k\": 1}, \"l\": [{\"k\": 1}, "
                                    "{\"k\": 2}], \"s\": \"{\\\"k\\\": 1, \\\"k\\\": 2}\"}");
    seal_conf_doc_free(doc);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Includes */

static void check_merged(seal_conf_doc_t *doc, const char *dir)
{
    const seal_conf_t *root = seal_conf_doc_root(doc);
    const seal_conf_t *plugins = seal_conf_get(root, "plugins");
    ck_assert_ptr_nonnull(plugins);
    /* The main file's blocks, then each included file's in byte order;
     * notes.txt does not match the glob. */
    static const char *const order[] = { "alpha", "beta", "mu", "zeta" };
    size_t k = 0;
    const seal_conf_t *v;
    for (const char *name; (name = seal_conf_key_at(plugins, k, &v)); k++) {
        ck_assert_uint_lt(k, 4);
        ck_assert_str_eq(name, order[k]);
    }
    ck_assert_uint_eq(k, 4);

    const seal_conf_t *beta = seal_conf_get(plugins, "beta");
    char want[PATH_MAX];
    fmt_into(want, sizeof want, "%s/plugins-enabled/beta.conf", dir);
    ck_assert_str_eq(seal_conf_file(beta), want);
    ck_assert_str_eq(seal_conf_path(beta), "$.plugins.beta");
    int64_t ttl = 0;
    ck_assert_int_eq(seal_conf_int(beta, "ttl", 0, 1, 60, &ttl), SEAL_OK);
    ck_assert_int_eq(ttl, 30);
    const seal_conf_t *tags = seal_conf_get(beta, "tags");
    ck_assert_uint_eq(seal_conf_array_len(tags), 2);
    ck_assert_str_eq(seal_conf_path(seal_conf_array_at(tags, 1)), "$.plugins.beta.tags[1]");
    fmt_into(want, sizeof want, "%s/seald.conf", dir);
    ck_assert_str_eq(seal_conf_file(seal_conf_get(plugins, "alpha")), want);
    /* A wrong type in an included block names the included file. */
    log_clear();
    const char *s;
    ck_assert_int_eq(seal_conf_string(beta, "ttl", NULL, &s), SEAL_E_CONFIG);
    fmt_into(want, sizeof want, "%s/plugins-enabled/beta.conf: $.plugins.beta.ttl: "
             "expected string, got integer", dir);
    ck_assert_log_has(want);
}

START_TEST(test_include_merge)
{
    char *main_file = data("merge/seald.conf");
    char cwd[PATH_MAX];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    /* Relative to the main file, not to the working directory. */
    ck_assert_int_eq(chdir("/"), 0);
    seal_conf_doc_t *doc = seal_conf_doc_load(main_file, err, sizeof err);
    ck_assert_msg(doc != NULL, "%s", err);
    check_merged(doc, data("merge"));
    seal_conf_doc_free(doc);

    /* A relative main file name: the included files' names follow it. */
    ck_assert_int_eq(chdir(data_dir), 0);
    doc = seal_conf_doc_load("merge/seald.conf", err, sizeof err);
    ck_assert_msg(doc != NULL, "%s", err);
    check_merged(doc, "merge");
    seal_conf_doc_free(doc);
    ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_include_into_empty_main)
{
    /* No "plugins" in the main file: the included blocks make one. An
     * absolute glob; parse's label is the main file's name. */
    char text[PATH_MAX + 64];
    fmt_into(text, sizeof text, "{\"include\": \"%s/merge/plugins-enabled/*.conf\"}", data_dir);
    seal_conf_doc_t *doc = parse_ok(text);
    const seal_conf_t *root = seal_conf_doc_root(doc);
    const seal_conf_t *plugins = seal_conf_get(root, "plugins");
    ck_assert_int_eq(seal_conf_type(plugins), SEAL_CONF_OBJECT);
    ck_assert_str_eq(seal_conf_key_at(plugins, 0, NULL), "beta");
    ck_assert_str_eq(seal_conf_key_at(plugins, 1, NULL), "mu");
    ck_assert_str_eq(seal_conf_key_at(plugins, 2, NULL), "zeta");
    ck_assert_ptr_null(seal_conf_key_at(plugins, 3, NULL));
    bool on = false;
    ck_assert_int_eq(seal_conf_bool(seal_conf_get(plugins, "mu"), "enabled", false, &on),
                     SEAL_OK);
    ck_assert(on);
    /* beta's keys were never read; "include" is the conf layer's own key
     * and never reported. */
    struct seen s = { .n = 0 };
    ck_assert_uint_eq(seal_conf_unread(root, collect, &s), 2);
    ck_assert_str_eq(s.paths[0], "$.plugins.beta.ttl");
    ck_assert_str_eq(s.paths[1], "$.plugins.beta.tags");
    seal_conf_doc_free(doc);

    /* No match is fine (plugins-enabled/ may be empty). */
    doc = parse_ok("{\"include\": \"/nonexistent-seal-dir/*.conf\", \"plugins\": {\"a\": {}}}");
    ck_assert_ptr_nonnull(seal_conf_get(seal_conf_get(seal_conf_doc_root(doc), "plugins"), "a"));
    seal_conf_doc_free(doc);
}
END_TEST

START_TEST(test_include_twice)
{
    char want[3 * PATH_MAX];
    /* Main file and an included file. */
    fmt_into(want, sizeof want, "%s: $.plugins.gm: plugin configured twice (first in %s)",
             data("twice-main/enabled/gm.conf"), data("twice-main/seald.conf"));
    ck_assert_str_eq(load_err(data("twice-main/seald.conf")), want);
    /* Two included files: the later one is refused, naming the earlier. */
    fmt_into(want, sizeof want, "%s: $.plugins.gm: plugin configured twice (first in %s)",
             data("twice-inc/enabled/20-b.conf"), data("twice-inc/enabled/10-a.conf"));
    ck_assert_str_eq(load_err(data("twice-inc/seald.conf")), want);
}
END_TEST

START_TEST(test_include_foreign_key)
{
    char want[2 * PATH_MAX];
    fmt_into(want, sizeof want,
             "%s: $.http: unknown key (an included file may only hold \"plugins\")",
             data("foreign/enabled/bad.conf"));
    ck_assert_str_eq(load_err(data("foreign/seald.conf")), want);
}
END_TEST

START_TEST(test_include_errors)
{
    char *dir = make_tmpdir();
    char main_file[PATH_MAX], want[3 * PATH_MAX];
    fmt_into(main_file, sizeof main_file, "%s/seald.conf", dir);
    mkdir(strcat(strcpy(want, dir), "/d"), 0700);
    write_file(dir, "d/a.conf", "{\"plugins\": {\n  \"x\": {\n  \"y\": 1,,\n}}}\n");
    write_file(dir, "d/b.conf", "{\"plugins\": {\"x\": {}}, \"plugins\": {}}");
    write_file(dir, "d/c.conf", "{\"plugins\": [1]}");
    mkdir(strcat(strcpy(want, dir), "/d/dir.conf"), 0700);

    /* A syntax error in an included file names it and the line. */
    write_file(dir, "seald.conf", "{\"include\": \"d/a.conf\"}");
    fmt_into(want, sizeof want, "%s/d/a.conf:3: ", dir);
    const char *e = load_err(main_file);
    ck_assert_msg(strncmp(e, want, strlen(want)) == 0, "got %s", e);
    /* Duplicate keys in an included file too. */
    write_file(dir, "seald.conf", "{\"include\": \"d/b.conf\"}");
    fmt_into(want, sizeof want, "%s/d/b.conf: $.plugins: duplicate key", dir);
    ck_assert_str_eq(load_err(main_file), want);
    write_file(dir, "seald.conf", "{\"include\": \"d/c.conf\"}");
    fmt_into(want, sizeof want, "%s/d/c.conf: $.plugins: expected object, got array", dir);
    ck_assert_str_eq(load_err(main_file), want);
    /* A directory matching the glob is no config file. */
    write_file(dir, "seald.conf", "{\"include\": \"d/dir.*\"}");
    fmt_into(want, sizeof want, "%s/d/dir.conf: not a regular file", dir);
    ck_assert_str_eq(load_err(main_file), want);
    /* Bad types in the main file. */
    write_file(dir, "seald.conf", "{\"include\": [\"d/*.conf\"]}");
    fmt_into(want, sizeof want, "%s: $.include: expected string, got array", main_file);
    ck_assert_str_eq(load_err(main_file), want);
    write_file(dir, "seald.conf", "{\"plugins\": \"gm\", \"include\": \"d/none*\"}");
    fmt_into(want, sizeof want, "%s: $.plugins: expected object, got string", main_file);
    ck_assert_str_eq(load_err(main_file), want);

    rm_tmpdir(dir, (const char *const[]){ "d/a.conf", "d/b.conf", "d/c.conf", "d/dir.conf",
                                          "d", "seald.conf", NULL });
}
END_TEST

/* ------------------------------------------------------------------ */
/* Read tracking */

START_TEST(test_unread)
{
    seal_conf_doc_t *doc = parse_ok(
        "{\"a\": 1,\n"
        " \"b\": {\"c\": 1, \"d\": {\"e\": 1}, \"t\": true},\n"
        " \"arr\": [{\"x\": 1, \"y\": 2}, 3],\n"
        " \"u\": {\"deep\": {\"er\": 1}},\n"
        " \"keys\": {\"k1\": 1, \"k2\": {\"in\": 1}}}");
    const seal_conf_t *root = seal_conf_doc_root(doc);
    struct seen s = { .n = 0 };
    /* Nothing read: each top-level key, none of their children. */
    ck_assert_uint_eq(seal_conf_unread(root, collect, &s), 5);
    ck_assert_str_eq(s.paths[0], "$.a");
    ck_assert_str_eq(s.paths[3], "$.u");

    int64_t i;
    bool t;
    ck_assert_int_eq(seal_conf_int(root, "a", 0, 0, 9, &i), SEAL_OK);
    const seal_conf_t *b = seal_conf_get(root, "b");
    ck_assert_int_eq(seal_conf_int(b, "c", 0, 0, 9, &i), SEAL_OK);
    ck_assert_int_eq(seal_conf_bool(b, "t", false, &t), SEAL_OK);
    const seal_conf_t *arr = seal_conf_get(root, "arr");
    ck_assert_uint_eq(seal_conf_array_len(arr), 2);
    ck_assert_ptr_nonnull(seal_conf_get(seal_conf_array_at(arr, 0), "x"));
    /* Iterating reads every key, not what is under them. */
    const seal_conf_t *keys = seal_conf_get(root, "keys");
    for (size_t k = 0; seal_conf_key_at(keys, k, NULL); k++) {}

    s.n = 0;
    ck_assert_uint_eq(seal_conf_unread(root, collect, &s), 5);
    ck_assert_str_eq(s.paths[0], "$.b.d");          /* not $.b.d.e as well */
    ck_assert_str_eq(s.paths[1], "$.arr[0].y");
    ck_assert_str_eq(s.paths[2], "$.arr[1]");
    ck_assert_str_eq(s.paths[3], "$.u");            /* not $.u.deep */
    ck_assert_str_eq(s.paths[4], "$.keys.k2.in");
    /* A subtree on its own: what the host does per plugin block. */
    s.n = 0;
    ck_assert_uint_eq(seal_conf_unread(b, collect, &s), 1);
    ck_assert_str_eq(s.paths[0], "$.b.d");
    ck_assert_uint_eq(seal_conf_unread(NULL, collect, &s), 0);
    seal_conf_doc_free(doc);
}
END_TEST

START_TEST(test_unread_failed_getter)
{
    /* A wrong type is its own error, never also an "unknown key". */
    seal_conf_doc_t *doc = parse_ok("{\"p\": {\"ttl\": \"5\"}}");
    const seal_conf_t *p = seal_conf_get(seal_conf_doc_root(doc), "p");
    int64_t i;
    ck_assert_int_eq(seal_conf_int(p, "ttl", 1, 0, 9, &i), SEAL_E_CONFIG);
    ck_assert_uint_eq(seal_conf_unread(seal_conf_doc_root(doc), NULL, NULL), 0);
    seal_conf_doc_free(doc);
}
END_TEST

START_TEST(test_key_at_order)
{
    seal_conf_doc_t *doc = parse_ok("{\"z\": 1, \"a\": \"s\", \"m\": [3], \"b\": null}");
    const seal_conf_t *root = seal_conf_doc_root(doc);
    static const char *const want[] = { "z", "a", "m", "b" };
    static const seal_conf_type_t types[] = { SEAL_CONF_INT, SEAL_CONF_STRING,
                                              SEAL_CONF_ARRAY, SEAL_CONF_NULL };
    const seal_conf_t *v = NULL;
    for (size_t k = 0; k < 4; k++) {
        ck_assert_str_eq(seal_conf_key_at(root, k, &v), want[k]);
        ck_assert_int_eq(seal_conf_type(v), types[k]);
        /* Lookup by key finds the same node. */
        ck_assert_ptr_eq(seal_conf_get(root, want[k]), v);
    }
    ck_assert_ptr_null(seal_conf_key_at(root, 4, &v));
    ck_assert_ptr_null(v);
    ck_assert_str_eq(seal_conf_as_string(seal_conf_get(root, "a")), "s");
    ck_assert_ptr_null(seal_conf_as_string(seal_conf_get(root, "z")));
    /* Not an object or not an array: nothing, no crash. */
    const seal_conf_t *m = seal_conf_get(root, "m");
    ck_assert_ptr_null(seal_conf_key_at(m, 0, &v));
    ck_assert_uint_eq(seal_conf_array_len(root), 0);
    ck_assert_ptr_null(seal_conf_array_at(m, 1));
    ck_assert_ptr_null(seal_conf_array_at(root, 0));
    ck_assert_ptr_null(seal_conf_get(root, "absent"));
    /* Every key was read; the element of "m" was not, and counts. */
    struct seen s = { .n = 0 };
    ck_assert_uint_eq(seal_conf_unread(root, collect, &s), 1);
    ck_assert_str_eq(s.paths[0], "$.m[0]");
    seal_conf_doc_free(doc);
}
END_TEST

static Suite *conf_suite(void)
{
    Suite *s = suite_create("conf");
    TCase *tc = tcase_create("conf");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_getters_values);
    tcase_add_test(tc, test_getters_defaults);
    tcase_add_test(tc, test_int_range);
    tcase_add_test(tc, test_wrong_types);
    tcase_add_test(tc, test_paths);
    tcase_add_test(tc, test_comments);
    tcase_add_test(tc, test_syntax_lines);
    tcase_add_test(tc, test_syntax_file);
    tcase_add_test(tc, test_root_not_object);
    tcase_add_test(tc, test_trailing_garbage);
    tcase_add_test(tc, test_duplicate_key);
    tcase_add_test(tc, test_include_merge);
    tcase_add_test(tc, test_include_into_empty_main);
    tcase_add_test(tc, test_include_twice);
    tcase_add_test(tc, test_include_foreign_key);
    tcase_add_test(tc, test_include_errors);
    tcase_add_test(tc, test_unread);
    tcase_add_test(tc, test_unread_failed_getter);
    tcase_add_test(tc, test_key_at_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(conf_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
