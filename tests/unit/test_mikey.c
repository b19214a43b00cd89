/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/mikey.  Vectors (copied from shared/vectors/):
 *   ts33180_uid.txt        TS 33.180 F.2.1.2 UID example
 *   mcx_gukid_srtp.txt     GUK-ID and SRTP master key/salt (Etherstack)
 *   mikey_sakke_interop.txt a third-party GMK I_MESSAGE and user1's keys
 *   rfc6507.txt / rfc6508.txt  community keys (KPAK, KSAK, v, j; Z, z)
 * The PRF multi-piece values were computed independently with Python's
 * hmac/hashlib from the RFC 3830 4.1.2 definition. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibc/ibc.h"
#include "mikey/mikey.h"

/* ------------------------------------------------------------- helpers */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    ck_assert_uint_le(n, cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

#define S(x) (const uint8_t *)(x), strlen(x)

static void fake_random(void *ctx, size_t len, uint8_t *out)
{
    /* Deterministic counter stream: enough for tests that need bytes, not
     * secrecy. */
    unsigned *c = ctx;
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)((*c)++ * 131u + 7u);
}

/* ------------------------------------------------------------- vectors */
/* RFC 6507 Appendix A */
static const char *KPAK_HEX =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93DBDD37551AFD263B5DFD61"
    "7F3960C65A8C298850FF99F20366DCE7D4367217F4";
static const char *KSAK_HEX = "0000000000000000000000000000000000000000000000000000000000012345";
static const char *V_HEX = "0000000000000000000000000000000000000000000000000000000000023456";
static const char *J_HEX = "0000000000000000000000000000000000000000000000000000000000034567";
/* RFC 6508 Appendix A */
static const char *Z_HEX =
    "045958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832F38CB4AD53DDEF4260B0FE8BB4"
    "5C4C1FF510EFFE300367A37B61F701D914AEF09724825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78"
    "309BE640697DE747613A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54FF21508D37514DC"
    "F7A8E143A6058C09A6BF2C9858CA37C258065AE6BF7532BC8B5B63383866E0753C5AC0E72709F8445F2E6178E0"
    "65857E0EDA10F68206B63505ED87E534FB2831FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA8F"
    "C67C6D19487FB449059F26CC8AAB655AB58B7CC796E24E9A394095754F5F8BAE";
static const char *RFC6508_RSK_HEX =
    "0493AF67E5007BA6E6A80DA793DA300FA4B52D0A74E25E6E7B2B3D6EE9D18A9B5C5023597BD82D8062D34019"
    "563BA1D25C0DC56B7B979D74AA50F29FBF11CC2C93F5DFCA615E609279F6175CEADB00B58C6BEE1E7A2A47C4"
    "F0C456F05259A6FA94A634A40DAE1DF593D4FECF688D5FC678BE7EFC6DF3D6835325B83B2C6E69036B155F0A"
    "27241094B04BFB0BDFAC6C670A65C325D39A069F03659D44CA27D3BE8DF311172B554160181CBE94A2A78332"
    "0CED590BC42644702CF371271E496BF20F588B78A1BC01ECBB6559934BDD2FB65D2884318A33D1A42ADF5E33"
    "CC5800280B28356497F87135BAB9612A17260424409AC15FEE996B744C332151235DECB0F5";
static const char *ZS_HEX = "AFF429D35F84B110D094803B3595A6E2998BC99F"; /* master secret z */

/* mikey_sakke_interop.txt */
static const char *IMSG_HEX =
    "011a050107199d3900010b0000000000e43d14c00e10ce18656daa8a902530f99cb6b83b4ca90e01010013474d53"
    "407468616c657367726f75702e636f6d0e0201001475736572314073747265616d776964652e636f6d0e060100"
    "134b4d53407468616c657367726f75702e636f6d1a070100124b4d534073747265616d776964652e636f6d1501"
    "02011104488add0a84e80c50cacc07a5c01150ebae4103ceb51f71a5f0d7d6bed4115df3288a98c2d928d78e86"
    "19ce73a6e354d1bb41f8853319bc6c133c9a9521ab9a9c294d2b75838626a1c2c5c1a0f1202239a0f39f52b9e1"
    "c7669487db5ea1901f5278e54cc87e2c92f790264220d42768b060c43a9465f70e9f8b8cbb0abb7ee36831051c"
    "6d2dd74e30e887e29772ad740c4b83c8557e4eff223f9e66bd4380a68c17a4d15294eb268b568d353b6fe956fe"
    "7ebca1e8662dcc041810b689321ab5f5c00d7231b0d45beff6a192283909ee88d89949cccf09a9dd6859e1b01a"
    "3291cdee423e632daa2e10a0114e3b844f4d825d5c7533048155ca985d15e79c58e08c98ce3c31672aec9d0f34"
    "381403944b180407000e00010000000000000000000001ff2081269d4c8fdeb66a74e4ef8c0d5dcc597ddfe602"
    "9c2affc4936008cd2cc1045d81403dd2f7048a12063760d7af27ffde4dcb694b5bec1c00c080ec106ea9530b8b"
    "04758a142779be89e829e71984cb40ef758cc4ad775fc5b9a3e1c8ed52f6fa36d9a79d247692f4eda3a6bdab77"
    "d6aa6474a464ae4934663c5265ba7018ba091f79";
static const char *RECEIVER_UID_HEX =
    "017DD1E4D90067C619569E4B9EE5904812E66C973004AD7BCEBB21FA7DF8E5CB";
static const char *RECEIVER_RSK_HEX =
    "045E2C398196C0443C4860FE5E39965CE7BB41F4591727662D67C785550150C6DC3E0C407982806102EF9F6C6E"
    "13BA641AE3DCB8D440F172E02AF7F77C2E2A7EA55038A40E3678A130EE5351EDF32DB562BC3F921985C4D969B1"
    "A14DBFBAE716007FA2EFF44A9CC0A63C0E27ACCDA444822F11E9D2A6137DB1EAF7C0419FF175574691208DBCDD"
    "BD22098D12FD9D461487F1304BF3A2557A2F798B1083A57113C999250E8EB918BC930F83402421A0530C3506AE"
    "AB6C5C834B742700F8EE86EF55E951B0F93628DBD9B1A0FFBDB5B0A85AA5C8301BA4A4D7A03E4355F9A957D3AB"
    "4EAF9CD9E6268D04C934FA6D34010718F5739A4CF489F0E0BDBFE448E934F339";
static const char *INTEROP_GMK_HEX = "123456789ABCDEF0123456789ABCDEF0";
#define SIGNER_URI "GMS@thalesgroup.com"
#define SIGNER_KMS "KMS@thalesgroup.com"
#define RECEIVER_URI "user1@streamwide.com"
#define RECEIVER_KMS "KMS@streamwide.com"
static const struct mikey_kp KP30 = {2592000, 0};

static uint8_t imsg[600];
static size_t imsg_len;
static uint8_t kpak[65], z_pub[257], rsk_user1[257], interop_gmk[16];

static void load_vectors(void)
{
    imsg_len = unhex(IMSG_HEX, imsg, sizeof imsg);
    ck_assert_uint_eq(imsg_len, 561);
    unhex(KPAK_HEX, kpak, sizeof kpak);
    unhex(Z_HEX, z_pub, sizeof z_pub);
    unhex(RECEIVER_RSK_HEX, rsk_user1, sizeof rsk_user1);
    unhex(INTEROP_GMK_HEX, interop_gmk, sizeof interop_gmk);
}

static bool view_is(const struct mikey_view *v, const char *s)
{
    return v->len == strlen(s) && memcmp(v->p, s, v->len) == 0;
}

static bool view_is_hex(const struct mikey_view *v, const char *hex)
{
    uint8_t b[512];
    size_t n = unhex(hex, b, sizeof b);
    return v->len == n && memcmp(v->p, b, n) == 0;
}

