/* SPDX-License-Identifier: Apache-2.0 */
/* Strict base64url without padding (RFC 4648 section 5), the encoding of
 * every part of a compact JWS (RFC 7515 section 2). */
#ifndef AUTHZ_B64URL_H
#define AUTHZ_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* The decoded length of len characters, or SIZE_MAX when no canonical
 * encoding has that length (len % 4 == 1). */
size_t b64url_decoded_len(size_t len);

/* Decodes len characters into out (room for b64url_decoded_len(len)).
 * Returns 0, or -1 for a character outside [A-Za-z0-9_-] (padding and
 * whitespace included) or for non-zero unused bits: only the one canonical
 * encoding of a value is accepted, so a token string and the bytes it
 * carries correspond one to one. */
int b64url_decode(const char *in, size_t len, uint8_t *out, size_t *out_len);

/* Encodes len octets (no padding) into out, which has room for
 * (len * 4 + 2) / 3 + 1 characters; NUL-terminated. */
void b64url_encode(const uint8_t *in, size_t len, char *out);

#endif
