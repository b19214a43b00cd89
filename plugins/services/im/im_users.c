/* SPDX-License-Identifier: Apache-2.0 */
/* VAL users (TS 33.434 5.2.3): the user id (the ID token's "sub", never
 * reassigned), the user's VAL user identities, an argon2id password hash
 * and an enabled flag. Added, listed and disabled through sealctl; never
 * deleted, so a user id is never reassigned.
 *
 * A user id is addressed by /admin/v1/users/{userId}/disable, and a VAL
 * user id becomes a KMS identity addressed by
 * /admin/v1/km/revocations/{identity}: both follow lib/ident's grammar, so
 * that whatever is created here can be disabled or revoked later. A lookup
 * applies it too: an id outside it (stored before the rule) is not served,
 * since it could not be administered. */
#include <stdlib.h>
#include <string.h>
#include <seal/services/km.h>
#include "ident/ident.h"
#include "im_int.h"

#define MAX_VAL_IDS 64

static int user_id_ok(const char *s)
{
    return ident_ok(s, IDENT_USER_MAX);
}

/* A VAL user id is one of the KMS identities of the user's tokens
 * (val_user_ids): at most SEAL_KM_URI_MAX octets, as km serves. */
static int val_id_ok(const char *s)
{
    return ident_ok(s, SEAL_KM_URI_MAX);
}

seal_status_t im_id_create(im_ctx_t *c, const char *ns, const char *other_ns, const char *id,
                           struct json_object *doc)
{
    /* In one transaction, which holds the store's write lock from begin to
     * commit (store_sqlite), so that a user and a client of the same name
     * added at the same time cannot both pass the check. */
    seal_store_txn_t *txn = NULL;
    seal_status_t st = seal_store_txn_begin(c->self, &txn);
    if (st != SEAL_OK)
        return st;
    st = seal_store_get(c->self, txn, other_ns, id, NULL, NULL, NULL);
    if (st == SEAL_OK)
        st = SEAL_E_CONFLICT;
    else if (st == SEAL_E_NOTFOUND)
        st = im_store_put(c, txn, ns, id, doc, SEAL_REV_ABSENT, NULL, 0);
    if (st == SEAL_OK)
        return seal_store_txn_commit(txn);
    seal_store_txn_abort(txn);
    return st;
}

struct json_object *im_user_get(im_ctx_t *c, const char *user_id)
{
    if (!user_id_ok(user_id))
        return NULL;
    return im_store_get(c, NULL, IM_NS_USERS, user_id, NULL, NULL);
}

struct json_object *im_user_login(im_ctx_t *c, const char *user_id, const char *password)
{
    struct json_object *u = im_user_get(c, user_id);
    const char *hash = u && im_jbool(u, "enabled", 0) ? im_jstr(u, "password") : NULL;
    if (!hash) {
        /* Same cost as a real check, so timing does not reveal which user
         * names exist. */
        im_password_verify(c->dummy_hash, password);
        json_object_put(u);
        return NULL;
    }
    if (!im_password_verify(hash, password)) {
        json_object_put(u);
        return NULL;
    }
    return u;
}

/* The user as sealctl shows it: no password hash. */
static struct json_object *public_view(struct json_object *u)
{
    struct json_object *o = json_object_new_object(), *v;
    if (!o)
        return NULL;
    static const char *const keys[] = { "user_id", "val_user_ids", "enabled", "created" };
    for (size_t i = 0; i < 4; i++)
        if (json_object_object_get_ex(u, keys[i], &v))
            json_object_object_add(o, keys[i], json_object_get(v));
    return o;
}

