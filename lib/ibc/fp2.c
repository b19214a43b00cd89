/* SPDX-License-Identifier: Apache-2.0 */
/* F_p^2 = F_p[i]/(i^2 + 1) and PF_p (RFC 6508 2.1): an element a + b i is
 * kept unnormalised; its PF_p value is b/a, so any F_p multiple represents
 * the same value and projective arithmetic needs no inversions.
 * Exponentiation by the secret r (g^r in encapsulation) uses a comb with
 * masked table lookups. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sakke_int.h"

/* Karatsuba: 3M. */
void fp2_mul(const mont_ctx *f, fp2 *r, const fp2 *x, const fp2 *y)
{
    fp_t t0, t1, t2, t3;
    mont_mul(f, t0, x->a, y->a);
    mont_mul(f, t1, x->b, y->b);
    mont_add(f, t2, x->a, x->b);
    mont_add(f, t3, y->a, y->b);
    mont_mul(f, t2, t2, t3);
    mont_sub(f, r->a, t0, t1);
    mont_sub(f, t2, t2, t0);
    mont_sub(f, r->b, t2, t1);
}

/* (a + b i)^2 = (a + b)(a - b) + 2ab i: 2M. */
void fp2_sqr(const mont_ctx *f, fp2 *r, const fp2 *x)
{
    fp_t t0, t1, t2;
    mont_add(f, t0, x->a, x->b);
    mont_sub(f, t1, x->a, x->b);
    mont_mul(f, t2, x->a, x->b);
    mont_mul(f, r->a, t0, t1);
    mont_add(f, r->b, t2, t2);
}

int fp2_to_pfp(const mont_ctx *f, fp_t r, const fp2 *x, ibc_blind *bl)
{
    fp_t inv;
    int ok = mont_inv(f, inv, x->a, bl);
    mont_mul(f, r, inv, x->b);
    ibc_wipe(inv, sizeof inv);
    return ok;
}

/* Comb tables for powers of g in PF_p.  Table tb holds, for each u of
 * TEETH bits, t with prod_j g^(u_j 2^((tb TEETH + j) SPACING)) ~ 1 + t i,
 * so multiplying by an entry costs 2M: (a + b i)(1 + t i) =
 * (a - b t) + (b + a t) i.  Built from the public g. */
static int comb_build(const sakke_params *sp, fp_t *out, const fp_t g, unsigned tables,
                      unsigned teeth, unsigned spacing)
{
    const mont_ctx *f = &sp->fp;
    const size_t n = (size_t)1 << teeth;
    fp2 *e = malloc(n * sizeof *e);
    fp_t *acc = malloc(n * sizeof *acc);
    fp2 base;
    fp_t inv, t;

    if (!e || !acc) {
        free(e);
        free(acc);
        return IBC_ENOMEM;
    }
    memcpy(base.a, f->one, sizeof(fp_t));
    memcpy(base.b, g, sizeof(fp_t));
    for (unsigned tb = 0; tb < tables; tb++) {
        memcpy(e[0].a, f->one, sizeof(fp_t));
        memset(e[0].b, 0, sizeof(fp_t));
        for (unsigned j = 0; j < teeth; j++) {
            if (tb || j)
                for (unsigned i = 0; i < spacing; i++)
                    fp2_sqr(f, &base, &base);
            for (size_t u = (size_t)1 << j; u < ((size_t)2 << j); u++)
                fp2_mul(f, &e[u], &e[u - ((size_t)1 << j)], &base);
        }
        /* Normalise all entries with one inversion (Montgomery's trick). */
        memcpy(acc[0], e[0].a, sizeof(fp_t));
        for (size_t k = 1; k < n; k++)
            mont_mul(f, acc[k], acc[k - 1], e[k].a);
        mont_inv(f, inv, acc[n - 1], NULL);
        for (size_t k = n; k-- > 0;) {
            if (k > 0) {
                mont_mul(f, t, inv, acc[k - 1]);
                mont_mul(f, inv, inv, e[k].a);
            } else {
                memcpy(t, inv, sizeof(fp_t));
            }
            mont_mul(f, out[tb * n + k], e[k].b, t);
        }
    }
    free(e);
    free(acc);
    return IBC_OK;
}

/* Constant time in k: every column is looked up with a masked scan. */
static void comb_pow(const sakke_params *sp, fp2 *r, const fp_t *tab, unsigned tables,
                     unsigned teeth, unsigned spacing, const mp_limb_t *k)
{
    const mont_ctx *f = &sp->fp;
    const size_t n = (size_t)1 << teeth;
    fp2 acc;
    fp_t t, t0, t1;

    memcpy(acc.a, f->one, sizeof(fp_t));
    memset(acc.b, 0, sizeof(fp_t));
    for (unsigned i = spacing; i-- > 0;) {
        fp2_sqr(f, &acc, &acc);
        for (unsigned tb = 0; tb < tables; tb++) {
            mp_limb_t u = 0;
            for (unsigned j = 0; j < teeth; j++)
                u |= limb_bit(k, SN, (tb * teeth + j) * spacing + i) << j;
            ct_lookup(t, tab[tb * n], n, SN, (size_t)u);
            mont_mul(f, t0, acc.b, t);
            mont_mul(f, t1, acc.a, t);
            mont_sub(f, acc.a, acc.a, t0);
            mont_add(f, acc.b, acc.b, t1);
        }
    }
    *r = acc;
    ibc_wipe(&acc, sizeof acc);
    ibc_wipe(t, sizeof t);
    ibc_wipe(t0, sizeof t0);
    ibc_wipe(t1, sizeof t1);
}

int fp2_comb_build(const sakke_params *sp, fp2_comb *c, const fp_t g)
{
    return comb_build(sp, c->t[0], g, COMB_TABLES, COMB_TEETH, COMB_SPACING);
}

void fp2_comb_pow(const sakke_params *sp, fp2 *r, const fp2_comb *c, const mp_limb_t *k)
{
    comb_pow(sp, r, c->t[0], COMB_TABLES, COMB_TEETH, COMB_SPACING, k);
}

int fp2_gtab_build(const sakke_params *sp, fp_t tab[GTAB_SIZE])
{
    return comb_build(sp, tab, sp->g, 1, GTAB_TEETH, GTAB_SPACING);
}

void fp2_gpow(const sakke_params *sp, fp2 *r, const mp_limb_t *k)
{
    comb_pow(sp, r, (const fp_t *)sakke_gtab, 1, GTAB_TEETH, GTAB_SPACING, k);
}
