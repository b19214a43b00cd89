/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for lib/ibc: ECCSI (RFC 6507) and SAKKE (RFC 6508, RFC 6509
 * parameter set 1).  Known answers from RFC 6507 Appendix A and RFC 6508
 * Appendix A reproduced bit for bit from both the KMS and the user side,
 * a real MIKEY-SAKKE I_MESSAGE from another implementation, refusals of
 * every kind of malformed or forged input, and randomized round trips. */
#include <check.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibc.h"
#include "sakke_int.h" /* internals: the compiled-in table for g */

/* ------------------------------------------------------------------ */
/* Helpers */

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = strlen(hex) / 2;
    ck_assert_uint_le(n, cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

#define ck_assert_mem_hex(buf, hex)                                     \
    do {                                                                \
        uint8_t exp_[512];                                              \
        size_t n_ = unhex(exp_, sizeof exp_, hex);                      \
        ck_assert_mem_eq((buf), exp_, n_);                              \
    } while (0)

/* Deterministic test randomness: SHA-256(seed || counter) blocks. */
struct drbg {
    uint64_t seed, ctr;
};

static void drbg_fill(void *ctx, size_t len, uint8_t *out)
{
    struct drbg *d = ctx;
    while (len) {
        uint8_t in[16], blk[SHA256_DIGEST_SIZE];
        struct sha256_ctx h;
        memcpy(in, &d->seed, 8);
        memcpy(in + 8, &d->ctr, 8);
        d->ctr++;
        sha256_init(&h);
        sha256_update(&h, sizeof in, in);
        sha256_digest(&h, sizeof blk, blk);
        size_t n = len < sizeof blk ? len : sizeof blk;
        memcpy(out, blk, n);
        out += n;
        len -= n;
    }
}

/* A random source that always returns 0xFF: every draw is out of range. */
static void rand_ff(void *ctx, size_t len, uint8_t *out)
{
    (void)ctx;
    memset(out, 0xff, len);
}

/* ------------------------------------------------------------------ */
/* RFC 6507 Appendix A */

static const char E_KPAK[] =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93"
    "DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217F4";
static const char E_ID[] = "323031312D30320074656C3A2B34343737303039303031323300";
static const char E_PVT[] =
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9"
    "A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F79";
static const char E_HS[] = "490F3FEBBC1C902F6289723D7F8CBF79DB88930849D19F38F0295B5C276C14D1";
static const char E_SSK[] = "23F374AE1F4033F3E9DBDDAAEF20F4CF0B86BBD5A138A5AE9E7E006B34489A0D";
static const char E_M[] = "6D65737361676500";
static const char E_SIG[] =
    "269D4C8FDEB66A74E4EF8C0D5DCC597DDFE6029C2AFFC4936008CD2CC1045D81"
    "E09B528D0EF8D6DF1AA3ECBF80110CFCEC9FC68252CEBB679F4134846940CCFD"
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9"
    "A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F79";
static const char P256_Q[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
static const char P256_P[] = "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF";

static uint8_t e_ksak[32], e_v[32], e_j[32], e_kpak[65], e_pvt[65], e_ssk[32], e_sig[129];
static uint8_t e_id[64], e_m[16];
static size_t e_id_len, e_m_len;

static void eccsi_setup(void)
{
    memset(e_ksak, 0, 32);
    memset(e_v, 0, 32);
    memset(e_j, 0, 32);
    e_ksak[29] = 0x01, e_ksak[30] = 0x23, e_ksak[31] = 0x45; /* 0x12345 */
    e_v[29] = 0x02, e_v[30] = 0x34, e_v[31] = 0x56;          /* 0x23456 */
    e_j[29] = 0x03, e_j[30] = 0x45, e_j[31] = 0x67;          /* 0x34567 */
    unhex(e_kpak, sizeof e_kpak, E_KPAK);
    unhex(e_pvt, sizeof e_pvt, E_PVT);
    unhex(e_ssk, sizeof e_ssk, E_SSK);
    unhex(e_sig, sizeof e_sig, E_SIG);
    e_id_len = unhex(e_id, sizeof e_id, E_ID);
    e_m_len = unhex(e_m, sizeof e_m, E_M);
}

static int verify_sig(const uint8_t *sig, size_t len)
{
    return ibc_eccsi_verify(e_kpak, 65, e_id, e_id_len, e_m, e_m_len, sig, len);
}

START_TEST(eccsi_rfc6507_kms_side)
{
    uint8_t kpak[65], ssk[32], pvt[65], hs[32];

    ck_assert_int_eq(ibc_eccsi_kms_public(e_ksak, 32, kpak), IBC_OK);
    ck_assert_mem_hex(kpak, E_KPAK);
    ck_assert_int_eq(ibc_eccsi_issue(e_ksak, 32, kpak, 65, e_id, e_id_len, e_v, NULL, NULL,
                                     ssk, pvt, hs), IBC_OK);
    ck_assert_mem_hex(pvt, E_PVT);
    ck_assert_mem_hex(ssk, E_SSK);
    ck_assert_mem_hex(hs, E_HS);
}
END_TEST

START_TEST(eccsi_rfc6507_user_side)
{
    uint8_t hs[32], sig[129];

    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, e_ssk, 32, e_pvt, 65, hs),
                     IBC_OK);
    ck_assert_mem_hex(hs, E_HS);
    ck_assert_int_eq(ibc_eccsi_sign(e_kpak, 65, e_id, e_id_len, e_ssk, 32, e_pvt, 65, e_m,
                                    e_m_len, e_j, NULL, NULL, sig), IBC_OK);
    ck_assert_mem_hex(sig, E_SIG);
    ck_assert_int_eq(verify_sig(e_sig, 129), IBC_OK);
}
END_TEST

