/* SPDX-License-Identifier: Apache-2.0 */
/* Jacobian arithmetic on short Weierstrass curves y^2 = x^3 - 3x + b over
 * a Montgomery field (any limb count up to MONT_MAXN): both NIST P-256
 * (ECCSI) and the SAKKE curve (b = 0) have a = -3.  Formulas from the
 * Explicit-Formulas Database: dbl-2001-b, madd-2007-bl, add-2007-bl. */
#include "config.h"

#include <string.h>

#include "ec_jac.h"

void ec_set_inf(const mont_ctx *f, ec_jac *r)
{
    memcpy(r->x, f->one, sizeof(fp_t));
    memcpy(r->y, f->one, sizeof(fp_t));
    memset(r->z, 0, sizeof(fp_t));
}

/* dbl-2001-b (a = -3): 3M + 5S.  O (Z = 0) doubles to O. */
void ec_dbl(const mont_ctx *f, ec_jac *r, const ec_jac *p)
{
    fp_t delta, gamma, beta, alpha, t0, t1;

    mont_sqr(f, delta, p->z);
    mont_sqr(f, gamma, p->y);
    mont_mul(f, beta, p->x, gamma);
    mont_sub(f, t0, p->x, delta);
    mont_add(f, t1, p->x, delta);
    mont_mul(f, t0, t0, t1);
    mont_add(f, alpha, t0, t0);
    mont_add(f, alpha, alpha, t0);
    /* Z3 = (Y + Z)^2 - gamma - delta */
    mont_add(f, t1, p->y, p->z);
    mont_sqr(f, t1, t1);
    mont_sub(f, t1, t1, gamma);
    mont_sub(f, r->z, t1, delta);
    /* X3 = alpha^2 - 8 beta */
    mont_add(f, beta, beta, beta);
    mont_add(f, beta, beta, beta);        /* 4 beta */
    mont_sqr(f, t0, alpha);
    mont_sub(f, t0, t0, beta);
    mont_sub(f, r->x, t0, beta);
    /* Y3 = alpha (4 beta - X3) - 8 gamma^2 */
    mont_sub(f, beta, beta, r->x);
    mont_mul(f, beta, beta, alpha);
    mont_sqr(f, gamma, gamma);
    mont_add(f, gamma, gamma, gamma);
    mont_add(f, gamma, gamma, gamma);
    mont_add(f, gamma, gamma, gamma);
    mont_sub(f, r->y, beta, gamma);
}

/* madd-2007-bl: 7M + 4S.  r may alias p. */
void ec_madd(const mont_ctx *f, ec_jac *r, const ec_jac *p, const ec_aff *q)
{
    fp_t z1z1, u2, s2, h, hh, i, j, rr, v, y1j, t;

    mont_sqr(f, z1z1, p->z);
    mont_mul(f, u2, q->x, z1z1);
    mont_mul(f, s2, q->y, p->z);
    mont_mul(f, s2, s2, z1z1);
    mont_sub(f, h, u2, p->x);
    mont_sqr(f, hh, h);
    mont_add(f, i, hh, hh);
    mont_add(f, i, i, i);
    mont_mul(f, j, h, i);
    mont_sub(f, rr, s2, p->y);
    mont_add(f, rr, rr, rr);
    mont_mul(f, v, p->x, i);
    mont_mul(f, y1j, p->y, j);
    /* Z3 = (Z1 + H)^2 - Z1Z1 - HH */
    mont_add(f, t, p->z, h);
    mont_sqr(f, t, t);
    mont_sub(f, t, t, z1z1);
    mont_sub(f, r->z, t, hh);
    /* X3 = rr^2 - J - 2V */
    mont_sqr(f, t, rr);
    mont_sub(f, t, t, j);
    mont_sub(f, t, t, v);
    mont_sub(f, r->x, t, v);
    /* Y3 = rr (V - X3) - 2 Y1 J */
    mont_sub(f, v, v, r->x);
    mont_mul(f, v, v, rr);
    mont_add(f, y1j, y1j, y1j);
    mont_sub(f, r->y, v, y1j);
}

