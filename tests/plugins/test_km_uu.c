/* SPDX-License-Identifier: Apache-2.0 */
/* km_uu's XML layer (TS 33.180 Annex D), without seald: the request parser
 * and its refusals (DTDs and entities, depth, size, namespaces, order), the
 * path pieces, responses valid against kms-interface.xsd (every kind the
 * binding sends), and the D.1 security extension: key material encrypted
 * under the TrK decrypts to the same octets, HMAC-SHA-256 signatures verify
 * and a changed or re-pointed document does not. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include "kmx.h"

static const kmx_limits_t LIM = { .max_bytes = 16384, .max_depth = 16 };
static xmlSchemaPtr schema;

static const char *srcdir(void)
{
    const char *s = getenv("top_srcdir");
    return s && *s ? s : "..";
}

static void load_schema(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/plugins/refpoints/km_uu/kms-interface.xsd", srcdir());
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    ck_assert_ptr_nonnull(pc);
    schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    ck_assert_msg(schema != NULL, "kms-interface.xsd does not compile");
}

static int valid(xmlDocPtr doc)
{
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    int rc = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    return rc == 0;
}

/* Parses the response text again (as a client would) and validates it. */
static xmlDocPtr reparse_valid(kmx_resp_t *r)
{
    xmlChar *text = NULL;
    int len = 0;
    ck_assert_int_eq(kmx_resp_text(r, &text, &len), KMX_OK);
    xmlDocPtr d = xmlReadMemory((const char *)text, len, NULL, "UTF-8", XML_PARSE_NONET);
    ck_assert_ptr_nonnull(d);
    ck_assert_msg(valid(d), "response not valid against kms-interface.xsd:\n%s", text);
    xmlFree(text);
    return d;
}

static int parse(const char *xml, kmx_request_t *r)
{
    char why[160];
    return kmx_request_parse(xml, strlen(xml), &LIM, r, why, sizeof why);
}

#define REQ_HEAD "<KmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" Id=\"req1\" " \
                 "Version=\"1.0.0\">"
#define REQ_BODY "<UserUri>sip:alice@example.org</UserUri><KmsUri>kms.example.org</KmsUri>" \
                 "<Time>2024-05-10T11:23:02</Time>" \
                 "<ClientReqUrl>https://kms.example.org/keymanagement/identity/v1/init" \
                 "</ClientReqUrl>"

static seal_km_cert_t sample_cert(uint32_t gen)
{
    seal_km_cert_t c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    c.generation = gen;
    snprintf(c.id, sizeof c.id, "kms-cert-%u", gen);
    snprintf(c.cert_uri, sizeof c.cert_uri, "kms.example.org/cert/%u", gen);
    strcpy(c.kms_uri, "kms.example.org");
    strcpy(c.issuer, "Example KMS");
    c.valid_from = 1700000000;
    c.valid_to = gen > 1 ? 0 : 1800000000;
    c.user_id_format = 2;
    c.user_key_period = 2592000;
    c.user_key_offset = 0;
    c.pub_enc_key[0] = 4;
    c.pub_auth_key[0] = 4;
    for (size_t i = 1; i < sizeof c.pub_enc_key; i++)
        c.pub_enc_key[i] = (uint8_t)i;
    for (size_t i = 1; i < sizeof c.pub_auth_key; i++)
        c.pub_auth_key[i] = (uint8_t)(255 - i);
    c.parameter_set = 1;
    return c;
}

static seal_km_keyset_t sample_keyset(void)
{
    seal_km_keyset_t k;
    memset(&k, 0, sizeof k);
    k.struct_size = sizeof k;
    k.generation = 1;
    strcpy(k.kms_uri, "kms.example.org");
    strcpy(k.cert_uri, "kms.example.org/cert/1");
    strcpy(k.user_uri, "sip:alice@example.org");
    for (int i = 0; i < 32; i++) {
        k.uid[i] = (uint8_t)(i * 7);
        k.ssk[i] = (uint8_t)(0xA0 ^ i);
    }
    for (int i = 0; i < 257; i++)
        k.rsk[i] = (uint8_t)(i * 3);
    for (int i = 0; i < 65; i++)
        k.pvt[i] = (uint8_t)(i + 1);
    k.rsk[0] = k.pvt[0] = 4;
    k.key_period_no = 1388;
    k.valid_from = 1390000000;
    k.valid_to = 1390000000 + 2592000;
    return k;
}

