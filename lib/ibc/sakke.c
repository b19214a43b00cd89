/* SPDX-License-Identifier: Apache-2.0 */
/* SAKKE, RFC 6508: KMS key pair and RSK issue (6.1.1), RSK validation
 * (6.1.2), encapsulation (6.2.1) and decapsulation (6.2.2), parameter set
 * 1 of RFC 6509.  Identifiers b are octet strings read as big-endian
 * integers; [b]P and b + z use b mod q, while the hash input SSV || b uses
 * the octets as given.
 *
 * Secrets: z (KMS), (b + z)^-1, the RSK, the SSV, r, g^r.  Every scalar
 * multiplication or exponentiation by one of them goes through the
 * constant-time window/comb code (masked lookups); the pairing's loop
 * point is the RSK and its schedule depends on q only; inversions of
 * secret-dependent values are blinded (mont.h).  Public values
 * (b, Z, R) may take variable-time paths.  Secret intermediates are wiped
 * before returning. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sakke_int.h"

/* b = id mod q (public). */
static int load_id(const sakke_params *sp, mp_limb_t b[SN], const uint8_t *id, size_t id_len)
{
    mp_limb_t t[IBC_SAKKE_ID_MAX / 8 + SN + 1], q[IBC_SAKKE_ID_MAX / 8 + 2];
    mp_size_t n;

    if (!id || id_len == 0 || id_len > IBC_SAKKE_ID_MAX)
        return IBC_EINVAL;
    n = (mp_size_t)((id_len + 7) / 8);
    if (n < SN)
        n = SN;
    limbs_from_be(t, n, id, id_len);
    mpn_tdiv_qr(q, b, 0, t, n, sp->q, SN);
    return IBC_OK;
}

/* Q_b = [b]P + Z, affine; refuses O (b = -z mod q).  b and Z are public:
 * variable-time multi-scalar multiplication. */
static int receiver_point(const sakke_params *sp, ec_aff *qb, const mp_limb_t b[SN], const ec_aff *Z)
{
    ec_aff pts[2] = { sp->P, *Z };
    mp_limb_t k[2 * SN] = { 0 };
    ec_jac s;

    mpn_copyi(k, b, SN);
    k[SN] = 1;
    ec_msm_vt(&sp->fp, &s, 2, pts, k, SN);
    return ec_to_aff(&sp->fp, qb, &s, NULL) ? IBC_OK : IBC_EPOINT;
}

/* KMS secret z: 1..128 octets, 2 <= z < q. */
static int load_z(const sakke_params *sp, mp_limb_t z[SN], const uint8_t *in, size_t len)
{
    mp_limb_t two[SN] = { 2 };

    if (!in || len == 0 || len > SBYTES)
        return IBC_EINVAL;
    limbs_from_be(z, SN, in, len);
    if (!limbs_lt(z, sp->q, SN) || limbs_lt(z, two, SN)) {
        ibc_wipe(z, SN * sizeof *z);
        return IBC_ERANGE;
    }
    return IBC_OK;
}

static int mul_gen(const sakke_params *sp, uint8_t out[IBC_SAKKE_POINT_LEN], const mp_limb_t k[SN])
{
    ec_jac j;
    ec_aff a;
    ibc_blind bl;
    int ok;

    ec_mul_ct(sp, &j, &sp->P, k, 1022);
    blind_init(&bl, "sakke [k]P", k, SN * sizeof *k, NULL, 0);
    ok = ec_to_aff(&sp->fp, &a, &j, &bl);
    ibc_wipe(&bl, sizeof bl);
    if (ok)
        ec_encode(sp, out, &a);
    else
        memset(out, 0, IBC_SAKKE_POINT_LEN);
    ibc_wipe(&j, sizeof j);
    ibc_wipe(&a, sizeof a);
    return ok ? IBC_OK : IBC_ERANGE;
}

int ibc_sakke_kms_public(const uint8_t *z, size_t z_len, uint8_t Z[IBC_SAKKE_POINT_LEN])
{
    sakke_params sp;
    mp_limb_t k[SN];
    int rc;

    if (!Z)
        return IBC_EINVAL;
    memset(Z, 0, IBC_SAKKE_POINT_LEN);
    sakke_params_init(&sp);
    rc = load_z(&sp, k, z, z_len);
    if (rc == IBC_OK)
        rc = mul_gen(&sp, Z, k);
    ibc_wipe(k, sizeof k);
    return rc;
}