void ec_add_vt(const mont_ctx *f, ec_jac *r, const ec_jac *p, const ec_jac *q)
{
    fp_t z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;

    if (mont_is_zero(f, p->z)) {
        *r = *q;
        return;
    }
    if (mont_is_zero(f, q->z)) {
        *r = *p;
        return;
    }
    mont_sqr(f, z1z1, p->z);
    mont_sqr(f, z2z2, q->z);
    mont_mul(f, u1, p->x, z2z2);
    mont_mul(f, u2, q->x, z1z1);
    mont_mul(f, s1, p->y, q->z);
    mont_mul(f, s1, s1, z2z2);
    mont_mul(f, s2, q->y, p->z);
    mont_mul(f, s2, s2, z1z1);
    mont_sub(f, h, u2, u1);
    mont_sub(f, rr, s2, s1);
    if (mont_is_zero(f, h)) {
        if (mont_is_zero(f, rr)) {
            ec_dbl(f, r, p);
        } else {
            ec_set_inf(f, r);
        }
        return;
    }
    mont_add(f, rr, rr, rr);
    mont_add(f, i, h, h);
    mont_sqr(f, i, i);
    mont_mul(f, j, h, i);
    mont_mul(f, v, u1, i);
    /* Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H */
    mont_add(f, t, p->z, q->z);
    mont_sqr(f, t, t);
    mont_sub(f, t, t, z1z1);
    mont_sub(f, t, t, z2z2);
    mont_mul(f, r->z, t, h);
    mont_sqr(f, t, rr);
    mont_sub(f, t, t, j);
    mont_sub(f, t, t, v);
    mont_sub(f, r->x, t, v);
    mont_sub(f, v, v, r->x);
    mont_mul(f, v, v, rr);
    mont_mul(f, s1, s1, j);
    mont_add(f, s1, s1, s1);
    mont_sub(f, r->y, v, s1);
}

int ec_to_aff(const mont_ctx *f, ec_aff *r, const ec_jac *p, ibc_blind *bl)
{
    fp_t zi, zi2;
    int ok = mont_inv(f, zi, p->z, bl);

    mont_sqr(f, zi2, zi);
    mont_mul(f, r->x, p->x, zi2);
    mont_mul(f, zi2, zi2, zi);
    mont_mul(f, r->y, p->y, zi2);
    return ok;
}

void ec_batch_to_aff(const mont_ctx *f, ec_aff *r, const ec_jac *p, size_t n,
                     fp_t *acc, ibc_blind *bl)
{
    fp_t inv, zi, zi2;

    if (n == 0)
        return;
    /* Montgomery's trick: acc[k] = Z_0 ... Z_k, one inversion. */
    memcpy(acc[0], p[0].z, sizeof(fp_t));
    for (size_t k = 1; k < n; k++)
        mont_mul(f, acc[k], acc[k - 1], p[k].z);
    mont_inv(f, inv, acc[n - 1], bl);
    for (size_t k = n; k-- > 0;) {
        if (k > 0) {
            mont_mul(f, zi, inv, acc[k - 1]);
            mont_mul(f, inv, inv, p[k].z);
        } else {
            memcpy(zi, inv, sizeof(fp_t));
        }
        mont_sqr(f, zi2, zi);
        mont_mul(f, r[k].x, p[k].x, zi2);
        mont_mul(f, zi2, zi2, zi);
        mont_mul(f, r[k].y, p[k].y, zi2);
    }
}

mp_limb_t ec_equal_aff(const mont_ctx *f, const ec_jac *p, const ec_aff *q)
{
    fp_t z2, t;
    mp_limb_t eq;

    mont_sqr(f, z2, p->z);
    mont_mul(f, t, q->x, z2);
    eq = mont_equal(f, t, p->x);
    mont_mul(f, z2, z2, p->z);
    mont_mul(f, t, q->y, z2);
    eq &= mont_equal(f, t, p->y);
    return eq & ~mont_is_zero(f, p->z);
}

