/* SPDX-License-Identifier: Apache-2.0 */
/* core/conf.c: configuration documents and nodes.
 *
 * A file is JSON with comments. Comments are blanked out here (newlines
 * kept, so line numbers stay right) and json-c's non-strict tokener parses
 * the rest: json-c's own comment support misses the end of a comment that
 * ends in an even number of stars ("/ * x ** /"), which the stars of
 * banner comments hit.
 * json-c keeps the last of two equal keys without a word, so a light scanner
 * walks the accepted text again and refuses duplicates: a plugin block given
 * twice must never pass silently.
 *
 * Every JSON value gets a node knowing its file, its JSON path and whether a
 * getter read it; after init the host reports the keys nobody read.
 *
 * Threading: a document is built, checked with seal_conf_unread and freed
 * on the main thread. Getters only read the tree, apart from the "read"
 * mark, an atomic flag; so they are safe from any thread, with no lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "conf-private.h"

/* A config file is small; refusing big ones bounds memory and time. */
#define CONF_MAX_BYTES (16u << 20)
/* json-c refuses nesting beyond 32 levels; this only guards recursion. */
#define CONF_MAX_DEPTH 64

struct seal_conf {
    json_object *obj;          /* NULL for null and for a made-up "plugins" */
    seal_conf_type_t type;
    const char *file;          /* owned by the document */
    const char *key;           /* key in the parent object, else NULL */
    char *path;
    atomic_bool read;
    size_t n, cap;
    struct seal_conf **kids;   /* object members in file order, or elements */
    struct seal_conf **sorted; /* object members by key, for seal_conf_get */
};

struct seal_conf_doc {
    seal_conf_t *root;
    json_object **json;        /* parsed roots: main file, then includes */
    size_t njson;
    char **files;
    size_t nfiles;
};

static const char *const type_names[] = {
    "null", "boolean", "integer", "number", "string", "array", "object"
};

static const char *type_name(seal_conf_type_t t)
{
    return (unsigned)t < sizeof type_names / sizeof *type_names ? type_names[t] : "?";
}

