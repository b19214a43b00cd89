/* SPDX-License-Identifier: Apache-2.0 */
/* libsealclient internals of the key management client (TS 33.434 5.3 over
 * TS 33.180 Annex D: keys.c, kms_xml.c, keystore.c) and of the group key
 * receiver (TS 33.180 5.7 / TS 33.179 7.3: gmk.c, gmuu_json.c), with their
 * HTTP exchanges (rest.c).  Never installed. */
#ifndef KMC_INT_H
#define KMC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sc_int.h"

#define KMC_Z_LEN 257     /* PubEncKey, RSK: 04 || x || y (SAKKE set 1) */
#define KMC_KPAK_LEN 65   /* PubAuthKey, PVT: 04 || x || y (P-256) */
#define KMC_SSK_LEN 32
#define KMC_UID_LEN 32
#define KMC_URI_MAX 1024  /* longer identities and URIs are refused */

/* ------------------------------------------------------------ kms_xml.c */
/* TS 33.180 D.3.4 KmsCertificate (only what a KM client uses). */
typedef struct kmc_cert {
    char *id;              /* the Id attribute, or NULL */
    char *cert_uri;        /* CertUri, or NULL */
    char *kms_uri;         /* KmsUri */
    char *issuer;          /* Issuer, or NULL */
    int64_t valid_from;    /* ValidFrom (Unix seconds), 0: absent */
    int64_t valid_to;      /* ValidTo, 0: absent */
    int revoked;
    unsigned user_id_format;
    uint64_t period;       /* UserKeyPeriod (> 0) */
    uint64_t offset;       /* UserKeyOffset (< period) */
    uint8_t z[KMC_Z_LEN];  /* PubEncKey */
    uint8_t kpak[KMC_KPAK_LEN];   /* PubAuthKey */
    unsigned parameter_set;       /* ParameterSet (1 when absent) */
} kmc_cert_t;

/* TS 33.180 D.3.6 KmsKeySet.  rsk and ssk are secret. */
typedef struct kmc_keyset {
    char *kms_uri;
    char *cert_uri;        /* or NULL */
    char *user_uri;
    uint8_t uid[KMC_UID_LEN];
    uint64_t period_no;
    int64_t valid_from, valid_to;   /* 0: absent */
    int revoked;
    uint8_t rsk[KMC_Z_LEN];
    uint8_t ssk[KMC_SSK_LEN];
    uint8_t pvt[KMC_KPAK_LEN];
} kmc_keyset_t;

enum kmc_msg { KMC_MSG_NONE = 0, KMC_MSG_INIT, KMC_MSG_KEYPROV, KMC_MSG_CERTCACHE };

/* TS 33.180 D.3.1 KmsResponse (SignedKmsResponse accepted; its signature is
 * not checked here: see keys.c). */
typedef struct kmc_resp {
    char *user_uri, *kms_uri, *client_req_url;
    enum kmc_msg msg;
    kmc_cert_t cert;           /* KMC_MSG_INIT */
    kmc_keyset_t *sets;        /* KMC_MSG_KEYPROV */
    size_t n_sets;
    kmc_cert_t *cache;         /* KMC_MSG_CERTCACHE: the certificates listed */
    size_t n_cache;
    int has_error;             /* KmsError */
    long error_code;
    char *error_msg;           /* control characters replaced */
} kmc_resp_t;

#define KMC_XML_MAX (1u << 20)     /* a larger response is refused */
#define KMC_MAX_KEYSETS 64
#define KMC_MAX_CACHE 16           /* certificates in one KmsCertCache */
#define KMC_SEC_KEY_LEN 32         /* TrK (AES-256), InK (HMAC-SHA-256) */

/* The D.1 keys a client may hold (out of band); NULL: none. */
typedef struct kmc_seckeys {
    const uint8_t *trk;        /* decrypts EncKeyContentType key material */
    const uint8_t *ink;        /* checks the signature (the TrK when NULL) */
} kmc_seckeys_t;

/* Parses a KmsResponse document: namespace urn:3gpp:ns:mcsecKMSInterface:1.0,
 * no DTD, no entity, no network access; exact key sizes.  With keys holding
 * a TrK or an InK, only a SignedKmsResponse whose signature verifies is
 * accepted, and key material encrypted under the TrK is decrypted.  Returns
 * 0, or -1 with a reason in err (the response is then cleared).  Checks the
 * form only: the caller checks that the contents are what it asked for. */
