/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 D.1, the security extension of the KMS interface, as a KM
 * client that holds a transport key (TrK) and/or an integrity key (InK)
 * provisioned out of band:
 *   - key material encrypted under the TrK: an xenc:EncryptedKey with
 *     AES-256-CBC (xmlenc#aes256-cbc: IV || ciphertext in CipherValue, XML
 *     Encryption padding), decrypted here with nettle;
 *   - the SignedKmsResponse's ds:Signature: HMAC-SHA-256
 *     (xmldsig-more#hmac-sha256) with the InK (else the TrK) over SignedInfo,
 *     whose one Reference to "#<the KmsResponse's Id>" carries the SHA-256
 *     digest of that element, canonicalised (c14n 1.0, or exclusive c14n
 *     when named) with libxml2.
 * The check is strict: exactly one reference, to the very KmsResponse the
 * client then reads (no lookup by ID: a second element with the same Id
 * cannot be substituted), no transform but a canonicalisation, SHA-256
 * only; the values are compared in constant time. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "kms_sec.h"

#define DS_NS "http://www.w3.org/2000/09/xmldsig#"
#define XENC_NS "http://www.w3.org/2001/04/xmlenc#"
#define ALG_AES256_CBC XENC_NS "aes256-cbc"
#define ALG_SHA256 XENC_NS "sha256"
#define ALG_HMAC_SHA256 "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
#define ALG_C14N "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"

__attribute__((format(printf, 3, 4)))
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_el(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

/* The only child element of n named ns:name; NULL when none or several. */
static const xmlNode *only_child(const xmlNode *n, const char *ns, const char *name, int *count)
{
    const xmlNode *found = NULL;
    *count = 0;
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is_el(c, ns, name)) {
            found = c;
            (*count)++;
        }
    return *count == 1 ? found : NULL;
}

static int alg_is(const xmlNode *n, const char *alg)
{
    xmlChar *a = xmlGetNoNsProp(n, (const xmlChar *)"Algorithm");
    int ok = a && strcmp((const char *)a, alg) == 0;
    xmlFree(a);
    return ok;
}

/* base64Binary content (white space allowed) of n, exactly len octets. */
static int b64_exact(const xmlNode *n, uint8_t *out, size_t len)
{
    xmlChar *t = xmlNodeGetContent(n);
    if (!t)
        return -1;
    size_t k = 0;
    for (size_t i = 0; t[i]; i++)
        if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r' && t[i] != '\n')
            t[k++] = t[i];
    size_t got = 0;
    uint8_t *d = kmc_unbase64((const char *)t, k, &got);
    xmlFree(t);
    int rc = d && got == len ? 0 : -1;
    if (rc == 0)
        memcpy(out, d, len);
    if (d) {
        explicit_bzero(d, got);
        free(d);
    }
    return rc;
}

int kmc_sec_decrypt(const xmlNode *key_elem, const uint8_t trk[KMC_SEC_KEY_LEN], uint8_t *out,
                    size_t len, char *err, size_t errlen)
{
    int count;
    const xmlNode *ek = only_child(key_elem, XENC_NS, "EncryptedKey", &count);
    if (!ek)
        return bad(err, errlen, "<%s> holds no single xenc:EncryptedKey",
                   (const char *)key_elem->name);
    const xmlNode *m = only_child(ek, XENC_NS, "EncryptionMethod", &count);
    if (!m || !alg_is(m, ALG_AES256_CBC))
        return bad(err, errlen, "<%s> is not encrypted with AES-256-CBC (xmlenc#aes256-cbc)",
                   (const char *)key_elem->name);
    const xmlNode *cd = only_child(ek, XENC_NS, "CipherData", &count);
    const xmlNode *cv = cd ? only_child(cd, XENC_NS, "CipherValue", &count) : NULL;
    if (!cv)
        return bad(err, errlen, "<%s>: no CipherData/CipherValue (a CipherReference is not "
                   "followed)", (const char *)key_elem->name);
    xmlChar *t = xmlNodeGetContent(cv);
    if (!t)
        return bad(err, errlen, "out of memory");
    size_t k = 0;
    for (size_t i = 0; t[i]; i++)
        if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r' && t[i] != '\n')
            t[k++] = t[i];
    size_t n = 0;
    uint8_t *c = kmc_unbase64((const char *)t, k, &n);
    xmlFree(t);
    /* IV, then whole blocks: at least one more than the data needs */
    if (!c || n < 32 || n % 16 || n - 16 < len + 1 || n - 16 > len + 16) {
        free(c);
        return bad(err, errlen, "<%s>: the CipherValue is not IV and ciphertext of %zu "
                   "octets", (const char *)key_elem->name, len);
    }
    struct aes256_ctx aes;
    uint8_t iv[16];
    uint8_t *p = malloc(n - 16);
    if (!p) {
        free(c);
        return bad(err, errlen, "out of memory");
    }
    aes256_set_decrypt_key(&aes, trk);
    memcpy(iv, c, 16);
    cbc_decrypt(&aes, (nettle_cipher_func *)aes256_decrypt, 16, iv, n - 16, p, c + 16);
    /* XML Encryption 5.2: the last octet is the padding length (1..16);
     * the other padding octets are arbitrary */
    size_t pad = p[n - 17];
    int rc = 0;
    if (pad < 1 || pad > 16 || n - 16 - pad != len)
        rc = bad(err, errlen, "<%s> does not decrypt under the TrK to %zu octets (another "
                 "TrK?)", (const char *)key_elem->name, len);
    else
        memcpy(out, p, len);
    explicit_bzero(p, n - 16);
    explicit_bzero(&aes, sizeof aes);
    free(p);
    free(c);
    return rc;
}

/* c14n visibility: n (or, for a namespace node, its element) inside root,
 * comments left out (a same-document reference's node set). */
static int in_subtree(void *root, xmlNodePtr node, xmlNodePtr parent)
{
    if (node && node->type == XML_COMMENT_NODE)
        return 0;
    const xmlNode *n = node && node->type != XML_NAMESPACE_DECL ? node : parent;
    for (; n; n = n->parent)
        if (n == root)
            return 1;
    return 0;
}

/* The canonical form of the subtree of root (mode: XML_C14N_1_0 or
 * XML_C14N_EXCLUSIVE_1_0), hashed (SHA-256) or HMAC'd (key not NULL). */
static int c14n_digest(xmlDocPtr doc, xmlNodePtr root, int mode, const uint8_t *key,
                       uint8_t out[32])
{
    xmlOutputBufferPtr buf = xmlAllocOutputBuffer(NULL);
    if (!buf)
        return -1;
    int rc = xmlC14NExecute(doc, in_subtree, root, mode, NULL, 0, buf);
    const xmlChar *data = xmlOutputBufferGetContent(buf);
    size_t size = xmlOutputBufferGetSize(buf);
    if (rc >= 0 && data) {
        if (key) {
            struct hmac_sha256_ctx h;
            hmac_sha256_set_key(&h, KMC_SEC_KEY_LEN, key);
            hmac_sha256_update(&h, size, data);
            hmac_sha256_digest(&h, 32, out);
            explicit_bzero(&h, sizeof h);
        } else {
            struct sha256_ctx h;
            sha256_init(&h);
            sha256_update(&h, size, data);
            sha256_digest(&h, 32, out);
        }
        rc = 0;
    } else {
        rc = -1;
    }
    xmlOutputBufferClose(buf);
    return rc;
}

static int c14n_mode(const xmlNode *method, int *mode)
{
    if (alg_is(method, ALG_C14N))
        *mode = XML_C14N_1_0;
    else if (alg_is(method, ALG_EXC_C14N))
        *mode = XML_C14N_EXCLUSIVE_1_0;
    else
        return -1;
    return 0;
}

int kmc_sec_verify(xmlDocPtr doc, const xmlNode *resp, const xmlNode *sig,
                   const uint8_t key[KMC_SEC_KEY_LEN], char *err, size_t errlen)
{
    int count;
    xmlChar *id = xmlGetNoNsProp(resp, (const xmlChar *)"Id");
    char want[300];
    int idok = id && id[0] && strlen((const char *)id) < sizeof want - 2;
    if (idok)
        snprintf(want, sizeof want, "#%s", (const char *)id);
    xmlFree(id);
    if (!idok)
        return bad(err, errlen, "the signed KmsResponse has no Id");
    const xmlNode *si = only_child(sig, DS_NS, "SignedInfo", &count);
    const xmlNode *sv = only_child(sig, DS_NS, "SignatureValue", &count);
    if (!si || !sv)
        return bad(err, errlen, "the signature lacks SignedInfo or SignatureValue");
    const xmlNode *cm = only_child(si, DS_NS, "CanonicalizationMethod", &count);
    const xmlNode *sm = only_child(si, DS_NS, "SignatureMethod", &count);
    int si_mode, ref_mode = XML_C14N_1_0;
    if (!cm || c14n_mode(cm, &si_mode))
        return bad(err, errlen, "the signature's canonicalisation is not c14n 1.0 or "
                   "exclusive c14n");
    if (!sm || !alg_is(sm, ALG_HMAC_SHA256) || sm->children)
        return bad(err, errlen, "the signature is not HMAC-SHA-256 (xmldsig-more#hmac-sha256, "
                   "no HMACOutputLength)");
    const xmlNode *ref = only_child(si, DS_NS, "Reference", &count);
    if (!ref)
        return bad(err, errlen, "the signature has %d references, not one", count);
    xmlChar *uri = xmlGetNoNsProp(ref, (const xmlChar *)"URI");
    int uri_ok = uri && strcmp((const char *)uri, want) == 0;
    xmlFree(uri);
    if (!uri_ok)
        return bad(err, errlen, "the signature does not refer to the KmsResponse (%s)", want);
    const xmlNode *tr = NULL, *dm = NULL, *dv = NULL;
    for (const xmlNode *c = ref->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(c, DS_NS, "Transforms") && !tr)
            tr = c;
        else if (is_el(c, DS_NS, "DigestMethod") && !dm)
            dm = c;
        else if (is_el(c, DS_NS, "DigestValue") && !dv)
            dv = c;
        else
            return bad(err, errlen, "unexpected <%s> in the signature's Reference",
                       (const char *)c->name);
    }
    for (const xmlNode *t = tr ? tr->children : NULL; t; t = t->next) {
        if (t->type != XML_ELEMENT_NODE)
            continue;
        if (!is_el(t, DS_NS, "Transform") || c14n_mode(t, &ref_mode) || t->children)
            return bad(err, errlen, "a transform other than c14n in the signature");
    }
    uint8_t digest[32], want_digest[32], mac[32], want_mac[32];
    if (!dm || !alg_is(dm, ALG_SHA256) || !dv || b64_exact(dv, want_digest, 32))
        return bad(err, errlen, "the signature's digest is not SHA-256");
    if (b64_exact(sv, want_mac, 32))
        return bad(err, errlen, "the SignatureValue is not 32 octets of base64");
    if (c14n_digest(doc, (xmlNodePtr)resp, ref_mode, NULL, digest) ||
        c14n_digest(doc, (xmlNodePtr)si, si_mode, key, mac))
        return bad(err, errlen, "canonicalisation failed");
    int ok = memeql_sec(digest, want_digest, 32) & memeql_sec(mac, want_mac, 32);
    explicit_bzero(mac, sizeof mac);
    if (!ok)
        return bad(err, errlen, "the response's signature does not verify with the InK (or "
                   "TrK): altered, or another key");
    return 0;
}
