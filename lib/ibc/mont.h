/* SPDX-License-Identifier: Apache-2.0 */
/* Montgomery arithmetic modulo an odd n-limb modulus on GMP's mpn layer,
 * used for the 1024-bit SAKKE field and the scalar fields.  Elements are
 * fixed-size n-limb arrays, fully reduced (< m).  Every routine runs in
 * time independent of the values: multiplication is mpn_sec_mul (GMP's
 * basecase, never the sign-dependent Toom paths) followed by word-by-word
 * REDC (GMP's mpn_addmul_1, or for 16 limbs on x86-64 CPUs with BMI2/ADX
 * an inline MULX/ADCX/ADOX row, about 20% faster) with a masked final
 * subtraction; there are no value-dependent branches or table indices. */
#ifndef IBC_MONT_H
#define IBC_MONT_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#define MONT_MAXN 16

typedef struct mont_ctx {
    mp_size_t n;
    unsigned bits;             /* bit length of m */
    mp_limb_t m[MONT_MAXN];
    mp_limb_t minv;            /* -m^-1 mod 2^64 */
    mp_limb_t one[MONT_MAXN];  /* R mod m, R = 2^(64 n) */
    mp_limb_t r2[MONT_MAXN];   /* R^2 mod m */
    int adx;                   /* 16 limbs on a CPU with MULX/ADX: asm REDC */
} mont_ctx;

/* m odd, m[n-1] != 0. */
void mont_init(mont_ctx *c, const mp_limb_t *m, mp_size_t n);

void mont_mul(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b);
void mont_sqr(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a);
void mont_add(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b);
void mont_sub(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b);
void mont_neg(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a);
/* r = t * R^-1 mod m for a 2n-limb t < m R (t is clobbered). */
void mont_redc(const mont_ctx *c, mp_limb_t *r, mp_limb_t *t);
/* Standard <-> Montgomery form; the input of mont_to must be < m. */
void mont_to(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a);
void mont_from(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a);
/* Secret-dependent inversions are blinded: a*beta with a fresh secret
 * pseudo-random beta is inverted by GMP's (fast, variable-time) GCD.  The
 * blinding stream is keyed by a hash of secret material of the operation
 * (like deterministic nonces), so no random source is needed. */
typedef struct ibc_blind {
    uint8_t key[32];
    uint32_t ctr;
} ibc_blind;
/* key = SHA-256(tag || secret || pub) */
void blind_init(ibc_blind *b, const char *tag, const void *secret, size_t slen,
                const void *pub, size_t plen);
/* beta in [1, 2^(bits(m) - 1)), standard form */
void blind_draw(ibc_blind *b, const mont_ctx *c, mp_limb_t *beta);

/* r = a^-1 in Montgomery form (mont_inv) or standard form (mod_inv);
 * bl = NULL for public a (no blinding).  Returns 0, r = 0, for a = 0. */
int mont_inv(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, ibc_blind *bl);
int mod_inv(const mont_ctx *c, mp_limb_t *r, const mp_limb_t *a, ibc_blind *bl);

/* All-ones mask if a == 0 (resp. a == b), else 0; constant time. */
mp_limb_t mont_is_zero(const mont_ctx *c, const mp_limb_t *a);
mp_limb_t mont_equal(const mont_ctx *c, const mp_limb_t *a, const mp_limb_t *b);

/* ---- limb helpers shared by the library (constant time) ---- */
/* r = mask ? a : r (mask all-ones or 0). */
static inline void ct_cmov(mp_limb_t *r, const mp_limb_t *a, mp_size_t n, mp_limb_t mask)
{
    for (mp_size_t i = 0; i < n; i++)
        r[i] ^= mask & (r[i] ^ a[i]);
}
/* all-ones if x == 0 */
static inline mp_limb_t ct_zero_mask(mp_limb_t x)
{
    return ((x | (0 - x)) >> 63) - 1;
}
/* all-ones if x == y */
static inline mp_limb_t ct_eq_mask(mp_limb_t x, mp_limb_t y)
{
    return ct_zero_mask(x ^ y);
}
/* Bit number bit of the n-limb k (0 past the end); the position is public. */
static inline mp_limb_t limb_bit(const mp_limb_t *k, mp_size_t n, unsigned long bit)
{
    return bit < 64 * (unsigned long)n ? (k[bit / 64] >> (bit % 64)) & 1 : 0;
}

/* Booth (signed) digit i of the n-limb k for windows of w bits:
 * d = b[wi-1] + bits[wi .. wi+w-2] - 2^(w-1) b[wi+w-1], b[-1] = 0, so that
 * k = sum d_i 2^(wi) once the top window's sign bit is 0.  Returns |d|
 * (<= 2^(w-1)) and sets *neg to all-ones when d < 0.  The bit positions
 * are public; the digit is computed without branches. */
static inline mp_limb_t booth_digit(const mp_limb_t *k, mp_size_t n, unsigned w, unsigned i,
                                    mp_limb_t *neg)
{
    mp_limb_t s = 0;
    for (unsigned j = 0; j <= w; j++) {
        unsigned long bit = (unsigned long)w * i + j; /* position + 1 */
        if (bit == 0 || bit - 1 >= 64 * (unsigned long)n)
            continue;
        s |= ((k[(bit - 1) / 64] >> ((bit - 1) % 64)) & 1) << j;
    }
    /* d = ((s + 1) >> 1) - 2^w (s >> w) */
    mp_limb_t d = ((s + 1) >> 1) - ((s >> w) << w);
    mp_limb_t m = 0 - (d >> 63);
    *neg = m;
    return (d ^ m) - m;
}

/* r = table[idx] for entries of width limbs; reads every entry. */
void ct_lookup(mp_limb_t *restrict r, const mp_limb_t *restrict table, size_t count,
               size_t width, size_t idx);

/* Big-endian octets <-> n limbs.  limbs_from_be refuses (returns -1) an
 * input with more significant octets than fit. */
int limbs_from_be(mp_limb_t *r, mp_size_t n, const uint8_t *in, size_t len);
void limbs_to_be(uint8_t *out, size_t len, const mp_limb_t *a, mp_size_t n);
/* Constant-time a < b as a 0/1 limb. */
mp_limb_t limbs_lt(const mp_limb_t *a, const mp_limb_t *b, mp_size_t n);

/* Wipes secrets; not optimised away. */
void ibc_wipe(void *p, size_t len);

#endif /* IBC_MONT_H */
