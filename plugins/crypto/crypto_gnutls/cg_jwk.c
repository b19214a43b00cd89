/* SPDX-License-Identifier: Apache-2.0 */
/* JSON Web Keys for the JOSE signature keys: RFC 7517 (JWK), RFC 7518 6.2
 * (EC: "crv":"P-256", "x", "y", "d" of 32 octets), RFC 8037 2 (OKP:
 * "crv":"Ed25519", "x", "d" of 32 octets); thumbprints per RFC 7638 3.
 * Imports are strict about what they use (exact lengths, canonical
 * base64url, "alg"/"use" consistent) and ignore members they do not use,
 * as RFC 7517 4 asks. */
#include <stdlib.h>
#include <string.h>
#include <gnutls/crypto.h>
#include <json-c/json.h>
#include "sjson/sjson.h"
#include "cg.h"

#define JWK_MAX 16384   /* far above any EC/OKP key; bounds the parser's work */

/* The string member name of o, or NULL; *bad set when present but not a
 * string. */
static const char *member(json_object *o, const char *name, size_t *len, int *bad)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v)) return NULL;
    if (!json_object_is_type(v, json_type_string)) { *bad = 1; return NULL; }
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

/* Overwrites the "d" string json-c holds, so that the secret does not
 * outlive the parse in freed memory. */
static void wipe_member(json_object *o, const char *name)
{
    json_object *v;
    if (json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string)) {
        char *s = (char *)json_object_get_string(v);
        cg_wipe(s, (size_t)json_object_get_string_len(v));
    }
}

static int eq(const char *s, size_t n, const char *lit)
{
    return s && n == strlen(lit) && memcmp(s, lit, n) == 0;
}

seal_status_t cg_jwk_import(int want_type, const void *data, size_t len, cg_key **out)
{
    *out = NULL;
    if (len == 0 || len > JWK_MAX) return SEAL_E_INVAL;
    /* Exactly one JSON object, strict (lib/sjson): a member given twice
     * ("d", "crv") must not be read as the last one. */
    sjson_error_t jerr;
    json_object *o = sjson_parse(data, len, 8, &jerr);
    if (!o && jerr.code == SJSON_E_NOMEM) return SEAL_E_NOMEM;
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return SEAL_E_INVAL;
    }
    seal_status_t st = SEAL_E_INVAL;
    int bad = 0, type = 0;
    size_t lk = 0, lc = 0, lx = 0, ly = 0, ld = 0, la = 0, lu = 0;
    const char *kty = member(o, "kty", &lk, &bad), *crv = member(o, "crv", &lc, &bad);
    const char *x = member(o, "x", &lx, &bad), *y = member(o, "y", &ly, &bad);
    const char *d = member(o, "d", &ld, &bad);
    const char *alg = member(o, "alg", &la, &bad), *use = member(o, "use", &lu, &bad);
    if (eq(kty, lk, "EC") && eq(crv, lc, "P-256")) type = SEAL_CRYPTO_KEY_ES256;
    else if (eq(kty, lk, "OKP") && eq(crv, lc, "Ed25519")) type = SEAL_CRYPTO_KEY_EDDSA;
    else if (kty && !bad) st = SEAL_E_UNSUPPORTED;   /* RSA, other curves: not ours */
    if (!type || bad || (want_type && want_type != type)
        || (alg && !eq(alg, la, type == SEAL_CRYPTO_KEY_ES256 ? "ES256" : "EdDSA"))
        || (use && !eq(use, lu, "sig")) || !x
        || (type == SEAL_CRYPTO_KEY_ES256) != (y != NULL))
        goto done;
    uint8_t pub[65], sec[32];
    size_t plen;
    if (type == SEAL_CRYPTO_KEY_ES256) {
        pub[0] = 0x04;
        plen = 65;
        if (cg_b64url_decode(x, lx, pub + 1, 32) || cg_b64url_decode(y, ly, pub + 33, 32))
            goto done;
    } else {
        plen = 32;
        if (cg_b64url_decode(x, lx, pub, 32)) goto done;
    }
    if (d && cg_b64url_decode(d, ld, sec, 32)) goto done;
    st = cg_jose_from_raw(type, pub, plen, d ? sec : NULL, 32, out);
    cg_wipe(sec, sizeof sec);
done:
    wipe_member(o, "d");
    json_object_put(o);
    return st;
}

static void b64_member(cg_buf *b, const char *name, const uint8_t *v, size_t n)
{
    char enc[64];   /* 32 octets -> 43 characters */
    b64url_encode(v, n, enc);
    cg_buf_str(b, ",\"");
    cg_buf_str(b, name);
    cg_buf_str(b, "\":\"");
    cg_buf_str(b, enc);
    cg_buf_str(b, "\"");
    cg_wipe(enc, sizeof enc);
}

/* The required members in lexicographic order, no whitespace (RFC 7638 3.2). */
static seal_status_t thumbprint(const cg_key *k, char out[44])
{
    cg_buf b = { 0 };
    if (k->type == SEAL_CRYPTO_KEY_ES256) {
        cg_buf_str(&b, "{\"crv\":\"P-256\",\"kty\":\"EC\"");
        b64_member(&b, "x", k->pub + 1, 32);
        b64_member(&b, "y", k->pub + 33, 32);
    } else {
        cg_buf_str(&b, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\"");
        b64_member(&b, "x", k->pub, 32);
    }
    cg_buf_str(&b, "}");
    if (b.err) { free(b.p); return SEAL_E_NOMEM; }
    uint8_t h[32];
    int rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, b.p, b.len, h);
    free(b.p);
    if (rc < 0) return cg_status_gnutls(rc);
    b64url_encode(h, 32, out);
    return SEAL_OK;
}

seal_status_t cg_jwk_export(const cg_key *k, int secret, const char *kid,
                            uint8_t **out, size_t *len)
{
    char tp[44];
    uint8_t d[32];
    seal_status_t st;
    if (!kid) {
        if ((st = thumbprint(k, tp)) != SEAL_OK) return st;
        kid = tp;
    }
    cg_buf b = { 0 };
    if (k->type == SEAL_CRYPTO_KEY_ES256) {
        cg_buf_str(&b, "{\"kty\":\"EC\",\"crv\":\"P-256\"");
        b64_member(&b, "x", k->pub + 1, 32);
        b64_member(&b, "y", k->pub + 33, 32);
    } else {
        cg_buf_str(&b, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"");
        b64_member(&b, "x", k->pub, 32);
    }
    if (secret) {
        if ((st = cg_jose_secret(k, d)) != SEAL_OK) {
            cg_wipe(b.p, b.cap);
            free(b.p);
            return st;
        }
        b64_member(&b, "d", d, 32);
        cg_wipe(d, sizeof d);
    }
    cg_buf_str(&b, ",\"kid\":");
    cg_buf_json_str(&b, kid);
    cg_buf_str(&b, k->type == SEAL_CRYPTO_KEY_ES256 ? ",\"alg\":\"ES256\"" : ",\"alg\":\"EdDSA\"");
    cg_buf_str(&b, ",\"use\":\"sig\"}");
    if (b.err) {
        cg_wipe(b.p, b.cap);
        free(b.p);
        return SEAL_E_NOMEM;
    }
    *out = (uint8_t *)b.p;
    *len = b.len;
    return SEAL_OK;
}