START_TEST(eccsi_flipped_bits)
{
    uint8_t sig[129];
    /* Every single-bit change of r, s or PVT is refused. */
    for (size_t bit = 0; bit < 129 * 8; bit++) {
        memcpy(sig, e_sig, sizeof sig);
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_msg(verify_sig(sig, 129) != IBC_OK, "bit %zu accepted", bit);
    }
    /* and of the message, identity and KPAK */
    uint8_t m[16], id[64], kpak[65];
    for (size_t bit = 0; bit < e_m_len * 8; bit++) {
        memcpy(m, e_m, e_m_len);
        m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_int_ne(ibc_eccsi_verify(e_kpak, 65, e_id, e_id_len, m, e_m_len, e_sig, 129),
                         IBC_OK);
    }
    for (size_t bit = 0; bit < e_id_len * 8; bit += 3) {
        memcpy(id, e_id, e_id_len);
        id[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_int_ne(ibc_eccsi_verify(e_kpak, 65, id, e_id_len, e_m, e_m_len, e_sig, 129),
                         IBC_OK);
    }
    for (size_t bit = 8; bit < 65 * 8; bit += 7) {
        memcpy(kpak, e_kpak, 65);
        kpak[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_int_ne(ibc_eccsi_verify(kpak, 65, e_id, e_id_len, e_m, e_m_len, e_sig, 129),
                         IBC_OK);
    }
}
END_TEST

START_TEST(eccsi_out_of_range_r_s)
{
    uint8_t sig[129], q[32], p[32];
    unhex(q, sizeof q, P256_Q);
    unhex(p, sizeof p, P256_P);

    /* r = s = 0 with a valid PVT: refused for any message */
    static const char *msgs[] = { "", "message", "another message", "\x01\x02" };
    memcpy(sig, e_sig, sizeof sig);
    memset(sig, 0, 64);
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
        ck_assert_int_eq(ibc_eccsi_verify(e_kpak, 65, e_id, e_id_len, (const uint8_t *)msgs[i],
                                          strlen(msgs[i]), sig, 129), IBC_ERANGE);
    /* r = 0 */
    memcpy(sig, e_sig, sizeof sig);
    memset(sig, 0, 32);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_ERANGE);
    /* s = 0 */
    memcpy(sig, e_sig, sizeof sig);
    memset(sig + 32, 0, 32);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_ERANGE);
    /* r = q, s = q, r = p, r = 2^256 - 1, r + q (same value mod q) */
    memcpy(sig, e_sig, sizeof sig);
    memcpy(sig, q, 32);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_ERANGE);
    memcpy(sig, e_sig, sizeof sig);
    memcpy(sig + 32, q, 32);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_ERANGE);
    memcpy(sig, e_sig, sizeof sig);
    memcpy(sig, p, 32);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_ERANGE);
    memcpy(sig, e_sig, sizeof sig);
    memset(sig, 0xff, 32);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_ERANGE);
    /* s + q fits in 256 bits (s < 2^256 - q): the same s mod q must not pass */
    memcpy(sig, e_sig, sizeof sig);
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned v = sig[32 + i] + q[i] + carry;
        sig[32 + i] = (uint8_t)v;
        carry = v >> 8;
    }
    if (!carry)
        ck_assert_int_eq(verify_sig(sig, 129), IBC_ERANGE);
    /* s -> q - s gives J -> -J with the same x-coordinate: RFC 6507
     * signatures are malleable in s (its 5.2.1 even emits q - s'), so this
     * must verify like the original. */
    memcpy(sig, e_sig, sizeof sig);
    unsigned borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int v = (int)q[i] - (int)e_sig[32 + i] - (int)borrow;
        borrow = v < 0;
        sig[32 + i] = (uint8_t)(v + (borrow ? 256 : 0));
    }
    ck_assert_int_eq(verify_sig(sig, 129), IBC_OK);
}
END_TEST

START_TEST(eccsi_bad_points_and_sizes)
{
    uint8_t sig[130], kpak[66];

    /* PVT off the curve */
    memcpy(sig, e_sig, 129);
    sig[128] ^= 1;
    ck_assert_int_eq(verify_sig(sig, 129), IBC_EPOINT);
    /* PVT "at infinity": all-zero coordinates, and a zero encoding */
    memcpy(sig, e_sig, 129);
    memset(sig + 65, 0, 64);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_EPOINT);
    memset(sig + 64, 0, 65);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_EENCODING);
    /* compressed-point prefixes and a missing prefix */
    memcpy(sig, e_sig, 129);
    sig[64] = 0x02;
    ck_assert_int_eq(verify_sig(sig, 129), IBC_EENCODING);
    sig[64] = 0x03;
    ck_assert_int_eq(verify_sig(sig, 129), IBC_EENCODING);
    /* PVT x >= p */
    memcpy(sig, e_sig, 129);
    unhex(sig + 65, 32, P256_P);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_EENCODING);
    /* truncated and overlong signatures */
    memcpy(sig, e_sig, 129);
    sig[129] = 0;
    ck_assert_int_eq(verify_sig(sig, 128), IBC_EENCODING);
    ck_assert_int_eq(verify_sig(sig, 130), IBC_EENCODING);
    ck_assert_int_eq(verify_sig(sig, 0), IBC_EENCODING);
    ck_assert_int_eq(verify_sig(NULL, 129), IBC_EENCODING);
    /* KPAK of the wrong size or off the curve */
    memcpy(kpak, e_kpak, 65);
    kpak[65] = 0;
    ck_assert_int_eq(ibc_eccsi_verify(kpak, 64, e_id, e_id_len, e_m, e_m_len, e_sig, 129),
                     IBC_EENCODING);
    ck_assert_int_eq(ibc_eccsi_verify(kpak, 66, e_id, e_id_len, e_m, e_m_len, e_sig, 129),
                     IBC_EENCODING);
    kpak[64] ^= 0x10;
    ck_assert_int_eq(ibc_eccsi_verify(kpak, 65, e_id, e_id_len, e_m, e_m_len, e_sig, 129),
                     IBC_EPOINT);
    /* wrong identity: a prefix, and one more octet */
    ck_assert_int_eq(ibc_eccsi_verify(e_kpak, 65, e_id, e_id_len - 1, e_m, e_m_len, e_sig, 129),
                     IBC_EVERIFY);
    uint8_t id2[64];
    memcpy(id2, e_id, e_id_len);
    id2[e_id_len] = 0;
    ck_assert_int_eq(ibc_eccsi_verify(e_kpak, 65, id2, e_id_len + 1, e_m, e_m_len, e_sig, 129),
                     IBC_EVERIFY);
    /* a valid signature whose PVT was swapped for another valid point */
    memcpy(sig, e_sig, 129);
    memcpy(sig + 64, e_kpak, 65);
    ck_assert_int_eq(verify_sig(sig, 129), IBC_EVERIFY);
}
END_TEST

