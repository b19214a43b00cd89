/* SPDX-License-Identifier: Apache-2.0 */
/* NIST P-256 (FIPS 186-4 D.1.2.3), as used by ECCSI (RFC 6507 2.1).
 * Public-point arithmetic runs here in variable time (verification only
 * sees public data); multiplications by secrets go to nettle's
 * ecc_point_mul_g, which is side-channel silent. */
#include "config.h"

#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <string.h>

#include "p256.h"

static const uint8_t P256_P[PBYTES] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
static const uint8_t P256_B[PBYTES] = {
    0x5A, 0xC6, 0x35, 0xD8, 0xAA, 0x3A, 0x93, 0xE7, 0xB3, 0xEB, 0xBD, 0x55, 0x76, 0x98, 0x86, 0xBC,
    0x65, 0x1D, 0x06, 0xB0, 0xCC, 0x53, 0xB0, 0xF6, 0x3B, 0xCE, 0x3C, 0x3E, 0x27, 0xD2, 0x60, 0x4B };
static const uint8_t P256_Q[PBYTES] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51 };
static const uint8_t P256_G[1 + 2 * PBYTES] = {
    0x04,
    0x6B, 0x17, 0xD1, 0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8, 0xBC, 0xE6, 0xE5, 0x63, 0xA4, 0x40, 0xF2,
    0x77, 0x03, 0x7D, 0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4, 0xA1, 0x39, 0x45, 0xD8, 0x98, 0xC2, 0x96,
    0x4F, 0xE3, 0x42, 0xE2, 0xFE, 0x1A, 0x7F, 0x9B, 0x8E, 0xE7, 0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16,
    0x2B, 0xCE, 0x33, 0x57, 0x6B, 0x31, 0x5E, 0xCE, 0xCB, 0xB6, 0x40, 0x68, 0x37, 0xBF, 0x51, 0xF5 };

void p256_init(p256 *c)
{
    mp_limb_t t[PN];

    memset(c, 0, sizeof *c);
    limbs_from_be(t, PN, P256_P, PBYTES);
    mont_init(&c->fp, t, PN);
    limbs_from_be(t, PN, P256_Q, PBYTES);
    mont_init(&c->fq, t, PN);
    limbs_from_be(t, PN, P256_B, PBYTES);
    mont_to(&c->fp, c->b, t);
    limbs_from_be(t, PN, P256_G + 1, PBYTES);
    mont_to(&c->fp, c->G.x, t);
    limbs_from_be(t, PN, P256_G + 1 + PBYTES, PBYTES);
    mont_to(&c->fp, c->G.y, t);
    memcpy(c->g_enc, P256_G, sizeof P256_G);
}

int p256_decode(const p256 *c, ec_aff *r, const uint8_t *in, size_t len)
{
    const mont_ctx *f = &c->fp;
    mp_limb_t x[PN], y[PN];
    fp_t t0, t1;

    if (!in || len != 1 + 2 * PBYTES || in[0] != 0x04)
        return IBC_EENCODING;
    limbs_from_be(x, PN, in + 1, PBYTES);
    limbs_from_be(y, PN, in + 1 + PBYTES, PBYTES);
    if (!limbs_lt(x, f->m, PN) || !limbs_lt(y, f->m, PN))
        return IBC_EENCODING;
    memset(r, 0, sizeof *r);
    mont_to(f, r->x, x);
    mont_to(f, r->y, y);
    /* y^2 == x^3 - 3x + b; O has no 04 || x || y encoding, and (0, 0) is
     * not on P-256 since b != 0. */
    mont_sqr(f, t0, r->x);
    mont_sub(f, t0, t0, f->one);
    mont_sub(f, t0, t0, f->one);
    mont_sub(f, t0, t0, f->one);
    mont_mul(f, t0, t0, r->x);
    mont_add(f, t0, t0, c->b);
    mont_sqr(f, t1, r->y);
    return mont_equal(f, t0, t1) ? IBC_OK : IBC_EPOINT;
}

void p256_encode(const p256 *c, uint8_t out[1 + 2 * PBYTES], const ec_aff *a)
{
    mp_limb_t t[PN];
    out[0] = 0x04;
    mont_from(&c->fp, t, a->x);
    limbs_to_be(out + 1, PBYTES, t, PN);
    mont_from(&c->fp, t, a->y);
    limbs_to_be(out + 1 + PBYTES, PBYTES, t, PN);
}

void p256_msm_vt(const p256 *c, ec_jac *r, size_t n, const ec_aff *pts, const mp_limb_t *k)
{
    ec_msm_vt(&c->fp, r, n, pts, k, PN);
}

int p256_mul_g(const p256 *c, uint8_t out[1 + 2 * PBYTES], const mp_limb_t k[PN])
{
    const struct ecc_curve *curve = nettle_get_secp_256r1();
    struct ecc_scalar s;
    struct ecc_point p;
    mpz_t kz, x, y;
    int rc = IBC_OK;

    (void)c;
    /* A read-only mpz view of k: no GMP allocation holds the secret. */
    mpz_roinit_n(kz, k, PN);
    ecc_scalar_init(&s, curve);
    if (!ecc_scalar_set(&s, kz)) { /* refuses 0 and >= q */
        rc = IBC_ERANGE;
    } else {
        ecc_point_init(&p, curve);
        mpz_init(x);
        mpz_init(y);
        ecc_point_mul_g(&p, &s);
        ecc_point_get(&p, x, y);
        out[0] = 0x04;
        memset(out + 1, 0, 2 * PBYTES);
        /* [k]G is public (KPAK, PVT) or published through r = J_x */
        mpz_export(out + 1 + PBYTES - (mpz_sizeinbase(x, 256)), NULL, 1, 1, 1, 0, x);
        mpz_export(out + 1 + 2 * PBYTES - (mpz_sizeinbase(y, 256)), NULL, 1, 1, 1, 0, y);
        mpz_clear(x);
        mpz_clear(y);
        ecc_point_clear(&p);
    }
    /* nettle's ecc_scalar_clear frees without wiping. */
    ibc_wipe(s.p, (size_t)ecc_size(curve) * sizeof(mp_limb_t));
    ecc_scalar_clear(&s);
    return rc;
}
