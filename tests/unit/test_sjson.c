/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/sjson, the strict JSON reader: every class of text
 * that is not RFC 8259 JSON (or that json-c would read into something
 * other than what was sent) is refused with the pointer of the field at
 * fault; valid JSON reads as json-c reads it. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sjson/sjson.h"

typedef struct refusal {
    const char *text;
    size_t len;             /* 0: strlen(text) */
    sjson_code_t code;
    const char *pointer;
    const char *reason;     /* a part of the reason */
} refusal_t;

#define R(t, c, p, r) { t, sizeof(t) - 1, c, p, r }

static const refusal_t refusals[] = {
    /* UTF-8 (RFC 3629 3): overlong, encoded surrogates, past U+10FFFF,
     * truncated, stray continuation bytes; in values and in names. */
    R("{\"valGroupId\":\"a\xc0\xaf\"}", SJSON_E_UTF8, "/valGroupId", "overlong"),
    R("{\"a\":\"\xe0\x80\xaf\"}", SJSON_E_UTF8, "/a", "overlong"),
    R("{\"a\":\"\xf0\x80\x80\xaf\"}", SJSON_E_UTF8, "/a", "overlong"),
    R("{\"a\":\"\xc1\xbf\"}", SJSON_E_UTF8, "/a", "overlong"),
    R("{\"members\":[{\"valUserId\":\"x\"},{\"valUserId\":\"\xed\xa0\x80\"}]}", SJSON_E_UTF8,
      "/members/1/valUserId", "surrogate"),
    R("{\"a\":\"\xed\xbf\xbf\"}", SJSON_E_UTF8, "/a", "surrogate"),
    R("{\"a\":\"\xf4\x90\x80\x80\"}", SJSON_E_UTF8, "/a", "U+10FFFF"),
    R("{\"a\":\"\xf5\x80\x80\x80\"}", SJSON_E_UTF8, "/a", "U+10FFFF"),
    R("{\"a\":\"\xff\"}", SJSON_E_UTF8, "/a", "U+10FFFF"),
    R("{\"a\":\"\xe2\x82\"}", SJSON_E_UTF8, "/a", "truncated"),
    R("{\"a\":\"\xf0\x9f\x98\"}", SJSON_E_UTF8, "/a", "truncated"),
    R("[\"\xe2\x82", SJSON_E_UTF8, "/0", "truncated"),
    R("{\"a\":\"\x80\"}", SJSON_E_UTF8, "/a", "continuation"),
    R("{\"a\":{\"n\xc0\xaf\":1}}", SJSON_E_UTF8, "/a", "overlong"),
    R("{\"a\":\"x\\u00e9\xc0\xaf\"}", SJSON_E_UTF8, "/a", "overlong"),
    /* \u escapes that leave a lone surrogate (RFC 8259 8.2). */
    R("{\"a\":\"\\ud800\"}", SJSON_E_SURROGATE, "/a", "high surrogate"),
    R("{\"a\":\"\\uD800x\"}", SJSON_E_SURROGATE, "/a", "high surrogate"),
    R("{\"a\":\"\\ud800\\u0041\"}", SJSON_E_SURROGATE, "/a", "high surrogate"),
    R("{\"a\":\"\\ud800\\ud800\"}", SJSON_E_SURROGATE, "/a", "high surrogate"),
    R("{\"a\":\"\\udc00\"}", SJSON_E_SURROGATE, "/a", "low surrogate"),
    R("{\"a\":[\"ok\",\"\\udfff\\ud800\"]}", SJSON_E_SURROGATE, "/a/1", "low surrogate"),
    R("{\"\\ud800\":1}", SJSON_E_SURROGATE, "", "high surrogate"),
    /* NaN and Infinity (RFC 8259 6). */
    R("{\"a\":NaN}", SJSON_E_NONFINITE, "/a", "NaN"),
    R("{\"a\":nan}", SJSON_E_NONFINITE, "/a", "NaN"),
    R("{\"a\":Infinity}", SJSON_E_NONFINITE, "/a", "Infinity"),
    R("{\"a\":-Infinity}", SJSON_E_NONFINITE, "/a", "Infinity"),
    R("[1,-inf]", SJSON_E_NONFINITE, "/1", "Infinity"),
    R("NaN", SJSON_E_NONFINITE, "", "NaN"),
    /* Number grammar. */
    R("{\"a\":01}", SJSON_E_NUMBER, "/a", "leading zero"),
    R("{\"a\":-012}", SJSON_E_NUMBER, "/a", "leading zero"),
    R("{\"a\":00.5}", SJSON_E_NUMBER, "/a", "leading zero"),
    R("{\"a\":+1}", SJSON_E_NUMBER, "/a", "'+'"),
    R("{\"a\":.5}", SJSON_E_NUMBER, "/a", "'.'"),
    R("{\"a\":1.}", SJSON_E_NUMBER, "/a", "'.'"),
    R("{\"a\":1e}", SJSON_E_NUMBER, "/a", "exponent"),
    R("{\"a\":1e+}", SJSON_E_NUMBER, "/a", "exponent"),
    R("{\"a\":-}", SJSON_E_NUMBER, "/a", "digit"),
    R("{\"a\":0x10}", SJSON_E_SYNTAX, "", "','"),
    /* Integers json-c would clamp; doubles that overflow. */
    R("{\"n\":18446744073709551616}", SJSON_E_RANGE, "/n", "64-bit"),
    R("{\"n\":-9223372036854775809}", SJSON_E_RANGE, "/n", "64-bit"),
    R("{\"n\":99999999999999999999999}", SJSON_E_RANGE, "/n", "64-bit"),
    R("{\"n\":1e400}", SJSON_E_RANGE, "/n", "double"),
    R("{\"n\":-1.5e309}", SJSON_E_RANGE, "/n", "double"),
    /* Trailing commas. */
    R("{\"a\":1,}", SJSON_E_COMMA, "", "trailing comma"),
    R("{\"a\":[1,2,]}", SJSON_E_COMMA, "/a", "trailing comma"),
    R("[{\"b\":{\"c\":1,}}]", SJSON_E_COMMA, "/0/b", "trailing comma"),
    R("[,]", SJSON_E_SYNTAX, "/0", "not a JSON value"),
    R("{,}", SJSON_E_NAME, "", "member name"),
    /* Comments. */
    R("{\"a\":1 /* c */}", SJSON_E_COMMENT, "", "comment"),
    R("{\"a\":// c\n1}", SJSON_E_COMMENT, "/a", "comment"),
    R("[1]// c", SJSON_E_TRAILING, "", "comment"),
    R("{/* c */\"a\":1}", SJSON_E_COMMENT, "", "comment"),
    /* Single quotes, bare names. */
    R("{'a':1}", SJSON_E_QUOTE, "", "single"),
    R("{\"a\":'x'}", SJSON_E_QUOTE, "/a", "single"),
    R("{a:1}", SJSON_E_NAME, "", "member name"),
    /* Control characters in strings; undefined escapes. */
    R("{\"a\":\"x\ny\"}", SJSON_E_CONTROL, "/a", "control"),
    R("{\"a\":\"x\ty\"}", SJSON_E_CONTROL, "/a", "control"),
    R("{\"a\":\"\\u00e9\x01\"}", SJSON_E_CONTROL, "/a", "control"),
    R("{\"a\":\"x\0y\"}", SJSON_E_CONTROL, "/a", "control"),
    R("{\"a\":\"\\x41\"}", SJSON_E_ESCAPE, "/a", "escape"),
    R("{\"a\":\"\\'\"}", SJSON_E_ESCAPE, "/a", "escape"),
    R("{\"a\":\"\\u12G4\"}", SJSON_E_ESCAPE, "/a", "hexadecimal"),
    R("{\"a\":\"\\u12\"}", SJSON_E_ESCAPE, "/a", "hexadecimal"),
    /* \u0000 in a name (json-c would cut the name: "a" twice here). */
    R("{\"a\\u0000b\":1,\"a\":2}", SJSON_E_NUL, "", "\\u0000"),
    R("{\"o\":{\"\\u0000\":1}}", SJSON_E_NUL, "/o", "\\u0000"),
    /* Duplicate member names, at any depth, however they are spelt. */
    R("{\"valGroupId\":\"g1\",\"valGroupId\":\"g2\"}", SJSON_E_DUPLICATE, "/valGroupId",
      "duplicate"),
    R("{\"members\":[{\"valUserId\":\"a\",\"valUserId\":\"b\"}]}", SJSON_E_DUPLICATE,
      "/members/0/valUserId", "duplicate"),
    R("{\"a\":1,\"\\u0061\":2}", SJSON_E_DUPLICATE, "/a", "duplicate"),
    R("{\"x\":{\"y\":{\"z\":null,\"z\":null}}}", SJSON_E_DUPLICATE, "/x/y/z", "duplicate"),
    R("{\"a/b\":{\"~\":1,\"~\":2}}", SJSON_E_DUPLICATE, "/a~1b/~0", "duplicate"),
    R("{\"\xc3\xa9\":1,\"\\u00e9\":2}", SJSON_E_DUPLICATE, "/\xc3\xa9", "duplicate"),
    /* Anything after the value. */
    R("{\"a\":1}x", SJSON_E_TRAILING, "", "after"),
    R("{\"a\":1}{}", SJSON_E_TRAILING, "", "after"),
    R("1 2", SJSON_E_TRAILING, "", "after"),
    R("{\"a\":1}\0", SJSON_E_TRAILING, "", "after"),
    /* Not JSON at all, or cut short. */
    R("", SJSON_E_EMPTY, "", "no JSON value"),
    R(" \r\n\t", SJSON_E_EMPTY, "", "no JSON value"),
    R("\xef\xbb\xbf{}", SJSON_E_SYNTAX, "", "byte order mark"),
    R("\f{}", SJSON_E_SYNTAX, "", "not a JSON value"),
    R("{\"a\"}", SJSON_E_SYNTAX, "/a", "':'"),
    R("{\"a\":1 \"b\":2}", SJSON_E_SYNTAX, "", "','"),
    R("[1 2]", SJSON_E_SYNTAX, "", "','"),
    R("{\"a\":tru}", SJSON_E_SYNTAX, "/a", "not a JSON value"),
    R("{\"a\":True}", SJSON_E_SYNTAX, "/a", "not a JSON value"),
    R("{\"a\":undefined}", SJSON_E_SYNTAX, "/a", "not a JSON value"),
    R("{\"a\":[1,{\"b\":", SJSON_E_EOF, "/a/1/b", "end"),
    R("{\"a\":\"xy", SJSON_E_EOF, "/a", "end"),
    R("{\"a\":\"x\\", SJSON_E_EOF, "/a", "end"),
    R("{\"a\":-", SJSON_E_EOF, "/a", "end"),
    R("[", SJSON_E_EOF, "/0", "end"),
};

