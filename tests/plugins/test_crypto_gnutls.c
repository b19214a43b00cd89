/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_gnutls through an in-process host: the seal/crypto.h contract as
 * a consumer plugin sees it. Known answers (FIPS 180-2 SHA-2 examples,
 * RFC 4231 HMAC, the GCM specification's AES-GCM test cases, RFC 7515 A.3
 * ES256, RFC 8037 A Ed25519, RFC 6507/6508 Appendix A ECCSI/SAKKE, the
 * Etherstack MCX vectors for the TS 33.220 KDF and the MIKEY PRF),
 * refusals of forged or malformed input, round trips, key wiping, backend
 * selection and registration rules. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <seal/seal.h>
#include "host.h"
#include "cg.h"

/* ---- helpers ---- */

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

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

/* ---- the in-process host ---- */

/* The builtin consumer's handle, the "self" of the seal_crypto_* calls,
 * set by its init (each test runs in its own process: Check's fork mode). */
static seal_plugin_t *self;
static seal_status_t init_status;   /* what a seal_crypto_* call returned in init */

static seal_status_t t_init(seal_plugin_t *p)
{
    self = p;
    uint8_t b[4];
    init_status = seal_crypto_random(p, b, sizeof b);
    return SEAL_OK;
}

static const seal_plugin_desc_t t_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "cryptotest",
    .version = "0",
    .description = "crypto_gnutls test consumer",
    .init = t_init,
};

static const char *builddir(void)
{
    const char *b = getenv("top_builddir");
    return b && *b ? b : ".";
}

static seal_host_t *host;

/* A host with crypto_gnutls (loaded by default: the configuration names no
 * crypto plugin) plus extra top-level keys; returns the first failing
 * phase's status. */
static seal_status_t host_open_with(const char *extra, const seal_plugin_desc_t *builtin2)
{
    char conf[1024];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": \"%s/plugins/crypto/crypto_gnutls/.libs\", \"store\": \"none\","
             " \"http\": {\"listen\": [\"127.0.0.1:0\"]}%s}",
             builddir(), extra ? extra : "");
    self = NULL;
    host = seal_host_new();
    ck_assert_ptr_nonnull(host);
    seal_status_t rv = seal_host_configure_string(host, conf, "test.conf");
    if (rv == SEAL_OK) rv = seal_host_add_builtin(host, &t_desc, "cryptotest");
    if (rv == SEAL_OK && builtin2) rv = seal_host_add_builtin(host, builtin2, builtin2->name);
    if (rv == SEAL_OK) rv = seal_host_load(host);
    if (rv == SEAL_OK) rv = seal_host_init(host);
    if (rv == SEAL_OK) rv = seal_host_start(host);
    return rv;
}

static void setup(void)
{
    seal_status_t rv = host_open_with(NULL, NULL);
    ck_assert_msg(rv == SEAL_OK, "host start-up: %s", seal_strerror(rv));
    ck_assert_ptr_nonnull(self);
}

static void teardown(void)
{
    if (host) {
        seal_host_shutdown(host);
        seal_host_free(host);
    }
    host = NULL;
    self = NULL;
}

/* ---- random, hashes, HMAC ---- */

START_TEST(test_caps)
{
    const char *name = NULL;
    uint64_t caps = seal_crypto_caps(self, &name);
    ck_assert_str_eq(name, "crypto_gnutls");
    uint64_t all = SEAL_CRYPTO_CAP_RANDOM | SEAL_CRYPTO_CAP_SHA256 | SEAL_CRYPTO_CAP_SHA384
                   | SEAL_CRYPTO_CAP_SHA512 | SEAL_CRYPTO_CAP_HMAC | SEAL_CRYPTO_CAP_AES_GCM
                   | SEAL_CRYPTO_CAP_KDF_33220 | SEAL_CRYPTO_CAP_MIKEY_PRF | SEAL_CRYPTO_CAP_ES256
                   | SEAL_CRYPTO_CAP_EDDSA | SEAL_CRYPTO_CAP_ECCSI | SEAL_CRYPTO_CAP_SAKKE;
    ck_assert_uint_eq(caps, all);
    /* Before the registry is frozen (init) there is no backend yet. */
    ck_assert_int_eq(init_status, SEAL_E_STATE);
}
END_TEST

START_TEST(test_random)
{
    uint8_t a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    ck_assert_int_eq(seal_crypto_random(self, a, sizeof a), SEAL_OK);
    ck_assert_int_eq(seal_crypto_random(self, b, sizeof b), SEAL_OK);
    ck_assert(!all_zero(a, sizeof a));
    ck_assert(memcmp(a, b, sizeof a) != 0);
    ck_assert_int_eq(seal_crypto_random(self, NULL, 0), SEAL_OK);
    ck_assert_int_eq(seal_crypto_random(self, NULL, 4), SEAL_E_INVAL);
    ck_assert_int_eq(seal_crypto_random(NULL, a, 4), SEAL_E_INVAL);
}
END_TEST

