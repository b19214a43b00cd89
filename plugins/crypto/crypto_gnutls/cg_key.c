/* SPDX-License-Identifier: Apache-2.0 */
/* Key objects; the JOSE signature keys ES256 (ECDSA P-256 with SHA-256,
 * RFC 7518 3.4: the JWS signature is R || S, 32 octets each) and EdDSA
 * (Ed25519, RFC 8032 / RFC 8037) on GnuTLS. GnuTLS imports raw points
 * without checking them, so every key is checked here before import: the
 * point is on P-256, and a secret matches its public part. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <gmp.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <nettle/ecc.h>
#include <nettle/ecc-curve.h>
#include <nettle/eddsa.h>
#include "cg.h"

cg_key *cg_key_new(int type)
{
    cg_key *k = calloc(1, sizeof *k);
    if (k) k->type = type;
    return k;
}

void cg_key_wipe(cg_key *k)
{
    if (!k) return;
    /* GnuTLS zeroises its key parameters on deinit; lib/ibc its tables. */
    if (k->sk) gnutls_privkey_deinit(k->sk);
    if (k->pk) gnutls_pubkey_deinit(k->pk);
    if (k->recv) ibc_sakke_receiver_free(k->recv);
    if (k->id) {
        cg_wipe(k->id, k->id_len);
        free(k->id);
    }
    cg_wipe(k, sizeof *k);
}

void cg_key_free(void *ctx, void *key)
{
    (void)ctx;
    if (!key) return;
    cg_key_wipe(key);
    free(key);
}

/* 04 || x || y on P-256 (SEC 1 2.3.4), checked with nettle. */
static int p256_point_ok(const uint8_t *pub, size_t len)
{
    if (len != 65 || pub[0] != 0x04) return 0;
    struct ecc_point p;
    mpz_t x, y;
    ecc_point_init(&p, nettle_get_secp_256r1());
    mpz_init(x);
    mpz_init(y);
    mpz_import(x, 32, 1, 1, 1, 0, pub + 1);
    mpz_import(y, 32, 1, 1, 1, 0, pub + 33);
    /* ecc_point_set refuses coordinates that are not on the curve. */
    int ok = ecc_point_set(&p, x, y);
    mpz_clear(x);
    mpz_clear(y);
    ecc_point_clear(&p);
    return ok;
}

static seal_status_t import_gnutls(cg_key *k, const uint8_t *d)
{
    int ed = k->type == SEAL_CRYPTO_KEY_EDDSA;
    gnutls_ecc_curve_t curve = ed ? GNUTLS_ECC_CURVE_ED25519 : GNUTLS_ECC_CURVE_SECP256R1;
    gnutls_datum_t x = { ed ? k->pub : k->pub + 1, 32 };
    gnutls_datum_t y = { k->pub + 33, 32 };
    int rc = gnutls_pubkey_init(&k->pk);
    if (rc < 0) return cg_status_gnutls(rc);
    if (d) {
        gnutls_datum_t kd = { (unsigned char *)d, 32 };
        if ((rc = gnutls_privkey_init(&k->sk)) < 0
            || (rc = gnutls_privkey_import_ecc_raw(k->sk, curve, &x, ed ? NULL : &y, &kd)) < 0
            || (rc = gnutls_pubkey_import_privkey(k->pk, k->sk, 0, 0)) < 0)
            return cg_status_gnutls(rc);
    } else if ((rc = gnutls_pubkey_import_ecc_raw(k->pk, curve, &x, ed ? NULL : &y)) < 0) {
        return cg_status_gnutls(rc);
    }
    return SEAL_OK;
}

seal_status_t cg_jose_from_raw(int type, const uint8_t *pub, size_t pub_len,
                               const uint8_t *d, size_t d_len, cg_key **out)
{
    *out = NULL;
    if (type != SEAL_CRYPTO_KEY_ES256 && type != SEAL_CRYPTO_KEY_EDDSA) return SEAL_E_INVAL;
    size_t plen = type == SEAL_CRYPTO_KEY_ES256 ? 65 : 32;
    if ((d && d_len != 32) || (!d && !pub) || (pub && pub_len != plen)) return SEAL_E_INVAL;
    uint8_t calc[65];
    if (d) {
        /* The public key follows from the secret: [d]G on P-256 (lib/ibc's
         * constant-time fixed-base multiplication, which also refuses d = 0
         * and d >= n), or the RFC 8032 5.1.5 key generation. */
        if (type == SEAL_CRYPTO_KEY_ES256) {
            if (ibc_eccsi_kms_public(d, 32, calc) != IBC_OK) return SEAL_E_INVAL;
        } else {
            ed25519_sha512_public_key(calc, d);
        }
        if (pub && memcmp(pub, calc, plen) != 0) return SEAL_E_INVAL;   /* public data */
    } else {
        if (type == SEAL_CRYPTO_KEY_ES256 && !p256_point_ok(pub, pub_len)) return SEAL_E_INVAL;
        memcpy(calc, pub, plen);
    }
    cg_key *k = cg_key_new(type);
    if (!k) return SEAL_E_NOMEM;
    memcpy(k->pub, calc, plen);
    k->pub_len = plen;
    k->priv = d != NULL;
    seal_status_t st = import_gnutls(k, d);
    if (st != SEAL_OK) {
        cg_key_free(NULL, k);
        return st;
    }
    *out = k;
    return SEAL_OK;
}

