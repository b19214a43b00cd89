/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the KM client and group key receiver internals: the
 * KmsResponse reader (TS 33.180 D.3) and its refusals, the KmsRequest body,
 * the key file (mode, round trip, refusals), the GM-UU list reader, and
 * sealclient_gmk_receive on I_MESSAGEs built here with lib/mikey and
 * lib/ibc (accepted, forged, addressed to another member). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ibc/ibc.h"
#include "mikey/mikey.h"

#include "kmc_int.h"

#define NS "urn:3gpp:ns:mcsecKMSInterface:1.0"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kmclient-unit-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static void rnd(void *ctx, size_t len, uint8_t *out)
{
    (void)ctx;
    ck_assert_int_eq(getrandom(out, len, 0), (ssize_t)len);
}

/* ---------------------------------------------------------------- utils */
START_TEST(util_datetime)
{
    ck_assert_int_eq(kmc_parse_datetime("1970-01-01T00:00:00Z"), 0);
    ck_assert_int_eq(kmc_parse_datetime("2014-01-26T10:07:14Z"), 1390730834);
    ck_assert_int_eq(kmc_parse_datetime("2014-01-26T10:07:14"), 1390730834);
    ck_assert_int_eq(kmc_parse_datetime("2014-01-26T12:07:14.250+02:00"), 1390730834);
    ck_assert_int_eq(kmc_parse_datetime("2000-02-29T00:00:00Z"), 951782400);
    ck_assert_int_eq(kmc_parse_datetime("2014-13-01T00:00:00Z"), -1);
    ck_assert_int_eq(kmc_parse_datetime("2014-01-26 10:07:14Z"), -1);
    ck_assert_int_eq(kmc_parse_datetime("2014-01-26T10:07:14Zjunk"), -1);
    ck_assert_int_eq(kmc_parse_datetime(""), -1);
}
END_TEST

START_TEST(util_hex_base64)
{
    uint8_t b[3];
    ck_assert_int_eq(kmc_unhex("0aFf10", 6, b, 3), 0);
    ck_assert_uint_eq(b[0], 0x0a);
    ck_assert_uint_eq(b[1], 0xff);
    ck_assert_int_eq(kmc_unhex("0aFf1", 5, b, 3), -1);
    ck_assert_int_eq(kmc_unhex("0aFg10", 6, b, 3), -1);
    ck_assert_int_eq(kmc_unhex("0aFf1000", 8, b, 3), -1);
    size_t n;
    uint8_t *d = kmc_unbase64("AQID", 4, &n);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(d[2], 3);
    free(d);
    d = kmc_unbase64("_-8", 3, &n);   /* base64url without padding */
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(d[0], 0xff);
    free(d);
    ck_assert_ptr_null(kmc_unbase64("AQ=D", 4, &n));
    ck_assert_ptr_null(kmc_unbase64("AQ D", 4, &n));
}
END_TEST

/* ------------------------------------------------------------- KMS XML */
static const char *Z_HEX =
    "045958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832F38CB4AD53DDEF4260B0FE8BB4"
    "5C4C1FF510EFFE300367A37B61F701D914AEF09724825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78"
    "309BE640697DE747613A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54FF21508D37514DC"
    "F7A8E143A6058C09A6BF2C9858CA37C258065AE6BF7532BC8B5B63383866E0753C5AC0E72709F8445F2E6178E0"
    "65857E0EDA10F68206B63505ED87E534FB2831FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA8F"
    "C67C6D19487FB449059F26CC8AAB655AB58B7CC796E24E9A394095754F5F8BAE";
static const char *KPAK_HEX =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93DBDD37551AFD263B5DFD61"
    "7F3960C65A8C298850FF99F20366DCE7D4367217F4";

static char *init_doc(const char *cert_extra, const char *fmt)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "<KmsResponse xmlns='" NS "' Id='x' Version='1.0.0'><UserUri/>"
             "<KmsUri>kms.example.org</KmsUri><Time>2021-05-10T11:23:02</Time>"
             "<ClientReqUrl>https://k/init</ClientReqUrl><KmsMessage><KmsInit Version='1.0.0'>"
             "<KmsCertificate Version='1.1.0' Role='Root'><KmsUri>kms.example.org</KmsUri>"
             "%s<UserIdFormat>%s</UserIdFormat><UserKeyPeriod>2592000</UserKeyPeriod>"
             "<UserKeyOffset>0</UserKeyOffset><PubEncKey>%s</PubEncKey>"
             "<PubAuthKey>\n  %s\n</PubAuthKey></KmsCertificate></KmsInit></KmsMessage>"
             "</KmsResponse>",
             cert_extra, fmt, Z_HEX, KPAK_HEX);
    return buf;
}

