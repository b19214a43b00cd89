/* SPDX-License-Identifier: Apache-2.0 */
/* The SAKKE curve E: y^2 = x^3 - 3x over F_p (RFC 6508 2.1, RFC 6509
 * parameter set 1) in Jacobian coordinates, with the a = -3 doubling.
 * Scalar multiplications by secrets (r, (b + z)^-1, z) use fixed windows
 * or a fixed-base comb with masked table lookups and masked handling of
 * the point at infinity: no branch or memory index depends on the scalar. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sakke_int.h"

int ec_decode(const sakke_params *sp, ec_aff *r, const uint8_t *in, size_t len)
{
    const mont_ctx *f = &sp->fp;
    fp_t x, y, t0, t1;

    if (!in || len != 1 + 2 * SBYTES || in[0] != 0x04)
        return IBC_EENCODING;
    limbs_from_be(x, SN, in + 1, SBYTES);
    limbs_from_be(y, SN, in + 1 + SBYTES, SBYTES);
    if (!limbs_lt(x, f->m, SN) || !limbs_lt(y, f->m, SN))
        return IBC_EENCODING;
    mont_to(f, r->x, x);
    mont_to(f, r->y, y);
    /* y^2 == x (x^2 - 3) */
    mont_sqr(f, t0, r->x);
    mont_sub(f, t0, t0, f->one);
    mont_sub(f, t0, t0, f->one);
    mont_sub(f, t0, t0, f->one);
    mont_mul(f, t0, t0, r->x);
    mont_sqr(f, t1, r->y);
    if (!mont_equal(f, t0, t1))
        return IBC_EPOINT;
    /* Points of order 2 (y = 0, including (0, 0)) are never in the order-q
     * group and would make a doubling degenerate. */
    if (mont_is_zero(f, r->y))
        return IBC_EPOINT;
    return IBC_OK;
}

void ec_encode(const sakke_params *sp, uint8_t out[1 + 2 * SBYTES], const ec_aff *a)
{
    fp_t t;
    out[0] = 0x04;
    mont_from(&sp->fp, t, a->x);
    limbs_to_be(out + 1, SBYTES, t, SN);
    mont_from(&sp->fp, t, a->y);
    limbs_to_be(out + 1 + SBYTES, SBYTES, t, SN);
}

void ec_from_aff(const sakke_params *sp, ec_jac *r, const ec_aff *a)
{
    memcpy(r->x, a->x, sizeof(fp_t));
    memcpy(r->y, a->y, sizeof(fp_t));
    memcpy(r->z, sp->fp.one, sizeof(fp_t));
}

/* acc += t where t is a table entry selected by digit d: masked so that
 * d = 0 (t unused) and acc = O (result t) cost the same as the general
 * case.  The doubling case acc = +-t cannot occur for the callers' scalar
 * ranges (see ec_mul_ct and ec_comb_mul). */
static void madd_masked(const sakke_params *sp, ec_jac *acc, const ec_aff *t, mp_limb_t d)
{
    const mont_ctx *f = &sp->fp;
    ec_jac sum;
    mp_limb_t inf = mont_is_zero(f, acc->z);
    mp_limb_t dz = ct_zero_mask(d);

    ec_madd(f, &sum, acc, t);
    ct_cmov(acc->x, sum.x, SN, ~inf & ~dz);
    ct_cmov(acc->y, sum.y, SN, ~inf & ~dz);
    ct_cmov(acc->z, sum.z, SN, ~inf & ~dz);
    ct_cmov(acc->x, t->x, SN, inf & ~dz);
    ct_cmov(acc->y, t->y, SN, inf & ~dz);
    ct_cmov(acc->z, f->one, SN, inf & ~dz);
    ibc_wipe(&sum, sizeof sum);
}

#define SWIN 6
#define STAB (1u << (SWIN - 1)) /* |digit| <= 32 */

/* Left-to-right signed (Booth) 6-bit windows over a table [1..32]P in
 * affine form: 171 additions for a 1022-bit k.  The digit's sign negates
 * the looked-up y under a mask.  Before adding digit d the accumulator is
 * [k']P with k' = 64 * prefix, 0 <= k' < q (the prefix is k / 2^(6i)
 * rounded), so acc = +-[d]P with |d| <= 32 happens only for acc = O,
 * which is masked, as is d = 0. */