/* Left-pads a big-endian integer of n octets to 32; 0 if longer (a
 * GnuTLS export never is, unless it carries a leading zero, dropped here). */
static int pad32(const uint8_t *in, size_t n, uint8_t out[32])
{
    while (n > 32 && *in == 0) { in++; n--; }
    if (n > 32) return 0;
    memset(out, 0, 32 - n);
    memcpy(out + 32 - n, in, n);
    return 1;
}

seal_status_t cg_jose_secret(const cg_key *k, uint8_t d[32])
{
    memset(d, 0, 32);
    if (!k->sk) return SEAL_E_INVAL;
    gnutls_ecc_curve_t curve;
    gnutls_datum_t kd = { NULL, 0 };
    int rc = gnutls_privkey_export_ecc_raw2(k->sk, &curve, NULL, NULL, &kd, GNUTLS_EXPORT_FLAG_NO_LZ);
    if (rc < 0) return cg_status_gnutls(rc);
    int ok = pad32(kd.data, kd.size, d);
    cg_wipe(kd.data, kd.size);
    gnutls_free(kd.data);
    return ok ? SEAL_OK : SEAL_E_CRYPTO;
}

static seal_status_t generate_jose(int type, cg_key **out)
{
    *out = NULL;
    int ed = type == SEAL_CRYPTO_KEY_EDDSA;
    gnutls_privkey_t sk;
    int rc = gnutls_privkey_init(&sk);
    if (rc < 0) return cg_status_gnutls(rc);
    rc = gnutls_privkey_generate2(sk, ed ? GNUTLS_PK_EDDSA_ED25519 : GNUTLS_PK_ECDSA,
                                  GNUTLS_CURVE_TO_BITS(ed ? GNUTLS_ECC_CURVE_ED25519
                                                          : GNUTLS_ECC_CURVE_SECP256R1),
                                  0, NULL, 0);
    if (rc < 0) {
        gnutls_privkey_deinit(sk);
        return cg_status_gnutls(rc);
    }
    /* Rebuilt from the secret so that every key takes the one checked path. */
    cg_key tmp = { .type = type, .sk = sk };
    uint8_t d[32];
    seal_status_t st = cg_jose_secret(&tmp, d);
    gnutls_privkey_deinit(sk);
    if (st == SEAL_OK) st = cg_jose_from_raw(type, NULL, 0, d, 32, out);
    cg_wipe(d, sizeof d);
    return st;
}

seal_status_t cg_key_generate(void *ctx, int type, void **key)
{
    (void)ctx;
    cg_key *k = NULL;
    seal_status_t st;
    if (type == SEAL_CRYPTO_KEY_ES256 || type == SEAL_CRYPTO_KEY_EDDSA)
        st = generate_jose(type, &k);
    else
        st = cg_ibc_generate(type, &k);
    *key = k;
    return st;
}

static int is_pem(const void *data, size_t len)
{
    const char *s = data;
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
    return len - i >= 10 && memcmp(s + i, "-----BEGIN", 10) == 0;
}

/* PKCS #8 (or SEC 1) through GnuTLS's parser; the secret is then taken
 * out and the key rebuilt through cg_jose_from_raw, which checks it. */
