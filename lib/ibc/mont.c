/* SPDX-License-Identifier: Apache-2.0 */
/* Montgomery multiplication (REDC) on GMP's mpn layer; see mont.h. */
#include "config.h"

#include <string.h>

#include "mont.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#define HAVE_REDC16_ADX 1

/* One REDC row for a 16-limb modulus with MULX and two carry chains
 * (ADOX for the running sum, ADCX for the high halves): t[0..15] += u m,
 * returns the carry out of t[15].  Straight-line code: the timing does
 * not depend on the values. */
static inline mp_limb_t redc16_row(mp_limb_t *t, const mp_limb_t *m, mp_limb_t u)
{
    mp_limb_t cy;
    __asm__ volatile(
        "xorl %%r11d, %%r11d\n\t" /* clears CF and OF; previous high half 0 */
        "mulx 0(%[m]), %%r8, %%r9\n\t"
        "adox 0(%[t]), %%r8\n\t"
        "adcx %%r11, %%r8\n\t"
        "movq %%r8, 0(%[t])\n\t"
        "mulx 8(%[m]), %%r10, %%r11\n\t"
        "adox 8(%[t]), %%r10\n\t"
        "adcx %%r9, %%r10\n\t"
        "movq %%r10, 8(%[t])\n\t"
        "mulx 16(%[m]), %%r8, %%r9\n\t"
        "adox 16(%[t]), %%r8\n\t"
        "adcx %%r11, %%r8\n\t"
        "movq %%r8, 16(%[t])\n\t"
        "mulx 24(%[m]), %%r10, %%r11\n\t"
        "adox 24(%[t]), %%r10\n\t"
        "adcx %%r9, %%r10\n\t"
        "movq %%r10, 24(%[t])\n\t"
        "mulx 32(%[m]), %%r8, %%r9\n\t"
        "adox 32(%[t]), %%r8\n\t"
        "adcx %%r11, %%r8\n\t"
        "movq %%r8, 32(%[t])\n\t"
        "mulx 40(%[m]), %%r10, %%r11\n\t"
        "adox 40(%[t]), %%r10\n\t"
        "adcx %%r9, %%r10\n\t"
        "movq %%r10, 40(%[t])\n\t"
        "mulx 48(%[m]), %%r8, %%r9\n\t"
        "adox 48(%[t]), %%r8\n\t"
        "adcx %%r11, %%r8\n\t"
        "movq %%r8, 48(%[t])\n\t"
        "mulx 56(%[m]), %%r10, %%r11\n\t"
        "adox 56(%[t]), %%r10\n\t"
        "adcx %%r9, %%r10\n\t"
        "movq %%r10, 56(%[t])\n\t"
        "mulx 64(%[m]), %%r8, %%r9\n\t"
        "adox 64(%[t]), %%r8\n\t"
        "adcx %%r11, %%r8\n\t"
        "movq %%r8, 64(%[t])\n\t"
        "mulx 72(%[m]), %%r10, %%r11\n\t"
        "adox 72(%[t]), %%r10\n\t"
        "adcx %%r9, %%r10\n\t"
        "movq %%r10, 72(%[t])\n\t"
        "mulx 80(%[m]), %%r8, %%r9\n\t"
        "adox 80(%[t]), %%r8\n\t"
        "adcx %%r11, %%r8\n\t"
        "movq %%r8, 80(%[t])\n\t"
        "mulx 88(%[m]), %%r10, %%r11\n\t"
        "adox 88(%[t]), %%r10\n\t"
        "adcx %%r9, %%r10\n\t"
        "movq %%r10, 88(%[t])\n\t"
        "mulx 96(%[m]), %%r8, %%r9\n\t"
        "adox 96(%[t]), %%r8\n\t"
        "adcx %%r11, %%r8\n\t"
        "movq %%r8, 96(%[t])\n\t"
        "mulx 104(%[m]), %%r10, %%r11\n\t"
        "adox 104(%[t]), %%r10\n\t"
        "adcx %%r9, %%r10\n\t"
        "movq %%r10, 104(%[t])\n\t"
        "mulx 112(%[m]), %%r8, %%r9\n\t"
        "adox 112(%[t]), %%r8\n\t"
        "adcx %%r11, %%r8\n\t"
        "movq %%r8, 112(%[t])\n\t"
        "mulx 120(%[m]), %%r10, %%r11\n\t"
        "adox 120(%[t]), %%r10\n\t"
        "adcx %%r9, %%r10\n\t"
        "movq %%r10, 120(%[t])\n\t"
        "movl $0, %%r8d\n\t"
        "adox %%r8, %%r11\n\t"
        "adcx %%r8, %%r11\n\t"
        "movq %%r11, %[cy]\n\t"
        : [cy] "=&r"(cy), "+d"(u)
        : [t] "r"(t), [m] "r"(m)
        : "r8", "r9", "r10", "r11", "cc", "memory");
    return cy;
}

