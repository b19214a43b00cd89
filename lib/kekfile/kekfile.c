/* SPDX-License-Identifier: Apache-2.0 */
/* The key-encryption key file shared by im, km and gm (kekfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kekfile.h"

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static seal_status_t create(seal_plugin_t *self, const char *what, const char *path)
{
    uint8_t k[SEAL_KEKFILE_LEN];
    char hex[2 * SEAL_KEKFILE_LEN + 2];
    seal_status_t st = seal_crypto_random(self, k, sizeof k);
    if (st != SEAL_OK)
        return st;
    for (size_t i = 0; i < sizeof k; i++)
        snprintf(hex + 2 * i, 3, "%02x", k[i]);
    hex[2 * SEAL_KEKFILE_LEN] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        explicit_bzero(k, sizeof k);
        explicit_bzero(hex, sizeof hex);
        if (e == EEXIST)
            return SEAL_E_AGAIN;   /* another process made it meanwhile: read it */
        seal_log(self, SEAL_LOG_ERR, "%s %s: cannot create: %s", what, path, strerror(e));
        return SEAL_E_IO;
    }
    /* The umask may leave group or other bits off but never adds them back:
     * set the mode explicitly. */
    int ok = fchmod(fd, 0600) == 0;
    ok = ok && write(fd, hex, 2 * SEAL_KEKFILE_LEN + 1) == 2 * SEAL_KEKFILE_LEN + 1;
    ok = ok && fsync(fd) == 0;
    close(fd);
    explicit_bzero(k, sizeof k);
    explicit_bzero(hex, sizeof hex);
    if (!ok) {
        seal_log(self, SEAL_LOG_ERR, "%s %s: cannot write", what, path);
        unlink(path);
        return SEAL_E_IO;
    }
    seal_log(self, SEAL_LOG_NOTICE, "created a new key-encryption key in %s (mode 0600); "
             "back it up with the database", path);
    return SEAL_OK;
}

seal_status_t seal_kekfile_load(seal_plugin_t *self, const char *what, const char *path,
                                int may_create, uint8_t kek[SEAL_KEKFILE_LEN])
{
    int fd = -1;
    for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
            break;
        if (errno != ENOENT) {
            seal_log(self, SEAL_LOG_ERR, "%s %s: %s", what, path, strerror(errno));
            return SEAL_E_IO;
        }
        if (!may_create)
            return SEAL_E_NOTFOUND;
        seal_status_t st = attempt == 0 ? create(self, what, path) : SEAL_E_IO;
        if (st != SEAL_OK && st != SEAL_E_AGAIN)
            return st;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        seal_log(self, SEAL_LOG_ERR, "%s %s: not a regular file", what, path);
        return SEAL_E_IO;
    }
    if (sb.st_mode & 077) {
        close(fd);
        seal_log(self, SEAL_LOG_ERR, "%s %s: accessible by group or others (mode %03o); "
                 "chmod 600 it", what, path, (unsigned)(sb.st_mode & 0777));
        return SEAL_E_PERM;
    }
    char buf[2 * SEAL_KEKFILE_LEN + 8];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    size_t len = n > 0 ? (size_t)n : 0;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    int ok = len == 2 * SEAL_KEKFILE_LEN;
    for (size_t i = 0; ok && i < SEAL_KEKFILE_LEN; i++) {
        int hi = hexval(buf[2 * i]), lo = hexval(buf[2 * i + 1]);
        if (hi < 0 || lo < 0)
            ok = 0;
        else
            kek[i] = (uint8_t)(hi << 4 | lo);
    }
    explicit_bzero(buf, sizeof buf);
    if (!ok) {
        explicit_bzero(kek, SEAL_KEKFILE_LEN);
        seal_log(self, SEAL_LOG_ERR, "%s %s: expected 64 hex digits (32 octets)", what, path);
        return SEAL_E_CONFIG;
    }
    return SEAL_OK;
}

static int stop_at_first(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    (void)key; (void)json; (void)len; (void)rev;
    *(int *)ctx = 1;
    return 1;
}

seal_status_t seal_kekfile_load_guarded(seal_plugin_t *self, const char *what, const char *path,
                                        const char *const *wrapped_ns, const char *holds,
                                        uint8_t kek[SEAL_KEKFILE_LEN])
{
    int held = 0;
    for (size_t i = 0; wrapped_ns[i] && !held; i++) {
        seal_status_t st = seal_store_scan(self, NULL, wrapped_ns[i], "", stop_at_first, &held);
        if (st != SEAL_OK) {
            seal_log(self, SEAL_LOG_ERR, "%s: cannot read the store: %s", what, seal_strerror(st));
            return st;
        }
    }
    seal_status_t st = seal_kekfile_load(self, what, path, !held, kek);
    if (st == SEAL_E_NOTFOUND) {
        seal_log(self, SEAL_LOG_ERR, "%s %s is missing but the store holds %s wrapped under "
                 "it: restore the file from its backup", what, path, holds);
        return SEAL_E_IO;
    }
    return st;
}