START_TEST(eccsi_validate_refusals)
{
    uint8_t ssk[33], pvt[66];

    /* SSK + 1 */
    memcpy(ssk, e_ssk, 32);
    ssk[31] ^= 1;
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, ssk, 32, e_pvt, 65, NULL),
                     IBC_EVERIFY);
    /* wrong identity */
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len - 1, e_ssk, 32, e_pvt, 65,
                                        NULL), IBC_EVERIFY);
    /* PVT replaced by another point on the curve (the KPAK) */
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, e_ssk, 32, e_kpak, 65,
                                        NULL), IBC_EVERIFY);
    /* PVT off the curve */
    memcpy(pvt, e_pvt, 65);
    pvt[40] ^= 4;
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, e_ssk, 32, pvt, 65, NULL),
                     IBC_EPOINT);
    /* SSK = 0, SSK = q */
    memset(ssk, 0, 32);
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, ssk, 32, e_pvt, 65, NULL),
                     IBC_ERANGE);
    unhex(ssk, 32, P256_Q);
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, ssk, 32, e_pvt, 65, NULL),
                     IBC_ERANGE);
    /* sizes */
    memcpy(ssk, e_ssk, 32);
    ssk[32] = 0;
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, ssk, 31, e_pvt, 65, NULL),
                     IBC_EENCODING);
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, ssk, 33, e_pvt, 65, NULL),
                     IBC_EENCODING);
    memcpy(pvt, e_pvt, 65);
    pvt[65] = 0;
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, e_ssk, 32, pvt, 64, NULL),
                     IBC_EENCODING);
    ck_assert_int_eq(ibc_eccsi_validate(e_kpak, 65, e_id, e_id_len, e_ssk, 32, pvt, 66, NULL),
                     IBC_EENCODING);
}
END_TEST

START_TEST(eccsi_nonce_and_key_refusals)
{
    uint8_t sig[129], j[32], ssk[32], pvt[65], kpak[65], ksak[32];

    /* j = 0 and j >= q are unusable nonces */
    memset(j, 0, 32);
    ck_assert_int_eq(ibc_eccsi_sign(e_kpak, 65, e_id, e_id_len, e_ssk, 32, e_pvt, 65, e_m,
                                    e_m_len, j, NULL, NULL, sig), IBC_ENONCE);
    unhex(j, 32, P256_Q);
    ck_assert_int_eq(ibc_eccsi_sign(e_kpak, 65, e_id, e_id_len, e_ssk, 32, e_pvt, 65, e_m,
                                    e_m_len, j, NULL, NULL, sig), IBC_ENONCE);
    /* no nonce and no random source */
    ck_assert_int_eq(ibc_eccsi_sign(e_kpak, 65, e_id, e_id_len, e_ssk, 32, e_pvt, 65, e_m,
                                    e_m_len, NULL, NULL, NULL, sig), IBC_EINVAL);
    /* a random source that never yields a scalar below q */
    ck_assert_int_eq(ibc_eccsi_sign(e_kpak, 65, e_id, e_id_len, e_ssk, 32, e_pvt, 65, e_m,
                                    e_m_len, NULL, rand_ff, NULL, sig), IBC_ENONCE);
    for (size_t i = 0; i < sizeof sig; i++)
        ck_assert_uint_eq(sig[i], 0);
    /* issuing with a KPAK that does not belong to the KSAK */
    memcpy(ksak, e_ksak, 32);
    ksak[31] ^= 2;
    ck_assert_int_eq(ibc_eccsi_issue(ksak, 32, e_kpak, 65, e_id, e_id_len, e_v, NULL, NULL, ssk,
                                     pvt, NULL), IBC_EINVAL);
    /* KSAK = 0 */
    memset(ksak, 0, 32);
    ck_assert_int_eq(ibc_eccsi_kms_public(ksak, 32, kpak), IBC_ERANGE);
    /* key generation with a random source that never yields a valid scalar */
    ck_assert_int_eq(ibc_eccsi_kms_keygen(rand_ff, NULL, ksak, kpak), IBC_ENONCE);
    uint8_t z[128], Z[257];
    ck_assert_int_eq(ibc_sakke_kms_keygen(rand_ff, NULL, z, Z), IBC_ENONCE);
    for (size_t i = 0; i < sizeof z; i++)
        ck_assert_uint_eq(z[i], 0);
    ck_assert_int_eq(ibc_sakke_kms_keygen(NULL, NULL, z, Z), IBC_EINVAL);
}
END_TEST