/* ---------------------------------------------------------------- UID */
START_TEST(uid_ts33180_example)
{
    /* ts33180_uid.txt: sip:user@example.org, kms.example.org, 2592000, 0, 1388 */
    uint8_t s[256], want_s[256], uid[32], want_uid[32];
    size_t n, wn = unhex("004D494B45592D53414B4B452D554944000F7369703A75736572406578616D706C652E"
                         "6F726700146B6D732E6578616D706C652E6F7267000F278D000003000001056C0002",
                         want_s, sizeof want_s);
    ck_assert_int_eq(mikey_uid_input(S("sip:user@example.org"), S("kms.example.org"), &KP30,
                                     1388, s, sizeof s, &n), MIKEY_OK);
    ck_assert_uint_eq(n, wn);
    ck_assert_mem_eq(s, want_s, n);
    unhex("3A81FB14C3B1D0FE43C9C577104D55A6D81788BFD2F09743C4557746A5A0353B", want_uid, 32);
    ck_assert_int_eq(mikey_uid(S("sip:user@example.org"), S("kms.example.org"), &KP30, 1388,
                               uid), MIKEY_OK);
    ck_assert_mem_eq(uid, want_uid, 32);
    /* The same from the time: 2014-01-26T10:07:14Z = NTP 3599719634. */
    memset(uid, 0, sizeof uid);
    ck_assert_int_eq(mikey_uid_at(S("sip:user@example.org"), S("kms.example.org"), &KP30,
                                  3599719634u, uid), MIKEY_OK);
    ck_assert_mem_eq(uid, want_uid, 32);
    /* One period later is another UID. */
    ck_assert_int_eq(mikey_uid(S("sip:user@example.org"), S("kms.example.org"), &KP30, 1389,
                               uid), MIKEY_OK);
    ck_assert(memcmp(uid, want_uid, 32) != 0);
    /* S does not fit: refused, not truncated. */
    ck_assert_int_eq(mikey_uid_input(S("sip:user@example.org"), S("kms.example.org"), &KP30,
                                     1388, s, wn - 1, &n), MIKEY_ESPACE);
    ck_assert_int_eq(mikey_uid(S(""), S("kms"), &KP30, 1, uid), MIKEY_EINVAL);
}
END_TEST

START_TEST(uid_interop_receiver)
{
    uint8_t uid[32], want[32];
    unhex(RECEIVER_UID_HEX, want, 32);
    ck_assert_int_eq(mikey_uid(S(RECEIVER_URI), S(RECEIVER_KMS), &KP30, 1477, uid), MIKEY_OK);
    ck_assert_mem_eq(uid, want, 32);
}
END_TEST

START_TEST(uid_integer_encoding)
{
    /* 0 is one 0x00 octet; 256 is two octets; 2^64-1 eight. */
    struct mikey_kp kp = {256, 0};
    uint8_t s[128];
    size_t n;
    ck_assert_int_eq(mikey_uid_input(S("a"), S("b"), &kp, UINT64_MAX, s, sizeof s, &n),
                     MIKEY_OK);
    /* 00 | P0(15) 000F | 'a' 0001 | 'b' 0001 | 0100 0002 | 00 0001 | FF*8 0008 */
    ck_assert_uint_eq(n, 1 + 17 + 3 + 3 + 4 + 3 + 10);
    const uint8_t tail[] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF,
                            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x08};
    ck_assert_mem_eq(s + n - sizeof tail, tail, sizeof tail);
}
END_TEST

/* ---------------------------------------------------------- key periods */
START_TEST(key_period_arithmetic)
{
    uint64_t no;
    struct mikey_kp_span sp;
    ck_assert_int_eq(mikey_kp_number(&KP30, 3599719634u, &no), MIKEY_OK);
    ck_assert_uint_eq(no, 1388);
    ck_assert_int_eq(mikey_kp_current(&KP30, 3599719634u, &sp), MIKEY_OK);
    ck_assert_uint_eq(sp.no, 1388);
    ck_assert_uint_eq(sp.start, 1388ull * 2592000);
    ck_assert_uint_eq(sp.end, 1389ull * 2592000);
    ck_assert_int_eq(mikey_kp_next(&KP30, 3599719634u, &sp), MIKEY_OK);
    ck_assert_uint_eq(sp.no, 1389);
    ck_assert_uint_eq(sp.start, 1389ull * 2592000);
    /* Boundaries: start belongs to the period, end to the next. */
    ck_assert_int_eq(mikey_kp_number(&KP30, 1389ull * 2592000 - 1, &no), MIKEY_OK);
    ck_assert_uint_eq(no, 1388);
    ck_assert_int_eq(mikey_kp_number(&KP30, 1389ull * 2592000, &no), MIKEY_OK);
    ck_assert_uint_eq(no, 1389);

    /* The offset is subtracted, not added. */
    struct mikey_kp off = {86400, 3600};
    ck_assert_int_eq(mikey_kp_number(&off, 86400 + 3599, &no), MIKEY_OK);
    ck_assert_uint_eq(no, 0);
    ck_assert_int_eq(mikey_kp_number(&off, 86400 + 3600, &no), MIKEY_OK);
    ck_assert_uint_eq(no, 1);
    ck_assert_int_eq(mikey_kp_span_of(&off, 1, &sp), MIKEY_OK);
    ck_assert_uint_eq(sp.start, 86400 + 3600);
    ck_assert_uint_eq(sp.end, 2 * 86400 + 3600);
    ck_assert_int_eq(mikey_kp_number(&off, 3599, &no), MIKEY_ERANGE);

    /* Refusals: no period, offset not below the period, overflow. */
    struct mikey_kp zero = {0, 0}, big_off = {10, 10};
    ck_assert_int_eq(mikey_kp_number(&zero, 5, &no), MIKEY_EINVAL);
    ck_assert_int_eq(mikey_kp_number(&big_off, 50, &no), MIKEY_EINVAL);
    ck_assert_int_eq(mikey_kp_span_of(&KP30, UINT64_MAX / 2592000 + 1, &sp), MIKEY_ERANGE);
    struct mikey_kp one = {1, 0};
    ck_assert_int_eq(mikey_kp_next(&one, UINT64_MAX, &sp), MIKEY_ERANGE);
    ck_assert_int_eq(mikey_kp_current(&one, UINT64_MAX, &sp), MIKEY_ERANGE);
}
END_TEST

START_TEST(ntp_timestamps)
{
    ck_assert_uint_eq(mikey_ntp64_from_seconds(0xE43D14C0u), 0xE43D14C000000000ull);
    ck_assert_uint_eq(mikey_ntp64_to_seconds(0xE43D14C012345678ull, 0), 0xE43D14C0u);
    /* The interop quirk: seconds in the low word, read only on request. */
    ck_assert_uint_eq(mikey_ntp64_to_seconds(0xE43D14C0ull, MIKEY_F_T_LOW32), 0xE43D14C0u);
    ck_assert_uint_ne(mikey_ntp64_to_seconds(0xE43D14C0ull, 0), 0xE43D14C0u);
    /* Era 1 (RFC 4330): a seconds field with the top bit clear is after
     * 2036-02-07, and round-trips through the timestamp. */
    uint64_t t2040 = (2208988800ull + 2209075200ull); /* 2040-01-01 */
    ck_assert_uint_gt(t2040, 0xFFFFFFFFull);
    ck_assert_uint_eq(mikey_ntp64_to_seconds(mikey_ntp64_from_seconds(t2040), 0), t2040);
    ck_assert_uint_eq(MIKEY_NTP_UNIX_OFFSET, 2208988800ull);
}
END_TEST

/* ------------------------------------------------------- GUK-ID, SRTP */
static const char *GMK_HEX = "FCFE65CD967C58D260B603CCB9A887A9";
static const char *RAND_HEX = "6819E679461120E10AC458CCE67B8024";

static void check_etherstack(const char *uri, uint32_t want_guk, const char *key_hex,
                             const char *salt_hex)
{
    uint8_t gmk[16], rnd[16], key[16], salt[12], wkey[16], wsalt[12];
    unhex(GMK_HEX, gmk, 16);
    unhex(RAND_HEX, rnd, 16);
    uint32_t guk, back, csb;
    ck_assert_int_eq(mikey_guk_id(gmk, 16, 0x09BF9D37, S(uri), &guk), MIKEY_OK);
    ck_assert_uint_eq(guk, want_guk);
    ck_assert_int_eq(mikey_gmk_id_from_guk(gmk, 16, guk, S(uri), &back), MIKEY_OK);
    ck_assert_uint_eq(back, 0x09BF9D37);
    ck_assert_int_eq(mikey_csb_id(gmk, 16, 0x09BF9D37, S(uri), &csb), MIKEY_OK);
    ck_assert_uint_eq(csb, want_guk);
    ck_assert_int_eq(mikey_srtp_master(MIKEY_PRF_HMAC_SHA256, gmk, 16, 4, guk, rnd, 16, key,
                                       16, salt, 12), MIKEY_OK);
    unhex(key_hex, wkey, 16);
    unhex(salt_hex, wsalt, 12);
    ck_assert_mem_eq(key, wkey, 16);
    ck_assert_mem_eq(salt, wsalt, 12);
}

START_TEST(guk_and_srtp_etherstack_s01)
{
    check_etherstack("sip:p25user01@etherstack.com", 0x01C8DE7B,
                     "64837D2B4D69A266E4489D3807353AD9", "8B2F081CE8E8BDAB1F8D9EB8");
}
END_TEST