static void check_refusal(const refusal_t *r, size_t i)
{
    sjson_error_t e;
    memset(&e, 0x5a, sizeof e);
    struct json_object *v = sjson_parse(r->text, r->len, 16, &e);
    ck_assert_msg(v == NULL, "case %zu accepted", i);
    ck_assert_msg(e.code == r->code, "case %zu: code %d, want %d (%s)", i, (int)e.code,
                  (int)r->code, e.reason);
    ck_assert_msg(strcmp(e.pointer, r->pointer) == 0, "case %zu: pointer \"%s\", want \"%s\"", i,
                  e.pointer, r->pointer);
    ck_assert_msg(e.reason && strstr(e.reason, r->reason), "case %zu: reason \"%s\"", i,
                  e.reason ? e.reason : "(null)");
    ck_assert_msg(e.offset <= r->len, "case %zu: offset %zu", i, e.offset);
}

START_TEST(each_class_refused_with_its_pointer)
{
    for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++)
        check_refusal(&refusals[i], i);
}
END_TEST

/* json-c itself (what every parser used before) takes most of these: the
 * table is not vacuous. */
START_TEST(json_c_alone_takes_them)
{
    static const char *const taken[] = {
        "{\"valGroupId\":\"g1\",\"valGroupId\":\"g2\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"n\":18446744073709551616}",
        "{\"a\":NaN}",
        "{\"a\\u0000b\":1,\"a\":2}",
    };
    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) {
        struct json_object *v = json_tokener_parse(taken[i]);
        ck_assert_msg(v != NULL, "json-c refuses %s", taken[i]);
        json_object_put(v);
        ck_assert_ptr_null(sjson_parse(taken[i], strlen(taken[i]), 0, NULL));
    }
}
END_TEST

