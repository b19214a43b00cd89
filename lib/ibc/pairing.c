/* SPDX-License-Identifier: Apache-2.0 */
/* The Tate-Lichtenbaum pairing of RFC 6508 3.2 for parameter set 1:
 *
 *   <L, E> = f_{q-1,L}(psi(E))^c  in PF_p,  psi(x, y) = (-x, i y),
 *   c = (p + 1)/q = 4.
 *
 * In PF_p = F_p^2* / F_p* every factor that lies in F_p vanishes, so the
 * vertical lines (x-coordinate of psi(E) is in F_p) and the denominators
 * of the slopes drop out: the Miller loop runs on Jacobian L with
 * projectively scaled lines and no inversion.  Raising to (p + 1)/q alone
 * is the whole final exponentiation in PF_p: the (p - 1) part of
 * (p^2 - 1)/q is what the quotient by F_p* already removed (raising the
 * PF_p value to p - 1 again would give a different representative, and
 * the RFC test vectors follow the c-only convention).
 *
 * The loop follows the signed binary (NAF) form of q - 1, 353 non-zero
 * digits instead of 513; f_{-1,L} = 1/(x - x_L) is in F_p and vanishes,
 * so a digit -1 costs one line through C and -L.  The digit sequence
 * depends on q only, so the work is the same for every L and E, and the
 * field operations are constant time: L (the RSK in decapsulation) does
 * not leak through branches or memory indices.
 *
 * Lines at psi(E), with C = (X, Y, Z) Jacobian:
 *   tangent at C:  lambda (x_E + C_x) - C_y + i y_E, scaled by 2 Y Z^3:
 *                  alpha (x_E Z^2 + X) - 2 Y^2 + i y_E Z_3 Z^2,
 *                  alpha = 3 (X^2 - Z^4), Z_3 = 2 Y Z
 *   chord C, L:    lambda (x_E + x_L) - y_L + i y_E, scaled by Z_3 = 2 Z H:
 *                  R (x_E + x_L) - y_L Z_3 + i y_E Z_3,
 *                  R = 2 (y_L Z^3 - Y), H = x_L Z^2 - X. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sakke_int.h"

#define NAF_MAX (64 * SN + 2)

/* Signed digits of q - 1, least significant first; returns the count. */
static unsigned naf_q1(const sakke_params *sp, int8_t d[NAF_MAX])
{
    mp_limb_t k[SN + 1];
    unsigned n = 0;

    mpn_copyi(k, sp->q, SN);
    k[SN] = 0;
    mpn_sub_1(k, k, SN + 1, 1);
    while (!mpn_zero_p(k, SN + 1)) {
        int z = 0;
        if (k[0] & 1) {
            z = 2 - (int)(k[0] & 3);
            if (z == 1)
                mpn_sub_1(k, k, SN + 1, 1);
            else
                mpn_add_1(k, k, SN + 1, 1);
        }
        d[n++] = (int8_t)z;
        mpn_rshift(k, k, SN + 1, 1);
    }
    return n;
}

/* Doubling step: C <- 2C with the scaled tangent at C.  With E given it
 * is evaluated directly: la + i lb = alpha (x_E Z^2 + X) - 2 Y^2 +
 * i y_E Z_3 Z^2 (4M); without, its coefficients A x_E + B + i C' y_E are
 * returned (A = alpha Z^2, B = alpha X - 2 Y^2, C' = Z_3 Z^2). */
static void dbl_step(const mont_ctx *f, ec_jac *c, const ec_aff *E, fp_t A, fp_t B, fp_t Cc)
{
    fp_t delta, gamma, beta, alpha, t0, t1;

    mont_sqr(f, delta, c->z);
    mont_sqr(f, gamma, c->y);
    mont_mul(f, beta, c->x, gamma);
    mont_sub(f, t0, c->x, delta);
    mont_add(f, t1, c->x, delta);
    mont_mul(f, t0, t0, t1);
    mont_add(f, alpha, t0, t0);
    mont_add(f, alpha, alpha, t0);
    if (E) {
        mont_mul(f, t1, E->x, delta);
        mont_add(f, t1, t1, c->x);
        mont_mul(f, A, alpha, t1);
        mont_sub(f, A, A, gamma);
        mont_sub(f, A, A, gamma);
    } else {
        mont_mul(f, A, alpha, delta);
        mont_mul(f, B, alpha, c->x);
        mont_sub(f, B, B, gamma);
        mont_sub(f, B, B, gamma);
    }
    mont_add(f, t1, c->y, c->z);
    mont_sqr(f, t1, t1);
    mont_sub(f, t1, t1, gamma);
    mont_sub(f, c->z, t1, delta);
    mont_mul(f, Cc, c->z, delta);
    if (E)
        mont_mul(f, B, Cc, E->y);
    mont_add(f, beta, beta, beta);
    mont_add(f, beta, beta, beta);
    mont_sqr(f, t0, alpha);
    mont_sub(f, t0, t0, beta);
    mont_sub(f, c->x, t0, beta);
    mont_sub(f, beta, beta, c->x);
    mont_mul(f, beta, beta, alpha);
    mont_sqr(f, gamma, gamma);
    mont_add(f, gamma, gamma, gamma);
    mont_add(f, gamma, gamma, gamma);
    mont_add(f, gamma, gamma, gamma);
    mont_sub(f, c->y, beta, gamma);
}