START_TEST(eccsi_random_round_trips)
{
    struct drbg d = { 6507, 0 };
    uint8_t ksak[32], kpak[65], ssk[32], pvt[65], hs[32], hs2[32], sig[129], id[40], msg[100];

    ck_assert_int_eq(ibc_eccsi_kms_keygen(drbg_fill, &d, ksak, kpak), IBC_OK);
    uint8_t kpak2[65];
    ck_assert_int_eq(ibc_eccsi_kms_public(ksak, 32, kpak2), IBC_OK);
    ck_assert_mem_eq(kpak, kpak2, 65);
    for (int i = 0; i < 50; i++) {
        size_t id_len = 1 + (size_t)i % sizeof id, msg_len = (size_t)(i * 7) % sizeof msg;
        drbg_fill(&d, id_len, id);
        drbg_fill(&d, msg_len, msg);
        ck_assert_int_eq(ibc_eccsi_issue(ksak, 32, kpak, 65, id, id_len, NULL, drbg_fill, &d,
                                         ssk, pvt, hs), IBC_OK);
        ck_assert_int_eq(ibc_eccsi_validate(kpak, 65, id, id_len, ssk, 32, pvt, 65, hs2), IBC_OK);
        ck_assert_mem_eq(hs, hs2, 32);
        ck_assert_int_eq(ibc_eccsi_sign(kpak, 65, id, id_len, ssk, 32, pvt, 65, msg, msg_len,
                                        NULL, drbg_fill, &d, sig), IBC_OK);
        ck_assert_int_eq(ibc_eccsi_verify(kpak, 65, id, id_len, msg, msg_len, sig, 129), IBC_OK);
        /* another user's identity, another message, another KMS */
        id[0] ^= 0x80;
        ck_assert_int_eq(ibc_eccsi_verify(kpak, 65, id, id_len, msg, msg_len, sig, 129),
                         IBC_EVERIFY);
        id[0] ^= 0x80;
        if (msg_len) {
            msg[msg_len - 1] ^= 1;
            ck_assert_int_eq(ibc_eccsi_verify(kpak, 65, id, id_len, msg, msg_len, sig, 129),
                             IBC_EVERIFY);
        }
        ck_assert_int_eq(ibc_eccsi_verify(e_kpak, 65, id, id_len, msg, msg_len, sig, 129),
                         IBC_EVERIFY);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* RFC 6508 Appendix A (parameter set 1) */

static const char S_Z[] =
    "AFF429D35F84B110D094803B3595A6E2998BC99F";
static const char S_ZPUB[] =
    "045958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832F38CB4AD53DDEF4260B0FE8BB4"
    "5C4C1FF510EFFE300367A37B61F701D914AEF09724825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78"
    "309BE640697DE747613A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54FF21508D37514DC"
    "F7A8E143A6058C09A6BF2C9858CA37C258065AE6BF7532BC8B5B63383866E0753C5AC0E72709F8445F2E6178E0"
    "65857E0EDA10F68206B63505ED87E534FB2831FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA8F"
    "C67C6D19487FB449059F26CC8AAB655AB58B7CC796E24E9A394095754F5F8BAE";
static const char S_B[] = "323031312D30320074656C3A2B34343737303039303031323300";
static const char S_RSK[] =
    "0493AF67E5007BA6E6A80DA793DA300FA4B52D0A74E25E6E7B2B3D6EE9D18A9B5C5023597BD82D8062D3401956"
    "3BA1D25C0DC56B7B979D74AA50F29FBF11CC2C93F5DFCA615E609279F6175CEADB00B58C6BEE1E7A2A47C4F0C4"
    "56F05259A6FA94A634A40DAE1DF593D4FECF688D5FC678BE7EFC6DF3D6835325B83B2C6E69036B155F0A272410"
    "94B04BFB0BDFAC6C670A65C325D39A069F03659D44CA27D3BE8DF311172B554160181CBE94A2A783320CED590B"
    "C42644702CF371271E496BF20F588B78A1BC01ECBB6559934BDD2FB65D2884318A33D1A42ADF5E33CC5800280B"
    "28356497F87135BAB9612A17260424409AC15FEE996B744C332151235DECB0F5";
static const char S_SSV[] = "123456789ABCDEF0123456789ABCDEF0";
static const char S_ED[] =
    "0444E8AD44AB8592A6A5A3DDCA5CF896C718043606A01D650DEF37A01F37C228C332FC317354E2C274D4DAF8AD"
    "001054C76CE57971C6F4486D5723043261C506EBF5BE438F53DE04F067C776E0DD3B71A6290133283725A532F2"
    "1AF145126DC1D777ECC27BE50835BD28098B8A73D9F801D893793A41FF5C49B87E79F2BE4D56CE557E134AD85B"
    "B1D4B9CE4F8BE4B08A12BABF55B1D6F1D7A638019EA28E15AB1C9F76375FDD1210D4F4351B9A009486B7F3ED46"
    "C965DED2D80DADE4F38C6721D52C3AD103A10EBD2959248B4EF006836BF097448E6107C9EDEE9FB704823DF199"
    "F832C905AE45F8A247A072D8EF729EABC5E27574B07739B34BE74A532F747B8689E0BC661AA1E91638E6ACC84E"
    "496507";
/* RFC 6509 parameter set 1: p, q and the generator P */
static const char S_P[] =
    "997ABB1F0A563FDA65C61198DAD0657A416C0CE19CB48261BE9AE358B3E01A2EF40AAB27E2FC0F1B228730D531"
    "A59CB0E791B39FF7C88A19356D27F4A666A6D0E26C6487326B4CD4512AC5CD65681CE1B6AFF4A831852A82A7CF"
    "3C521C3C09AA9F94D6AF56971F1FFCE3E82389857DB080C5DF10AC7ACE87666D807AFEA85FEB";
static const char S_Q[] =
    "265EAEC7C2958FF69971846636B4195E905B0338672D20986FA6B8D62CF8068BBD02AAC9F8BF03C6C8A1CC354C"
    "69672C39E46CE7FDF222864D5B49FD2999A9B4389B1921CC9AD335144AB173595A07386DABFD2A0C614AA0A9F3"
    "CF14870F026AA7E535ABD5A5C7C7FF38FA08E2615F6C203177C42B1EB3A1D99B601EBFAA17FB";
static const char S_GEN[] =
    "0453FC09EE332C29AD0A7990053ED9B52A2B1A2FD60AEC69C698B2F204B6FF7CBFB5EDB6C0F6CE2308AB10DB90"
    "30B09E1043D5F22CDB9DFA55718BD9E7406CE8909760AF765DD5BCCB337C86548B72F2E1A702C3397A60DE74A7"
    "C1514DBA66910DD5CFB4CC80728D87EE9163A5B63F73EC80EC46C4967E0979880DC8ABEAE638950A8249063F60"
    "09F1F9F1F0533634A135D3E82016029906963D778D821E141178F5EA69F4654EC2B9E7F7F5E5F0DE55F66B598C"
    "CF9A140B2E416CFF0CA9E032B970DAE117AD547C6CCAD696B5B7652FE0AC6F1E80164AA989492D979FC5A4D5F2"
    "13515AD7E9CB99A980BDAD5AD5BB4636ADB9B5706A67DCDE75573FD71BEF16D7";

static uint8_t s_z[20], s_Z[257], s_b[64], s_rsk[257], s_ssv[16], s_ed[273];
static size_t s_b_len;

static void sakke_setup(void)
{
    unhex(s_z, sizeof s_z, S_Z);
    unhex(s_Z, sizeof s_Z, S_ZPUB);
    s_b_len = unhex(s_b, sizeof s_b, S_B);
    unhex(s_rsk, sizeof s_rsk, S_RSK);
    unhex(s_ssv, sizeof s_ssv, S_SSV);
    unhex(s_ed, sizeof s_ed, S_ED);
}

static int decap(const uint8_t *ed, size_t len, uint8_t ssv[16])
{
    return ibc_sakke_decap(s_Z, 257, s_b, s_b_len, s_rsk, 257, ed, len, ssv);
}

START_TEST(sakke_rfc6508_kms_side)
{
    uint8_t Z[257], rsk[257];

    ck_assert_int_eq(ibc_sakke_kms_public(s_z, sizeof s_z, Z), IBC_OK);
    ck_assert_mem_hex(Z, S_ZPUB);
    ck_assert_int_eq(ibc_sakke_issue_rsk(s_z, sizeof s_z, s_b, s_b_len, rsk), IBC_OK);
    ck_assert_mem_hex(rsk, S_RSK);
    /* the same z as a full 128-octet scalar */
    uint8_t z128[128] = { 0 };
    memcpy(z128 + 108, s_z, 20);
    ck_assert_int_eq(ibc_sakke_issue_rsk(z128, sizeof z128, s_b, s_b_len, rsk), IBC_OK);
    ck_assert_mem_hex(rsk, S_RSK);
    /* z = 0, z = 1 and z >= q are refused as master secrets */
    uint8_t one = 1, zero = 0, q[128];
    ck_assert_int_eq(ibc_sakke_kms_public(&one, 1, Z), IBC_ERANGE);
    ck_assert_int_eq(ibc_sakke_kms_public(&zero, 1, Z), IBC_ERANGE);
    unhex(q, sizeof q, S_Q);
    ck_assert_int_eq(ibc_sakke_kms_public(q, 128, Z), IBC_ERANGE);
    ck_assert_int_eq(ibc_sakke_kms_public(s_z, 0, Z), IBC_EINVAL);
    uint8_t big[129] = { 0 };
    big[128] = 5;
    ck_assert_int_eq(ibc_sakke_kms_public(big, 129, Z), IBC_EINVAL);
}
END_TEST

/* Edge scalars through the public API: z = q - 1 gives Z = -P, and
 * identifiers chosen so that b + z is 1, q - 1 or 0 mod q give RSK = P,
 * -P, or no key. */
START_TEST(sakke_edge_scalars)
{
    uint8_t q[128], t[128], Z[257], rsk[257], gen[257], neg[257], p[128], two = 2;
    unhex(q, sizeof q, S_Q);
    unhex(p, sizeof p, S_P);
    unhex(gen, sizeof gen, S_GEN);
    /* -P = (Px, p - Py) */
    memcpy(neg, gen, 129);
    unsigned borrow = 0;
    for (int i = 127; i >= 0; i--) {
        int v = (int)p[i] - (int)gen[129 + i] - (int)borrow;
        borrow = v < 0;
        neg[129 + i] = (uint8_t)(v + (borrow ? 256 : 0));
    }
    /* t = q - k for small k */
#define Q_MINUS(k)                                                       \
    do {                                                                 \
        unsigned b_ = (k);                                               \
        for (int i = 127; i >= 0; i--) {                                 \
            int v = (int)q[i] - (int)(b_ & 0xff) - (int)(b_ >> 8);       \
            b_ = (unsigned)(v < 0) << 8;                                 \
            t[i] = (uint8_t)(v + (v < 0 ? 256 : 0));                     \
        }                                                                \
    } while (0)
    Q_MINUS(1);
    ck_assert_int_eq(ibc_sakke_kms_public(t, 128, Z), IBC_OK);
    ck_assert_mem_eq(Z, neg, 257);
    ck_assert_int_eq(ibc_sakke_issue_rsk(&two, 1, t, 128, rsk), IBC_OK); /* b + z = q + 1 */
    ck_assert_mem_eq(rsk, gen, 257);
    Q_MINUS(3);
    ck_assert_int_eq(ibc_sakke_issue_rsk(&two, 1, t, 128, rsk), IBC_OK); /* b + z = q - 1 */
    ck_assert_mem_eq(rsk, neg, 257);
    Q_MINUS(2);
    ck_assert_int_eq(ibc_sakke_issue_rsk(&two, 1, t, 128, rsk), IBC_ERANGE); /* b + z = q */
    for (size_t i = 0; i < sizeof rsk; i++)
        ck_assert_uint_eq(rsk[i], 0);
    /* the RSK for b = q - 3 under z = 2 validates against Z = [2]P */
    Q_MINUS(3);
    ck_assert_int_eq(ibc_sakke_kms_public(&two, 1, Z), IBC_OK);
    ck_assert_int_eq(ibc_sakke_validate_rsk(Z, 257, t, 128, neg, 257), IBC_OK);
    uint8_t ssv[16], ed[273], ssv2[16];
    ck_assert_int_eq(ibc_sakke_encap(Z, 257, t, 128, s_ssv, NULL, NULL, ssv, ed), IBC_OK);
    ck_assert_int_eq(ibc_sakke_decap(Z, 257, t, 128, neg, 257, ed, 273, ssv2), IBC_OK);
    ck_assert_mem_eq(ssv2, s_ssv, 16);
#undef Q_MINUS
}
END_TEST

START_TEST(sakke_rfc6508_user_side)
{
    uint8_t ssv[16], ed[273];

    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, s_b, s_b_len, s_rsk, 257), IBC_OK);
    ck_assert_int_eq(ibc_sakke_encap(s_Z, 257, s_b, s_b_len, s_ssv, NULL, NULL, ssv, ed), IBC_OK);
    ck_assert_mem_hex(ed, S_ED);
    ck_assert_mem_eq(ssv, s_ssv, 16);
    memset(ssv, 0, sizeof ssv);
    ck_assert_int_eq(decap(s_ed, 273, ssv), IBC_OK);
    ck_assert_mem_hex(ssv, S_SSV);
}
END_TEST