START_TEST(test_sha2)
{
    /* FIPS 180-2 Appendix B.1 / C.1 / D.1: "abc" */
    uint8_t out[SEAL_CRYPTO_HASH_MAX];
    ck_assert_int_eq(seal_crypto_hash(self, SEAL_CRYPTO_SHA256, "abc", 3, out, sizeof out), SEAL_OK);
    ck_assert_mem_hex(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(seal_crypto_hash(self, SEAL_CRYPTO_SHA384, "abc", 3, out, sizeof out), SEAL_OK);
    ck_assert_mem_hex(out, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                           "8086072ba1e7cc2358baeca134c825a7");
    ck_assert_int_eq(seal_crypto_hash(self, SEAL_CRYPTO_SHA512, "abc", 3, out, sizeof out), SEAL_OK);
    ck_assert_mem_hex(out, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                           "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    /* The empty message (NULL, 0) */
    ck_assert_int_eq(seal_crypto_hash(self, SEAL_CRYPTO_SHA256, NULL, 0, out, 32), SEAL_OK);
    ck_assert_mem_hex(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_uint_eq(seal_crypto_hash_len(SEAL_CRYPTO_SHA384), 48);
    ck_assert_uint_eq(seal_crypto_hash_len(99), 0);
    /* Too small an output, an unknown algorithm */
    ck_assert_int_eq(seal_crypto_hash(self, SEAL_CRYPTO_SHA512, "abc", 3, out, 63), SEAL_E_INVAL);
    ck_assert_int_eq(seal_crypto_hash(self, 7, "abc", 3, out, sizeof out), SEAL_E_INVAL);
}
END_TEST

START_TEST(test_hmac_rfc4231)
{
    uint8_t key[131], out[64];
    /* Test case 1 */
    memset(key, 0x0b, 20);
    ck_assert_int_eq(seal_crypto_hmac(self, SEAL_CRYPTO_SHA256, key, 20, "Hi There", 8, out, 32),
                     SEAL_OK);
    ck_assert_mem_hex(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    ck_assert_int_eq(seal_crypto_hmac(self, SEAL_CRYPTO_SHA384, key, 20, "Hi There", 8, out, 48),
                     SEAL_OK);
    ck_assert_mem_hex(out, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
                           "faea9ea9076ede7f4af152e8b2fa9cb6");
    ck_assert_int_eq(seal_crypto_hmac(self, SEAL_CRYPTO_SHA512, key, 20, "Hi There", 8, out, 64),
                     SEAL_OK);
    ck_assert_mem_hex(out, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                           "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
    /* Test case 2 */
    ck_assert_int_eq(seal_crypto_hmac(self, SEAL_CRYPTO_SHA256, "Jefe", 4,
                                      "what do ya want for nothing?", 28, out, 32), SEAL_OK);
    ck_assert_mem_hex(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* Test case 6: a key longer than the block */
    memset(key, 0xaa, 131);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    ck_assert_int_eq(seal_crypto_hmac(self, SEAL_CRYPTO_SHA256, key, 131, m6, strlen(m6), out, 32),
                     SEAL_OK);
    ck_assert_mem_hex(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
END_TEST

/* ---- AES-GCM: test cases 2 and 4 of McGrew & Viega, "The Galois/Counter
 * Mode of Operation" (the NIST GCM submission) ---- */

static const char GCM4_K[] = "feffe9928665731c6d6a8f9467308308";
static const char GCM4_IV[] = "cafebabefacedbaddecaf888";
static const char GCM4_P[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char GCM4_A[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
static const char GCM4_CT[] =
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
    "5bc94fbc3221a5db94fae95ae7121a47";

START_TEST(test_aes_gcm)
{
    uint8_t k[32], iv[12], p[64], a[20], ct[80], out[80];
    memset(k, 0, sizeof k);
    memset(iv, 0, sizeof iv);
    memset(p, 0, sizeof p);
    /* Test case 2: K = 0^128, IV = 0^96, P = 0^128 */
    ck_assert_int_eq(seal_crypto_aes_gcm_seal(self, k, 16, iv, 12, NULL, 0, p, 16, out, 32), SEAL_OK);
    ck_assert_mem_hex(out, "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
    /* Test case 4, both ways */
    unhex(k, sizeof k, GCM4_K);
    unhex(iv, sizeof iv, GCM4_IV);
    size_t pl = unhex(p, sizeof p, GCM4_P), al = unhex(a, sizeof a, GCM4_A);
    size_t cl = unhex(ct, sizeof ct, GCM4_CT);
    ck_assert_uint_eq(cl, pl + 16);
    ck_assert_int_eq(seal_crypto_aes_gcm_seal(self, k, 16, iv, 12, a, al, p, pl, out, sizeof out),
                     SEAL_OK);
    ck_assert_mem_eq(out, ct, cl);
    memset(out, 0xee, sizeof out);
    ck_assert_int_eq(seal_crypto_aes_gcm_open(self, k, 16, iv, 12, a, al, ct, cl, out, sizeof out),
                     SEAL_OK);
    ck_assert_mem_eq(out, p, pl);
    /* A flipped bit in the ciphertext, the tag or the AAD: refused, output zeroed. */
    for (size_t pos = 0; pos < 3; pos++) {
        uint8_t c2[80], a2[20];
        memcpy(c2, ct, cl);
        memcpy(a2, a, al);
        if (pos == 0) c2[5] ^= 0x10;
        else if (pos == 1) c2[cl - 1] ^= 0x01;
        else a2[0] ^= 0x80;
        memset(out, 0xee, sizeof out);
        ck_assert_int_eq(seal_crypto_aes_gcm_open(self, k, 16, iv, 12, a2, al, c2, cl, out,
                                                  sizeof out), SEAL_E_CRYPTO);
        ck_assert(all_zero(out, pl));
    }
    /* A ciphertext shorter than a tag, a wrong IV length, a bad key length. */
    ck_assert_int_eq(seal_crypto_aes_gcm_open(self, k, 16, iv, 12, NULL, 0, ct, 15, out, sizeof out),
                     SEAL_E_CRYPTO);
    ck_assert_int_eq(seal_crypto_aes_gcm_seal(self, k, 16, iv, 8, NULL, 0, p, 1, out, sizeof out),
                     SEAL_E_INVAL);
    ck_assert_int_eq(seal_crypto_aes_gcm_seal(self, k, 20, iv, 12, NULL, 0, p, 1, out, sizeof out),
                     SEAL_E_INVAL);
    ck_assert_int_eq(seal_crypto_aes_gcm_seal(self, k, 16, iv, 12, NULL, 0, p, 20, out, 35),
                     SEAL_E_INVAL);
    /* AES-256 round trip, empty plaintext */
    uint8_t k256[32], tag[16];
    ck_assert_int_eq(seal_crypto_random(self, k256, 32), SEAL_OK);
    ck_assert_int_eq(seal_crypto_aes_gcm_seal(self, k256, 32, iv, 12, "x", 1, NULL, 0, tag, 16),
                     SEAL_OK);
    ck_assert_int_eq(seal_crypto_aes_gcm_open(self, k256, 32, iv, 12, "x", 1, tag, 16, NULL, 0),
                     SEAL_OK);
    ck_assert_int_eq(seal_crypto_aes_gcm_open(self, k256, 32, iv, 12, "y", 1, tag, 16, NULL, 0),
                     SEAL_E_CRYPTO);
}
END_TEST

/* ---- TS 33.220 KDF and MIKEY PRF: the Etherstack MCX interop vectors
 * (../shared/vectors/mcx_gukid_srtp.txt, from Streamwide/sw_mikey_sakke
 * unit_tests/test_guk.cc, recomputed independently) ---- */

static const char MCX_GMK[] = "FCFE65CD967C58D260B603CCB9A887A9";
static const uint32_t MCX_GMK_ID = 0x09BF9D37;
static const char MCX_RAND[] = "6819E679461120E10AC458CCE67B8024";
static const struct {
    const char *p0;
    uint32_t guk_id;
    const char *key, *salt;
} MCX[] = {
    { "7369703A703235757365723031406574686572737461636B2E636F6D", 0x01C8DE7B,
      "64837D2B4D69A266E4489D3807353AD9", "8B2F081CE8E8BDAB1F8D9EB8" },
    { "7369703A703235757365723032406574686572737461636B2E636F2E6A70", 0x0ABE69D0,
      "DE81B70C4AE0FF3F79364DF586C2E0CE", "750EA7422B4D5A8FF475C6D5" },
};

START_TEST(test_kdf_33220)
{
    uint8_t gmk[16], p0[64], out[32];
    unhex(gmk, sizeof gmk, MCX_GMK);
    for (size_t i = 0; i < 2; i++) {
        /* TS 33.180 F.1.3: the user salt is the 28 LSB of
         * KDF(GMK, FC = 0x50, P0 = the user's URI); GUK-ID = GMK-ID ^ salt. */
        size_t n = unhex(p0, sizeof p0, MCX[i].p0);
        seal_crypto_buf_t prm = { p0, n };
        ck_assert_int_eq(seal_crypto_kdf_33220(self, gmk, 16, 0x50, &prm, 1, out, 4), SEAL_OK);
        uint32_t salt = ((uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 | (uint32_t)out[2] << 8
                         | out[3]) & 0x0FFFFFFF;
        ck_assert_uint_eq(MCX_GMK_ID ^ salt, MCX[i].guk_id);
        /* The truncated output is the tail of the full one. */
        uint8_t full[32];
        ck_assert_int_eq(seal_crypto_kdf_33220(self, gmk, 16, 0x50, &prm, 1, full, 32), SEAL_OK);
        ck_assert_mem_eq(full + 28, out, 4);
    }
    /* Two parameters, one empty key octet string aside: the S encoding
     * FC || P0 || L0 || P1 || L1 against HMAC-SHA-256 computed with
     * Python's hmac module over 10 "param-one" 00 09 000102 00 03. */
    uint8_t key[32];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)i;
    static const uint8_t p1[] = { 0, 1, 2 };
    seal_crypto_buf_t prms[2] = { { "param-one", 9 }, { p1, 3 } };
    ck_assert_int_eq(seal_crypto_kdf_33220(self, key, 32, 0x10, prms, 2, out, 32), SEAL_OK);
    ck_assert_mem_hex(out, "a2418d8f61bff24a4b1ec729056cda55050c6844fd72e516ce17cfd5c0a9e10a");
    /* Refusals: output length, an over-long parameter */
    ck_assert_int_eq(seal_crypto_kdf_33220(self, key, 32, 0x10, prms, 2, out, 33), SEAL_E_INVAL);
    ck_assert_int_eq(seal_crypto_kdf_33220(self, key, 32, 0x10, prms, 2, out, 0), SEAL_E_INVAL);
    seal_crypto_buf_t big = { key, 70000 };
    ck_assert_int_eq(seal_crypto_kdf_33220(self, key, 32, 0x10, &big, 1, out, 32), SEAL_E_INVAL);
}
END_TEST

START_TEST(test_mikey_prf)
{
    uint8_t gmk[16], rnd[16], label[25], key[16], salt[12];
    unhex(gmk, sizeof gmk, MCX_GMK);
    unhex(rnd, sizeof rnd, MCX_RAND);
    for (size_t i = 0; i < 2; i++) {
        /* RFC 3830 4.1.3: label = const || CS ID (4) || CSB ID (GUK-ID) || RAND */
        for (int which = 0; which < 2; which++) {
            uint32_t c = which ? 0x39A2C14B : 0x2AD01C64;   /* salt : TEK */
            label[0] = (uint8_t)(c >> 24);
            label[1] = (uint8_t)(c >> 16);
            label[2] = (uint8_t)(c >> 8);
            label[3] = (uint8_t)c;
            label[4] = 4;
            label[5] = (uint8_t)(MCX[i].guk_id >> 24);
            label[6] = (uint8_t)(MCX[i].guk_id >> 16);
            label[7] = (uint8_t)(MCX[i].guk_id >> 8);
            label[8] = (uint8_t)MCX[i].guk_id;
            memcpy(label + 9, rnd, 16);
            ck_assert_int_eq(seal_crypto_mikey_prf(self, gmk, 16, label, sizeof label,
                                                   which ? salt : key, which ? 12 : 16), SEAL_OK);
        }
        ck_assert_mem_hex(key, MCX[i].key);
        ck_assert_mem_hex(salt, MCX[i].salt);
    }
    ck_assert_int_eq(seal_crypto_mikey_prf(self, gmk, 0, label, 5, key, 16), SEAL_E_INVAL);
    ck_assert_int_eq(seal_crypto_mikey_prf(self, gmk, 16, label, 5, key, 0), SEAL_E_INVAL);
}
END_TEST

/* ---- JOSE ---- */

/* RFC 7515 Appendix A.3: the ES256 example key and JWS */
static const char A3_JWK_PUB[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
static const char A3_JWK[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\","
    "\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}";
static const char A3_INPUT[] =
    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
static const char A3_SIG[] = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
/* The same key as PKCS #8 and SEC 1 PEM (written by Python's cryptography). */
static const char A3_PKCS8[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n"
    "H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp\n"
    "7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\n"
    "-----END PRIVATE KEY-----\n";
static const char A3_SEC1[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEII6bEJ5xkJi/mASH3x9dd+nLKWBuvtImO19XwhPfhPSyoAoGCCqGSM49\n"
    "AwEHoUQDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEXH8UTNG72b\n"
    "focs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
    "-----END EC PRIVATE KEY-----\n";

/* RFC 8037 Appendix A.1-A.4: the Ed25519 key, its thumbprint and JWS */
static const char ED_JWK[] =
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\","
    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
static const char ED_THUMB[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
static const char ED_INPUT[] = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
static const char ED_SIG[] = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
static const char ED_PKCS8_DER[] =
    "302e020100300506032b6570042204209d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

static void b64d(const char *s, uint8_t *out, size_t n)
{
    ck_assert_int_eq(cg_b64url_decode(s, strlen(s), out, n), 0);
}

static seal_crypto_key_t *import_str(int type, int format, const char *s)
{
    seal_crypto_key_t *k = NULL;
    seal_status_t st = seal_crypto_key_import(self, type, format, s, strlen(s), &k);
    ck_assert_msg(st == SEAL_OK, "import: %s", seal_strerror(st));
    return k;
}

START_TEST(test_es256_rfc7515)
{
    uint8_t sig[64];
    b64d(A3_SIG, sig, 64);
    seal_crypto_key_t *pub = import_str(SEAL_CRYPTO_KEY_ES256, SEAL_CRYPTO_FMT_JWK, A3_JWK_PUB);
    ck_assert_int_eq(seal_crypto_key_is_private(pub), 0);
    ck_assert_int_eq(seal_crypto_verify(pub, A3_INPUT, strlen(A3_INPUT), sig, 64), SEAL_OK);
    /* Every single flipped bit of the signature, and of the message, fails. */
    for (size_t bit = 0; bit < 512; bit += 7) {
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_int_eq(seal_crypto_verify(pub, A3_INPUT, strlen(A3_INPUT), sig, 64), SEAL_E_CRYPTO);
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    char msg[sizeof A3_INPUT];
    memcpy(msg, A3_INPUT, sizeof msg);
    msg[10] ^= 1;
    ck_assert_int_eq(seal_crypto_verify(pub, msg, strlen(msg), sig, 64), SEAL_E_CRYPTO);
    ck_assert_int_eq(seal_crypto_verify(pub, A3_INPUT, strlen(A3_INPUT), sig, 63), SEAL_E_CRYPTO);
    /* r = s = 0, and r = n */
    uint8_t z[64];
    memset(z, 0, 64);
    ck_assert_int_eq(seal_crypto_verify(pub, A3_INPUT, strlen(A3_INPUT), z, 64), SEAL_E_CRYPTO);
    unhex(z, 32, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    memcpy(z + 32, sig + 32, 32);
    ck_assert_int_eq(seal_crypto_verify(pub, A3_INPUT, strlen(A3_INPUT), z, 64), SEAL_E_CRYPTO);
    /* A public key cannot sign or give a secret. */
    size_t sl;
    uint8_t *out;
    size_t len;
    ck_assert_int_eq(seal_crypto_sign(pub, "m", 1, z, sizeof z, &sl), SEAL_E_INVAL);
    ck_assert_int_eq(seal_crypto_key_export_secret(pub, SEAL_CRYPTO_FMT_RAW_SECRET, &out, &len),
                     SEAL_E_INVAL);
    ck_assert_ptr_null(out);

    /* The private key in each format: its signatures verify under the
     * RFC's public key. */
    const struct { int fmt; const char *data; } forms[] = {
        { SEAL_CRYPTO_FMT_JWK, A3_JWK }, { SEAL_CRYPTO_FMT_PKCS8, A3_PKCS8 },
        { SEAL_CRYPTO_FMT_PKCS8, A3_SEC1 },
    };
    for (size_t i = 0; i < 3; i++) {
        seal_crypto_key_t *k = import_str(0, forms[i].fmt, forms[i].data);
        ck_assert_int_eq(seal_crypto_key_type(k), SEAL_CRYPTO_KEY_ES256);
        ck_assert_int_eq(seal_crypto_key_is_private(k), 1);
        ck_assert_int_eq(seal_crypto_sign(k, "hello", 5, z, sizeof z, &sl), SEAL_OK);
        ck_assert_uint_eq(sl, 64);
        ck_assert_int_eq(seal_crypto_verify(pub, "hello", 5, z, 64), SEAL_OK);
        ck_assert_int_eq(seal_crypto_verify(pub, "hellp", 5, z, 64), SEAL_E_CRYPTO);
        seal_crypto_key_free(k);
    }
    /* RAW: d and 04 || x || y */
    uint8_t d[32], pt[65];
    b64d("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI", d, 32);
    seal_crypto_key_t *k = NULL;
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ES256, SEAL_CRYPTO_FMT_RAW_SECRET,
                                            d, 32, &k), SEAL_OK);
    ck_assert_int_eq(seal_crypto_key_export_public(k, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL, &out, &len),
                     SEAL_OK);
    ck_assert_uint_eq(len, 65);
    pt[0] = 4;
    b64d("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", pt + 1, 32);
    b64d("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", pt + 33, 32);
    ck_assert_mem_eq(out, pt, 65);
    seal_free(out);
    seal_crypto_key_t *k2 = NULL;
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ES256, SEAL_CRYPTO_FMT_RAW_PUBLIC,
                                            pt, 65, &k2), SEAL_OK);
    ck_assert_int_eq(seal_crypto_verify(k2, A3_INPUT, strlen(A3_INPUT), sig, 64), SEAL_OK);
    seal_crypto_key_free(k2);
    /* The secret comes back only through the explicit export. */
    ck_assert_int_eq(seal_crypto_key_export_secret(k, SEAL_CRYPTO_FMT_RAW_SECRET, &out, &len), SEAL_OK);
    ck_assert_uint_eq(len, 32);
    ck_assert_mem_eq(out, d, 32);
    seal_crypto_secret_free(out, len);
    seal_crypto_key_free(k);
    seal_crypto_key_free(pub);
}
END_TEST

START_TEST(test_eddsa_rfc8037)
{
    seal_crypto_key_t *k = import_str(0, SEAL_CRYPTO_FMT_JWK, ED_JWK);
    ck_assert_int_eq(seal_crypto_key_type(k), SEAL_CRYPTO_KEY_EDDSA);
    uint8_t sig[64], want[64];
    size_t sl = 0;
    b64d(ED_SIG, want, 64);
    /* Ed25519 is deterministic: the RFC's signature bit for bit. */
    ck_assert_int_eq(seal_crypto_sign(k, ED_INPUT, strlen(ED_INPUT), sig, sizeof sig, &sl), SEAL_OK);
    ck_assert_uint_eq(sl, 64);
    ck_assert_mem_eq(sig, want, 64);
    ck_assert_int_eq(seal_crypto_verify(k, ED_INPUT, strlen(ED_INPUT), sig, 64), SEAL_OK);
    sig[0] ^= 1;
    ck_assert_int_eq(seal_crypto_verify(k, ED_INPUT, strlen(ED_INPUT), sig, 64), SEAL_E_CRYPTO);
    sig[0] ^= 1;
    sig[63] ^= 0x40;
    ck_assert_int_eq(seal_crypto_verify(k, ED_INPUT, strlen(ED_INPUT), sig, 64), SEAL_E_CRYPTO);
    /* The public JWK: kid defaults to the RFC 7638 thumbprint (RFC 8037 A.3). */
    uint8_t *jwk;
    size_t len;
    ck_assert_int_eq(seal_crypto_key_export_public(k, SEAL_CRYPTO_FMT_JWK, NULL, &jwk, &len), SEAL_OK);
    ck_assert_uint_eq(strlen((char *)jwk), len);
    json_object *o = json_tokener_parse((char *)jwk);
    ck_assert_ptr_nonnull(o);
    json_object *v;
    ck_assert(json_object_object_get_ex(o, "kid", &v));
    ck_assert_str_eq(json_object_get_string(v), ED_THUMB);
    ck_assert(json_object_object_get_ex(o, "x", &v));
    ck_assert_str_eq(json_object_get_string(v), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    ck_assert(json_object_object_get_ex(o, "alg", &v));
    ck_assert_str_eq(json_object_get_string(v), "EdDSA");
    ck_assert(!json_object_object_get_ex(o, "d", &v));
    json_object_put(o);
    seal_free(jwk);
    /* PKCS #8 DER of the same key signs the same. */
    uint8_t der[48];
    size_t dl = unhex(der, sizeof der, ED_PKCS8_DER);
    seal_crypto_key_t *k2 = NULL;
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_EDDSA, SEAL_CRYPTO_FMT_PKCS8,
                                            der, dl, &k2), SEAL_OK);
    ck_assert_int_eq(seal_crypto_sign(k2, ED_INPUT, strlen(ED_INPUT), sig, sizeof sig, &sl), SEAL_OK);
    ck_assert_mem_eq(sig, want, 64);
    /* ... but is not an ES256 key. */
    seal_crypto_key_t *k3 = NULL;
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ES256, SEAL_CRYPTO_FMT_PKCS8,
                                            der, dl, &k3), SEAL_E_INVAL);
    ck_assert_ptr_null(k3);
    seal_crypto_key_free(k2);
    seal_crypto_key_free(k);
}
END_TEST

/* Generated keys of both types: sign, verify, export and re-import in
 * every format; a key of another pair does not verify. */
START_TEST(test_jose_round_trips)
{
    const int types[] = { SEAL_CRYPTO_KEY_ES256, SEAL_CRYPTO_KEY_EDDSA };
    for (size_t t = 0; t < 2; t++) {
        seal_crypto_key_t *k = NULL, *other = NULL;
        ck_assert_int_eq(seal_crypto_key_generate(self, types[t], &k), SEAL_OK);
        ck_assert_int_eq(seal_crypto_key_generate(self, types[t], &other), SEAL_OK);
        uint8_t sig[64];
        size_t sl;
        const char *m = "eyJhbGciOiJFUzI1NiJ9.e30";
        ck_assert_int_eq(seal_crypto_sign(k, m, strlen(m), sig, sizeof sig, &sl), SEAL_OK);
        ck_assert_int_eq(seal_crypto_verify(k, m, strlen(m), sig, sl), SEAL_OK);
        ck_assert_int_eq(seal_crypto_verify(other, m, strlen(m), sig, sl), SEAL_E_CRYPTO);
        /* Public JWK with the given kid (escaped), well-formed. */
        uint8_t *jwk;
        size_t len;
        ck_assert_int_eq(seal_crypto_key_export_public(k, SEAL_CRYPTO_FMT_JWK, "key \"1\"", &jwk,
                                                       &len), SEAL_OK);
        json_object *o = json_tokener_parse((char *)jwk), *v;
        ck_assert_ptr_nonnull(o);
        ck_assert(json_object_object_get_ex(o, "kid", &v));
        ck_assert_str_eq(json_object_get_string(v), "key \"1\"");
        ck_assert(json_object_object_get_ex(o, "kty", &v));
        ck_assert_str_eq(json_object_get_string(v), t ? "OKP" : "EC");
        ck_assert(json_object_object_get_ex(o, "use", &v));
        ck_assert_str_eq(json_object_get_string(v), "sig");
        ck_assert(json_object_object_get_ex(o, "x", &v));
        ck_assert_uint_eq(strlen(json_object_get_string(v)), 43);
        ck_assert_int_eq(json_object_object_get_ex(o, "y", &v), t == 0);
        ck_assert(!json_object_object_get_ex(o, "d", &v));
        json_object_put(o);
        seal_crypto_key_t *pub = NULL;
        ck_assert_int_eq(seal_crypto_key_import(self, types[t], SEAL_CRYPTO_FMT_JWK, jwk, len, &pub),
                         SEAL_OK);
        seal_free(jwk);
        ck_assert_int_eq(seal_crypto_verify(pub, m, strlen(m), sig, sl), SEAL_OK);
        seal_crypto_key_free(pub);
        /* Secret exports re-import to a key whose signatures verify. */
        const int fmts[] = { SEAL_CRYPTO_FMT_RAW_SECRET, SEAL_CRYPTO_FMT_JWK, SEAL_CRYPTO_FMT_PKCS8 };
        for (size_t f = 0; f < 3; f++) {
            uint8_t *sec;
            ck_assert_int_eq(seal_crypto_key_export_secret(k, fmts[f], &sec, &len), SEAL_OK);
            seal_crypto_key_t *k2 = NULL;
            ck_assert_int_eq(seal_crypto_key_import(self, types[t], fmts[f], sec, len, &k2), SEAL_OK);
            seal_crypto_secret_free(sec, len);
            ck_assert_int_eq(seal_crypto_sign(k2, "x", 1, sig, sizeof sig, &sl), SEAL_OK);
            ck_assert_int_eq(seal_crypto_verify(k, "x", 1, sig, sl), SEAL_OK);
            seal_crypto_key_free(k2);
        }
        seal_crypto_key_free(other);
        seal_crypto_key_free(k);
    }
}
END_TEST

START_TEST(test_jwk_refusals)
{
    static const struct { const char *jwk; seal_status_t want; } bad[] = {
        /* not JSON, not an object, trailing data */
        { "{", SEAL_E_INVAL }, { "[]", SEAL_E_INVAL }, { "{\"kty\":\"EC\"} x", SEAL_E_INVAL },
        /* a point off P-256 (y + 1) */
        { "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
          "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4\"}", SEAL_E_INVAL },
        /* d that is not the secret of x/y */
        { "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
          "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\","
          "\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LA\"}", SEAL_E_INVAL },
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\","
          "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURA\"}", SEAL_E_INVAL },
        /* padding, a wrong length, a non-canonical last character, a number */
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"}",
          SEAL_E_INVAL },
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR\"}",
          SEAL_E_INVAL },
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURp\"}",
          SEAL_E_INVAL },
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":5}", SEAL_E_INVAL },
        /* "alg" or "use" that say something else; a missing y */
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"ES256\","
          "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", SEAL_E_INVAL },
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"use\":\"enc\","
          "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", SEAL_E_INVAL },
        { "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"}",
          SEAL_E_INVAL },
        /* not strict JSON (lib/sjson): a member twice (json-c kept the
         * last x, so this read as the valid key), a lone surrogate, NaN */
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\","
          "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", SEAL_E_INVAL },
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"\\ud800\","
          "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", SEAL_E_INVAL },
        { "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":NaN,"
          "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", SEAL_E_INVAL },
        /* key types and curves we do not sign with */
        { "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", SEAL_E_UNSUPPORTED },
        { "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}", SEAL_E_UNSUPPORTED },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        seal_crypto_key_t *k = (seal_crypto_key_t *)1;
        seal_status_t st = seal_crypto_key_import(self, 0, SEAL_CRYPTO_FMT_JWK, bad[i].jwk,
                                                  strlen(bad[i].jwk), &k);
        ck_assert_msg(st == bad[i].want, "case %zu: %s", i, seal_strerror(st));
        ck_assert_ptr_null(k);
    }
    /* A JWK of the other type than asked for; unknown members are ignored. */
    seal_crypto_key_t *k = NULL;
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_EDDSA, SEAL_CRYPTO_FMT_JWK,
                                            A3_JWK_PUB, strlen(A3_JWK_PUB), &k), SEAL_E_INVAL);
    const char *extra = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"key_ops\":[\"verify\"],\"kid\":7,"
                        "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}\n";
    ck_assert_int_eq(seal_crypto_key_import(self, 0, SEAL_CRYPTO_FMT_JWK, extra, strlen(extra), &k),
                     SEAL_OK);
    seal_crypto_key_free(k);
    /* Raw: a zero or too large ES256 scalar, a point off the curve, PKCS#8 garbage. */
    uint8_t d[65];
    memset(d, 0, sizeof d);
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ES256, SEAL_CRYPTO_FMT_RAW_SECRET,
                                            d, 32, &k), SEAL_E_INVAL);
    memset(d, 0xff, 32);
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ES256, SEAL_CRYPTO_FMT_RAW_SECRET,
                                            d, 32, &k), SEAL_E_INVAL);
    d[0] = 4;
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ES256, SEAL_CRYPTO_FMT_RAW_PUBLIC,
                                            d, 65, &k), SEAL_E_INVAL);
    ck_assert_int_eq(seal_crypto_key_import(self, 0, SEAL_CRYPTO_FMT_PKCS8, "-----BEGIN x", 12, &k),
                     SEAL_E_INVAL);
    /* type 0 only with self-describing formats; user keys only by validation */
    ck_assert_int_eq(seal_crypto_key_import(self, 0, SEAL_CRYPTO_FMT_RAW_SECRET, d, 32, &k),
                     SEAL_E_INVAL);
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ECCSI_USER,
                                            SEAL_CRYPTO_FMT_RAW_SECRET, d, 32, &k), SEAL_E_INVAL);
    ck_assert_ptr_null(k);
}
END_TEST

