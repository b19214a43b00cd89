/* SPDX-License-Identifier: Apache-2.0 */
/* ECCSI, RFC 6507: KMS key pair, SSK/PVT issue (5.1.1), SSK validation
 * (5.1.2), signing (5.2.1) and verification (5.2.2) over NIST P-256 with
 * SHA-256 (N = 32).
 *
 *   HS = hash(G || KPAK || ID || PVT)      (points as 04 || x || y)
 *   SSK = KSAK + HS v mod q,  PVT = [v]G
 *   sign: J = [j]G, r = J_x, HE = hash(HS || r || M),
 *         s = (HE + r SSK)^-1 j mod q,  Signature = r || s || PVT
 *   verify: J = [s]([HE]G + [r]([HS]PVT + KPAK)); accept iff J_x = r
 *
 * Secrets (KSAK, v, SSK, j) only meet nettle's constant-time
 * ecc_point_mul_g and Montgomery arithmetic mod q (no value-dependent
 * branches; the one inversion is blinded).  Verification handles public
 * data only and runs in variable time.  The verifier refuses r, s outside
 * [1, q-1] before any arithmetic (a verifier that skips this accepts
 * r = s = 0 for every message), derives HS from the PVT inside the
 * signature, and checks the PVT is on the curve. */
#include "config.h"

#include <nettle/sha2.h>
#include <string.h>

#include "p256.h"

/* A scalar of exactly 32 octets in [1, q-1]. */
static int load_scalar(const p256 *c, mp_limb_t r[PN], const uint8_t *in, size_t len)
{
    if (!in || len != PBYTES)
        return IBC_EENCODING;
    limbs_from_be(r, PN, in, PBYTES);
    if (mont_is_zero(&c->fq, r) || !limbs_lt(r, c->fq.m, PN)) {
        ibc_wipe(r, PN * sizeof *r);
        return IBC_ERANGE;
    }
    return IBC_OK;
}

/* Draws or copies a nonce in [1, q-1] (rejection sampling). */
static int pick_nonce(const p256 *c, mp_limb_t k[PN], const uint8_t *given,
                      ibc_random_fn *rnd, void *rctx)
{
    uint8_t buf[PBYTES];

    if (given)
        return load_scalar(c, k, given, PBYTES) == IBC_OK ? IBC_OK : IBC_ENONCE;
    if (!rnd)
        return IBC_EINVAL;
    for (int tries = 0; tries < 64; tries++) {
        rnd(rctx, sizeof buf, buf);
        if (load_scalar(c, k, buf, sizeof buf) == IBC_OK) {
            ibc_wipe(buf, sizeof buf);
            return IBC_OK;
        }
    }
    ibc_wipe(buf, sizeof buf);
    return IBC_ENONCE; /* a random source stuck at >= q */
}

static void hash_hs(const p256 *c, uint8_t hs[IBC_ECCSI_HASH_LEN], const uint8_t *kpak,
                    const uint8_t *id, size_t id_len, const uint8_t *pvt)
{
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, sizeof c->g_enc, c->g_enc);
    sha256_update(&h, IBC_ECCSI_POINT_LEN, kpak);
    sha256_update(&h, id_len, id);
    sha256_update(&h, IBC_ECCSI_POINT_LEN, pvt);
    sha256_digest(&h, IBC_ECCSI_HASH_LEN, hs);
}

static void hash_he(uint8_t he[IBC_ECCSI_HASH_LEN], const uint8_t *hs, const uint8_t *r,
                    const uint8_t *msg, size_t msg_len)
{
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, IBC_ECCSI_HASH_LEN, hs);
    sha256_update(&h, PBYTES, r);
    if (msg_len)
        sha256_update(&h, msg_len, msg);
    sha256_digest(&h, IBC_ECCSI_HASH_LEN, he);
}

/* x y mod q for x < q and y < 2^256, in standard form: REDC(xR * y). */
static void mulmod_q(const p256 *c, mp_limb_t r[PN], const mp_limb_t x[PN], const mp_limb_t y[PN])
{
    fp_t xm;
    mont_to(&c->fq, xm, x);
    mont_mul(&c->fq, r, xm, y);
    ibc_wipe(xm, sizeof xm);
}