START_TEST(sakke_rfc6508_precomputed)
{
    ibc_sakke_sender *s;
    ibc_sakke_receiver *r;
    uint8_t ssv[16], ed[273];

    ck_assert_int_eq(ibc_sakke_sender_new(&s, s_Z, 257, s_b, s_b_len), IBC_OK);
    ck_assert_int_eq(ibc_sakke_sender_encap(s, s_ssv, NULL, NULL, ssv, ed), IBC_OK);
    ck_assert_mem_hex(ed, S_ED);
    ck_assert_int_eq(ibc_sakke_receiver_new(&r, s_Z, 257, s_b, s_b_len, s_rsk, 257), IBC_OK);
    ck_assert_int_eq(ibc_sakke_receiver_decap(r, s_ed, 273, ssv), IBC_OK);
    ck_assert_mem_hex(ssv, S_SSV);
    /* random SSVs through both objects and across the two code paths */
    struct drbg d = { 6508, 0 };
    uint8_t ssv2[16];
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(ibc_sakke_sender_encap(s, NULL, drbg_fill, &d, ssv, ed), IBC_OK);
        ck_assert_int_eq(ibc_sakke_receiver_decap(r, ed, 273, ssv2), IBC_OK);
        ck_assert_mem_eq(ssv, ssv2, 16);
        ck_assert_int_eq(decap(ed, 273, ssv2), IBC_OK);
        ck_assert_mem_eq(ssv, ssv2, 16);
        ed[272] ^= 1;
        ck_assert_int_eq(ibc_sakke_receiver_decap(r, ed, 273, ssv2), IBC_EDECAP);
    }
    ibc_sakke_sender_free(s);
    ibc_sakke_receiver_free(r);
    ibc_sakke_sender_free(NULL);
    ibc_sakke_receiver_free(NULL);
}
END_TEST