static const uint8_t TRK[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t INK[32] = { 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };

/* The text of the first element named name in doc. */
static xmlNodePtr find(xmlNodePtr n, const char *name)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
        xmlNodePtr f = find(n->children, name);
        if (f)
            return f;
    }
    return NULL;
}

/* ---- requests ---- */

START_TEST(test_request_empty)
{
    kmx_request_t r;
    ck_assert_int_eq(parse("", &r), KMX_OK);
    ck_assert_ptr_null(r.doc);
    ck_assert_int_eq(parse(" \r\n\t ", &r), KMX_OK);
    ck_assert_ptr_null(r.doc);
    kmx_request_free(&r);
}
END_TEST

START_TEST(test_request_fields)
{
    kmx_request_t r;
    ck_assert_int_eq(parse("<?xml version=\"1.0\"?>" REQ_HEAD REQ_BODY
                           "<ClientError><ErrorCode>7</ErrorCode><ErrorMsg>oops</ErrorMsg>"
                           "</ClientError><x:Ext xmlns:x=\"urn:example\">any</x:Ext>"
                           "</KmsRequest>", &r), KMX_OK);
    ck_assert_ptr_nonnull(r.doc);
    ck_assert_ptr_null(r.signature);
    ck_assert_str_eq(r.id, "req1");
    ck_assert_str_eq(r.version, "1.0.0");
    ck_assert_str_eq(r.user_uri, "sip:alice@example.org");
    ck_assert_str_eq(r.kms_uri, "kms.example.org");
    ck_assert_str_eq(r.time, "2024-05-10T11:23:02");
    ck_assert_str_eq(r.client_req_url, "https://kms.example.org/keymanagement/identity/v1/init");
    ck_assert_int_eq(r.has_client_error, 1);
    ck_assert_int_eq(r.client_error_code, 7);
    ck_assert_str_eq(r.client_error_msg, "oops");
    kmx_request_free(&r);
    /* Optional ClientId/DeviceId, whitespace, comments, CDATA. */
    ck_assert_int_eq(parse(REQ_HEAD "\n <UserUri> sip:bob@example.org </UserUri><!-- c -->"
                           "<KmsUri><![CDATA[kms.example.org]]></KmsUri>"
                           "<Time>2024-05-10T11:23:02.5+02:00</Time><ClientId>c1</ClientId>"
                           "<DeviceId>d1</DeviceId><ClientReqUrl>/x</ClientReqUrl>"
                           "</KmsRequest>", &r), KMX_OK);
    ck_assert_str_eq(r.user_uri, "sip:bob@example.org");
    ck_assert_str_eq(r.kms_uri, "kms.example.org");
    ck_assert_str_eq(r.client_id, "c1");
    ck_assert_str_eq(r.device_id, "d1");
    kmx_request_free(&r);
}
END_TEST