/* BMI2 (MULX) and ADX (ADCX/ADOX); plain GPR instructions, no OS state. */
static int have_adx(void)
{
#if defined(__clang__)
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 8)) && (b & (1u << 19));
#else
    return __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
#endif
}
#endif

void ibc_wipe(void *p, size_t len)
{
    if (p && len)
        explicit_bzero(p, len);
}

void mont_init(mont_ctx *c, const mp_limb_t *m, mp_size_t n)
{
    mp_limb_t num[2 * MONT_MAXN + 1], q[MONT_MAXN + 2];

    memset(c, 0, sizeof *c);
    c->n = n;
    mpn_copyi(c->m, m, n);
    /* m0^-1 mod 2^64 by Newton iteration (each step doubles the bits). */
    mp_limb_t inv = m[0];
    for (int i = 0; i < 6; i++)
        inv *= 2 - m[0] * inv;
    c->minv = 0 - inv;
    c->bits = (unsigned)(64 * n - (unsigned)__builtin_clzll(m[n - 1]));

    memset(num, 0, sizeof num);
    num[n] = 1; /* R */
    mpn_tdiv_qr(q, c->one, 0, num, n + 1, m, n);
    num[n] = 0;
    num[2 * n] = 1; /* R^2 */
    mpn_tdiv_qr(q, c->r2, 0, num, 2 * n + 1, m, n);
#ifdef HAVE_REDC16_ADX
    c->adx = n == 16 && have_adx();
#endif
}

void mont_redc(const mont_ctx *c, mp_limb_t *r, mp_limb_t *t)
{
    const mp_size_t n = c->n;
    const mp_limb_t minv = c->minv, *m = c->m;
    mp_limb_t carry[MONT_MAXN];

    /* Row i clears t[i]; its carry out belongs at position i + n and is
     * added once at the end. */
#ifdef HAVE_REDC16_ADX
    if (c->adx) {
        for (mp_size_t i = 0; i < 16; i++)
            carry[i] = redc16_row(t + i, m, t[i] * minv);
    } else
#endif
    {
        for (mp_size_t i = 0; i < n; i++)
            carry[i] = mpn_addmul_1(t + i, m, n, t[i] * minv);
    }
    mp_limb_t cy = mpn_add_n(r, t + n, carry, n);
    /* r + cy R < 2m: subtract m, then add it back unless the subtraction
     * was due (cy set or r >= m); cy - borrow is 0 or all-ones. */
    cy -= mpn_sub_n(r, r, m, n);
    mpn_cnd_add_n(cy, r, r, m, n);
}

void mont_mul(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b)
{
    mp_limb_t t[2 * MONT_MAXN], scratch[1];
    mpn_sec_mul(t, a, c->n, b, c->n, scratch);
    mont_redc(c, r, t);
}

void mont_sqr(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a)
{
    mp_limb_t t[2 * MONT_MAXN], scratch[1];
    mpn_sec_sqr(t, a, c->n, scratch);
    mont_redc(c, r, t);
}

void mont_add(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b)
{
    /* a + b < 2m: subtract m, add it back if that went below zero (the
     * carry of the addition cancels the borrow when a + b >= R). */
    mp_limb_t cy = mpn_add_n(r, a, b, c->n);
    cy -= mpn_sub_n(r, r, c->m, c->n);
    mpn_cnd_add_n(cy, r, r, c->m, c->n);
}

void mont_sub(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b)
{
    mp_limb_t bw = mpn_sub_n(r, a, b, c->n);
    mpn_cnd_add_n(bw, r, r, c->m, c->n);
}

void mont_neg(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a)
{
    /* m - a, except 0 stays 0. */
    mp_limb_t z = mont_is_zero(c, a);
    mpn_sub_n(r, c->m, a, c->n);
    for (mp_size_t i = 0; i < c->n; i++)
        r[i] &= ~z;
}

void mont_to(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a)
{
    mont_mul(c, r, a, c->r2);
}

void mont_from(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a)
{
    mp_limb_t t[2 * MONT_MAXN];
    mpn_copyi(t, a, c->n);
    memset(t + c->n, 0, sizeof(mp_limb_t) * (size_t)c->n);
    mont_redc(c, r, t);
}

/* Variable-time inverse of a standard-form x < m; only ever sees public
 * values or values blinded by a secret random factor. */
static int inv_vt(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *x)
{
    mpz_t xz, mz, rz;
    int ok;

    mpz_roinit_n(xz, x, c->n);
    mpz_roinit_n(mz, c->m, c->n);
    mpz_init2(rz, (mp_bitcnt_t)(64 * c->n));
    ok = mpz_sgn(xz) != 0 && mpz_invert(rz, xz, mz) != 0;
    memset(r, 0, (size_t)c->n * sizeof *r);
    if (ok)
        mpn_copyi(r, mpz_limbs_read(rz), (mp_size_t)mpz_size(rz));
    mpz_clear(rz);
    return ok;
}