/* ---- ECCSI: RFC 6507 Appendix A (../shared/vectors/rfc6507.txt) ---- */

static const char E_KSAK[] = "0000000000000000000000000000000000000000000000000000000000012345";
static const char E_KPAK[] =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93"
    "DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217F4";
static const char E_ID[] = "323031312D30320074656C3A2B34343737303039303031323300";
static const char E_V[] = "0000000000000000000000000000000000000000000000000000000000023456";
static const char E_PVT[] =
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9"
    "A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F79";
static const char E_SSK[] = "23F374AE1F4033F3E9DBDDAAEF20F4CF0B86BBD5A138A5AE9E7E006B34489A0D";
static const char E_M[] = "6D65737361676500";
static const char E_J[] = "0000000000000000000000000000000000000000000000000000000000034567";
static const char E_SIG[] =
    "269D4C8FDEB66A74E4EF8C0D5DCC597DDFE6029C2AFFC4936008CD2CC1045D81"
    "E09B528D0EF8D6DF1AA3ECBF80110CFCEC9FC68252CEBB679F4134846940CCFD"
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9"
    "A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F79";
static const char P256_Q[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

struct eccsi_vec {
    uint8_t ksak[32], kpak[65], id[32], v[32], pvt[65], ssk[32], m[8], j[32], sig[129];
    size_t id_len, m_len;
};

static void eccsi_load(struct eccsi_vec *e)
{
    unhex(e->ksak, 32, E_KSAK);
    unhex(e->kpak, 65, E_KPAK);
    e->id_len = unhex(e->id, sizeof e->id, E_ID);
    unhex(e->v, 32, E_V);
    unhex(e->pvt, 65, E_PVT);
    unhex(e->ssk, 32, E_SSK);
    e->m_len = unhex(e->m, sizeof e->m, E_M);
    unhex(e->j, 32, E_J);
    unhex(e->sig, 129, E_SIG);
}

START_TEST(test_eccsi_vectors)
{
    struct eccsi_vec e;
    eccsi_load(&e);
    /* KMS side: from KSAK to KPAK, and from KSAK and v to SSK and PVT. */
    seal_crypto_key_t *kms = NULL;
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ECCSI_KMS,
                                            SEAL_CRYPTO_FMT_RAW_SECRET, e.ksak, 32, &kms), SEAL_OK);
    uint8_t *pub;
    size_t len;
    ck_assert_int_eq(seal_crypto_key_export_public(kms, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL, &pub, &len),
                     SEAL_OK);
    ck_assert_uint_eq(len, 65);
    ck_assert_mem_eq(pub, e.kpak, 65);
    seal_free(pub);
    uint8_t ssk[32], pvt[65];
    ck_assert_int_eq(seal_crypto_eccsi_issue(kms, e.id, e.id_len, e.v, ssk, pvt), SEAL_OK);
    ck_assert_mem_eq(ssk, e.ssk, 32);
    ck_assert_mem_eq(pvt, e.pvt, 65);
    /* The KMS secret leaves only through the explicit export. */
    ck_assert_int_eq(seal_crypto_key_export_secret(kms, SEAL_CRYPTO_FMT_RAW_SECRET, &pub, &len),
                     SEAL_OK);
    ck_assert_uint_eq(len, 32);
    ck_assert_mem_eq(pub, e.ksak, 32);
    seal_crypto_secret_free(pub, len);
    ck_assert_int_eq(seal_crypto_key_export_public(kms, SEAL_CRYPTO_FMT_JWK, NULL, &pub, &len),
                     SEAL_E_UNSUPPORTED);
    seal_crypto_key_free(kms);

    /* User side: validate, sign with the RFC's j, verify. */
    seal_crypto_key_t *signer = NULL;
    ck_assert_int_eq(seal_crypto_eccsi_validate(self, e.kpak, 65, e.id, e.id_len, e.ssk, 32,
                                                e.pvt, 65, &signer), SEAL_OK);
    ck_assert_int_eq(seal_crypto_key_type(signer), SEAL_CRYPTO_KEY_ECCSI_USER);
    uint8_t sig[129];
    ck_assert_int_eq(seal_crypto_eccsi_sign(signer, e.m, e.m_len, e.j, sig), SEAL_OK);
    ck_assert_mem_eq(sig, e.sig, 129);
    ck_assert_int_eq(seal_crypto_eccsi_verify(self, e.kpak, 65, e.id, e.id_len, e.m, e.m_len,
                                              e.sig, 129), SEAL_OK);
    /* A random j: a different signature that verifies. */
    ck_assert_int_eq(seal_crypto_eccsi_sign(signer, e.m, e.m_len, NULL, sig), SEAL_OK);
    ck_assert(memcmp(sig, e.sig, 64) != 0);
    ck_assert_int_eq(seal_crypto_eccsi_verify(self, e.kpak, 65, e.id, e.id_len, e.m, e.m_len,
                                              sig, 129), SEAL_OK);
    ck_assert_int_eq(seal_crypto_key_export_public(signer, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL, &pub,
                                                   &len), SEAL_OK);
    ck_assert_mem_eq(pub, e.pvt, 65);
    seal_free(pub);
    seal_crypto_key_free(signer);
}
END_TEST