START_TEST(test_request_refusals)
{
    static const char *bad[] = {
        /* not XML */
        "<KmsRequest", "plain text", "<a></b>",
        /* DTDs and entities: internal subset, external entity, billion laughs */
        "<!DOCTYPE KmsRequest [<!ENTITY x \"y\">]>" REQ_HEAD REQ_BODY "</KmsRequest>",
        "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" REQ_HEAD
        "<UserUri>&e;</UserUri></KmsRequest>",
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
        "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>",
        REQ_HEAD "<UserUri>&undefined;</UserUri></KmsRequest>",
        /* root, namespace */
        "<KmsRequest>" REQ_BODY "</KmsRequest>",
        "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"/>",
        "<KmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:2.0\">" REQ_BODY "</KmsRequest>",
        /* children: missing, out of order, repeated, unknown, foreign with no namespace */
        REQ_HEAD "</KmsRequest>",
        REQ_HEAD "<KmsUri>k</KmsUri><UserUri>u</UserUri><Time>2024-05-10T11:23:02</Time>"
        "<ClientReqUrl>/x</ClientReqUrl></KmsRequest>",
        REQ_HEAD REQ_BODY "<ClientReqUrl>/y</ClientReqUrl></KmsRequest>",
        REQ_HEAD REQ_BODY "<Bogus/></KmsRequest>",
        REQ_HEAD REQ_BODY "<Bogus xmlns=\"\"/></KmsRequest>",
        REQ_HEAD REQ_BODY "text</KmsRequest>",
        REQ_HEAD "<UserUri><b>x</b></UserUri></KmsRequest>",
        /* values */
        REQ_HEAD "<UserUri>u</UserUri><KmsUri>k</KmsUri><Time>yesterday</Time>"
        "<ClientReqUrl>/x</ClientReqUrl></KmsRequest>",
        REQ_HEAD "<UserUri>u</UserUri><KmsUri>k</KmsUri><Time>2024-13-10T11:23:02</Time>"
        "<ClientReqUrl>/x</ClientReqUrl></KmsRequest>",
        REQ_HEAD REQ_BODY "<ClientError><ErrorCode>x</ErrorCode><ErrorMsg>m</ErrorMsg>"
        "</ClientError></KmsRequest>",
        REQ_HEAD "<UserUri>a&#1;b</UserUri></KmsRequest>",
        /* signed: wrong shape */
        "<SignedKmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\">" REQ_HEAD REQ_BODY
        "</KmsRequest></SignedKmsRequest>",
        "<SignedKmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\">" REQ_HEAD REQ_BODY
        "</KmsRequest><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>"
        "<More/></SignedKmsRequest>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kmx_request_t r;
        char why[160] = "";
        int rc = kmx_request_parse(bad[i], strlen(bad[i]), &LIM, &r, why, sizeof why);
        ck_assert_msg(rc == KMX_E_SYNTAX, "case %zu accepted (%d): %s", i, rc, bad[i]);
        ck_assert_msg(why[0] != '\0', "case %zu: no reason", i);
        ck_assert_ptr_null(r.doc);
    }
    /* A NUL inside, and UTF-16 (parsed as UTF-8: not XML). */
    kmx_request_t r;
    char why[160];
    static const char nul[] = REQ_HEAD "\0" REQ_BODY "</KmsRequest>";
    ck_assert_int_eq(kmx_request_parse(nul, sizeof nul - 1, &LIM, &r, why, sizeof why),
                     KMX_E_SYNTAX);
    static const char u16[] = "\xff\xfe<\0K\0/\0>\0";
    ck_assert_int_eq(kmx_request_parse(u16, sizeof u16 - 1, &LIM, &r, why, sizeof why),
                     KMX_E_SYNTAX);
}
END_TEST

START_TEST(test_request_limits)
{
    kmx_request_t r;
    char why[160];
    /* Size: one octet over the limit. */
    size_t n = LIM.max_bytes + 1;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[n] = '\0';
    ck_assert_int_eq(kmx_request_parse(big, n, &LIM, &r, why, sizeof why), KMX_E_TOOBIG);
    free(big);
    /* Depth: 17 nested foreign elements inside the request. */
    char deep[4096];
    size_t o = (size_t)snprintf(deep, sizeof deep, "%s%s", REQ_HEAD, REQ_BODY);
    for (int i = 0; i < 16; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, "<x:e xmlns:x=\"urn:x\">");
    for (int i = 0; i < 16; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, "</x:e>");
    snprintf(deep + o, sizeof deep - o, "</KmsRequest>");
    ck_assert_int_eq(kmx_request_parse(deep, strlen(deep), &LIM, &r, why, sizeof why),
                     KMX_E_SYNTAX);
    ck_assert_ptr_nonnull(strstr(why, "deep"));
    /* 15 levels below the root: accepted. */
    o = (size_t)snprintf(deep, sizeof deep, "%s%s", REQ_HEAD, REQ_BODY);
    for (int i = 0; i < 15; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, "<x:e xmlns:x=\"urn:x\">");
    for (int i = 0; i < 15; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, "</x:e>");
    snprintf(deep + o, sizeof deep - o, "</KmsRequest>");
    ck_assert_int_eq(kmx_request_parse(deep, strlen(deep), &LIM, &r, why, sizeof why), KMX_OK);
    kmx_request_free(&r);
}
END_TEST

/* ---- path pieces ---- */