START_TEST(guk_and_srtp_etherstack_s02)
{
    check_etherstack("sip:p25user02@etherstack.co.jp", 0x0ABE69D0,
                     "DE81B70C4AE0FF3F79364DF586C2E0CE", "750EA7422B4D5A8FF475C6D5");
}
END_TEST

START_TEST(key_ids_and_purpose)
{
    uint8_t gmk[16];
    unhex(GMK_HEX, gmk, 16);
    uint32_t id, guk, csb;
    unsigned ctr = 1;
    for (unsigned p = 0; p <= MIKEY_PURPOSE_MUSIK; p++) {
        ck_assert_int_eq(mikey_key_id_new(p, fake_random, &ctr, &id), MIKEY_OK);
        ck_assert_uint_eq(mikey_key_id_purpose(id), p);
    }
    ck_assert_int_eq(mikey_key_id_new(16, fake_random, &ctr, &id), MIKEY_EINVAL);
    /* The GUK-ID keeps the purpose tag; a PCK's CSB ID is the PCK-ID. */
    ck_assert_int_eq(mikey_guk_id(gmk, 16, 0xF0000000u, S("sip:a@b"), &guk), MIKEY_OK);
    ck_assert_uint_eq(guk >> 28, 0xF);
    ck_assert_uint_ne(guk, 0xF0000000u);
    ck_assert_int_eq(mikey_csb_id(gmk, 16, 0x10ABCDEFu, S("sip:a@b"), &csb), MIKEY_OK);
    ck_assert_uint_eq(csb, 0x10ABCDEFu);
    ck_assert_int_eq(mikey_guk_id(gmk, 16, 1, S(""), &guk), MIKEY_EINVAL);
}
END_TEST

START_TEST(prf_pieces_and_mikey1)
{
    uint8_t inkey[40], label[25], out[50], want[50];
    for (int i = 0; i < 40; i++)
        inkey[i] = (uint8_t)(i + 1);
    const uint8_t head[] = {0x2A, 0xD0, 0x1C, 0x64, 0x07, 0x01, 0x02, 0x03, 0x04};
    memcpy(label, head, sizeof head);
    for (int i = 0; i < 16; i++)
        label[9 + i] = (uint8_t)(0xA0 + i);
    /* 40-octet inkey = two 256-bit pieces XORed; 50 octets = several blocks. */
    ck_assert_int_eq(mikey_prf(MIKEY_PRF_HMAC_SHA256, inkey, 40, label, 25, out, 50), MIKEY_OK);
    unhex("c0f0a4419bf4d8a4a070650f1258747a3835535e8b572c8f53a4bc78a046367a096fdc2ccea413ac5e78"
          "de6ad291d3a858d5", want, 50);
    ck_assert_mem_eq(out, want, 50);
    ck_assert_int_eq(mikey_prf(MIKEY_PRF_MIKEY1, inkey, 40, label, 25, out, 50), MIKEY_OK);
    unhex("f0e6533230765aeb94c43d69c9edd1e8dd43dc14380a8030c7e3dbbd828e798153a71b9ad269f68158c7"
          "4546e79449e9de69", want, 50);
    ck_assert_mem_eq(out, want, 50);
    /* mikey_derive builds the same label. */
    uint8_t d[50];
    ck_assert_int_eq(mikey_derive(MIKEY_PRF_MIKEY1, inkey, 40, MIKEY_KDF_TEK, 7, 0x01020304,
                                  label + 9, 16, d, 50), MIKEY_OK);
    ck_assert_mem_eq(d, want, 50);
    ck_assert_int_eq(mikey_prf(2, inkey, 40, label, 25, out, 50), MIKEY_EINVAL);
    ck_assert_int_eq(mikey_derive(MIKEY_PRF_MIKEY1, inkey, 40, MIKEY_KDF_TEK, 7, 1, label, 0,
                                  d, 50), MIKEY_EINVAL);
}
END_TEST

/* ------------------------------------------------------ interop decode */
START_TEST(interop_decode_fields)
{
    struct mikey_imsg m;
    ck_assert_int_eq(mikey_imsg_decode(imsg, imsg_len, &m), MIKEY_OK);
    ck_assert_uint_eq(m.hdr.version, 1);
    ck_assert_uint_eq(m.hdr.data_type, MIKEY_DATA_TYPE_SAKKE);
    ck_assert_uint_eq(m.hdr.v, 0);
    ck_assert_uint_eq(m.hdr.prf_func, MIKEY_PRF_HMAC_SHA256);
    ck_assert_uint_eq(m.hdr.csb_id, 0x07199D39u);
    ck_assert_uint_eq(m.hdr.n_cs, 0);
    ck_assert_uint_eq(m.hdr.map_type, MIKEY_MAP_EMPTY);
    ck_assert_uint_eq(m.ts_type, MIKEY_TS_NTP_UTC);
    ck_assert_uint_eq(m.ts, 0x00000000E43D14C0ull);
    ck_assert(view_is_hex(&m.rand, "ce18656daa8a902530f99cb6b83b4ca9"));
    ck_assert_uint_eq(m.idri.role, MIKEY_ROLE_I);
    ck_assert_uint_eq(m.idri.type, MIKEY_IDT_URI);
    ck_assert(view_is(&m.idri.id, SIGNER_URI));
    ck_assert_uint_eq(m.idrr.role, MIKEY_ROLE_R);
    ck_assert(view_is(&m.idrr.id, RECEIVER_URI));
    ck_assert_uint_eq(m.idrkmsi.role, MIKEY_ROLE_KMSI);
    ck_assert(view_is(&m.idrkmsi.id, SIGNER_KMS));
    ck_assert_uint_eq(m.idrkmsr.role, MIKEY_ROLE_KMSR);
    ck_assert(view_is(&m.idrkmsr.id, RECEIVER_KMS));
    ck_assert_uint_eq(m.n_sp, 0);
    ck_assert_uint_eq(m.sakke.params, MIKEY_SAKKE_PARAMS_1);
    ck_assert_uint_eq(m.sakke.id_scheme, MIKEY_SAKKE_ID_3GPP_UID);
    ck_assert_uint_eq(m.sakke.data.len, 273);
    ck_assert_uint_eq(m.sakke.data.p[0], 0x04);
    ck_assert_uint_eq(m.n_ext, 1);
    ck_assert_uint_eq(m.ext[0].type, MIKEY_GENEXT_KEY_PARAMS);
    ck_assert(view_is_hex(&m.ext[0].data, "00010000000000000000000001ff"));
    ck_assert(!m.has_sakke_to_self);
    ck_assert_uint_eq(m.sig_type, MIKEY_SIGN_ECCSI);
    ck_assert_uint_eq(m.sig.len, 129);
    ck_assert_ptr_eq(m.sig.p, imsg + 432);
    ck_assert_uint_eq(m.signed_len, 432);
    ck_assert_uint_eq(m.signed_len_nohdr, 430);
    /* T: key period 1477 only with the documented low-word fallback. */
    ck_assert_uint_eq(mikey_imsg_time(&m, MIKEY_F_T_LOW32), 3829208256u);
    uint64_t no;
    ck_assert_int_eq(mikey_kp_number(&KP30, mikey_imsg_time(&m, MIKEY_F_T_LOW32), &no),
                     MIKEY_OK);
    ck_assert_uint_eq(no, 1477);
    uint8_t uid[32], want[32];
    unhex(RECEIVER_UID_HEX, want, 32);
    ck_assert_int_eq(mikey_imsg_uid(&m, &m.idrr, &m.idrkmsr, &KP30, MIKEY_F_T_LOW32, uid),
                     MIKEY_OK);
    ck_assert_mem_eq(uid, want, 32);
    ck_assert_int_eq(mikey_imsg_uid(&m, &m.idrr, &m.idrkmsr, &KP30, 0, uid), MIKEY_OK);
    ck_assert(memcmp(uid, want, 32) != 0);
    /* The 14-octet pre-standard type 7 extension is not E.6.1 content. */
    struct mikey_key_params kp;
    ck_assert_int_eq(mikey_key_params_decode(m.ext[0].data.p, m.ext[0].data.len, &kp),
                     MIKEY_ETRUNC);
}
END_TEST

START_TEST(interop_reencode_identical)
{
    struct mikey_imsg m;
    uint8_t out[600];
    size_t n;
    ck_assert_int_eq(mikey_imsg_decode(imsg, imsg_len, &m), MIKEY_OK);
    ck_assert_uint_eq(mikey_imsg_encoded_len(&m), imsg_len);
    ck_assert_int_eq(mikey_imsg_encode(&m, NULL, NULL, out, sizeof out, &n), MIKEY_OK);
    ck_assert_uint_eq(n, imsg_len);
    ck_assert_mem_eq(out, imsg, n);
    ck_assert_int_eq(mikey_imsg_encode(&m, NULL, NULL, out, imsg_len - 1, &n), MIKEY_ESPACE);
}
END_TEST