START_TEST(sakke_decap_refusals)
{
    uint8_t ed[274], ssv[16];

    /* any flipped bit of H fails the [r]([b]P + Z) == R check */
    for (size_t bit = 0; bit < 128; bit += 5) {
        memcpy(ed, s_ed, 273);
        ed[257 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_int_eq(decap(ed, 273, ssv), IBC_EDECAP);
        for (size_t i = 0; i < 16; i++)
            ck_assert_uint_eq(ssv[i], 0);
    }
    /* flipped bits of R: off the curve */
    for (size_t bit = 8; bit < 257 * 8; bit += 97) {
        memcpy(ed, s_ed, 273);
        ed[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_int_ne(decap(ed, 273, ssv), IBC_OK);
    }
    /* R replaced by valid points: the generator, -R (y -> p - y), Z */
    memcpy(ed, s_ed, 273);
    unhex(ed, 257, S_GEN);
    ck_assert_int_eq(decap(ed, 273, ssv), IBC_EDECAP);
    memcpy(ed, s_ed, 273);
    memcpy(ed, s_Z, 257);
    ck_assert_int_eq(decap(ed, 273, ssv), IBC_EDECAP);
    {
        uint8_t p[128];
        unhex(p, sizeof p, S_P);
        memcpy(ed, s_ed, 273);
        unsigned borrow = 0;
        for (int i = 127; i >= 0; i--) {
            int v = (int)p[i] - (int)s_ed[129 + i] - (int)borrow;
            borrow = v < 0;
            ed[129 + i] = (uint8_t)(v + (borrow ? 256 : 0));
        }
        ck_assert_int_eq(decap(ed, 273, ssv), IBC_EDECAP);
    }
    /* (0, 0) is on E (order 2); x = p; wrong prefix; all zero */
    memset(ed, 0, 273);
    ed[0] = 4;
    ck_assert_int_eq(decap(ed, 273, ssv), IBC_EPOINT);
    memcpy(ed, s_ed, 273);
    unhex(ed + 1, 128, S_P);
    ck_assert_int_eq(decap(ed, 273, ssv), IBC_EENCODING);
    memcpy(ed, s_ed, 273);
    ed[0] = 2;
    ck_assert_int_eq(decap(ed, 273, ssv), IBC_EENCODING);
    /* truncated and overlong */
    memcpy(ed, s_ed, 273);
    ed[273] = 0;
    ck_assert_int_eq(decap(ed, 272, ssv), IBC_EENCODING);
    ck_assert_int_eq(decap(ed, 274, ssv), IBC_EENCODING);
    ck_assert_int_eq(decap(ed, 257, ssv), IBC_EENCODING);
    ck_assert_int_eq(decap(NULL, 273, ssv), IBC_EENCODING);
    /* wrong identity */
    ck_assert_int_eq(ibc_sakke_decap(s_Z, 257, s_b, s_b_len - 1, s_rsk, 257, s_ed, 273, ssv),
                     IBC_EDECAP);
    /* no identity, oversized identity */
    ck_assert_int_eq(ibc_sakke_decap(s_Z, 257, s_b, 0, s_rsk, 257, s_ed, 273, ssv), IBC_EINVAL);
    static uint8_t huge[IBC_SAKKE_ID_MAX + 1];
    ck_assert_int_eq(ibc_sakke_decap(s_Z, 257, huge, sizeof huge, s_rsk, 257, s_ed, 273, ssv),
                     IBC_EINVAL);
}
END_TEST

START_TEST(sakke_rsk_refusals)
{
    uint8_t rsk[258], Z[258], other[257];
    uint8_t id2[64];

    /* the RSK of another identity */
    memcpy(id2, s_b, s_b_len);
    id2[s_b_len - 2] ^= 1;
    ck_assert_int_eq(ibc_sakke_issue_rsk(s_z, sizeof s_z, id2, s_b_len, other), IBC_OK);
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, s_b, s_b_len, other, 257), IBC_EVERIFY);
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, id2, s_b_len, other, 257), IBC_OK);
    ibc_sakke_receiver *r = (ibc_sakke_receiver *)&r;
    ck_assert_int_eq(ibc_sakke_receiver_new(&r, s_Z, 257, s_b, s_b_len, other, 257),
                     IBC_EVERIFY);
    ck_assert_ptr_null(r);
    /* -RSK, the generator, Z as RSK: on the curve but wrong */
    unhex(rsk, 257, S_GEN);
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, s_b, s_b_len, rsk, 257), IBC_EVERIFY);
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, s_b, s_b_len, s_Z, 257), IBC_EVERIFY);
    /* off the curve, bad prefix, coordinate >= p, sizes */
    memcpy(rsk, s_rsk, 257);
    rsk[200] ^= 1;
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, s_b, s_b_len, rsk, 257), IBC_EPOINT);
    memcpy(rsk, s_rsk, 257);
    rsk[0] = 0;
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, s_b, s_b_len, rsk, 257), IBC_EENCODING);
    memcpy(rsk, s_rsk, 257);
    unhex(rsk + 129, 128, S_P);
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, s_b, s_b_len, rsk, 257), IBC_EENCODING);
    memcpy(rsk, s_rsk, 257);
    rsk[257] = 0;
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, s_b, s_b_len, rsk, 256), IBC_EENCODING);
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, s_b, s_b_len, rsk, 258), IBC_EENCODING);
    ck_assert_int_eq(ibc_sakke_decap(s_Z, 257, s_b, s_b_len, rsk, 256, s_ed, 273, other),
                     IBC_EENCODING);
    /* a KMS key Z off the curve or truncated, for validation and encapsulation */
    memcpy(Z, s_Z, 257);
    Z[100] ^= 0x40;
    ck_assert_int_eq(ibc_sakke_validate_rsk(Z, 257, s_b, s_b_len, s_rsk, 257), IBC_EPOINT);
    uint8_t ssv[16], ed[273];
    ck_assert_int_eq(ibc_sakke_encap(Z, 257, s_b, s_b_len, s_ssv, NULL, NULL, ssv, ed),
                     IBC_EPOINT);
    ck_assert_int_eq(ibc_sakke_encap(s_Z, 256, s_b, s_b_len, s_ssv, NULL, NULL, ssv, ed),
                     IBC_EENCODING);
    ibc_sakke_sender *s = (ibc_sakke_sender *)&s;
    ck_assert_int_eq(ibc_sakke_sender_new(&s, Z, 257, s_b, s_b_len), IBC_EPOINT);
    ck_assert_ptr_null(s);
    /* encapsulation needs an SSV or a random source */
    ck_assert_int_eq(ibc_sakke_encap(s_Z, 257, s_b, s_b_len, NULL, NULL, NULL, ssv, ed),
                     IBC_EINVAL);
}
END_TEST