START_TEST(test_path_pieces)
{
    int64_t t = 0;
    /* D6B4323200000000 = 2014-02-23T08:39:14Z */
    ck_assert_int_eq(kmx_parse_ntp_hex("D6B4323200000000", &t), 0);
    ck_assert_int_eq(t, 1393144754);
    ck_assert_int_eq(kmx_parse_ntp_hex("d6b4323280000000", &t), 0);
    ck_assert_int_eq(t, 1393144754);
    ck_assert_int_ne(kmx_parse_ntp_hex("D6B43232", &t), 0);
    ck_assert_int_ne(kmx_parse_ntp_hex("D6B43232000000000", &t), 0);
    ck_assert_int_ne(kmx_parse_ntp_hex("G6B4323200000000", &t), 0);
    ck_assert_int_ne(kmx_parse_ntp_hex("", &t), 0);
    ck_assert_int_ne(kmx_parse_ntp_hex(NULL, &t), 0);
    uint64_t n = 0;
    ck_assert_int_eq(kmx_parse_cache_num("0", &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(kmx_parse_cache_num("18446744073709551615", &n), 0);
    ck_assert_uint_eq(n, UINT64_MAX);
    ck_assert_int_ne(kmx_parse_cache_num("18446744073709551616", &n), 0);
    ck_assert_int_ne(kmx_parse_cache_num("-1", &n), 0);
    ck_assert_int_ne(kmx_parse_cache_num("1a", &n), 0);
    ck_assert_int_ne(kmx_parse_cache_num("", &n), 0);
    ck_assert(kmx_uri_ok("sip:user@example.org"));
    ck_assert(!kmx_uri_ok("sip:a b"));
    ck_assert(!kmx_uri_ok(""));
}
END_TEST

/* ---- responses against the schema ---- */

START_TEST(test_response_init_valid)
{
    kmx_resp_t r;
    seal_km_cert_t c = sample_cert(1);
    ck_assert_int_eq(kmx_resp_new(&r, 0, "sip:alice@example.org", "kms.example.org",
                                  1700000000, "https://kms/keymanagement/identity/v1/init"),
                     KMX_OK);
    ck_assert_int_eq(kmx_resp_init(&r, &c), KMX_OK);
    xmlDocPtr d = reparse_valid(&r);
    xmlNodePtr root = xmlDocGetRootElement(d);
    ck_assert_str_eq((const char *)root->name, "KmsResponse");
    xmlChar *v = xmlNodeGetContent(find(root, "PubAuthKey"));
    ck_assert_uint_eq(strlen((const char *)v), 130);
    ck_assert(strncmp((const char *)v, "04FEFDFC", 8) == 0);
    xmlFree(v);
    v = xmlNodeGetContent(find(root, "Time"));
    ck_assert_str_eq((const char *)v, "2023-11-14T22:13:20Z");
    xmlFree(v);
    ck_assert_ptr_nonnull(find(root, "ValidTo"));
    ck_assert_ptr_nonnull(find(root, "Issuer"));
    xmlFreeDoc(d);
    kmx_resp_free(&r);
}
END_TEST

START_TEST(test_response_keyprov_plain_valid)
{
    kmx_resp_t r;
    seal_km_keyset_t k = sample_keyset();
    ck_assert_int_eq(kmx_resp_new(&r, 0, k.user_uri, "kms.example.org", 1700000000, "/x"),
                     KMX_OK);
    xmlNodePtr kp = kmx_resp_keyprov(&r);
    ck_assert_ptr_nonnull(kp);
    xmlNodePtr enc[2] = { (xmlNodePtr)1, (xmlNodePtr)1 };
    ck_assert_int_eq(kmx_resp_keyset(&r, kp, &k, 0, enc), KMX_OK);
    ck_assert_ptr_null(enc[0]);
    ck_assert_int_eq(kmx_resp_keyset(&r, kp, &k, 0, NULL), KMX_OK);
    xmlDocPtr d = reparse_valid(&r);
    xmlChar *v = xmlNodeGetContent(find(xmlDocGetRootElement(d), "UserSigningKeySSK"));
    ck_assert_str_eq((const char *)v,
                     "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF");
    xmlFree(v);
    v = xmlNodeGetContent(find(xmlDocGetRootElement(d), "KeyPeriodNo"));
    ck_assert_str_eq((const char *)v, "1388");
    xmlFree(v);
    xmlFreeDoc(d);
    kmx_resp_free(&r);
}
END_TEST

START_TEST(test_response_keyprov_encrypted_signed)
{
    kmx_resp_t r;
    seal_km_keyset_t k = sample_keyset();
    ck_assert_int_eq(kmx_resp_new(&r, 1, k.user_uri, "kms.example.org", 1700000000, "/x"),
                     KMX_OK);
    xmlNodePtr kp = kmx_resp_keyprov(&r), enc[2];
    ck_assert_int_eq(kmx_resp_keyset(&r, kp, &k, 1, enc), KMX_OK);
    ck_assert_ptr_nonnull(enc[0]);
    ck_assert_ptr_nonnull(enc[1]);
    ck_assert_int_eq(kmx_sec_encrypt_key(enc[0], k.rsk, 257, TRK, "trk.1.alice"), KMX_OK);
    ck_assert_int_eq(kmx_sec_encrypt_key(enc[1], k.ssk, 32, TRK, "trk.1.alice"), KMX_OK);
    ck_assert_int_eq(kmx_sec_sign(&r, INK, "ink.1.alice"), KMX_OK);
    xmlChar *text = NULL;
    int len = 0;
    ck_assert_int_eq(kmx_resp_text(&r, &text, &len), KMX_OK);
    /* The secrets are not in the text. */
    ck_assert_ptr_null(strstr((const char *)text,
                              "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"));
    ck_assert_ptr_nonnull(strstr((const char *)text, "xmlenc#aes256-cbc"));
    ck_assert_ptr_nonnull(strstr((const char *)text, "xmldsig-more#hmac-sha256"));
    ck_assert_ptr_nonnull(strstr((const char *)text, "ink.1.alice"));
    xmlDocPtr d = xmlReadMemory((const char *)text, len, NULL, "UTF-8", XML_PARSE_NONET);
    ck_assert_msg(valid(d), "not valid:\n%s", text);
    ck_assert_str_eq((const char *)xmlDocGetRootElement(d)->name, "SignedKmsResponse");
    /* Signature verifies with the InK, not with another key. */
    ck_assert_int_eq(kmx_sec_verify_response(d, INK), KMX_OK);
    xmlFreeDoc(d);
    d = xmlReadMemory((const char *)text, len, NULL, "UTF-8", XML_PARSE_NONET);
    ck_assert_int_eq(kmx_sec_verify_response(d, TRK), KMX_E_CRYPTO);
    xmlFreeDoc(d);
    /* Decryption with the TrK gives the keys back. */
    d = xmlReadMemory((const char *)text, len, NULL, "UTF-8", XML_PARSE_NONET);
    uint8_t rsk[257], ssk[32];
    ck_assert_int_eq(kmx_sec_decrypt_key(find(xmlDocGetRootElement(d), "UserDecryptKey"), TRK,
                                         rsk, sizeof rsk), KMX_OK);
    ck_assert_mem_eq(rsk, k.rsk, 257);
    ck_assert_int_eq(kmx_sec_decrypt_key(find(xmlDocGetRootElement(d), "UserSigningKeySSK"),
                                         TRK, ssk, sizeof ssk), KMX_OK);
    ck_assert_mem_eq(ssk, k.ssk, 32);
    uint8_t other[32];
    memcpy(other, TRK, 32);
    other[0] ^= 1;
    ck_assert_int_ne(kmx_sec_decrypt_key(find(xmlDocGetRootElement(d), "UserSigningKeySSK"),
                                         other, ssk, sizeof ssk), KMX_OK);
    xmlFreeDoc(d);
    /* A changed key period: the signature no longer verifies. */
    char *tampered = strdup((const char *)text);
    char *p = strstr(tampered, ">1388<");
    ck_assert_ptr_nonnull(p);
    p[4] = '9';
    d = xmlReadMemory(tampered, (int)strlen(tampered), NULL, "UTF-8", XML_PARSE_NONET);
    ck_assert_int_eq(kmx_sec_verify_response(d, INK), KMX_E_CRYPTO);
    xmlFreeDoc(d);
    free(tampered);
    xmlFree(text);
    kmx_resp_free(&r);
}
END_TEST

START_TEST(test_response_certcache_and_error_valid)
{
    kmx_resp_t r;
    seal_km_cert_t c = sample_cert(1);
    ck_assert_int_eq(kmx_resp_new(&r, 0, "", "kms.example.org", 1700000000, "/c"), KMX_OK);
    xmlNodePtr cc = kmx_resp_certcache(&r, 3);
    ck_assert_ptr_nonnull(cc);
    ck_assert_int_eq(kmx_resp_cert(&r, cc, &c), KMX_OK);
    xmlDocPtr d = reparse_valid(&r);
    xmlFreeDoc(d);
    kmx_resp_free(&r);
    ck_assert_int_eq(kmx_resp_new(&r, 0, "", "kms.example.org", 1700000000, "/c"), KMX_OK);
    ck_assert_ptr_nonnull(kmx_resp_certcache(&r, 4));   /* empty: up to date */
    d = reparse_valid(&r);
    xmlFreeDoc(d);
    kmx_resp_free(&r);
    ck_assert_int_eq(kmx_resp_new(&r, 1, "sip:x@y", "kms.example.org", 1700000000, "/e"),
                     KMX_OK);
    ck_assert_int_eq(kmx_resp_error(&r, 403, "not entitled <&> \"here\""), KMX_OK);
    ck_assert_int_eq(kmx_sec_sign(&r, INK, "ink"), KMX_OK);
    d = reparse_valid(&r);
    xmlChar *v = xmlNodeGetContent(find(xmlDocGetRootElement(d), "ErrorMsg"));
    ck_assert_str_eq((const char *)v, "not entitled <&> \"here\"");
    xmlFree(v);
    xmlFreeDoc(d);
    kmx_resp_free(&r);
}
END_TEST

static void quiet(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* The schema refuses what it should (it is not a rubber stamp). */
START_TEST(test_schema_refuses)
{
    static const char *bad[] = {
        /* key element without xsi:type (the type is abstract) */
        "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"><UserUri>u</UserUri>"
        "<KmsUri>k</KmsUri><Time>2024-01-01T00:00:00Z</Time><ClientReqUrl>/x</ClientReqUrl>"
        "<KmsMessage><KmsKeyProv><KmsKeySet><KmsUri>k</KmsUri><UserUri>u</UserUri>"
        "<UserID>00</UserID><KeyPeriodNo>1</KeyPeriodNo><UserDecryptKey>00</UserDecryptKey>"
        "<UserSigningKeySSK>00</UserSigningKeySSK><UserPubTokenPVT>00</UserPubTokenPVT>"
        "</KmsKeySet></KmsKeyProv></KmsMessage></KmsResponse>",
        /* wrong order */
        "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"><KmsUri>k</KmsUri>"
        "<UserUri>u</UserUri><Time>2024-01-01T00:00:00Z</Time><ClientReqUrl>/x</ClientReqUrl>"
        "</KmsResponse>",
        /* a public key that is not a point */
        "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"><UserUri>u</UserUri>"
        "<KmsUri>k</KmsUri><Time>2024-01-01T00:00:00Z</Time><ClientReqUrl>/x</ClientReqUrl>"
        "<KmsMessage><KmsInit><KmsCertificate Role=\"Root\"><KmsUri>k</KmsUri>"
        "<UserIdFormat>2</UserIdFormat><UserKeyPeriod>1</UserKeyPeriod>"
        "<UserKeyOffset>0</UserKeyOffset><PubEncKey>0102</PubEncKey><PubAuthKey>0102"
        "</PubAuthKey></KmsCertificate></KmsInit></KmsMessage></KmsResponse>",
        /* wrong version */
        "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" Version=\"2.0.0\">"
        "<UserUri>u</UserUri><KmsUri>k</KmsUri><Time>2024-01-01T00:00:00Z</Time>"
        "<ClientReqUrl>/x</ClientReqUrl></KmsResponse>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        xmlDocPtr d = xmlReadMemory(bad[i], (int)strlen(bad[i]), NULL, "UTF-8",
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        ck_assert_ptr_nonnull(d);
        xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
        xmlSchemaSetValidStructuredErrors(vc, quiet, NULL);
        ck_assert_msg(xmlSchemaValidateDoc(vc, d) != 0, "case %zu valid", i);
        xmlSchemaFreeValidCtxt(vc);
        xmlFreeDoc(d);
    }
}
END_TEST

/* ---- signed requests ---- */

/* A SignedKmsRequest signed with key, as text. */
static char *signed_request(const uint8_t *key, const char *user_uri)
{
    char xml[2048];
    snprintf(xml, sizeof xml,
             "<SignedKmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\">"
             "<KmsRequest Id=\"req1\" Version=\"1.1.0\"><UserUri>%s</UserUri>"
             "<KmsUri>kms.example.org</KmsUri><Time>2024-05-10T11:23:02Z</Time>"
             "<ClientReqUrl>/keymanagement/identity/v1/init</ClientReqUrl></KmsRequest>"
             "</SignedKmsRequest>", user_uri);
    xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), NULL, "UTF-8", XML_PARSE_NONET);
    ck_assert_ptr_nonnull(d);
    xmlNodePtr req = xmlDocGetRootElement(d)->children;
    ck_assert_int_eq(kmx_sec_sign_element(req, key, "ink.1"), KMX_OK);
    xmlChar *out = NULL;
    int len = 0;
    xmlDocDumpMemory(d, &out, &len);
    char *s = strdup((const char *)out);
    xmlFree(out);
    xmlFreeDoc(d);
    return s;
}

START_TEST(test_signed_request)
{
    char *s = signed_request(INK, "sip:alice@example.org");
    kmx_request_t r;
    ck_assert_int_eq(parse(s, &r), KMX_OK);
    ck_assert_ptr_nonnull(r.signature);
    ck_assert_int_eq(kmx_sec_verify_request(&r, INK), KMX_OK);
    kmx_request_free(&r);
    /* Another key. */
    ck_assert_int_eq(parse(s, &r), KMX_OK);
    ck_assert_int_eq(kmx_sec_verify_request(&r, TRK), KMX_E_CRYPTO);
    kmx_request_free(&r);
    /* The signed content changed (another user). */
    char *t = strdup(s);
    char *p = strstr(t, "alice");
    memcpy(p, "alicf", 5);
    ck_assert_int_eq(parse(t, &r), KMX_OK);
    ck_assert_int_eq(kmx_sec_verify_request(&r, INK), KMX_E_CRYPTO);
    kmx_request_free(&r);
    free(t);
    /* The request's Id renamed: the reference no longer names it. */
    t = strdup(s);
    p = strstr(t, "Id=\"req1\"");
    p[7] = '2';
    ck_assert_int_eq(parse(t, &r), KMX_OK);
    ck_assert_int_eq(kmx_sec_verify_request(&r, INK), KMX_E_CRYPTO);
    kmx_request_free(&r);
    free(t);
    /* Another element (outside the signed part) claiming the Id with
     * xml:id: refused, not resolved to either. */
    t = malloc(strlen(s) + 64);
    p = strstr(s, "Signature xmlns");
    ck_assert_ptr_nonnull(p);
    p += strlen("Signature");
    sprintf(t, "%.*s xml:id=\"req1\"%s", (int)(p - s), s, p);
    ck_assert_int_eq(parse(t, &r), KMX_OK);
    ck_assert_int_eq(kmx_sec_verify_request(&r, INK), KMX_E_CRYPTO);
    kmx_request_free(&r);
    free(t);
    /* The same document without it verifies (the edit above is the cause). */
    ck_assert_int_eq(parse(s, &r), KMX_OK);
    ck_assert_int_eq(kmx_sec_verify_request(&r, INK), KMX_OK);
    kmx_request_free(&r);
    /* An unsigned request has nothing to verify. */
    ck_assert_int_eq(parse(REQ_HEAD REQ_BODY "</KmsRequest>", &r), KMX_OK);
    ck_assert_int_eq(kmx_sec_verify_request(&r, INK), KMX_E_CRYPTO);
    kmx_request_free(&r);
    free(s);
}
END_TEST

static void setup(void)
{
    load_schema();
}

static void teardown(void)
{
    xmlSchemaFree(schema);
    schema = NULL;
}

int main(void)
{
    if (kmx_sec_init() != KMX_OK) {
        fprintf(stderr, "xmlsec init failed\n");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("km_uu");
    TCase *tc = tcase_create("xml");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_request_empty);
    tcase_add_test(tc, test_request_fields);
    tcase_add_test(tc, test_request_refusals);
    tcase_add_test(tc, test_request_limits);
    tcase_add_test(tc, test_path_pieces);
    tcase_add_test(tc, test_response_init_valid);
    tcase_add_test(tc, test_response_keyprov_plain_valid);
    tcase_add_test(tc, test_response_keyprov_encrypted_signed);
    tcase_add_test(tc, test_response_certcache_and_error_valid);
    tcase_add_test(tc, test_schema_refuses);
    tcase_add_test(tc, test_signed_request);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    kmx_sec_shutdown();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
