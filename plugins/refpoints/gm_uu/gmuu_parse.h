/* SPDX-License-Identifier: Apache-2.0 */
/* GM-UU request inputs (doc/gm-uu.md), checked before anything is looked
 * up: the caller's identities (from the access token), the query of
 * GET /gm-uu/v1/gmk-messages and the {msgId} of DELETE. Host-free, so the
 * fuzz target tests/fuzz/fuzz_gmuu.c compiles it as is. */
#ifndef SEAL_GMUU_PARSE_H
#define SEAL_GMUU_PARSE_H

#include <stddef.h>

#define GMUU_MAX_IDS 16        /* identities of one caller */
#define GMUU_URI_MAX 255
#define GMUU_GROUP_MAX 1024    /* a valGroupId, as gm accepts it */
#define GMUU_LIMIT_MAX 256

/* The caller's identities: the space-separated val_user_ids attribute of
 * its token, else its principal. Each is a KMS identity (1..255 printable
 * octets without spaces); others are skipped. Strings point into buf. */
typedef struct gmuu_ids {
    char buf[GMUU_MAX_IDS * (GMUU_URI_MAX + 1)];
    const char *id[GMUU_MAX_IDS];
    size_t n;
} gmuu_ids_t;

void gmuu_identities(const char *val_user_ids, const char *principal, gmuu_ids_t *out);
int gmuu_has_id(const gmuu_ids_t *ids, const char *id);

/* The GET query: valUserId (one of the caller's identities), valGroupId,
 * limit (1..256, default 256). Returns 0, or -1 with *bad naming the
 * offending parameter and *why the reason (static strings). */
typedef struct gmuu_query {
    const char *val_user_id;    /* NULL: all the caller's identities */
    const char *val_group_id;   /* NULL: every group */
    size_t limit;
} gmuu_query_t;

int gmuu_query(const char *const *names, const char *const *values, size_t n,
               gmuu_query_t *q, const char **bad, const char **why);

/* A plausible message id: 1..128 URL-safe characters (RFC 3986
 * unreserved); the gm service checks its exact form. */
#define GMUU_MSG_ID_MAX 128
int gmuu_msg_id_ok(const char *id);

#endif
