/* SPDX-License-Identifier: Apache-2.0 */
/* libibc: identity-based cryptography for MIKEY-SAKKE key management.
 *
 *   ECCSI  RFC 6507 (NIST P-256, SHA-256, N = 32)
 *   SAKKE  RFC 6508 with parameter set 1 of RFC 6509 Appendix A
 *          (1024-bit p, n = 128, SHA-256)
 *
 * Byte strings in, byte strings out; no GMP or nettle type crosses this
 * header. Points are 0x04 || x || y; scalars are big-endian.  Every
 * function returns IBC_OK (0) or a negative enum ibc_status; on error the
 * outputs are zeroed. Received byte strings come with their length and
 * anything but the exact size is refused.
 *
 * Nonces (ECCSI v and j, the SAKKE SSV) are either given, for known-answer
 * tests, or drawn from a caller-supplied random source when the nonce
 * pointer is NULL.  The library keeps no global state; every function is
 * reentrant, and the precomputed SAKKE objects are read-only once built
 * (one object may serve several threads).  Secret intermediates are wiped
 * before returning. */
#ifndef IBC_IBC_H
#define IBC_IBC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fills out[0..len) with cryptographically secure random bytes. */
typedef void ibc_random_fn(void *ctx, size_t len, uint8_t *out);

enum ibc_status {
    IBC_OK = 0,
    IBC_EINVAL = -1,    /* NULL pointer, missing random source, bad length */
    IBC_EENCODING = -2, /* wrong size, missing 0x04 prefix, coordinate >= p */
    IBC_EPOINT = -3,    /* point not on the curve, or at infinity */
    IBC_ERANGE = -4,    /* scalar is 0 or not below the group order */
    IBC_EVERIFY = -5,   /* signature invalid, or key material fails validation */
    IBC_EDECAP = -6,    /* SAKKE encapsulated data fails its integrity check */
    IBC_ENOMEM = -7,
    IBC_ENONCE = -8,    /* the given nonce yields a degenerate result: pick another */
};

/* A short English description of a status code (never NULL). */
const char *ibc_strerror(int status);

/* ------------------------------------------------------------------ ECCSI */
#define IBC_ECCSI_SCALAR_LEN 32  /* KSAK, SSK, v, j, r, s */
#define IBC_ECCSI_POINT_LEN 65   /* KPAK, PVT: 04 || x || y */
#define IBC_ECCSI_HASH_LEN 32    /* HS */
#define IBC_ECCSI_SIG_LEN 129    /* r || s || PVT */

/* KMS: a fresh KSAK in [1, q-1] and KPAK = [KSAK]G. */
int ibc_eccsi_kms_keygen(ibc_random_fn *rnd, void *rctx,
                         uint8_t ksak[IBC_ECCSI_SCALAR_LEN],
                         uint8_t kpak[IBC_ECCSI_POINT_LEN]);

/* KMS: KPAK = [KSAK]G for an existing KSAK. */
int ibc_eccsi_kms_public(const uint8_t *ksak, size_t ksak_len,
                         uint8_t kpak[IBC_ECCSI_POINT_LEN]);

/* KMS (RFC 6507 5.1.1): SSK and PVT for identity id.  kpak must be
 * [KSAK]G (IBC_EINVAL otherwise: every SSK would fail validation).  v is
 * the ephemeral (32 octets) or NULL to draw it from rnd.  hs (optional,
 * may be NULL) receives HS.  A given v that is 0, >= q or yields SSK = 0
 * gives IBC_ENONCE. */
int ibc_eccsi_issue(const uint8_t *ksak, size_t ksak_len,
                    const uint8_t *kpak, size_t kpak_len,
                    const uint8_t *id, size_t id_len,
                    const uint8_t *v, ibc_random_fn *rnd, void *rctx,
                    uint8_t ssk[IBC_ECCSI_SCALAR_LEN],
                    uint8_t pvt[IBC_ECCSI_POINT_LEN],
                    uint8_t hs[IBC_ECCSI_HASH_LEN]);

/* User (RFC 6507 5.1.2): checks a received SSK/PVT pair,
 * [SSK]G == [HS]PVT + KPAK.  hs (optional) receives HS. */
int ibc_eccsi_validate(const uint8_t *kpak, size_t kpak_len,
                       const uint8_t *id, size_t id_len,
                       const uint8_t *ssk, size_t ssk_len,
                       const uint8_t *pvt, size_t pvt_len,
                       uint8_t hs[IBC_ECCSI_HASH_LEN]);

/* Signer (RFC 6507 5.2.1): sig = r || s || PVT.  j is the ephemeral
 * (32 octets) or NULL to draw it from rnd.  A given j whose J_x is not
 * below q, or which makes HE + r*SSK = 0 mod q, gives IBC_ENONCE. */
int ibc_eccsi_sign(const uint8_t *kpak, size_t kpak_len,
                   const uint8_t *id, size_t id_len,
                   const uint8_t *ssk, size_t ssk_len,
                   const uint8_t *pvt, size_t pvt_len,
                   const uint8_t *msg, size_t msg_len,
                   const uint8_t *j, ibc_random_fn *rnd, void *rctx,
                   uint8_t sig[IBC_ECCSI_SIG_LEN]);