int ibc_eccsi_kms_public(const uint8_t *ksak, size_t ksak_len, uint8_t kpak[IBC_ECCSI_POINT_LEN])
{
    p256 c;
    mp_limb_t k[PN];
    int rc;

    if (!kpak)
        return IBC_EINVAL;
    memset(kpak, 0, IBC_ECCSI_POINT_LEN);
    p256_init(&c);
    if ((rc = load_scalar(&c, k, ksak, ksak_len)) == IBC_OK)
        rc = p256_mul_g(&c, kpak, k);
    ibc_wipe(k, sizeof k);
    return rc;
}

int ibc_eccsi_kms_keygen(ibc_random_fn *rnd, void *rctx, uint8_t ksak[IBC_ECCSI_SCALAR_LEN],
                         uint8_t kpak[IBC_ECCSI_POINT_LEN])
{
    p256 c;
    mp_limb_t k[PN];
    int rc;

    if (!rnd || !ksak || !kpak)
        return IBC_EINVAL;
    memset(kpak, 0, IBC_ECCSI_POINT_LEN);
    p256_init(&c);
    rc = pick_nonce(&c, k, NULL, rnd, rctx);
    if (rc == IBC_OK)
        rc = p256_mul_g(&c, kpak, k);
    limbs_to_be(ksak, PBYTES, k, PN);
    if (rc != IBC_OK)
        ibc_wipe(ksak, IBC_ECCSI_SCALAR_LEN);
    ibc_wipe(k, sizeof k);
    return rc;
}

int ibc_eccsi_issue(const uint8_t *ksak, size_t ksak_len, const uint8_t *kpak, size_t kpak_len,
                    const uint8_t *id, size_t id_len, const uint8_t *v, ibc_random_fn *rnd,
                    void *rctx, uint8_t ssk[IBC_ECCSI_SCALAR_LEN],
                    uint8_t pvt[IBC_ECCSI_POINT_LEN], uint8_t hs[IBC_ECCSI_HASH_LEN])
{
    p256 c;
    mp_limb_t k[PN], vk[PN], h[PN], t[PN];
    uint8_t hsb[IBC_ECCSI_HASH_LEN], check[IBC_ECCSI_POINT_LEN];
    ec_aff kp;
    int rc;

    if (!ssk || !pvt || (!id && id_len))
        return IBC_EINVAL;
    memset(ssk, 0, IBC_ECCSI_SCALAR_LEN);
    memset(pvt, 0, IBC_ECCSI_POINT_LEN);
    if (hs)
        memset(hs, 0, IBC_ECCSI_HASH_LEN);
    p256_init(&c);
    if ((rc = p256_decode(&c, &kp, kpak, kpak_len)) != IBC_OK)
        return rc;
    if ((rc = load_scalar(&c, k, ksak, ksak_len)) != IBC_OK)
        return rc;
    /* A KPAK that is not [KSAK]G would make every SSK fail validation. */
    if ((rc = p256_mul_g(&c, check, k)) == IBC_OK && memcmp(check, kpak, sizeof check) != 0)
        rc = IBC_EINVAL;
    for (int tries = 0; rc == IBC_OK && tries < 8; tries++) {
        if ((rc = pick_nonce(&c, vk, v, rnd, rctx)) != IBC_OK)
            break;
        if ((rc = p256_mul_g(&c, pvt, vk)) != IBC_OK)
            break;
        hash_hs(&c, hsb, kpak, id, id_len, pvt);
        limbs_from_be(h, PN, hsb, sizeof hsb);
        /* SSK = KSAK + HS v mod q */
        mulmod_q(&c, t, vk, h);
        mont_add(&c.fq, t, t, k);
        if (!mont_is_zero(&c.fq, t))
            break;
        rc = v ? IBC_ENONCE : IBC_OK; /* SSK = 0: choose another v */
        if (tries == 7)
            rc = IBC_ENONCE;
    }
    if (rc == IBC_OK) {
        limbs_to_be(ssk, PBYTES, t, PN);
        if (hs)
            memcpy(hs, hsb, sizeof hsb);
    } else {
        memset(pvt, 0, IBC_ECCSI_POINT_LEN);
    }
    ibc_wipe(k, sizeof k);
    ibc_wipe(vk, sizeof vk);
    ibc_wipe(t, sizeof t);
    return rc;
}

