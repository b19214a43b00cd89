/* SPDX-License-Identifier: Apache-2.0 */
/* seal/crypto.h: cryptography through the host's crypto backend (ABI 1.1).
 *
 * Consumer side (seal_crypto_*): plugins ask the host for a capability,
 * never for a library. The host dispatches to the backend named by the
 * top-level config key "crypto" (the only one registered when the key is
 * absent; "none" runs without one). crypto_gnutls is loaded automatically
 * when the configuration names no crypto plugin. Calls work from the start
 * phase on (SEAL_E_STATE before the registry is frozen) and return
 * SEAL_E_UNSUPPORTED when no backend is selected or the backend lacks the
 * capability. Every function is thread-safe; a key may be used from several
 * threads at once.
 *
 * Keys are opaque handles owned by the caller (seal_crypto_key_free, which
 * zeroises them). A secret leaves the backend only through
 * seal_crypto_key_export_secret, or as the documented output of a KMS
 * operation (an issued SSK or RSK is the thing being issued). Free every
 * key before your plugin's fini returns.
 *
 * Status codes: SEAL_E_INVAL for a bad argument or a malformed key given
 * by the caller; SEAL_E_CRYPTO for anything received that does not verify
 * (a signature, an SSK/PVT or RSK that fails validation, encapsulated data
 * that fails its check, an AES-GCM tag) -- including received values of the
 * wrong size or encoding. Outputs are zeroed (pointers set to NULL) on error.
 *
 * Provider side (seal_crypto_ops_t): a backend plugin registers its ops in
 * init. Its init must do nothing else: `seald --version` runs the init of
 * the loaded crypto_* plugins to list their capabilities.
 */
#ifndef SEAL_CRYPTO_H
#define SEAL_CRYPTO_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct seal_crypto_key seal_crypto_key_t;

/* A byte string (TS 33.220 KDF parameters). */
typedef struct seal_crypto_buf {
    const void *data;
    size_t len;
} seal_crypto_buf_t;

/* Capabilities of a backend (seal_crypto_caps; seald --version prints the
 * names in brackets). Values are frozen; new ones are appended. */
#define SEAL_CRYPTO_CAP_RANDOM    (UINT64_C(1) << 0)   /* [random] */
#define SEAL_CRYPTO_CAP_SHA256    (UINT64_C(1) << 1)   /* [sha256] */
#define SEAL_CRYPTO_CAP_SHA384    (UINT64_C(1) << 2)   /* [sha384] */
#define SEAL_CRYPTO_CAP_SHA512    (UINT64_C(1) << 3)   /* [sha512] */
#define SEAL_CRYPTO_CAP_HMAC      (UINT64_C(1) << 4)   /* [hmac] with each hash it has */
#define SEAL_CRYPTO_CAP_AES_GCM   (UINT64_C(1) << 5)   /* [aes-gcm] */
#define SEAL_CRYPTO_CAP_KDF_33220 (UINT64_C(1) << 6)   /* [kdf-33220] */
#define SEAL_CRYPTO_CAP_MIKEY_PRF (UINT64_C(1) << 7)   /* [mikey-prf] */
#define SEAL_CRYPTO_CAP_ES256     (UINT64_C(1) << 8)   /* [es256] */
#define SEAL_CRYPTO_CAP_EDDSA     (UINT64_C(1) << 9)   /* [eddsa] Ed25519 */
#define SEAL_CRYPTO_CAP_ECCSI     (UINT64_C(1) << 10)  /* [eccsi] */
#define SEAL_CRYPTO_CAP_SAKKE     (UINT64_C(1) << 11)  /* [sakke] */

/* The selected backend's capabilities (0 without one); *backend (optional)
 * gets its plugin's name or NULL. */
uint64_t seal_crypto_caps(seal_plugin_t *self, const char **backend);

/* ---- random, hashes, HMAC ---- */

/* Cryptographically secure random bytes. */
seal_status_t seal_crypto_random(seal_plugin_t *self, void *buf, size_t len);

