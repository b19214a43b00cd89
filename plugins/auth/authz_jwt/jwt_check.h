/* SPDX-License-Identifier: Apache-2.0 */
/* Bearer access tokens: a compact JWS (RFC 7515 7.1) carrying JWT claims
 * (RFC 7519) as profiled by RFC 9068 and the JWT BCP (RFC 8725). This part
 * has no state and no host calls: the plugin (authz_jwt.c) picks the key,
 * the fuzz target (tests/fuzz/fuzz_jwt.c) drives it with a fixed one. */
#ifndef AUTHZ_JWT_CHECK_H
#define AUTHZ_JWT_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include "jwks.h"

typedef enum jwt_status {
    JWT_OK = 0,
    JWT_E_MALFORMED,      /* not a compact JWS we read, or a header we refuse */
    JWT_E_ALG,            /* alg not ES256/EdDSA, or not the key's */
    JWT_E_TYP,            /* typ not among the accepted ones */
    JWT_E_ISSUER,         /* iss absent or not a configured issuer */
    JWT_E_KID,            /* kid not in the issuer's key set */
    JWT_E_SIGNATURE,
    JWT_E_EXPIRED,
    JWT_E_NOT_YET_VALID,  /* nbf in the future */
    JWT_E_IAT,            /* issued in the future */
    JWT_E_AUDIENCE,
    JWT_E_CLAIMS,         /* a required claim absent or of the wrong type */
    JWT_E_REVOKED,        /* on the issuer's revocation list (revocation.c) */
    JWT_E_NOMEM
} jwt_status_t;

/* A short English reason, fit for an RFC 6750 error_description (no quote
 * or backslash). */
const char *jwt_status_text(jwt_status_t st);

/* What a token must satisfy. */
typedef struct jwt_policy {
    const char *audience;      /* must be in "aud" */
    int64_t leeway_s;          /* clock skew allowed on exp, nbf and iat */
    const char *const *typ;    /* accepted header "typ" values (case-insensitive) */
    size_t n_typ;
    size_t max_len;            /* longest token accepted */
} jwt_policy_t;

typedef struct jwt_token jwt_token_t;

/* Reads a token without trusting it: shape, strict base64url, header
 * (alg ES256 or EdDSA -- checked before anything else of the token is
 * used --, a kid, an accepted typ; crit, zip and cty refused), the claims
 * object, a 64-octet signature, and librhonabwy's reading of the same JWS
 * (which must agree on alg and payload). */
jwt_status_t jwt_token_parse(const char *text, size_t len, const jwt_policy_t *pol,
                             jwt_token_t **out);

jwk_alg_t jwt_token_alg(const jwt_token_t *t);
const char *jwt_token_kid(const jwt_token_t *t);
/* The "iss" claim, NULL if absent; unverified until jwt_token_verify. */
const char *jwt_token_iss(const jwt_token_t *t);

/* Verifies the signature with a public key given as JWK text of type alg
 * (a jwks_key_t's jwk and alg). JWT_E_ALG when alg is not the token's. */
jwt_status_t jwt_token_verify(jwt_token_t *t, jwk_alg_t alg, const char *jwk);

/* The claims a caller uses; pointers into t. */
typedef struct jwt_claims {
    const char *sub;           /* 1..255 printable octets */
    const char *scope;         /* space-separated, or NULL when absent */
    const char *client_id;     /* 1..255 printable octets, or NULL when absent */
    const char *val_user_ids;  /* the "val_user_ids" array joined with spaces, or NULL */
    const char *jti;           /* 1..255 octets without control characters, or NULL */
    int64_t exp;
} jwt_claims_t;

#define JWT_VAL_USER_IDS_MAX 64

/* Checks the claims at time now (seconds since the epoch): exp (refused
 * from exp + leeway on), nbf (refused before nbf - leeway), iat (refused
 * after now + leeway), aud, sub, and the types of iss, scope, client_id,
 * jti and val_user_ids (at most JWT_VAL_USER_IDS_MAX identities of 1..255
 * printable octets without spaces, so the joined list is unambiguous). */
jwt_status_t jwt_token_claims(jwt_token_t *t, const jwt_policy_t *pol, int64_t now,
                              jwt_claims_t *out);

void jwt_token_free(jwt_token_t *t);

/* True when the space-separated scope holds want (RFC 6749 3.3). */
int jwt_scope_has(const char *scope, const char *want);

#endif
