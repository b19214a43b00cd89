/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 D.1: the security extension of the KMS interface, with
 * libxmlsec1's GnuTLS flavour.
 *   - Integrity: an XML signature (XMLDSig) with HMAC-SHA-256 under the
 *     shared integrity key InK (or the transport key TrK), over the
 *     KmsRequest / KmsResponse by its Id: SignedKmsRequest/-Response hold the
 *     message and a sibling ds:Signature. c14n 1.0
 *     (REC-xml-c14n-20010315), SHA-256 digest (xmlenc#sha256), SignatureMethod
 *     xmldsig-more#hmac-sha256, KeyInfo/KeyName = the key's id.
 *   - Confidentiality: key material encrypted under TrK as an
 *     xenc:EncryptedKey. D.1 names the TrK but not the cipher; this binding
 *     uses AES-256-CBC (xmlenc#aes256-cbc: a 256-bit TrK, random IV
 *     prepended) because the GnuTLS flavour has no AES-GCM, and RSKs (257
 *     octets) do not fit AES key wrap (multiples of 8). The response's
 *     HMAC signature provides the integrity CBC lacks.
 * Verification is strict: same-document references only, exactly one, to
 * the message's own Id (registered as the only ID), an allow-list of
 * transforms, so a signature over another element (wrapping) or reaching
 * outside the document is refused. */
#include <dlfcn.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/valid.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/templates.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/gnutls/app.h>
#include <xmlsec/gnutls/crypto.h>
#include "kmx.h"

/* xmlsec 1.2's generic names lack the SHA-256 transforms of the GnuTLS
 * flavour: name them directly. */
#define KMX_HMAC_SHA256 xmlSecGnuTLSTransformHmacSha256Id
#define KMX_SHA256      xmlSecGnuTLSTransformSha256Id

#define X(s) ((const xmlChar *)(s))

/* xmlsec's GnuTLS flavour initialises libgcrypt and libxslt, which keep
 * process-wide state that has no release call (and must not be unmapped
 * while anything may still touch it). The host unloads plugins at exit,
 * which would unmap them with that state: pin them (and everything they
 * depend on) for the life of the process. */
static void pin_libraries(void)
{
    Dl_info info;
    if (dladdr((void *)xmlSecGnuTLSAppInit, &info) && info.dli_fname)
        (void)dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
}

int kmx_sec_init(void)
{
    pin_libraries();
    xmlInitParser();
    if (xmlSecInit() < 0)
        return KMX_E_CRYPTO;
    /* xmlsec reports failures on stderr by default; a failed verification
     * is an answer here, not a log line. */
    xmlSecErrorsDefaultCallbackEnableOutput(0);
    if (xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(NULL) < 0) {
        xmlSecShutdown();
        return KMX_E_CRYPTO;
    }
    if (xmlSecCryptoInit() < 0) {
        xmlSecCryptoAppShutdown();
        xmlSecShutdown();
        return KMX_E_CRYPTO;
    }
    return KMX_OK;
}

void kmx_sec_shutdown(void)
{
    xmlSecCryptoShutdown();
    xmlSecCryptoAppShutdown();
    xmlSecShutdown();
}

static xmlSecKeyPtr make_key(xmlSecKeyDataId id, const uint8_t *k, const char *name)
{
    xmlSecKeyPtr key = xmlSecKeyReadMemory(id, k, KMX_KEY_LEN);
    if (key && name && xmlSecKeySetName(key, X(name)) < 0) {
        xmlSecKeyDestroy(key);
        key = NULL;
    }
    return key;
}

/* ---- encryption ---- */

int kmx_sec_encrypt_key(xmlNodePtr key_elem, const uint8_t *data, size_t len,
                        const uint8_t trk[KMX_KEY_LEN], const char *trk_id)
{
    xmlNodePtr t = xmlSecTmplEncDataCreate(key_elem->doc, xmlSecTransformAes256CbcId, NULL, NULL,
                                           NULL, NULL);
    if (!t)
        return KMX_E_NOMEM;
    /* The template is an EncryptedData; EncryptedKey shares its content
     * model (XML Encryption 3.5.1) and xmlsec processes it in key mode. */
    xmlNodeSetName(t, X("EncryptedKey"));
    xmlNodePtr ki = xmlSecTmplEncDataEnsureKeyInfo(t, NULL);
    if (!ki || !xmlSecTmplKeyInfoAddKeyName(ki, X(trk_id))
        || !xmlSecTmplEncDataEnsureCipherValue(t) || !xmlAddChild(key_elem, t)) {
        xmlFreeNode(t);
        return KMX_E_NOMEM;
    }
    xmlSecEncCtxPtr ctx = xmlSecEncCtxCreate(NULL);
    int rc = KMX_E_CRYPTO;
    if (ctx) {
        ctx->mode = xmlEncCtxModeEncryptedKey;
        ctx->encKey = make_key(xmlSecKeyDataAesId, trk, trk_id);
        if (ctx->encKey
            && xmlSecEncCtxBinaryEncrypt(ctx, t, data, (xmlSecSize)len) == 0)
            rc = KMX_OK;
        xmlSecEncCtxDestroy(ctx);   /* destroys encKey too */
    }
    return rc;
}

int kmx_sec_decrypt_key(xmlNodePtr key_elem, const uint8_t trk[KMX_KEY_LEN], uint8_t *out,
                        size_t len)
{
    xmlNodePtr t = xmlSecFindChild(key_elem, X("EncryptedKey"), X(KMX_XENC_NS));
    if (!t)
        return KMX_E_SYNTAX;
    xmlSecEncCtxPtr ctx = xmlSecEncCtxCreate(NULL);
    if (!ctx)
        return KMX_E_NOMEM;
    int rc = KMX_E_CRYPTO;
    ctx->mode = xmlEncCtxModeEncryptedKey;
    ctx->encKey = make_key(xmlSecKeyDataAesId, trk, NULL);
    /* No CipherReference: nothing is fetched, not even in the document. */
    ctx->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    if (ctx->encKey) {
        xmlSecBufferPtr res = xmlSecEncCtxDecryptToBuffer(ctx, t);
        if (res && xmlSecBufferGetSize(res) == len) {
            memcpy(out, xmlSecBufferGetData(res), len);
            rc = KMX_OK;
        }
        if (res)
            memset(xmlSecBufferGetData(res), 0, xmlSecBufferGetSize(res));
    }
    xmlSecEncCtxDestroy(ctx);
    return rc;
}

/* ---- signatures ---- */

/* Registers the Id attribute of e as the document's ID; the value in
 * *id (xmlFree it). -1 when it is absent or already an ID (e.g. a
 * duplicate xml:id). */
static int register_id(xmlNodePtr e, xmlChar **id)
{
    xmlAttrPtr a = xmlHasNsProp(e, X("Id"), NULL);
    *id = a ? xmlNodeListGetString(e->doc, a->children, 1) : NULL;
    if (!*id || !**id || xmlGetID(e->doc, *id) || !xmlAddID(NULL, e->doc, *id, a)) {
        xmlFree(*id);
        *id = NULL;
        return -1;
    }
    return 0;
}

int kmx_sec_sign_element(xmlNodePtr msg, const uint8_t key[KMX_KEY_LEN], const char *key_id)
{
    if (!msg || !msg->parent || msg->parent->type != XML_ELEMENT_NODE)
        return KMX_E_SYNTAX;
    xmlChar *id = NULL;
    if (register_id(msg, &id) != 0)
        return KMX_E_SYNTAX;
    char uri[160];
    snprintf(uri, sizeof uri, "#%s", (const char *)id);
    xmlFree(id);
    xmlNodePtr sig = xmlSecTmplSignatureCreate(msg->doc, xmlSecTransformInclC14NId,
                                               KMX_HMAC_SHA256, NULL);
    if (!sig)
        return KMX_E_NOMEM;
    if (!xmlAddNextSibling(msg, sig)) {
        xmlFreeNode(sig);
        return KMX_E_NOMEM;
    }
    xmlNodePtr ki;
    if (!xmlSecTmplSignatureAddReference(sig, KMX_SHA256, NULL, X(uri), NULL)
        || !(ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL))
        || !xmlSecTmplKeyInfoAddKeyName(ki, X(key_id)))
        return KMX_E_NOMEM;
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    if (!ctx)
        return KMX_E_NOMEM;
    int rc = KMX_E_CRYPTO;
    ctx->signKey = make_key(xmlSecKeyDataHmacId, key, key_id);
    if (ctx->signKey && xmlSecDSigCtxSign(ctx, sig) == 0)
        rc = KMX_OK;
    xmlSecDSigCtxDestroy(ctx);
    return rc;
}

