/* SPDX-License-Identifier: Apache-2.0 */
/* JWK Set reading (RFC 7517 section 5): EC P-256 keys (RFC 7518 6.2.1) for
 * ES256 and OKP Ed25519 keys (RFC 8037 2) for EdDSA. Each kept key is
 * rebuilt from its checked members alone, so nothing else an issuer
 * publishes (x5u, x5c, key_ops, ...) ever reaches the JOSE library, and
 * librhonabwy must be able to turn it into a GnuTLS public key. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include "b64url/b64url.h"
#include "jose.h"
#include "jwks.h"
#include "jwt_json.h"

#define JWKS_MAX_BYTES (256u * 1024)

const char *jwk_alg_name(jwk_alg_t alg)
{
    switch (alg) {
    case JWK_ALG_ES256: return "ES256";
    case JWK_ALG_EDDSA: return "EdDSA";
    default: return "?";
    }
}

static void say(char *why, size_t why_len, const char *fmt, ...)
{
    if (!why || !why_len || why[0])
        return;                              /* keep the first reason */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

/* A base64url octet string of exactly n octets (an Ed25519 key). */
static int octets_ok(const char *s, size_t len, size_t n)
{
    uint8_t buf[64];
    size_t got = 0;
    return s && b64url_decoded_len(len) == n &&
           b64url_decode(s, len, buf, sizeof buf, &got) == 0 && got == n;
}

/* A P-256 coordinate into 32 octets. RFC 7518 6.2.1.2 wants the full 32,
 * but some JOSE libraries (librhonabwy among them) drop leading zero
 * octets, about one key in 128: the integer is the same, so it is padded
 * here rather than the key refused. */
static int coord_read(const char *s, size_t len, uint8_t out[32])
{
    uint8_t buf[33];
    size_t n = b64url_decoded_len(len), got = 0;
    if (!s || n == 0 || n > 32 || b64url_decode(s, len, buf, sizeof buf, &got) != 0)
        return 0;
    memset(out, 0, 32 - got);
    memcpy(out + 32 - got, buf, got);
    return 1;
}

/* GnuTLS imports any P-256 coordinates; refuse a point off the curve here
 * (nettle checks range and curve equation). */
static int p256_on_curve(const uint8_t xb[32], const uint8_t yb[32])
{
    mpz_t x, y;
    mpz_init(x);
    mpz_init(y);
    mpz_import(x, 32, 1, 1, 0, 0, xb);
    mpz_import(y, 32, 1, 1, 0, 0, yb);
    struct ecc_point p;
    ecc_point_init(&p, nettle_get_secp_256r1());
    int ok = ecc_point_set(&p, x, y);
    ecc_point_clear(&p);
    mpz_clear(x);
    mpz_clear(y);
    return ok;
}

