/* SPDX-License-Identifier: Apache-2.0 */
/* Owner-only JSON files (the tokens file, the key file): read only when they
 * belong to the user and nobody else may read them; written atomically
 * (mkstemp, mode 0600 from creation, fsync, rename, fsync of the directory)
 * in directories created 0700; the serialised text, which holds secrets, is
 * wiped. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "sc_int.h"

int sc_make_dirs(sealclient_t *c, const char *file)
{
    char *d = sc_strdup(file);
    if (!d)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    char *slash = strrchr(d, '/');
    if (slash && slash != d) {
        *slash = '\0';
        for (char *p = d + 1;; p++) {
            if (*p != '/' && *p != '\0')
                continue;
            char keep = *p;
            *p = '\0';
            if (mkdir(d, 0700) < 0 && errno != EEXIST) {
                int rc = sc_fail(c, SEALCLIENT_E_IO, "cannot create %s: %s", d, strerror(errno));
                free(d);
                return rc;
            }
            *p = keep;
            if (!keep)
                break;
        }
    }
    free(d);
    return SEALCLIENT_OK;
}

int sc_json_put_str(json_object *o, const char *key, const char *v)
{
    if (!v)
        return 0;
    json_object *s = json_object_new_string(v);
    if (!s || json_object_object_add(o, key, s) < 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

int sc_private_json_read(sealclient_t *c, const char *path, size_t max,
                         json_object **out, int *absent)
{
    *out = NULL;
    *absent = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) {
            *absent = 1;
            return SEALCLIENT_OK;
        }
        return sc_fail(c, SEALCLIENT_E_IO, "%s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sc_fail(c, SEALCLIENT_E_IO, "%s: not a regular file", path);
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077)) {
        close(fd);
        return sc_fail(c, SEALCLIENT_E_IO,
                       "%s: refused: it must belong to you and be readable by you only "
                       "(mode %03o; chmod 600)", path, (unsigned)(st.st_mode & 0777));
    }
    if (st.st_size > (off_t)max) {
        close(fd);
        return sc_fail(c, SEALCLIENT_E_IO, "%s: too large", path);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    if (!buf) {
        close(fd);
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    }
    while (got < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    buf[got] = '\0';
    json_tokener *tok = json_tokener_new();
    *out = tok ? json_tokener_parse_ex(tok, buf, (int)got) : NULL;
    json_tokener_free(tok);
    explicit_bzero(buf, got);
    free(buf);
    return SEALCLIENT_OK;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int sc_private_json_write(sealclient_t *c, const char *path, json_object *o)
{
    int rc = sc_make_dirs(c, path);
    if (rc)
        return rc;
    size_t len = 0;
    const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (!text || !tmp) {
        free(tmp);
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    }
    snprintf(tmp, n, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);     /* O_EXCL, mode 0600 whatever the umask */
    if (fd < 0) {
        rc = sc_fail(c, SEALCLIENT_E_IO, "%s: %s", tmp, strerror(errno));
    } else if (fchmod(fd, 0600) < 0 || write_all(fd, text, len) < 0 ||
               write_all(fd, "\n", 1) < 0 || fsync(fd) < 0) {
        rc = sc_fail(c, SEALCLIENT_E_IO, "%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
    } else if (close(fd) < 0 || rename(tmp, path) < 0) {
        rc = sc_fail(c, SEALCLIENT_E_IO, "%s: %s", path, strerror(errno));
        unlink(tmp);
    } else {
        /* the rename itself reaches the disk with the directory */
        char *slash = strrchr(tmp, '/');
        if (slash) {
            *slash = '\0';
            int dfd = open(slash == tmp ? "/" : tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                (void)fsync(dfd);
                close(dfd);
            }
        }
    }
    /* the serialised text holds the secrets: wipe json-c's buffer */
    explicit_bzero((char *)text, len);
    free(tmp);
    return rc;
}
