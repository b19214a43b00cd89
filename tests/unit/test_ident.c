/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/ident: the grammar of the identifiers an
 * administration route addresses, checked against the router that
 * addresses them (core/router.c): everything the grammar accepts comes
 * back unchanged from a route parameter, raw or percent-encoded, and '/'
 * is refused by both. The identities of the test vectors and of the
 * integration tests pass. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident/ident.h"
#include "router.h"
#include "http-private.h"

static int T;

/* Percent-encodes every octet but the unreserved ones, as sealctl does
 * (curl_easy_escape). */
static void encode(const char *s, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (ident_unreserved_ok((char[]){ (char)c, 0 }, 1)) {
            *out++ = (char)c;
        } else {
            *out++ = '%';
            *out++ = hex[c >> 4];
            *out++ = hex[c & 15];
        }
    }
    *out = '\0';
}

/* The parameter the route /x/{id}/disable gives for the segment seg, or
 * NULL with *status. */
static char *route(const char *seg, unsigned *status)
{
    seal_router_t *r = seal_router_new();
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(seal_router_add(r, "POST", "/x/{id}/disable", &T), SEAL_OK);
    char path[1024];
    snprintf(path, sizeof path, "/x/%s/disable", seg);
    seal_path_params_t p = { 0 };
    char *v = NULL;
    if (seal_router_match(r, "POST", path, &p, status, NULL, 0) == &T) {
        ck_assert_uint_eq(p.n, 1);
        v = strdup(p.value[0]);
        seal_path_params_clear(&p);
    }
    seal_router_free(r);
    return v;
}

START_TEST(grammar_is_pchar)
{
    for (int c = 1; c < 256; c++) {
        char s[2] = { (char)c, 0 };
        int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        int strict = alnum || (c < 128 && strchr("-._~", c) != NULL);
        int want = strict || (c < 128 && strchr("!$&'()*+,;=:@", c) != NULL);
        ck_assert_msg(ident_ok(s, 1) == want, "character 0x%02x", c);
        ck_assert_msg(ident_unreserved_ok(s, 1) == strict, "character 0x%02x", c);
    }
    /* Spelled out: what the issue names. */
    static const char *const bad[] = { "a b", "a/b", "a%2Fb", "a?b", "a#b", "a\\b", "a\"b",
                                       "a\tb", "a\nb", "a\x7f" "b", "caf\xc3\xa9", "<a>",
                                       "a|b", "a`b", "a^b", "a[b]", "{a}" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!ident_ok(bad[i], 255), "%s accepted", bad[i]);
}
END_TEST

START_TEST(lengths)
{
    char s[300];
    memset(s, 'a', sizeof s);
    s[255] = '\0';
    ck_assert_int_eq(ident_ok(s, 255), 1);
    ck_assert_int_eq(ident_ok(s, 254), 0);
    s[128] = '\0';
    ck_assert_int_eq(ident_unreserved_ok(s, IDENT_CLIENT_MAX), 1);
    s[128] = 'a';
    s[129] = '\0';
    ck_assert_int_eq(ident_unreserved_ok(s, IDENT_CLIENT_MAX), 0);
    ck_assert_int_eq(ident_ok("", 255), 0);
    ck_assert_int_eq(ident_ok(NULL, 255), 0);
    ck_assert_int_eq(ident_unreserved_ok("", 10), 0);
    ck_assert_int_eq(ident_unreserved_ok(NULL, 10), 0);
    ck_assert_int_eq(ident_ok("a", 0), 0);
}
END_TEST

/* Every identifier the grammar accepts is addressable: the router gives it
 * back from its raw form and from its percent-encoded form. */
START_TEST(accepted_means_addressable)
{
    for (int c = 1; c < 128; c++) {
        char id[4] = { 'a', (char)c, 'b', 0 }, enc[16];
        if (!ident_ok(id, 3))
            continue;
        unsigned st = 0;
        char *v = route(id, &st);
        ck_assert_msg(v && strcmp(v, id) == 0, "raw 0x%02x: status %u", c, st);
        free(v);
        encode(id, enc);
        v = route(enc, &st);
        ck_assert_msg(v && strcmp(v, id) == 0, "encoded 0x%02x: status %u", c, st);
        free(v);
    }
    static const char *const ids[] = { "alice+ops@example.org;x=1", "sip:alice@example.org",
                                       "tel:+15550100", "o'brien(ops)*!$&,=~" };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char enc[256];
        unsigned st = 0;
        ck_assert(ident_ok(ids[i], 255));
        encode(ids[i], enc);
        char *v = route(enc, &st);
        ck_assert_msg(v && strcmp(v, ids[i]) == 0, "%s: status %u", ids[i], st);
        free(v);
    }
}
END_TEST

/* '/' is what the router can never give back: the grammar refuses it. */
START_TEST(slash_is_not_addressable)
{
    unsigned st = 0;
    char *v = route("a%2Fb", &st);
    ck_assert_ptr_null(v);
    ck_assert_uint_eq(st, 400);
    v = route("a/b", &st);
    ck_assert_ptr_null(v);
    ck_assert_uint_eq(st, 404);
    ck_assert_int_eq(ident_ok("a/b", 255), 0);
}
END_TEST

/* Identities of the test vectors (RFC 6507/6508, TS 33.180 F.2.1.2, the
 * MIKEY-SAKKE and MCX interop vectors) and of the integration tests. */
START_TEST(vector_identities_pass)
{
    static const char *const ids[] = {
        "tel:+447700900123", "sip:user@example.org", "kms.example.org",
        "GMS@thalesgroup.com", "KMS@thalesgroup.com", "user1@streamwide.com",
        "KMS@streamwide.com", "sip:p25user01@etherstack.com", "sip:p25user02@etherstack.co.jp",
        "sip:alice@example.org", "sip:bob@example.org", "sip:gms@example.org",
        "sip:vs1@example.org", "tel:+100", "alice@val", "a2@val",
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        ck_assert_msg(ident_ok(ids[i], 255), "%s refused", ids[i]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ident");
    TCase *t = tcase_create("grammar");
    tcase_add_test(t, grammar_is_pchar);
    tcase_add_test(t, lengths);
    tcase_add_test(t, accepted_means_addressable);
    tcase_add_test(t, slash_is_not_addressable);
    tcase_add_test(t, vector_identities_pass);
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