int kmx_sec_sign(kmx_resp_t *r, const uint8_t key[KMX_KEY_LEN], const char *key_id)
{
    if (r->root == r->resp)
        return KMX_E_SYNTAX;   /* made without wrap_signed */
    return kmx_sec_sign_element(r->resp, key, key_id);
}

/* Verifies sig (a ds:Signature) over element msg with key. */
static int verify(xmlNodePtr msg, xmlNodePtr sig, const uint8_t key[KMX_KEY_LEN])
{
    xmlChar *id = NULL;
    if (register_id(msg, &id) != 0)
        return KMX_E_CRYPTO;
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    int rc = KMX_E_CRYPTO;
    if (!ctx) {
        xmlFree(id);
        return KMX_E_NOMEM;
    }
    ctx->signKey = make_key(xmlSecKeyDataHmacId, key, NULL);
    ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    if (ctx->signKey
        && xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformInclC14NId) == 0
        && xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) == 0
        && xmlSecDSigCtxEnableSignatureTransform(ctx, KMX_HMAC_SHA256) == 0
        && xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformInclC14NId) == 0
        && xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) == 0
        && xmlSecDSigCtxEnableReferenceTransform(ctx, KMX_SHA256) == 0
        && xmlSecDSigCtxVerify(ctx, sig) == 0 && ctx->status == xmlSecDSigStatusSucceeded
        && xmlSecPtrListGetSize(&ctx->signedInfoReferences) == 1) {
        xmlSecDSigReferenceCtxPtr ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0);
        if (ref && ref->uri && ref->uri[0] == '#' && xmlStrEqual(ref->uri + 1, id)
            && ref->status == xmlSecDSigStatusSucceeded)
            rc = KMX_OK;
    }
    xmlSecDSigCtxDestroy(ctx);
    xmlFree(id);
    return rc;
}

int kmx_sec_verify_request(kmx_request_t *r, const uint8_t key[KMX_KEY_LEN])
{
    if (!r->doc || !r->signature || !r->request)
        return KMX_E_CRYPTO;
    return verify(r->request, r->signature, key);
}

int kmx_sec_verify_response(xmlDocPtr doc, const uint8_t key[KMX_KEY_LEN])
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || !xmlStrEqual(root->name, X("SignedKmsResponse")))
        return KMX_E_CRYPTO;
    xmlNodePtr resp = xmlSecFindChild(root, X("KmsResponse"), X(KMX_NS));
    xmlNodePtr sig = xmlSecFindChild(root, X("Signature"), X(KMX_DS_NS));
    if (!resp || !sig)
        return KMX_E_CRYPTO;
    return verify(resp, sig, key);
}