static void signer_uid(uint8_t uid[32], uint64_t period)
{
    ck_assert_int_eq(mikey_uid(S(SIGNER_URI), S(SIGNER_KMS), &KP30, period, uid), MIKEY_OK);
}

START_TEST(interop_signature_verifies)
{
    struct mikey_imsg m;
    uint8_t uid[32];
    ck_assert_int_eq(mikey_imsg_decode(imsg, imsg_len, &m), MIKEY_OK);
    signer_uid(uid, 1477);
    uint8_t from_t[32];
    ck_assert_int_eq(mikey_imsg_uid(&m, &m.idri, &m.idrkmsi, &KP30, MIKEY_F_T_LOW32, from_t),
                     MIKEY_OK);
    ck_assert_mem_eq(from_t, uid, 32);
    struct mikey_eccsi_verifier v = {kpak, 65, uid, 32};
    enum mikey_sig_variant var = MIKEY_SIG_NO_HDR;
    ck_assert_int_eq(mikey_imsg_verify(&m, mikey_eccsi_verify, &v, 0, &var), MIKEY_OK);
    ck_assert_int_eq(var, MIKEY_SIG_STANDARD);
    /* It is signed over the standard part only. */
    ck_assert_int_eq(mikey_eccsi_verify(&v, imsg, 430, m.sig.p, 129), MIKEY_ESIGN);
    /* With the UID of the strictly-read T it does not verify. */
    signer_uid(uid, 0);
    ck_assert_int_eq(mikey_imsg_verify(&m, mikey_eccsi_verify, &v, MIKEY_F_SIGN_NO_HDR, &var),
                     MIKEY_ESIGN);
}
END_TEST

START_TEST(interop_gmk_recovered)
{
    struct mikey_imsg m;
    uint8_t uid[32], key[16];
    ck_assert_int_eq(mikey_imsg_decode(imsg, imsg_len, &m), MIKEY_OK);
    unhex(RECEIVER_UID_HEX, uid, 32);
    ck_assert_int_eq(mikey_sakke_decap(&m.sakke, z_pub, 257, uid, 32, rsk_user1, 257, key),
                     MIKEY_OK);
    ck_assert_mem_eq(key, interop_gmk, 16);

    /* The whole receiver procedure. */
    struct mikey_kms my_kms = {S(RECEIVER_KMS), KP30, NULL, 0, z_pub, 257};
    struct mikey_kms gms_kms = {S(SIGNER_KMS), KP30, kpak, 65, NULL, 0};
    struct mikey_gmk_recv rp = {S(RECEIVER_URI), &my_kms, rsk_user1, 257, &gms_kms,
                                MIKEY_F_T_LOW32};
    struct mikey_gmk_result res;
    ck_assert_int_eq(mikey_gmk_imessage_receive(imsg, imsg_len, &rp, &m, &res), MIKEY_OK);
    ck_assert_mem_eq(res.key, interop_gmk, 16);
    ck_assert_uint_eq(res.csb_id, 0x07199D39u);
    uint32_t gmk_id;
    ck_assert_int_eq(mikey_gmk_id_from_guk(interop_gmk, 16, 0x07199D39u, S(RECEIVER_URI),
                                           &gmk_id), MIKEY_OK);
    ck_assert_uint_eq(res.key_id, gmk_id);
    ck_assert_uint_eq(mikey_key_id_purpose(res.key_id), MIKEY_PURPOSE_GMK);
    ck_assert_uint_eq(res.period_no, 1477);
    ck_assert_int_eq(res.sig_variant, MIKEY_SIG_STANDARD);

    /* Strict T: wrong key period, the signature fails. */
    rp.flags = 0;
    ck_assert_int_eq(mikey_gmk_imessage_receive(imsg, imsg_len, &rp, &m, &res), MIKEY_ESIGN);
    for (size_t i = 0; i < 16; i++)
        ck_assert_uint_eq(res.key[i], 0);
    /* A message for someone else. */
    rp.flags = MIKEY_F_T_LOW32;
    rp.my_uri = (const uint8_t *)"user2@streamwide.com";
    ck_assert_int_eq(mikey_gmk_imessage_receive(imsg, imsg_len, &rp, &m, &res),
                     MIKEY_EIDENTITY);
    /* Another identity's RSK (RFC 6508's) fails SAKKE's integrity check. */
    rp.my_uri = (const uint8_t *)RECEIVER_URI;
    uint8_t bad_rsk[257];
    unhex(RFC6508_RSK_HEX, bad_rsk, sizeof bad_rsk);
    rp.rsk = bad_rsk;
    ck_assert_int_eq(mikey_gmk_imessage_receive(imsg, imsg_len, &rp, &m, &res), MIKEY_ESAKKE);
}
END_TEST

/* Builds the interop message from its inputs: the SAKKE data from the GMK
 * (SAKKE is deterministic given the SSV), the signature from the RFC 6507
 * KSAK/v/j (the message's PVT and r are those of RFC 6507). */
static int sign_counting(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[129])
{
    return mikey_eccsi_sign(ctx, msg, len, sig);
}

START_TEST(interop_encode_identical)
{
    uint8_t ksak[32], v[32], j[32], uid_i[32], uid_r[32], ssk[32], pvt[65], ssv[16], ed[273];
    unhex(KSAK_HEX, ksak, 32);
    unhex(V_HEX, v, 32);
    unhex(J_HEX, j, 32);
    signer_uid(uid_i, 1477);
    unhex(RECEIVER_UID_HEX, uid_r, 32);
    ck_assert_int_eq(ibc_eccsi_issue(ksak, 32, kpak, 65, uid_i, 32, v, NULL, NULL, ssk, pvt,
                                     NULL), IBC_OK);
    ck_assert_int_eq(ibc_sakke_encap(z_pub, 257, uid_r, 32, interop_gmk, NULL, NULL, ssv, ed),
                     IBC_OK);

    uint8_t rnd[16], ext7[14];
    unhex("ce18656daa8a902530f99cb6b83b4ca9", rnd, 16);
    unhex("00010000000000000000000001ff", ext7, 14);
    struct mikey_imsg m;
    memset(&m, 0, sizeof m);
    m.hdr = (struct mikey_hdr){.version = 1, .data_type = 26, .prf_func = 1,
                               .csb_id = 0x07199D39u, .map_type = MIKEY_MAP_EMPTY};
    m.ts = 0xE43D14C0u;
    m.rand = (struct mikey_view){rnd, 16};
    m.idri = (struct mikey_idr){1, 1, {S(SIGNER_URI)}};
    m.idrr = (struct mikey_idr){2, 1, {S(RECEIVER_URI)}};
    m.idrkmsi = (struct mikey_idr){6, 1, {S(SIGNER_KMS)}};
    m.idrkmsr = (struct mikey_idr){7, 1, {S(RECEIVER_KMS)}};
    m.sakke = (struct mikey_sakke){1, 2, {ed, 273}};
    m.ext[0] = (struct mikey_genext){7, {ext7, 14}};
    m.n_ext = 1;
    m.sig_type = MIKEY_SIGN_ECCSI;
    struct mikey_eccsi_signer signer = {kpak, 65, uid_i, 32, ssk, 32, pvt, 65, j, NULL, NULL};
    uint8_t out[600];
    size_t n;
    ck_assert_int_eq(mikey_imsg_encode(&m, sign_counting, &signer, out, sizeof out, &n),
                     MIKEY_OK);
    ck_assert_uint_eq(n, imsg_len);
    ck_assert_mem_eq(out, imsg, n);
}
END_TEST

/* ------------------------------------------------ negative decoding */
START_TEST(every_truncation_refused)
{
    struct mikey_imsg m;
    for (size_t n = 0; n < imsg_len; n++)
        ck_assert_msg(mikey_imsg_decode(imsg, n, &m) == MIKEY_ETRUNC, "length %zu", n);
    /* Refused decodes leave nothing behind. */
    ck_assert_ptr_null(m.raw.p);
    ck_assert_uint_eq(m.hdr.csb_id, 0);
}
END_TEST

START_TEST(appended_byte_refused)
{
    uint8_t buf[600];
    memcpy(buf, imsg, imsg_len);
    buf[imsg_len] = 0;
    struct mikey_imsg m;
    ck_assert_int_eq(mikey_imsg_decode(buf, imsg_len + 1, &m), MIKEY_ETRAILING);
}
END_TEST

/* The interop message's payloads: [start, end) and type. */
enum { P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKI, P_IDRKR, P_SAKKE, P_EXT, P_SIGN, P_N };
static const size_t seg_at[P_N + 1] = {0, 10, 20, 38, 62, 87, 111, 134, 412, 430, 561};
static const uint8_t seg_type[P_N] = {0, 5, 11, 14, 14, 14, 14, 26, 21, 4};

