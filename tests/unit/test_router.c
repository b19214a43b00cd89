/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of core/router.c: route templates, matching, percent-decoding
 * and query strings. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "http-private.h"

static int T1, T2, T3, T4, T5;

static const char *param(const seal_path_params_t *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->name[i], name) == 0)
            return p->value[i];
    return NULL;
}

START_TEST(literal_beats_param)
{
    seal_router_t *r = seal_router_new();
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/{id}", &T1), SEAL_OK);
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/special", &T2), SEAL_OK);
    seal_path_params_t p;
    unsigned st;
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/a/special", &p, &st, NULL, 0), &T2);
    ck_assert_uint_eq(st, 200);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/a/other", &p, &st, NULL, 0), &T1);
    ck_assert_uint_eq(p.n, 1);
    ck_assert_str_eq(param(&p, "id"), "other");
    seal_path_params_clear(&p);
    ck_assert_uint_eq(p.n, 0);
    seal_router_free(r);
}
END_TEST

START_TEST(param_fallback_after_literal_branch_fails)
{
    seal_router_t *r = seal_router_new();
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/b/c", &T1), SEAL_OK);
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/{x}/d", &T2), SEAL_OK);
    seal_path_params_t p;
    unsigned st;
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/a/b/d", &p, &st, NULL, 0), &T2);
    ck_assert_str_eq(param(&p, "x"), "b");
    seal_path_params_clear(&p);
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/a/b/c", &p, &st, NULL, 0), &T1);
    ck_assert_ptr_null(seal_router_match(r, "GET", "/a/b/e", &p, &st, NULL, 0));
    ck_assert_uint_eq(st, 404);
    seal_router_free(r);
}
END_TEST

START_TEST(method_falls_through_to_param_route)
{
    /* GET on the literal, PUT on the parameter: PUT /a/b must reach the
     * parameter route rather than answer 405. */
    seal_router_t *r = seal_router_new();
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/b", &T1), SEAL_OK);
    ck_assert_int_eq(seal_router_add(r, "PUT", "/a/{x}", &T2), SEAL_OK);
    seal_path_params_t p;
    unsigned st;
    ck_assert_ptr_eq(seal_router_match(r, "PUT", "/a/b", &p, &st, NULL, 0), &T2);
    ck_assert_str_eq(param(&p, "x"), "b");
    seal_path_params_clear(&p);
    char allow[64];
    ck_assert_ptr_null(seal_router_match(r, "DELETE", "/a/b", &p, &st, allow, sizeof allow));
    ck_assert_uint_eq(st, 405);
    ck_assert_str_eq(allow, "GET, PUT");
    seal_router_free(r);
}
END_TEST

START_TEST(not_found_and_method_not_allowed)
{
    seal_router_t *r = seal_router_new();
    ck_assert_int_eq(seal_router_add(r, "GET", "/docs/{id}", &T1), SEAL_OK);
    ck_assert_int_eq(seal_router_add(r, "DELETE", "/docs/{id}", &T2), SEAL_OK);
    ck_assert_int_eq(seal_router_add(r, "POST", "/docs", &T3), SEAL_OK);
    seal_path_params_t p;
    unsigned st = 0;
    char allow[64] = "garbage";
    ck_assert_ptr_null(seal_router_match(r, "GET", "/nope", &p, &st, allow, sizeof allow));
    ck_assert_uint_eq(st, 404);
    ck_assert_str_eq(allow, "");
    ck_assert_ptr_null(seal_router_match(r, "PUT", "/docs/7", &p, &st, allow, sizeof allow));
    ck_assert_uint_eq(st, 405);
    ck_assert_str_eq(allow, "GET, DELETE");
    ck_assert_uint_eq(p.n, 0);
    ck_assert_ptr_null(seal_router_match(r, "GET", "/docs", &p, &st, allow, sizeof allow));
    ck_assert_uint_eq(st, 405);
    ck_assert_str_eq(allow, "POST");
    /* A too small buffer is never overrun: it keeps what fits. */
    char small[6];
    ck_assert_ptr_null(seal_router_match(r, "PUT", "/docs/7", &p, &st, small, sizeof small));
    ck_assert_uint_eq(st, 405);
    ck_assert_str_eq(small, "GET");
    /* Deeper or shallower than any template, empty segments, trailing '/'. */
    const char *miss[] = { "/docs/7/x", "/", "/docs//7", "/docs/7/", "//docs/7" };
    for (size_t i = 0; i < sizeof miss / sizeof *miss; i++) {
        ck_assert_msg(!seal_router_match(r, "GET", miss[i], &p, &st, NULL, 0), "%s", miss[i]);
        ck_assert_msg(st == 404, "%s: %u", miss[i], st);
    }
    /* Not a path at all. */
    ck_assert_ptr_null(seal_router_match(r, "GET", "docs/7", &p, &st, NULL, 0));
    ck_assert_uint_eq(st, 400);
    seal_router_free(r);
}
END_TEST

