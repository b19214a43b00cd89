/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 Annex D, the KMS interface as XML: request parsing
 * (kmx_request.c), path pieces (kmx_path.c), response rendering
 * (kmx_render.c) and the security extension of D.1 with libxmlsec1
 * (kmx_sec.c). Host-free (libxml2, xmlsec1, lib/mikey): the unit tests and
 * the fuzz target link these files without seald. */
#ifndef SEAL_KMX_H
#define SEAL_KMX_H

#include <stddef.h>
#include <stdint.h>
#include <libxml/tree.h>
#include <seal/services/km.h>

#define KMX_NS      "urn:3gpp:ns:mcsecKMSInterface:1.0"
#define KMX_DS_NS   "http://www.w3.org/2000/09/xmldsig#"
#define KMX_XENC_NS "http://www.w3.org/2001/04/xmlenc#"
#define KMX_XSI_NS  "http://www.w3.org/2001/XMLSchema-instance"

#define KMX_OK       0
#define KMX_E_SYNTAX (-1)   /* not an acceptable request: 400 */
#define KMX_E_TOOBIG (-2)   /* over the size limit: 413 */
#define KMX_E_NOMEM  (-3)
#define KMX_E_CRYPTO (-4)   /* a signature that does not verify, a key that does not decrypt */

/* Longest text of a request element kept (URIs, ids, messages). */
#define KMX_TEXT_MAX 1024

typedef struct kmx_limits {
    size_t max_bytes;     /* largest body */
    unsigned max_depth;   /* deepest element nesting (the root is 1) */
} kmx_limits_t;

/* A parsed KmsRequest (D.2.2), plain or inside a SignedKmsRequest. Strings
 * are malloc'd, NUL-terminated, NULL when absent. */
typedef struct kmx_request {
    xmlDocPtr doc;            /* kept for signature verification; NULL: empty body */
    xmlNodePtr request;       /* the KmsRequest element */
    xmlNodePtr signature;     /* ds:Signature of a SignedKmsRequest, else NULL */
    char *id;                 /* Id attribute of KmsRequest */
    char *version;            /* Version attribute */
    char *user_uri;
    char *kms_uri;
    char *time;               /* xsd:dateTime text, checked for its form */
    char *client_id;
    char *device_id;
    char *client_req_url;
    char *trk_id;             /* Rel-17 TrK-ID */
    char *signature_id;       /* Rel-17 Signature-ID */
    int has_client_error;
    long long client_error_code;
    char *client_error_msg;
} kmx_request_t;

/* Parses a request body: empty (or only whitespace) gives doc NULL. The
 * XML must be UTF-8 (parsed as such whatever it declares), without a DTD
 * (no DOCTYPE: no entities of any kind), within lim, with KmsRequest or
 * SignedKmsRequest (KmsRequest + ds:Signature) as root in the KMS namespace,
 * children in schema order. No network access, no entity substitution.
 * On error why gets a short reason safe to show. */
int kmx_request_parse(const char *buf, size_t len, const kmx_limits_t *lim, kmx_request_t *r,
                      char *why, size_t why_len);
void kmx_request_free(kmx_request_t *r);

/* ---- path pieces (D.2.1: keyprov/<uri>/<time>, certcache/<n>) ---- */

/* An identity URI as the KMS accepts it (see seal/services/km.h). */
int kmx_uri_ok(const char *s);
/* "<time>": an NTP-UTC 64-bit timestamp, exactly 16 hex digits (RFC 3830
 * 6.6; era by RFC 4330 3); Unix seconds in *t. 0 or -1. */
int kmx_parse_ntp_hex(const char *s, int64_t *t);
/* "<n>": a decimal cache number, 1..20 digits without sign. 0 or -1. */
int kmx_parse_cache_num(const char *s, uint64_t *n);

/* ---- responses (D.3) ---- */

typedef struct kmx_resp {
    xmlDocPtr doc;
    xmlNodePtr root;      /* SignedKmsResponse, or KmsResponse */
    xmlNodePtr resp;      /* KmsResponse */
    xmlNodePtr msg;       /* KmsMessage once added */
    xmlNsPtr ns;          /* the KMS namespace (default) */
    xmlNsPtr xsi;
    unsigned ids;         /* Id attributes made so far */
} kmx_resp_t;

/* A KmsResponse (Version 1.0.0, Id "kms-response"), inside a
 * SignedKmsResponse when wrap_signed, with UserUri, KmsUri, Time (t, UTC)
 * and ClientReqUrl. KMX_OK or KMX_E_NOMEM. */
