/* SPDX-License-Identifier: Apache-2.0 */
/* Strict base64url without padding (RFC 4648 section 5), the encoding of
 * every part of a compact JWS (RFC 7515 section 2), of JWK members (RFC
 * 7518 section 6) and of PKCE values (RFC 7636). Internal to the tree:
 * authz_jwt, im and crypto_gnutls link it (never installed). */
#ifndef SEAL_B64URL_H
#define SEAL_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* The decoded length of len characters, or SIZE_MAX when no canonical
 * encoding has that length (len % 4 == 1). */
size_t b64url_decoded_len(size_t len);

/* Decodes len characters into out, which has room for cap octets.
 * Returns 0, or -1 when the result would not fit (b64url_decoded_len(len)
 * > cap), for a character outside [A-Za-z0-9_-] (padding and whitespace
 * included) or for non-zero unused bits: only the one canonical encoding
 * of a value is accepted, so a token string and the bytes it carries
 * correspond one to one. */
int b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* The encoded length of len octets (no padding, no NUL). */
size_t b64url_encoded_len(size_t len);

/* Encodes len octets (no padding) into out, which has room for
 * b64url_encoded_len(len) + 1 characters; NUL-terminated. Returns the
 * length. */
size_t b64url_encode(const uint8_t *in, size_t len, char *out);

#endif