START_TEST(test_eccsi_refusals)
{
    struct eccsi_vec e;
    eccsi_load(&e);
    uint8_t s[129];
#define VERIFY(sig, n) seal_crypto_eccsi_verify(self, e.kpak, 65, e.id, e.id_len, e.m, e.m_len, sig, n)
    /* A flipped bit in r, in s, in the PVT. */
    const size_t pos[] = { 0, 31, 32, 63, 64 + 10, 128 };
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++) {
        memcpy(s, e.sig, 129);
        s[pos[i]] ^= 0x02;
        ck_assert_msg(VERIFY(s, 129) == SEAL_E_CRYPTO, "bit at octet %zu", pos[i]);
    }
    /* r = s = 0 with the valid PVT (the forgery a shipped verifier accepts). */
    memcpy(s, e.sig, 129);
    memset(s, 0, 64);
    ck_assert_int_eq(VERIFY(s, 129), SEAL_E_CRYPTO);
    /* r = 0 alone, s = 0 alone, r = q, s = q. */
    for (int w = 0; w < 4; w++) {
        memcpy(s, e.sig, 129);
        if (w < 2) memset(s + 32 * w, 0, 32);
        else unhex(s + 32 * (w - 2), 32, P256_Q);
        ck_assert_int_eq(VERIFY(s, 129), SEAL_E_CRYPTO);
    }
    /* Truncated and overlong signatures. */
    ck_assert_int_eq(VERIFY(e.sig, 128), SEAL_E_CRYPTO);
    memcpy(s, e.sig, 129);
    ck_assert_int_eq(seal_crypto_eccsi_verify(self, e.kpak, 65, e.id, e.id_len, e.m, e.m_len,
                                              s, 130), SEAL_E_CRYPTO);
    /* A wrong identity, a wrong message. */
    uint8_t id2[32];
    memcpy(id2, e.id, e.id_len);
    id2[5] ^= 1;
    ck_assert_int_eq(seal_crypto_eccsi_verify(self, e.kpak, 65, id2, e.id_len, e.m, e.m_len,
                                              e.sig, 129), SEAL_E_CRYPTO);
    ck_assert_int_eq(seal_crypto_eccsi_verify(self, e.kpak, 65, e.id, e.id_len, e.m, e.m_len - 1,
                                              e.sig, 129), SEAL_E_CRYPTO);
    /* A PVT off the curve, and the point at infinity's stand-in (0, 0). */
    memcpy(s, e.sig, 129);
    s[128] ^= 1;
    ck_assert_int_eq(VERIFY(s, 129), SEAL_E_CRYPTO);
    memset(s + 65, 0, 64);
    ck_assert_int_eq(VERIFY(s, 129), SEAL_E_CRYPTO);