/* Concatenates the listed payloads, rewriting the next-payload chain. */
static size_t rebuild(const int *order, size_t count, uint8_t *out)
{
    size_t n = 0, prev_next = 0;
    for (size_t i = 0; i < count; i++) {
        int s = order[i];
        size_t len = seg_at[s + 1] - seg_at[s];
        memcpy(out + n, imsg + seg_at[s], len);
        if (i > 0)
            out[prev_next] = seg_type[s];
        prev_next = n + (s == P_HDR ? 2 : 0);
        n += len;
    }
    return n;
}

static int decode_order(const int *order, size_t count)
{
    uint8_t buf[1200];
    struct mikey_imsg m;
    size_t n = rebuild(order, count, buf);
    return mikey_imsg_decode(buf, n, &m);
}

#define ORDER(...) ((const int[]){__VA_ARGS__}), (sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

START_TEST(payload_order_enforced)
{
    /* Sanity: the segment table rebuilds the original. */
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKI, P_IDRKR,
                                        P_SAKKE, P_EXT, P_SIGN)), MIKEY_OK);
    /* Reordered. */
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_RAND, P_T, P_IDRI, P_IDRR, P_IDRKI, P_IDRKR,
                                        P_SAKKE, P_EXT, P_SIGN)), MIKEY_EORDER);
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRR, P_IDRI, P_IDRKI, P_IDRKR,
                                        P_SAKKE, P_EXT, P_SIGN)), MIKEY_EORDER);
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKI, P_IDRKR,
                                        P_EXT, P_SAKKE, P_SIGN)), MIKEY_EORDER);
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKR, P_IDRKI,
                                        P_SAKKE, P_EXT, P_SIGN)), MIKEY_EORDER);
    /* Duplicated. */
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKI,
                                        P_IDRKR, P_SAKKE, P_EXT, P_SIGN)), MIKEY_EDUP);
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRR, P_IDRKI,
                                        P_IDRKR, P_SAKKE, P_EXT, P_SIGN)), MIKEY_EDUP);
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKI, P_IDRKR,
                                        P_SAKKE, P_SAKKE, P_EXT, P_SIGN)), MIKEY_EDUP);
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKI, P_IDRKR,
                                        P_SAKKE, P_EXT, P_EXT, P_SIGN)), MIKEY_EDUP);
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKI, P_IDRKR,
                                        P_SAKKE, P_EXT, P_RAND, P_SIGN)), MIKEY_EDUP);
    /* Missing mandatory payloads. */
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKI, P_EXT,
                                        P_SIGN)), MIKEY_EMISSING);
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_IDRI, P_IDRR, P_IDRKI, P_IDRKR, P_SAKKE,
                                        P_SIGN)), MIKEY_EMISSING);
    /* Without the optional extension it is still a valid I_MESSAGE. */
    ck_assert_int_eq(decode_order(ORDER(P_HDR, P_T, P_RAND, P_IDRI, P_IDRR, P_IDRKI, P_IDRKR,
                                        P_SAKKE, P_SIGN)), MIKEY_OK);
    /* A chain that stops (next = 0) before SIGN, or goes on after it. */
    uint8_t buf[600];
    struct mikey_imsg m;
    memcpy(buf, imsg, imsg_len);
    buf[seg_at[P_EXT]] = 0;
    ck_assert_int_eq(mikey_imsg_decode(buf, imsg_len, &m), MIKEY_EMISSING);
    ck_assert_int_eq(mikey_imsg_decode(buf, seg_at[P_SIGN], &m), MIKEY_EMISSING);
}
END_TEST

static int decode_patched(size_t off, uint8_t val)
{
    uint8_t buf[600];
    struct mikey_imsg m;
    memcpy(buf, imsg, imsg_len);
    buf[off] = val;
    return mikey_imsg_decode(buf, imsg_len, &m);
}

START_TEST(wrong_next_payload_refused)
{
    ck_assert_int_eq(decode_patched(2, 0), MIKEY_EMISSING);        /* HDR -> end */
    ck_assert_int_eq(decode_patched(2, 1), MIKEY_EPAYLOAD);        /* KEMAC */
    ck_assert_int_eq(decode_patched(2, 7), MIKEY_EPAYLOAD);        /* CERT */
    ck_assert_int_eq(decode_patched(2, 99), MIKEY_EPAYLOAD);
    ck_assert_int_eq(decode_patched(2, 11), MIKEY_EFIELD);         /* T read as RAND (len 0) */
    ck_assert_int_eq(decode_patched(seg_at[P_T], 14), MIKEY_EFIELD);   /* RAND read as IDR */
    ck_assert_int_eq(decode_patched(seg_at[P_RAND], 26), MIKEY_EFIELD); /* IDR as SAKKE */
    ck_assert_int_eq(decode_patched(seg_at[P_IDRKR], 21), MIKEY_ETRUNC); /* SAKKE as GENEXT */
    ck_assert_int_eq(decode_patched(seg_at[P_IDRKR], 4), MIKEY_EFIELD);  /* as SIGN */
    ck_assert_int_eq(decode_patched(seg_at[P_SAKKE], 4), MIKEY_EFIELD);  /* GENEXT as SIGN */
    ck_assert_int_eq(decode_patched(seg_at[P_EXT], 21), MIKEY_ETRUNC);   /* SIGN as GENEXT */
    ck_assert_int_eq(decode_patched(seg_at[P_EXT], 12), MIKEY_EPAYLOAD); /* ERR */
}
END_TEST

START_TEST(unknown_critical_fields_refused)
{
    ck_assert_int_eq(decode_patched(0, 2), MIKEY_EVERSION);
    ck_assert_int_eq(decode_patched(1, 0), MIKEY_EDATATYPE);     /* PSK init */
    ck_assert_int_eq(decode_patched(1, 27), MIKEY_EDATATYPE);
    ck_assert_int_eq(decode_patched(3, 0x02), MIKEY_EFIELD);     /* PRF 2 */
    ck_assert_int_eq(decode_patched(3, 0x81), MIKEY_OK);         /* V bit is data */
    ck_assert_int_eq(decode_patched(9, 3), MIKEY_EFIELD);        /* CS map type */
    ck_assert_int_eq(decode_patched(11, 2), MIKEY_EFIELD);       /* TS type COUNTER */
    ck_assert_int_eq(decode_patched(21, 8), MIKEY_EFIELD);       /* RAND of 8 octets */
    ck_assert_int_eq(decode_patched(seg_at[P_IDRI] + 1, 3), MIKEY_EFIELD);  /* role */
    ck_assert_int_eq(decode_patched(seg_at[P_IDRI] + 1, 8), MIKEY_EFIELD);  /* UID role */
    ck_assert_int_eq(decode_patched(seg_at[P_IDRI] + 2, 3), MIKEY_EFIELD);  /* ID type */
    ck_assert_int_eq(decode_patched(seg_at[P_SAKKE] + 1, 2), MIKEY_EFIELD); /* params */
    ck_assert_int_eq(decode_patched(seg_at[P_SAKKE] + 2, 3), MIKEY_EFIELD); /* scheme */
    ck_assert_int_eq(decode_patched(seg_at[P_SAKKE] + 4, 0x10), MIKEY_EFIELD); /* length */
    ck_assert_int_eq(decode_patched(seg_at[P_SIGN], 0x10), MIKEY_EFIELD);   /* RSA sig */
    ck_assert_int_eq(decode_patched(seg_at[P_SIGN] + 1, 0x80), MIKEY_EFIELD); /* len 128 */
    ck_assert_int_eq(decode_patched(seg_at[P_SIGN] + 1, 0x82), MIKEY_EFIELD); /* len 130 */
    /* An unknown general extension type is kept, not refused. */
    ck_assert_int_eq(decode_patched(seg_at[P_EXT] + 1, 200), MIKEY_OK);
    ck_assert_int_eq(mikey_imsg_decode(NULL, 10, &(struct mikey_imsg){0}), MIKEY_EINVAL);
}
END_TEST

START_TEST(flipped_bit_fails_verification)
{
    uint8_t uid[32], buf[600];
    signer_uid(uid, 1477);
    struct mikey_eccsi_verifier v = {kpak, 65, uid, 32};
    size_t refused = 0, failed = 0;
    /* Every bit of the signed part and of the signature. */
    for (size_t bit = 0; bit < imsg_len * 8; bit++) {
        memcpy(buf, imsg, imsg_len);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        struct mikey_imsg m;
        if (mikey_imsg_decode(buf, imsg_len, &m) != MIKEY_OK) {
            refused++;
            continue;
        }
        int rc = mikey_imsg_verify(&m, mikey_eccsi_verify, &v, MIKEY_F_SIGN_NO_HDR, NULL);
        ck_assert_msg(rc == MIKEY_ESIGN, "bit %zu: %d", bit, rc);
        failed++;
    }
    ck_assert_uint_eq(refused + failed, imsg_len * 8);
    ck_assert_uint_gt(failed, 4000); /* most flips decode and then fail */
}
END_TEST

