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

typedef struct token_cache token_cache_t;

/* Room for about capacity tokens (rounded up to a power of two, at least
 * 4). NULL when out of memory. */
token_cache_t *token_cache_new(size_t capacity);
void token_cache_free(token_cache_t *c);

/* The SHA-256 of the token text. */
void token_cache_key(const char *token, size_t len, uint8_t key[TOKEN_CACHE_KEY_LEN]);

/* A hit is an entry for key that is still valid at now (now < its
 * valid_until); it copies the subject into sub (truncated to sub_cap - 1,
 * which callers avoid by passing 256) and sets *has_scope to whether the
 * token's scope holds want. An entry found expired is dropped. Returns 1 on
 * a hit, 0 otherwise. */
int token_cache_get(token_cache_t *c, const uint8_t key[TOKEN_CACHE_KEY_LEN], int64_t now,
                    const char *want, char *sub, size_t sub_cap, int *has_scope);

/* Remembers a validated token until valid_until (exp + leeway). scope may
 * be NULL. Tokens whose subject or scope is unusually long are not kept
 * (they are checked in full each time). */
void token_cache_put(token_cache_t *c, const uint8_t key[TOKEN_CACHE_KEY_LEN],
                     int64_t valid_until, const char *sub, const char *scope);

/* Forgets every token (a signing key was withdrawn). */
void token_cache_clear(token_cache_t *c);

/* Hits and misses so far. */
void token_cache_stats(token_cache_t *c, uint64_t *hits, uint64_t *misses);

#endif
