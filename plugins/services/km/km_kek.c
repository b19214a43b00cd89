/* SPDX-License-Identifier: Apache-2.0 */
/* The key-encryption key (KEK) of the key management server and the
 * wrapping of every secret the KMS stores: the master secrets (KSAK, z) and
 * the issued SSKs and RSKs. AES-256-GCM through the crypto ABI, a fresh
 * random 96-bit IV per blob, and the record's identity as additional data so
 * a blob cannot be moved to another record.
 *
 * The KEK file ("master_key_file") holds 64 hex digits. It is created with
 * mode 0600 at the first start only (when the store holds no master key
 * yet); a KMS whose store has master keys refuses to start without it,
 * rather than making a new KEK that cannot unwrap them. A file that group
 * or others may access is refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "km_int.h"

static seal_status_t kek_create(km_ctx_t *c)
{
    uint8_t k[KM_KEK_LEN];
    char hex[2 * KM_KEK_LEN + 2];
    seal_status_t st = seal_crypto_random(c->self, k, sizeof k);
    if (st != SEAL_OK)
        return st;
    km_hex(k, sizeof k, hex);
    hex[2 * KM_KEK_LEN] = '\n';
    int fd = open(c->master_key_file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0) {
        int e = errno;
        seal_log(c->self, SEAL_LOG_ERR, "master_key_file %s: cannot create: %s",
                 c->master_key_file, strerror(e));
        explicit_bzero(k, sizeof k);
        explicit_bzero(hex, sizeof hex);
        return e == EEXIST ? SEAL_E_AGAIN : SEAL_E_IO;
    }
    /* The umask may not take bits away from 0600 that we rely on, but may
     * leave them: set the mode explicitly. */
    int ok = fchmod(fd, 0600) == 0;
    ssize_t w = ok ? write(fd, hex, 2 * KM_KEK_LEN + 1) : -1;
    ok = w == 2 * KM_KEK_LEN + 1 && fsync(fd) == 0;
    close(fd);
    explicit_bzero(k, sizeof k);
    explicit_bzero(hex, sizeof hex);
    if (!ok) {
        seal_log(c->self, SEAL_LOG_ERR, "master_key_file %s: cannot write",
                 c->master_key_file);
        unlink(c->master_key_file);
        return SEAL_E_IO;
    }
    seal_log(c->self, SEAL_LOG_NOTICE, "created a new key-encryption key in %s (mode 0600); "
             "back it up with the database", c->master_key_file);
    return SEAL_OK;
}

seal_status_t km_kek_load(km_ctx_t *c, int may_create)
{
    int fd = -1;
    for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
        fd = open(c->master_key_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && attempt == 0 && may_create) {
            seal_status_t st = kek_create(c);
            if (st != SEAL_OK && st != SEAL_E_AGAIN)
                return st;
        } else if (fd < 0) {
            int e = errno;
            if (e == ENOENT)
                seal_log(c->self, SEAL_LOG_ERR, "master_key_file %s is missing but the store "
                         "holds wrapped master keys: restore the file from its backup",
                         c->master_key_file);
            else
                seal_log(c->self, SEAL_LOG_ERR, "master_key_file %s: %s", c->master_key_file,
                         strerror(e));
            return SEAL_E_IO;
        }
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        seal_log(c->self, SEAL_LOG_ERR, "master_key_file %s: not a regular file",
                 c->master_key_file);
        return SEAL_E_IO;
    }
    if (sb.st_mode & 077) {
        close(fd);
        seal_log(c->self, SEAL_LOG_ERR, "master_key_file %s: accessible by group or others "
                 "(mode %03o); chmod 600 it", c->master_key_file,
                 (unsigned)(sb.st_mode & 0777));
        return SEAL_E_PERM;
    }
    char buf[2 * KM_KEK_LEN + 8];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    size_t len = n > 0 ? (size_t)n : 0;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    buf[len] = '\0';
    int ok = km_unhex(buf, c->kek, KM_KEK_LEN) == 0;
    explicit_bzero(buf, sizeof buf);
    if (!ok) {
        explicit_bzero(c->kek, sizeof c->kek);
        seal_log(c->self, SEAL_LOG_ERR, "master_key_file %s: expected 64 hex digits "
                 "(32 octets)", c->master_key_file);
        return SEAL_E_CONFIG;
    }
    return SEAL_OK;
}

seal_status_t km_wrap(km_ctx_t *c, const char *aad, const uint8_t *pt, size_t len, char **hex)
{
    size_t blob_len = SEAL_CRYPTO_GCM_IV_LEN + len + SEAL_CRYPTO_GCM_TAG_LEN;
    uint8_t *blob = malloc(blob_len);
    *hex = malloc(2 * blob_len + 1);
    seal_status_t st = blob && *hex ? SEAL_OK : SEAL_E_NOMEM;
    if (st == SEAL_OK)
        st = seal_crypto_random(c->self, blob, SEAL_CRYPTO_GCM_IV_LEN);
    if (st == SEAL_OK)
        st = seal_crypto_aes_gcm_seal(c->self, c->kek, KM_KEK_LEN, blob,
                                      SEAL_CRYPTO_GCM_IV_LEN, aad, strlen(aad), pt, len,
                                      blob + SEAL_CRYPTO_GCM_IV_LEN,
                                      blob_len - SEAL_CRYPTO_GCM_IV_LEN);
    if (st == SEAL_OK)
        km_hex(blob, blob_len, *hex);
    if (blob)
        explicit_bzero(blob, blob_len);
    free(blob);
    if (st != SEAL_OK) {
        free(*hex);
        *hex = NULL;
    }
    return st;
}

seal_status_t km_unwrap(km_ctx_t *c, const char *aad, const char *hex, uint8_t *pt, size_t len)
{
    size_t blob_len = SEAL_CRYPTO_GCM_IV_LEN + len + SEAL_CRYPTO_GCM_TAG_LEN;
    uint8_t *blob = malloc(blob_len);
    if (!blob)
        return SEAL_E_NOMEM;
    seal_status_t st = km_unhex(hex, blob, blob_len) == 0 ? SEAL_OK : SEAL_E_IO;
    if (st == SEAL_OK)
        st = seal_crypto_aes_gcm_open(c->self, c->kek, KM_KEK_LEN, blob,
                                      SEAL_CRYPTO_GCM_IV_LEN, aad, strlen(aad),
                                      blob + SEAL_CRYPTO_GCM_IV_LEN,
                                      blob_len - SEAL_CRYPTO_GCM_IV_LEN, pt, len);
    explicit_bzero(blob, blob_len);
    free(blob);
    return st;
}