/* ------------------------------------------- our messages: round trips */
struct keys {
    uint8_t ksak[32], ssk[32], pvt[65], rsk[257];
    uint8_t uid_i[32], uid_r[32];
};

#define GMS_URI "sip:gms@seal.example"
#define GMS_KMS "kms.seal.example"
#define USER_URI "sip:alice@seal.example"
#define USER_KMS "kms.seal.example"
static const uint64_t NOW = 3900000000u; /* 2023-08-02 */

static void make_keys(struct keys *k, uint64_t ntp)
{
    uint8_t zs[20];
    unhex(KSAK_HEX, k->ksak, 32);
    unhex(ZS_HEX, zs, 20);
    ck_assert_int_eq(mikey_uid_at(S(GMS_URI), S(GMS_KMS), &KP30, ntp, k->uid_i), MIKEY_OK);
    ck_assert_int_eq(mikey_uid_at(S(USER_URI), S(USER_KMS), &KP30, ntp, k->uid_r), MIKEY_OK);
    unsigned c = 9;
    ck_assert_int_eq(ibc_eccsi_issue(k->ksak, 32, kpak, 65, k->uid_i, 32, NULL, fake_random, &c,
                                     k->ssk, k->pvt, NULL), IBC_OK);
    ck_assert_int_eq(ibc_sakke_issue_rsk(zs, 20, k->uid_r, 32, k->rsk), IBC_OK);
}

START_TEST(build_receive_round_trip)
{
    struct keys k;
    make_keys(&k, NOW);
    uint8_t gmk[16];
    unhex(GMK_HEX, gmk, 16);
    struct mikey_sp sp;
    mikey_sp_default_group(&sp, 0);
    uint8_t kpbuf[64];
    size_t kplen;
    struct mikey_key_params kpar = {.key_type = 0, .status = 1, .activation = NOW,
                                    .expiry = NOW + 86400, .text = {S("group A")}};
    ck_assert_int_eq(mikey_key_params_encode(&kpar, kpbuf, sizeof kpbuf, &kplen), MIKEY_OK);
    struct mikey_genext ext = {MIKEY_GENEXT_KEY_PARAMS, {kpbuf, kplen}};
    struct mikey_kms gms_kms = {S(GMS_KMS), KP30, kpak, 65, NULL, 0};
    struct mikey_kms user_kms = {S(USER_KMS), KP30, NULL, 0, z_pub, 257};
    unsigned c = 77;
    struct mikey_gmk_send snd = {
        .key = gmk, .key_len = 16, .key_id = 0x0123ABCDu, .ntp_secs = NOW, .sp = &sp,
        .ext = &ext, .n_ext = 1, .init_uri = S(GMS_URI), .init_kms = &gms_kms,
        .ssk = k.ssk, .ssk_len = 32, .pvt = k.pvt, .pvt_len = 65,
        .resp_uri = S(USER_URI), .resp_kms = &user_kms, .rnd = fake_random, .rctx = &c,
    };
    uint8_t out[1024];
    size_t n;
    ck_assert_int_eq(mikey_gmk_imessage_build(&snd, out, sizeof out, &n), MIKEY_OK);

    struct mikey_gmk_recv rp = {S(USER_URI), &user_kms, k.rsk, 257, &gms_kms, 0};
    struct mikey_imsg m;
    struct mikey_gmk_result res;
    ck_assert_int_eq(mikey_gmk_imessage_receive(out, n, &rp, &m, &res), MIKEY_OK);
    ck_assert_mem_eq(res.key, gmk, 16);
    ck_assert_uint_eq(res.key_id, 0x0123ABCDu);
    uint32_t guk;
    ck_assert_int_eq(mikey_guk_id(gmk, 16, 0x0123ABCDu, S(USER_URI), &guk), MIKEY_OK);
    ck_assert_uint_eq(res.csb_id, guk);
    ck_assert_uint_eq(res.ntp_secs, NOW);
    ck_assert_uint_eq(res.period_no, NOW / 2592000);
    ck_assert_int_eq(res.sig_variant, MIKEY_SIG_STANDARD);
    /* Every field as given. */
    ck_assert_uint_eq(m.hdr.prf_func, MIKEY_PRF_HMAC_SHA256);
    ck_assert_uint_eq(m.hdr.v, 0);
    ck_assert_uint_eq(m.hdr.map_type, MIKEY_MAP_EMPTY);
    ck_assert_uint_eq(m.ts, (uint64_t)NOW << 32);
    ck_assert_uint_eq(m.rand.len, 16);
    ck_assert(view_is(&m.idri.id, GMS_URI));
    ck_assert(view_is(&m.idrr.id, USER_URI));
    ck_assert(view_is(&m.idrkmsi.id, GMS_KMS));
    ck_assert(view_is(&m.idrkmsr.id, USER_KMS));
    ck_assert_uint_eq(m.n_sp, 1);
    ck_assert_uint_eq(m.sp[0].n_params, 10);
    for (size_t i = 0; i < 10; i++) {
        ck_assert_uint_eq(m.sp[0].params[i].type, sp.params[i].type);
        ck_assert_uint_eq(m.sp[0].params[i].value.len, 1);
        ck_assert_uint_eq(m.sp[0].params[i].value.p[0], sp.params[i].value.p[0]);
    }
    ck_assert_uint_eq(mikey_sp_param(&m.sp[0], MIKEY_SRTP_ENC_ALG)->p[0], 6);
    ck_assert_uint_eq(mikey_sp_param(&m.sp[0], MIKEY_SRTP_AEAD_TAG_LEN)->p[0], 16);
    ck_assert_ptr_null(mikey_sp_param(&m.sp[0], MIKEY_SRTP_AUTH_KEY_LEN));
    const struct mikey_genext *e = mikey_imsg_ext(&m, MIKEY_GENEXT_KEY_PARAMS);
    ck_assert_ptr_nonnull(e);
    struct mikey_key_params kd;
    ck_assert_int_eq(mikey_key_params_decode(e->data.p, e->data.len, &kd), MIKEY_OK);
    ck_assert_uint_eq(kd.status, 1);
    ck_assert_uint_eq(kd.activation, NOW);
    ck_assert_uint_eq(kd.expiry, NOW + 86400);
    ck_assert(view_is(&kd.text, "group A"));
    ck_assert_uint_eq(kd.group_ids.len, 0);
    ck_assert_uint_eq(kd.extra.len, 0);
    /* Both ends derive the same SRTP master key from what they hold. */
    uint8_t k1[16], s1[12], k2[16], s2[12];
    ck_assert_int_eq(mikey_srtp_master(MIKEY_PRF_HMAC_SHA256, gmk, 16, 0, guk, m.rand.p, 16, k1,
                                       16, s1, 12), MIKEY_OK);
    ck_assert_int_eq(mikey_srtp_master(m.hdr.prf_func, res.key, 16, 0, res.csb_id, m.rand.p,
                                       m.rand.len, k2, 16, s2, 12), MIKEY_OK);
    ck_assert_mem_eq(k1, k2, 16);
    ck_assert_mem_eq(s1, s2, 12);

    /* The next key period needs the next RSK. */
    struct keys k2p;
    make_keys(&k2p, NOW + 2592000);
    rp.rsk = k2p.rsk;
    ck_assert_int_eq(mikey_gmk_imessage_receive(out, n, &rp, &m, &res), MIKEY_ESAKKE);
    /* A GMS key under another KPAK does not verify. */
    uint8_t other_kpak[65];
    ck_assert_int_eq(ibc_eccsi_kms_public(k.ssk, 32, other_kpak),
                     IBC_OK);
    struct mikey_kms fake_kms = gms_kms;
    fake_kms.kpak = other_kpak;
    rp.rsk = k.rsk;
    rp.init_kms = &fake_kms;
    ck_assert_int_eq(mikey_gmk_imessage_receive(out, n, &rp, &m, &res), MIKEY_ESIGN);
    /* Too small an output buffer. */
    ck_assert_int_eq(mikey_gmk_imessage_build(&snd, out, n - 1, &n), MIKEY_ESPACE);
}
END_TEST

/* A message using every optional structure: GENERIC-ID map with session
 * data and SPI, two SPs, SAKKE-to-self, an unknown extension. */
static int sign_fixed(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[129])
{
    (void)ctx;
    for (size_t i = 0; i < 129; i++)
        sig[i] = (uint8_t)(len + i);
    (void)msg;
    return MIKEY_OK;
}

