/* SPDX-License-Identifier: Apache-2.0 */
/* VAL user passwords: argon2id (RFC 9106) through libargon2, in the PHC
 * string format "$argon2id$v=19$m=...,t=...,p=...$salt$hash" so that the
 * parameters travel with each hash and can be raised later. Never a plain
 * digest. Host-free: the unit test compiles this file directly. */
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

int im_password_verify(const char *encoded, const char *password)
{
    size_t pw_len = strlen(password);
    if (!encoded || pw_len > MAX_PASSWORD || strncmp(encoded, "$argon2id$", 10) != 0)
        return 0;
    /* argon2id_verify compares in constant time. */
    return argon2id_verify(encoded, password, pw_len) == ARGON2_OK;
}