static void set_err(char *err, size_t len, const char *fmt, ...) SEAL_PRINTF(3, 4);
static void set_err(char *err, size_t len, const char *fmt, ...)
{
    if (!err || !len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

static unsigned line_at(const char *text, size_t off)
{
    unsigned line = 1;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n') line++;
    return line;
}

/* ------------------------------------------------------------------ */
/* JSON paths */

typedef struct sbuf { char *s; size_t len, cap; bool oom; } sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) { b->oom = true; return; }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_cut(sbuf_t *b, size_t len)
{
    if (b->s && !b->oom && len <= b->len) { b->len = len; b->s[len] = '\0'; }
}

static bool key_is_plain(const char *k)
{
    if (!*k) return false;
    for (; *k; k++) {
        char c = *k;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* ".key", or ["key"] with quotes, backslashes and control characters
 * escaped: paths end up in log lines, which input must not break. */
static void sb_key(sbuf_t *b, const char *key)
{
    if (key_is_plain(key)) {
        sb_put(b, ".", 1);
        sb_put(b, key, strlen(key));
        return;
    }
    sb_put(b, "[\"", 2);
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\'; esc[1] = (char)*p;
            sb_put(b, esc, 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            sb_put(b, esc, 6);
        } else {
            sb_put(b, (const char *)p, 1);
        }
    }
    sb_put(b, "\"]", 2);
}

static void sb_index(sbuf_t *b, size_t i)
{
    char s[32];
    int n = snprintf(s, sizeof s, "[%zu]", i);
    sb_put(b, s, (size_t)n);
}

/* ------------------------------------------------------------------ */
/* Reading and checking the text */

static bool is_ws(char c)
{
    /* json-c's whitespace: nothing else may stand between tokens. */
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Past a string starting at *p (either quote: json-c's non-strict mode
 * takes single quotes too). */
static const char *skip_string(const char *p, const char *end)
{
    char q = *p++;
    while (p < end && *p != q) {
        if (*p == '\\' && p + 1 < end) p++;
        p++;
    }
    return p < end ? p + 1 : end;
}

/* Blanks out // and block comments outside strings, keeping newlines. */
static bool strip_comments(char *s, size_t n, const char *file, char *err, size_t errlen)
{
    char *end = s + n;
    for (char *p = s; p < end;) {
        if (*p == '"' || *p == '\'') {
            p = (char *)skip_string(p, end);
        } else if (*p == '/' && p + 1 < end && p[1] == '/') {
            while (p < end && *p != '\n') *p++ = ' ';
        } else if (*p == '/' && p + 1 < end && p[1] == '*') {
            char *start = p;
            char *close = NULL;
            for (char *q = p + 2; q + 1 < end; q++)
                if (q[0] == '*' && q[1] == '/') { close = q + 2; break; }
            if (!close) {
                set_err(err, errlen, "%s:%u: unterminated comment", file,
                        line_at(s, (size_t)(start - s)));
                return false;
            }
            for (; p < close; p++)
                if (*p != '\n') *p = ' ';
        } else {
            p++;
        }
    }
    return true;
}

typedef struct scan {
    const char *text, *end;    /* comment-free text json-c accepted */
    json_tokener *tok;
    sbuf_t path;
    char *kbuf;
    size_t kcap;
    const char *file;
    char *err;
    size_t errlen;
} scan_t;

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && is_ws(*p)) p++;
    return p;
}

static const char *scan_fail(scan_t *sc, const char *p, const char *what)
{
    set_err(sc->err, sc->errlen, "%s:%u: %s", sc->file,
            line_at(sc->text, (size_t)((p < sc->end ? p : sc->end) - sc->text)), what);
    return NULL;
}

/* Decodes a key literal with json-c itself, so that two spellings of one
 * key ("a", "\u0061") compare equal exactly when json-c merged them. */
static json_object *decode_key(scan_t *sc, const char *lit, size_t n)
{
    if (n + 1 > sc->kcap) {
        char *p = realloc(sc->kbuf, n + 1);
        if (!p) return NULL;
        sc->kbuf = p;
        sc->kcap = n + 1;
    }
    memcpy(sc->kbuf, lit, n);
    sc->kbuf[n] = '\0';
    json_tokener_reset(sc->tok);
    json_object *o = json_tokener_parse_ex(sc->tok, sc->kbuf, (int)n + 1);
    if (o && !json_object_is_type(o, json_type_string)) {
        json_object_put(o);
        o = NULL;
    }
    return o;
}

static const char *scan_value(scan_t *sc, const char *p, int depth);

static const char *scan_object(scan_t *sc, const char *p, int depth)
{
    json_object *seen = json_object_new_object();   /* used as a set */
    if (!seen) return scan_fail(sc, p, "out of memory");
    p++;
    for (;;) {
        p = skip_ws(p, sc->end);
        if (p >= sc->end) { p = scan_fail(sc, p, "unexpected end of data"); break; }
        if (*p == '}') { p++; break; }
        if (*p == ',') { p++; continue; }
        if (*p != '"' && *p != '\'') { p = scan_fail(sc, p, "unexpected character"); break; }
        const char *lit = p;
        p = skip_string(p, sc->end);
        json_object *k = decode_key(sc, lit, (size_t)(p - lit));
        if (!k) { p = scan_fail(sc, lit, "bad object key"); break; }
        const char *key = json_object_get_string(k);
        p = skip_ws(p, sc->end);
        if (p >= sc->end || *p != ':') {
            json_object_put(k);
            p = scan_fail(sc, p, "':' expected");
            break;
        }
        size_t mark = sc->path.len;
        sb_key(&sc->path, key);
        if (json_object_object_get_ex(seen, key, NULL)) {
            set_err(sc->err, sc->errlen, "%s: %s: duplicate key", sc->file,
                    sc->path.oom ? "$" : sc->path.s);
            json_object_put(k);
            p = NULL;
            break;
        }
        if (json_object_object_add(seen, key, NULL) != 0 || sc->path.oom) {
            json_object_put(k);
            p = scan_fail(sc, p, "out of memory");
            break;
        }
        json_object_put(k);
        p = scan_value(sc, p + 1, depth + 1);
        sb_cut(&sc->path, mark);
        if (!p) break;
    }
    json_object_put(seen);
    return p;
}

static const char *scan_array(scan_t *sc, const char *p, int depth)
{
    size_t i = 0;
    p++;
    for (;;) {
        p = skip_ws(p, sc->end);
        if (p >= sc->end) return scan_fail(sc, p, "unexpected end of data");
        if (*p == ']') return p + 1;
        if (*p == ',') { p++; continue; }
        size_t mark = sc->path.len;
        sb_index(&sc->path, i++);
        if (sc->path.oom) return scan_fail(sc, p, "out of memory");
        p = scan_value(sc, p, depth + 1);
        sb_cut(&sc->path, mark);
        if (!p) return NULL;
    }
}

/* Past one value; refuses duplicate keys on the way. */
static const char *scan_value(scan_t *sc, const char *p, int depth)
{
    if (depth > CONF_MAX_DEPTH) return scan_fail(sc, p, "nesting too deep");
    p = skip_ws(p, sc->end);
    if (p >= sc->end) return scan_fail(sc, p, "unexpected end of data");
    if (*p == '{') return scan_object(sc, p, depth);
    if (*p == '[') return scan_array(sc, p, depth);
    if (*p == '"' || *p == '\'') return skip_string(p, sc->end);
    const char *q = p;
    while (q < sc->end && !is_ws(*q) && !memchr("{}[],:\"'", *q, 8)) q++;
    if (q == p) return scan_fail(sc, p, "unexpected character");
    return q;
}

/* Parses one file's text into its json-c root object: syntax, a root that
 * is an object, nothing after it, no duplicate key. */
static json_object *parse_text(const char *text, size_t n, const char *file,
                               json_tokener *tok, char *err, size_t errlen)
{
    if (n > CONF_MAX_BYTES) {
        set_err(err, errlen, "%s: larger than %u bytes", file, CONF_MAX_BYTES);
        return NULL;
    }
    const char *nul = memchr(text, '\0', n);
    if (nul) {
        set_err(err, errlen, "%s:%u: NUL byte in the file", file,
                line_at(text, (size_t)(nul - text)));
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) { set_err(err, errlen, "%s: out of memory", file); return NULL; }
    memcpy(s, text, n);
    s[n] = '\0';
    json_object *root = NULL;
    if (!strip_comments(s, n, file, err, errlen)) goto out;

    /* The terminating NUL goes in too: it ends a number or a literal. */
    json_tokener_reset(tok);
    root = json_tokener_parse_ex(tok, s, (int)n + 1);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr != json_tokener_success) {
        size_t off = json_tokener_get_parse_end(tok);
        json_object_put(root);
        root = NULL;
        set_err(err, errlen, "%s:%u: %s", file, line_at(s, off < n ? off : n),
                jerr == json_tokener_continue ? "unexpected end of data"
                                              : json_tokener_error_desc(jerr));
        goto out;
    }
    if (!json_object_is_type(root, json_type_object)) {
        seal_conf_type_t t = !root ? SEAL_CONF_NULL
            : json_object_is_type(root, json_type_array) ? SEAL_CONF_ARRAY
            : json_object_is_type(root, json_type_string) ? SEAL_CONF_STRING
            : json_object_is_type(root, json_type_boolean) ? SEAL_CONF_BOOL
            : json_object_is_type(root, json_type_int) ? SEAL_CONF_INT : SEAL_CONF_DOUBLE;
        set_err(err, errlen, "%s: $: the top level must be an object, got %s", file,
                type_name(t));
        json_object_put(root);
        root = NULL;
        goto out;
    }

    scan_t sc = { .text = s, .end = s + n, .tok = tok, .file = file,
                  .err = err, .errlen = errlen };
    sb_put(&sc.path, "$", 1);
    const char *after = sc.path.oom ? scan_fail(&sc, s, "out of memory")
                                    : scan_value(&sc, s, 0);
    free(sc.path.s);
    free(sc.kbuf);
    if (after) {
        after = skip_ws(after, sc.end);
        if (after < sc.end) {
            scan_fail(&sc, after, "unexpected text after the top-level object");
            after = NULL;
        }
    }
    if (!after) { json_object_put(root); root = NULL; }
out:
    free(s);
    return root;
}

