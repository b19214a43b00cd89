/* SPDX-License-Identifier: Apache-2.0 */
/* The strict JSON reader (see sjson.h): one recursive-descent pass over
 * the text that checks it and builds the json-c values as it goes, so the
 * checks cost no second pass. Decoded strings and member names live on a
 * scratch stack (offsets, since it may move): a name stays there while its
 * value is read, which is also what names the field when something fails
 * below it. The scratch memory is wiped before it is freed. */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sjson.h"

typedef struct frame {
    int is_object;
    int has_child;      /* name_off/index say which child is being read */
    size_t name_off;    /* objects: the member name on the scratch stack */
    size_t index;       /* arrays */
} frame_t;

typedef struct parser {
    const unsigned char *start, *p, *end;
    int max_depth, depth;
    frame_t frames[SJSON_DEPTH_LIMIT];
    char *buf;          /* scratch stack */
    size_t cap, top;
    sjson_error_t *err;
    int failed;
} parser_t;

/* ---- errors ---- */

/* Appends "/" and the reference token tok (RFC 6901 3: '~' is "~0", '/' is
 * "~1"). Returns -1 when the pointer had to be cut (nothing may follow). */
static int ptr_append(char *out, size_t *len, const char *tok, size_t n)
{
    if (*len + 2 >= SJSON_PTR_MAX)
        return -1;
    out[(*len)++] = '/';
    for (size_t i = 0; i < n; i++) {
        const char *rep = tok[i] == '~' ? "~0" : tok[i] == '/' ? "~1" : NULL;
        size_t k = rep ? 2 : 1;
        if (*len + k >= SJSON_PTR_MAX) {
            /* Cut at a character boundary: drop a partial UTF-8 sequence. */
            size_t lead = *len;
            while (lead > 0 && ((unsigned char)out[lead - 1] & 0xC0) == 0x80)
                lead--;
            if (lead > 0 && (unsigned char)out[lead - 1] >= 0xC0) {
                unsigned c = (unsigned char)out[lead - 1];
                size_t want = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
                if (*len - (lead - 1) < want)
                    *len = lead - 1;
            }
            out[*len] = '\0';
            return -1;
        }
        if (rep)
            memcpy(out + *len, rep, 2);
        else
            out[*len] = tok[i];
        *len += k;
    }
    out[*len] = '\0';
    return 0;
}

/* Records the first failure: code, reason, the byte at fault and the
 * pointer of the children being read in the open containers. */
static void fail(parser_t *p, sjson_code_t code, const char *reason, const unsigned char *at)
{
    if (p->failed)
        return;
    p->failed = 1;
    sjson_error_t *e = p->err;
    if (!e)
        return;
    e->code = code;
    e->reason = reason;
    e->offset = (size_t)(at - p->start);
    size_t len = 0;
    e->pointer[0] = '\0';
    for (int i = 0; i < p->depth; i++) {
        const frame_t *f = &p->frames[i];
        if (!f->has_child)
            break;
        if (f->is_object) {
            const char *name = p->buf + f->name_off;
            if (ptr_append(e->pointer, &len, name, strlen(name)) != 0)
                break;
        } else {
            char num[24];
            int n = snprintf(num, sizeof num, "%zu", f->index);
            if (ptr_append(e->pointer, &len, num, (size_t)n) != 0)
                break;
        }
    }
}

/* A fault of the container being read itself (not of one of its children). */
static void fail_container(parser_t *p, sjson_code_t code, const char *reason,
                           const unsigned char *at)
{
    p->frames[p->depth - 1].has_child = 0;
    fail(p, code, reason, at);
}

/* Names what stands where something else was expected. */
static void unexpected(parser_t *p, const char *expected)
{
    if (p->p >= p->end)
        fail(p, SJSON_E_EOF, "unexpected end of the text", p->p);
    else if (*p->p == '/')
        fail(p, SJSON_E_COMMENT, "comments are not JSON", p->p);
    else if (*p->p == '\'')
        fail(p, SJSON_E_QUOTE, "strings take double quotes, not single ones", p->p);
    else
        fail(p, SJSON_E_SYNTAX, expected, p->p);
}

