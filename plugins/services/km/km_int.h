/* SPDX-License-Identifier: Apache-2.0 */
/* The key management server's internals, shared by km*.c. */
#ifndef SEAL_KM_INT_H
#define SEAL_KM_INT_H

#include <pthread.h>
#include <stdint.h>
#include <json-c/json.h>
#include <seal/seal.h>
#include <seal/services/km.h>

#define KM_NS_MASTER  "km.master"
#define KM_NS_KEYS    "km.keys"
#define KM_NS_REVOKED "km.revoked"

#define KM_KEK_LEN 32

/* One entitlement list from config ("clients" or "certs"). */
typedef struct km_ent {
    char *who;      /* client_id or certificate DN */
    char **uris;
    size_t n;
} km_ent_t;

/* One master-key generation: the KMS certificate's values and the KMS
 * secrets (KSAK, z) as backend keys. */
typedef struct km_gen {
    uint32_t generation;
    int64_t created;
    char kms_uri[SEAL_KM_URI_MAX + 1];
    uint64_t period, offset;
    uint8_t z[SEAL_KM_Z_LEN];
    uint8_t kpak[SEAL_KM_KPAK_LEN];
    seal_crypto_key_t *eccsi;   /* ECCSI_KMS: KSAK / KPAK */
    seal_crypto_key_t *sakke;   /* SAKKE_KMS: z / Z */
} km_gen_t;

typedef struct km_ctx {
    seal_plugin_t *self;

    /* configuration (km_conf.c) */
    char *kms_uri;
    char *issuer;
    char *master_key_file;
    /* master_key_pkcs11: the KEK in a PKCS#11 token instead of the file */
    char *p11_module, *p11_token, *p11_pin_file, *p11_key_label;
    uint64_t period, offset;
    int64_t lifetime;          /* master_key_lifetime, s; 0: no automatic rollover */
    int64_t overlap;           /* rollover_overlap, s */
    km_ent_t *clients;
    size_t nclients;
    km_ent_t *certs;
    size_t ncerts;

    uint8_t kek[KM_KEK_LEN];   /* the file's KEK, unused with a token */
    struct seal_p11kek *p11kek;   /* the token's KEK (lib/p11kek), or NULL */

    /* Generations: readers (issuing, certificates) hold gen_lock shared;
     * a rollover or the end of an overlap holds it exclusive. roll_mu
     * serialises the transitions themselves. */
    pthread_rwlock_t gen_lock;
    pthread_mutex_t roll_mu;
    int locks_ready;
    km_gen_t *cur;
    km_gen_t *prev;
    int64_t overlap_until;     /* 0 without prev */
} km_ctx_t;

/* km_conf.c */
seal_status_t km_conf_read(km_ctx_t *c);
void km_conf_free(km_ctx_t *c);
/* 1 if s is an acceptable identity URI (see km.h; lib/ident's grammar). */
int km_uri_ok(const char *s);
/* 1 if s is an acceptable KMS URI (config "kms_uri"). */
int km_kms_uri_ok(const char *s);

/* km_kek.c: the key-encryption key (a file, or a key in a PKCS#11 token)
 * and wrapping (AES-256-GCM, aad binds the blob to its record). Blobs are
 * hex: iv || ct || tag. */
seal_status_t km_kek_load(km_ctx_t *c, int may_create);
void km_kek_free(km_ctx_t *c);
seal_status_t km_wrap(km_ctx_t *c, const char *aad, const uint8_t *pt, size_t len,
                      char **hex);
seal_status_t km_unwrap(km_ctx_t *c, const char *aad, const char *hex, uint8_t *pt,
                        size_t len);

/* km_master.c */
seal_status_t km_master_start(km_ctx_t *c);
void km_master_free(km_ctx_t *c);
/* Expires a finished overlap and runs a due automatic rollover.
 * SEAL_E_STATE before start loaded the master keys. */
seal_status_t km_tick(km_ctx_t *c);
seal_status_t km_rollover(km_ctx_t *c);
/* Fills cert from g (caller holds gen_lock). */
void km_cert_fill(const km_ctx_t *c, const km_gen_t *g, int64_t valid_to, seal_km_cert_t *cert);

/* km_keys.c */
seal_status_t km_keyset(km_ctx_t *c, int which, const char *identity, uint64_t period_no,
                        seal_km_keyset_t *ks);
seal_status_t km_uid(km_ctx_t *c, int which, const char *identity, uint64_t period_no,
                     uint8_t uid[SEAL_KM_UID_LEN]);
seal_status_t km_period_at(km_ctx_t *c, int which, int64_t t, uint64_t *period_no);
seal_status_t km_revoke(km_ctx_t *c, const char *identity, int revoke);
seal_status_t km_is_revoked(km_ctx_t *c, const char *identity, int *revoked);
/* Deletes every stored key set of generation gen (end of an overlap). */
void km_keys_drop_generation(km_ctx_t *c, uint32_t gen);

/* km_entitle.c */
seal_status_t km_entitled(km_ctx_t *c, const seal_km_caller_t *caller, const char *identity);
seal_status_t km_identities(km_ctx_t *c, const seal_km_caller_t *caller, char **list,
                            size_t *len);

/* km_util.c */
int64_t km_now(void);
void km_hex(const uint8_t *b, size_t n, char *out);   /* out: 2n + 1, lowercase */
int km_unhex(const char *s, uint8_t *out, size_t n);  /* exactly 2n hex digits: 0 */
const char *km_jstr(struct json_object *o, const char *k);
int64_t km_jint(struct json_object *o, const char *k, int64_t def);
struct json_object *km_json_parse(const char *s, size_t len);
void km_publish(km_ctx_t *c, const char *topic, struct json_object *ev);

#endif
