/* SPDX-License-Identifier: Apache-2.0 */
/* Validated access tokens, keyed by the SHA-256 of the token text, so a
 * token seen before costs a hash and a lookup instead of a signature check.
 * Bounded (4-way set-associative; a full set evicts its soonest-expiring
 * entry) and thread-safe (one mutex per stripe of sets). */
#ifndef AUTHZ_TOKEN_CACHE_H
#define AUTHZ_TOKEN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_CACHE_KEY_LEN 32
/* The largest value kept: longer facts are checked in full each time. */
#define TOKEN_CACHE_VALUE_MAX 4096

typedef struct token_cache token_cache_t;

/* What a validated token says about its bearer, and what its revocation
 * is checked by (iss, jti: revocation.c); NULL when absent. */
typedef struct token_facts {
    const char *sub, *scope, *client_id, *val_user_ids, *iss, *jti;
} token_facts_t;

/* Room for about capacity tokens (rounded up to a power of two, at least
 * 4). NULL when out of memory. */
token_cache_t *token_cache_new(size_t capacity);
void token_cache_free(token_cache_t *c);

/* The SHA-256 of the token text. */
void token_cache_key(const char *token, size_t len, uint8_t key[TOKEN_CACHE_KEY_LEN]);

/* A hit is an entry for key still valid at now (now < its valid_until): its
 * facts are copied into buf and *out points into it. An entry found expired
 * is dropped. Returns 1 on a hit, 0 otherwise. */
int token_cache_get(token_cache_t *c, const uint8_t key[TOKEN_CACHE_KEY_LEN], int64_t now,
                    char buf[TOKEN_CACHE_VALUE_MAX], token_facts_t *out);

/* The current epoch: read it before taking the key a token is verified
 * with, and give it to token_cache_put. */
uint64_t token_cache_epoch(token_cache_t *c);

/* Remembers a validated token until valid_until (exp + leeway), unless the
 * cache was cleared since epoch was read (the key it was verified with may
 * be the one withdrawn). facts->sub is required; facts longer than
 * TOKEN_CACHE_VALUE_MAX in all are not kept. */
void token_cache_put(token_cache_t *c, const uint8_t key[TOKEN_CACHE_KEY_LEN], uint64_t epoch,
                     int64_t valid_until, const token_facts_t *facts);

/* Forgets every token and starts a new epoch (a signing key was
 * withdrawn). */
void token_cache_clear(token_cache_t *c);

/* Hits and misses so far. */
void token_cache_stats(token_cache_t *c, uint64_t *hits, uint64_t *misses);

#endif