static void skip_ws(parser_t *p)
{
    /* RFC 8259 2: these four, nothing else. */
    while (p->p < p->end && (*p->p == ' ' || *p->p == '\n' || *p->p == '\r' || *p->p == '\t'))
        p->p++;
}

/* ---- strings ---- */

/* Makes room for n more bytes on the scratch stack. */
static int reserve(parser_t *p, size_t n)
{
    if (p->cap - p->top >= n)
        return 0;
    size_t cap = p->cap ? p->cap : 256;
    while (cap - p->top < n) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    /* Not realloc: the old block is wiped before it is freed (below). */
    char *b = malloc(cap);
    if (!b)
        return -1;
    if (p->buf) {
        memcpy(b, p->buf, p->top);
        explicit_bzero(p->buf, p->cap);
        free(p->buf);
    }
    p->buf = b;
    p->cap = cap;
    return 0;
}

/* The length of the UTF-8 sequence at q (RFC 3629 4, the well-formed byte
 * sequences), or 0 after recording why it is not one. */
static size_t utf8_len(parser_t *p, const unsigned char *q)
{
    unsigned c = q[0];
    size_t need;
    if (c < 0x80)
        return 1;
    if (c < 0xC0) {
        fail(p, SJSON_E_UTF8, "invalid UTF-8: a continuation byte with no lead byte", q);
        return 0;
    }
    if (c < 0xC2) {
        fail(p, SJSON_E_UTF8, "invalid UTF-8: overlong form", q);
        return 0;
    }
    if (c >= 0xF5) {
        fail(p, SJSON_E_UTF8, "invalid UTF-8: code point past U+10FFFF", q);
        return 0;
    }
    need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    for (size_t i = 1; i < need; i++)
        if (q + i >= p->end || (q[i] & 0xC0) != 0x80) {
            fail(p, SJSON_E_UTF8, "invalid UTF-8: truncated sequence", q);
            return 0;
        }
    if ((c == 0xE0 && q[1] < 0xA0) || (c == 0xF0 && q[1] < 0x90)) {
        fail(p, SJSON_E_UTF8, "invalid UTF-8: overlong form", q);
        return 0;
    }
    if (c == 0xED && q[1] > 0x9F) {
        fail(p, SJSON_E_UTF8, "invalid UTF-8: an encoded surrogate (U+D800..U+DFFF)", q);
        return 0;
    }
    if (c == 0xF4 && q[1] > 0x8F) {
        fail(p, SJSON_E_UTF8, "invalid UTF-8: code point past U+10FFFF", q);
        return 0;
    }
    return need;
}