int ibc_eccsi_validate(const uint8_t *kpak, size_t kpak_len, const uint8_t *id, size_t id_len,
                       const uint8_t *ssk, size_t ssk_len, const uint8_t *pvt, size_t pvt_len,
                       uint8_t hs[IBC_ECCSI_HASH_LEN])
{
    p256 c;
    ec_aff kp, pv, pts[2], ya;
    mp_limb_t k[PN], sc[2 * PN];
    uint8_t hsb[IBC_ECCSI_HASH_LEN], lhs[IBC_ECCSI_POINT_LEN], rhs[IBC_ECCSI_POINT_LEN];
    ec_jac y;
    int rc;

    if (hs)
        memset(hs, 0, IBC_ECCSI_HASH_LEN);
    if (!id && id_len)
        return IBC_EINVAL;
    p256_init(&c);
    if ((rc = p256_decode(&c, &kp, kpak, kpak_len)) != IBC_OK)
        return rc;
    if ((rc = p256_decode(&c, &pv, pvt, pvt_len)) != IBC_OK)
        return rc;
    if ((rc = load_scalar(&c, k, ssk, ssk_len)) != IBC_OK)
        return rc;
    hash_hs(&c, hsb, kpak, id, id_len, pvt);
    rc = p256_mul_g(&c, lhs, k);
    ibc_wipe(k, sizeof k);
    if (rc != IBC_OK)
        return rc;
    /* [HS]PVT + KPAK: public */
    pts[0] = pv;
    pts[1] = kp;
    limbs_from_be(sc, PN, hsb, sizeof hsb);
    memset(sc + PN, 0, PN * sizeof *sc);
    sc[PN] = 1;
    p256_msm_vt(&c, &y, 2, pts, sc);
    if (!ec_to_aff(&c.fp, &ya, &y, NULL))
        return IBC_EVERIFY;
    p256_encode(&c, rhs, &ya);
    if (memcmp(lhs, rhs, sizeof lhs) != 0)
        return IBC_EVERIFY;
    if (hs)
        memcpy(hs, hsb, sizeof hsb);
    return IBC_OK;
}

int ibc_eccsi_sign(const uint8_t *kpak, size_t kpak_len, const uint8_t *id, size_t id_len,
                   const uint8_t *ssk, size_t ssk_len, const uint8_t *pvt, size_t pvt_len,
                   const uint8_t *msg, size_t msg_len, const uint8_t *j, ibc_random_fn *rnd,
                   void *rctx, uint8_t sig[IBC_ECCSI_SIG_LEN])
{
    p256 c;
    ec_aff tmp;
    mp_limb_t sk[PN], jk[PN], r[PN], he[PN], zero[PN] = { 0 };
    fp_t t, u;
    uint8_t hs[IBC_ECCSI_HASH_LEN], heb[IBC_ECCSI_HASH_LEN], jp[IBC_ECCSI_POINT_LEN];
    int rc;

    if (!sig || (!msg && msg_len) || (!id && id_len))
        return IBC_EINVAL;
    memset(sig, 0, IBC_ECCSI_SIG_LEN);
    p256_init(&c);
    if ((rc = p256_decode(&c, &tmp, kpak, kpak_len)) != IBC_OK)
        return rc;
    if ((rc = p256_decode(&c, &tmp, pvt, pvt_len)) != IBC_OK)
        return rc;
    if ((rc = load_scalar(&c, sk, ssk, ssk_len)) != IBC_OK)
        return rc;
    hash_hs(&c, hs, kpak, id, id_len, pvt);
    for (int tries = 0; tries < 8; tries++) {
        if ((rc = pick_nonce(&c, jk, j, rnd, rctx)) != IBC_OK)
            break;
        if ((rc = p256_mul_g(&c, jp, jk)) != IBC_OK)
            break;
        rc = IBC_ENONCE;
        /* r = J_x must be a valid verifier input, i.e. below q (J_x >= q
         * has probability 2^-32 * 2^-96); r = 0 cannot occur. */
        limbs_from_be(r, PN, jp + 1, PBYTES);
        if (limbs_lt(r, c.fq.m, PN)) {
            hash_he(heb, hs, jp + 1, msg, msg_len);
            limbs_from_be(he, PN, heb, sizeof heb);
            /* HE + r SSK mod q (HE < 2^256 < 2q: one reduction) */
            mont_add(&c.fq, he, he, zero);
            mulmod_q(&c, t, r, sk);
            mont_add(&c.fq, t, t, he);
            /* s = (HE + r SSK)^-1 j; a zero sum means another j */
            ibc_blind bl;
            blind_init(&bl, "eccsi sign", sk, sizeof sk, jk, sizeof jk);
            int inv_ok = mod_inv(&c.fq, u, t, &bl);
            ibc_wipe(&bl, sizeof bl);
            if (inv_ok) {
                mulmod_q(&c, t, u, jk);
                limbs_to_be(sig, PBYTES, r, PN);
                limbs_to_be(sig + PBYTES, PBYTES, t, PN);
                memcpy(sig + 2 * PBYTES, pvt, IBC_ECCSI_POINT_LEN);
                rc = IBC_OK;
            }
        }
        if (rc == IBC_OK || j)
            break;
    }
    ibc_wipe(u, sizeof u);
    ibc_wipe(sk, sizeof sk);
    ibc_wipe(jk, sizeof jk);
    ibc_wipe(t, sizeof t);
    return rc;
}

