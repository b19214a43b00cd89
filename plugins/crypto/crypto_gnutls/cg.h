/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_gnutls internals: the ops of seal/crypto.h over GnuTLS (standard
 * algorithms), lib/ibc (ECCSI, SAKKE) and lib/mikey (the MIKEY PRF). The
 * objects here form libcg, linked by the plugin, its tests and the
 * key-import fuzz target. */
#ifndef CG_H
#define CG_H

#include <stddef.h>
#include <stdint.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <seal/types.h>
#include <seal/crypto.h>
#include "b64url/b64url.h"
#include "ibc/ibc.h"

#define CG_POINT_MAX IBC_SAKKE_POINT_LEN   /* the largest value a key holds (Z, RSK) */

/* One key. Every secret it holds is wiped by cg_key_wipe. */
typedef struct cg_key {
    int type;                 /* SEAL_CRYPTO_KEY_* */
    int priv;
    gnutls_privkey_t sk;      /* ES256, EdDSA (private) */
    gnutls_pubkey_t pk;       /* ES256, EdDSA */
    uint8_t pub[CG_POINT_MAX];   /* ES256 04||x||y, Ed25519 A, KPAK, Z, PVT */
    size_t pub_len;
    uint8_t sec[CG_POINT_MAX];   /* KSAK, z (128), SSK, RSK; unused for ES256/EdDSA */
    size_t sec_len;
    uint8_t kms[CG_POINT_MAX];   /* user keys: the KPAK or Z they were validated under */
    size_t kms_len;
    uint8_t *id;              /* user keys: the identity */
    size_t id_len;
    ibc_sakke_receiver *recv; /* SAKKE user key: the precomputed receiver */
} cg_key;

/* cg_util.c */
seal_status_t cg_status_gnutls(int rc);        /* GnuTLS error -> SEAL_E_* */
/* A strict base64url value (lib/b64url) of exactly want octets; out is
 * wiped when it is not one (it may be a private key). */
int cg_b64url_decode(const char *in, size_t in_len, uint8_t *out, size_t want);
/* ibc_random_fn over gnutls_rnd; ctx is an int flag set to non-zero when
 * the generator fails (the output is then unusable). */
void cg_ibc_random(void *ctx, size_t len, uint8_t *out);
void cg_wipe(void *p, size_t n);
/* A growable output buffer for exports (malloc'd, NUL-terminated). */
typedef struct cg_buf { char *p; size_t len, cap; int err; } cg_buf;
void cg_buf_add(cg_buf *b, const char *s, size_t n);
void cg_buf_str(cg_buf *b, const char *s);
void cg_buf_json_str(cg_buf *b, const char *s);  /* a JSON string literal */

/* cg_sym.c: random, hashes, HMAC, AES-GCM, KDF, MIKEY PRF. */
seal_status_t cg_random(void *ctx, void *buf, size_t len);
seal_status_t cg_hash(void *ctx, int alg, const void *data, size_t len, uint8_t *out);
seal_status_t cg_hmac(void *ctx, int alg, const void *key, size_t key_len,
                      const void *data, size_t len, uint8_t *out);
seal_status_t cg_gcm_seal(void *ctx, const uint8_t *key, size_t key_len,
                          const uint8_t *iv, size_t iv_len, const void *aad, size_t aad_len,
                          const void *pt, size_t pt_len, uint8_t *out);
seal_status_t cg_gcm_open(void *ctx, const uint8_t *key, size_t key_len,
                          const uint8_t *iv, size_t iv_len, const void *aad, size_t aad_len,
                          const void *ct, size_t ct_len, uint8_t *out);
seal_status_t cg_kdf_33220(void *ctx, const uint8_t *key, size_t key_len,
                           const uint8_t *s, size_t s_len, uint8_t *out);
seal_status_t cg_mikey_prf(void *ctx, const uint8_t *inkey, size_t inkey_len,
                           const uint8_t *label, size_t label_len, uint8_t *out, size_t out_len);

/* cg_key.c: key objects, ES256 and Ed25519. */
cg_key *cg_key_new(int type);
/* Releases and zeroises everything the key holds (the struct stays
 * allocated, all zero): the documented debug accessor of the tests. */
void cg_key_wipe(cg_key *k);
void cg_key_free(void *ctx, void *key);
seal_status_t cg_key_generate(void *ctx, int type, void **key);
seal_status_t cg_key_import(void *ctx, int *type, int format, const void *data, size_t len,
                            int *is_private, void **key);
seal_status_t cg_key_export_public(void *ctx, const void *key, int type, int format,
                                   const char *kid, uint8_t **out, size_t *len);
seal_status_t cg_key_export_secret(void *ctx, const void *key, int type, int format,
                                   uint8_t **out, size_t *len);
seal_status_t cg_sign(void *ctx, const void *key, const void *msg, size_t len,
                      uint8_t *sig, size_t *sig_len);
seal_status_t cg_verify(void *ctx, const void *key, const void *msg, size_t len,
                        const uint8_t *sig, size_t sig_len);
/* A JOSE key from its raw parts: ES256 pub = 04||x||y (65) or NULL when d
 * is given; EdDSA pub = 32 octets or NULL. d NULL: a public key. Checks the
 * point and that d matches pub. */
seal_status_t cg_jose_from_raw(int type, const uint8_t *pub, size_t pub_len,
                               const uint8_t *d, size_t d_len, cg_key **out);
/* The secret scalar/seed of a private JOSE key (32 octets). */
seal_status_t cg_jose_secret(const cg_key *k, uint8_t d[32]);

/* cg_jwk.c: JWK (RFC 7517/7518/8037) and RFC 7638 thumbprints. */
seal_status_t cg_jwk_import(int want_type, const void *data, size_t len, cg_key **out);
seal_status_t cg_jwk_export(const cg_key *k, int secret, const char *kid,
                            uint8_t **out, size_t *len);

/* cg_ibc.c: ECCSI and SAKKE over lib/ibc. */
seal_status_t cg_ibc_generate(int type, cg_key **out);
seal_status_t cg_ibc_import(int type, const uint8_t *data, size_t len, cg_key **out);
seal_status_t cg_eccsi_issue(void *ctx, const void *kms, const uint8_t *id, size_t id_len,
                             const uint8_t *v, uint8_t *ssk, uint8_t *pvt);
seal_status_t cg_eccsi_validate(void *ctx, const uint8_t *kpak, const uint8_t *id, size_t id_len,
                                const uint8_t *ssk, const uint8_t *pvt, void **signer);
seal_status_t cg_eccsi_sign(void *ctx, const void *signer, const void *msg, size_t len,
                            const uint8_t *j, uint8_t *sig);
seal_status_t cg_eccsi_verify(void *ctx, const uint8_t *kpak, const uint8_t *id, size_t id_len,
                              const void *msg, size_t len, const uint8_t *sig);
seal_status_t cg_sakke_issue_rsk(void *ctx, const void *kms, const uint8_t *id, size_t id_len,
                                 uint8_t *rsk);
seal_status_t cg_sakke_validate_rsk(void *ctx, const uint8_t *Z, const uint8_t *id,
                                    size_t id_len, const uint8_t *rsk, void **receiver);
seal_status_t cg_sakke_encap(void *ctx, const uint8_t *Z, const uint8_t *id, size_t id_len,
                             const uint8_t *ssv_in, uint8_t *ssv, uint8_t *ed);
seal_status_t cg_sakke_decap(void *ctx, const void *receiver, const uint8_t *ed, uint8_t *ssv);

#endif