int ibc_sakke_kms_keygen(ibc_random_fn *rnd, void *rctx,
                         uint8_t z[IBC_SAKKE_SCALAR_LEN], uint8_t Z[IBC_SAKKE_POINT_LEN])
{
    sakke_params sp;
    mp_limb_t k[SN], two[SN] = { 2 };
    int rc = IBC_ENONCE; /* a random source that never lands in range */

    if (!rnd || !z || !Z)
        return IBC_EINVAL;
    memset(Z, 0, IBC_SAKKE_POINT_LEN);
    sakke_params_init(&sp);
    /* Rejection sampling of 1022-bit values: uniform on [2, q-1]; each
     * draw is accepted with probability q / 2^1022 > 1/2. */
    for (int tries = 0; tries < 128; tries++) {
        rnd(rctx, SBYTES, z);
        z[0] &= 0x3f;
        limbs_from_be(k, SN, z, SBYTES);
        if (limbs_lt(k, sp.q, SN) && !limbs_lt(k, two, SN)) {
            rc = mul_gen(&sp, Z, k);
            break;
        }
    }
    if (rc != IBC_OK)
        ibc_wipe(z, IBC_SAKKE_SCALAR_LEN);
    ibc_wipe(k, sizeof k);
    return rc;
}

int ibc_sakke_issue_rsk(const uint8_t *z, size_t z_len, const uint8_t *id, size_t id_len,
                        uint8_t rsk[IBC_SAKKE_POINT_LEN])
{
    sakke_params sp;
    mp_limb_t k[SN], b[SN], inv[SN];
    ibc_blind bl;
    int rc;

    if (!rsk)
        return IBC_EINVAL;
    memset(rsk, 0, IBC_SAKKE_POINT_LEN);
    sakke_params_init(&sp);
    if ((rc = load_id(&sp, b, id, id_len)) != IBC_OK)
        return rc;
    if ((rc = load_z(&sp, k, z, z_len)) != IBC_OK)
        return rc;
    /* (b + z)^-1 mod q: mont_add is a plain modular addition on standard
     * representatives; the inversion is blinded. */
    mont_add(&sp.fq, k, k, b);
    blind_init(&bl, "sakke rsk", k, sizeof k, NULL, 0);
    if (!mod_inv(&sp.fq, inv, k, &bl))
        rc = IBC_ERANGE; /* b = -z mod q: no key for this identifier */
    else
        rc = mul_gen(&sp, rsk, inv);
    if (rc != IBC_OK)
        memset(rsk, 0, IBC_SAKKE_POINT_LEN);
    ibc_wipe(k, sizeof k);
    ibc_wipe(inv, sizeof inv);
    ibc_wipe(&bl, sizeof bl);
    return rc;
}

/* Loads Z and id into Q_b. */
static int load_receiver(const sakke_params *sp, ec_aff *qb, const uint8_t *Z, size_t Z_len,
                         const uint8_t *id, size_t id_len)
{
    mp_limb_t b[SN];
    ec_aff z;
    int rc;

    if ((rc = load_id(sp, b, id, id_len)) != IBC_OK)
        return rc;
    if ((rc = ec_decode(sp, &z, Z, Z_len)) != IBC_OK)
        return rc;
    return receiver_point(sp, qb, b, &z);
}

int ibc_sakke_validate_rsk(const uint8_t *Z, size_t Z_len, const uint8_t *id, size_t id_len,
                           const uint8_t *rsk, size_t rsk_len)
{
    sakke_params sp;
    ec_aff qb, k;
    ibc_blind bl;
    fp_t w;
    int rc;

    sakke_params_init(&sp);
    if ((rc = load_receiver(&sp, &qb, Z, Z_len, id, id_len)) != IBC_OK)
        return rc;
    if ((rc = ec_decode(&sp, &k, rsk, rsk_len)) != IBC_OK)
        return rc;
    /* <[b]P + Z, K_b> == g; the pairing is symmetric on the order-q group,
     * and looping over K_b keeps the schedule independent of it. */
    blind_init(&bl, "sakke rsk check", &k, sizeof k, NULL, 0);
    sakke_pairing(&sp, w, &k, &qb, &bl);
    ibc_wipe(&bl, sizeof bl);
    rc = mont_equal(&sp.fp, w, sp.g) ? IBC_OK : IBC_EVERIFY;
    ibc_wipe(&k, sizeof k);
    ibc_wipe(w, sizeof w);
    return rc;
}

/* Draws or copies the SSV, derives r = HashToIntegerRange(SSV || b, q).
 * r = 0 (probability 2^-1021) makes R = O: a given SSV is refused, a
 * random one redrawn. */