#undef VERIFY
    /* An SSK/PVT that fails validation: flipped SSK, flipped PVT, wrong id,
     * wrong sizes. Nothing is handed out. */
    seal_crypto_key_t *signer = (seal_crypto_key_t *)1;
    uint8_t ssk[32], pvt[65];
    memcpy(ssk, e.ssk, 32);
    ssk[31] ^= 1;
    ck_assert_int_eq(seal_crypto_eccsi_validate(self, e.kpak, 65, e.id, e.id_len, ssk, 32, e.pvt,
                                                65, &signer), SEAL_E_CRYPTO);
    ck_assert_ptr_null(signer);
    memcpy(pvt, e.pvt, 65);
    pvt[40] ^= 1;
    ck_assert_int_eq(seal_crypto_eccsi_validate(self, e.kpak, 65, e.id, e.id_len, e.ssk, 32, pvt,
                                                65, NULL), SEAL_E_CRYPTO);
    ck_assert_int_eq(seal_crypto_eccsi_validate(self, e.kpak, 65, id2, e.id_len, e.ssk, 32, e.pvt,
                                                65, NULL), SEAL_E_CRYPTO);
    ck_assert_int_eq(seal_crypto_eccsi_validate(self, e.kpak, 65, e.id, e.id_len, e.ssk, 31, e.pvt,
                                                65, NULL), SEAL_E_CRYPTO);
    ck_assert_int_eq(seal_crypto_eccsi_validate(self, e.kpak, 64, e.id, e.id_len, e.ssk, 32, e.pvt,
                                                65, NULL), SEAL_E_INVAL);
    /* KSAK = 0 and KSAK >= q are not keys. */
    seal_crypto_key_t *kms = NULL;
    memset(ssk, 0, 32);
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ECCSI_KMS,
                                            SEAL_CRYPTO_FMT_RAW_SECRET, ssk, 32, &kms), SEAL_E_INVAL);
    unhex(ssk, 32, P256_Q);
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ECCSI_KMS,
                                            SEAL_CRYPTO_FMT_RAW_SECRET, ssk, 32, &kms), SEAL_E_INVAL);
    ck_assert_ptr_null(kms);
}
END_TEST

