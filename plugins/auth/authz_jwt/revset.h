/* SPDX-License-Identifier: Apache-2.0 */
/* An issuer's revocation set: the jtis of revoked access tokens and the
 * SHA-256 hashes of disabled users (sub) and clients (client_id), read from
 * the issuer's revocation list (the im README's "Revocation list") or added
 * one by one (the in-process hook). A set is immutable once made: the
 * plugin swaps whole sets, so a request reads one without copying. This
 * part has no state and no host calls (tests/plugins/test_authz_units.c). */
#ifndef AUTHZ_REVSET_H
#define AUTHZ_REVSET_H

#include <stddef.h>
#include <stdint.h>

#define REVSET_HASH_LEN 32

typedef struct revset revset_t;

typedef enum revset_kind {
    REVSET_JTI,
    REVSET_SUBJECT,
    REVSET_CLIENT
} revset_kind_t;

/* Reads a revocation list:
 *   {"issuer", "generated", "jtis": [{"jti", "exp"}],
 *    "subjects": [{"sha256", "until"}], "clients": [{"sha256", "until"}]}
 * issuer must be iss; generated (unix seconds) no older than now -
 * max_age_s. The three arrays may be absent (empty); any malformed entry
 * refuses the whole list (a list read in part could miss a revocation).
 * Entries that ended (until + leeway_s < now) are left out. Members not
 * named here are ignored. 0 and *out, or -1 with why. */
int revset_parse(const char *text, size_t len, const char *iss, int64_t now, int64_t max_age_s,
                 int64_t leeway_s, revset_t **out, char *why, size_t why_len);

/* A set of one entry: value the jti (1..255 octets), or for a subject or a
 * client base64url(SHA-256(...)) (43 characters). NULL when value is
 * malformed or out of memory. */
revset_t *revset_one(revset_kind_t kind, const char *value, int64_t until);

/* The union of a and b (either may be NULL) without the entries that ended
 * (until + leeway_s < now); of two entries for the same value the later
 * until is kept. NULL when out of memory. */
revset_t *revset_union(const revset_t *a, const revset_t *b, int64_t now, int64_t leeway_s);

size_t revset_count(const revset_t *s, revset_kind_t kind);

/* 1 when the token is on the set: its jti, the SHA-256 of its sub or of
 * its client_id (each may be NULL). A hash is computed only when the set
 * has entries of its kind. s may be NULL (empty). */
int revset_revoked(const revset_t *s, const char *jti, const char *sub, const char *client_id);

void revset_free(revset_t *s);

#endif