static int pick_ssv(const sakke_params *sp, const uint8_t *ssv_in, ibc_random_fn *rnd, void *rctx,
                    const uint8_t *id, size_t id_len, uint8_t ssv[IBC_SAKKE_SSV_LEN],
                    mp_limb_t r[SN])
{
    for (int tries = 0; tries < 8; tries++) {
        if (ssv_in) {
            if (ssv != ssv_in)
                memcpy(ssv, ssv_in, IBC_SAKKE_SSV_LEN);
        } else if (rnd) {
            rnd(rctx, IBC_SAKKE_SSV_LEN, ssv);
        } else {
            return IBC_EINVAL;
        }
        sakke_hash_q(sp, r, ssv, IBC_SAKKE_SSV_LEN, id, id_len);
        if (!mont_is_zero(&sp->fq, r))
            return IBC_OK;
        if (ssv_in)
            return IBC_ENONCE;
    }
    return IBC_ENONCE;
}

/* H = SSV xor HashToIntegerRange(w, 2^128) for w in PF_p (Montgomery). */
static void mask_ssv(const sakke_params *sp, uint8_t out[IBC_SAKKE_SSV_LEN],
                     const uint8_t in[IBC_SAKKE_SSV_LEN], const fp_t w)
{
    uint8_t wb[SBYTES], mask[16];
    fp_t t;

    mont_from(&sp->fp, t, w);
    limbs_to_be(wb, SBYTES, t, SN);
    sakke_hash_mask(mask, wb, SBYTES);
    for (size_t i = 0; i < IBC_SAKKE_SSV_LEN; i++)
        out[i] = in[i] ^ mask[i];
    ibc_wipe(wb, sizeof wb);
    ibc_wipe(mask, sizeof mask);
    ibc_wipe(t, sizeof t);
}

/* R = [r]Q_b and g^r, with or without precomputed tables. */
static int encap_core(const sakke_params *sp, const ec_aff *qb, const ec_comb *qcomb,
                      const fp2_comb *gcomb, const mp_limb_t r[SN],
                      const uint8_t ssv[IBC_SAKKE_SSV_LEN], uint8_t ed[IBC_SAKKE_ED_LEN])
{
    ec_jac rj;
    ec_aff ra;
    fp2 gr;
    fp_t w;
    ibc_blind bl;
    int ok;

    blind_init(&bl, "sakke encap", r, SN * sizeof *r, NULL, 0);
    if (qcomb)
        ec_comb_mul(sp, &rj, qcomb, r);
    else
        ec_mul_ct(sp, &rj, qb, r, 1022);
    ok = ec_to_aff(&sp->fp, &ra, &rj, &bl);
    ec_encode(sp, ed, &ra);
    if (gcomb)
        fp2_comb_pow(sp, &gr, gcomb, r);
    else
        fp2_gpow(sp, &gr, r);
    ok &= fp2_to_pfp(&sp->fp, w, &gr, &bl);
    mask_ssv(sp, ed + IBC_SAKKE_POINT_LEN, ssv, w);
    ibc_wipe(&rj, sizeof rj);
    ibc_wipe(&gr, sizeof gr);
    ibc_wipe(w, sizeof w);
    ibc_wipe(&bl, sizeof bl);
    return ok ? IBC_OK : IBC_ENONCE;
}

int ibc_sakke_encap(const uint8_t *Z, size_t Z_len, const uint8_t *id, size_t id_len,
                    const uint8_t *ssv_in, ibc_random_fn *rnd, void *rctx,
                    uint8_t ssv[IBC_SAKKE_SSV_LEN], uint8_t ed[IBC_SAKKE_ED_LEN])
{
    sakke_params sp;
    ec_aff qb;
    mp_limb_t r[SN];
    int rc;

    if (!ssv || !ed)
        return IBC_EINVAL;
    memset(ed, 0, IBC_SAKKE_ED_LEN);
    sakke_params_init(&sp);
    rc = load_receiver(&sp, &qb, Z, Z_len, id, id_len);
    if (rc == IBC_OK)
        rc = pick_ssv(&sp, ssv_in, rnd, rctx, id, id_len, ssv, r);
    if (rc == IBC_OK)
        rc = encap_core(&sp, &qb, NULL, NULL, r, ssv, ed);
    if (rc != IBC_OK) {
        memset(ed, 0, IBC_SAKKE_ED_LEN);
        ibc_wipe(ssv, IBC_SAKKE_SSV_LEN);
    }
    ibc_wipe(r, sizeof r);
    return rc;
}

