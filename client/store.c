/* SPDX-License-Identifier: Apache-2.0 */
/* The tokens file: JSON, mode 0600 from its creation (mkstemp, then rename
 * over the old file, so no reader ever sees a partial file and the tokens
 * are never readable by others, not even briefly), in a 0700 directory.
 * A file readable by group or others is refused, as ssh does with keys.
 * Read-modify-write sequences (refresh) hold an flock on "<file>.lock" so
 * that two processes never spend the same refresh token twice (a replayed
 * refresh token revokes the whole family on the server). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "sc_int.h"

#define SC_MAX_FILE (256u * 1024u)

char *sc_default_tokens_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    char buf[PATH_MAX];
    int n;
    if (xdg && xdg[0] == '/') {   /* the XDG spec ignores relative values */
        n = snprintf(buf, sizeof buf, "%s/seal/tokens.json", xdg);
    } else {
        if (!home || home[0] != '/') {
            struct passwd *pw = getpwuid(geteuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home || home[0] != '/')
            return NULL;
        n = snprintf(buf, sizeof buf, "%s/.config/seal/tokens.json", home);
    }
    return n > 0 && (size_t)n < sizeof buf ? sc_strdup(buf) : NULL;
}

void sc_tokens_clear(sc_tokens_t *t)
{
    free(t->issuer);
    free(t->client_id);
    free(t->token_type);
    sc_free_secret(t->access_token);
    sc_free_secret(t->refresh_token);
    sc_free_secret(t->id_token);
    free(t->scope);
    free(t->sub);
    free(t->cacert);
    memset(t, 0, sizeof *t);
}

/* mkdir -p for the file's directory; directories we create are 0700. */
static int make_dirs(sealclient_t *c, const char *file)
{
    char *d = sc_strdup(file);
    if (!d)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    char *slash = strrchr(d, '/');
    if (!slash || slash == d) {
        free(d);
        return SEALCLIENT_OK;
    }
    *slash = '\0';
    for (char *p = d + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
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

int sc_store_lock(sealclient_t *c, int *fd)
{
    *fd = -1;
    int rc = make_dirs(c, c->tokens_path);
    if (rc)
        return rc;
    size_t n = strlen(c->tokens_path) + 6;
    char *lock = malloc(n);
    if (!lock)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    snprintf(lock, n, "%s.lock", c->tokens_path);
    int f = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0) {
        rc = sc_fail(c, SEALCLIENT_E_IO, "%s: %s", lock, strerror(errno));
        free(lock);
        return rc;
    }
    while (flock(f, LOCK_EX) < 0) {
        if (errno != EINTR) {
            rc = sc_fail(c, SEALCLIENT_E_IO, "%s: lock: %s", lock, strerror(errno));
            close(f);
            free(lock);
            return rc;
        }
    }
    free(lock);
    *fd = f;
    return SEALCLIENT_OK;
}

void sc_store_unlock(int fd)
{
    if (fd >= 0)
        close(fd);      /* releases the flock */
}

static int take_str(json_object *o, const char *key, char **dst)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return -1;
    *dst = sc_strdup(json_object_get_string(v));
    return *dst ? 0 : -1;
}