#define SEAL_CRYPTO_SHA256 1
#define SEAL_CRYPTO_SHA384 2
#define SEAL_CRYPTO_SHA512 3
#define SEAL_CRYPTO_HASH_MAX 64   /* the longest digest */

/* Digest length of alg (32, 48, 64), 0 for an unknown alg. */
size_t seal_crypto_hash_len(int alg);

/* out_size must be at least seal_crypto_hash_len(alg); exactly that many
 * octets are written. */
seal_status_t seal_crypto_hash(seal_plugin_t *self, int alg, const void *data, size_t len,
                               uint8_t *out, size_t out_size);
/* HMAC (RFC 2104) with hash alg; output as for seal_crypto_hash. */
seal_status_t seal_crypto_hmac(seal_plugin_t *self, int alg, const void *key, size_t key_len,
                               const void *data, size_t len, uint8_t *out, size_t out_size);

/* ---- AES-GCM (NIST SP 800-38D) ---- */

#define SEAL_CRYPTO_GCM_IV_LEN  12
#define SEAL_CRYPTO_GCM_TAG_LEN 16

/* key: 16, 24 or 32 octets (AES-128/192/256); iv: 12 octets (the only
 * length accepted). out receives ciphertext || tag, pt_len + 16 octets
 * (out_size at least that). */
seal_status_t seal_crypto_aes_gcm_seal(seal_plugin_t *self, const uint8_t *key, size_t key_len,
                                       const uint8_t *iv, size_t iv_len,
                                       const void *aad, size_t aad_len,
                                       const void *pt, size_t pt_len,
                                       uint8_t *out, size_t out_size);
/* ct is ciphertext || tag (ct_len >= 16); out receives ct_len - 16 octets.
 * SEAL_E_CRYPTO when the tag does not verify (out is zeroed). */
seal_status_t seal_crypto_aes_gcm_open(seal_plugin_t *self, const uint8_t *key, size_t key_len,
                                       const uint8_t *iv, size_t iv_len,
                                       const void *aad, size_t aad_len,
                                       const void *ct, size_t ct_len,
                                       uint8_t *out, size_t out_size);

/* ---- key derivation ---- */

/* TS 33.220 Annex B.2: KDF(Key, S) = HMAC-SHA-256(Key, S) with
 * S = FC || P0 || L0 || ... || Pn || Ln, Li the length of Pi as 2 octets
 * big-endian (so each Pi is at most 65535 octets; n <= 32). out_len is
 * 1..32: the LAST out_len octets of the 32-octet output, i.e. its least
 * significant bits, which is how 3GPP users truncate (e.g. 128 LSB for a
 * 128-bit key, 28 LSB for the TS 33.180 user salt). */
seal_status_t seal_crypto_kdf_33220(seal_plugin_t *self, const uint8_t *key, size_t key_len,
                                    uint8_t fc, const seal_crypto_buf_t *params, size_t nparams,
                                    uint8_t *out, size_t out_len);

/* MIKEY PRF (RFC 3830 4.1.2) with PRF-HMAC-SHA-256 (RFC 6043 6.1), the one
 * MC/SEAL uses: PRF(inkey, label) of out_len octets (1..4096). inkey is at
 * least one octet. E.g. the SRTP master key of a GMK is
 * PRF(GMK, 0x2AD01C64 || CS-ID || CSB-ID || RAND) (RFC 3830 4.1.3). */
seal_status_t seal_crypto_mikey_prf(seal_plugin_t *self, const uint8_t *inkey, size_t inkey_len,
                                    const uint8_t *label, size_t label_len,
                                    uint8_t *out, size_t out_len);

/* ---- keys ---- */