int kmc_xml_parse(const char *buf, size_t len, const kmc_seckeys_t *keys, kmc_resp_t *out,
                  char *err, size_t errlen);
void kmc_resp_free(kmc_resp_t *r);
void kmc_cert_free(kmc_cert_t *c);
void kmc_keyset_free(kmc_keyset_t *k);
/* A KmsRequest body (D.2.2) for url. */
char *kmc_xml_request(const char *user_uri, const char *kms_uri, const char *url, int64_t now);

/* ----------------------------------------------------------- keystore.c */
/* The key file: JSON, mode 0600 beside the tokens file.  The KMS
 * certificate and the validated key sets under it; during a master-key
 * rollover overlap also the previous certificate and its key sets, for
 * messages made under them (kept while the KMS lists that certificate in
 * its certificate cache, until its ValidTo). */
typedef struct kmc_store {
    int has_cert;
    kmc_cert_t cert;
    char *kms_url;             /* where the certificate came from */
    kmc_keyset_t *sets;
    size_t n_sets;
    struct kmc_store *prev;    /* the previous generation, or NULL */
} kmc_store_t;

/* The default path: "keys.json" in the tokens file's directory. */
char *kmc_default_keys_path(const char *tokens_path);
/* Loads path; a missing file is an empty store (0).  A file others can
 * read, or one not in our format, is refused (-1, reason in c). */
int kmc_store_load(sealclient_t *c, const char *path, kmc_store_t *s);
int kmc_store_save(sealclient_t *c, const char *path, const kmc_store_t *s);
void kmc_store_free(kmc_store_t *s);
/* The key set of user_uri for period_no, or NULL. */
const kmc_keyset_t *kmc_store_find(const kmc_store_t *s, const char *user_uri,
                                   uint64_t period_no);
/* Adds (a copy of) k, replacing the set of the same identity and period. */
int kmc_store_put(kmc_store_t *s, const kmc_keyset_t *k);
/* Drops the sets of periods before min_period. */
void kmc_store_prune(kmc_store_t *s, uint64_t min_period);

/* ---------------------------------------------------------- gmuu_json.c */
/* One pending message of GET /gm-uu/v1/gmk-messages (doc/gm-uu.md). */
typedef struct kmc_gmk_msg {
    char *id;
    char *val_group_id;        /* or NULL; control characters replaced */
    uint8_t *data;             /* the I_MESSAGE */
    size_t len;
} kmc_gmk_msg_t;

#define KMC_GMUU_MAX (4u << 20)   /* a larger list is refused */
#define KMC_IMSG_MAX 4096         /* an I_MESSAGE is about 600 octets */
#define KMC_MAX_MESSAGES 1024

int kmc_gmuu_parse(const char *buf, size_t len, kmc_gmk_msg_t **out, size_t *n,
                   char *err, size_t errlen);
void kmc_gmuu_free(kmc_gmk_msg_t *m, size_t n);

/* --------------------------------------------------------------- util */
/* Lower-case hex of data (malloc'd), or NULL. */
char *kmc_hex(const uint8_t *data, size_t len);
/* Exactly len octets from hex digits (either case); 0 or -1. */
int kmc_unhex(const char *s, size_t slen, uint8_t *out, size_t len);
/* Standard base64 (with or without padding) or base64url; malloc'd. */
uint8_t *kmc_unbase64(const char *s, size_t slen, size_t *out_len);
/* Copies s replacing control characters (for messages from a server). */
void kmc_clean(char *dst, size_t n, const char *src);
/* Seconds since 1970 of an xsd:dateTime (UTC "Z", an offset, or none:
 * read as UTC); -1 if not one. */
int64_t kmc_parse_datetime(const char *s);

/* --------------------------------------------------------------- rest.c */
/* One HTTPS exchange on its own curl handle with the handle's trust
 * anchors: method "GET", "POST" or "DELETE"; body (may be NULL) sent with
 * ctype; accept; a Bearer token.  The answer is bounded by max_body. */
typedef struct kmc_http {
    void *curl;
} kmc_http_t;
int kmc_http_open(sealclient_t *c, kmc_http_t *h);
void kmc_http_close(kmc_http_t *h);
int kmc_http(sealclient_t *c, kmc_http_t *h, const char *method, const char *url,
             const char *ctype, const char *body, size_t body_len, const char *accept,
             const char *bearer, size_t max_body, sc_resp_t *r);
/* "https://host[:port]" of an https URL (malloc'd), or NULL. */
char *kmc_origin(const char *url);

#endif