static seal_status_t import_pkcs8(int want, const void *data, size_t len, cg_key **out)
{
    *out = NULL;
    if (len > UINT_MAX) return SEAL_E_INVAL;
    gnutls_privkey_t sk;
    int rc = gnutls_privkey_init(&sk);
    if (rc < 0) return cg_status_gnutls(rc);
    gnutls_datum_t in = { (unsigned char *)data, (unsigned)len };
    rc = gnutls_privkey_import_x509_raw(sk, &in, is_pem(data, len) ? GNUTLS_X509_FMT_PEM
                                                                    : GNUTLS_X509_FMT_DER,
                                        NULL, GNUTLS_PKCS_PLAIN);
    if (rc < 0) {
        gnutls_privkey_deinit(sk);
        return SEAL_E_INVAL;
    }
    int type = 0;
    int pk = gnutls_privkey_get_pk_algorithm(sk, NULL);
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    gnutls_datum_t kd = { NULL, 0 };
    if ((pk == GNUTLS_PK_ECDSA || pk == GNUTLS_PK_EDDSA_ED25519)
        && gnutls_privkey_export_ecc_raw2(sk, &curve, NULL, NULL, &kd,
                                          GNUTLS_EXPORT_FLAG_NO_LZ) == 0) {
        if (pk == GNUTLS_PK_ECDSA && curve == GNUTLS_ECC_CURVE_SECP256R1)
            type = SEAL_CRYPTO_KEY_ES256;
        else if (pk == GNUTLS_PK_EDDSA_ED25519 && curve == GNUTLS_ECC_CURVE_ED25519)
            type = SEAL_CRYPTO_KEY_EDDSA;
    }
    gnutls_privkey_deinit(sk);
    uint8_t d[32];
    seal_status_t st = SEAL_E_UNSUPPORTED;   /* an algorithm we do not sign with */
    if (type && (want == 0 || want == type)) {
        st = pad32(kd.data, kd.size, d) ? cg_jose_from_raw(type, NULL, 0, d, 32, out)
                                        : SEAL_E_INVAL;
    } else if (type) {
        st = SEAL_E_INVAL;   /* a key of another type than asked for */
    }
    cg_wipe(d, sizeof d);
    if (kd.data) {
        cg_wipe(kd.data, kd.size);
        gnutls_free(kd.data);
    }
    return st;
}

seal_status_t cg_key_import(void *ctx, int *type, int format, const void *data, size_t len,
                            int *is_private, void **key)
{
    (void)ctx;
    cg_key *k = NULL;
    seal_status_t st = SEAL_E_INVAL;
    int t = *type;
    int jose = t == SEAL_CRYPTO_KEY_ES256 || t == SEAL_CRYPTO_KEY_EDDSA;
    switch (format) {
    case SEAL_CRYPTO_FMT_RAW_SECRET:
        if (jose)
            st = len == 32 ? cg_jose_from_raw(t, NULL, 0, data, 32, &k) : SEAL_E_INVAL;
        else
            st = cg_ibc_import(t, data, len, &k);
        break;
    case SEAL_CRYPTO_FMT_RAW_PUBLIC:
        st = jose ? cg_jose_from_raw(t, data, len, NULL, 0, &k) : SEAL_E_UNSUPPORTED;
        break;
    case SEAL_CRYPTO_FMT_JWK:
        st = jose || t == 0 ? cg_jwk_import(t, data, len, &k) : SEAL_E_UNSUPPORTED;
        break;
    case SEAL_CRYPTO_FMT_PKCS8:
        st = jose || t == 0 ? import_pkcs8(t, data, len, &k) : SEAL_E_UNSUPPORTED;
        break;
    }
    if (st == SEAL_OK) {
        *type = k->type;
        *is_private = k->priv;
    }
    *key = k;
    return st;
}

static seal_status_t copy_out(const void *p, size_t n, uint8_t **out, size_t *len)
{
    uint8_t *o = malloc(n + 1);
    if (!o) return SEAL_E_NOMEM;
    memcpy(o, p, n);
    o[n] = 0;
    *out = o;
    *len = n;
    return SEAL_OK;
}

seal_status_t cg_key_export_public(void *ctx, const void *key, int type, int format,
                                   const char *kid, uint8_t **out, size_t *len)
{
    (void)ctx;
    const cg_key *k = key;
    (void)type;
    int jose = k->type == SEAL_CRYPTO_KEY_ES256 || k->type == SEAL_CRYPTO_KEY_EDDSA;
    if (format == SEAL_CRYPTO_FMT_JWK)
        return jose ? cg_jwk_export(k, 0, kid, out, len) : SEAL_E_UNSUPPORTED;
    if (!k->pub_len) return SEAL_E_UNSUPPORTED;   /* a SAKKE receiver: no public part */
    return copy_out(k->pub, k->pub_len, out, len);
}

