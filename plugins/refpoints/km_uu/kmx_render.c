/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 D.3: KmsResponse documents (D.3.1), with KmsInit (D.3.2),
 * KmsKeyProv/KmsKeySet (D.3.3), KmsCertCache (D.3.4), KmsCertificate and
 * KmsError, in urn:3gpp:ns:mcsecKMSInterface:1.0 (kms-interface.xsd in this
 * directory is the schema the tests validate every answer with).
 *
 * Key elements carry xsi:type: KeyContentType (hexBinary) or
 * EncKeyContentType (an xenc:EncryptedKey), the two concrete types of the
 * schema's abstract key content type. Hex is upper case. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "kmx.h"

#define X(s) ((const xmlChar *)(s))

void kmx_datetime(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        memset(&tm, 0, sizeof tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static xmlNodePtr add_text(kmx_resp_t *r, xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, r->ns, X(name), X(text));
}

static xmlNodePtr add_u64(kmx_resp_t *r, xmlNodePtr parent, const char *name, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return add_text(r, parent, name, buf);
}

static xmlNodePtr add_time(kmx_resp_t *r, xmlNodePtr parent, const char *name, int64_t t)
{
    char buf[32];
    kmx_datetime(t, buf);
    return add_text(r, parent, name, buf);
}

static xmlNodePtr add_hex(kmx_resp_t *r, xmlNodePtr parent, const char *name, const uint8_t *b,
                          size_t n)
{
    static const char d[] = "0123456789ABCDEF";
    char buf[2 * 300 + 1];
    if (n > 300)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = d[b[i] >> 4];
        buf[2 * i + 1] = d[b[i] & 15];
    }
    buf[2 * n] = '\0';
    xmlNodePtr e = add_text(r, parent, name, buf);
    explicit_bzero(buf, sizeof buf);
    return e;
}

int kmx_resp_new(kmx_resp_t *r, int wrap_signed, const char *user_uri, const char *kms_uri,
                 int64_t t, const char *client_req_url)
{
    memset(r, 0, sizeof *r);
    r->doc = xmlNewDoc(X("1.0"));
    if (!r->doc)
        return KMX_E_NOMEM;
    r->root = xmlNewNode(NULL, X(wrap_signed ? "SignedKmsResponse" : "KmsResponse"));
    if (!r->root) {
        kmx_resp_free(r);
        return KMX_E_NOMEM;
    }
    xmlDocSetRootElement(r->doc, r->root);
    r->ns = xmlNewNs(r->root, X(KMX_NS), NULL);
    r->xsi = xmlNewNs(r->root, X(KMX_XSI_NS), X("xsi"));
    if (!r->ns || !r->xsi) {
        kmx_resp_free(r);
        return KMX_E_NOMEM;
    }
    xmlSetNs(r->root, r->ns);
    r->resp = wrap_signed ? xmlNewChild(r->root, r->ns, X("KmsResponse"), NULL) : r->root;
    if (!r->resp || !xmlNewProp(r->resp, X("Id"), X("kms-response"))
        || !xmlNewProp(r->resp, X("Version"), X("1.0.0"))
        || !add_text(r, r->resp, "UserUri", user_uri ? user_uri : "")
        || !add_text(r, r->resp, "KmsUri", kms_uri ? kms_uri : "")
        || !add_time(r, r->resp, "Time", t)
        || !add_text(r, r->resp, "ClientReqUrl", client_req_url ? client_req_url : "")) {
        kmx_resp_free(r);
        return KMX_E_NOMEM;
    }
    return KMX_OK;
}

static xmlNodePtr message(kmx_resp_t *r, const char *kind)
{
    if (!r->msg && !(r->msg = xmlNewChild(r->resp, r->ns, X("KmsMessage"), NULL)))
        return NULL;
    xmlNodePtr m = xmlNewChild(r->msg, r->ns, X(kind), NULL);
    if (m && !xmlNewProp(m, X("Version"), X("1.0.0")))
        return NULL;
    return m;
}

int kmx_resp_cert(kmx_resp_t *r, xmlNodePtr parent, const seal_km_cert_t *c)
{
    xmlNodePtr e = xmlNewChild(parent, r->ns, X("KmsCertificate"), NULL);
    if (!e || !xmlNewProp(e, X("Id"), X(c->id)) || !xmlNewProp(e, X("Version"), X("1.1.0"))
        || !xmlNewProp(e, X("Role"), X("Root"))
        || !add_text(r, e, "CertUri", c->cert_uri) || !add_text(r, e, "KmsUri", c->kms_uri)
        || (c->issuer[0] && !add_text(r, e, "Issuer", c->issuer))
        || !add_time(r, e, "ValidFrom", c->valid_from)
        || (c->valid_to && !add_time(r, e, "ValidTo", c->valid_to))
        || (c->revoked && !add_text(r, e, "Revoked", "true"))
        || !add_u64(r, e, "UserIdFormat", c->user_id_format)
        || !add_u64(r, e, "UserKeyPeriod", c->user_key_period)
        || !add_u64(r, e, "UserKeyOffset", c->user_key_offset)
        || !add_hex(r, e, "PubEncKey", c->pub_enc_key, SEAL_KM_Z_LEN)
        || !add_hex(r, e, "PubAuthKey", c->pub_auth_key, SEAL_KM_KPAK_LEN)
        || !add_u64(r, e, "ParameterSet", c->parameter_set))
        return KMX_E_NOMEM;
    return KMX_OK;
}