/* Decapsulation after the pairing value w is known: SSV, r, and the check
 * [r]Q_b == R (RFC 6508 6.2.2 step 4). */
static int decap_finish(const sakke_params *sp, const ec_aff *qb, const ec_comb *qcomb,
                        const uint8_t *id, size_t id_len, const ec_aff *R,
                        const uint8_t *H, const fp_t w, uint8_t ssv[IBC_SAKKE_SSV_LEN])
{
    mp_limb_t r[SN];
    ec_jac t;
    mp_limb_t ok;

    mask_ssv(sp, ssv, H, w);
    sakke_hash_q(sp, r, ssv, IBC_SAKKE_SSV_LEN, id, id_len);
    if (qcomb)
        ec_comb_mul(sp, &t, qcomb, r);
    else
        ec_mul_ct(sp, &t, qb, r, 1022);
    ok = ec_equal_aff(&sp->fp, &t, R);
    ibc_wipe(r, sizeof r);
    ibc_wipe(&t, sizeof t);
    if (!ok) {
        ibc_wipe(ssv, IBC_SAKKE_SSV_LEN);
        return IBC_EDECAP;
    }
    return IBC_OK;
}

static int parse_ed(const sakke_params *sp, ec_aff *R, const uint8_t *ed, size_t ed_len)
{
    if (!ed || ed_len != IBC_SAKKE_ED_LEN)
        return IBC_EENCODING;
    return ec_decode(sp, R, ed, IBC_SAKKE_POINT_LEN);
}

int ibc_sakke_decap(const uint8_t *Z, size_t Z_len, const uint8_t *id, size_t id_len,
                    const uint8_t *rsk, size_t rsk_len, const uint8_t *ed, size_t ed_len,
                    uint8_t ssv[IBC_SAKKE_SSV_LEN])
{
    sakke_params sp;
    ec_aff qb, k, R;
    ibc_blind bl;
    fp_t w;
    int rc;

    if (!ssv)
        return IBC_EINVAL;
    memset(ssv, 0, IBC_SAKKE_SSV_LEN);
    sakke_params_init(&sp);
    if ((rc = load_receiver(&sp, &qb, Z, Z_len, id, id_len)) != IBC_OK)
        return rc;
    if ((rc = ec_decode(&sp, &k, rsk, rsk_len)) != IBC_OK)
        return rc;
    if ((rc = parse_ed(&sp, &R, ed, ed_len)) != IBC_OK)
        return rc;
    /* w = <R, K_b>, computed as <K_b, R> (symmetric) so that the secret
     * K_b is the loop point. */
    blind_init(&bl, "sakke decap", &k, sizeof k, ed, IBC_SAKKE_POINT_LEN);
    sakke_pairing(&sp, w, &k, &R, &bl);
    ibc_wipe(&bl, sizeof bl);
    rc = decap_finish(&sp, &qb, NULL, id, id_len, &R, ed + IBC_SAKKE_POINT_LEN, w, ssv);
    ibc_wipe(&k, sizeof k);
    ibc_wipe(w, sizeof w);
    return rc;
}

/* ---- precomputed sender ---- */
struct ibc_sakke_sender {
    sakke_params sp;
    ec_aff qb;
    ec_comb qcomb;
    fp2_comb gcomb;
    size_t id_len;
    uint8_t id[IBC_SAKKE_ID_MAX];
};

int ibc_sakke_sender_new(ibc_sakke_sender **out, const uint8_t *Z, size_t Z_len,
                         const uint8_t *id, size_t id_len)
{
    ibc_sakke_sender *s;
    int rc;

    if (!out)
        return IBC_EINVAL;
    *out = NULL;
    if (!(s = calloc(1, sizeof *s)))
        return IBC_ENOMEM;
    sakke_params_init(&s->sp);
    rc = load_receiver(&s->sp, &s->qb, Z, Z_len, id, id_len);
    if (rc == IBC_OK)
        rc = ec_comb_build(&s->sp, &s->qcomb, &s->qb);
    if (rc == IBC_OK)
        rc = fp2_comb_build(&s->sp, &s->gcomb, s->sp.g);
    if (rc != IBC_OK) {
        free(s);
        return rc;
    }
    memcpy(s->id, id, id_len);
    s->id_len = id_len;
    *out = s;
    return IBC_OK;
}