static seal_status_t export_pkcs8(const cg_key *k, uint8_t **out, size_t *len)
{
    gnutls_x509_privkey_t xk;
    gnutls_datum_t pem = { NULL, 0 };
    int rc = gnutls_privkey_export_x509(k->sk, &xk);
    if (rc < 0) return cg_status_gnutls(rc);
    rc = gnutls_x509_privkey_export2_pkcs8(xk, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &pem);
    gnutls_x509_privkey_deinit(xk);
    if (rc < 0) return cg_status_gnutls(rc);
    seal_status_t st = copy_out(pem.data, pem.size, out, len);
    cg_wipe(pem.data, pem.size);
    gnutls_free(pem.data);
    return st;
}

seal_status_t cg_key_export_secret(void *ctx, const void *key, int type, int format,
                                   uint8_t **out, size_t *len)
{
    (void)ctx;
    (void)type;
    const cg_key *k = key;
    if (!k->priv) return SEAL_E_INVAL;
    int jose = k->type == SEAL_CRYPTO_KEY_ES256 || k->type == SEAL_CRYPTO_KEY_EDDSA;
    if (format == SEAL_CRYPTO_FMT_JWK)
        return jose ? cg_jwk_export(k, 1, NULL, out, len) : SEAL_E_UNSUPPORTED;
    if (format == SEAL_CRYPTO_FMT_PKCS8)
        return jose ? export_pkcs8(k, out, len) : SEAL_E_UNSUPPORTED;
    if (!jose) return copy_out(k->sec, k->sec_len, out, len);
    uint8_t d[32];
    seal_status_t st = cg_jose_secret(k, d);
    if (st == SEAL_OK) st = copy_out(d, 32, out, len);
    cg_wipe(d, sizeof d);
    return st;
}

seal_status_t cg_sign(void *ctx, const void *key, const void *msg, size_t len,
                      uint8_t *sig, size_t *sig_len)
{
    (void)ctx;
    const cg_key *k = key;
    if (!k->sk || len > UINT_MAX) return SEAL_E_INVAL;
    int ed = k->type == SEAL_CRYPTO_KEY_EDDSA;
    gnutls_datum_t data = { (unsigned char *)msg, (unsigned)len }, s = { NULL, 0 };
    int rc = gnutls_privkey_sign_data2(k->sk, ed ? GNUTLS_SIGN_EDDSA_ED25519
                                                 : GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &s);
    if (rc < 0) return cg_status_gnutls(rc);
    seal_status_t st = SEAL_OK;
    if (ed) {
        if (s.size == 64) memcpy(sig, s.data, 64);
        else st = SEAL_E_CRYPTO;
    } else {
        /* GnuTLS gives the DER SEQUENCE of RFC 3279; JWS wants R || S. */
        gnutls_datum_t r = { NULL, 0 }, sv = { NULL, 0 };
        rc = gnutls_decode_rs_value(&s, &r, &sv);
        if (rc < 0 || !pad32(r.data, r.size, sig) || !pad32(sv.data, sv.size, sig + 32))
            st = rc < 0 ? cg_status_gnutls(rc) : SEAL_E_CRYPTO;
        gnutls_free(r.data);
        gnutls_free(sv.data);
    }
    gnutls_free(s.data);
    if (st == SEAL_OK) *sig_len = 64;
    return st;
}

/* A big-endian integer without its leading zero octets (at least one). */
static gnutls_datum_t trim(const uint8_t *p, size_t n)
{
    while (n > 1 && *p == 0) { p++; n--; }
    gnutls_datum_t d = { (unsigned char *)p, (unsigned)n };
    return d;
}

seal_status_t cg_verify(void *ctx, const void *key, const void *msg, size_t len,
                        const uint8_t *sig, size_t sig_len)
{
    (void)ctx;
    const cg_key *k = key;
    if (!k->pk || len > UINT_MAX || sig_len != 64) return SEAL_E_CRYPTO;
    gnutls_datum_t data = { (unsigned char *)msg, (unsigned)len };
    int rc;
    if (k->type == SEAL_CRYPTO_KEY_EDDSA) {
        gnutls_datum_t s = { (unsigned char *)sig, 64 };
        rc = gnutls_pubkey_verify_data2(k->pk, GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &s);
    } else {
        gnutls_datum_t r = trim(sig, 32), s = trim(sig + 32, 32), der = { NULL, 0 };
        if ((rc = gnutls_encode_rs_value(&der, &r, &s)) < 0) return cg_status_gnutls(rc);
        rc = gnutls_pubkey_verify_data2(k->pk, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &der);
        gnutls_free(der.data);
    }
    if (rc == GNUTLS_E_MEMORY_ERROR) return SEAL_E_NOMEM;
    return rc < 0 ? SEAL_E_CRYPTO : SEAL_OK;
}