/* Addition step: C <- C + (xl, yl); the scaled chord is R x_E + B + i Z_3 y_E
 * with B = R xl - yl Z_3; R and Z_3 are returned (B only if wanted). */
static void add_step(const mont_ctx *f, ec_jac *c, const fp_t xl, const fp_t yl,
                     fp_t R, fp_t B)
{
    fp_t z1z1, u2, s2, h, hh, i, j, v, y1j, t;

    mont_sqr(f, z1z1, c->z);
    mont_mul(f, u2, xl, z1z1);
    mont_mul(f, s2, yl, c->z);
    mont_mul(f, s2, s2, z1z1);
    mont_sub(f, h, u2, c->x);
    mont_sqr(f, hh, h);
    mont_add(f, i, hh, hh);
    mont_add(f, i, i, i);
    mont_mul(f, j, h, i);
    mont_sub(f, R, s2, c->y);
    mont_add(f, R, R, R);
    mont_mul(f, v, c->x, i);
    mont_mul(f, y1j, c->y, j);
    mont_add(f, t, c->z, h);
    mont_sqr(f, t, t);
    mont_sub(f, t, t, z1z1);
    mont_sub(f, c->z, t, hh);
    mont_sqr(f, t, R);
    mont_sub(f, t, t, j);
    mont_sub(f, t, t, v);
    mont_sub(f, c->x, t, v);
    mont_sub(f, v, v, c->x);
    mont_mul(f, v, v, R);
    mont_add(f, y1j, y1j, y1j);
    mont_sub(f, c->y, v, y1j);
    if (B) {
        mont_mul(f, B, R, xl);
        mont_mul(f, t, yl, c->z);
        mont_sub(f, B, B, t);
    }
}

/* f <- f * (la + i lb) */
static void mul_line(const mont_ctx *f, fp2 *acc, const fp_t la, const fp_t lb)
{
    fp2 l;
    memcpy(l.a, la, sizeof(fp_t));
    memcpy(l.b, lb, sizeof(fp_t));
    fp2_mul(f, acc, acc, &l);
}

static void final_exp(const sakke_params *sp, fp_t out, fp2 *acc, ibc_blind *bl)
{
    /* c = (p + 1)/q = 4 */
    fp2_sqr(&sp->fp, acc, acc);
    fp2_sqr(&sp->fp, acc, acc);
    fp2_to_pfp(&sp->fp, out, acc, bl);
}

void sakke_pairing(const sakke_params *sp, fp_t out, const ec_aff *L, const ec_aff *E,
                   ibc_blind *bl)
{
    const mont_ctx *f = &sp->fp;
    int8_t d[NAF_MAX];
    unsigned nd = naf_q1(sp, d);
    fp_t A, B, Cc, la, lb, xel, nyl;  /* la, lb: the line; A, B scratch */
    fp2 acc;
    ec_jac c;

    ec_from_aff(sp, &c, L);
    memcpy(acc.a, f->one, sizeof(fp_t));
    memset(acc.b, 0, sizeof(fp_t));
    mont_add(f, xel, E->x, L->x);
    mont_neg(f, nyl, L->y);
    for (unsigned k = nd - 1; k-- > 0;) {
        dbl_step(f, &c, E, la, lb, Cc);
        fp2_sqr(f, &acc, &acc);
        mul_line(f, &acc, la, lb);
        if (d[k]) {
            const mp_limb_t *yl = d[k] > 0 ? L->y : nyl;
            add_step(f, &c, L->x, yl, A, NULL);
            /* R (x_E + x_L) - y_L Z_3 + i y_E Z_3 */
            mont_mul(f, la, A, xel);
            mont_mul(f, B, yl, c.z);
            mont_sub(f, la, la, B);
            mont_mul(f, lb, c.z, E->y);
            mul_line(f, &acc, la, lb);
        }
    }
    final_exp(sp, out, &acc, bl);
    ibc_wipe(&c, sizeof c);
    ibc_wipe(&acc, sizeof acc);
    ibc_wipe(nyl, sizeof nyl);
}