int ibc_sakke_sender_encap(const ibc_sakke_sender *s, const uint8_t *ssv_in, ibc_random_fn *rnd,
                           void *rctx, uint8_t ssv[IBC_SAKKE_SSV_LEN],
                           uint8_t ed[IBC_SAKKE_ED_LEN])
{
    mp_limb_t r[SN];
    int rc;

    if (!s || !ssv || !ed)
        return IBC_EINVAL;
    memset(ed, 0, IBC_SAKKE_ED_LEN);
    rc = pick_ssv(&s->sp, ssv_in, rnd, rctx, s->id, s->id_len, ssv, r);
    if (rc == IBC_OK)
        rc = encap_core(&s->sp, &s->qb, &s->qcomb, &s->gcomb, r, ssv, ed);
    if (rc != IBC_OK) {
        memset(ed, 0, IBC_SAKKE_ED_LEN);
        ibc_wipe(ssv, IBC_SAKKE_SSV_LEN);
    }
    ibc_wipe(r, sizeof r);
    return rc;
}

void ibc_sakke_sender_free(ibc_sakke_sender *s)
{
    free(s); /* public data only */
}

/* ---- precomputed receiver ---- */
struct ibc_sakke_receiver {
    sakke_params sp;
    ec_aff qb;
    ec_comb qcomb;
    sakke_lines *lines;   /* Miller lines of K_b: secret */
    uint8_t bkey[32];     /* blinding key derived from K_b: secret */
    size_t id_len;
    uint8_t id[IBC_SAKKE_ID_MAX];
};

void ibc_sakke_receiver_free(ibc_sakke_receiver *r)
{
    if (!r)
        return;
    sakke_lines_free(r->lines);
    ibc_wipe(r, sizeof *r);
    free(r);
}

int ibc_sakke_receiver_new(ibc_sakke_receiver **out, const uint8_t *Z, size_t Z_len,
                           const uint8_t *id, size_t id_len, const uint8_t *rsk, size_t rsk_len)
{
    ibc_sakke_receiver *r;
    ec_aff k;
    ibc_blind bl;
    fp_t w;
    int rc;

    if (!out)
        return IBC_EINVAL;
    *out = NULL;
    if (!(r = calloc(1, sizeof *r)))
        return IBC_ENOMEM;
    sakke_params_init(&r->sp);
    rc = load_receiver(&r->sp, &r->qb, Z, Z_len, id, id_len);
    if (rc == IBC_OK)
        rc = ec_decode(&r->sp, &k, rsk, rsk_len);
    if (rc == IBC_OK) {
        blind_init(&bl, "sakke receiver", &k, sizeof k, NULL, 0);
        memcpy(r->bkey, bl.key, sizeof r->bkey);
        blind_init(&bl, "sakke lines", &k, sizeof k, NULL, 0);
        if (!(r->lines = sakke_lines_new(&r->sp, &k, &bl)))
            rc = IBC_ENOMEM;
    }
    if (rc == IBC_OK) {
        /* RFC 6508 6.1.2 with the lines just computed. */
        sakke_pairing_lines(&r->sp, w, r->lines, &r->qb, &bl);
        if (!mont_equal(&r->sp.fp, w, r->sp.g))
            rc = IBC_EVERIFY;
    }
    if (rc == IBC_OK)
        rc = ec_comb_build(&r->sp, &r->qcomb, &r->qb);
    ibc_wipe(&k, sizeof k);
    ibc_wipe(w, sizeof w);
    ibc_wipe(&bl, sizeof bl);
    if (rc != IBC_OK) {
        ibc_sakke_receiver_free(r);
        return rc;
    }
    memcpy(r->id, id, id_len);
    r->id_len = id_len;
    *out = r;
    return IBC_OK;
}

int ibc_sakke_receiver_decap(const ibc_sakke_receiver *r, const uint8_t *ed, size_t ed_len,
                             uint8_t ssv[IBC_SAKKE_SSV_LEN])
{
    ec_aff R;
    ibc_blind bl;
    fp_t w;
    int rc;

    if (!r || !ssv)
        return IBC_EINVAL;
    memset(ssv, 0, IBC_SAKKE_SSV_LEN);
    if ((rc = parse_ed(&r->sp, &R, ed, ed_len)) != IBC_OK)
        return rc;
    blind_init(&bl, "sakke decap", r->bkey, sizeof r->bkey, ed, IBC_SAKKE_POINT_LEN);
    sakke_pairing_lines(&r->sp, w, r->lines, &R, &bl);
    ibc_wipe(&bl, sizeof bl);
    rc = decap_finish(&r->sp, &r->qb, &r->qcomb, r->id, r->id_len, &R,
                      ed + IBC_SAKKE_POINT_LEN, w, ssv);
    ibc_wipe(w, sizeof w);
    return rc;
}