/* Checks one key; 1 kept (*key filled), 0 skipped, -1 refuse the set. */
static int read_key(json_object *k, jwks_key_t *key, char *why, size_t why_len)
{
    if (!json_object_is_type(k, json_type_object)) {
        say(why, why_len, "a key is not a JSON object");
        return 0;
    }
    json_object *d;
    if (json_object_object_get_ex(k, "d", &d)) {
        say(why, why_len, "the set publishes a private key");
        return -1;
    }
    size_t kid_len = 0, x_len = 0, y_len = 0;
    const char *kty = jwt_json_str(k, "kty", NULL), *crv = jwt_json_str(k, "crv", NULL);
    const char *kid = jwt_json_str(k, "kid", &kid_len);
    const char *use = jwt_json_str(k, "use", NULL), *alg = jwt_json_str(k, "alg", NULL);
    const char *x = jwt_json_str(k, "x", &x_len), *y = jwt_json_str(k, "y", &y_len);
    json_object *v;
    if (!kty || !crv) {
        say(why, why_len, "a key has no kty or crv we use");
        return 0;
    }
    if (json_object_object_get_ex(k, "use", &v) && (!use || strcmp(use, "sig") != 0)) {
        say(why, why_len, "a key is not for signatures");
        return 0;
    }
    jwk_alg_t a = JWK_ALG_NONE;
    if (strcmp(kty, "EC") == 0 && strcmp(crv, "P-256") == 0)
        a = JWK_ALG_ES256;
    else if (strcmp(kty, "OKP") == 0 && strcmp(crv, "Ed25519") == 0)
        a = JWK_ALG_EDDSA;
    if (a == JWK_ALG_NONE) {
        say(why, why_len, "a key is %s %s, neither EC P-256 nor OKP Ed25519", kty, crv);
        return 0;
    }
    if (json_object_object_get_ex(k, "alg", &v) && (!alg || strcmp(alg, jwk_alg_name(a)) != 0)) {
        say(why, why_len, "a %s key says alg %s", crv, alg ? alg : "(not a string)");
        return 0;
    }
    if (!kid || kid_len == 0 || kid_len > JWKS_KID_MAX) {
        say(why, why_len, "a key has no usable kid");
        return 0;
    }
    char text[256];
    if (a == JWK_ALG_ES256) {
        uint8_t xb[32], yb[32];
        char x64[48], y64[48];
        if (!coord_read(x, x_len, xb) || !coord_read(y, y_len, yb)) {
            say(why, why_len, "key %.64s has malformed coordinates", kid);
            return 0;
        }
        if (!p256_on_curve(xb, yb)) {
            say(why, why_len, "key %.64s is not a point of P-256", kid);
            return 0;
        }
        /* Rebuilt from the full-length coordinates; base64url needs no
         * JSON escaping. */
        b64url_encode(xb, 32, x64);
        b64url_encode(yb, 32, y64);
        snprintf(text, sizeof text, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
                 x64, y64);
    } else {
        if (!octets_ok(x, x_len, 32) || y) {
            say(why, why_len, "key %.64s has malformed coordinates", kid);
            return 0;
        }
        snprintf(text, sizeof text, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", x);
    }
    if (!jose_jwk_usable(text, a)) {
        say(why, why_len, "key %.64s is not a valid %s public key", kid, jwk_alg_name(a));
        return 0;
    }
    key->alg = a;
    key->kid = strdup(kid);
    key->jwk = strdup(text);
    if (!key->kid || !key->jwk) {
        free(key->kid);
        free(key->jwk);
        say(why, why_len, "out of memory");
        return -1;
    }
    return 1;
}

int jwks_parse(const char *json, size_t len, jwks_set_t *out, size_t *skipped,
               char *why, size_t why_len)
{
    if (why && why_len)
        why[0] = '\0';
    size_t skip = 0;
    if (skipped)
        *skipped = 0;
    if (!json || len == 0 || len > JWKS_MAX_BYTES) {
        say(why, why_len, len ? "the document is too large" : "the document is empty");
        return -1;
    }
    sjson_error_t jerr;
    json_object *doc = jwt_json_parse_ex(json, len, &jerr), *keys;
    if (!doc && jerr.code != SJSON_OK) {
        char text[SJSON_PTR_MAX + 96];
        say(why, why_len, "not strict JSON: %s", sjson_error_text(&jerr, text, sizeof text));
        return -1;
    }
    if (!json_object_object_get_ex(doc, "keys", &keys) ||
        !json_object_is_type(keys, json_type_array)) {
        json_object_put(doc);
        say(why, why_len, "not a JWK Set (no \"keys\" array)");
        return -1;
    }
    size_t n = json_object_array_length(keys);
    jwks_set_t set = { calloc(n ? n : 1, sizeof(jwks_key_t)), 0 };
    if (!set.keys) {
        json_object_put(doc);
        say(why, why_len, "out of memory");
        return -1;
    }
    int bad = 0;
    /* Skipped-key reasons go to a separate buffer: a refusal must win. */
    char note[160] = "";
    for (size_t i = 0; i < n && !bad; i++) {
        jwks_key_t k = { 0 };
        int r = read_key(json_object_array_get_idx(keys, i), &k, note, sizeof note);
        if (r < 0) {
            bad = 1;
            say(why, why_len, "%s", note);
        } else if (r == 0) {
            skip++;
        } else if (set.n >= JWKS_MAX_KEYS || jwks_find(&set, k.kid)) {
            if (set.n >= JWKS_MAX_KEYS)
                say(note, sizeof note, "more than %d keys", JWKS_MAX_KEYS);
            else
                say(note, sizeof note, "duplicate kid %.64s", k.kid);
            free(k.kid);
            free(k.jwk);
            skip++;
        } else {
            set.keys[set.n++] = k;
        }
    }
    json_object_put(doc);
    if (!bad && set.n == 0) {
        bad = 1;
        say(why, why_len, "no usable key%s%s", note[0] ? ": " : "", note);
    }
    if (bad) {
        jwks_clear(&set);
        return -1;
    }
    if (skipped)
        *skipped = skip;
    say(why, why_len, "%s", note);
    *out = set;
    return 0;
}

const jwks_key_t *jwks_find(const jwks_set_t *set, const char *kid)
{
    if (!set || !kid)
        return NULL;
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->keys[i].kid, kid) == 0)
            return &set->keys[i];
    return NULL;
}

int jwks_lost_keys(const jwks_set_t *old, const jwks_set_t *now)
{
    for (size_t i = 0; old && i < old->n; i++)
        if (!jwks_find(now, old->keys[i].kid))
            return 1;
    return 0;
}

void jwks_clear(jwks_set_t *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        free(set->keys[i].kid);
        free(set->keys[i].jwk);
    }
    free(set->keys);
    set->keys = NULL;
    set->n = 0;
}
