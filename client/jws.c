/* SPDX-License-Identifier: Apache-2.0 */
/* JWS compact verification (RFC 7515) with librhonabwy, for ID tokens:
 * the algorithm on an allow-list (ES256, EdDSA: never "none", never HMAC),
 * the signature checked with the JWKS key named by "kid" (never a key the
 * token carries, never one fetched from a URL it names). The claims are
 * checked in idtoken.c (json-c; rhonabwy's jansson cannot share a file with
 * json-c: both define json_object). No I/O. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rhonabwy.h>

#include "sc_int.h"

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)

/* The key must be of the kind the algorithm needs: ES256 an EC P-256 key,
 * EdDSA an Ed25519/Ed448 key; a key that declares "alg" or "use" must
 * agree. This is what stops an HMAC-with-the-public-key token. */
static int key_fits(jwk_t *k, jwa_alg alg, const char *alg_name)
{
    unsigned bits = 0;
    int type = r_jwk_key_type(k, &bits, R_FLAG_IGNORE_REMOTE);
    const char *crv = r_jwk_get_property_str(k, "crv");
    const char *kalg = r_jwk_get_property_str(k, "alg");
    const char *use = r_jwk_get_property_str(k, "use");
    if (!(type & R_KEY_TYPE_PUBLIC))
        return 0;
    if (kalg && strcmp(kalg, alg_name) != 0)
        return 0;
    if (use && strcmp(use, "sig") != 0)
        return 0;
    if (alg == R_JWA_ALG_ES256)
        return (type & R_KEY_TYPE_EC) && crv && strcmp(crv, "P-256") == 0;
    return (type & R_KEY_TYPE_EDDSA) && crv &&
           (strcmp(crv, "Ed25519") == 0 || strcmp(crv, "Ed448") == 0);
}

int sc_jws_verify(const char *token, const char *jwks_json, char **header, char **claims,
                  int *unknown_kid, char *err, size_t errlen)
{
    jwt_t *jwt = NULL;
    jwks_t *jwks = NULL;
    jwk_t *key = NULL;
    char *h = NULL, *cl = NULL;
    int ok = -1;
    *header = *claims = NULL;
    *unknown_kid = 0;
    snprintf(err, errlen, "invalid");

    if (!token || !*token || strlen(token) > 16384)
        FAIL("no token, or one too long");
    if (r_jwt_init(&jwt) != RHN_OK)
        FAIL("out of memory");
    /* R_FLAG_IGNORE_REMOTE: never fetch a jku/x5u the token names */
    if (r_jwt_parse(jwt, token, R_FLAG_IGNORE_REMOTE) != RHN_OK)
        FAIL("not a signed JWT (unsigned or malformed)");
    if (r_jwt_get_type(jwt) != R_JWT_TYPE_SIGN)
        FAIL("not a JWS");
    jwa_alg alg = r_jwt_get_sign_alg(jwt);
    const char *alg_name;
    if (alg == R_JWA_ALG_ES256)
        alg_name = "ES256";
    else if (alg == R_JWA_ALG_EDDSA)
        alg_name = "EdDSA";
    else
        FAIL("algorithm not allowed (ES256 or EdDSA only)");
    const char *kid = r_jwt_get_header_str_value(jwt, "kid");

    if (!jwks_json)
        FAIL("no JWKS");
    if (r_jwks_init(&jwks) != RHN_OK)
        FAIL("out of memory");
    int irc = r_jwks_import_from_json_str(jwks, jwks_json);
    if ((irc != RHN_OK && irc != RHN_ERROR_PARAM) || r_jwks_size(jwks) == 0) {
        if (kid)
            *unknown_kid = 1;
        FAIL("the JWKS holds no usable key");
    }
    if (kid) {
        key = r_jwks_get_by_kid(jwks, kid);
        if (!key) {
            *unknown_kid = 1;
            FAIL("unknown kid");
        }
    } else if (r_jwks_size(jwks) == 1) {
        key = r_jwks_get_at(jwks, 0);       /* OIDC Core 10.1: kid may be absent with one key */
    } else {
        FAIL("no kid and several keys in the JWKS");
    }
    if (!key || !key_fits(key, alg, alg_name))
        FAIL("the JWKS key does not fit %s", alg_name);
    if (r_jwt_verify_signature(jwt, key, R_FLAG_IGNORE_REMOTE) != RHN_OK)
        FAIL("bad signature");
    h = r_jwt_get_full_header_str(jwt);
    cl = r_jwt_get_full_claims_str(jwt);
    if (!h || !cl || !(*header = sc_strdup(h)) || !(*claims = sc_strdup(cl))) {
        free(*header);
        *header = NULL;
        FAIL("out of memory");
    }
    ok = 0;
    snprintf(err, errlen, "ok");
out:
    r_free(h);
    r_free(cl);
    r_jwk_free(key);
    r_jwks_free(jwks);
    r_jwt_free(jwt);
    return ok;
}