static void full_message(struct mikey_imsg *m, uint8_t *self_ext, const uint8_t *ed)
{
    static const uint8_t rnd[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                                    18, 19, 20};
    static const uint8_t pol[2] = {0, 1}, sdata[10] = {0xAA, 1, 2, 3, 4, 5, 6, 7, 8, 9},
                         spi[3] = {9, 8, 7}, vendor[5] = {'s', 'e', 'a', 'l', 'd'};
    memset(m, 0, sizeof *m);
    m->hdr = (struct mikey_hdr){.version = 1, .data_type = 26, .v = 1, .prf_func = 0,
                                .csb_id = 0x2ABCDEF0u, .n_cs = 2,
                                .map_type = MIKEY_MAP_GENERIC_ID};
    m->hdr.cs[0] = (struct mikey_cs){.cs_id = 6, .prot_type = 0, .s_flag = 1,
                                     .policies = {pol, 2}, .session_data = {sdata, 10},
                                     .spi = {spi, 3}};
    m->hdr.cs[1] = (struct mikey_cs){.cs_id = 7, .policies = {pol + 1, 1}};
    m->ts = 0xE9000000ABCD0000ull;
    m->rand = (struct mikey_view){rnd, 20};
    m->idri = (struct mikey_idr){1, MIKEY_IDT_URI, {S("sip:bob@x")}};
    m->idrr = (struct mikey_idr){2, MIKEY_IDT_NAI, {S("carol@x")}};
    m->idrkmsi = (struct mikey_idr){6, MIKEY_IDT_BYTES, {S("\x01\x02")}};
    m->idrkmsr = (struct mikey_idr){7, MIKEY_IDT_URI, {S("kms.y")}};
    mikey_sp_default_group(&m->sp[0], 0);
    mikey_sp_default_private(&m->sp[1], 1);
    m->n_sp = 2;
    m->sakke = (struct mikey_sakke){1, 1, {ed, 273}};
    self_ext[0] = 0;
    self_ext[1] = 1;
    self_ext[2] = 2;
    self_ext[3] = 0x01;
    self_ext[4] = 0x11;
    memcpy(self_ext + 5, ed, 273);
    m->ext[0] = (struct mikey_genext){MIKEY_GENEXT_SAKKE_TO_SELF, {self_ext, 278}};
    m->ext[1] = (struct mikey_genext){0, {vendor, 5}};
    m->n_ext = 2;
    m->sig_type = MIKEY_SIGN_ECCSI;
}

START_TEST(full_encode_decode_round_trip)
{
    uint8_t ed[273], self_ext[278], out[2048];
    for (int i = 0; i < 273; i++)
        ed[i] = (uint8_t)(i * 7);
    ed[0] = 4;
    struct mikey_imsg in, m;
    full_message(&in, self_ext, ed);
    size_t n;
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_fixed, NULL, out, sizeof out, &n), MIKEY_OK);
    ck_assert_uint_eq(n, mikey_imsg_encoded_len(&in));
    ck_assert_int_eq(mikey_imsg_decode(out, n, &m), MIKEY_OK);
    ck_assert_uint_eq(m.hdr.v, 1);
    ck_assert_uint_eq(m.hdr.prf_func, 0);
    ck_assert_uint_eq(m.hdr.csb_id, 0x2ABCDEF0u);
    ck_assert_uint_eq(m.hdr.n_cs, 2);
    ck_assert_uint_eq(m.hdr.map_type, MIKEY_MAP_GENERIC_ID);
    ck_assert_uint_eq(m.hdr.cs[0].cs_id, 6);
    ck_assert_uint_eq(m.hdr.cs[0].s_flag, 1);
    ck_assert_uint_eq(m.hdr.cs[0].policies.len, 2);
    ck_assert_mem_eq(m.hdr.cs[0].session_data.p, in.hdr.cs[0].session_data.p, 10);
    ck_assert_uint_eq(m.hdr.cs[0].session_data.len, 10);
    ck_assert_mem_eq(m.hdr.cs[0].spi.p, "\x09\x08\x07", 3);
    ck_assert_uint_eq(m.hdr.cs[1].cs_id, 7);
    ck_assert_uint_eq(m.hdr.cs[1].s_flag, 0);
    ck_assert_uint_eq(m.hdr.cs[1].policies.p[0], 1);
    ck_assert_uint_eq(m.hdr.cs[1].session_data.len, 0);
    ck_assert_uint_eq(m.ts, 0xE9000000ABCD0000ull);
    ck_assert_uint_eq(m.rand.len, 20);
    ck_assert_uint_eq(m.idrr.type, MIKEY_IDT_NAI);
    ck_assert(view_is(&m.idrr.id, "carol@x"));
    ck_assert_uint_eq(m.idrkmsi.type, MIKEY_IDT_BYTES);
    ck_assert_uint_eq(m.n_sp, 2);
    ck_assert_uint_eq(m.sp[1].policy_no, 1);
    ck_assert_uint_eq(m.sp[1].n_params, 6);
    ck_assert_uint_eq(m.sakke.id_scheme, MIKEY_SAKKE_ID_TEL_URI);
    ck_assert_mem_eq(m.sakke.data.p, ed, 273);
    ck_assert(m.has_sakke_to_self);
    ck_assert_uint_eq(m.sakke_self.id_scheme, 2);
    ck_assert_mem_eq(m.sakke_self.data.p, ed, 273);
    ck_assert_uint_eq(m.n_ext, 2);
    ck_assert_uint_eq(m.ext[1].type, 0);
    ck_assert(view_is(&m.ext[1].data, "seald"));
    ck_assert_uint_eq(m.sig.p[0], (uint8_t)m.signed_len);
    /* Re-encoding what was decoded gives the same octets. */
    uint8_t again[2048];
    size_t n2;
    ck_assert_int_eq(mikey_imsg_encode(&m, NULL, NULL, again, sizeof again, &n2), MIKEY_OK);
    ck_assert_uint_eq(n2, n);
    ck_assert_mem_eq(again, out, n);

    /* SRTP-ID map (RFC 3830). */
    in.hdr.map_type = MIKEY_MAP_SRTP_ID;
    in.hdr.cs[0] = (struct mikey_cs){.policy_no = 1, .ssrc = 0xDEADBEEF, .roc = 5};
    in.hdr.cs[1] = (struct mikey_cs){.policy_no = 0, .ssrc = 1, .roc = 0};
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_fixed, NULL, out, sizeof out, &n), MIKEY_OK);
    ck_assert_int_eq(mikey_imsg_decode(out, n, &m), MIKEY_OK);
    ck_assert_uint_eq(m.hdr.cs[0].ssrc, 0xDEADBEEF);
    ck_assert_uint_eq(m.hdr.cs[0].roc, 5);
    ck_assert_uint_eq(m.hdr.cs[1].ssrc, 1);

    /* The encoder refuses what the decoder would refuse. */
    in.sp[1].policy_no = 0;
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_fixed, NULL, out, sizeof out, &n), MIKEY_EDUP);
    in.sp[1].policy_no = 1;
    in.rand.len = 15;
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_fixed, NULL, out, sizeof out, &n),
                     MIKEY_EFIELD);
    in.rand.len = 20;
    in.sakke.data.len = 272;
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_fixed, NULL, out, sizeof out, &n),
                     MIKEY_EFIELD);
    in.sakke.data.len = 273;
    in.hdr.n_cs = MIKEY_MAX_CS + 1;
    ck_assert_uint_eq(mikey_imsg_encoded_len(&in), 0);
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_fixed, NULL, out, sizeof out, &n),
                     MIKEY_EINVAL);
}
END_TEST

START_TEST(decoder_limits_and_sp_errors)
{
    uint8_t ed[273] = {4}, self_ext[278], out[2048];
    struct mikey_imsg in, m;
    full_message(&in, self_ext, ed);
    size_t n;
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_fixed, NULL, out, sizeof out, &n), MIKEY_OK);
    ck_assert_int_eq(mikey_imsg_decode(out, n, &m), MIKEY_OK);
    /* Locate the first SP payload and break its parameter list. */
    size_t sp_off = (size_t)(m.sp[0].params[0].value.p - out) - 2 - 5;
    ck_assert_uint_eq(out[sp_off + 1], 0);     /* policy no */
    uint8_t buf[2048];
    memcpy(buf, out, n);
    buf[sp_off + 2] = 1;                        /* prot type 1: unknown */
    ck_assert_int_eq(mikey_imsg_decode(buf, n, &m), MIKEY_EFIELD);
    memcpy(buf, out, n);
    buf[sp_off + 5 + 1] = 0xFF;                 /* first param runs past the SP */
    ck_assert_int_eq(mikey_imsg_decode(buf, n, &m), MIKEY_EFIELD);
    memcpy(buf, out, n);
    buf[sp_off + 5 + 3] = buf[sp_off + 5];      /* second param repeats the first type */
    ck_assert_int_eq(mikey_imsg_decode(buf, n, &m), MIKEY_EDUP);
    /* Repeated SAKKE-to-self. */
    in.ext[1] = in.ext[0];
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_fixed, NULL, out, sizeof out, &n), MIKEY_EDUP);
    /* A SAKKE-to-self holding a short SAKKE payload. */
    in.ext[1].type = 9;
    in.ext[0].data.len = 100;
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_fixed, NULL, out, sizeof out, &n),
                     MIKEY_EFIELD);
}
END_TEST

