/* SPDX-License-Identifier: Apache-2.0 */
/* Random, SHA-2 (FIPS 180-4), HMAC (RFC 2104), AES-GCM (SP 800-38D) on
 * GnuTLS; the TS 33.220 B.2 KDF (HMAC-SHA-256 over the S the host encoded);
 * the MIKEY PRF of RFC 3830 4.1.2 / RFC 6043 6.1 from lib/mikey. */
#include <string.h>
#include <gnutls/crypto.h>
#include "mikey/mikey.h"
#include "cg.h"

seal_status_t cg_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    return gnutls_rnd(GNUTLS_RND_RANDOM, buf, len) == 0 ? SEAL_OK : SEAL_E_CRYPTO;
}

static gnutls_digest_algorithm_t digest(int alg)
{
    switch (alg) {
    case SEAL_CRYPTO_SHA256: return GNUTLS_DIG_SHA256;
    case SEAL_CRYPTO_SHA384: return GNUTLS_DIG_SHA384;
    case SEAL_CRYPTO_SHA512: return GNUTLS_DIG_SHA512;
    default: return GNUTLS_DIG_UNKNOWN;
    }
}

static gnutls_mac_algorithm_t mac(int alg)
{
    switch (alg) {
    case SEAL_CRYPTO_SHA256: return GNUTLS_MAC_SHA256;
    case SEAL_CRYPTO_SHA384: return GNUTLS_MAC_SHA384;
    case SEAL_CRYPTO_SHA512: return GNUTLS_MAC_SHA512;
    default: return GNUTLS_MAC_UNKNOWN;
    }
}

seal_status_t cg_hash(void *ctx, int alg, const void *data, size_t len, uint8_t *out)
{
    (void)ctx;
    gnutls_digest_algorithm_t d = digest(alg);
    if (d == GNUTLS_DIG_UNKNOWN) return SEAL_E_INVAL;
    return cg_status_gnutls(gnutls_hash_fast(d, data, len, out));
}

seal_status_t cg_hmac(void *ctx, int alg, const void *key, size_t key_len,
                      const void *data, size_t len, uint8_t *out)
{
    (void)ctx;
    gnutls_mac_algorithm_t m = mac(alg);
    if (m == GNUTLS_MAC_UNKNOWN) return SEAL_E_INVAL;
    return cg_status_gnutls(gnutls_hmac_fast(m, key, key_len, data, len, out));
}

static gnutls_cipher_algorithm_t gcm(size_t key_len)
{
    switch (key_len) {
    case 16: return GNUTLS_CIPHER_AES_128_GCM;
    case 24: return GNUTLS_CIPHER_AES_192_GCM;
    case 32: return GNUTLS_CIPHER_AES_256_GCM;
    default: return GNUTLS_CIPHER_UNKNOWN;
    }
}

/* One AEAD handle per call: it holds the expanded key, which GnuTLS wipes
 * on deinit. */
static seal_status_t gcm_run(int enc, const uint8_t *key, size_t key_len,
                             const uint8_t *iv, size_t iv_len, const void *aad, size_t aad_len,
                             const void *in, size_t in_len, uint8_t *out)
{
    gnutls_cipher_algorithm_t c = gcm(key_len);
    if (c == GNUTLS_CIPHER_UNKNOWN) return SEAL_E_INVAL;
    gnutls_datum_t k = { (unsigned char *)key, (unsigned)key_len };
    gnutls_aead_cipher_hd_t h;
    int rc = gnutls_aead_cipher_init(&h, c, &k);
    if (rc < 0) return cg_status_gnutls(rc);
    size_t out_len = enc ? in_len + SEAL_CRYPTO_GCM_TAG_LEN : in_len - SEAL_CRYPTO_GCM_TAG_LEN;
    size_t got = out_len;
    /* GnuTLS wants a non-NULL output even when it is empty. */
    uint8_t dummy[SEAL_CRYPTO_GCM_TAG_LEN];
    if (enc)
        rc = gnutls_aead_cipher_encrypt(h, iv, iv_len, aad, aad_len, SEAL_CRYPTO_GCM_TAG_LEN,
                                        in, in_len, out, &got);
    else
        rc = gnutls_aead_cipher_decrypt(h, iv, iv_len, aad, aad_len, SEAL_CRYPTO_GCM_TAG_LEN,
                                        in, in_len, out_len ? out : dummy, &got);
    gnutls_aead_cipher_deinit(h);
    if (rc < 0) {
        cg_wipe(out, out_len);
        return rc == GNUTLS_E_DECRYPTION_FAILED ? SEAL_E_CRYPTO : cg_status_gnutls(rc);
    }
    if (got != out_len) {
        cg_wipe(out, out_len);
        return SEAL_E_CRYPTO;
    }
    return SEAL_OK;
}

seal_status_t cg_gcm_seal(void *ctx, const uint8_t *key, size_t key_len,
                          const uint8_t *iv, size_t iv_len, const void *aad, size_t aad_len,
                          const void *pt, size_t pt_len, uint8_t *out)
{
    (void)ctx;
    return gcm_run(1, key, key_len, iv, iv_len, aad, aad_len, pt, pt_len, out);
}

seal_status_t cg_gcm_open(void *ctx, const uint8_t *key, size_t key_len,
                          const uint8_t *iv, size_t iv_len, const void *aad, size_t aad_len,
                          const void *ct, size_t ct_len, uint8_t *out)
{
    (void)ctx;
    return gcm_run(0, key, key_len, iv, iv_len, aad, aad_len, ct, ct_len, out);
}

seal_status_t cg_kdf_33220(void *ctx, const uint8_t *key, size_t key_len,
                           const uint8_t *s, size_t s_len, uint8_t *out)
{
    (void)ctx;
    return cg_status_gnutls(gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, key_len, s, s_len, out));
}

seal_status_t cg_mikey_prf(void *ctx, const uint8_t *inkey, size_t inkey_len,
                           const uint8_t *label, size_t label_len, uint8_t *out, size_t out_len)
{
    (void)ctx;
    int rc = mikey_prf(MIKEY_PRF_HMAC_SHA256, inkey, inkey_len, label, label_len, out, out_len);
    return rc == MIKEY_OK ? SEAL_OK : rc == MIKEY_ENOMEM ? SEAL_E_NOMEM : SEAL_E_INVAL;
}