/* Valid RFC 8259 texts read exactly as json-c reads them. */
START_TEST(valid_json_accepted_as_json_c_reads_it)
{
    static const char *const valid[] = {
        "{}", "[]", "0", "-0", "1", "\"\"", "true", "false", "[null]",
        " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n",
        "{\"valGroupId\":\"g\",\"members\":[{\"valUserId\":\"alice\"},{\"valUserId\":\"bob\"}],"
        "\"grpDesc\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf\"}",
        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\uffff\"]",
        "[\"\\ud83d\\ude00\",\"\\uD800\\uDC00\",\"\\udbff\\udfff\"]",
        "[9223372036854775807,-9223372036854775808,18446744073709551615,9223372036854775808]",
        "[1.5,-0.0,1e308,-1.7976931348623157e308,1E-400,2.5e+3,6.02214076e23,0.1]",
        "[123456789012345678901234567890.5]",
        "{\"a\":1,\"A\":2,\"a \":3,\"\\u0062\":4}",
        "\"\x7f\"",
        "[\"x\\u0000y\"]",
    };
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        sjson_error_t e;
        struct json_object *v = sjson_parse(valid[i], strlen(valid[i]), 0, &e);
        struct json_object *ref = json_tokener_parse(valid[i]);
        ck_assert_msg(e.code == SJSON_OK, "case %zu refused: %s at \"%s\"", i, e.reason,
                      e.pointer);
        ck_assert_msg(json_object_equal(v, ref), "case %zu: %s vs %s", i,
                      json_object_to_json_string(v), json_object_to_json_string(ref));
        /* Written back, it reads again to the same value. */
        const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        struct json_object *again = sjson_parse(text, strlen(text), 0, &e);
        ck_assert_msg(e.code == SJSON_OK && json_object_equal(v, again), "case %zu: %s", i,
                      text);
        json_object_put(again);
        json_object_put(ref);
        json_object_put(v);
    }
}
END_TEST

