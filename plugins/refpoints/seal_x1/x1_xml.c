/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 Annex D.3: the KmsResponse a remote KMS sends the GMS over
 * SEAL-X1: KmsInit with the KmsCertificate (D.3.4),
 * KmsKeyProv with KmsKeySets (D.3.6), or KmsError. Parsed with libxml2 from
 * untrusted bytes: no network, no DTD (a document carrying one is refused,
 * so no entity is ever expanded), a size cap, every value checked for its
 * exact form and size before use. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/globals.h>
#include "x1.h"

#define KMS_NS "urn:3gpp:ns:mcsecKMSInterface:1.0"

typedef struct px {
    char *err;
    size_t err_len;
    seal_status_t st;
} px_t;

static seal_status_t fail(px_t *p, seal_status_t st, const char *fmt, const char *what)
{
    if (p->st == SEAL_OK) {
        p->st = st;
        if (p->err && p->err_len)
            snprintf(p->err, p->err_len, fmt, what ? what : "");
    }
    return p->st;
}

static int is_kms(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, KMS_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* The one child element of that name in our namespace; NULL when absent,
 * an error when repeated. */
static const xmlNode *child(px_t *p, const xmlNode *parent, const char *name, int required)
{
    const xmlNode *found = NULL;
    for (const xmlNode *n = parent->children; n; n = n->next) {
        if (!is_kms(n, name))
            continue;
        if (found) {
            fail(p, SEAL_E_INVAL, "element %s given twice", name);
            return NULL;
        }
        found = n;
    }
    if (!found && required)
        fail(p, SEAL_E_INVAL, "element %s is missing", name);
    return found;
}

static int has_element_child(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

/* The text of a simple element, whitespace-trimmed (xsd whitespace
 * "collapse" for the types used here), into buf. */
static int text(px_t *p, const xmlNode *n, const char *name, char *buf, size_t cap)
{
    if (has_element_child(n)) {
        fail(p, SEAL_E_INVAL, "element %s must hold text only", name);
        return -1;
    }
    xmlChar *t = xmlNodeGetContent(n);
    if (!t) {
        fail(p, SEAL_E_NOMEM, "out of memory reading %s", name);
        return -1;
    }
    const char *s = (const char *)t;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                   s[len - 1] == '\n'))
        len--;
    int rc = 0;
    if (len >= cap) {
        fail(p, SEAL_E_INVAL, "element %s is too long", name);
        rc = -1;
    } else {
        memcpy(buf, s, len);
        buf[len] = '\0';
    }
    explicit_bzero(t, strlen((const char *)t));
    xmlFree(t);
    return rc;
}

/* A URI: 1..255 printable ASCII octets without spaces. */
static int get_uri(px_t *p, const xmlNode *parent, const char *name, char *out)
{
    const xmlNode *n = child(p, parent, name, 1);
    if (!n || text(p, n, name, out, SEAL_X1_URI_MAX + 1) != 0)
        return -1;
    if (!*out) {
        fail(p, SEAL_E_INVAL, "element %s is empty", name);
        return -1;
    }
    for (const char *s = out; *s; s++)
        if (*s <= 0x20 || *s >= 0x7f) {
            fail(p, SEAL_E_INVAL, "element %s is not a printable URI", name);
            return -1;
        }
    return 0;
}

