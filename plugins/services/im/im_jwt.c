/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 7515 / RFC 7519: parsing and verifying JWS-compact JWTs that come
 * from outside (token exchange subject tokens, tokens presented at
 * userinfo, revocation and introspection) with librhonabwy, Debian's
 * GnuTLS-based JOSE library. The algorithm allow-list is ES256 and EdDSA:
 * "none", the HMAC family (an HS256 token "signed" with a public key) and
 * everything else are refused before any key is touched, and the key found
 * by kid must be of the algorithm's type. Header-carried keys (jwk, jku,
 * x5c, x5u) are never trusted: R_PARSE_NONE. */
#include <stdlib.h>
#include <string.h>
#include <rhonabwy.h>
#include "im_jwt.h"

/* Tokens are small; a bound keeps a hostile one from costing much. */
#define MAX_TOKEN 16384

/* A compact JWS has exactly two dots (a JWE has four). */
static int shape_ok(const char *t)
{
    size_t n = strnlen(t, MAX_TOKEN + 1), dots = 0;
    if (n == 0 || n > MAX_TOKEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = t[i];
        if (ch == '.')
            dots++;
        else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                   || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return 0;
    }
    return dots == 2;
}

static jwt_t *parse(const char *token)
{
    jwt_t *jwt = NULL;
    if (!token || !shape_ok(token) || r_jwt_init(&jwt) != RHN_OK)
        return NULL;
    if (r_jwt_advanced_parse(jwt, token, R_PARSE_NONE, 0) != RHN_OK
        || r_jwt_get_type(jwt) != R_JWT_TYPE_SIGN) {
        r_jwt_free(jwt);
        return NULL;
    }
    return jwt;
}

int im_jwt_verify(const char *token, im_jwk_lookup_fn lookup, void *lctx,
                  char **claims, char **typ)
{
    *claims = NULL;
    if (typ)
        *typ = NULL;
    jwt_t *jwt = parse(token);
    if (!jwt)
        return IM_JWT_MALFORMED;
    int rc = IM_JWT_OK;
    jwa_alg alg = r_jwt_get_sign_alg(jwt);
    const char *kid = r_jwt_get_header_str_value(jwt, "kid");
    /* "crit" names extensions we would have to understand (RFC 7515
     * 4.1.11): we understand none. */
    json_t *crit = r_jwt_get_header_json_t_value(jwt, "crit");
    char *jwk_text = NULL;
    jwk_t *jwk = NULL;
    if (crit) {
        json_decref(crit);
        rc = IM_JWT_MALFORMED;
    } else if (alg != R_JWA_ALG_ES256 && alg != R_JWA_ALG_EDDSA) {
        rc = IM_JWT_ALG;
    } else if (!kid || !(jwk_text = lookup(kid, lctx))) {
        rc = IM_JWT_KID;
    } else if (r_jwk_init(&jwk) != RHN_OK) {
        rc = IM_JWT_NOMEM;
    } else if (r_jwk_import_from_json_str(jwk, jwk_text) != RHN_OK) {
        rc = IM_JWT_KID;
    } else {
        unsigned int bits = 0;
        int kt = r_jwk_key_type(jwk, &bits, 0);
        int fits = alg == R_JWA_ALG_ES256 ? (kt & R_KEY_TYPE_EC) && bits == 256
                                          : (kt & R_KEY_TYPE_EDDSA) != 0;
        if (!fits)
            rc = IM_JWT_KID;
        else if (r_jwt_verify_signature(jwt, jwk, 0) != RHN_OK)
            rc = IM_JWT_SIG;
    }
    if (rc == IM_JWT_OK) {
        const char *t = r_jwt_get_header_str_value(jwt, "typ");
        char *rc_claims = r_jwt_get_full_claims_str(jwt);
        /* Copied so that callers free with free(), not r_free(). */
        *claims = rc_claims ? strdup(rc_claims) : NULL;
        r_free(rc_claims);
        if (!*claims)
            rc = IM_JWT_MALFORMED;
        else if (typ && t && !(*typ = strdup(t)))
            rc = IM_JWT_NOMEM;
        if (rc != IM_JWT_OK) {
            free(*claims);
            *claims = NULL;
        }
    }
    r_jwk_free(jwk);
    free(jwk_text);
    r_jwt_free(jwt);
    return rc;
}

char *im_jwt_peek_iss(const char *token)
{
    jwt_t *jwt = parse(token);
    if (!jwt)
        return NULL;
    const char *iss = r_jwt_get_claim_str_value(jwt, "iss");
    char *out = iss ? strdup(iss) : NULL;
    r_jwt_free(jwt);
    return out;
}
