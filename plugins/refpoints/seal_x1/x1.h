/* SPDX-License-Identifier: Apache-2.0 */
/* seal_x1 internals: the SEAL-X1 reference point, KMS -> GMS (TS 33.434
 * 5.1.1.1). Shared by seal_x1.c (plugin, cache), x1_local.c (in process
 * through seal.km.v1), x1_remote.c (HTTPS + OAuth client_credentials) and
 * x1_xml.c (TS 33.180 Annex D KmsResponse parser). */
#ifndef SEAL_X1_INT_H
#define SEAL_X1_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <seal/seal.h>
#include <seal/services/km.h>
#include <seal/services/x1.h>

/* ---- Annex D KmsResponse (x1_xml.c) ---- */

#define X1_XML_MAX (64 * 1024)   /* a KmsResponse for one GMS is a few KiB */
#define X1_MAX_KEYSETS 4

typedef struct x1_cert {
    char kms_uri[SEAL_X1_URI_MAX + 1];
    uint64_t period;                 /* UserKeyPeriod */
    uint64_t offset;                 /* UserKeyOffset */
    uint8_t z[SEAL_X1_Z_LEN];
    uint8_t kpak[SEAL_X1_KPAK_LEN];
    uint32_t generation;             /* in process: km's; remote: 0 */
} x1_cert_t;

typedef struct x1_keyset {
    char kms_uri[SEAL_X1_URI_MAX + 1];
    char user_uri[SEAL_X1_URI_MAX + 1];
    uint8_t uid[SEAL_X1_UID_LEN];
    uint64_t period_no;
    uint8_t ssk[SEAL_X1_SSK_LEN];    /* secret */
    uint8_t pvt[SEAL_X1_PVT_LEN];
} x1_keyset_t;

enum x1_kind { X1_KIND_NONE = 0, X1_KIND_INIT, X1_KIND_KEYPROV, X1_KIND_ERROR };

typedef struct x1_response {
    enum x1_kind kind;
    x1_cert_t cert;                  /* X1_KIND_INIT */
    size_t n_keysets;                /* X1_KIND_KEYPROV */
    x1_keyset_t keysets[X1_MAX_KEYSETS];
    long error_code;                 /* X1_KIND_ERROR: KmsError ErrorCode */
    char error_msg[128];             /*                ErrorMsg (printable, cut) */
} x1_response_t;

/* Parses a KmsResponse (urn:3gpp:ns:mcsecKMSInterface:1.0) of at most
 * X1_XML_MAX octets. SEAL_E_INVAL with a reason in err for anything that is
 * not one well-formed, DTD-free KmsResponse holding a KmsInit with one
 * KmsCertificate (UserIdFormat 2, parameter set 1, exact key sizes), a
 * KmsKeyProv with 1..X1_MAX_KEYSETS plain (hexBinary) key sets, or a
 * KmsError. SEAL_E_UNSUPPORTED for a signed response or encrypted keys
 * (TrK/InK are not configured on this side). Wipes secrets on error. */
seal_status_t x1_xml_parse(const char *xml, size_t len, x1_response_t *out,
                           char *err, size_t err_len);

/* Zeroises the secrets of a parsed response. */
void x1_response_wipe(x1_response_t *r);

/* ---- remote mode (x1_remote.c) ---- */

typedef struct x1_remote x1_remote_t;

typedef struct x1_remote_conf {
    const char *kms_url;             /* https://host:port (no trailing slash needed) */
    const char *token_url;           /* the IdM's token endpoint */
    const char *client_id;
    const char *client_secret_file;
    const char *ca_file;             /* NULL: the system store */
    const char *scope;               /* default "seal.km" */
    int64_t timeout_ms;
} x1_remote_conf_t;

seal_status_t x1_remote_new(seal_plugin_t *self, const x1_remote_conf_t *conf,
                            x1_remote_t **out);
void x1_remote_free(x1_remote_t *r);

/* The KMS certificate (POST .../init). */
seal_status_t x1_remote_cert(x1_remote_t *r, x1_cert_t *cert);
/* The key set of uri for the key period holding ntp_secs (POST
 * .../keyprov/<uri>/<NTP time>). */
seal_status_t x1_remote_keyset(x1_remote_t *r, const char *uri, uint64_t ntp_secs,
                               x1_keyset_t *ks);

/* ---- the plugin (seal_x1.c) ---- */

#define X1_SLOTS 3

typedef struct x1_slot {
    int used;
    uint32_t generation;
    seal_x1_keys_t keys;             /* holds the SSK: wiped on reuse and fini */
} x1_slot_t;

typedef struct x1 {
    seal_plugin_t *self;
    int remote;                      /* 0: in process through seal.km.v1 */
    char *gms_uri;
    int64_t cert_refresh_s;
    const seal_km_v1_t *km;          /* in process */
    void *km_user;
    x1_remote_t *rem;                /* remote */

    pthread_mutex_t mu;              /* the cache below; held during a fetch
                                      * so that concurrent callers share it */
    int have_cert;
    x1_cert_t cert;
    int64_t cert_at;                 /* when it was fetched (remote) */
    x1_slot_t slot[X1_SLOTS];
    int64_t next_retry;              /* remote: no prefetch attempt before this */
} x1_t;

/* in process (x1_local.c): cert and key set straight from km */
seal_status_t x1_local_cert(x1_t *x, x1_cert_t *cert);
seal_status_t x1_local_keyset(x1_t *x, uint64_t period_no, x1_keyset_t *ks);

/* Key period helpers over a certificate (Unix seconds). */
seal_status_t x1_period_of(const x1_cert_t *c, int64_t t, uint64_t *no);
int64_t x1_period_start(const x1_cert_t *c, uint64_t no);

#endif