void ec_madd_vt(const mont_ctx *f, ec_jac *r, const ec_jac *p, const ec_aff *q)
{
    fp_t z1z1, u2, s2, h, hh, i, j, rr, v, y1j, t;

    if (mont_is_zero(f, p->z)) {
        memcpy(r->x, q->x, sizeof(fp_t));
        memcpy(r->y, q->y, sizeof(fp_t));
        memcpy(r->z, f->one, sizeof(fp_t));
        return;
    }
    /* madd-2007-bl with the exceptional cases p = +-q taken out */
    mont_sqr(f, z1z1, p->z);
    mont_mul(f, u2, q->x, z1z1);
    mont_mul(f, s2, q->y, p->z);
    mont_mul(f, s2, s2, z1z1);
    mont_sub(f, h, u2, p->x);
    mont_sub(f, rr, s2, p->y);
    if (mont_is_zero(f, h)) {
        if (mont_is_zero(f, rr))
            ec_dbl(f, r, p);
        else
            ec_set_inf(f, r);
        return;
    }
    mont_add(f, rr, rr, rr);
    mont_sqr(f, hh, h);
    mont_add(f, i, hh, hh);
    mont_add(f, i, i, i);
    mont_mul(f, j, h, i);
    mont_mul(f, v, p->x, i);
    mont_mul(f, y1j, p->y, j);
    mont_add(f, t, p->z, h);
    mont_sqr(f, t, t);
    mont_sub(f, t, t, z1z1);
    mont_sub(f, r->z, t, hh);
    mont_sqr(f, t, rr);
    mont_sub(f, t, t, j);
    mont_sub(f, t, t, v);
    mont_sub(f, r->x, t, v);
    mont_sub(f, v, v, r->x);
    mont_mul(f, v, v, rr);
    mont_add(f, y1j, y1j, y1j);
    mont_sub(f, r->y, v, y1j);
}

/* Width-5 NAF of a public kn-limb k; returns the digit count. */
static unsigned wnaf(int8_t *d, const mp_limb_t *k, mp_size_t kn)
{
    mp_limb_t t[MONT_MAXN + 1];
    unsigned n = 0;

    mpn_copyi(t, k, kn);
    t[kn] = 0;
    while (!mpn_zero_p(t, kn + 1)) {
        int z = 0;
        if (t[0] & 1) {
            z = (int)(t[0] & ((1u << EC_NAF_W) - 1));
            if (z >= 1 << (EC_NAF_W - 1))
                z -= 1 << EC_NAF_W;
            if (z > 0)
                mpn_sub_1(t, t, kn + 1, (mp_limb_t)z);
            else
                mpn_add_1(t, t, kn + 1, (mp_limb_t)-z);
        }
        d[n++] = (int8_t)z;
        mpn_rshift(t, t, kn + 1, 1);
    }
    return n;
}

#define NAF_TAB (1 << (EC_NAF_W - 2)) /* odd multiples 1, 3, ..., 15 */
#define NAF_LEN (64 * MONT_MAXN + 1)

void ec_msm_vt(const mont_ctx *f, ec_jac *r, size_t n, const ec_aff *pts, const mp_limb_t *k,
               mp_size_t kn)
{
    int8_t d[EC_MSM_MAX][NAF_LEN];
    ec_jac jt[EC_MSM_MAX * NAF_TAB], two;
    ec_aff tab[EC_MSM_MAX * NAF_TAB], neg;
    fp_t scratch[EC_MSM_MAX * NAF_TAB];
    unsigned len = 0;

    ec_set_inf(f, r);
    if (n == 0 || n > EC_MSM_MAX || kn > MONT_MAXN)
        return;
    memset(d, 0, sizeof d);
    for (size_t i = 0; i < n; i++) {
        unsigned l = wnaf(d[i], k + i * (size_t)kn, kn);
        if (l > len)
            len = l;
        /* Odd multiples [1..15]P_i: none is O for points of order q (or
         * 4q, 2q: no odd multiple below 16 vanishes). */
        ec_jac *t = jt + i * NAF_TAB;
        memcpy(t[0].x, pts[i].x, sizeof(fp_t));
        memcpy(t[0].y, pts[i].y, sizeof(fp_t));
        memcpy(t[0].z, f->one, sizeof(fp_t));
        ec_dbl(f, &two, &t[0]);
        for (unsigned j = 1; j < NAF_TAB; j++)
            ec_add_vt(f, &t[j], &t[j - 1], &two);
    }
    ec_batch_to_aff(f, tab, jt, n * NAF_TAB, scratch, NULL);
    for (unsigned b = len; b-- > 0;) {
        ec_dbl(f, r, r);
        for (size_t i = 0; i < n; i++) {
            int z = d[i][b];
            if (z > 0) {
                ec_madd_vt(f, r, r, &tab[i * NAF_TAB + (unsigned)(z >> 1)]);
            } else if (z < 0) {
                const ec_aff *e = &tab[i * NAF_TAB + (unsigned)((-z) >> 1)];
                memcpy(neg.x, e->x, sizeof(fp_t));
                mont_neg(f, neg.y, e->y);
                ec_madd_vt(f, r, r, &neg);
            }
        }
    }
}