/* Key types. */
#define SEAL_CRYPTO_KEY_ES256      1  /* ECDSA P-256 SHA-256 (JWS "ES256", RFC 7518 3.4) */
#define SEAL_CRYPTO_KEY_EDDSA      2  /* Ed25519 (JWS "EdDSA", RFC 8037) */
#define SEAL_CRYPTO_KEY_ECCSI_KMS  3  /* ECCSI KMS: KSAK (secret), KPAK (public) */
#define SEAL_CRYPTO_KEY_SAKKE_KMS  4  /* SAKKE KMS: z (secret), Z (public) */
#define SEAL_CRYPTO_KEY_ECCSI_USER 5  /* a validated SSK/PVT for one identity (signer) */
#define SEAL_CRYPTO_KEY_SAKKE_USER 6  /* a validated RSK for one identity (receiver) */

/* Formats.
 *   RAW_SECRET  ES256: d, 32 octets big-endian; EdDSA: the 32-octet private
 *               key (seed) of RFC 8032; ECCSI_KMS: KSAK, 32 octets;
 *               SAKKE_KMS: z, 1..128 octets on import, 128 on export;
 *               ECCSI_USER: SSK (32); SAKKE_USER: RSK (257).
 *   RAW_PUBLIC  ES256: 04 || x || y (65); EdDSA: 32 octets (RFC 8032);
 *               ECCSI_KMS: KPAK (65); SAKKE_KMS: Z (257); ECCSI_USER: PVT (65).
 *   JWK         ES256 and EdDSA (RFC 7517/7518/8037): {"kty":"EC","crv":"P-256",
 *               "x","y"[,"d"]} or {"kty":"OKP","crv":"Ed25519","x"[,"d"]};
 *               base64url without padding, exact lengths. On import "d"
 *               makes a private key (checked against "x"/"y"); "alg", if
 *               present, must be "ES256"/"EdDSA" and "use" must be "sig";
 *               other members are ignored.
 *   PKCS8       ES256 and EdDSA secret keys, unencrypted PKCS #8 (RFC 5208/
 *               5958), PEM or DER on import (SEC 1 "EC PRIVATE KEY" PEM also
 *               accepted), PEM on export. */
#define SEAL_CRYPTO_FMT_RAW_SECRET 1
#define SEAL_CRYPTO_FMT_RAW_PUBLIC 2
#define SEAL_CRYPTO_FMT_JWK        3
#define SEAL_CRYPTO_FMT_PKCS8      4

/* A fresh key pair of type ES256, EDDSA, ECCSI_KMS or SAKKE_KMS. */
seal_status_t seal_crypto_key_generate(seal_plugin_t *self, int type, seal_crypto_key_t **key);

/* Imports a key of the given type (0 with JWK or PKCS8: taken from the
 * data). RAW_PUBLIC and a JWK without "d" give a public key (verify only;
 * ES256/EdDSA). A malformed key, a point off its curve, a scalar out of
 * range or a "d" that does not match "x"/"y" is SEAL_E_INVAL. */
seal_status_t seal_crypto_key_import(seal_plugin_t *self, int type, int format,
                                     const void *data, size_t len, seal_crypto_key_t **key);

int seal_crypto_key_type(const seal_crypto_key_t *key);        /* SEAL_CRYPTO_KEY_* */
int seal_crypto_key_is_private(const seal_crypto_key_t *key);  /* 1 or 0 */

/* The public part, as RAW_PUBLIC or JWK (ES256/EdDSA). A JWK carries "kty",
 * "crv", "x"[, "y"], "kid", "alg" ("ES256"/"EdDSA") and "use":"sig"; kid
 * NULL means the RFC 7638 thumbprint (base64url SHA-256). *out is malloc'd
 * and NUL-terminated (the NUL not counted in *len); free it with seal_free. */
seal_status_t seal_crypto_key_export_public(const seal_crypto_key_t *key, int format,
                                            const char *kid, uint8_t **out, size_t *len);

/* The ONLY way a secret leaves the backend: RAW_SECRET, JWK (with "d") or
 * PKCS8, as listed above. For persisting a key the caller generated (a KMS
 * master secret, a JWS signing key). *out is NUL-terminated (not counted in
 * *len); free it with seal_crypto_secret_free. A backend holding keys in
 * hardware may refuse with SEAL_E_PERM. */
