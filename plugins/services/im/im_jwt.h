/* SPDX-License-Identifier: Apache-2.0 */
/* Untrusted JWS verification (im_jws.c) and the librhonabwy cross-check
 * (im_jwt.c). No json-c here: rhonabwy brings jansson, whose header declares
 * some of json-c's function names differently. */
#ifndef SEAL_IM_JWT_H
#define SEAL_IM_JWT_H

#include <seal/seal.h>

/* Looks up a verification key by kid: a JWK JSON string (malloc'd) or NULL. */
typedef char *(*im_jwk_lookup_fn)(const char *kid, void *ctx);
#define IM_JWT_OK        0
#define IM_JWT_MALFORMED (-1)   /* not a compact JWS / bad JSON */
#define IM_JWT_ALG       (-2)   /* alg not ES256 / EdDSA */
#define IM_JWT_KID       (-3)   /* no key for kid */
#define IM_JWT_SIG       (-4)   /* signature does not verify */
#define IM_JWT_NOMEM     (-5)
/* Verifies token with the key lookup gives for its kid (the alg allow-list
 * is ES256 and EdDSA, the key's type must match it); on success *claims is
 * the payload (JSON text, an object) and *typ the header's "typ", both
 * malloc'd (*typ may be NULL). */
int im_jwt_verify(seal_plugin_t *self, const char *token, im_jwk_lookup_fn lookup, void *lctx,
                  char **claims, char **typ);
/* 1 if librhonabwy parses token as a JWS of that algorithm (es256: ES256,
 * else EdDSA) with exactly these payload octets. */
int im_jwt_lib_agrees(const char *token, int es256, const unsigned char *payload, size_t len);
/* The payload's "iss" without verifying anything (routing only), malloc'd. */
char *im_jwt_peek_iss(const char *token);

#endif
