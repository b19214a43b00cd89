/* SPDX-License-Identifier: Apache-2.0 */
/* SEAL-X1's KmsResponse parser (plugins/refpoints/seal_x1/x1_xml.c, TS
 * 33.180 Annex D.3) on answers of the real km_uu (tests/fuzz/corpus/x1kms:
 * init, keyprov, a KmsError) and on what the GMS must refuse: a signed
 * response or encrypted keys (no InK/TrK on this side), a DTD (entities),
 * a revoked key set, an element given twice, a key of the wrong size. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include "x1.h"

static char *slurp(const char *name, size_t *len)
{
    const char *src = getenv("top_srcdir");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/x1kms/%s", src && *src ? src : "..", name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char buf[70000];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

static seal_status_t parse(const char *name, x1_response_t *r, char *err)
{
    size_t len;
    char *xml = slurp(name, &len);
    return x1_xml_parse(xml, len, r, err, 160);
}

START_TEST(real_answers)
{
    static x1_response_t r;
    char err[160];
    ck_assert_int_eq(parse("init.xml", &r, err), SEAL_OK);
    ck_assert_int_eq(r.kind, X1_KIND_INIT);
    ck_assert_str_eq(r.cert.kms_uri, "kms.example.org");
    ck_assert_uint_eq(r.cert.period, 2592000);
    ck_assert_uint_eq(r.cert.offset, 0);
    ck_assert_uint_eq(r.cert.kpak[0], 4);
    ck_assert_uint_eq(r.cert.z[0], 4);
    ck_assert_int_eq(parse("keyprov.xml", &r, err), SEAL_OK);
    ck_assert_int_eq(r.kind, X1_KIND_KEYPROV);
    ck_assert_uint_eq(r.n_keysets, 1);
    ck_assert_str_eq(r.keysets[0].user_uri, "sip:gms@example.org");
    ck_assert_str_eq(r.keysets[0].kms_uri, "kms.example.org");
    ck_assert_uint_eq(r.keysets[0].pvt[0], 4);
    ck_assert_int_eq(parse("denied.xml", &r, err), SEAL_OK);
    ck_assert_int_eq(r.kind, X1_KIND_ERROR);
    ck_assert_int_eq(r.error_code, 403);
    ck_assert_ptr_nonnull(strstr(r.error_msg, "not entitled"));
    x1_response_wipe(&r);
}
END_TEST

START_TEST(refusals)
{
    static const struct { const char *file; seal_status_t st; const char *why; } cases[] = {
        { "signed.xml", SEAL_E_UNSUPPORTED, "signed" },
        { "encrypted.xml", SEAL_E_UNSUPPORTED, "encrypted" },
        { "dtd.xml", SEAL_E_INVAL, "document type" },
        { "revoked.xml", SEAL_E_STATE, "revoked" },
        { "twice.xml", SEAL_E_INVAL, "twice" },
        { "badsize.xml", SEAL_E_INVAL, "wrong size" },
    };
    static x1_response_t r, zero;
    char err[160];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ck_assert_int_eq(parse(cases[i].file, &r, err), cases[i].st);
        ck_assert_msg(strstr(err, cases[i].why) != NULL, "%s: %s", cases[i].file, err);
        ck_assert(memcmp(&r, &zero, sizeof r) == 0);   /* nothing left behind */
    }
    ck_assert_int_eq(x1_xml_parse("", 0, &r, err, sizeof err), SEAL_E_INVAL);
    ck_assert_int_eq(x1_xml_parse("<a", 2, &r, err, sizeof err), SEAL_E_INVAL);
    ck_assert_int_eq(x1_xml_parse("<KmsResponse/>", 14, &r, err, sizeof err), SEAL_E_INVAL);
    static char big[X1_XML_MAX + 2];
    memset(big, ' ', sizeof big);
    ck_assert_int_eq(x1_xml_parse(big, sizeof big, &r, err, sizeof err), SEAL_E_INVAL);
    ck_assert_ptr_nonnull(strstr(err, "64 KiB"));
}
END_TEST

int main(void)
{
    xmlInitParser();
    Suite *s = suite_create("x1xml");
    TCase *t = tcase_create("x1xml");
    tcase_add_test(t, real_answers);
    tcase_add_test(t, refusals);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