seal_status_t im_user_add(void *user, const char *json, size_t len,
                          char **out, size_t *out_len, seal_im_error_t *err)
{
    im_ctx_t *c = user;
    *out = NULL;
    struct json_object *in = im_json_body(json, len, err), *ids = NULL, *v;
    seal_status_t st = SEAL_E_INVAL;
    const char *uid = im_jstr(in, "user_id"), *pw = im_jstr(in, "password");
    struct json_object *doc = NULL;
    char *hash = NULL;
    if (!in)
        goto out;
    if (!user_id_ok(uid)) {
        im_err(err, "invalid_request", 400, "user_id: 1 to %d characters: %s",
               IDENT_USER_MAX, IDENT_PCHAR_TEXT);
        goto out;
    }
    if (!pw || strlen(pw) < (size_t)c->pw_min || strlen(pw) > 1024) {
        im_err(err, "invalid_request", 400, "password: %lld to 1024 octets",
               (long long)c->pw_min);
        goto out;
    }
    if (!(ids = json_object_new_array()))
        goto oom;
    if (json_object_object_get_ex(in, "val_user_ids", &v)) {
        size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
        if (n == 0 || n > MAX_VAL_IDS) {
            im_err(err, "invalid_request", 400, "val_user_ids: an array of 1 to %d strings",
                   MAX_VAL_IDS);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            struct json_object *e = json_object_array_get_idx(v, i);
            const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e)
                                                                     : NULL;
            if (!val_id_ok(s)) {
                im_err(err, "invalid_request", 400, "val_user_ids/%zu: 1 to %d characters: %s",
                       i, SEAL_KM_URI_MAX, IDENT_PCHAR_TEXT);
                goto out;
            }
            json_object_array_add(ids, json_object_new_string(s));
        }
    } else {
        json_object_array_add(ids, json_object_new_string(uid));
    }
    uint8_t salt[16];
    if ((st = seal_crypto_random(c->self, salt, sizeof salt)) != SEAL_OK)
        goto out;
    im_a2_t a = { c->a2_t, c->a2_m_kib, c->a2_p };
    if (!(hash = im_password_hash(&a, salt, pw)))
        goto oom;
    doc = json_object_new_object();
    if (!doc || im_jadd_str(doc, "user_id", uid)
        || json_object_object_add(doc, "val_user_ids", json_object_get(ids)) != 0
        || im_jadd_str(doc, "password", hash)
        || json_object_object_add(doc, "enabled", json_object_new_boolean(1)) != 0
        || im_jadd_int(doc, "created", im_now()))
        goto oom;
    st = im_id_create(c, IM_NS_USERS, IM_NS_CLIENTS, uid, doc);
    if (st == SEAL_E_EXISTS || st == SEAL_E_CONFLICT) {
        im_err(err, "invalid_request", 409, st == SEAL_E_EXISTS ? "user_id: user %s exists"
               : "user_id: %s is a client id (user and client ids must differ)", uid);
        st = SEAL_E_EXISTS;   /* taken, in the one name space of users and clients */
        goto out;
    }
    if (st == SEAL_OK) {
        struct json_object *view = public_view(doc);
        *out = view ? im_json_text(view, out_len) : NULL;
        json_object_put(view);
        if (!*out)
            st = SEAL_E_NOMEM;
        else
            seal_log(c->self, SEAL_LOG_NOTICE, "user %s added", uid);
    }
    goto out;
oom:
    st = SEAL_E_NOMEM;
out:
    if (hash) {
        memset(hash, 0, strlen(hash));
        free(hash);
    }
    json_object_put(doc);
    json_object_put(ids);
    json_object_put(in);
    return st;
}

static int list_visit(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    struct json_object *arr = p, *u = im_json_parse(json, len);
    (void)key;
    (void)rev;
    if (u) {
        struct json_object *view = public_view(u);
        if (view)
            json_object_array_add(arr, view);
        json_object_put(u);
    }
    return 0;
}

seal_status_t im_user_list(void *user, char **out, size_t *out_len)
{
    im_ctx_t *c = user;
    struct json_object *arr = json_object_new_array();
    *out = NULL;
    if (!arr)
        return SEAL_E_NOMEM;
    seal_status_t st = seal_store_scan(c->self, NULL, IM_NS_USERS, "", list_visit, arr);
    if (st == SEAL_OK && !(*out = im_json_text(arr, out_len)))
        st = SEAL_E_NOMEM;
    json_object_put(arr);
    return st;
}

seal_status_t im_user_disable(void *user, const char *user_id)
{
    im_ctx_t *c = user;
    if (!user_id_ok(user_id))
        return SEAL_E_NOTFOUND;
    seal_status_t st = SEAL_E_CONFLICT;
    for (int i = 0; i < 8 && st == SEAL_E_CONFLICT; i++) {
        uint64_t rev = 0;
        struct json_object *u = im_store_get(c, NULL, IM_NS_USERS, user_id, &rev, &st);
        if (!u)
            return st;
        json_object_object_add(u, "enabled", json_object_new_boolean(0));
        st = im_store_put(c, NULL, IM_NS_USERS, user_id, u, rev, NULL, 0);
        json_object_put(u);
    }
    if (st == SEAL_OK) {
        im_family_revoke_by(c, "sub", user_id);
        seal_log(c->self, SEAL_LOG_NOTICE, "user %s disabled; its refresh tokens revoked",
                 user_id);
    }
    return st;
}