seal_status_t seal_crypto_key_export_secret(const seal_crypto_key_t *key, int format,
                                            uint8_t **out, size_t *len);

/* Zeroises len octets at p, then frees p (NULL is fine). */
void seal_crypto_secret_free(void *p, size_t len);

/* Zeroises and frees a key (NULL is fine). */
void seal_crypto_key_free(seal_crypto_key_t *key);

/* ---- JOSE signatures (RFC 7515) ---- */

#define SEAL_CRYPTO_SIG_MAX 64   /* ES256 R || S, Ed25519 */

/* Signs msg (the JWS signing input) with an ES256 or EdDSA private key:
 * 64 octets, R || S for ES256 (RFC 7518 3.4, not DER), the RFC 8032
 * signature for EdDSA. sig_size at least SEAL_CRYPTO_SIG_MAX. */
seal_status_t seal_crypto_sign(const seal_crypto_key_t *key, const void *msg, size_t len,
                               uint8_t *sig, size_t sig_size, size_t *sig_len);
/* SEAL_OK or SEAL_E_CRYPTO (any signature that does not verify, of any
 * length). Works with a public or a private key. */
seal_status_t seal_crypto_verify(const seal_crypto_key_t *key, const void *msg, size_t len,
                                 const uint8_t *sig, size_t sig_len);

/* ---- ECCSI (RFC 6507: NIST P-256, SHA-256) ---- */

#define SEAL_CRYPTO_ECCSI_KPAK_LEN 65   /* 04 || x || y */
#define SEAL_CRYPTO_ECCSI_SSK_LEN  32
#define SEAL_CRYPTO_ECCSI_PVT_LEN  65
#define SEAL_CRYPTO_ECCSI_SIG_LEN  129  /* r || s || PVT */

/* KMS (RFC 6507 5.1.1): SSK and PVT for identity id (1..1024 octets;
 * in MC/SEAL the TS 33.180 F.2.1 UID). The SSK is secret: it is issued to
 * the identity's owner. v: NULL in service (drawn at random); a given v is
 * for known-answer tests only (SEAL_E_UNSUPPORTED if the backend refuses
 * fixed nonces; SEAL_E_INVAL if it yields SSK = 0). */
seal_status_t seal_crypto_eccsi_issue(const seal_crypto_key_t *kms,
                                      const uint8_t *id, size_t id_len, const uint8_t *v,
                                      uint8_t ssk[SEAL_CRYPTO_ECCSI_SSK_LEN],
                                      uint8_t pvt[SEAL_CRYPTO_ECCSI_PVT_LEN]);

/* User (RFC 6507 5.1.2): checks a received SSK/PVT for id under KPAK
 * ([SSK]G == KPAK + [HS]PVT). SEAL_E_CRYPTO if it fails (or has the wrong
 * size). On success *signer (optional) holds the signing key. */
seal_status_t seal_crypto_eccsi_validate(seal_plugin_t *self,
                                         const uint8_t *kpak, size_t kpak_len,
                                         const uint8_t *id, size_t id_len,
                                         const uint8_t *ssk, size_t ssk_len,
                                         const uint8_t *pvt, size_t pvt_len,
                                         seal_crypto_key_t **signer);

/* RFC 6507 5.2.1 with a signer from seal_crypto_eccsi_validate. j: NULL in
 * service; a given j is for known-answer tests only. */
seal_status_t seal_crypto_eccsi_sign(const seal_crypto_key_t *signer, const void *msg, size_t len,
                                     const uint8_t *j, uint8_t sig[SEAL_CRYPTO_ECCSI_SIG_LEN]);

/* RFC 6507 5.2.2: SEAL_OK only for a valid signature by id under kpak.
 * r or s outside [1, q-1], a PVT off the curve, a wrong size: SEAL_E_CRYPTO. */
seal_status_t seal_crypto_eccsi_verify(seal_plugin_t *self, const uint8_t *kpak, size_t kpak_len,
                                       const uint8_t *id, size_t id_len,
                                       const void *msg, size_t len,
                                       const uint8_t *sig, size_t sig_len);

