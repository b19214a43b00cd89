/* SPDX-License-Identifier: Apache-2.0 */
/* Internal interfaces of the SAKKE implementation (RFC 6508, parameter
 * set 1 of RFC 6509): the field, the curve E: y^2 = x^3 - 3x over F_p,
 * PF_p, the pairing and HashToIntegerRange.  Field elements are
 * Montgomery-form 16-limb arrays. */
#ifndef IBC_SAKKE_INT_H
#define IBC_SAKKE_INT_H

#include "ibc.h"
#include "ec_jac.h"

#if GMP_NUMB_BITS != 64 || GMP_NAIL_BITS != 0
#error "libibc needs 64-bit GMP limbs without nails"
#endif

#define SN 16                 /* limbs of p and q */
#define SBYTES 128            /* octets of a coordinate */

typedef struct { fp_t a, b; } fp2;        /* a + b i, i^2 = -1 */

typedef struct sakke_params {
    mont_ctx fp;      /* arithmetic mod p */
    mont_ctx fq;      /* arithmetic mod q */
    mp_limb_t q[SN];  /* q, standard form */
    ec_aff P;         /* generator */
    fp_t g;           /* g = <P, P> in PF_p, Montgomery form */
} sakke_params;

/* RFC 6509 Appendix A parameter set 1 (sakke_params.c). */
void sakke_params_init(sakke_params *sp);

/* ---- curve (sakke_ec.c) ---- */
/* Decodes 04 || x || y; refuses wrong size or prefix, x or y >= p,
 * points off E and points of order 2 (y = 0). */
int ec_decode(const sakke_params *sp, ec_aff *r, const uint8_t *in, size_t len);
void ec_encode(const sakke_params *sp, uint8_t out[1 + 2 * SBYTES], const ec_aff *a);
void ec_from_aff(const sakke_params *sp, ec_jac *r, const ec_aff *a);
/* r = [k]p for a k < q of at most nbits bits.  Constant time in k
 * (fixed windows, masked table lookups); p must have order q. */
void ec_mul_ct(const sakke_params *sp, ec_jac *r, const ec_aff *p,
               const mp_limb_t *k, unsigned nbits);

/* Fixed-base comb (Lim-Lee) for one base: TABLES tables of 2^TEETH
 * entries; the scalar's 1022 bits are cut into TABLES * TEETH teeth of
 * SPACING bits, so a multiplication costs SPACING doublings and
 * TABLES * SPACING additions (64 and 128 here; 128 KiB per point). */
#define COMB_TABLES 2
#define COMB_TEETH 8
#define COMB_SPACING ((1022 + COMB_TABLES * COMB_TEETH - 1) / (COMB_TABLES * COMB_TEETH))
#define COMB_SIZE (1u << COMB_TEETH)
typedef struct { ec_aff t[COMB_TABLES][COMB_SIZE]; } ec_comb;
int ec_comb_build(const sakke_params *sp, ec_comb *c, const ec_aff *p);
/* r = [k]p for k < q, constant time in k. */
void ec_comb_mul(const sakke_params *sp, ec_jac *r, const ec_comb *c, const mp_limb_t *k);

/* ---- PF_p (fp2.c) ---- */
void fp2_mul(const mont_ctx *f, fp2 *r, const fp2 *x, const fp2 *y);
void fp2_sqr(const mont_ctx *f, fp2 *r, const fp2 *x);
/* The PF_p value x.b / x.a (Montgomery form); 0 if x.a = 0. */
int fp2_to_pfp(const mont_ctx *f, fp_t r, const fp2 *x, ibc_blind *bl);

/* Fixed-base comb for g^k in PF_p; entries normalised to 1 + t i. */
typedef struct { fp_t t[COMB_TABLES][COMB_SIZE]; } fp2_comb;
int fp2_comb_build(const sakke_params *sp, fp2_comb *c, const fp_t g);
void fp2_comb_pow(const sakke_params *sp, fp2 *r, const fp2_comb *c, const mp_limb_t *k);

/* A smaller comb for g itself, compiled in (sakke_gtab.c, 8 KiB): one
 * table of 6 teeth, 171 rows.  Entries are Montgomery form for
 * R = 2^1024; fp2_gtab_build recomputes it (generator and unit test). */
#define GTAB_TEETH 6
#define GTAB_SPACING ((1022 + GTAB_TEETH - 1) / GTAB_TEETH)
#define GTAB_SIZE (1u << GTAB_TEETH)
extern const mp_limb_t sakke_gtab[GTAB_SIZE][SN];
int fp2_gtab_build(const sakke_params *sp, fp_t tab[GTAB_SIZE]);
/* r = g^k for k < q, constant time in k. */
void fp2_gpow(const sakke_params *sp, fp2 *r, const mp_limb_t *k);

/* ---- pairing (pairing.c) ---- */
/* <L, E> in PF_p per RFC 6508 3.2 (Tate-Lichtenbaum, distortion map
 * psi(x, y) = (-x, iy), final exponent (p+1)/q = 4).  L and E must have
 * order q; the pairing is symmetric on that subgroup.  out is Montgomery
 * form.  Constant time in both points. */
void sakke_pairing(const sakke_params *sp, fp_t out, const ec_aff *L, const ec_aff *E,
                   ibc_blind *bl);

/* Precomputed Miller-loop lines of a fixed loop point L (the RSK): one
 * (lambda, mu) pair per step; evaluating needs only E. */
typedef struct sakke_lines sakke_lines;
sakke_lines *sakke_lines_new(const sakke_params *sp, const ec_aff *L, ibc_blind *bl);
void sakke_lines_free(sakke_lines *ln);
void sakke_pairing_lines(const sakke_params *sp, fp_t out, const sakke_lines *ln, const ec_aff *E,
                         ibc_blind *bl);

/* ---- HashToIntegerRange (hash_range.c), RFC 6508 5.1 with SHA-256 ---- */
/* r = HashToIntegerRange(s1 || s2, q). */
void sakke_hash_q(const sakke_params *sp, mp_limb_t r[SN],
                  const uint8_t *s1, size_t l1, const uint8_t *s2, size_t l2);
/* mask = HashToIntegerRange(s, 2^128) as 16 octets. */
void sakke_hash_mask(uint8_t mask[16], const uint8_t *s, size_t len);

#endif /* IBC_SAKKE_INT_H */