START_TEST(root_route)
{
    seal_router_t *r = seal_router_new();
    ck_assert_int_eq(seal_router_add(r, "GET", "/", &T1), SEAL_OK);
    unsigned st;
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/", NULL, &st, NULL, 0), &T1);
    ck_assert_ptr_null(seal_router_match(r, "GET", "/x", NULL, &st, NULL, 0));
    ck_assert_uint_eq(st, 404);
    ck_assert_int_eq(seal_router_add(r, "GET", "/", &T2), SEAL_E_EXISTS);
    seal_router_free(r);
}
END_TEST

START_TEST(duplicates_refused)
{
    seal_router_t *r = seal_router_new();
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/{id}/b", &T1), SEAL_OK);
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/{id}/b", &T2), SEAL_E_EXISTS);
    /* Differs only in the parameter's name: still the same route. */
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/{other}/b", &T2), SEAL_E_EXISTS);
    /* Another method, or another shape, is a new route. */
    ck_assert_int_eq(seal_router_add(r, "POST", "/a/{id}/b", &T2), SEAL_OK);
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/{id}/c", &T3), SEAL_OK);
    ck_assert_int_eq(seal_router_add(r, "GET", "/a/lit/b", &T4), SEAL_OK);
    /* The refused duplicates did not replace the originals. */
    unsigned st;
    seal_path_params_t p;
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/a/1/b", &p, &st, NULL, 0), &T1);
    ck_assert_str_eq(param(&p, "id"), "1");
    seal_path_params_clear(&p);
    ck_assert_ptr_eq(seal_router_match(r, "POST", "/a/1/b", &p, &st, NULL, 0), &T2);
    seal_path_params_clear(&p);
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/a/lit/b", &p, &st, NULL, 0), &T4);
    seal_router_free(r);
}
END_TEST