/* ---- SAKKE (RFC 6508, parameter set 1 of RFC 6509) ---- */

#define SEAL_CRYPTO_SAKKE_Z_LEN   257  /* 04 || x || y */
#define SEAL_CRYPTO_SAKKE_RSK_LEN 257
#define SEAL_CRYPTO_SAKKE_SSV_LEN 16
#define SEAL_CRYPTO_SAKKE_ED_LEN  273  /* R || H */

/* KMS (RFC 6508 6.1.1): the RSK of identity id (1..1024 octets). Secret:
 * it is issued to the identity's owner. */
seal_status_t seal_crypto_sakke_issue_rsk(const seal_crypto_key_t *kms,
                                          const uint8_t *id, size_t id_len,
                                          uint8_t rsk[SEAL_CRYPTO_SAKKE_RSK_LEN]);

/* User (RFC 6508 6.1.2): checks a received RSK for id under Z.
 * SEAL_E_CRYPTO if it fails. On success *receiver (optional) holds the
 * decapsulation key (with the backend's per-receiver precomputation). */
seal_status_t seal_crypto_sakke_validate_rsk(seal_plugin_t *self, const uint8_t *Z, size_t Z_len,
                                             const uint8_t *id, size_t id_len,
                                             const uint8_t *rsk, size_t rsk_len,
                                             seal_crypto_key_t **receiver);

/* Sender (RFC 6508 6.2.1) to id under Z. ssv_in: the SSV to carry (in MC,
 * the GMK or PCK), or NULL for a random one; ssv receives the SSV used
 * (it may alias ssv_in); ed receives the encapsulated data. */
seal_status_t seal_crypto_sakke_encap(seal_plugin_t *self, const uint8_t *Z, size_t Z_len,
                                      const uint8_t *id, size_t id_len, const uint8_t *ssv_in,
                                      uint8_t ssv[SEAL_CRYPTO_SAKKE_SSV_LEN],
                                      uint8_t ed[SEAL_CRYPTO_SAKKE_ED_LEN]);

/* Receiver (RFC 6508 6.2.2, with its check [r]([b]P + Z) == R).
 * SEAL_E_CRYPTO when ed does not decapsulate for this receiver. */
seal_status_t seal_crypto_sakke_decap(const seal_crypto_key_t *receiver,
                                      const uint8_t *ed, size_t ed_len,
                                      uint8_t ssv[SEAL_CRYPTO_SAKKE_SSV_LEN]);

/* ---- Provider side ---- */

/* A backend's operations. "ctx" is the backend's instance data; "key" is a
 * backend key object (void *) the host wraps in a seal_crypto_key_t. The
 * host checks arguments and sizes before calling (lengths below are the
 * ones documented above), so an op sees only well-formed requests; it
 * validates the content (curve membership, ranges, signatures). Every op
 * must be thread-safe. An op may be NULL when its capability is not in
 * caps. Memory returned through "out" comes from malloc and is
 * NUL-terminated (one octet more than *len). Key objects must stay usable
 * (at least key_free) until ctx_free: consumers free keys in their own fini,
 * which may run after the backend's. */
