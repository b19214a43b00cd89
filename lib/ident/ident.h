/* SPDX-License-Identifier: Apache-2.0 */
/* The one grammar of the identifiers an administration route takes in its
 * path: user ids and VAL user ids (im, /admin/v1/users/{userId}), client
 * ids (im, /admin/v1/clients/{clientId}) and KMS identity URIs (km,
 * /admin/v1/km/revocations/{identity}; a VAL user id becomes one). The
 * router splits the path at '/' before it percent-decodes a segment and
 * refuses a segment that decodes to '/' (core/router.c), so an identifier
 * with '/' could be created but never addressed: never disabled, never
 * revoked. The grammar is RFC 3986 3.3 pchar without pct-encoded:
 *
 *     unreserved  ALPHA DIGIT - . _ ~
 *     sub-delims  ! $ & ' ( ) * + , ; =
 *     ":" and "@"
 *
 * so no space, control character, non-ASCII octet, '/', '%', '?', '#',
 * '\\', '"', '<', '>', '[', ']', '^', '`', '{', '|', '}'. Every such
 * identifier percent-encodes to a path segment that decodes back to
 * itself. Internal to the tree: im and km link it (never installed). */
#ifndef SEAL_IDENT_H
#define SEAL_IDENT_H

#include <stddef.h>

/* The longest identifier of each kind, in octets (without the NUL). */
#define IDENT_USER_MAX   255   /* a user id: the ID token's "sub" */
#define IDENT_CLIENT_MAX 128   /* a client id */
/* A KMS identity URI, and so a VAL user id, is at most SEAL_KM_URI_MAX
 * (<seal/services/km.h>) octets. */

/* The characters each check accepts, for error messages. */
#define IDENT_PCHAR_TEXT "letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @"
#define IDENT_UNRESERVED_TEXT "letters, digits and - . _ ~"

/* 1 when s is 1..max octets of pchar (above), else 0 (NULL included). */
int ident_ok(const char *s, size_t max);

/* 1 when s is 1..max octets of unreserved characters only, else 0: the
 * stricter set of client ids, which also travel in form-urlencoded Basic
 * credentials (RFC 6749 2.3.1), query strings and "server:<client_id>"
 * owner names. A subset of ident_ok's. */
int ident_unreserved_ok(const char *s, size_t max);

#endif