START_TEST(sakke_random_round_trips)
{
    struct drbg d = { 6509, 0 };
    uint8_t z[128], Z[257], rsk[257], id[64], ssv[16], ssv2[16], ed[273];

    ck_assert_int_eq(ibc_sakke_kms_keygen(drbg_fill, &d, z, Z), IBC_OK);
    uint8_t Z2[257];
    ck_assert_int_eq(ibc_sakke_kms_public(z, sizeof z, Z2), IBC_OK);
    ck_assert_mem_eq(Z, Z2, 257);
    for (int i = 0; i < 50; i++) {
        size_t id_len = 1 + (size_t)(i * 13) % sizeof id;
        drbg_fill(&d, id_len, id);
        ck_assert_int_eq(ibc_sakke_issue_rsk(z, sizeof z, id, id_len, rsk), IBC_OK);
        ck_assert_int_eq(ibc_sakke_validate_rsk(Z, 257, id, id_len, rsk, 257), IBC_OK);
        ck_assert_int_eq(ibc_sakke_encap(Z, 257, id, id_len, NULL, drbg_fill, &d, ssv, ed),
                         IBC_OK);
        ck_assert_int_eq(ibc_sakke_decap(Z, 257, id, id_len, rsk, 257, ed, 273, ssv2), IBC_OK);
        ck_assert_mem_eq(ssv, ssv2, 16);
        /* the RFC user's key cannot open it */
        ck_assert_int_eq(ibc_sakke_decap(Z, 257, s_b, s_b_len, s_rsk, 257, ed, 273, ssv2),
                         IBC_EDECAP);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Interoperability: a real MIKEY-SAKKE I_MESSAGE (Streamwide test data,
 * libmikey-sakke src/test_data.cc get_i_msg_for_user1()), signed by
 * GMS@thalesgroup.com with an RFC 6507-community key and carrying a GMK
 * for user1@streamwide.com under the RFC 6508 community key. */

static const char I_MESSAGE[] =
    "011A050107199D3900010B0000000000E43D14C00E10CE18656DAA8A902530F99CB6B83B4CA90E01010013474D"
    "53407468616C657367726F75702E636F6D0E0201001475736572314073747265616D776964652E636F6D0E0601"
    "00134B4D53407468616C657367726F75702E636F6D1A070100124B4D534073747265616D776964652E636F6D15"
    "0102011104488ADD0A84E80C50CACC07A5C01150EBAE4103CEB51F71A5F0D7D6BED4115DF3288A98C2D928D78E"
    "8619CE73A6E354D1BB41F8853319BC6C133C9A9521AB9A9C294D2B75838626A1C2C5C1A0F1202239A0F39F52B9"
    "E1C7669487DB5EA1901F5278E54CC87E2C92F790264220D42768B060C43A9465F70E9F8B8CBB0ABB7EE3683105"
    "1C6D2DD74E30E887E29772AD740C4B83C8557E4EFF223F9E66BD4380A68C17A4D15294EB268B568D353B6FE956"
    "FE7EBCA1E8662DCC041810B689321AB5F5C00D7231B0D45BEFF6A192283909EE88D89949CCCF09A9DD6859E1B0"
    "1A3291CDEE423E632DAA2E10A0114E3B844F4D825D5C7533048155CA985D15E79C58E08C98CE3C31672AEC9D0F"
    "34381403944B180407000E00010000000000000000000001FF2081269D4C8FDEB66A74E4EF8C0D5DCC597DDFE6"
    "029C2AFFC4936008CD2CC1045D81403DD2F7048A12063760D7AF27FFDE4DCB694B5BEC1C00C080EC106EA9530B"
    "8B04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9A79D247692F4EDA3A6BDAB"
    "77D6AA6474A464AE4934663C5265BA7018BA091F79";
/* TS 33.180 F.2.1 UIDs for key period 1477 (UserKeyPeriod 2592000, offset 0) */
static const char I_SIGNER_UID[] =
    "0566069775ADE8400004364DE76C1EC8924F283363C3AE67917619E4A1A72194";
static const char I_RECEIVER_UID[] =
    "017DD1E4D90067C619569E4B9EE5904812E66C973004AD7BCEBB21FA7DF8E5CB";
static const char I_RECEIVER_RSK[] =
    "045E2C398196C0443C4860FE5E39965CE7BB41F4591727662D67C785550150C6DC3E0C407982806102EF9F6C6E"
    "13BA641AE3DCB8D440F172E02AF7F77C2E2A7EA55038A40E3678A130EE5351EDF32DB562BC3F921985C4D969B1"
    "A14DBFBAE716007FA2EFF44A9CC0A63C0E27ACCDA444822F11E9D2A6137DB1EAF7C0419FF175574691208DBCDD"
    "BD22098D12FD9D461487F1304BF3A2557A2F798B1083A57113C999250E8EB918BC930F83402421A0530C3506AE"
    "AB6C5C834B742700F8EE86EF55E951B0F93628DBD9B1A0FFBDB5B0A85AA5C8301BA4A4D7A03E4355F9A957D3AB"
    "4EAF9CD9E6268D04C934FA6D34010718F5739A4CF489F0E0BDBFE448E934F339";
#define I_SED_OFFSET 139   /* SAKKE payload: next, params 1, ID scheme 2, length 0x0111 */

START_TEST(interop_i_message)
{
    uint8_t msg[600], uid_s[32], uid_r[32], rsk[257], ssv[16];
    size_t n = unhex(msg, sizeof msg, I_MESSAGE);
    unhex(uid_s, sizeof uid_s, I_SIGNER_UID);
    unhex(uid_r, sizeof uid_r, I_RECEIVER_UID);
    unhex(rsk, sizeof rsk, I_RECEIVER_RSK);
    ck_assert_uint_eq(n, 561);

    /* ECCSI: the signature covers the message up to and including the SIGN
     * payload's type/length octets (RFC 3830 5.2), not the variant without */
    ck_assert_int_eq(ibc_eccsi_verify(e_kpak, 65, uid_s, 32, msg, n - 129, msg + n - 129, 129),
                     IBC_OK);
    ck_assert_int_eq(ibc_eccsi_verify(e_kpak, 65, uid_s, 32, msg, n - 131, msg + n - 129, 129),
                     IBC_EVERIFY);
    ck_assert_int_eq(ibc_eccsi_verify(e_kpak, 65, uid_r, 32, msg, n - 129, msg + n - 129, 129),
                     IBC_EVERIFY);

    /* SAKKE: the receiver's RSK validates and the SED opens to the GMK */
    ck_assert_uint_eq(msg[I_SED_OFFSET - 2], 0x01);
    ck_assert_uint_eq(msg[I_SED_OFFSET - 1], 0x11);
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, uid_r, 32, rsk, 257), IBC_OK);
    ck_assert_int_eq(ibc_sakke_decap(s_Z, 257, uid_r, 32, rsk, 257, msg + I_SED_OFFSET, 273, ssv),
                     IBC_OK);
    ck_assert_mem_hex(ssv, "123456789ABCDEF0123456789ABCDEF0");
    ibc_sakke_receiver *r;
    ck_assert_int_eq(ibc_sakke_receiver_new(&r, s_Z, 257, uid_r, 32, rsk, 257), IBC_OK);
    memset(ssv, 0, sizeof ssv);
    ck_assert_int_eq(ibc_sakke_receiver_decap(r, msg + I_SED_OFFSET, 273, ssv), IBC_OK);
    ck_assert_mem_hex(ssv, "123456789ABCDEF0123456789ABCDEF0");
    ibc_sakke_receiver_free(r);
}
END_TEST