/* A fresh KMS, keys for two identities, signatures that verify only for
 * their signer. */
START_TEST(test_eccsi_round_trip)
{
    seal_crypto_key_t *kms = NULL;
    ck_assert_int_eq(seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_ECCSI_KMS, &kms), SEAL_OK);
    uint8_t *kpak;
    size_t kl;
    ck_assert_int_eq(seal_crypto_key_export_public(kms, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL, &kpak, &kl),
                     SEAL_OK);
    const char *ids[2] = { "sip:alice@example.org", "sip:bob@example.org" };
    seal_crypto_key_t *signer[2];
    for (int i = 0; i < 2; i++) {
        uint8_t ssk[32], pvt[65];
        ck_assert_int_eq(seal_crypto_eccsi_issue(kms, (const uint8_t *)ids[i], strlen(ids[i]), NULL,
                                                 ssk, pvt), SEAL_OK);
        ck_assert_int_eq(seal_crypto_eccsi_validate(self, kpak, kl, (const uint8_t *)ids[i],
                                                    strlen(ids[i]), ssk, 32, pvt, 65, &signer[i]),
                         SEAL_OK);
    }
    for (int round = 0; round < 5; round++) {
        uint8_t msg[40], sig[129];
        ck_assert_int_eq(seal_crypto_random(self, msg, sizeof msg), SEAL_OK);
        int who = round & 1;
        ck_assert_int_eq(seal_crypto_eccsi_sign(signer[who], msg, sizeof msg, NULL, sig), SEAL_OK);
        ck_assert_int_eq(seal_crypto_eccsi_verify(self, kpak, kl, (const uint8_t *)ids[who],
                                                  strlen(ids[who]), msg, sizeof msg, sig, 129),
                         SEAL_OK);
        ck_assert_int_eq(seal_crypto_eccsi_verify(self, kpak, kl, (const uint8_t *)ids[!who],
                                                  strlen(ids[!who]), msg, sizeof msg, sig, 129),
                         SEAL_E_CRYPTO);
    }
    seal_free(kpak);
    seal_crypto_key_free(signer[0]);
    seal_crypto_key_free(signer[1]);
    seal_crypto_key_free(kms);
}
END_TEST

/* ---- SAKKE: RFC 6508 Appendix A, parameter set 1
 * (../shared/vectors/rfc6508.txt) ---- */

static const char S_Z[] = "AFF429D35F84B110D094803B3595A6E2998BC99F";
static const char S_ZPUB[] =
    "045958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832F38CB4AD53DDEF4260B0FE8BB45C4C1FF5"
    "10EFFE300367A37B61F701D914AEF09724825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78309BE640697DE747"
    "613A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54FF21508D37514DCF7A8E143A6058C09A6BF2C98"
    "58CA37C258065AE6BF7532BC8B5B63383866E0753C5AC0E72709F8445F2E6178E065857E0EDA10F68206B63505ED87E534"
    "FB2831FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA8FC67C6D19487FB449059F26CC8AAB655AB58B7CC7"
    "96E24E9A394095754F5F8BAE";
static const char S_B[] = "323031312D30320074656C3A2B34343737303039303031323300";
static const char S_RSK[] =
    "0493AF67E5007BA6E6A80DA793DA300FA4B52D0A74E25E6E7B2B3D6EE9D18A9B5C5023597BD82D8062D34019563BA1D25C"
    "0DC56B7B979D74AA50F29FBF11CC2C93F5DFCA615E609279F6175CEADB00B58C6BEE1E7A2A47C4F0C456F05259A6FA94A6"
    "34A40DAE1DF593D4FECF688D5FC678BE7EFC6DF3D6835325B83B2C6E69036B155F0A27241094B04BFB0BDFAC6C670A65C3"
    "25D39A069F03659D44CA27D3BE8DF311172B554160181CBE94A2A783320CED590BC42644702CF371271E496BF20F588B78"
    "A1BC01ECBB6559934BDD2FB65D2884318A33D1A42ADF5E33CC5800280B28356497F87135BAB9612A17260424409AC15FEE"
    "996B744C332151235DECB0F5";
static const char S_SSV[] = "123456789ABCDEF0123456789ABCDEF0";
static const char S_ED[] =
    "0444E8AD44AB8592A6A5A3DDCA5CF896C718043606A01D650DEF37A01F37C228C332FC317354E2C274D4DAF8AD001054C7"
    "6CE57971C6F4486D5723043261C506EBF5BE438F53DE04F067C776E0DD3B71A6290133283725A532F21AF145126DC1D777"
    "ECC27BE50835BD28098B8A73D9F801D893793A41FF5C49B87E79F2BE4D56CE557E134AD85BB1D4B9CE4F8BE4B08A12BABF"
    "55B1D6F1D7A638019EA28E15AB1C9F76375FDD1210D4F4351B9A009486B7F3ED46C965DED2D80DADE4F38C6721D52C3AD1"
    "03A10EBD2959248B4EF006836BF097448E6107C9EDEE9FB704823DF199F832C905AE45F8A247A072D8EF729EABC5E27574"
    "B07739B34BE74A532F747B8689E0BC661AA1E91638E6ACC84E496507";

