/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: crypto_gnutls's key importers (JWK, PKCS #8 PEM/DER, raw
 * secrets and public points of every key type). The first octet picks the
 * type (high nibble, 0 = from the data) and the format (low nibble); the
 * rest is the key. A key that imports must export, re-import from its own
 * export to the same public value, and sign and verify. */
#include <stdlib.h>
#include <string.h>
#include "cg.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void exercise(cg_key *k)
{
    uint8_t *pub = NULL, *jwk = NULL;
    size_t pub_len = 0, jwk_len = 0;
    int jose = k->type == SEAL_CRYPTO_KEY_ES256 || k->type == SEAL_CRYPTO_KEY_EDDSA;
    CHECK(cg_key_export_public(NULL, k, k->type, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL,
                               &pub, &pub_len) == SEAL_OK);
    if (jose) {
        /* The public JWK imports back to the same key. */
        CHECK(cg_key_export_public(NULL, k, k->type, SEAL_CRYPTO_FMT_JWK, "k\"\\1\n",
                                   &jwk, &jwk_len) == SEAL_OK);
        cg_key *k2 = NULL;
        CHECK(cg_jwk_import(k->type, jwk, jwk_len, &k2) == SEAL_OK);
        CHECK(k2->pub_len == pub_len && memcmp(k2->pub, pub, pub_len) == 0 && !k2->priv);
        if (k->priv) {
            uint8_t sig[64];
            size_t sl = 0;
            CHECK(cg_sign(NULL, k, "m", 1, sig, &sl) == SEAL_OK && sl == 64);
            CHECK(cg_verify(NULL, k2, "m", 1, sig, sl) == SEAL_OK);
            sig[sl - 1] ^= 1;
            CHECK(cg_verify(NULL, k2, "m", 1, sig, sl) == SEAL_E_CRYPTO);
        }
        cg_key_free(NULL, k2);
        free(jwk);
    }
    if (k->priv) {
        uint8_t *sec = NULL;
        size_t sec_len = 0;
        CHECK(cg_key_export_secret(NULL, k, k->type, SEAL_CRYPTO_FMT_RAW_SECRET,
                                   &sec, &sec_len) == SEAL_OK);
        cg_key *k3 = NULL;
        int t = k->type, priv = 0;
        void *v = NULL;
        CHECK(cg_key_import(NULL, &t, SEAL_CRYPTO_FMT_RAW_SECRET, sec, sec_len, &priv, &v)
              == SEAL_OK);
        k3 = v;
        CHECK(priv && k3->pub_len == pub_len && memcmp(k3->pub, pub, pub_len) == 0);
        cg_key_free(NULL, k3);
        cg_wipe(sec, sec_len);
        free(sec);
    }
    free(pub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int type = data[0] >> 4, format = data[0] & 15;
    if (type > SEAL_CRYPTO_KEY_SAKKE_KMS || format < SEAL_CRYPTO_FMT_RAW_SECRET
        || format > SEAL_CRYPTO_FMT_PKCS8)
        return 0;
    /* The host only passes type 0 with JWK or PKCS8, and never empty data. */
    if ((type == 0 && format != SEAL_CRYPTO_FMT_JWK && format != SEAL_CRYPTO_FMT_PKCS8)
        || size < 2)
        return 0;
    int priv = 0;
    void *key = NULL;
    seal_status_t st = cg_key_import(NULL, &type, format, data + 1, size - 1, &priv, &key);
    if (st == SEAL_OK) {
        CHECK(key && priv == ((cg_key *)key)->priv && type == ((cg_key *)key)->type);
        exercise(key);
    } else {
        CHECK(key == NULL);
    }
    cg_key_free(NULL, key);
    return 0;
}