/* Verifier (RFC 6507 5.2.2).  Returns IBC_OK only for a valid signature by
 * id under kpak; r and s outside [1, q-1], a PVT off the curve and any
 * encoding error are refused before any curve arithmetic. */
int ibc_eccsi_verify(const uint8_t *kpak, size_t kpak_len,
                     const uint8_t *id, size_t id_len,
                     const uint8_t *msg, size_t msg_len,
                     const uint8_t *sig, size_t sig_len);

/* ------------------------------------------------------------------ SAKKE */
#define IBC_SAKKE_SCALAR_LEN 128 /* z, r (the KMS secret may be given shorter) */
#define IBC_SAKKE_POINT_LEN 257  /* Z, RSK, R: 04 || x || y */
#define IBC_SAKKE_SSV_LEN 16     /* n = 128 bits */
#define IBC_SAKKE_ED_LEN 273     /* encapsulated data R || H */
#define IBC_SAKKE_ID_MAX 1024    /* identifiers are 1..1024 octets */

/* KMS: a fresh master secret z in [2, q-1] and Z = [z]P. */
int ibc_sakke_kms_keygen(ibc_random_fn *rnd, void *rctx,
                         uint8_t z[IBC_SAKKE_SCALAR_LEN],
                         uint8_t Z[IBC_SAKKE_POINT_LEN]);

/* KMS: Z = [z]P for an existing z (1..128 octets, big-endian, in [2, q-1]). */
int ibc_sakke_kms_public(const uint8_t *z, size_t z_len,
                         uint8_t Z[IBC_SAKKE_POINT_LEN]);

/* KMS (RFC 6508 6.1.1): RSK = [(b + z)^-1 mod q]P, b = id as an integer. */
int ibc_sakke_issue_rsk(const uint8_t *z, size_t z_len,
                        const uint8_t *id, size_t id_len,
                        uint8_t rsk[IBC_SAKKE_POINT_LEN]);

/* User (RFC 6508 6.1.2): <[b]P + Z, RSK> == g. */
int ibc_sakke_validate_rsk(const uint8_t *Z, size_t Z_len,
                           const uint8_t *id, size_t id_len,
                           const uint8_t *rsk, size_t rsk_len);

/* Sender (RFC 6508 6.2.1) to identity id under KMS key Z.  ssv_in is the
 * SSV (16 octets) or NULL to draw it from rnd; ssv receives the SSV used
 * (it may alias ssv_in); ed receives R || H. */
int ibc_sakke_encap(const uint8_t *Z, size_t Z_len,
                    const uint8_t *id, size_t id_len,
                    const uint8_t *ssv_in, ibc_random_fn *rnd, void *rctx,
                    uint8_t ssv[IBC_SAKKE_SSV_LEN],
                    uint8_t ed[IBC_SAKKE_ED_LEN]);

/* Receiver (RFC 6508 6.2.2), including the check [r]([b]P + Z) == R. */
int ibc_sakke_decap(const uint8_t *Z, size_t Z_len,
                    const uint8_t *id, size_t id_len,
                    const uint8_t *rsk, size_t rsk_len,
                    const uint8_t *ed, size_t ed_len,
                    uint8_t ssv[IBC_SAKKE_SSV_LEN]);

/* Optional precomputation for a sender that encapsulates repeatedly to one
 * receiver: [b]P + Z and fixed-base comb tables for it and for g (about
 * 190 KiB, public data).  Same results as ibc_sakke_encap, about four
 * times faster; building it costs about two one-shot encapsulations. */
typedef struct ibc_sakke_sender ibc_sakke_sender;
int ibc_sakke_sender_new(ibc_sakke_sender **out,
                         const uint8_t *Z, size_t Z_len,
                         const uint8_t *id, size_t id_len);
int ibc_sakke_sender_encap(const ibc_sakke_sender *s,
                           const uint8_t *ssv_in, ibc_random_fn *rnd, void *rctx,
                           uint8_t ssv[IBC_SAKKE_SSV_LEN],
                           uint8_t ed[IBC_SAKKE_ED_LEN]);
void ibc_sakke_sender_free(ibc_sakke_sender *s);

/* Optional precomputation for a receiver: validates the RSK once, then
 * keeps the Miller-loop lines of the RSK and a fixed-base table for
 * [b]P + Z (about 480 KiB, secret, wiped on free).  Decapsulation is then
 * about three times faster than ibc_sakke_decap. */
typedef struct ibc_sakke_receiver ibc_sakke_receiver;
int ibc_sakke_receiver_new(ibc_sakke_receiver **out,
                           const uint8_t *Z, size_t Z_len,
                           const uint8_t *id, size_t id_len,
                           const uint8_t *rsk, size_t rsk_len);
int ibc_sakke_receiver_decap(const ibc_sakke_receiver *r,
                             const uint8_t *ed, size_t ed_len,
                             uint8_t ssv[IBC_SAKKE_SSV_LEN]);
void ibc_sakke_receiver_free(ibc_sakke_receiver *r);

#ifdef __cplusplus
}
#endif
#endif /* IBC_IBC_H */