/* Reads a whole file. Included files must be regular files, opened without
 * blocking: a glob must not hang on a FIFO or read a device. */
static char *read_file(const char *file, bool regular_only, size_t *len,
                       char *err, size_t errlen)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | (regular_only ? O_NONBLOCK : 0));
    if (fd < 0) {
        set_err(err, errlen, "%s: %s", file, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        set_err(err, errlen, "%s: %s", file, strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode) || (regular_only && !S_ISREG(st.st_mode))) {
        set_err(err, errlen, "%s: not a regular file", file);
        close(fd);
        return NULL;
    }
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            set_err(err, errlen, "%s: out of memory", file);
            break;
        }
        if (n == cap) {
            if (cap > CONF_MAX_BYTES) {
                set_err(err, errlen, "%s: larger than %u bytes", file, CONF_MAX_BYTES);
                break;
            }
            size_t ncap = cap * 2 > CONF_MAX_BYTES ? CONF_MAX_BYTES + 1 : cap * 2;
            char *p = realloc(buf, ncap);
            if (!p) { set_err(err, errlen, "%s: out of memory", file); break; }
            buf = p;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { set_err(err, errlen, "%s: %s", file, strerror(errno)); break; }
        if (r == 0) {
            close(fd);
            *len = n;
            return buf;
        }
        n += (size_t)r;
    }
    free(buf);
    close(fd);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The node tree */