/* TS 33.180 F.2.1.2 worked example: its UID as a SAKKE identity and an
 * ECCSI identity under the RFC community keys (the UID derivation itself
 * is MIKEY-level and lives outside lib/ibc). */
START_TEST(ts33180_uid_identity)
{
    uint8_t uid[32], rsk[257], ssv[16], ssv2[16], ed[273], ssk[32], pvt[65], sig[129];
    unhex(uid, sizeof uid, "3A81FB14C3B1D0FE43C9C577104D55A6D81788BFD2F09743C4557746A5A0353B");
    struct drbg d = { 33180, 0 };

    ck_assert_int_eq(ibc_sakke_issue_rsk(s_z, sizeof s_z, uid, 32, rsk), IBC_OK);
    ck_assert_int_eq(ibc_sakke_validate_rsk(s_Z, 257, uid, 32, rsk, 257), IBC_OK);
    ck_assert_int_eq(ibc_sakke_encap(s_Z, 257, uid, 32, s_ssv, NULL, NULL, ssv, ed), IBC_OK);
    ck_assert_int_eq(ibc_sakke_decap(s_Z, 257, uid, 32, rsk, 257, ed, 273, ssv2), IBC_OK);
    ck_assert_mem_eq(ssv2, s_ssv, 16);
    ck_assert_int_eq(ibc_eccsi_issue(e_ksak, 32, e_kpak, 65, uid, 32, NULL, drbg_fill, &d, ssk,
                                     pvt, NULL), IBC_OK);
    ck_assert_int_eq(ibc_eccsi_sign(e_kpak, 65, uid, 32, ssk, 32, pvt, 65, uid, 32, NULL,
                                    drbg_fill, &d, sig), IBC_OK);
    ck_assert_int_eq(ibc_eccsi_verify(e_kpak, 65, uid, 32, uid, 32, sig, 129), IBC_OK);
}
END_TEST

/* The compiled-in comb for g equals a freshly built one. */
START_TEST(sakke_gtab_matches)
{
    sakke_params sp;
    static fp_t tab[GTAB_SIZE];
    sakke_params_init(&sp);
    ck_assert_int_eq(fp2_gtab_build(&sp, tab), IBC_OK);
    for (unsigned u = 0; u < GTAB_SIZE; u++)
        ck_assert_mem_eq(tab[u], sakke_gtab[u], SN * sizeof(mp_limb_t));
}
END_TEST

START_TEST(strerror_covers_codes)
{
    for (int c = IBC_ENONCE; c <= IBC_OK; c++)
        ck_assert_str_ne(ibc_strerror(c), "unknown error");
    ck_assert_str_eq(ibc_strerror(42), "unknown error");
}
END_TEST

static Suite *ibc_suite(void)
{
    Suite *s = suite_create("ibc");
    TCase *tc = tcase_create("eccsi");
    tcase_add_checked_fixture(tc, eccsi_setup, NULL);
    tcase_add_test(tc, eccsi_rfc6507_kms_side);
    tcase_add_test(tc, eccsi_rfc6507_user_side);
    tcase_add_test(tc, eccsi_flipped_bits);
    tcase_add_test(tc, eccsi_out_of_range_r_s);
    tcase_add_test(tc, eccsi_bad_points_and_sizes);
    tcase_add_test(tc, eccsi_validate_refusals);
    tcase_add_test(tc, eccsi_nonce_and_key_refusals);
    tcase_add_test(tc, eccsi_random_round_trips);
    suite_add_tcase(s, tc);

    tc = tcase_create("sakke");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, sakke_setup, NULL);
    tcase_add_test(tc, sakke_rfc6508_kms_side);
    tcase_add_test(tc, sakke_rfc6508_user_side);
    tcase_add_test(tc, sakke_edge_scalars);
    tcase_add_test(tc, sakke_rfc6508_precomputed);
    tcase_add_test(tc, sakke_decap_refusals);
    tcase_add_test(tc, sakke_rsk_refusals);
    tcase_add_test(tc, sakke_random_round_trips);
    suite_add_tcase(s, tc);

    tc = tcase_create("interop");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, eccsi_setup, NULL);
    tcase_add_checked_fixture(tc, sakke_setup, NULL);
    tcase_add_test(tc, interop_i_message);
    tcase_add_test(tc, ts33180_uid_identity);
    tcase_add_test(tc, sakke_gtab_matches);
    tcase_add_test(tc, strerror_covers_codes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ibc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