int kmx_resp_init(kmx_resp_t *r, const seal_km_cert_t *cert)
{
    xmlNodePtr init = message(r, "KmsInit");
    return init ? kmx_resp_cert(r, init, cert) : KMX_E_NOMEM;
}

xmlNodePtr kmx_resp_keyprov(kmx_resp_t *r)
{
    return message(r, "KmsKeyProv");
}

static xmlNodePtr key_elem(kmx_resp_t *r, xmlNodePtr parent, const char *name,
                           const uint8_t *b, size_t n, int encrypt)
{
    xmlNodePtr e = encrypt ? xmlNewChild(parent, r->ns, X(name), NULL)
                           : add_hex(r, parent, name, b, n);
    if (e && !xmlNewNsProp(e, r->xsi, X("type"),
                           X(encrypt ? "EncKeyContentType" : "KeyContentType")))
        return NULL;
    return e;
}

int kmx_resp_keyset(kmx_resp_t *r, xmlNodePtr keyprov, const seal_km_keyset_t *ks, int encrypt,
                    xmlNodePtr enc[2])
{
    xmlNodePtr e = xmlNewChild(keyprov, r->ns, X("KmsKeySet"), NULL);
    char id[32];
    snprintf(id, sizeof id, "kms-keyset-%u", ++r->ids);
    if (!e || !xmlNewProp(e, X("Id"), X(id)) || !xmlNewProp(e, X("Version"), X("1.1.0"))
        || !add_text(r, e, "KmsUri", ks->kms_uri) || !add_text(r, e, "CertUri", ks->cert_uri)
        || (ks->issuer[0] && !add_text(r, e, "Issuer", ks->issuer))
        || !add_text(r, e, "UserUri", ks->user_uri)
        || !add_hex(r, e, "UserID", ks->uid, SEAL_KM_UID_LEN)
        || !add_time(r, e, "ValidFrom", ks->valid_from)
        || !add_time(r, e, "ValidTo", ks->valid_to)
        || !add_u64(r, e, "KeyPeriodNo", ks->key_period_no)
        || (ks->revoked && !add_text(r, e, "Revoked", "true")))
        return KMX_E_NOMEM;
    xmlNodePtr rsk = key_elem(r, e, "UserDecryptKey", ks->rsk, SEAL_KM_RSK_LEN, encrypt);
    xmlNodePtr ssk = rsk ? key_elem(r, e, "UserSigningKeySSK", ks->ssk, SEAL_KM_SSK_LEN, encrypt)
                         : NULL;
    xmlNodePtr pvt = ssk ? key_elem(r, e, "UserPubTokenPVT", ks->pvt, SEAL_KM_PVT_LEN, 0) : NULL;
    if (!pvt)
        return KMX_E_NOMEM;
    if (enc) {
        enc[0] = encrypt ? rsk : NULL;
        enc[1] = encrypt ? ssk : NULL;
    }
    return KMX_OK;
}

xmlNodePtr kmx_resp_certcache(kmx_resp_t *r, uint64_t cache_num)
{
    xmlNodePtr c = message(r, "KmsCertCache");
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, cache_num);
    if (c && !xmlNewProp(c, X("CacheNum"), X(buf)))
        return NULL;
    return c;
}

int kmx_resp_error(kmx_resp_t *r, int code, const char *msg)
{
    xmlNodePtr e = xmlNewChild(r->resp, r->ns, X("KmsError"), NULL);
    char buf[16];
    snprintf(buf, sizeof buf, "%d", code);
    if (!e || !add_text(r, e, "ErrorCode", buf) || !add_text(r, e, "ErrorMsg", msg ? msg : ""))
        return KMX_E_NOMEM;
    return KMX_OK;
}

int kmx_resp_text(kmx_resp_t *r, xmlChar **out, int *len)
{
    *out = NULL;
    *len = 0;
    xmlDocDumpFormatMemoryEnc(r->doc, out, len, "UTF-8", 0);
    return *out ? KMX_OK : KMX_E_NOMEM;
}

static void wipe(xmlNodePtr n)
{
    for (; n; n = n->next) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
            explicit_bzero(n->content, strlen((const char *)n->content));
        if (n->type == XML_ELEMENT_NODE)
            wipe(n->children);
    }
}

void kmx_resp_free(kmx_resp_t *r)
{
    if (r->doc) {
        wipe(r->doc->children);
        xmlFreeDoc(r->doc);
    }
    memset(r, 0, sizeof *r);
}