static int parse(const char *doc, kmc_resp_t *r, char *err, size_t n)
{
    return kmc_xml_parse(doc, strlen(doc), NULL, r, err, n);
}

START_TEST(xml_init)
{
    kmc_resp_t r;
    char err[256];
    ck_assert_msg(parse(init_doc("<!-- c --><ValidFrom>2020-01-01T00:00:00Z</ValidFrom>",
                                 "2"), &r, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(r.msg, KMC_MSG_INIT);
    ck_assert_str_eq(r.kms_uri, "kms.example.org");
    ck_assert_str_eq(r.cert.kms_uri, "kms.example.org");
    ck_assert_uint_eq(r.cert.user_id_format, 2);
    ck_assert_uint_eq(r.cert.period, 2592000);
    ck_assert_uint_eq(r.cert.parameter_set, 1);
    ck_assert_int_eq(r.cert.valid_from, 1577836800);
    ck_assert_uint_eq(r.cert.z[0], 4);
    ck_assert_uint_eq(r.cert.kpak[64], 0xF4);
    kmc_resp_free(&r);

    /* a signed one, with foreign elements skipped */
    char doc[8192];
    snprintf(doc, sizeof doc, "<SignedKmsResponse xmlns='" NS "' "
             "xmlns:ds='http://www.w3.org/2000/09/xmldsig#'>%s<ds:Signature><ds:SignedInfo/>"
             "</ds:Signature></SignedKmsResponse>",
             strstr(init_doc("<x:ext xmlns:x='urn:other'><KmsUri>n</KmsUri></x:ext>", "2"),
                    "<KmsResponse"));
    ck_assert_msg(parse(doc, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(r.msg, KMC_MSG_INIT);
    kmc_resp_free(&r);
}
END_TEST

static void refused(const char *doc, const char *words)
{
    kmc_resp_t r;
    char err[256];
    ck_assert_msg(kmc_xml_parse(doc, strlen(doc), NULL, &r, err, sizeof err) == -1,
                  "accepted: %s", doc);
    ck_assert_msg(strstr(err, words) != NULL, "\"%s\" lacks \"%s\"", err, words);
    ck_assert_ptr_null(r.kms_uri);
    ck_assert_ptr_null(r.sets);
}

START_TEST(xml_refusals)
{
    refused("", "empty");
    refused("<KmsResponse xmlns='" NS "'><KmsUri>k", "not well-formed");
    refused("<KmsResponse><KmsUri>k</KmsUri></KmsResponse>", "namespace");
    refused("<?xml version='1.0'?><!DOCTYPE KmsResponse><KmsResponse xmlns='" NS "'/>", "DTD");
    refused("<KmsResponse xmlns='" NS "'><KmsUri>k</KmsUri><KmsUri>k</KmsUri></KmsResponse>",
            "twice");
    refused("<KmsResponse xmlns='" NS "'><KmsUri>k</KmsUri></KmsResponse>", "neither");
    refused("<KmsResponse xmlns='" NS "'><KmsUri>k</KmsUri><Bogus/></KmsResponse>",
            "unexpected <Bogus>");
    refused("<KmsResponse xmlns='" NS "'><KmsUri><b>k</b></KmsUri></KmsResponse>", "text only");
    refused("<KmsResponse xmlns='" NS "'><KmsUri></KmsUri><KmsError/></KmsResponse>", "empty");
    refused(init_doc("", "two"), "not a non-negative integer");
    refused(init_doc("<Revoked>maybe</Revoked>", "2"), "boolean");
    refused(init_doc("<ValidTo>yesterday</ValidTo>", "2"), "dateTime");
    char doc[8192];
    snprintf(doc, sizeof doc, "%s", init_doc("", "2"));
    char *role = strstr(doc, "Role='Root'");
    memcpy(role, "Role='Exte'", 11);
    refused(doc, "Role");
    snprintf(doc, sizeof doc, "%s", init_doc("", "2"));
    char *pe = strstr(doc, "</PubEncKey>");
    memmove(pe - 2, pe, strlen(pe) + 1);    /* one octet short */
    refused(doc, "257 octets of hexBinary");
    snprintf(doc, sizeof doc, "%s", init_doc("", "2"));
    char *pa = strstr(doc, "<PubAuthKey>");
    pa[12] = 'Z';
    refused(doc, "65 octets of hexBinary");
    /* KmsKeyProv: missing parts, encrypted keys, too many sets */
    refused("<KmsResponse xmlns='" NS "'><KmsUri>k</KmsUri><KmsMessage><KmsKeyProv>"
            "<KmsKeySet><KmsUri>k</KmsUri><UserUri>u</UserUri></KmsKeySet></KmsKeyProv>"
            "</KmsMessage></KmsResponse>", "lacks");
    refused("<KmsResponse xmlns='" NS "'><KmsUri>k</KmsUri><KmsMessage><KmsKeyProv>"
            "<KmsKeySet><UserSigningKeySSK><e:EncryptedKey xmlns:e='urn:x'/></UserSigningKeySSK>"
            "</KmsKeySet></KmsKeyProv></KmsMessage></KmsResponse>", "transport key");
    refused("<KmsResponse xmlns='" NS "'><KmsUri>k</KmsUri><KmsMessage><KmsInit/><KmsKeyProv/>"
            "</KmsMessage></KmsResponse>", "no KMS certificate");
    /* more key sets than a client keeps */
    char set[1200];
    int k = snprintf(set, sizeof set, "<KmsKeySet><KmsUri>k</KmsUri><UserUri>u</UserUri>"
                     "<UserID>%064d</UserID><KeyPeriodNo>1</KeyPeriodNo><UserDecryptKey>%0514d"
                     "</UserDecryptKey><UserSigningKeySSK>%064d</UserSigningKeySSK>"
                     "<UserPubTokenPVT>%0130d</UserPubTokenPVT></KmsKeySet>", 0, 0, 0, 0);
    ck_assert_int_lt(k, (int)sizeof set);
    size_t cap = (size_t)k * (KMC_MAX_KEYSETS + 1) + 512;
    char *big = malloc(cap);
    ck_assert_ptr_nonnull(big);
    size_t len = (size_t)snprintf(big, cap, "<KmsResponse xmlns='" NS "'><KmsUri>k</KmsUri>"
                                  "<KmsMessage><KmsKeyProv>");
    for (int i = 0; i < KMC_MAX_KEYSETS; i++)
        len += (size_t)snprintf(big + len, cap - len, "%s", set);
    snprintf(big + len, cap - len, "</KmsKeyProv></KmsMessage></KmsResponse>");
    kmc_resp_t r;
    char err[256];
    ck_assert_msg(kmc_xml_parse(big, strlen(big), NULL, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(r.n_sets, KMC_MAX_KEYSETS);
    kmc_resp_free(&r);
    snprintf(big + len, cap - len, "%s</KmsKeyProv></KmsMessage></KmsResponse>", set);
    refused(big, "more than");
    free(big);
    /* a KmsError is a valid response: the caller reports it */
    const char *e = "<KmsResponse xmlns='" NS "'><KmsUri>k</KmsUri><KmsError>"
                    "<ErrorCode>403</ErrorCode><ErrorMsg>no\tway</ErrorMsg></KmsError>"
                    "</KmsResponse>";
    ck_assert_int_eq(kmc_xml_parse(e, strlen(e), NULL, &r, err, sizeof err), 0);
    ck_assert_int_eq(r.has_error, 1);
    ck_assert_int_eq(r.error_code, 403);
    ck_assert_str_eq(r.error_msg, "no?way");
    kmc_resp_free(&r);
    /* larger than the limit: refused before parsing */
    char *huge = malloc(KMC_XML_MAX + 2);
    ck_assert_ptr_nonnull(huge);
    memset(huge, ' ', KMC_XML_MAX + 1);
    huge[KMC_XML_MAX + 1] = '\0';
    memcpy(huge, "<KmsResponse>", 13);
    refused(huge, "larger than");
    free(huge);
}
END_TEST

/* D.3.5 KmsCertCache: every certificate listed, plain or signed. */
static char *cache_doc(int n, const char *extra)
{
    static char buf[64 * 1024];
    size_t len = (size_t)snprintf(buf, sizeof buf, "<KmsResponse xmlns='" NS "'><KmsUri>"
                                  "kms.example.org</KmsUri><KmsMessage><KmsCertCache "
                                  "CacheNum='3'>%s", extra);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len,
                                "%s<KmsCertificate Role='Root'><KmsUri>kms.example.org</KmsUri>"
                                "<CertUri>kms.example.org/cert/%d</CertUri>"
                                "<ValidTo>2030-01-01T00:00:00Z</ValidTo>"
                                "<UserIdFormat>2</UserIdFormat><UserKeyPeriod>2592000"
                                "</UserKeyPeriod><UserKeyOffset>0</UserKeyOffset><PubEncKey>%s"
                                "</PubEncKey><PubAuthKey>%s</PubAuthKey></KmsCertificate>%s",
                                i % 2 ? "<SignedKmsCertificate>" : "", i + 1, Z_HEX, KPAK_HEX,
                                i % 2 ? "</SignedKmsCertificate>" : "");
    snprintf(buf + len, sizeof buf - len, "</KmsCertCache></KmsMessage></KmsResponse>");
    ck_assert_uint_lt(len, sizeof buf - 64);
    return buf;
}

START_TEST(xml_certcache)
{
    kmc_resp_t r;
    char err[256];
    ck_assert_msg(parse(cache_doc(2, ""), &r, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(r.msg, KMC_MSG_CERTCACHE);
    ck_assert_uint_eq(r.n_cache, 2);
    ck_assert_str_eq(r.cache[0].cert_uri, "kms.example.org/cert/1");
    ck_assert_str_eq(r.cache[1].cert_uri, "kms.example.org/cert/2");   /* the signed one */
    ck_assert_int_eq(r.cache[1].valid_to, 1893456000);
    ck_assert_uint_eq(r.cache[0].kpak[0], 0x04);
    ck_assert_int_eq(memcmp(r.cache[0].kpak, r.cache[1].kpak, sizeof r.cache[0].kpak), 0);
    kmc_resp_free(&r);
    ck_assert_msg(parse(cache_doc(0, ""), &r, err, sizeof err) == 0, "%s", err);  /* empty */
    ck_assert_uint_eq(r.n_cache, 0);
    kmc_resp_free(&r);
    ck_assert_msg(parse(cache_doc(KMC_MAX_CACHE, ""), &r, err, sizeof err) == 0, "%s", err);
    kmc_resp_free(&r);
    refused(cache_doc(KMC_MAX_CACHE + 1, ""), "more than");
    refused(cache_doc(1, "<KmsKeySet/>"), "unexpected <KmsKeySet> in <KmsCertCache>");
    refused(cache_doc(1, "<SignedKmsCertificate/>"), "holds no <KmsCertificate>");
}
END_TEST

START_TEST(xml_request)
{
    char *s = kmc_xml_request("sip:a<&>@example.org", "kms.example.org",
                              "https://k/keymanagement/identity/v1/keyprov", 1390730834);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(strstr(s, "<UserUri>sip:a&lt;&amp;&gt;@example.org</UserUri>"));
    ck_assert_ptr_nonnull(strstr(s, "<Time>2014-01-26T10:07:14Z</Time>"));
    ck_assert_ptr_nonnull(strstr(s, "xmlns=\"" NS "\""));
    free(s);
}
END_TEST

/* ---------------------------------------------------------- key file */
typedef struct world {
    uint8_t ksak[32], kpak[65], z[128], Z[257];
    struct mikey_kp kp;
    uint64_t period;
    kmc_store_t store;
} world_t;

static void issue(world_t *w, const char *uri, uint64_t period, kmc_keyset_t *ks)
{
    memset(ks, 0, sizeof *ks);
    ks->user_uri = strdup(uri);
    ks->kms_uri = strdup("kms.example.org");
    ks->period_no = period;
    ck_assert_int_eq(mikey_uid((const uint8_t *)uri, strlen(uri),
                               (const uint8_t *)"kms.example.org", 15, &w->kp, period, ks->uid),
                     MIKEY_OK);
    ck_assert_int_eq(ibc_eccsi_issue(w->ksak, 32, w->kpak, 65, ks->uid, 32, NULL, rnd, NULL,
                                     ks->ssk, ks->pvt, NULL), IBC_OK);
    ck_assert_int_eq(ibc_sakke_issue_rsk(w->z, sizeof w->z, ks->uid, 32, ks->rsk), IBC_OK);
}

static void world_new(world_t *w, uint64_t ntp)
{
    memset(w, 0, sizeof *w);
    w->kp = (struct mikey_kp){ 2592000, 0 };
    ck_assert_int_eq(ibc_eccsi_kms_keygen(rnd, NULL, w->ksak, w->kpak), IBC_OK);
    ck_assert_int_eq(ibc_sakke_kms_keygen(rnd, NULL, w->z, w->Z), IBC_OK);
    ck_assert_int_eq(mikey_kp_number(&w->kp, ntp, &w->period), MIKEY_OK);
    kmc_store_t *s = &w->store;
    s->has_cert = 1;
    s->cert.kms_uri = strdup("kms.example.org");
    s->cert.user_id_format = 2;
    s->cert.parameter_set = 1;
    s->cert.period = 2592000;
    memcpy(s->cert.z, w->Z, 257);
    memcpy(s->cert.kpak, w->kpak, 65);
    s->kms_url = strdup("https://kms.example.org");
}

static sealclient_t *client(void)
{
    char tokens[300];
    snprintf(tokens, sizeof tokens, "%s/seal/tokens.json", tmpdir);
    sealclient_options_t o = { .struct_size = sizeof o, .tokens_path = tokens, .leeway_s = -1 };
    sealclient_t *c = NULL;
    ck_assert_int_eq(sealclient_new(&o, &c), SEALCLIENT_OK);
    return c;
}

START_TEST(keystore_roundtrip)
{
    world_t w;
    world_new(&w, 3600000000u);
    kmc_keyset_t a, b;
    issue(&w, "sip:alice@example.org", w.period, &a);
    issue(&w, "sip:alice@example.org", w.period + 1, &b);
    ck_assert_int_eq(kmc_store_put(&w.store, &a), 0);
    ck_assert_int_eq(kmc_store_put(&w.store, &b), 0);
    ck_assert_int_eq(kmc_store_put(&w.store, &a), 0);   /* replaces */
    ck_assert_uint_eq(w.store.n_sets, 2);
    sealclient_t *c = client();
    char *path = kmc_default_keys_path(c->tokens_path);
    ck_assert_ptr_nonnull(strstr(path, "/seal/keys.json"));
    ck_assert_int_eq(kmc_store_save(c, path, &w.store), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    kmc_store_t s2;
    ck_assert_int_eq(kmc_store_load(c, path, &s2), 0);
    ck_assert_int_eq(s2.has_cert, 1);
    ck_assert_str_eq(s2.cert.kms_uri, "kms.example.org");
    ck_assert_int_eq(memcmp(s2.cert.z, w.Z, 257), 0);
    ck_assert_uint_eq(s2.n_sets, 2);
    const kmc_keyset_t *f = kmc_store_find(&s2, "sip:alice@example.org", w.period + 1);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(memcmp(f->rsk, b.rsk, 257), 0);
    ck_assert_int_eq(memcmp(f->ssk, b.ssk, 32), 0);
    ck_assert_ptr_null(kmc_store_find(&s2, "sip:bob@example.org", w.period));
    kmc_store_prune(&s2, w.period + 1);
    ck_assert_uint_eq(s2.n_sets, 1);
    ck_assert_ptr_nonnull(kmc_store_find(&s2, "sip:alice@example.org", w.period + 1));
    kmc_store_free(&s2);

    /* a previous generation (a rollover overlap) round-trips beside the
     * current one */
    kmc_store_t *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    p->has_cert = 1;
    p->cert = w.store.cert;
    p->cert.cert_uri = strdup("kms.example.org/cert/1");
    p->cert.kms_uri = strdup(w.store.cert.kms_uri);
    p->cert.id = p->cert.issuer = NULL;
    p->cert.valid_to = 1893456000;
    ck_assert_int_eq(kmc_store_put(p, &a), 0);
    w.store.prev = p;
    ck_assert_int_eq(kmc_store_save(c, path, &w.store), 0);
    ck_assert_int_eq(kmc_store_load(c, path, &s2), 0);
    ck_assert_ptr_nonnull(s2.prev);
    ck_assert_str_eq(s2.prev->cert.cert_uri, "kms.example.org/cert/1");
    ck_assert_int_eq(s2.prev->cert.valid_to, 1893456000);
    ck_assert_uint_eq(s2.prev->n_sets, 1);
    ck_assert_int_eq(memcmp(s2.prev->sets[0].rsk, a.rsk, 257), 0);
    ck_assert_uint_eq(s2.n_sets, 2);
    kmc_store_free(&s2);
    kmc_store_free(p);
    free(p);
    w.store.prev = NULL;
    /* a previous generation without a certificate is not ours */
    FILE *pf = fopen(path, "w");
    fputs("{\"format\": 1, \"previous\": {\"key_sets\": []}}", pf);
    fclose(pf);
    ck_assert_int_eq(kmc_store_load(c, path, &s2), SEALCLIENT_E_IO);

    /* refusals: readable by others, not ours */
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(kmc_store_load(c, path, &s2), SEALCLIENT_E_IO);
    ck_assert_ptr_nonnull(strstr(sealclient_error(c), "chmod 600"));
    ck_assert_int_eq(chmod(path, 0600), 0);
    FILE *fp = fopen(path, "w");
    fputs("{\"format\": 2}", fp);
    fclose(fp);
    ck_assert_int_eq(kmc_store_load(c, path, &s2), SEALCLIENT_E_IO);
    ck_assert_ptr_nonnull(strstr(sealclient_error(c), "not a key file"));
    unlink(path);
    ck_assert_int_eq(kmc_store_load(c, path, &s2), 0);   /* missing: empty */
    ck_assert_int_eq(s2.has_cert, 0);
    kmc_store_free(&s2);
    free(path);
    kmc_keyset_free(&a);
    kmc_keyset_free(&b);
    kmc_store_free(&w.store);
    sealclient_free(c);
}
END_TEST

/* --------------------------------------------------------------- GM-UU */
START_TEST(gmuu_lists)
{
    kmc_gmk_msg_t *m;
    size_t n;
    char err[256];
    const char *ok = "{\"messages\":[{\"id\":\"a.1.x\",\"iMessage\":\"AQID\",\"valGroupId\":"
                     "\"g\\u001b1\",\"generation\":1},{\"id\":\"b\",\"iMessage\":\"AQ==\"}]}";
    ck_assert_msg(kmc_gmuu_parse(ok, strlen(ok), &m, &n, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(m[0].id, "a.1.x");
    ck_assert_str_eq(m[0].val_group_id, "g?1");
    ck_assert_uint_eq(m[0].len, 3);
    ck_assert_ptr_null(m[1].val_group_id);
    kmc_gmuu_free(m, n);
    ck_assert_int_eq(kmc_gmuu_parse("[]", 2, &m, &n, err, sizeof err), 0);
    ck_assert_uint_eq(n, 0);
    kmc_gmuu_free(m, n);
    static const char *bad[] = {
        "", "{", "[1]", "{\"messages\":{}}", "[{\"id\":\"a\"}]", "[{\"iMessage\":\"AQ==\"}]",
        "[{\"id\":\"a/b\",\"iMessage\":\"AQ==\"}]", "[{\"id\":\"\",\"iMessage\":\"AQ==\"}]",
        "[{\"id\":\"a\",\"iMessage\":\"\"}]", "[{\"id\":\"a\",\"iMessage\":\"A Q==\"}]",
        "[{\"id\":\"a\",\"iMessage\":7}]", "[] trailing", "[{\"id\":\"a\\u0000\",\"iMessage\":\"AQ==\"}]",
        /* strict JSON (lib/sjson): a member twice, a lone surrogate, bad UTF-8 */
        "[{\"id\":\"a\",\"id\":\"b\",\"iMessage\":\"AQ==\"}]",
        "{\"messages\":[],\"messages\":[{\"id\":\"a\",\"iMessage\":\"AQ==\"}]}",
        "[{\"id\":\"a\",\"iMessage\":\"AQ==\",\"valGroupId\":\"\\udc00\"}]",
        "[{\"id\":\"a\",\"iMessage\":\"AQ==\",\"valGroupId\":\"\xc0\xaf\"}]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        ck_assert_msg(kmc_gmuu_parse(bad[i], strlen(bad[i]), &m, &n, err, sizeof err) == -1,
                      "accepted %s", bad[i]);
        ck_assert_ptr_null(m);
        ck_assert(err[0] != '\0');
    }
}
END_TEST

/* ------------------------------------------------ sealclient_gmk_receive */
typedef struct seen {
    int calls, status;
    uint32_t gmk_id;
    uint8_t key[16], salt[12];
    char error[512];
} seen_t;

static void on_gmk(void *ctx, const sealclient_gmk_t *g)
{
    seen_t *s = ctx;
    s->calls++;
    s->status = g->status;
    s->gmk_id = g->gmk_id;
    memcpy(s->key, g->master_key, 16);
    memcpy(s->salt, g->master_salt, 12);
    snprintf(s->error, sizeof s->error, "%s", g->error ? g->error : "");
}

static size_t build(world_t *w, const kmc_keyset_t *gms, const char *to, const uint8_t *gmk,
                    uint32_t gmk_id, const uint8_t *rand, uint64_t ntp, uint8_t *out)
{
    struct mikey_kms k = { (const uint8_t *)"kms.example.org", 15, w->kp, w->kpak, 65, w->Z, 257 };
    struct mikey_gmk_send p = {
        .key = gmk, .key_len = 16, .key_id = gmk_id, .ntp_secs = ntp, .rand = rand,
        .rand_len = 16, .init_uri = (const uint8_t *)gms->user_uri,
        .init_uri_len = strlen(gms->user_uri), .init_kms = &k, .ssk = gms->ssk, .ssk_len = 32,
        .pvt = gms->pvt, .pvt_len = 65, .resp_uri = (const uint8_t *)to,
        .resp_uri_len = strlen(to), .resp_kms = &k, .rnd = rnd,
    };
    size_t len = 0;
    ck_assert_int_eq(mikey_gmk_imessage_build(&p, out, 2048, &len), MIKEY_OK);
    return len;
}

START_TEST(gmk_receive)
{
    uint64_t ntp = 3600000000u;
    world_t w;
    world_new(&w, ntp);
    kmc_keyset_t alice, gms, bob;
    issue(&w, "sip:alice@example.org", w.period, &alice);
    issue(&w, "sip:bob@example.org", w.period, &bob);
    issue(&w, "sip:gms@example.org", w.period, &gms);
    ck_assert_int_eq(kmc_store_put(&w.store, &alice), 0);
    sealclient_t *c = client();
    char path[300];
    snprintf(path, sizeof path, "%s/keys.json", tmpdir);
    ck_assert_int_eq(kmc_store_save(c, path, &w.store), 0);

    uint8_t gmk[16], rand[16], msg[2048];
    rnd(NULL, 16, gmk);
    rnd(NULL, 16, rand);
    uint32_t gmk_id = 0x0ABCDEF1;
    size_t len = build(&w, &gms, "sip:alice@example.org", gmk, gmk_id, rand, ntp, msg);
    sealclient_gmk_options_t o = { .struct_size = sizeof o, .keys_path = path,
                                   .gms_uri = "sip:gms@example.org", .cs_id = 4 };
    seen_t s = { 0 };
    ck_assert_msg(sealclient_gmk_receive(c, &o, msg, len, on_gmk, &s) == SEALCLIENT_OK, "%s",
                  sealclient_error(c));
    ck_assert_int_eq(s.calls, 1);
    ck_assert_int_eq(s.status, SEALCLIENT_OK);
    ck_assert_uint_eq(s.gmk_id, gmk_id);
    uint32_t guk;
    uint8_t key[16], salt[12];
    ck_assert_int_eq(mikey_guk_id(gmk, 16, gmk_id, (const uint8_t *)"sip:alice@example.org",
                                  21, &guk), MIKEY_OK);
    ck_assert_int_eq(mikey_srtp_master(MIKEY_PRF_HMAC_SHA256, gmk, 16, 4, guk, rand, 16, key, 16,
                                       salt, 12), MIKEY_OK);
    ck_assert_int_eq(memcmp(s.key, key, 16), 0);
    ck_assert_int_eq(memcmp(s.salt, salt, 12), 0);

    /* bob's media, as alice derives it */
    o.sender_uri = "sip:bob@example.org";
    ck_assert_int_eq(sealclient_gmk_receive(c, &o, msg, len, on_gmk, &s), SEALCLIENT_OK);
    ck_assert_int_eq(mikey_guk_id(gmk, 16, gmk_id, (const uint8_t *)"sip:bob@example.org", 19,
                                  &guk), MIKEY_OK);
    ck_assert_int_eq(mikey_srtp_master(MIKEY_PRF_HMAC_SHA256, gmk, 16, 4, guk, rand, 16, key, 16,
                                       salt, 12), MIKEY_OK);
    ck_assert_int_eq(memcmp(s.key, key, 16), 0);
    o.sender_uri = NULL;

    /* refusals */
    struct { const char *what; size_t at; uint8_t x; const char *words; } flips[] = {
        { "signature", 0, 0x01, "forged" }, { "header", 5, 0x10, "forged" },
    };
    for (size_t i = 0; i < 2; i++) {
        uint8_t bad[2048];
        memcpy(bad, msg, len);
        bad[flips[i].at ? flips[i].at : len - 40] ^= flips[i].x;
        ck_assert_int_eq(sealclient_gmk_receive(c, &o, bad, len, on_gmk, &s),
                         SEALCLIENT_E_PROTOCOL);
        ck_assert_int_eq(s.status, SEALCLIENT_E_PROTOCOL);
        ck_assert_msg(strstr(s.error, flips[i].words), "%s: %s", flips[i].what, s.error);
        ck_assert_ptr_nonnull(strstr(sealclient_error(c), "I_MESSAGE refused"));
    }
    ck_assert_int_eq(sealclient_gmk_receive(c, &o, msg, len - 1, on_gmk, &s),
                     SEALCLIENT_E_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(s.error, "malformed"));
    o.gms_uri = "sip:other-gms@example.org";
    ck_assert_int_eq(sealclient_gmk_receive(c, &o, msg, len, on_gmk, &s), SEALCLIENT_E_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(s.error, "expected GMS"));
    o.gms_uri = "sip:gms@example.org";
    /* to bob: alice's key file has nothing for him */
    len = build(&w, &gms, "sip:bob@example.org", gmk, gmk_id, rand, ntp, msg);
    ck_assert_int_eq(sealclient_gmk_receive(c, &o, msg, len, on_gmk, &s), SEALCLIENT_E_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(s.error, "addressed to sip:bob@example.org"));
    /* and bob's RSK does not open alice's message */
    len = build(&w, &gms, "sip:alice@example.org", gmk, gmk_id, rand, ntp, msg);
    struct mikey_imsg m;
    ck_assert_int_eq(mikey_imsg_decode(msg, len, &m), MIKEY_OK);
    ck_assert_int_eq(mikey_sakke_decap(&m.sakke, w.Z, 257, bob.uid, 32, bob.rsk, 257, key),
                     MIKEY_ESAKKE);
    /* a message signed by a member posing as the GMS */
    len = build(&w, &bob, "sip:alice@example.org", gmk, gmk_id, rand, ntp, msg);
    o.gms_uri = "sip:bob@example.org";   /* even when told to expect that identity ... */
    ck_assert_int_eq(sealclient_gmk_receive(c, &o, msg, len, on_gmk, &s), SEALCLIENT_OK);
    o.gms_uri = "sip:gms@example.org";   /* ... which is why the GMS identity is required */
    ck_assert_int_eq(sealclient_gmk_receive(c, &o, msg, len, on_gmk, &s), SEALCLIENT_E_PROTOCOL);
    /* options */
    o.gms_uri = NULL;
    ck_assert_int_eq(sealclient_gmk_receive(c, &o, msg, len, on_gmk, &s), SEALCLIENT_E_ARG);
    kmc_keyset_free(&alice);
    kmc_keyset_free(&bob);
    kmc_keyset_free(&gms);
    kmc_store_free(&w.store);
    sealclient_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kmclient");
    TCase *t = tcase_create("kmclient");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, util_datetime);
    tcase_add_test(t, util_hex_base64);
    tcase_add_test(t, xml_init);
    tcase_add_test(t, xml_refusals);
    tcase_add_test(t, xml_certcache);
    tcase_add_test(t, xml_request);
    tcase_add_test(t, keystore_roundtrip);
    tcase_add_test(t, gmuu_lists);
    tcase_add_test(t, gmk_receive);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
