/* SPDX-License-Identifier: Apache-2.0 */
/* Jacobian point arithmetic shared by P-256 (ECCSI) and the SAKKE curve:
 * y^2 = x^3 - 3x + b over a Montgomery field.  Coordinates are
 * MONT_MAXN-limb arrays of which the field's n limbs are used. */
#ifndef IBC_EC_JAC_H
#define IBC_EC_JAC_H

#include "mont.h"

typedef mp_limb_t fp_t[MONT_MAXN];

typedef struct { fp_t x, y; } ec_aff;     /* affine, Montgomery form */
typedef struct { fp_t x, y, z; } ec_jac;  /* Jacobian (X/Z^2, Y/Z^3); Z = 0 is O */

void ec_set_inf(const mont_ctx *f, ec_jac *r);
/* dbl-2001-b, a = -3: 3M + 5S; O doubles to O; r may alias p. */
void ec_dbl(const mont_ctx *f, ec_jac *r, const ec_jac *p);
/* madd-2007-bl: 7M + 4S; r = p + q for affine q with p != O, p != +-q
 * (callers guarantee it); r may alias p. */
void ec_madd(const mont_ctx *f, ec_jac *r, const ec_jac *p, const ec_aff *q);
/* Complete additions with branches: for public points only. */
void ec_madd_vt(const mont_ctx *f, ec_jac *r, const ec_jac *p, const ec_aff *q);
void ec_add_vt(const mont_ctx *f, ec_jac *r, const ec_jac *p, const ec_jac *q);
/* Affine image; returns 0 for O.  bl blinds the inversion when the
 * projective coordinates are secret (they can leak scalar bits). */
int ec_to_aff(const mont_ctx *f, ec_aff *r, const ec_jac *p, ibc_blind *bl);
/* Affine images of n points (none O) with one inversion; acc holds n
 * scratch elements. */
void ec_batch_to_aff(const mont_ctx *f, ec_aff *r, const ec_jac *p, size_t n, fp_t *acc,
                     ibc_blind *bl);
/* r = sum [k_i] P_i over n <= EC_MSM_MAX public points pts[i] and public
 * kn-limb scalars k[i*kn ..]: interleaved width-5 NAF, variable time. */
#define EC_MSM_MAX 3
#define EC_NAF_W 5
void ec_msm_vt(const mont_ctx *f, ec_jac *r, size_t n, const ec_aff *pts, const mp_limb_t *k,
               mp_size_t kn);
/* All-ones iff p (Jacobian, not O) equals affine q; constant time. */
mp_limb_t ec_equal_aff(const mont_ctx *f, const ec_jac *p, const ec_aff *q);

#endif /* IBC_EC_JAC_H */