static void node_free(seal_conf_t *node)
{
    if (!node) return;
    for (size_t i = 0; i < node->n; i++) node_free(node->kids[i]);
    free(node->kids);
    free(node->sorted);
    free(node->path);
    free(node);
}

static seal_conf_t *node_new(json_object *obj, seal_conf_type_t type, const char *file,
                             const char *key, const char *path)
{
    seal_conf_t *node = calloc(1, sizeof *node);
    if (!node) return NULL;
    node->path = strdup(path);
    if (!node->path) { free(node); return NULL; }
    node->obj = obj;
    node->type = type;
    node->file = file;
    node->key = key;
    atomic_init(&node->read, false);
    return node;
}

static bool node_add(seal_conf_t *node, seal_conf_t *kid)
{
    if (node->n == node->cap) {
        size_t cap = node->cap ? node->cap * 2 : 4;
        seal_conf_t **k = realloc(node->kids, cap * sizeof *k);
        if (!k) return false;
        node->kids = k;
        node->cap = cap;
    }
    node->kids[node->n++] = kid;
    return true;
}

static int cmp_kid(const void *a, const void *b)
{
    const seal_conf_t *x = *(const seal_conf_t *const *)a;
    const seal_conf_t *y = *(const seal_conf_t *const *)b;
    return strcmp(x->key, y->key);
}

/* Builds the by-key index of an object node (again after a merge). */
static bool node_index(seal_conf_t *node)
{
    free(node->sorted);
    node->sorted = NULL;
    if (!node->n) return true;
    node->sorted = malloc(node->n * sizeof *node->sorted);
    if (!node->sorted) return false;
    memcpy(node->sorted, node->kids, node->n * sizeof *node->sorted);
    qsort(node->sorted, node->n, sizeof *node->sorted, cmp_kid);
    return true;
}

static int cmp_key(const void *key, const void *elem)
{
    return strcmp(key, (*(const seal_conf_t *const *)elem)->key);
}

static seal_conf_t *node_find(const seal_conf_t *node, const char *key)
{
    if (!node->sorted) return NULL;
    seal_conf_t **k = bsearch(key, node->sorted, node->n, sizeof *node->sorted, cmp_key);
    return k ? *k : NULL;
}

static seal_conf_type_t json_type_of(json_object *obj)
{
    switch (json_object_get_type(obj)) {
    case json_type_boolean: return SEAL_CONF_BOOL;
    case json_type_int:     return SEAL_CONF_INT;
    case json_type_double:  return SEAL_CONF_DOUBLE;
    case json_type_string:  return SEAL_CONF_STRING;
    case json_type_array:   return SEAL_CONF_ARRAY;
    case json_type_object:  return SEAL_CONF_OBJECT;
    case json_type_null:
    default:                return SEAL_CONF_NULL;
    }
}

