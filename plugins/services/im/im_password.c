/* SPDX-License-Identifier: Apache-2.0 */
/* VAL user passwords: argon2id (RFC 9106) through libargon2, in the PHC
 * string format "$argon2id$v=19$m=...,t=...,p=...$salt$hash" so that the
 * parameters travel with each hash and can be raised later. Never a plain
 * digest. Host-free: the unit test compiles this file directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <argon2.h>
#include "im_int.h"

#define HASH_LEN 32
#define SALT_LEN 16
/* A password longer than this is refused before hashing (cost bound). */
#define MAX_PASSWORD 1024

char *im_password_hash(const im_a2_t *a, const uint8_t salt[16], const char *password)
{
    size_t pw_len = strlen(password);
    if (pw_len > MAX_PASSWORD)
        return NULL;
    size_t len = argon2_encodedlen(a->t, a->m_kib, a->p, SALT_LEN, HASH_LEN, Argon2_id);
    char *out = malloc(len);
    if (!out)
        return NULL;
    if (argon2id_hash_encoded(a->t, a->m_kib, a->p, password, pw_len, salt, SALT_LEN,
                              HASH_LEN, out, len) != ARGON2_OK) {
        free(out);
        return NULL;
    }
    return out;
}

/* The PHC string's base64 is RFC 4648 section 4 without padding: the
 * base64url encoding with '+' and '/' for '-' and '_'. */
static void b64_std(const uint8_t *in, size_t n, char *out)
{
    b64url_encode(in, n, out);
    for (; *out; out++)
        *out = *out == '-' ? '+' : *out == '_' ? '/' : *out;
}

char *im_password_decoy(const im_a2_t *a, const uint8_t salt[16], const uint8_t digest[32])
{
    char s64[32], d64[48];
    b64_std(salt, SALT_LEN, s64);
    b64_std(digest, HASH_LEN, d64);
    size_t len = argon2_encodedlen(a->t, a->m_kib, a->p, SALT_LEN, HASH_LEN, Argon2_id);
    char *out = malloc(len);
    if (out && snprintf(out, len, "$argon2id$v=%d$m=%u,t=%u,p=%u$%s$%s", ARGON2_VERSION_NUMBER,
                        (unsigned)a->m_kib, (unsigned)a->t, (unsigned)a->p, s64, d64)
                   >= (int)len) {
        free(out);
        out = NULL;
    }
    return out;
}

int im_password_verify(const char *encoded, const char *password)
{
    size_t pw_len = strlen(password);
    if (!encoded || pw_len > MAX_PASSWORD || strncmp(encoded, "$argon2id$", 10) != 0)
        return 0;
    /* argon2id_verify compares in constant time. */
    return argon2id_verify(encoded, password, pw_len) == ARGON2_OK;
}