typedef struct seal_crypto_ops {
    uint32_t struct_size;   /* sizeof(seal_crypto_ops_t) */
    uint32_t flags;         /* 0 (reserved) */
    uint64_t caps;          /* SEAL_CRYPTO_CAP_* */

    seal_status_t (*random)(void *ctx, void *buf, size_t len);
    /* out has room for the digest of alg */
    seal_status_t (*hash)(void *ctx, int alg, const void *data, size_t len, uint8_t *out);
    seal_status_t (*hmac)(void *ctx, int alg, const void *key, size_t key_len,
                          const void *data, size_t len, uint8_t *out);
    /* out: pt_len + 16 octets */
    seal_status_t (*aes_gcm_seal)(void *ctx, const uint8_t *key, size_t key_len,
                                  const uint8_t *iv, size_t iv_len,
                                  const void *aad, size_t aad_len,
                                  const void *pt, size_t pt_len, uint8_t *out);
    /* out: ct_len - 16 octets */
    seal_status_t (*aes_gcm_open)(void *ctx, const uint8_t *key, size_t key_len,
                                  const uint8_t *iv, size_t iv_len,
                                  const void *aad, size_t aad_len,
                                  const void *ct, size_t ct_len, uint8_t *out);
    /* s is S as encoded by the host (TS 33.220 B.2); out: 32 octets */
    seal_status_t (*kdf_33220)(void *ctx, const uint8_t *key, size_t key_len,
                               const uint8_t *s, size_t s_len, uint8_t *out);
    seal_status_t (*mikey_prf)(void *ctx, const uint8_t *inkey, size_t inkey_len,
                               const uint8_t *label, size_t label_len,
                               uint8_t *out, size_t out_len);

    /* Keys. *type is in/out for import (0 in: take it from the data);
     * *is_private is set by each op that creates a key. */
    seal_status_t (*key_generate)(void *ctx, int type, void **key);
    seal_status_t (*key_import)(void *ctx, int *type, int format, const void *data,
                                size_t len, int *is_private, void **key);
    seal_status_t (*key_export_public)(void *ctx, const void *key, int type, int format,
                                       const char *kid, uint8_t **out, size_t *len);
    seal_status_t (*key_export_secret)(void *ctx, const void *key, int type, int format,
                                       uint8_t **out, size_t *len);
    void (*key_free)(void *ctx, void *key);   /* zeroises */
    /* sig has room for SEAL_CRYPTO_SIG_MAX octets */
    seal_status_t (*sign)(void *ctx, const void *key, const void *msg, size_t len,
                          uint8_t *sig, size_t *sig_len);
    seal_status_t (*verify)(void *ctx, const void *key, const void *msg, size_t len,
                            const uint8_t *sig, size_t sig_len);

    seal_status_t (*eccsi_issue)(void *ctx, const void *kms, const uint8_t *id, size_t id_len,
                                 const uint8_t *v, uint8_t *ssk, uint8_t *pvt);
    /* signer may be NULL (validate only) */
    seal_status_t (*eccsi_validate)(void *ctx, const uint8_t *kpak, const uint8_t *id,
                                    size_t id_len, const uint8_t *ssk, const uint8_t *pvt,
                                    void **signer);
    seal_status_t (*eccsi_sign)(void *ctx, const void *signer, const void *msg, size_t len,
                                const uint8_t *j, uint8_t *sig);
    seal_status_t (*eccsi_verify)(void *ctx, const uint8_t *kpak, const uint8_t *id,
                                  size_t id_len, const void *msg, size_t len,
                                  const uint8_t *sig);

    seal_status_t (*sakke_issue_rsk)(void *ctx, const void *kms, const uint8_t *id,
                                     size_t id_len, uint8_t *rsk);
    /* receiver may be NULL (validate only) */
    seal_status_t (*sakke_validate_rsk)(void *ctx, const uint8_t *Z, const uint8_t *id,
                                        size_t id_len, const uint8_t *rsk, void **receiver);
    seal_status_t (*sakke_encap)(void *ctx, const uint8_t *Z, const uint8_t *id, size_t id_len,
                                 const uint8_t *ssv_in, uint8_t *ssv, uint8_t *ed);
    seal_status_t (*sakke_decap)(void *ctx, const void *receiver, const uint8_t *ed,
                                 uint8_t *ssv);
    /* ABI 1.1 ends here; fields are only appended. */
} seal_crypto_ops_t;

/* Init phase only; one backend per plugin; ops must stay valid until
 * ctx_free. Ownership of ctx passes to the host (ctx_free is called exactly
 * once, also on failure). SEAL_E_INVAL when a capability in caps lacks its
 * ops. */
seal_status_t seal_crypto_backend_register(seal_plugin_t *self, const seal_crypto_ops_t *ops,
                                           void *ctx, seal_user_free_fn ctx_free);

#ifdef __cplusplus
}
#endif
#endif