struct sakke_vec {
    uint8_t z[20], Z[257], b[32], rsk[257], ssv[16], ed[273];
    size_t z_len, b_len;
};

static void sakke_load(struct sakke_vec *s)
{
    s->z_len = unhex(s->z, sizeof s->z, S_Z);
    ck_assert_uint_eq(unhex(s->Z, 257, S_ZPUB), 257);
    s->b_len = unhex(s->b, sizeof s->b, S_B);
    ck_assert_uint_eq(unhex(s->rsk, 257, S_RSK), 257);
    unhex(s->ssv, 16, S_SSV);
    ck_assert_uint_eq(unhex(s->ed, 273, S_ED), 273);
}

START_TEST(test_sakke_vectors)
{
    struct sakke_vec v;
    sakke_load(&v);
    /* KMS side: from z to Z and to the RSK of b. */
    seal_crypto_key_t *kms = NULL;
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_SAKKE_KMS,
                                            SEAL_CRYPTO_FMT_RAW_SECRET, v.z, v.z_len, &kms), SEAL_OK);
    uint8_t *out;
    size_t len;
    ck_assert_int_eq(seal_crypto_key_export_public(kms, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL, &out, &len),
                     SEAL_OK);
    ck_assert_uint_eq(len, 257);
    ck_assert_mem_eq(out, v.Z, 257);
    seal_free(out);
    uint8_t rsk[257];
    ck_assert_int_eq(seal_crypto_sakke_issue_rsk(kms, v.b, v.b_len, rsk), SEAL_OK);
    ck_assert_mem_eq(rsk, v.rsk, 257);
    /* z is exported as 128 octets, left-padded. */
    ck_assert_int_eq(seal_crypto_key_export_secret(kms, SEAL_CRYPTO_FMT_RAW_SECRET, &out, &len),
                     SEAL_OK);
    ck_assert_uint_eq(len, 128);
    ck_assert(all_zero(out, 128 - v.z_len));
    ck_assert_mem_eq(out + 128 - v.z_len, v.z, v.z_len);
    seal_crypto_secret_free(out, len);
    seal_crypto_key_free(kms);

    /* Sender: the RFC's SSV encapsulates to the RFC's data. */
    uint8_t ssv[16], ed[273];
    ck_assert_int_eq(seal_crypto_sakke_encap(self, v.Z, 257, v.b, v.b_len, v.ssv, ssv, ed), SEAL_OK);
    ck_assert_mem_eq(ed, v.ed, 273);
    ck_assert_mem_eq(ssv, v.ssv, 16);
    /* Receiver: validate the RSK, decapsulate. */
    seal_crypto_key_t *recv = NULL;
    ck_assert_int_eq(seal_crypto_sakke_validate_rsk(self, v.Z, 257, v.b, v.b_len, v.rsk, 257, &recv),
                     SEAL_OK);
    ck_assert_int_eq(seal_crypto_key_type(recv), SEAL_CRYPTO_KEY_SAKKE_USER);
    memset(ssv, 0, sizeof ssv);
    ck_assert_int_eq(seal_crypto_sakke_decap(recv, v.ed, 273, ssv), SEAL_OK);
    ck_assert_mem_eq(ssv, v.ssv, 16);
    seal_crypto_key_free(recv);
}
END_TEST

START_TEST(test_sakke_refusals)
{
    struct sakke_vec v;
    sakke_load(&v);
    seal_crypto_key_t *recv = (seal_crypto_key_t *)1;
    uint8_t rsk[257], ed[273], ssv[16];
    /* An RSK with a flipped bit, for another identity, (0, 0), wrong size. */
    memcpy(rsk, v.rsk, 257);
    rsk[100] ^= 4;
    ck_assert_int_eq(seal_crypto_sakke_validate_rsk(self, v.Z, 257, v.b, v.b_len, rsk, 257, &recv),
                     SEAL_E_CRYPTO);
    ck_assert_ptr_null(recv);
    uint8_t b2[32];
    memcpy(b2, v.b, v.b_len);
    b2[3] ^= 1;
    ck_assert_int_eq(seal_crypto_sakke_validate_rsk(self, v.Z, 257, b2, v.b_len, v.rsk, 257, NULL),
                     SEAL_E_CRYPTO);
    memset(rsk + 1, 0, 256);
    ck_assert_int_eq(seal_crypto_sakke_validate_rsk(self, v.Z, 257, v.b, v.b_len, rsk, 257, NULL),
                     SEAL_E_CRYPTO);
    ck_assert_int_eq(seal_crypto_sakke_validate_rsk(self, v.Z, 257, v.b, v.b_len, v.rsk, 256, NULL),
                     SEAL_E_CRYPTO);
    /* Encapsulated data with a flipped bit in R or in H, R off the curve,
     * truncated: refused, no SSV. */
    ck_assert_int_eq(seal_crypto_sakke_validate_rsk(self, v.Z, 257, v.b, v.b_len, v.rsk, 257, &recv),
                     SEAL_OK);
    const size_t pos[] = { 50, 200, 260, 272 };
    for (size_t i = 0; i < 4; i++) {
        memcpy(ed, v.ed, 273);
        ed[pos[i]] ^= 0x10;
        memset(ssv, 0xee, sizeof ssv);
        ck_assert_msg(seal_crypto_sakke_decap(recv, ed, 273, ssv) == SEAL_E_CRYPTO, "octet %zu",
                      pos[i]);
        ck_assert(all_zero(ssv, 16));
    }
    ck_assert_int_eq(seal_crypto_sakke_decap(recv, v.ed, 272, ssv), SEAL_E_CRYPTO);
    memcpy(ed, v.ed, 273);
    ed[0] = 0x02;   /* a compressed-point prefix */
    ck_assert_int_eq(seal_crypto_sakke_decap(recv, ed, 273, ssv), SEAL_E_CRYPTO);
    seal_crypto_key_free(recv);
    /* z = 0 or 1 is not a KMS secret. */
    seal_crypto_key_t *kms = NULL;
    uint8_t z = 1;
    ck_assert_int_eq(seal_crypto_key_import(self, SEAL_CRYPTO_KEY_SAKKE_KMS,
                                            SEAL_CRYPTO_FMT_RAW_SECRET, &z, 1, &kms), SEAL_E_INVAL);
    ck_assert_ptr_null(kms);
}
END_TEST

/* A fresh KMS; what is encapsulated to one identity opens only with its RSK. */
START_TEST(test_sakke_round_trip)
{
    seal_crypto_key_t *kms = NULL;
    ck_assert_int_eq(seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_SAKKE_KMS, &kms), SEAL_OK);
    uint8_t *Z;
    size_t zl;
    ck_assert_int_eq(seal_crypto_key_export_public(kms, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL, &Z, &zl),
                     SEAL_OK);
    uint8_t uid[2][32];
    seal_crypto_key_t *recv[2];
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(seal_crypto_random(self, uid[i], 32), SEAL_OK);
        uint8_t rsk[257];
        ck_assert_int_eq(seal_crypto_sakke_issue_rsk(kms, uid[i], 32, rsk), SEAL_OK);
        ck_assert_int_eq(seal_crypto_sakke_validate_rsk(self, Z, zl, uid[i], 32, rsk, 257, &recv[i]),
                         SEAL_OK);
    }
    for (int round = 0; round < 2; round++) {
        uint8_t ssv[16], got[16], ed[273];
        ck_assert_int_eq(seal_crypto_sakke_encap(self, Z, zl, uid[round], 32, NULL, ssv, ed), SEAL_OK);
        ck_assert(!all_zero(ssv, 16));
        ck_assert_int_eq(seal_crypto_sakke_decap(recv[round], ed, 273, got), SEAL_OK);
        ck_assert_mem_eq(got, ssv, 16);
        ck_assert_int_eq(seal_crypto_sakke_decap(recv[!round], ed, 273, got), SEAL_E_CRYPTO);
    }
    seal_free(Z);
    seal_crypto_key_free(recv[0]);
    seal_crypto_key_free(recv[1]);
    seal_crypto_key_free(kms);
}
END_TEST