int ibc_eccsi_verify(const uint8_t *kpak, size_t kpak_len, const uint8_t *id, size_t id_len,
                     const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len)
{
    p256 c;
    ec_aff pts[3];
    mp_limb_t r[PN], s[PN], h[PN], sc[3 * PN];
    uint8_t hs[IBC_ECCSI_HASH_LEN], heb[IBC_ECCSI_HASH_LEN];
    const uint8_t *pvt;
    ec_jac J;
    fp_t rz, z2;
    int rc;

    if ((!msg && msg_len) || (!id && id_len))
        return IBC_EINVAL;
    if (!sig || sig_len != IBC_ECCSI_SIG_LEN)
        return IBC_EENCODING;
    p256_init(&c);
    /* 5.2.2 preliminaries: r, s in [1, q-1]; PVT and KPAK on the curve. */
    if ((rc = load_scalar(&c, r, sig, PBYTES)) != IBC_OK)
        return rc;
    if ((rc = load_scalar(&c, s, sig + PBYTES, PBYTES)) != IBC_OK)
        return rc;
    pvt = sig + 2 * PBYTES;
    if ((rc = p256_decode(&c, &pts[1], pvt, IBC_ECCSI_POINT_LEN)) != IBC_OK)
        return rc;
    if ((rc = p256_decode(&c, &pts[2], kpak, kpak_len)) != IBC_OK)
        return rc;
    /* HS from this PVT, never a cached one. */
    hash_hs(&c, hs, kpak, id, id_len, pvt);
    hash_he(heb, hs, sig, msg, msg_len);
    /* J = [s]([HE]G + [r]([HS]PVT + KPAK))
     *   = [s HE]G + [s r HS]PVT + [s r]KPAK: one interleaved multi-scalar
     * multiplication instead of three.  (Y = [HS]PVT + KPAK = O would need
     * a PVT solving an equation through its own hash.) */
    pts[0] = c.G;
    limbs_from_be(h, PN, heb, sizeof heb);
    mulmod_q(&c, sc, s, h);                 /* s HE */
    mulmod_q(&c, sc + 2 * PN, s, r);        /* s r */
    limbs_from_be(h, PN, hs, sizeof hs);
    mulmod_q(&c, sc + PN, sc + 2 * PN, h);  /* s r HS */
    p256_msm_vt(&c, &J, 3, pts, sc);
    /* Accept iff J != O and J_x = r (r < q < p), compared projectively:
     * X == r Z^2. */
    if (mont_is_zero(&c.fp, J.z))
        return IBC_EVERIFY;
    mont_to(&c.fp, rz, r);
    mont_sqr(&c.fp, z2, J.z);
    mont_mul(&c.fp, rz, rz, z2);
    return mont_equal(&c.fp, rz, J.x) ? IBC_OK : IBC_EVERIFY;
}