void ec_mul_ct(const sakke_params *sp, ec_jac *r, const ec_aff *p,
               const mp_limb_t *k, unsigned nbits)
{
    const mont_ctx *f = &sp->fp;
    ec_jac jt[STAB + 1];
    ec_aff tab[STAB + 1], t;
    fp_t scratch[STAB], ny;
    ec_jac acc;
    unsigned nwin = nbits / SWIN + 1; /* the top window's sign bit is 0 */

    /* jt[i] = [i]P for i = 1..32; the table depends on P only. */
    ec_from_aff(sp, &jt[1], p);
    for (unsigned i = 2; i <= STAB; i++) {
        if (i % 2 == 0)
            ec_dbl(f, &jt[i], &jt[i / 2]);
        else
            ec_madd(f, &jt[i], &jt[i - 1], p);
    }
    ec_batch_to_aff(f, tab + 1, jt + 1, STAB, scratch, NULL); /* P is public */
    tab[0] = tab[1]; /* never used: digit 0 is masked */

    ec_set_inf(f, &acc);
    for (unsigned w = nwin; w-- > 0;) {
        mp_limb_t neg, d = booth_digit(k, SN, SWIN, w, &neg);
        if (w + 1 < nwin)
            for (unsigned b = 0; b < SWIN; b++)
                ec_dbl(f, &acc, &acc);
        ct_lookup(t.x, tab[0].x, STAB + 1, 2 * SN, (size_t)d);
        mont_neg(f, ny, t.y);
        ct_cmov(t.y, ny, SN, neg);
        madd_masked(sp, &acc, &t, d);
    }
    *r = acc;
    ibc_wipe(&acc, sizeof acc);
    ibc_wipe(&t, sizeof t);
    ibc_wipe(ny, sizeof ny);
}

/* Comb: T_t[u] = sum over set bits j of u of [2^((t TEETH + j) SPACING)]P.
 * Built from public data with complete variable-time additions. */
int ec_comb_build(const sakke_params *sp, ec_comb *c, const ec_aff *p)
{
    const mont_ctx *f = &sp->fp;
    const size_t n = COMB_SIZE;
    ec_jac *jt = malloc(n * sizeof *jt);
    fp_t *scratch = malloc(n * sizeof *scratch);
    ec_jac base;

    if (!jt || !scratch) {
        free(jt);
        free(scratch);
        return IBC_ENOMEM;
    }
    ec_from_aff(sp, &base, p);
    for (unsigned t = 0; t < COMB_TABLES; t++) {
        ec_set_inf(f, &jt[0]);
        for (unsigned j = 0; j < COMB_TEETH; j++) {
            if (t || j)
                for (unsigned i = 0; i < COMB_SPACING; i++)
                    ec_dbl(f, &base, &base);
            jt[1u << j] = base;
            for (unsigned u = (1u << j) + 1; u < (2u << j); u++)
                ec_add_vt(f, &jt[u], &jt[u - (1u << j)], &base);
        }
        ec_batch_to_aff(f, c->t[t] + 1, jt + 1, n - 1, scratch, NULL);
        c->t[t][0] = c->t[t][1];
    }
    free(jt);
    free(scratch);
    return IBC_OK;
}

/* Column i of k in table t: bits (t TEETH + j) SPACING + i.  Exceptional
 * additions acc = +-T[u] with acc != O would need the bits already
 * processed to be congruent to +-the column mod q; for the hashed and
 * random scalars used here the chance is about 2^-1000 per step. */
void ec_comb_mul(const sakke_params *sp, ec_jac *r, const ec_comb *c, const mp_limb_t *k)
{
    const mont_ctx *f = &sp->fp;
    ec_jac acc;
    ec_aff e;

    ec_set_inf(f, &acc);
    for (unsigned i = COMB_SPACING; i-- > 0;) {
        ec_dbl(f, &acc, &acc);
        for (unsigned t = 0; t < COMB_TABLES; t++) {
            mp_limb_t u = 0;
            for (unsigned j = 0; j < COMB_TEETH; j++)
                u |= limb_bit(k, SN, (t * COMB_TEETH + j) * COMB_SPACING + i) << j;
            ct_lookup(e.x, c->t[t][0].x, COMB_SIZE, 2 * SN, (size_t)u);
            madd_masked(sp, &acc, &e, u);
        }
    }
    *r = acc;
    ibc_wipe(&acc, sizeof acc);
    ibc_wipe(&e, sizeof e);
}