/* ---- keys are zeroised ---- */

/* cg_key_wipe (what key_free runs before free) leaves nothing of a key:
 * checked on a private ES256 key, an ECCSI signer and a SAKKE receiver made
 * by the backend's own functions. */
START_TEST(test_keys_wiped)
{
    struct eccsi_vec e;
    struct sakke_vec s;
    eccsi_load(&e);
    sakke_load(&s);
    void *k[3] = { NULL, NULL, NULL };
    ck_assert_int_eq(cg_key_generate(NULL, SEAL_CRYPTO_KEY_ES256, &k[0]), SEAL_OK);
    ck_assert_int_eq(cg_eccsi_validate(NULL, e.kpak, e.id, e.id_len, e.ssk, e.pvt, &k[1]), SEAL_OK);
    ck_assert_int_eq(cg_sakke_validate_rsk(NULL, s.Z, s.b, s.b_len, s.rsk, &k[2]), SEAL_OK);
    cg_key *es = k[0], *ec = k[1], *sk = k[2];
    ck_assert_ptr_nonnull(es->sk);
    ck_assert_mem_eq(ec->sec, e.ssk, 32);
    ck_assert_ptr_nonnull(sk->recv);
    ck_assert_mem_eq(sk->sec, s.rsk, 257);
    for (int i = 0; i < 3; i++) {
        cg_key_wipe(k[i]);
        ck_assert(all_zero(k[i], sizeof(cg_key)));
        free(k[i]);
    }
}
END_TEST

/* ---- threads: one key used from several threads at once ---- */

struct tctx {
    const seal_crypto_key_t *k;
    int fails;
};

static void *worker(void *arg)
{
    struct tctx *c = arg;
    for (int i = 0; i < 50; i++) {
        uint8_t msg[16], sig[64];
        size_t sl;
        if (seal_crypto_random(self, msg, sizeof msg) != SEAL_OK
            || seal_crypto_sign(c->k, msg, sizeof msg, sig, sizeof sig, &sl) != SEAL_OK
            || seal_crypto_verify(c->k, msg, sizeof msg, sig, sl) != SEAL_OK)
            c->fails++;
        msg[0] ^= 1;
        if (seal_crypto_verify(c->k, msg, sizeof msg, sig, sl) != SEAL_E_CRYPTO) c->fails++;
    }
    return NULL;
}

START_TEST(test_threads)
{
    seal_crypto_key_t *k = NULL;
    ck_assert_int_eq(seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_ES256, &k), SEAL_OK);
    pthread_t th[4];
    struct tctx c[4];
    for (int i = 0; i < 4; i++) {
        c[i].k = k;
        c[i].fails = 0;
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &c[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(c[i].fails, 0);
    }
    seal_crypto_key_free(k);
}
END_TEST

/* ---- the host side: selection and registration ---- */

START_TEST(test_no_backend)
{
    ck_assert_int_eq(host_open_with(", \"crypto\": \"none\"", NULL), SEAL_OK);
    uint8_t b[4], d[32];
    ck_assert_int_eq(seal_crypto_random(self, b, 4), SEAL_E_UNSUPPORTED);
    ck_assert_int_eq(seal_crypto_hash(self, SEAL_CRYPTO_SHA256, "a", 1, d, 32), SEAL_E_UNSUPPORTED);
    seal_crypto_key_t *k = NULL;
    ck_assert_int_eq(seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_ES256, &k), SEAL_E_UNSUPPORTED);
    const char *name = "x";
    ck_assert_uint_eq(seal_crypto_caps(self, &name), 0);
    ck_assert_ptr_null(name);
}
END_TEST

START_TEST(test_unknown_backend)
{
    /* "crypto" names a plugin that registered no backend: start-up fails. */
    ck_assert_int_eq(host_open_with(", \"crypto\": \"crypto_nosuch\"", NULL), SEAL_E_CONFIG);
}
END_TEST

/* A second backend, builtin, with only "random": what it lacks is
 * SEAL_E_UNSUPPORTED; its ctx is freed once. */
static int fake_freed;
static int fake_random_calls;
static uint64_t fake_caps;

static seal_status_t fake_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    fake_random_calls++;
    memset(buf, 0x5a, len);
    return SEAL_OK;
}

static void fake_free(void *ctx)
{
    ck_assert_ptr_eq(ctx, &fake_freed);
    fake_freed++;
}

static seal_status_t fake_init(seal_plugin_t *p)
{
    static seal_crypto_ops_t ops;
    memset(&ops, 0, sizeof ops);
    ops.struct_size = sizeof ops;
    ops.caps = fake_caps;
    ops.random = fake_random;
    return seal_crypto_backend_register(p, &ops, &fake_freed, fake_free);
}

static const seal_plugin_desc_t fake_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .name = "crypto_fake",
    .version = "0",
    .description = "a minimal crypto backend",
    .init = fake_init,
};

START_TEST(test_two_backends)
{
    fake_caps = SEAL_CRYPTO_CAP_RANDOM;
    fake_freed = fake_random_calls = 0;
    /* Both loaded, none named: refused. */
    ck_assert_int_eq(host_open_with(", \"plugins\": {\"crypto_gnutls\": {}}", &fake_desc),
                     SEAL_E_CONFIG);
    teardown();
    ck_assert_int_eq(fake_freed, 1);
    /* Named: the fake one serves, and only what it has. */
    fake_freed = 0;
    ck_assert_int_eq(host_open_with(", \"crypto\": \"crypto_fake\","
                                    " \"plugins\": {\"crypto_gnutls\": {}}", &fake_desc), SEAL_OK);
    uint8_t b[4], d[32];
    ck_assert_int_eq(seal_crypto_random(self, b, 4), SEAL_OK);
    ck_assert_int_eq(fake_random_calls, 1);
    ck_assert_uint_eq(b[0], 0x5a);
    ck_assert_int_eq(seal_crypto_hash(self, SEAL_CRYPTO_SHA256, "a", 1, d, 32), SEAL_E_UNSUPPORTED);
    const char *name = NULL;
    ck_assert_uint_eq(seal_crypto_caps(self, &name), SEAL_CRYPTO_CAP_RANDOM);
    ck_assert_str_eq(name, "crypto_fake");
    teardown();
    ck_assert_int_eq(fake_freed, 1);
}
END_TEST

START_TEST(test_register_checks)
{
    /* A capability without its ops is refused at registration, init
     * fails, and the ctx is still freed exactly once. */
    fake_caps = SEAL_CRYPTO_CAP_RANDOM | SEAL_CRYPTO_CAP_SHA256;
    fake_freed = 0;
    ck_assert_int_ne(host_open_with(", \"crypto\": \"crypto_fake\"", &fake_desc), SEAL_OK);
    teardown();
    ck_assert_int_eq(fake_freed, 1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("crypto_gnutls");
    TCase *tc = tcase_create("kat");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_caps);
    tcase_add_test(tc, test_random);
    tcase_add_test(tc, test_sha2);
    tcase_add_test(tc, test_hmac_rfc4231);
    tcase_add_test(tc, test_aes_gcm);
    tcase_add_test(tc, test_kdf_33220);
    tcase_add_test(tc, test_mikey_prf);
    suite_add_tcase(s, tc);

    tc = tcase_create("jose");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_es256_rfc7515);
    tcase_add_test(tc, test_eddsa_rfc8037);
    tcase_add_test(tc, test_jose_round_trips);
    tcase_add_test(tc, test_jwk_refusals);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);

    tc = tcase_create("ibc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_eccsi_vectors);
    tcase_add_test(tc, test_eccsi_refusals);
    tcase_add_test(tc, test_eccsi_round_trip);
    tcase_add_test(tc, test_sakke_vectors);
    tcase_add_test(tc, test_sakke_refusals);
    tcase_add_test(tc, test_sakke_round_trip);
    tcase_add_test(tc, test_keys_wiped);
    suite_add_tcase(s, tc);

    tc = tcase_create("host");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_no_backend);
    tcase_add_test(tc, test_unknown_backend);
    tcase_add_test(tc, test_two_backends);
    tcase_add_test(tc, test_register_checks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
