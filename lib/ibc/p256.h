/* SPDX-License-Identifier: Apache-2.0 */
/* NIST P-256 for ECCSI: variable-time arithmetic on public points (our
 * own, on ec_jac) and nettle's constant-time fixed-base multiplication
 * for secret scalars. */
#ifndef IBC_P256_H
#define IBC_P256_H

#include "ec_jac.h"
#include "ibc.h"

#define PN 4        /* limbs */
#define PBYTES 32   /* octets of a coordinate or scalar */

typedef struct p256 {
    mont_ctx fp;        /* mod p */
    mont_ctx fq;        /* mod q (group order) */
    fp_t b;             /* curve coefficient b, Montgomery form */
    ec_aff G;           /* generator, Montgomery form */
    uint8_t g_enc[1 + 2 * PBYTES]; /* 04 || Gx || Gy */
} p256;

void p256_init(p256 *c);
/* 04 || x || y with x, y < p on the curve; anything else is refused. */
int p256_decode(const p256 *c, ec_aff *r, const uint8_t *in, size_t len);
void p256_encode(const p256 *c, uint8_t out[1 + 2 * PBYTES], const ec_aff *a);
/* r = sum [k_i] P_i over n <= 3 public points pts[i] and public scalars
 * k[i*PN .. i*PN+PN) (< 2^256): ec_msm_vt.  Variable time. */
void p256_msm_vt(const p256 *c, ec_jac *r, size_t n, const ec_aff *pts, const mp_limb_t *k);
/* out = encoding of [k]G for a secret k in [1, q-1] (standard form),
 * through nettle's constant-time ecc_point_mul_g.  Returns IBC_ERANGE
 * for k outside [1, q-1]. */
int p256_mul_g(const p256 *c, uint8_t out[1 + 2 * PBYTES], const mp_limb_t k[PN]);

#endif /* IBC_P256_H */