/* A node for obj and everything under it; path holds obj's JSON path. */
static seal_conf_t *build(json_object *obj, const char *file, const char *key,
                          sbuf_t *path, int depth)
{
    if (depth > CONF_MAX_DEPTH || path->oom) return NULL;
    seal_conf_t *node = node_new(obj, json_type_of(obj), file, key, path->s);
    if (!node) return NULL;
    size_t mark = path->len;
    if (node->type == SEAL_CONF_OBJECT) {
        struct json_object_iterator it = json_object_iter_begin(obj);
        struct json_object_iterator stop = json_object_iter_end(obj);
        for (; !json_object_iter_equal(&it, &stop); json_object_iter_next(&it)) {
            const char *k = json_object_iter_peek_name(&it);
            sb_key(path, k);
            seal_conf_t *kid = build(json_object_iter_peek_value(&it), file, k, path,
                                     depth + 1);
            sb_cut(path, mark);
            if (!kid || !node_add(node, kid)) { node_free(kid); goto fail; }
        }
        if (!node_index(node)) goto fail;
    } else if (node->type == SEAL_CONF_ARRAY) {
        size_t n = json_object_array_length(obj);
        for (size_t i = 0; i < n; i++) {
            sb_index(path, i);
            seal_conf_t *kid = build(json_object_array_get_idx(obj, i), file, NULL, path,
                                     depth + 1);
            sb_cut(path, mark);
            if (!kid || !node_add(node, kid)) { node_free(kid); goto fail; }
        }
    }
    return node;
fail:
    node_free(node);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Documents */

void seal_conf_doc_free(seal_conf_doc_t *doc)
{
    if (!doc) return;
    node_free(doc->root);
    for (size_t i = 0; i < doc->njson; i++) json_object_put(doc->json[i]);
    free(doc->json);
    for (size_t i = 0; i < doc->nfiles; i++) free(doc->files[i]);
    free(doc->files);
    free(doc);
}

/* Keeps a copy of a file name for the nodes to point at. */
static const char *doc_file(seal_conf_doc_t *doc, const char *file)
{
    char **f = realloc(doc->files, (doc->nfiles + 1) * sizeof *f);
    if (!f) return NULL;
    doc->files = f;
    char *copy = strdup(file);
    if (!copy) return NULL;
    doc->files[doc->nfiles++] = copy;
    return copy;
}

static bool doc_keep_json(seal_conf_doc_t *doc, json_object *root)
{
    json_object **j = realloc(doc->json, (doc->njson + 1) * sizeof *j);
    if (!j) return false;
    doc->json = j;
    doc->json[doc->njson++] = root;
    return true;
}

/* Parses a file's text and keeps its json-c root in the document. */
static json_object *doc_parse(seal_conf_doc_t *doc, const char *text, size_t n,
                              const char *file, json_tokener *tok, char *err, size_t errlen)
{
    json_object *root = parse_text(text, n, file, tok, err, errlen);
    if (root && !doc_keep_json(doc, root)) {
        json_object_put(root);
        set_err(err, errlen, "%s: out of memory", file);
        return NULL;
    }
    return root;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The include pattern, relative to the directory of the main file, whose
 * name is escaped so that its own '*' or '[' match only themselves. */
static char *include_pattern(const char *main_file, const char *pattern)
{
    const char *slash = strrchr(main_file, '/');
    if (pattern[0] == '/' || !slash) return strdup(pattern);
    size_t dirlen = (size_t)(slash - main_file) + 1;
    char *out = malloc(2 * dirlen + strlen(pattern) + 1);
    if (!out) return NULL;
    char *o = out;
    for (size_t i = 0; i < dirlen; i++) {
        if (strchr("*?[\\", main_file[i])) *o++ = '\\';
        *o++ = main_file[i];
    }
    strcpy(o, pattern);
    return out;
}

/* Merges one included file's plugin blocks into the root's "plugins". */
static bool merge_include(seal_conf_doc_t *doc, const char *path, json_tokener *tok,
                          seal_conf_t **plugins, char *err, size_t errlen)
{
    size_t n = 0;
    char *text = read_file(path, true, &n, err, errlen);
    if (!text) return false;
    const char *file = doc_file(doc, path);
    json_object *root = file ? doc_parse(doc, text, n, file, tok, err, errlen) : NULL;
    free(text);
    if (!file) { set_err(err, errlen, "%s: out of memory", path); return false; }
    if (!root) return false;

    sbuf_t sb = { 0 };
    bool ok = false;
    json_object *blocks = NULL;
    struct json_object_iterator it = json_object_iter_begin(root);
    struct json_object_iterator stop = json_object_iter_end(root);
    for (; !json_object_iter_equal(&it, &stop); json_object_iter_next(&it)) {
        const char *k = json_object_iter_peek_name(&it);
        sb_cut(&sb, 0);
        sb_put(&sb, "$", 1);
        sb_key(&sb, k);
        if (sb.oom) goto oom;
        if (strcmp(k, "plugins") != 0) {
            set_err(err, errlen, "%s: %s: unknown key (an included file may only hold "
                    "\"plugins\")", file, sb.s);
            goto out;
        }
        blocks = json_object_iter_peek_value(&it);
        if (!json_object_is_type(blocks, json_type_object)) {
            set_err(err, errlen, "%s: %s: expected object, got %s", file, sb.s,
                    type_name(json_type_of(blocks)));
            goto out;
        }
    }
    if (!blocks) { ok = true; goto out; }

    it = json_object_iter_begin(blocks);
    stop = json_object_iter_end(blocks);
    for (; !json_object_iter_equal(&it, &stop); json_object_iter_next(&it)) {
        const char *name = json_object_iter_peek_name(&it);
        sb_cut(&sb, 0);
        sb_put(&sb, "$.plugins", 9);
        sb_key(&sb, name);
        if (sb.oom) goto oom;
        seal_conf_t *first = *plugins ? node_find(*plugins, name) : NULL;
        if (first) {
            set_err(err, errlen, "%s: %s: plugin configured twice (first in %s)", file,
                    sb.s, first->file);
            goto out;
        }
        if (!*plugins) {
            /* The main file has no "plugins": make the object it would have. */
            *plugins = node_new(NULL, SEAL_CONF_OBJECT, doc->root->file, "plugins",
                                "$.plugins");
            if (!*plugins) goto oom;
            if (!node_add(doc->root, *plugins)) {
                node_free(*plugins);
                *plugins = NULL;
                goto oom;
            }
            if (!node_index(doc->root)) goto oom;
        }
        seal_conf_t *block = build(json_object_iter_peek_value(&it), file, name, &sb, 0);
        if (!block || !node_add(*plugins, block)) { node_free(block); goto oom; }
        if (!node_index(*plugins)) goto oom;
    }
    ok = true;
    goto out;
oom:
    set_err(err, errlen, "%s: out of memory", file);
out:
    free(sb.s);
    return ok;
}

/* The top-level "include": a glob whose matches, in byte order, add their
 * plugin blocks. No match is fine: plugins-enabled/ may be empty. */
static bool apply_include(seal_conf_doc_t *doc, json_tokener *tok, char *err, size_t errlen)
{
    seal_conf_t *root = doc->root;
    seal_conf_t *inc = node_find(root, "include");
    if (!inc) return true;
    atomic_store(&inc->read, true);   /* consumed here, not by the host */
    if (inc->type != SEAL_CONF_STRING) {
        set_err(err, errlen, "%s: %s: expected string, got %s", inc->file, inc->path,
                type_name(inc->type));
        return false;
    }
    seal_conf_t *plugins = node_find(root, "plugins");
    if (plugins && plugins->type != SEAL_CONF_OBJECT) {
        set_err(err, errlen, "%s: %s: expected object, got %s", plugins->file,
                plugins->path, type_name(plugins->type));
        return false;
    }
    const char *pat = json_object_get_string(inc->obj);
    if ((size_t)json_object_get_string_len(inc->obj) != strlen(pat)) {
        set_err(err, errlen, "%s: %s: NUL character in the pattern", inc->file, inc->path);
        return false;
    }
    char *full = include_pattern(root->file, pat);
    if (!full) { set_err(err, errlen, "%s: out of memory", root->file); return false; }
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob(full, GLOB_NOSORT, NULL, &g);
    free(full);
    if (rc != 0 && rc != GLOB_NOMATCH) {
        set_err(err, errlen, "%s: %s: %s", inc->file, inc->path,
                rc == GLOB_NOSPACE ? "out of memory" : "cannot expand the pattern");
        globfree(&g);
        return false;
    }
    if (rc == GLOB_NOMATCH || g.gl_pathc == 0) {
        globfree(&g);
        return true;
    }
    /* Byte order, whatever the locale: "10-x" before "20-y". */
    qsort(g.gl_pathv, g.gl_pathc, sizeof *g.gl_pathv, cmp_str);
    bool ok = true;
    for (size_t i = 0; ok && i < g.gl_pathc; i++)
        ok = merge_include(doc, g.gl_pathv[i], tok, &plugins, err, errlen);
    globfree(&g);
    return ok;
}

static seal_conf_doc_t *doc_make(const char *text, size_t n, const char *label,
                                 char *err, size_t errlen)
{
    seal_conf_doc_t *doc = calloc(1, sizeof *doc);
    json_tokener *tok = json_tokener_new();
    if (!doc || !tok) goto oom;
    json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
    const char *file = doc_file(doc, label);
    if (!file) goto oom;
    json_object *root = doc_parse(doc, text, n, file, tok, err, errlen);
    if (!root) goto fail;
    sbuf_t sb = { 0 };
    sb_put(&sb, "$", 1);
    doc->root = build(root, file, NULL, &sb, 0);
    free(sb.s);
    if (!doc->root) goto oom;
    if (!apply_include(doc, tok, err, errlen)) goto fail;
    json_tokener_free(tok);
    return doc;
oom:
    set_err(err, errlen, "%s: out of memory", label);
fail:
    if (tok) json_tokener_free(tok);
    seal_conf_doc_free(doc);
    return NULL;
}

seal_conf_doc_t *seal_conf_doc_parse(const char *text, const char *label,
                                     char *err, size_t errlen)
{
    if (!label) label = "(string)";
    if (!text) {
        set_err(err, errlen, "%s: no text", label);
        return NULL;
    }
    return doc_make(text, strlen(text), label, err, errlen);
}

seal_conf_doc_t *seal_conf_doc_load(const char *file, char *err, size_t errlen)
{
    if (!file) {
        set_err(err, errlen, "no configuration file");
        return NULL;
    }
    size_t n = 0;
    char *text = read_file(file, false, &n, err, errlen);
    if (!text) return NULL;
    seal_conf_doc_t *doc = doc_make(text, n, file, err, errlen);
    free(text);
    return doc;
}

const seal_conf_t *seal_conf_doc_root(const seal_conf_doc_t *doc)
{
    return doc ? doc->root : NULL;
}

/* ------------------------------------------------------------------ */
/* Getters */

static void mark_read(const seal_conf_t *node)
{
    /* The mark is the one mutable part of a node (see the top comment). */
    atomic_store_explicit(&((seal_conf_t *)node)->read, true, memory_order_relaxed);
}

seal_conf_type_t seal_conf_type(const seal_conf_t *node)
{
    return node ? node->type : SEAL_CONF_NULL;
}

const char *seal_conf_file(const seal_conf_t *node)
{
    return node ? node->file : "(none)";
}

const char *seal_conf_path(const seal_conf_t *node)
{
    return node ? node->path : "$";
}

const seal_conf_t *seal_conf_get(const seal_conf_t *node, const char *key)
{
    if (!node || !key || node->type != SEAL_CONF_OBJECT) return NULL;
    seal_conf_t *kid = node_find(node, key);
    if (kid) mark_read(kid);
    return kid;
}

static seal_status_t conf_fail(const seal_conf_t *node, const char *fmt, ...) SEAL_PRINTF(2, 3);
static seal_status_t conf_fail(const seal_conf_t *node, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    seal_log(NULL, SEAL_LOG_ERR, "%s: %s: %s", seal_conf_file(node), seal_conf_path(node), msg);
    return SEAL_E_CONFIG;
}

/* The member key of node for a typed getter: none when node is NULL (no
 * block at all means every default), an error when node is no object. */
static seal_status_t member(const seal_conf_t *node, const char *key, const seal_conf_t **out)
{
    *out = NULL;
    if (!node) return SEAL_OK;
    if (node->type != SEAL_CONF_OBJECT)
        return conf_fail(node, "expected object, got %s", type_name(node->type));
    *out = seal_conf_get(node, key);
    return SEAL_OK;
}

static seal_status_t wrong_type(const seal_conf_t *v, const char *want)
{
    return conf_fail(v, "expected %s, got %s", want, type_name(v->type));
}

seal_status_t seal_conf_string(const seal_conf_t *node, const char *key,
                               const char *def, const char **out)
{
    if (!key || !out) return SEAL_E_INVAL;
    *out = def;
    const seal_conf_t *v;
    seal_status_t st = member(node, key, &v);
    if (st != SEAL_OK || !v) return st;
    if (v->type != SEAL_CONF_STRING) return wrong_type(v, "string");
    const char *s = json_object_get_string(v->obj);
    /* A C string would silently end at the NUL: "a\u0000b" is not "a". */
    if ((size_t)json_object_get_string_len(v->obj) != strlen(s))
        return conf_fail(v, "string holds a NUL character");
    *out = s;
    return SEAL_OK;
}

seal_status_t seal_conf_int(const seal_conf_t *node, const char *key,
                            int64_t def, int64_t min, int64_t max, int64_t *out)
{
    if (!key || !out) return SEAL_E_INVAL;
    *out = def;
    const seal_conf_t *v;
    seal_status_t st = member(node, key, &v);
    if (st != SEAL_OK || !v) return st;
    if (v->type != SEAL_CONF_INT) return wrong_type(v, "integer");
    int64_t i = json_object_get_int64(v->obj);
    /* json-c holds integers above INT64_MAX as unsigned. */
    if (i == INT64_MAX && json_object_get_uint64(v->obj) > (uint64_t)INT64_MAX)
        return conf_fail(v, "%llu is out of range [%lld, %lld]",
                         (unsigned long long)json_object_get_uint64(v->obj),
                         (long long)min, (long long)max);
    if (i < min || i > max)
        return conf_fail(v, "%lld is out of range [%lld, %lld]", (long long)i,
                         (long long)min, (long long)max);
    *out = i;
    return SEAL_OK;
}

seal_status_t seal_conf_bool(const seal_conf_t *node, const char *key,
                             bool def, bool *out)
{
    if (!key || !out) return SEAL_E_INVAL;
    *out = def;
    const seal_conf_t *v;
    seal_status_t st = member(node, key, &v);
    if (st != SEAL_OK || !v) return st;
    if (v->type != SEAL_CONF_BOOL) return wrong_type(v, "boolean");
    *out = json_object_get_boolean(v->obj) != 0;
    return SEAL_OK;
}

seal_status_t seal_conf_double(const seal_conf_t *node, const char *key,
                               double def, double *out)
{
    if (!key || !out) return SEAL_E_INVAL;
    *out = def;
    const seal_conf_t *v;
    seal_status_t st = member(node, key, &v);
    if (st != SEAL_OK || !v) return st;
    if (v->type != SEAL_CONF_DOUBLE && v->type != SEAL_CONF_INT)
        return wrong_type(v, "number");
    double d = json_object_get_double(v->obj);
    /* json-c's non-strict mode reads NaN and Infinity. */
    if (!isfinite(d)) return conf_fail(v, "expected a finite number");
    *out = d;
    return SEAL_OK;
}

size_t seal_conf_array_len(const seal_conf_t *node)
{
    return node && node->type == SEAL_CONF_ARRAY ? node->n : 0;
}

const seal_conf_t *seal_conf_array_at(const seal_conf_t *node, size_t i)
{
    if (!node || node->type != SEAL_CONF_ARRAY || i >= node->n) return NULL;
    mark_read(node->kids[i]);
    return node->kids[i];
}

const char *seal_conf_as_string(const seal_conf_t *node)
{
    return node && node->type == SEAL_CONF_STRING ? json_object_get_string(node->obj) : NULL;
}

const char *seal_conf_key_at(const seal_conf_t *node, size_t i, const seal_conf_t **value)
{
    if (value) *value = NULL;
    if (!node || node->type != SEAL_CONF_OBJECT || i >= node->n) return NULL;
    mark_read(node->kids[i]);
    if (value) *value = node->kids[i];
    return node->kids[i]->key;
}

/* Unread members are reported themselves, never their children: the
 * deepest level anyone looked at is where the unknown key is. Elements of
 * a read array count as its members. */
size_t seal_conf_unread(const seal_conf_t *node,
                        void (*fn)(const seal_conf_t *unread, void *ctx), void *ctx)
{
    size_t count = 0;
    if (!node) return 0;
    for (size_t i = 0; i < node->n; i++) {
        const seal_conf_t *kid = node->kids[i];
        if (!atomic_load_explicit(&kid->read, memory_order_relaxed)) {
            if (fn) fn(kid, ctx);
            count++;
        } else if (kid->n) {
            count += seal_conf_unread(kid, fn, ctx);
        }
    }
    return count;
}

/* ------------------------------------------------------------------ */
/* Errors */

static char *vformat(const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    return msg;
}

void seal_conf_format_error(const seal_conf_t *node, char *buf, size_t len,
                            const char *fmt, ...)
{
    if (!buf || !len) return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (node)
        snprintf(buf, len, "%s: %s: %s", node->file, node->path, msg ? msg : fmt);
    else
        snprintf(buf, len, "%s", msg ? msg : fmt);
    free(msg);
}

seal_status_t seal_conf_error(seal_plugin_t *self, const seal_conf_t *node,
                              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (node)
        seal_log(self, SEAL_LOG_ERR, "%s: %s: %s", node->file, node->path, msg ? msg : fmt);
    else
        seal_log(self, SEAL_LOG_ERR, "%s", msg ? msg : fmt);
    free(msg);
    return SEAL_E_CONFIG;
}
