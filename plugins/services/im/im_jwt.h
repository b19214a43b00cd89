/* SPDX-License-Identifier: Apache-2.0 */
/* Untrusted JWS parsing and verification through librhonabwy (im_jwt.c).
 * No json-c here: rhonabwy brings jansson, whose header declares some of
 * json-c's function names differently. */
#ifndef SEAL_IM_JWT_H
#define SEAL_IM_JWT_H

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
 * the payload (JSON text) and *typ the header's "typ", both malloc'd (*typ
 * may be NULL). This file includes jansson (through rhonabwy) and no json-c:
 * the two libraries share symbol names in their headers. */
int im_jwt_verify(const char *token, im_jwk_lookup_fn lookup, void *lctx,
                  char **claims, char **typ);
/* The payload's "iss" without verifying anything (routing only), malloc'd. */
char *im_jwt_peek_iss(const char *token);

#endif
