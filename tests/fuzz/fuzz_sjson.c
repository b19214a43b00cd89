/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_sjson: lib/sjson, the strict JSON reader of every text from
 * outside, on arbitrary bytes. Besides "no crash, no leak" it checks:
 *   - a refusal is explained: a code, a reason, an offset inside the text
 *     and a pointer that is "" or starts with '/', shorter than
 *     SJSON_PTR_MAX and valid UTF-8;
 *   - whatever it accepts, json-c's own strict reader accepts too, to an
 *     equal value (sjson is never the more permissive of the two). One
 *     json-c 0.16 bug is stepped around: it reads an escaped surrogate
 *     pair for U+xD800..U+xDFFF (x >= 1, e.g. "\ud836\ude00", U+1DA00)
 *     as U+FFFD, its decoded value looking like a high surrogate; with a
 *     high surrogate escape in the text, the value is compared through
 *     its raw UTF-8 rendering instead;
 *   - an accepted value written back by json-c reads again to an equal
 *     value (a fixed point);
 *   - with a smaller depth limit the same text reads the same or fails
 *     for its depth only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sjson/sjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s\n", #c); __builtin_trap(); } } while (0)

/* 1 if s is well-formed UTF-8 (RFC 3629). */
static int utf8_ok(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        size_t n = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3
                   : c >= 0xF0 && c < 0xF5 ? 4 : 0;
        if (!n)
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((s[i] & 0xC0) != 0x80)
                return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
            (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
            return 0;
        s += n;
    }
    return 1;
}

/* json-c's strict reader on the text; the copy's NUL ends a bare number
 * (json-c waits for more input otherwise). */
static struct json_object *json_c_strict(const char *text, size_t len, int *ok)
{
    char *buf = malloc(len + 1);
    json_tokener *tok = json_tokener_new_ex(SJSON_DEPTH_LIMIT + 1);
    CHECK(buf && tok);
    memcpy(buf, text, len);
    buf[len] = '\0';
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *v = json_tokener_parse_ex(tok, buf, (int)len + 1);
    size_t end = json_tokener_get_parse_end(tok);
    *ok = json_tokener_get_error(tok) == json_tokener_success;
    while (*ok && end < len && buf[end] && strchr(" \t\r\n", buf[end]))
        end++;
    *ok = *ok && end >= len;
    json_tokener_free(tok);
    free(buf);
    return v;
}

/* 1 if the text holds a \u escape of a high surrogate. */
static int has_pair_escape(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++)
        if (s[i] == '\\' && s[i + 1] == 'u' && (s[i + 2] | 0x20) == 'd' &&
            strchr("89abAB", s[i + 3]) && s[i + 3])
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    const char *text = (const char *)data;
    sjson_error_t e;
    char msg[SJSON_PTR_MAX + 128];
    struct json_object *v = sjson_parse(text, size, 0, &e);
    if (!v && e.code != SJSON_OK) {
        CHECK(e.reason && e.reason[0]);
        CHECK(e.offset <= size);
        size_t plen = strnlen(e.pointer, SJSON_PTR_MAX);
        CHECK(plen < SJSON_PTR_MAX);
        CHECK(plen == 0 || e.pointer[0] == '/');
        CHECK(utf8_ok((const unsigned char *)e.pointer));
        CHECK(sjson_error_text(&e, msg, sizeof msg) == msg && msg[0]);
        return 0;
    }
    /* Accepted (v NULL: a bare null). json-c's strict reader agrees. */
    int ok = 0;
    struct json_object *ref = json_c_strict(text, size, &ok);
    if (!ok)
        fprintf(stderr, "json-c refuses what sjson accepted\n");
    CHECK(ok);
    size_t tlen = 0;
    const char *out = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &tlen);
    CHECK(out);
    if (has_pair_escape(text, size)) {
        /* json-c writes non-ASCII characters raw, which it reads right. */
        json_object_put(ref);
        ref = json_c_strict(out, tlen, &ok);
        CHECK(ok);
    }
    CHECK(json_object_equal(v, ref));
    json_object_put(ref);
    /* Written back, it reads again to an equal value. */
    struct json_object *again = sjson_parse(out, tlen, 0, &e);
    CHECK(e.code == SJSON_OK && json_object_equal(v, again));
    json_object_put(again);
    /* A smaller limit: the same value, or refused for its depth. */
    struct json_object *shallow = sjson_parse(text, size, 2, &e);
    CHECK(shallow ? json_object_equal(v, shallow) : (e.code == SJSON_E_DEPTH || !v));
    json_object_put(shallow);
    json_object_put(v);
    return 0;
}