START_TEST(values_decoded)
{
    const char *t = "{\"s\":\"\\ud83d\\ude00\xf0\x9f\x98\x80\\u00e9\",\"i\":-9223372036854775808,"
                    "\"u\":18446744073709551615,\"d\":1e308,\"t\":\"1.50\"}";
    struct json_object *v = sjson_parse(t, strlen(t), 2, NULL), *m;
    ck_assert_ptr_nonnull(v);
    ck_assert(json_object_object_get_ex(v, "s", &m));
    ck_assert_int_eq(json_object_get_string_len(m), 10);
    ck_assert_str_eq(json_object_get_string(m), "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xc3\xa9");
    ck_assert(json_object_object_get_ex(v, "i", &m));
    ck_assert(json_object_is_type(m, json_type_int));
    ck_assert(json_object_get_int64(m) == INT64_MIN);
    ck_assert(json_object_object_get_ex(v, "u", &m));
    ck_assert(json_object_get_uint64(m) == UINT64_MAX);
    ck_assert(json_object_object_get_ex(v, "d", &m));
    ck_assert(json_object_is_type(m, json_type_double));
    ck_assert(json_object_get_double(m) == 1e308);
    json_object_put(v);
    /* A pair whose code point has surrogate-like low 16 bits (U+1DA00):
     * json-c 0.16's own reader turns it into U+FFFD (found by fuzz_sjson). */
    v = sjson_parse("\"\\ud836\\ude00\"", 14, 0, NULL);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(json_object_get_string(v), "\xf0\x9d\xa8\x80");
    json_object_put(v);
    /* The text of a double is kept. */
    v = sjson_parse("[1.50,1E2]", 10, 1, NULL);
    ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "[1.50,1E2]");
    json_object_put(v);
    /* null at the top: NULL without an error. */
    sjson_error_t e;
    ck_assert_ptr_null(sjson_parse(" null ", 6, 0, &e));
    ck_assert_int_eq(e.code, SJSON_OK);
}
END_TEST

static char *nested(int depth, const char *open, const char *inner, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close), li = strlen(inner);
    char *s = malloc((size_t)depth * (lo + lc) + li + 1), *q = s;
    ck_assert_ptr_nonnull(s);
    for (int i = 0; i < depth; i++, q += lo)
        memcpy(q, open, lo);
    memcpy(q, inner, li);
    q += li;
    for (int i = 0; i < depth; i++, q += lc)
        memcpy(q, close, lc);
    *q = '\0';
    return s;
}

