/* SPDX-License-Identifier: Apache-2.0 */
/* The calls into librhonabwy, behind types of our own: its header brings
 * jansson, whose json_object() clashes with json-c's json_object type, so
 * no file includes both. */
#ifndef AUTHZ_JOSE_H
#define AUTHZ_JOSE_H

#include <stddef.h>
#include <stdint.h>
#include "jwks.h"

typedef struct jose_jws jose_jws_t;

/* Reads a compact JWS (RFC 7515 7.1) with R_PARSE_NONE: no key is taken
 * from the header and nothing is fetched. *alg is JWK_ALG_ES256,
 * JWK_ALG_EDDSA or JWK_ALG_NONE for any other algorithm; *payload (valid
 * until jose_jws_free) is the decoded payload. NULL when unreadable. */
jose_jws_t *jose_jws_parse(const char *text, size_t len, jwk_alg_t *alg,
                           const uint8_t **payload, size_t *payload_len);

/* 1 when the signature verifies with the public key given as JWK text. */
int jose_jws_verify(jose_jws_t *jws, const char *jwk);

void jose_jws_free(jose_jws_t *jws);

/* 1 when the JWK text is a public key of kind alg that GnuTLS can use. */
int jose_jwk_usable(const char *jwk, jwk_alg_t alg);

#endif