/* ---- precomputed lines of a fixed loop point ---- */
struct sakke_lines {
    unsigned nd;           /* NAF digits of q - 1 */
    int8_t d[NAF_MAX];
    size_t n;              /* number of lines */
    fp_t (*lm)[2];         /* (lambda, mu): line = lambda x_E + mu + i y_E */
};

sakke_lines *sakke_lines_new(const sakke_params *sp, const ec_aff *L, ibc_blind *bl)
{
    const mont_ctx *f = &sp->fp;
    sakke_lines *ln = calloc(1, sizeof *ln);
    fp_t *den = NULL, *acc = NULL, nyl, inv, t;
    ec_jac c;
    size_t n = 0;

    if (!ln)
        return NULL;
    ln->nd = naf_q1(sp, ln->d);
    for (unsigned k = 0; k + 1 < ln->nd; k++)
        n += 1 + (ln->d[k] != 0);
    ln->n = n;
    ln->lm = malloc(n * sizeof *ln->lm);
    den = malloc(n * sizeof *den);
    acc = malloc(n * sizeof *acc);
    if (!ln->lm || !den || !acc) {
        free(den);
        free(acc);
        sakke_lines_free(ln);
        return NULL;
    }
    /* First pass: lines as A x_E + B + i C y_E. */
    ec_from_aff(sp, &c, L);
    mont_neg(f, nyl, L->y);
    size_t m = 0;
    for (unsigned k = ln->nd - 1; k-- > 0;) {
        dbl_step(f, &c, NULL, ln->lm[m][0], ln->lm[m][1], den[m]);
        m++;
        if (ln->d[k]) {
            const mp_limb_t *yl = ln->d[k] > 0 ? L->y : nyl;
            add_step(f, &c, L->x, yl, ln->lm[m][0], ln->lm[m][1]);
            memcpy(den[m], c.z, sizeof(fp_t));
            m++;
        }
    }
    /* Second pass: divide each line by its C (an F_p factor, invisible in
     * PF_p) so evaluation needs one multiplication for the real part. */
    memcpy(acc[0], den[0], sizeof(fp_t));
    for (size_t k = 1; k < n; k++)
        mont_mul(f, acc[k], acc[k - 1], den[k]);
    mont_inv(f, inv, acc[n - 1], bl);
    for (size_t k = n; k-- > 0;) {
        if (k > 0) {
            mont_mul(f, t, inv, acc[k - 1]);
            mont_mul(f, inv, inv, den[k]);
        } else {
            memcpy(t, inv, sizeof(fp_t));
        }
        mont_mul(f, ln->lm[k][0], ln->lm[k][0], t);
        mont_mul(f, ln->lm[k][1], ln->lm[k][1], t);
    }
    ibc_wipe(den, n * sizeof *den);
    ibc_wipe(acc, n * sizeof *acc);
    free(den);
    free(acc);
    ibc_wipe(&c, sizeof c);
    ibc_wipe(inv, sizeof inv);
    ibc_wipe(t, sizeof t);
    return ln;
}

void sakke_lines_free(sakke_lines *ln)
{
    if (!ln)
        return;
    if (ln->lm) {
        ibc_wipe(ln->lm, ln->n * sizeof *ln->lm);
        free(ln->lm);
    }
    ibc_wipe(ln, sizeof *ln);
    free(ln);
}

void sakke_pairing_lines(const sakke_params *sp, fp_t out, const sakke_lines *ln, const ec_aff *E,
                         ibc_blind *bl)
{
    const mont_ctx *f = &sp->fp;
    fp_t la;
    fp2 acc;
    size_t m = 0;

    memcpy(acc.a, f->one, sizeof(fp_t));
    memset(acc.b, 0, sizeof(fp_t));
    for (unsigned k = ln->nd - 1; k-- > 0;) {
        fp2_sqr(f, &acc, &acc);
        mont_mul(f, la, ln->lm[m][0], E->x);
        mont_add(f, la, la, ln->lm[m][1]);
        mul_line(f, &acc, la, E->y);
        m++;
        if (ln->d[k]) {
            mont_mul(f, la, ln->lm[m][0], E->x);
            mont_add(f, la, la, ln->lm[m][1]);
            mul_line(f, &acc, la, E->y);
            m++;
        }
    }
    final_exp(sp, out, &acc, bl);
    ibc_wipe(&acc, sizeof acc);
}