START_TEST(malformed_templates_refused)
{
    seal_router_t *r = seal_router_new();
    const char *bad[] = {
        "", "a", "a/b", "/a//b", "/a/", "//", "/{", "/{}", "/{a", "/a}", "/{a b}",
        "/{1a}", "/a{b}", "/{a}x", "/{a}/{a}", "/a%20b", "/a?b", "/a#b", "/a b",
        "/{a-b}", "/caf\xc3\xa9",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(seal_router_add(r, "GET", bad[i], &T1) == SEAL_E_INVAL, "%s", bad[i]);
    const char *bad_methods[] = { "", "get", "G3T", "GE T", "ABCDEFGHIJKLMNOPQ" };
    for (size_t i = 0; i < sizeof bad_methods / sizeof *bad_methods; i++)
        ck_assert_msg(seal_router_add(r, bad_methods[i], "/a", &T1) == SEAL_E_INVAL,
                      "%s", bad_methods[i]);
    ck_assert_int_eq(seal_router_add(NULL, "GET", "/a", &T1), SEAL_E_INVAL);
    ck_assert_int_eq(seal_router_add(r, NULL, "/a", &T1), SEAL_E_INVAL);
    ck_assert_int_eq(seal_router_add(r, "GET", NULL, &T1), SEAL_E_INVAL);
    /* Nothing of the refused templates was added. */
    unsigned st;
    ck_assert_ptr_null(seal_router_match(r, "GET", "/a", NULL, &st, NULL, 0));
    ck_assert_uint_eq(st, 404);
    /* Sub-delims, ':' and '@' are fine in literals. */
    ck_assert_int_eq(seal_router_add(r, "GET", "/v1/a:b@c;d=e,f", &T1), SEAL_OK);
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/v1/a:b@c;d=e,f", NULL, &st, NULL, 0), &T1);
    seal_router_free(r);
}
END_TEST

START_TEST(limits_on_segments_and_params)
{
    seal_router_t *r = seal_router_new();
    char t[1024], path[1024];
    /* SEAL_ROUTER_MAX_SEGMENTS segments: fine; one more: refused. */
    t[0] = path[0] = '\0';
    for (int i = 0; i < SEAL_ROUTER_MAX_SEGMENTS; i++) {
        strcat(t, "/s");
        strcat(path, "/s");
    }
    ck_assert_int_eq(seal_router_add(r, "GET", t, &T1), SEAL_OK);
    unsigned st;
    ck_assert_ptr_eq(seal_router_match(r, "GET", path, NULL, &st, NULL, 0), &T1);
    strcat(t, "/s");
    strcat(path, "/s");
    ck_assert_int_eq(seal_router_add(r, "GET", t, &T2), SEAL_E_INVAL);
    ck_assert_ptr_null(seal_router_match(r, "GET", path, NULL, &st, NULL, 0));
    ck_assert_uint_eq(st, 404);
    /* A very deep request path is just not found. */
    char deep[4096] = "";
    for (int i = 0; i < 1000; i++)
        strcat(deep, "/s");
    ck_assert_ptr_null(seal_router_match(r, "GET", deep, NULL, &st, NULL, 0));
    ck_assert_uint_eq(st, 404);

    /* SEAL_ROUTER_MAX_PARAMS parameters: fine; one more: refused. */
    t[0] = path[0] = '\0';
    for (int i = 0; i < SEAL_ROUTER_MAX_PARAMS; i++) {
        char seg[32];
        snprintf(seg, sizeof seg, "/{p%d}", i);
        strcat(t, seg);
        snprintf(seg, sizeof seg, "/v%d", i);
        strcat(path, seg);
    }
    ck_assert_int_eq(seal_router_add(r, "GET", t, &T3), SEAL_OK);
    seal_path_params_t p;
    ck_assert_ptr_eq(seal_router_match(r, "GET", path, &p, &st, NULL, 0), &T3);
    ck_assert_uint_eq(p.n, SEAL_ROUTER_MAX_PARAMS);
    ck_assert_str_eq(param(&p, "p0"), "v0");
    ck_assert_str_eq(param(&p, "p7"), "v7");
    seal_path_params_clear(&p);
    strcat(t, "/{p8}");
    ck_assert_int_eq(seal_router_add(r, "GET", t, &T4), SEAL_E_INVAL);
    seal_router_free(r);
}
END_TEST

START_TEST(percent_decoding_in_params)
{
    seal_router_t *r = seal_router_new();
    ck_assert_int_eq(seal_router_add(r, "GET", "/g/{id}", &T1), SEAL_OK);
    ck_assert_int_eq(seal_router_add(r, "GET", "/g/special", &T2), SEAL_OK);
    seal_path_params_t p;
    unsigned st;
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/g/hello%20world%21", &p, &st, NULL, 0), &T1);
    ck_assert_str_eq(param(&p, "id"), "hello world!");
    seal_path_params_clear(&p);
    /* '+' is not a space in a path. */
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/g/a+b", &p, &st, NULL, 0), &T1);
    ck_assert_str_eq(param(&p, "id"), "a+b");
    seal_path_params_clear(&p);
    /* Encoded unreserved characters are the same segment (RFC 3986 6.2.2.2). */
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/g/sp%65cial", &p, &st, NULL, 0), &T2);
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/%67/x", &p, &st, NULL, 0), &T1);
    seal_path_params_clear(&p);
    /* UTF-8 passes through. */
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/g/caf%C3%A9", &p, &st, NULL, 0), &T1);
    ck_assert_str_eq(param(&p, "id"), "caf\xc3\xa9");
    seal_path_params_clear(&p);
    /* An encoded '/' never splits nor enters a parameter; bad escapes and an
     * encoded NUL are malformed: 400. */
    const char *bad[] = { "/g/a%2Fb", "/g/a%2fb", "/g/%zz", "/g/%2", "/g/%", "/g/a%00b",
                          "/g%2Fspecial" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(!seal_router_match(r, "GET", bad[i], &p, &st, NULL, 0), "%s", bad[i]);
        ck_assert_msg(st == 400, "%s: %u", bad[i], st);
        ck_assert_uint_eq(p.n, 0);
    }
    seal_router_free(r);
}
END_TEST

START_TEST(percent_decode_function)
{
    char a[] = "a%20b+c%2B";
    ck_assert_int_eq(seal_percent_decode(a, 0), 0);
    ck_assert_str_eq(a, "a b+c+");
    char b[] = "a%20b+c%2B";
    ck_assert_int_eq(seal_percent_decode(b, 1), 0);
    ck_assert_str_eq(b, "a b c+");
    char c[] = "%4a%4A";
    ck_assert_int_eq(seal_percent_decode(c, 0), 0);
    ck_assert_str_eq(c, "JJ");
    char d[] = "x%0";
    ck_assert_int_eq(seal_percent_decode(d, 0), -1);
    char e[] = "%00";
    ck_assert_int_eq(seal_percent_decode(e, 0), -1);
    char f[] = "%g1";
    ck_assert_int_eq(seal_percent_decode(f, 0), -1);
}
END_TEST

START_TEST(query_strings)
{
    seal_query_t q;
    ck_assert_int_eq(seal_query_parse("a=1&b=x%20y+z&c&&d=&a=2&e=%3D%26", &q), 0);
    ck_assert_uint_eq(q.n, 6);
    ck_assert_str_eq(seal_query_get(&q, "a"), "1");      /* the first one */
    ck_assert_str_eq(seal_query_get(&q, "b"), "x y z");
    ck_assert_str_eq(seal_query_get(&q, "c"), "");
    ck_assert_str_eq(seal_query_get(&q, "d"), "");
    ck_assert_str_eq(seal_query_get(&q, "e"), "=&");
    ck_assert_ptr_null(seal_query_get(&q, "zz"));
    ck_assert_str_eq(q.name[4], "a");
    ck_assert_str_eq(q.value[4], "2");
    seal_query_clear(&q);

    ck_assert_int_eq(seal_query_parse("", &q), 0);
    ck_assert_uint_eq(q.n, 0);
    ck_assert_int_eq(seal_query_parse(NULL, &q), 0);
    ck_assert_int_eq(seal_query_parse("&&&", &q), 0);
    ck_assert_uint_eq(q.n, 0);
    seal_query_clear(&q);
    /* Encoded names decode too. */
    ck_assert_int_eq(seal_query_parse("na%6De=v", &q), 0);
    ck_assert_str_eq(seal_query_get(&q, "name"), "v");
    seal_query_clear(&q);

    ck_assert_int_eq(seal_query_parse("a=%zz", &q), -1);
    ck_assert_uint_eq(q.n, 0);
    ck_assert_int_eq(seal_query_parse("a%00=1", &q), -1);

    /* At most SEAL_QUERY_MAX_PARAMS pairs. */
    char many[1024] = "";
    for (int i = 0; i < SEAL_QUERY_MAX_PARAMS; i++)
        strcat(many, i ? "&k=v" : "k=v");
    ck_assert_int_eq(seal_query_parse(many, &q), 0);
    ck_assert_uint_eq(q.n, SEAL_QUERY_MAX_PARAMS);
    seal_query_clear(&q);
    strcat(many, "&k=v");
    ck_assert_int_eq(seal_query_parse(many, &q), -1);
    /* and at most SEAL_QUERY_MAX_LEN bytes. */
    char *longq = malloc(SEAL_QUERY_MAX_LEN + 2);
    memset(longq, 'a', SEAL_QUERY_MAX_LEN + 1);
    longq[SEAL_QUERY_MAX_LEN + 1] = '\0';
    ck_assert_int_eq(seal_query_parse(longq, &q), -1);
    longq[SEAL_QUERY_MAX_LEN] = '\0';
    ck_assert_int_eq(seal_query_parse(longq, &q), 0);
    ck_assert_uint_eq(q.n, 1);
    seal_query_clear(&q);
    free(longq);
}
END_TEST

START_TEST(many_routes)
{
    /* A realistic table: literal siblings under one parameter. */
    seal_router_t *r = seal_router_new();
    char t[128];
    for (int i = 0; i < 200; i++) {
        snprintf(t, sizeof t, "/svc%d/v1/things/{id}/sub%d", i % 20, i);
        ck_assert_int_eq(seal_router_add(r, "GET", t, (void *)(intptr_t)(i + 1)), SEAL_OK);
    }
    ck_assert_int_eq(seal_router_add(r, "GET", "/svc3/v1/things", &T5), SEAL_OK);
    seal_path_params_t p;
    unsigned st;
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/svc3/v1/things/x/sub123", &p, &st, NULL, 0),
                     (void *)(intptr_t)124);
    ck_assert_str_eq(param(&p, "id"), "x");
    seal_path_params_clear(&p);
    ck_assert_ptr_null(seal_router_match(r, "GET", "/svc4/v1/things/x/sub123", &p, &st, NULL, 0));
    ck_assert_uint_eq(st, 404);
    ck_assert_ptr_eq(seal_router_match(r, "GET", "/svc3/v1/things", &p, &st, NULL, 0), &T5);
    seal_router_free(r);
}
END_TEST

static Suite *router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, literal_beats_param);
    tcase_add_test(tc, param_fallback_after_literal_branch_fails);
    tcase_add_test(tc, method_falls_through_to_param_route);
    tcase_add_test(tc, not_found_and_method_not_allowed);
    tcase_add_test(tc, root_route);
    tcase_add_test(tc, duplicates_refused);
    tcase_add_test(tc, malformed_templates_refused);
    tcase_add_test(tc, limits_on_segments_and_params);
    tcase_add_test(tc, percent_decoding_in_params);
    tcase_add_test(tc, percent_decode_function);
    tcase_add_test(tc, query_strings);
    tcase_add_test(tc, many_routes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(router_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