int sc_store_load(sealclient_t *c)
{
    const char *path = c->tokens_path;
    int rc;
    sc_tokens_clear(&c->tok);
    c->tok_loaded = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return sc_fail(c, SEALCLIENT_E_NOSESSION, "not logged in (no %s)", path);
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
    if (st.st_size > (off_t)SC_MAX_FILE) {
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
    json_object *o = tok ? json_tokener_parse_ex(tok, buf, (int)got) : NULL;
    json_tokener_free(tok);
    explicit_bzero(buf, got);
    free(buf);
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return sc_fail(c, SEALCLIENT_E_IO, "%s: not a tokens file (bad JSON)", path);
    }
    sc_tokens_t *t = &c->tok;
    json_object *v;
    if (take_str(o, "issuer", &t->issuer) || take_str(o, "client_id", &t->client_id) ||
        take_str(o, "token_type", &t->token_type) ||
        take_str(o, "access_token", &t->access_token) ||
        take_str(o, "refresh_token", &t->refresh_token) || take_str(o, "id_token", &t->id_token) ||
        take_str(o, "scope", &t->scope) || take_str(o, "sub", &t->sub) ||
        take_str(o, "cacert", &t->cacert) ||
        !t->issuer || !t->client_id || !t->access_token) {
        rc = sc_fail(c, SEALCLIENT_E_IO, "%s: not a tokens file (issuer, client_id or "
                     "access_token missing)", path);
        goto bad;
    }
    if (json_object_object_get_ex(o, "expires_at", &v)) {
        if (!json_object_is_type(v, json_type_int)) {
            rc = sc_fail(c, SEALCLIENT_E_IO, "%s: expires_at is not an integer", path);
            goto bad;
        }
        t->expires_at = json_object_get_int64(v);
    }
    json_object_put(o);
    c->tok_loaded = 1;
    return SEALCLIENT_OK;
bad:
    json_object_put(o);
    sc_tokens_clear(t);
    return rc;
}

static int put_str(json_object *o, const char *key, const char *v)
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

int sc_store_save(sealclient_t *c)
{
    const sc_tokens_t *t = &c->tok;
    int rc = make_dirs(c, c->tokens_path);
    if (rc)
        return rc;
    json_object *o = json_object_new_object();
    json_object *exp = json_object_new_int64(t->expires_at);
    if (!o || !exp || json_object_object_add(o, "expires_at", exp) < 0 ||
        put_str(o, "issuer", t->issuer) || put_str(o, "client_id", t->client_id) ||
        put_str(o, "sub", t->sub) || put_str(o, "scope", t->scope) ||
        put_str(o, "cacert", t->cacert) ||
        put_str(o, "token_type", t->token_type) || put_str(o, "access_token", t->access_token) ||
        put_str(o, "refresh_token", t->refresh_token) || put_str(o, "id_token", t->id_token)) {
        if (o && exp && !json_object_object_get_ex(o, "expires_at", NULL))
            json_object_put(exp);
        json_object_put(o);
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    }
    size_t len = 0;
    const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    size_t n = strlen(c->tokens_path) + 8;
    char *tmp = malloc(n);
    if (!text || !tmp) {
        free(tmp);
        json_object_put(o);
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    }
    snprintf(tmp, n, "%s.XXXXXX", c->tokens_path);
    int fd = mkstemp(tmp);      /* O_EXCL, mode 0600 whatever the umask */
    if (fd < 0) {
        rc = sc_fail(c, SEALCLIENT_E_IO, "%s: %s", tmp, strerror(errno));
        free(tmp);
        json_object_put(o);
        return rc;
    }
    if (fchmod(fd, 0600) < 0 || write_all(fd, text, len) < 0 || write_all(fd, "\n", 1) < 0 ||
        fsync(fd) < 0) {
        rc = sc_fail(c, SEALCLIENT_E_IO, "%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
    } else if (close(fd) < 0 || rename(tmp, c->tokens_path) < 0) {
        rc = sc_fail(c, SEALCLIENT_E_IO, "%s: %s", c->tokens_path, strerror(errno));
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
    /* the serialised text holds the tokens: wipe json-c's buffer */
    explicit_bzero((char *)text, len);
    json_object_put(o);
    free(tmp);
    return rc;
}

int sc_store_delete(sealclient_t *c)
{
    sc_tokens_clear(&c->tok);
    c->tok_loaded = 0;
    if (unlink(c->tokens_path) < 0 && errno != ENOENT)
        return sc_fail(c, SEALCLIENT_E_IO, "%s: %s", c->tokens_path, strerror(errno));
    return SEALCLIENT_OK;
}