/* Blinded inversion: with beta secret and uniform, a*beta is independent
 * of a, so the variable-time GCD on it leaks nothing about a; this is
 * about 50 times faster than mpn_sec_invert at 1024 bits. */
int mont_inv(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, ibc_blind *bl)
{
    mp_limb_t beta[MONT_MAXN], bm[MONT_MAXN], t[MONT_MAXN];
    int ok;

    if (!bl) {
        mont_from(c, t, a);
        ok = inv_vt(c, t, t);
        mont_to(c, r, t);
        return ok;
    }
    blind_draw(bl, c, beta);
    mont_to(c, bm, beta);
    mont_mul(c, t, a, beta);        /* a beta, standard form */
    ok = inv_vt(c, t, t);           /* (a beta)^-1 */
    mont_to(c, t, t);
    mont_mul(c, r, t, bm);          /* a^-1 R */
    ibc_wipe(beta, sizeof beta);
    ibc_wipe(bm, sizeof bm);
    ibc_wipe(t, sizeof t);
    return ok;
}

int mod_inv(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, ibc_blind *bl)
{
    mp_limb_t beta[MONT_MAXN], t[MONT_MAXN];
    int ok;

    if (!bl)
        return inv_vt(c, r, a);
    blind_draw(bl, c, beta);
    mont_to(c, t, a);
    mont_mul(c, t, t, beta);        /* a beta */
    ok = inv_vt(c, t, t);
    mont_to(c, t, t);
    mont_mul(c, r, t, beta);        /* a^-1 */
    ibc_wipe(beta, sizeof beta);
    ibc_wipe(t, sizeof t);
    return ok;
}

mp_limb_t mont_is_zero(const mont_ctx *c, const mp_limb_t *a)
{
    mp_limb_t x = 0;
    for (mp_size_t i = 0; i < c->n; i++)
        x |= a[i];
    return ct_zero_mask(x);
}

mp_limb_t mont_equal(const mont_ctx *c, const mp_limb_t *a, const mp_limb_t *b)
{
    mp_limb_t x = 0;
    for (mp_size_t i = 0; i < c->n; i++)
        x |= a[i] ^ b[i];
    return ct_zero_mask(x);
}

void ct_lookup(mp_limb_t *restrict r, const mp_limb_t *restrict table, size_t count,
               size_t width, size_t idx)
{
    size_t k = 0;

    /* Eight limbs at a time with the accumulators in registers: the scan
     * over a 64 KiB comb table is then about three times faster. */
    for (; k + 8 <= width; k += 8) {
        mp_limb_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        const mp_limb_t *e = table + k;
        for (size_t i = 0; i < count; i++, e += width) {
            mp_limb_t m = ct_eq_mask((mp_limb_t)i, (mp_limb_t)idx);
            a0 |= m & e[0], a1 |= m & e[1], a2 |= m & e[2], a3 |= m & e[3];
            a4 |= m & e[4], a5 |= m & e[5], a6 |= m & e[6], a7 |= m & e[7];
        }
        r[k] = a0, r[k + 1] = a1, r[k + 2] = a2, r[k + 3] = a3;
        r[k + 4] = a4, r[k + 5] = a5, r[k + 6] = a6, r[k + 7] = a7;
    }
    for (; k < width; k++) {
        mp_limb_t a = 0;
        for (size_t i = 0; i < count; i++)
            a |= ct_eq_mask((mp_limb_t)i, (mp_limb_t)idx) & table[i * width + k];
        r[k] = a;
    }
}

int limbs_from_be(mp_limb_t *r, mp_size_t n, const uint8_t *in, size_t len)
{
    size_t cap = (size_t)n * 8;
    uint8_t extra = 0;

    memset(r, 0, (size_t)n * sizeof *r);
    for (size_t i = 0; i < len; i++) {
        size_t pos = len - 1 - i; /* octet index from the least significant */
        if (pos >= cap)
            extra |= in[i];
        else
            r[pos / 8] |= (mp_limb_t)in[i] << (8 * (pos % 8));
    }
    return extra ? -1 : 0;
}

void limbs_to_be(uint8_t *out, size_t len, const mp_limb_t *a, mp_size_t n)
{
    for (size_t i = 0; i < len; i++) {
        size_t pos = len - 1 - i;
        out[i] = pos / 8 < (size_t)n ? (uint8_t)(a[pos / 8] >> (8 * (pos % 8))) : 0;
    }
}

mp_limb_t limbs_lt(const mp_limb_t *a, const mp_limb_t *b, mp_size_t n)
{
    mp_limb_t tmp[MONT_MAXN];
    mp_limb_t bw = mpn_sub_n(tmp, a, b, n);
    ibc_wipe(tmp, sizeof tmp);
    return bw;
}