/* Signs without the SIGN header, like some third-party stacks. */
static int sign_no_hdr(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[129])
{
    return mikey_eccsi_sign(ctx, msg, len - 2, sig);
}

START_TEST(sign_without_header_variant)
{
    struct keys k;
    make_keys(&k, NOW);
    uint8_t ed[273], ssv[16], out[1024];
    ck_assert_int_eq(ibc_sakke_encap(z_pub, 257, k.uid_r, 32, interop_gmk, NULL, NULL, ssv, ed),
                     IBC_OK);
    struct mikey_imsg in, m;
    memset(&in, 0, sizeof in);
    in.hdr = (struct mikey_hdr){.version = 1, .data_type = 26, .prf_func = 1, .csb_id = 7,
                                .map_type = MIKEY_MAP_EMPTY};
    in.ts = mikey_ntp64_from_seconds(NOW);
    in.rand = (struct mikey_view){ssv, 16};
    in.idri = (struct mikey_idr){1, 1, {S(GMS_URI)}};
    in.idrr = (struct mikey_idr){2, 1, {S(USER_URI)}};
    in.idrkmsi = (struct mikey_idr){6, 1, {S(GMS_KMS)}};
    in.idrkmsr = (struct mikey_idr){7, 1, {S(USER_KMS)}};
    in.sakke = (struct mikey_sakke){1, 2, {ed, 273}};
    in.sig_type = MIKEY_SIGN_ECCSI;
    unsigned c = 3;
    struct mikey_eccsi_signer signer = {kpak, 65, k.uid_i, 32, k.ssk, 32, k.pvt, 65, NULL,
                                        fake_random, &c};
    size_t n;
    ck_assert_int_eq(mikey_imsg_encode(&in, sign_no_hdr, &signer, out, sizeof out, &n),
                     MIKEY_OK);
    ck_assert_int_eq(mikey_imsg_decode(out, n, &m), MIKEY_OK);
    struct mikey_eccsi_verifier v = {kpak, 65, k.uid_i, 32};
    enum mikey_sig_variant var;
    ck_assert_int_eq(mikey_imsg_verify(&m, mikey_eccsi_verify, &v, 0, &var), MIKEY_ESIGN);
    ck_assert_int_eq(mikey_imsg_verify(&m, mikey_eccsi_verify, &v, MIKEY_F_SIGN_NO_HDR, &var),
                     MIKEY_OK);
    ck_assert_int_eq(var, MIKEY_SIG_NO_HDR);
    /* The standard way verifies without the flag. */
    ck_assert_int_eq(mikey_imsg_encode(&in, mikey_eccsi_sign, &signer, out, sizeof out, &n),
                     MIKEY_OK);
    ck_assert_int_eq(mikey_imsg_decode(out, n, &m), MIKEY_OK);
    ck_assert_int_eq(mikey_imsg_verify(&m, mikey_eccsi_verify, &v, 0, &var), MIKEY_OK);
    ck_assert_int_eq(var, MIKEY_SIG_STANDARD);
}
END_TEST

/* --------------------------------------------- key parameters, misc */
START_TEST(key_params_codec)
{
    static const uint8_t groups[] = {1, 0x4C, 0, 3, 'g', '/', '1'};
    struct mikey_key_params kp = {.key_type = 1, .status = 3, .activation = 0xFFFFFFFFFFull,
                                  .expiry = 0x0102030405ull, .text = {S("PCK")},
                                  .group_ids = {groups, sizeof groups}};
    uint8_t buf[64], want[64];
    size_t n;
    ck_assert_int_eq(mikey_key_params_encode(&kp, buf, sizeof buf, &n), MIKEY_OK);
    size_t wn = unhex("0100000003FFFFFFFFFF0102030405000350434B0007014C0003672F31", want,
                      sizeof want);
    ck_assert_uint_eq(n, wn);
    ck_assert_mem_eq(buf, want, n);
    struct mikey_key_params d;
    ck_assert_int_eq(mikey_key_params_decode(buf, n, &d), MIKEY_OK);
    ck_assert_uint_eq(d.key_type, 1);
    ck_assert_uint_eq(d.status, 3);
    ck_assert_uint_eq(d.activation, 0xFFFFFFFFFFull);
    ck_assert_uint_eq(d.expiry, 0x0102030405ull);
    ck_assert(view_is(&d.text, "PCK"));
    ck_assert_uint_eq(d.group_ids.len, sizeof groups);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(mikey_key_params_decode(buf, i, &d), MIKEY_ETRUNC);
    kp.activation = 0x10000000000ull; /* does not fit 5 octets */
    ck_assert_int_eq(mikey_key_params_encode(&kp, buf, sizeof buf, &n), MIKEY_EINVAL);
    kp.activation = 0;
    ck_assert_int_eq(mikey_key_params_encode(&kp, buf, 10, &n), MIKEY_ESPACE);
}
END_TEST

START_TEST(default_profiles)
{
    struct mikey_sp sp;
    mikey_sp_default_group(&sp, 3);
    ck_assert_uint_eq(sp.policy_no, 3);
    ck_assert_uint_eq(sp.prot_type, MIKEY_PROT_SRTP);
    /* TS 33.179 Table E.2-1 */
    static const uint8_t want[][2] = {{0, 6}, {1, 16}, {2, 4}, {4, 12}, {5, 0},
                                      {6, 0}, {13, 1}, {18, 4}, {19, 0}, {20, 16}};
    ck_assert_uint_eq(sp.n_params, 10);
    for (size_t i = 0; i < 10; i++) {
        const struct mikey_view *v = mikey_sp_param(&sp, want[i][0]);
        ck_assert_ptr_nonnull(v);
        ck_assert_uint_eq(v->len, 1);
        ck_assert_uint_eq(v->p[0], want[i][1]);
    }
    mikey_sp_default_private(&sp, 0);
    ck_assert_uint_eq(sp.n_params, 6);
    ck_assert_ptr_null(mikey_sp_param(&sp, MIKEY_SRTP_AUTH_ALG));
}
END_TEST

START_TEST(strerror_distinct)
{
    for (int a = MIKEY_EIDENTITY; a <= 0; a++) {
        ck_assert_str_ne(mikey_strerror(a), "unknown MIKEY status");
        for (int b = a + 1; b <= 0; b++)
            ck_assert_str_ne(mikey_strerror(a), mikey_strerror(b));
    }
    ck_assert_str_eq(mikey_strerror(-100), "unknown MIKEY status");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("mikey");
    TCase *t = tcase_create("vectors");
    tcase_add_checked_fixture(t, load_vectors, NULL);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, uid_ts33180_example);
    tcase_add_test(t, uid_interop_receiver);
    tcase_add_test(t, uid_integer_encoding);
    tcase_add_test(t, key_period_arithmetic);
    tcase_add_test(t, ntp_timestamps);
    tcase_add_test(t, guk_and_srtp_etherstack_s01);
    tcase_add_test(t, guk_and_srtp_etherstack_s02);
    tcase_add_test(t, key_ids_and_purpose);
    tcase_add_test(t, prf_pieces_and_mikey1);
    tcase_add_test(t, interop_decode_fields);
    tcase_add_test(t, interop_reencode_identical);
    tcase_add_test(t, interop_signature_verifies);
    tcase_add_test(t, interop_gmk_recovered);
    tcase_add_test(t, interop_encode_identical);
    tcase_add_test(t, every_truncation_refused);
    tcase_add_test(t, appended_byte_refused);
    tcase_add_test(t, payload_order_enforced);
    tcase_add_test(t, wrong_next_payload_refused);
    tcase_add_test(t, unknown_critical_fields_refused);
    tcase_add_test(t, flipped_bit_fails_verification);
    tcase_add_test(t, build_receive_round_trip);
    tcase_add_test(t, full_encode_decode_round_trip);
    tcase_add_test(t, decoder_limits_and_sp_errors);
    tcase_add_test(t, sign_without_header_variant);
    tcase_add_test(t, key_params_codec);
    tcase_add_test(t, default_profiles);
    tcase_add_test(t, strerror_distinct);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