static int get_u64(px_t *p, const xmlNode *parent, const char *name, int required,
                   uint64_t def, uint64_t *out)
{
    char buf[32];
    const xmlNode *n = child(p, parent, name, required);
    *out = def;
    if (!n)
        return p->st == SEAL_OK ? 0 : -1;
    if (text(p, n, name, buf, sizeof buf) != 0)
        return -1;
    uint64_t v = 0;
    size_t len = strlen(buf);
    if (len == 0 || len > 20)
        goto bad;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            goto bad;
        uint64_t d = (uint64_t)(buf[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            goto bad;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
bad:
    fail(p, SEAL_E_INVAL, "element %s is not a non-negative integer", name);
    return -1;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A hexBinary key of exactly n octets. Encrypted keys (EncKeyContentType,
 * an xenc:EncryptedKey child) need the TrK, which this side does not have. */
static int get_hex(px_t *p, const xmlNode *parent, const char *name, uint8_t *out, size_t n)
{
    const xmlNode *e = child(p, parent, name, 1);
    if (!e)
        return -1;
    if (has_element_child(e)) {
        fail(p, SEAL_E_UNSUPPORTED, "element %s is encrypted (a transport key is not "
             "configured for SEAL-X1; use plain key material over HTTPS)", name);
        return -1;
    }
    size_t cap = 2 * n + 1;
    char *buf = malloc(cap);
    if (!buf) {
        fail(p, SEAL_E_NOMEM, "out of memory reading %s", name);
        return -1;
    }
    int rc = text(p, e, name, buf, cap);
    if (rc == 0 && strlen(buf) != 2 * n) {
        fail(p, SEAL_E_INVAL, "element %s has the wrong size", name);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int hi = hexval((unsigned char)buf[2 * i]), lo = hexval((unsigned char)buf[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fail(p, SEAL_E_INVAL, "element %s is not hexBinary", name);
            rc = -1;
        } else {
            out[i] = (uint8_t)(hi << 4 | lo);
        }
    }
    explicit_bzero(buf, cap);
    free(buf);
    if (rc != 0)
        explicit_bzero(out, n);
    return rc;
}

/* xsd:boolean: "true"/"1" is true. Absent: false. */
static int get_revoked(px_t *p, const xmlNode *parent, int *revoked)
{
    char buf[8];
    *revoked = 0;
    const xmlNode *n = child(p, parent, "Revoked", 0);
    if (!n)
        return p->st == SEAL_OK ? 0 : -1;
    if (text(p, n, "Revoked", buf, sizeof buf) != 0)
        return -1;
    if (strcmp(buf, "true") == 0 || strcmp(buf, "1") == 0)
        *revoked = 1;
    else if (strcmp(buf, "false") != 0 && strcmp(buf, "0") != 0)
        return fail(p, SEAL_E_INVAL, "element Revoked is not a boolean%s", NULL), -1;
    return 0;
}

/* D.3.4 KmsCertificate. */
static int parse_cert(px_t *p, const xmlNode *c, x1_cert_t *cert)
{
    uint64_t fmt, pset;
    int revoked;
    xmlChar *role = xmlGetProp(c, (const xmlChar *)"Role");
    int root = !role || strcmp((const char *)role, "Root") == 0;
    xmlFree(role);
    if (!root)
        return fail(p, SEAL_E_INVAL, "KmsCertificate Role is not Root%s", NULL), -1;
    if (get_uri(p, c, "KmsUri", cert->kms_uri) != 0 ||
        get_revoked(p, c, &revoked) != 0 ||
        get_u64(p, c, "UserIdFormat", 1, 0, &fmt) != 0 ||
        get_u64(p, c, "UserKeyPeriod", 1, 0, &cert->period) != 0 ||
        get_u64(p, c, "UserKeyOffset", 1, 0, &cert->offset) != 0 ||
        get_hex(p, c, "PubEncKey", cert->z, sizeof cert->z) != 0 ||
        get_hex(p, c, "PubAuthKey", cert->kpak, sizeof cert->kpak) != 0 ||
        get_u64(p, c, "ParameterSet", 0, 1, &pset) != 0)
        return -1;
    if (revoked)
        return fail(p, SEAL_E_INVAL, "the KMS certificate is revoked%s", NULL), -1;
    if (fmt != SEAL_KM_USER_ID_FORMAT)
        return fail(p, SEAL_E_INVAL, "UserIdFormat is not 2 (3GPP MCX hashed UID)%s", NULL), -1;
    if (pset != SEAL_KM_PARAMETER_SET)
        return fail(p, SEAL_E_INVAL, "ParameterSet is not 1%s", NULL), -1;
    if (cert->period == 0 || cert->offset >= cert->period)
        return fail(p, SEAL_E_INVAL, "UserKeyPeriod/UserKeyOffset out of range%s", NULL), -1;
    return 0;
}

/* D.3.6 KmsKeySet. */
static int parse_keyset(px_t *p, const xmlNode *k, x1_keyset_t *ks)
{
    uint8_t rsk[SEAL_X1_Z_LEN];
    int revoked;
    int rc = -1;
    if (get_uri(p, k, "KmsUri", ks->kms_uri) == 0 &&
        get_uri(p, k, "UserUri", ks->user_uri) == 0 &&
        get_hex(p, k, "UserID", ks->uid, sizeof ks->uid) == 0 &&
        get_u64(p, k, "KeyPeriodNo", 1, 0, &ks->period_no) == 0 &&
        get_revoked(p, k, &revoked) == 0 &&
        /* The GMS only signs: its RSK is checked for form and dropped. */
        get_hex(p, k, "UserDecryptKey", rsk, sizeof rsk) == 0 &&
        get_hex(p, k, "UserSigningKeySSK", ks->ssk, sizeof ks->ssk) == 0 &&
        get_hex(p, k, "UserPubTokenPVT", ks->pvt, sizeof ks->pvt) == 0)
        rc = revoked ? (fail(p, SEAL_E_STATE, "the key set is revoked%s", NULL), -1) : 0;
    explicit_bzero(rsk, sizeof rsk);
    return rc;
}

static int parse_error(px_t *p, const xmlNode *e, x1_response_t *out)
{
    uint64_t code;
    const xmlNode *m;
    if (get_u64(p, e, "ErrorCode", 1, 0, &code) != 0)
        return -1;
    out->error_code = code > 9999 ? 9999 : (long)code;
    if ((m = child(p, e, "ErrorMsg", 0)) != NULL) {
        char buf[sizeof out->error_msg];
        xmlChar *t = has_element_child(m) ? NULL : xmlNodeGetContent(m);
        size_t o = 0;
        /* Kept for the log: printable ASCII only, cut to size. */
        for (const char *s = t ? (const char *)t : ""; *s && o + 1 < sizeof buf; s++)
            buf[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
        buf[o] = '\0';
        xmlFree(t);
        memcpy(out->error_msg, buf, sizeof buf);
    }
    out->kind = X1_KIND_ERROR;
    return p->st == SEAL_OK ? 0 : -1;
}

static int parse_root(px_t *p, const xmlNode *root, x1_response_t *out)
{
    if (is_kms(root, "SignedKmsResponse"))
        return fail(p, SEAL_E_UNSUPPORTED, "a signed KmsResponse needs the integrity key, "
                    "which SEAL-X1 does not configure%s", NULL), -1;
    if (!is_kms(root, "KmsResponse"))
        return fail(p, SEAL_E_INVAL, "the document is not a KmsResponse in " KMS_NS "%s",
                    NULL), -1;
    /* Element-only content: stray text is a malformed response. */
    for (const xmlNode *n = root->children; n; n = n->next)
        if (n->type == XML_TEXT_NODE && !xmlIsBlankNode(n))
            return fail(p, SEAL_E_INVAL, "text outside the elements of KmsResponse%s",
                        NULL), -1;
    const xmlNode *err = child(p, root, "KmsError", 0);
    const xmlNode *msg = child(p, root, "KmsMessage", 0);
    if (p->st != SEAL_OK)
        return -1;
    if (err)
        return parse_error(p, err, out);
    if (!msg)
        return fail(p, SEAL_E_INVAL, "KmsResponse has neither KmsMessage nor KmsError%s",
                    NULL), -1;
    const xmlNode *init = child(p, msg, "KmsInit", 0);
    const xmlNode *prov = child(p, msg, "KmsKeyProv", 0);
    if (p->st != SEAL_OK)
        return -1;
    if (!!init + !!prov != 1)
        return fail(p, SEAL_E_INVAL, "KmsMessage must hold one KmsInit or KmsKeyProv%s",
                    NULL), -1;
    if (init) {
        if (child(p, init, "SignedKmsCertificate", 0))
            return fail(p, SEAL_E_UNSUPPORTED, "a signed KmsCertificate is not supported%s",
                        NULL), -1;
        const xmlNode *c = child(p, init, "KmsCertificate", 1);
        if (!c || parse_cert(p, c, &out->cert) != 0)
            return -1;
        out->kind = X1_KIND_INIT;
        return 0;
    }
    size_t n = 0;
    for (const xmlNode *k = prov->children; k; k = k->next) {
        if (!is_kms(k, "KmsKeySet"))
            continue;
        if (n == X1_MAX_KEYSETS)
            return fail(p, SEAL_E_INVAL, "too many KmsKeySet elements%s", NULL), -1;
        if (parse_keyset(p, k, &out->keysets[n]) != 0)
            return -1;
        n++;
    }
    if (n == 0)
        return fail(p, SEAL_E_INVAL, "KmsKeyProv holds no KmsKeySet%s", NULL), -1;
    out->n_keysets = n;
    out->kind = X1_KIND_KEYPROV;
    return 0;
}

/* Key material sits in text nodes: wipe them before libxml2 frees the tree
 * (best effort: the parser's input copy is freed by libxml2 itself). */
static void wipe_text(xmlDocPtr doc, xmlNode *n)
{
    for (; n; n = n->next) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content &&
            n->content != (xmlChar *)&n->properties &&
            !(doc->dict && xmlDictOwns(doc->dict, n->content)))
            explicit_bzero(n->content, strlen((const char *)n->content));
        if (n->type == XML_ELEMENT_NODE)
            wipe_text(doc, n->children);
    }
}

static void quiet(void *ctx, xmlErrorPtr e)
{
    (void)ctx; (void)e;
}

void x1_response_wipe(x1_response_t *r)
{
    if (r)
        explicit_bzero(r, sizeof *r);
}

seal_status_t x1_xml_parse(const char *xml, size_t len, x1_response_t *out,
                           char *err, size_t err_len)
{
    px_t p = { err, err_len, SEAL_OK };
    if (err && err_len)
        err[0] = '\0';
    if (!out)
        return SEAL_E_INVAL;
    memset(out, 0, sizeof *out);
    if (!xml || len == 0)
        return fail(&p, SEAL_E_INVAL, "empty response%s", NULL);
    if (len > X1_XML_MAX)
        return fail(&p, SEAL_E_INVAL, "response larger than 64 KiB%s", NULL);
    /* No NOENT (entities stay unexpanded), no DTD loading, no network.
     * Errors raised outside the parser context (encoding conversion) go to
     * libxml2's per-thread handler: silenced here, so a hostile answer
     * cannot write to seald's log; the reason we report is ours. */
    xmlStructuredErrorFunc prev = xmlStructuredError;
    void *prev_ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(NULL, quiet);
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "KmsResponse.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        xmlSetStructuredErrorFunc(prev_ctx, prev);
        return fail(&p, SEAL_E_INVAL, "not well-formed XML%s", NULL);
    }
    if (doc->intSubset || doc->extSubset)
        fail(&p, SEAL_E_INVAL, "a document type declaration is not allowed%s", NULL);
    else
        parse_root(&p, xmlDocGetRootElement(doc), out);
    wipe_text(doc, doc->children);
    xmlFreeDoc(doc);
    xmlSetStructuredErrorFunc(prev_ctx, prev);
    if (p.st != SEAL_OK)
        x1_response_wipe(out);
    return p.st;
}
