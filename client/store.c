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

int sc_store_lock(sealclient_t *c, int *fd)
{
    *fd = -1;
    int rc = sc_make_dirs(c, c->tokens_path);
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
    json_object *o;
    int absent;
    if ((rc = sc_private_json_read(c, path, SC_MAX_FILE, &o, &absent)))
        return rc;
    if (absent)
        return sc_fail(c, SEALCLIENT_E_NOSESSION, "not logged in (no %s)", path);
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

int sc_store_save(sealclient_t *c)
{
    const sc_tokens_t *t = &c->tok;
    json_object *o = json_object_new_object();
    json_object *exp = json_object_new_int64(t->expires_at);
    if (!o || !exp || json_object_object_add(o, "expires_at", exp) < 0 ||
        sc_json_put_str(o, "issuer", t->issuer) || sc_json_put_str(o, "client_id", t->client_id) ||
        sc_json_put_str(o, "sub", t->sub) || sc_json_put_str(o, "scope", t->scope) ||
        sc_json_put_str(o, "cacert", t->cacert) ||
        sc_json_put_str(o, "token_type", t->token_type) || sc_json_put_str(o, "access_token", t->access_token) ||
        sc_json_put_str(o, "refresh_token", t->refresh_token) || sc_json_put_str(o, "id_token", t->id_token)) {
        if (o && exp && !json_object_object_get_ex(o, "expires_at", NULL))
            json_object_put(exp);
        json_object_put(o);
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    }
    int rc = sc_private_json_write(c, c->tokens_path, o);
    json_object_put(o);
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
