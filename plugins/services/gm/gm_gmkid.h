/* SPDX-License-Identifier: Apache-2.0 */
/* The id of a pending GMK message (GM-UU, doc/gm-uu.md):
 *   <groupDocId>.<generation>.<16 lowercase hex digits>
 * groupDocId 1..64 characters of [A-Za-z0-9_-], generation a decimal
 * number 1..2^64-1 without leading zeros, then the first 16 hex digits of
 * SHA-256 of the member's URI. Host-free, so the GM-UU fuzz target can
 * compile it. */
#ifndef SEAL_GM_GMKID_H
#define SEAL_GM_GMKID_H

#include <stddef.h>
#include <stdint.h>

#define GMK_ID_HASH 16                /* hex digits of the member hash in a message id */
#define GMK_MSG_ID_MAX 104            /* 64 + 1 + 20 + 1 + 16 */
#define GMK_GROUP_ID_MAX 64

/* 0 and the parts when id is well formed, else -1 (outputs untouched). */
int gm_gmk_msg_id_parse(const char *id, char gid[GMK_GROUP_ID_MAX + 1], uint64_t *gen,
                        char hash[GMK_ID_HASH + 1]);

#endif
