/* SPDX-License-Identifier: Apache-2.0 */
/* The signature keys of one issuer, read from its JWK Set (RFC 7517
 * section 5; EC keys RFC 7518 section 6.2, OKP keys RFC 8037 section 2). */
#ifndef AUTHZ_JWKS_H
#define AUTHZ_JWKS_H

#include <stddef.h>

/* The two JWS algorithms accepted (RFC 7518 3.4, RFC 8037 3.1). */
typedef enum jwk_alg {
    JWK_ALG_NONE = 0,
    JWK_ALG_ES256 = 1,   /* kty "EC", crv "P-256" */
    JWK_ALG_EDDSA = 2    /* kty "OKP", crv "Ed25519" */
} jwk_alg_t;

#define JWKS_MAX_KEYS 64
#define JWKS_KID_MAX 256

typedef struct jwks_key {
    char *kid;
    jwk_alg_t alg;
    char *jwk;           /* the public key alone as JWK text: kty, crv, x[, y] */
} jwks_key_t;

typedef struct jwks_set {
    jwks_key_t *keys;
    size_t n;
} jwks_set_t;

/* Reads a JWK Set. Keeps every key that is an ES256 or EdDSA public key
 * meant for signatures ("use" absent or "sig"; "alg" absent or matching the
 * curve) with a kid of 1..JWKS_KID_MAX characters; other keys (RSA,
 * encryption keys, other curves, no kid, a duplicate kid, a malformed
 * point) are skipped and counted in *skipped, the first reason in why.
 * Returns -1 (why says why, out untouched) when the text is not a JWK Set,
 * when any key carries a private part (an issuer that publishes one is
 * broken: none of its keys is trusted), or when no key is usable. */
int jwks_parse(const char *json, size_t len, jwks_set_t *out, size_t *skipped,
               char *why, size_t why_len);

/* The key with that kid, or NULL. */
const jwks_key_t *jwks_find(const jwks_set_t *set, const char *kid);

/* True when a kid of old is missing from now (a key was withdrawn). */
int jwks_lost_keys(const jwks_set_t *old, const jwks_set_t *now);

void jwks_clear(jwks_set_t *set);

/* "ES256" / "EdDSA" / "?" */
const char *jwk_alg_name(jwk_alg_t alg);

#endif