static int hex4(const unsigned char *q, const unsigned char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - q < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        unsigned c = q[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/* Decodes the escape at p->p (the backslash) onto the scratch stack. */
static int unescape(parser_t *p, int in_name)
{
    const unsigned char *at = p->p;
    if (at + 1 >= p->end) {
        fail(p, SJSON_E_EOF, "unexpected end of the text", p->end);
        return -1;
    }
    char c;
    switch (at[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
        unsigned cp, lo;
        if (hex4(at + 2, p->end, &cp) != 0) {
            fail(p, SJSON_E_ESCAPE, "\\u takes four hexadecimal digits", at);
            return -1;
        }
        p->p = at + 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(p, SJSON_E_SURROGATE, "a lone low surrogate escape", at);
            return -1;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* RFC 8259 7: a pair of escapes for a character past U+FFFF. */
            if (p->end - p->p < 6 || p->p[0] != '\\' || p->p[1] != 'u'
                || hex4(p->p + 2, p->end, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
                fail(p, SJSON_E_SURROGATE, "a high surrogate escape not followed by a low one",
                     at);
                return -1;
            }
            p->p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (cp == 0 && in_name) {
            fail(p, SJSON_E_NUL, "\\u0000 in a member name", at);
            return -1;
        }
        if (reserve(p, 4) != 0) {
            fail(p, SJSON_E_NOMEM, "out of memory", at);
            return -1;
        }
        char *o = p->buf + p->top;
        if (cp < 0x80) {
            o[0] = (char)cp;
            p->top += 1;
        } else if (cp < 0x800) {
            o[0] = (char)(0xC0 | cp >> 6);
            o[1] = (char)(0x80 | (cp & 0x3F));
            p->top += 2;
        } else if (cp < 0x10000) {
            o[0] = (char)(0xE0 | cp >> 12);
            o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
            o[2] = (char)(0x80 | (cp & 0x3F));
            p->top += 3;
        } else {
            o[0] = (char)(0xF0 | cp >> 18);
            o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
            o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
            o[3] = (char)(0x80 | (cp & 0x3F));
            p->top += 4;
        }
        return 0;
    }
    default:
        fail(p, SJSON_E_ESCAPE, "an escape RFC 8259 does not define", at);
        return -1;
    }
    if (reserve(p, 1) != 0) {
        fail(p, SJSON_E_NOMEM, "out of memory", at);
        return -1;
    }
    p->buf[p->top++] = c;
    p->p = at + 2;
    return 0;
}

/* Reads the string at p->p (the opening quote). Without escapes a value
 * is the text itself (*out, *len); otherwise, and always for a name
 * (to_scratch), it is decoded onto the scratch stack at *off,
 * NUL-terminated, and *out points there until the stack moves. */
static int read_string(parser_t *p, int to_scratch, const char **out, size_t *len, size_t *off)
{
    const unsigned char *q = p->p + 1, *first = q;
    /* Fast path: plain characters up to the closing quote. */
    for (;;) {
        if (q >= p->end) {
            fail(p, SJSON_E_EOF, "unexpected end of the text in a string", q);
            return -1;
        }
        unsigned c = *q;
        if (c == '"' || c == '\\')
            break;
        if (c < 0x20) {
            fail(p, SJSON_E_CONTROL, "a control character in a string (it must be escaped)",
                 q);
            return -1;
        }
        size_t n = c < 0x80 ? 1 : utf8_len(p, q);
        if (n == 0)
            return -1;
        q += n;
    }
    size_t plain = (size_t)(q - first);
    if (*q == '"' && !to_scratch) {
        p->p = q + 1;
        *out = (const char *)first;
        *len = plain;
        return 0;
    }
    *off = p->top;
    if (reserve(p, plain + 1) != 0) {
        fail(p, SJSON_E_NOMEM, "out of memory", q);
        return -1;
    }
    memcpy(p->buf + p->top, first, plain);
    p->top += plain;
    p->p = q;
    /* Slow path: escapes. */
    for (;;) {
        if (p->p >= p->end) {
            fail(p, SJSON_E_EOF, "unexpected end of the text in a string", p->p);
            return -1;
        }
        unsigned c = *p->p;
        if (c == '"')
            break;
        if (c == '\\') {
            if (unescape(p, to_scratch) != 0)
                return -1;
            continue;
        }
        if (c < 0x20) {
            fail(p, SJSON_E_CONTROL, "a control character in a string (it must be escaped)",
                 p->p);
            return -1;
        }
        size_t n = c < 0x80 ? 1 : utf8_len(p, p->p);
        if (n == 0)
            return -1;
        if (reserve(p, n + 1) != 0) {
            fail(p, SJSON_E_NOMEM, "out of memory", p->p);
            return -1;
        }
        memcpy(p->buf + p->top, p->p, n);
        p->top += n;
        p->p += n;
    }
    p->p++;
    if (reserve(p, 1) != 0) {
        fail(p, SJSON_E_NOMEM, "out of memory", p->p);
        return -1;
    }
    p->buf[p->top] = '\0';
    *len = p->top - *off;
    p->top++;
    *out = p->buf + *off;
    return 0;
}

/* ---- numbers ---- */

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static int is_digit(const unsigned char *q, const unsigned char *end)
{
    return q < end && *q >= '0' && *q <= '9';
}

static int word_at(const unsigned char *q, const unsigned char *end, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(end - q) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((q[i] | 0x20) != (unsigned char)w[i])
            return 0;
    return 1;
}

/* RFC 8259 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static struct json_object *read_number(parser_t *p)
{
    const unsigned char *s = p->p, *q = s, *end = p->end;
    int neg = 0, integer = 1;
    if (*q == '-') {
        neg = 1;
        q++;
        if (word_at(q, end, "inf") || word_at(q, end, "nan")) {
            fail(p, SJSON_E_NONFINITE, "NaN and Infinity are not JSON numbers", s);
            return NULL;
        }
    }
    if (!is_digit(q, end)) {
        if (q >= end)
            fail(p, SJSON_E_EOF, "unexpected end of the text in a number", q);
        else
            fail(p, SJSON_E_NUMBER, "a number needs a digit after '-'", q);
        return NULL;
    }
    if (*q == '0') {
        q++;
        if (is_digit(q, end)) {
            fail(p, SJSON_E_NUMBER, "a number with a leading zero", s);
            return NULL;
        }
    } else {
        while (is_digit(q, end))
            q++;
    }
    const unsigned char *int_end = q;
    if (q < end && *q == '.') {
        integer = 0;
        q++;
        if (!is_digit(q, end)) {
            fail(p, SJSON_E_NUMBER, "a number needs digits after '.'", q);
            return NULL;
        }
        while (is_digit(q, end))
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        integer = 0;
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (!is_digit(q, end)) {
            fail(p, SJSON_E_NUMBER, "a number needs digits in its exponent", q);
            return NULL;
        }
        while (is_digit(q, end))
            q++;
    }
    p->p = q;
    struct json_object *v = NULL;
    if (integer) {
        /* Exactly: -2^63 .. 2^64-1 (json-c holds int64 and uint64). */
        uint64_t mag = 0;
        for (const unsigned char *d = s + neg; d < int_end; d++) {
            unsigned k = (unsigned)(*d - '0');
            if (mag > (UINT64_MAX - k) / 10) {
                fail(p, SJSON_E_RANGE, "an integer out of the 64-bit range", s);
                return NULL;
            }
            mag = mag * 10 + k;
        }
        if (neg && mag > (uint64_t)INT64_MAX + 1) {
            fail(p, SJSON_E_RANGE, "an integer out of the 64-bit range", s);
            return NULL;
        }
        if (neg)
            v = json_object_new_int64(mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
                                                                     : -(int64_t)mag);
        else if (mag <= (uint64_t)INT64_MAX)
            v = json_object_new_int64((int64_t)mag);
        else
            v = json_object_new_uint64(mag);
    } else {
        /* strtod needs a NUL-terminated copy; the C locale's '.' always. */
        size_t n = (size_t)(q - s);
        char small[64], *text = n < sizeof small ? small : malloc(n + 1);
        if (!text) {
            fail(p, SJSON_E_NOMEM, "out of memory", s);
            return NULL;
        }
        memcpy(text, s, n);
        text[n] = '\0';
        pthread_once(&c_locale_once, c_locale_init);
        char *stop = NULL;
        double d = c_locale ? strtod_l(text, &stop, c_locale) : strtod(text, &stop);
        if (stop != text + n || isinf(d)) {
            fail(p, SJSON_E_RANGE, "a number too large for a double", s);
        } else {
            /* The text is kept: the value is written back as it came. */
            v = json_object_new_double_s(d, text);
        }
        if (text != small)
            free(text);
        if (p->failed)
            return NULL;
    }
    if (!v)
        fail(p, SJSON_E_NOMEM, "out of memory", s);
    return v;
}

/* ---- values ---- */

static struct json_object *read_value(parser_t *p);

static int enter(parser_t *p, int is_object)
{
    if (p->depth >= p->max_depth) {
        fail(p, SJSON_E_DEPTH, "nested too deep", p->p);
        return -1;
    }
    frame_t *f = &p->frames[p->depth++];
    f->is_object = is_object;
    f->has_child = 0;
    f->index = 0;
    return 0;
}

static struct json_object *read_object(parser_t *p)
{
    if (enter(p, 1) != 0)
        return NULL;
    frame_t *f = &p->frames[p->depth - 1];
    struct json_object *obj = json_object_new_object();
    if (!obj) {
        fail(p, SJSON_E_NOMEM, "out of memory", p->p);
        return NULL;
    }
    p->p++;
    skip_ws(p);
    if (p->p < p->end && *p->p == '}') {
        p->p++;
        p->depth--;
        return obj;
    }
    for (;;) {
        /* A fault in a name is the object's. */
        f->has_child = 0;
        skip_ws(p);
        if (p->p >= p->end || *p->p != '"') {
            if (p->p < p->end && *p->p == '}')
                fail(p, SJSON_E_COMMA, "a trailing comma", p->p);
            else if (p->p < p->end && *p->p != '/' && *p->p != '\'')
                fail(p, SJSON_E_NAME, "a member name must be a string", p->p);
            else
                unexpected(p, "a member name must be a string");
            goto bad;
        }
        const unsigned char *name_at = p->p;
        const char *name;
        size_t name_len, off = 0, mark = p->top;
        if (read_string(p, 1, &name, &name_len, &off) != 0)
            goto bad;
        f->name_off = off;
        f->has_child = 1;
        /* RFC 8259 4 (SHOULD be unique), RFC 7519 4 (MUST refuse): a
         * second value must not silently replace the first. */
        if (json_object_object_get_ex(obj, name, NULL)) {
            fail(p, SJSON_E_DUPLICATE, "duplicate member name", name_at);
            goto bad;
        }
        skip_ws(p);
        if (p->p >= p->end || *p->p != ':') {
            unexpected(p, "':' must follow a member name");
            goto bad;
        }
        p->p++;
        skip_ws(p);
        struct json_object *v = read_value(p);
        if (p->failed)
            goto bad;
        /* The name may have moved with the scratch stack. */
        if (json_object_object_add_ex(obj, p->buf + off, v, JSON_C_OBJECT_ADD_KEY_IS_NEW) != 0) {
            json_object_put(v);
            fail(p, SJSON_E_NOMEM, "out of memory", p->p);
            goto bad;
        }
        p->top = mark;
        skip_ws(p);
        if (p->p < p->end && *p->p == ',') {
            p->p++;
            continue;
        }
        if (p->p < p->end && *p->p == '}') {
            p->p++;
            break;
        }
        f->has_child = 0;
        unexpected(p, "',' or '}' must follow a member");
        goto bad;
    }
    p->depth--;
    return obj;
bad:
    json_object_put(obj);
    return NULL;
}

static struct json_object *read_array(parser_t *p)
{
    if (enter(p, 0) != 0)
        return NULL;
    frame_t *f = &p->frames[p->depth - 1];
    struct json_object *arr = json_object_new_array();
    if (!arr) {
        fail(p, SJSON_E_NOMEM, "out of memory", p->p);
        return NULL;
    }
    p->p++;
    skip_ws(p);
    if (p->p < p->end && *p->p == ']') {
        p->p++;
        p->depth--;
        return arr;
    }
    for (;;) {
        skip_ws(p);
        if (p->p < p->end && *p->p == ']') {
            fail_container(p, SJSON_E_COMMA, "a trailing comma", p->p);
            goto bad;
        }
        f->has_child = 1;
        struct json_object *v = read_value(p);
        if (p->failed)
            goto bad;
        if (json_object_array_add(arr, v) != 0) {
            json_object_put(v);
            fail(p, SJSON_E_NOMEM, "out of memory", p->p);
            goto bad;
        }
        skip_ws(p);
        if (p->p < p->end && *p->p == ',') {
            p->p++;
            f->index++;
            continue;
        }
        if (p->p < p->end && *p->p == ']') {
            p->p++;
            break;
        }
        f->has_child = 0;
        unexpected(p, "',' or ']' must follow an array element");
        goto bad;
    }
    p->depth--;
    return arr;
bad:
    json_object_put(arr);
    return NULL;
}

static struct json_object *read_value(parser_t *p)
{
    if (p->p >= p->end) {
        fail(p, SJSON_E_EOF, "unexpected end of the text", p->p);
        return NULL;
    }
    const unsigned char *q = p->p;
    switch (*q) {
    case '{':
        return read_object(p);
    case '[':
        return read_array(p);
    case '"': {
        const char *s;
        size_t len, off = 0, mark = p->top;
        if (read_string(p, 0, &s, &len, &off) != 0)
            return NULL;
        if (len > INT_MAX) {
            fail(p, SJSON_E_RANGE, "a string too long", q);
            return NULL;
        }
        struct json_object *v = json_object_new_string_len(s, (int)len);
        p->top = mark;
        if (!v)
            fail(p, SJSON_E_NOMEM, "out of memory", q);
        return v;
    }
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return read_number(p);
    case 't':
        if ((size_t)(p->end - q) >= 4 && memcmp(q, "true", 4) == 0) {
            p->p += 4;
            struct json_object *v = json_object_new_boolean(1);
            if (!v)
                fail(p, SJSON_E_NOMEM, "out of memory", q);
            return v;
        }
        break;
    case 'f':
        if ((size_t)(p->end - q) >= 5 && memcmp(q, "false", 5) == 0) {
            p->p += 5;
            struct json_object *v = json_object_new_boolean(0);
            if (!v)
                fail(p, SJSON_E_NOMEM, "out of memory", q);
            return v;
        }
        break;
    case 'n':
        if ((size_t)(p->end - q) >= 4 && memcmp(q, "null", 4) == 0) {
            p->p += 4;
            return NULL;
        }
        break;
    case '+':
        fail(p, SJSON_E_NUMBER, "a number must not start with '+'", q);
        return NULL;
    case '.':
        fail(p, SJSON_E_NUMBER, "a number needs a digit before '.'", q);
        return NULL;
    default:
        break;
    }
    if (word_at(q, p->end, "nan") || word_at(q, p->end, "inf"))
        fail(p, SJSON_E_NONFINITE, "NaN and Infinity are not JSON numbers", q);
    else if ((size_t)(p->end - q) >= 3 && memcmp(q, "\xEF\xBB\xBF", 3) == 0)
        fail(p, SJSON_E_SYNTAX, "a byte order mark is not JSON", q);
    else
        unexpected(p, "not a JSON value");
    return NULL;
}

struct json_object *sjson_parse(const char *text, size_t len, int max_depth,
                                sjson_error_t *err)
{
    static const char empty[] = "";
    parser_t p;
    p.start = p.p = (const unsigned char *)(text ? text : empty);
    p.end = p.start + (text ? len : 0);
    p.max_depth = max_depth <= 0 || max_depth > SJSON_DEPTH_LIMIT ? SJSON_DEPTH_LIMIT
                                                                  : max_depth;
    p.depth = 0;
    p.buf = NULL;
    p.cap = p.top = 0;
    p.err = err;
    p.failed = 0;
    if (err) {
        err->code = SJSON_OK;
        err->reason = NULL;
        err->offset = 0;
        err->pointer[0] = '\0';
    }
    struct json_object *v = NULL;
    skip_ws(&p);
    if (p.p >= p.end) {
        fail(&p, SJSON_E_EMPTY, "no JSON value", p.p);
    } else {
        v = read_value(&p);
        if (!p.failed) {
            p.depth = 0;
            skip_ws(&p);
            if (p.p < p.end)
                fail(&p, SJSON_E_TRAILING, *p.p == '/' ? "a comment after the JSON value"
                                                       : "data after the JSON value", p.p);
        }
    }
    /* Decoded strings may be secrets (a JWK's "d", a password): they live
     * on only in the values returned, which their reader wipes. */
    if (p.buf)
        explicit_bzero(p.buf, p.cap);
    free(p.buf);
    if (p.failed) {
        json_object_put(v);
        return NULL;
    }
    return v;
}

char *sjson_error_text(const sjson_error_t *err, char *buf, size_t n)
{
    if (!n)
        return buf;
    if (!err || err->code == SJSON_OK)
        snprintf(buf, n, "no error");
    else if (err->pointer[0])
        snprintf(buf, n, "%s at %s (offset %zu)", err->reason, err->pointer, err->offset);
    else
        snprintf(buf, n, "%s (offset %zu)", err->reason, err->offset);
    return buf;
}