int kmx_resp_new(kmx_resp_t *r, int wrap_signed, const char *user_uri, const char *kms_uri,
                 int64_t t, const char *client_req_url);
/* KmsMessage/KmsInit with the certificate. */
int kmx_resp_init(kmx_resp_t *r, const seal_km_cert_t *cert);
/* KmsMessage/KmsKeyProv (then add key sets). */
xmlNodePtr kmx_resp_keyprov(kmx_resp_t *r);
/* A KmsKeySet under keyprov. With encrypt, UserDecryptKey and
 * UserSigningKeySSK are EncKeyContentType with an empty xenc:EncryptedKey
 * template (kmx_sec_encrypt_key fills them; their nodes in enc[0..1]);
 * else hexBinary. UserPubTokenPVT is public: always hexBinary. */
int kmx_resp_keyset(kmx_resp_t *r, xmlNodePtr keyprov, const seal_km_keyset_t *ks,
                    int encrypt, xmlNodePtr enc[2]);
/* KmsMessage/KmsCertCache with CacheNum (then add certificates). */
xmlNodePtr kmx_resp_certcache(kmx_resp_t *r, uint64_t cache_num);
/* A KmsCertificate (Role "Root") under parent. */
int kmx_resp_cert(kmx_resp_t *r, xmlNodePtr parent, const seal_km_cert_t *cert);
/* KmsError {ErrorCode, ErrorMsg}. */
int kmx_resp_error(kmx_resp_t *r, int code, const char *msg);
/* The document as UTF-8 text (xmlFree it, after explicit_bzero when it
 * holds key material). */
int kmx_resp_text(kmx_resp_t *r, xmlChar **out, int *len);
/* Zeroises every text node (key material) and frees the document. */
void kmx_resp_free(kmx_resp_t *r);

/* Formats Unix time t as xsd:dateTime "YYYY-MM-DDThh:mm:ssZ". */
void kmx_datetime(int64_t t, char out[32]);

/* ---- the security extension of D.1 (libxmlsec1, GnuTLS flavour) ---- */

#define KMX_KEY_LEN 32   /* TrK: AES-256; InK: HMAC-SHA-256 key */

/* Process-wide libxml2 + xmlsec initialisation, main thread only: call
 * once before anything else here and kmx_sec_shutdown at the end. */
int kmx_sec_init(void);
void kmx_sec_shutdown(void);

/* Fills the xenc:EncryptedKey template under key_elem: data encrypted with
 * AES-256-CBC (xmlenc#aes256-cbc, random IV) under trk, KeyName trk_id. */
int kmx_sec_encrypt_key(xmlNodePtr key_elem, const uint8_t *data, size_t len,
                        const uint8_t trk[KMX_KEY_LEN], const char *trk_id);
/* Decrypts the xenc:EncryptedKey under key_elem into out (exactly len
 * octets expected). KMX_E_CRYPTO when it does not decrypt to len octets. */
int kmx_sec_decrypt_key(xmlNodePtr key_elem, const uint8_t trk[KMX_KEY_LEN], uint8_t *out,
                        size_t len);
/* Signs the response (it must have been made with wrap_signed): an
 * enveloping-sibling ds:Signature over "#<KmsResponse Id>", c14n 1.0,
 * SHA-256 digest, HMAC-SHA-256 with key, KeyName key_id. */
int kmx_sec_sign(kmx_resp_t *r, const uint8_t key[KMX_KEY_LEN], const char *key_id);
/* The same for any element msg with an Id attribute: the ds:Signature
 * becomes msg's next sibling (e.g. a client signing its KmsRequest inside a
 * SignedKmsRequest). */
int kmx_sec_sign_element(xmlNodePtr msg, const uint8_t key[KMX_KEY_LEN], const char *key_id);
/* Verifies a SignedKmsRequest's signature with key: exactly one
 * reference, to "#<KmsRequest Id>", same-document only, c14n 1.0 or
 * exclusive c14n, SHA-256, HMAC-SHA-256. KMX_OK or KMX_E_CRYPTO. */
int kmx_sec_verify_request(kmx_request_t *r, const uint8_t key[KMX_KEY_LEN]);
/* The same for a signed response document (tests, clients): root
 * SignedKmsResponse, reference "#<KmsResponse Id>". */
int kmx_sec_verify_response(xmlDocPtr doc, const uint8_t key[KMX_KEY_LEN]);

#endif