START_TEST(depth_up_to_the_limit)
{
    sjson_error_t e;
    for (int max = 1; max <= 64; max *= 2) {
        char *ok = nested(max, "{\"k\":", "1", "}"), *deep = nested(max + 1, "{\"k\":", "1", "}");
        struct json_object *v = sjson_parse(ok, strlen(ok), max, &e);
        ck_assert_msg(v != NULL, "depth %d refused: %s", max, e.reason);
        json_object_put(v);
        ck_assert_ptr_null(sjson_parse(deep, strlen(deep), max, &e));
        ck_assert_int_eq(e.code, SJSON_E_DEPTH);
        /* The pointer names the container one level too deep. */
        char want[SJSON_PTR_MAX] = "";
        for (int i = 0; i < max; i++)
            strcat(want, "/k");
        ck_assert_str_eq(e.pointer, want);
        free(ok);
        free(deep);
    }
    /* The hard limit holds whatever the caller asks. */
    char *arr = nested(SJSON_DEPTH_LIMIT, "[", "", "]");
    struct json_object *v = sjson_parse(arr, strlen(arr), 0, &e);
    ck_assert_ptr_nonnull(v);
    json_object_put(v);
    free(arr);
    arr = nested(SJSON_DEPTH_LIMIT + 1, "[", "", "]");
    ck_assert_ptr_null(sjson_parse(arr, strlen(arr), 100000, &e));
    ck_assert_int_eq(e.code, SJSON_E_DEPTH);
    free(arr);
}
END_TEST

START_TEST(long_pointers_cut_at_a_character)
{
    /* A name longer than the pointer buffer, of 2-byte characters. */
    size_t n = SJSON_PTR_MAX;
    char *t = malloc(2 * n + 32), *q = t;
    q += sprintf(q, "{\"");
    for (size_t i = 0; i < n; i++)
        q += sprintf(q, "\xc3\xa9");
    q += sprintf(q, "\":{\"x\":NaN}}");
    sjson_error_t e;
    ck_assert_ptr_null(sjson_parse(t, (size_t)(q - t), 0, &e));
    ck_assert_int_eq(e.code, SJSON_E_NONFINITE);
    size_t len = strlen(e.pointer);
    ck_assert_uint_lt(len, SJSON_PTR_MAX);
    ck_assert_int_eq(e.pointer[0], '/');
    /* Whole characters only, and nothing after the cut. */
    ck_assert_uint_eq((len - 1) % 2, 0);
    ck_assert_ptr_null(strstr(e.pointer, "/x"));
    free(t);
}
END_TEST

START_TEST(every_truncation_refused)
{
    const char *doc = "{\"valGroupId\":\"g\\u00e9\",\"members\":[{\"valUserId\":\"\xf0\x9f\x98\x80\","
                      "\"n\":-12.5e3},true,false,null],\"x\":{}}";
    size_t len = strlen(doc);
    struct json_object *v = sjson_parse(doc, len, 0, NULL);
    ck_assert_ptr_nonnull(v);
    json_object_put(v);
    for (size_t i = 0; i < len; i++) {
        sjson_error_t e;
        ck_assert_msg(sjson_parse(doc, i, 0, &e) == NULL, "prefix %zu accepted", i);
        ck_assert_msg(e.code != SJSON_OK, "prefix %zu", i);
    }
}
END_TEST

START_TEST(error_text)
{
    sjson_error_t e;
    char buf[128];
    ck_assert_ptr_null(sjson_parse("{\"a\":[1,NaN]}", 13, 0, &e));
    ck_assert_str_eq(sjson_error_text(&e, buf, sizeof buf),
                     "NaN and Infinity are not JSON numbers at /a/1 (offset 8)");
    ck_assert_ptr_null(sjson_parse("{} x", 4, 0, &e));
    ck_assert_str_eq(sjson_error_text(&e, buf, sizeof buf), "data after the JSON value (offset 3)");
    ck_assert_ptr_null(sjson_parse(NULL, 0, 0, &e));
    ck_assert_int_eq(e.code, SJSON_E_EMPTY);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sjson");
    TCase *t = tcase_create("core");
    tcase_add_test(t, each_class_refused_with_its_pointer);
    tcase_add_test(t, json_c_alone_takes_them);
    tcase_add_test(t, valid_json_accepted_as_json_c_reads_it);
    tcase_add_test(t, values_decoded);
    tcase_add_test(t, depth_up_to_the_limit);
    tcase_add_test(t, long_pointers_cut_at_a_character);
    tcase_add_test(t, every_truncation_refused);
    tcase_add_test(t, error_text);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
