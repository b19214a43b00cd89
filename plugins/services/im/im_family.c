/* SPDX-License-Identifier: Apache-2.0 */
/* Refresh tokens (RFC 6749 6 and 10.4; RFC 9700 4.14.2): opaque random
 * values stored under their SHA-256 hash, rotated on every use. All the
 * refresh tokens and access tokens that descend from one authorization
 * code form a family; presenting a refresh token that was already rotated
 * (a replay: one of the two parties holds a stolen copy) revokes the whole
 * family, the legitimate successor included. Access tokens are JWTs that
 * resource servers check locally; their jti is recorded so that a revoked
 * one is refused by userinfo and introspection, and by the resource servers
 * through the revocation list (im_revlist.c).
 *
 *   im.rt        key hash(refresh token): {family, client_id, sub, scope,
 *                val_user_ids, auth_time, exp, state: active|rotated};
 *                term family=<id>
 *   im.families  key family id: {client_id, sub, revoked, exp,
 *                jtis: [{jti, exp}]}; terms sub=<sub>, client=<client_id>
 *   im.revoked   key jti: {exp}: a revoked access token, until it expires */
#include <stdlib.h>
#include <string.h>
#include "im_int.h"

#define MAX_RETRIES 16

seal_status_t im_jti_revoke(im_ctx_t *c, const char *jti, int64_t exp)
{
    struct json_object *o = json_object_new_object();
    seal_status_t st = o && !im_jadd_int(o, "exp", exp)
                       ? im_store_put(c, NULL, IM_NS_REVOKED, jti, o, SEAL_REV_ANY, NULL, 0)
                       : SEAL_E_NOMEM;
    json_object_put(o);
    /* Resource servers in this seald refuse it at once; the others at
     * their next poll of the revocation list. */
    if (st == SEAL_OK)
        im_revlist_notify(c, SEAL_IM_REVOKED_JTI, jti, exp);
    return st;
}

int im_jti_revoked(im_ctx_t *c, const char *jti)
{
    seal_status_t st = seal_store_get(c->self, NULL, IM_NS_REVOKED, jti, NULL, NULL, NULL);
    /* Fail closed: a store error counts as revoked. */
    return st != SEAL_E_NOTFOUND;
}

static struct json_object *rt_doc(const im_grant_t *g, const char *family, int64_t exp)
{
    struct json_object *o = json_object_new_object();
    if (!o || im_jadd_str(o, "family", family) || im_jadd_str(o, "client_id", g->client_id)
        || im_jadd_str(o, "sub", g->sub) || im_jadd_str(o, "scope", g->scope)
        || (g->val_user_ids
            && json_object_object_add(o, "val_user_ids", json_object_get(g->val_user_ids)))
        || im_jadd_int(o, "auth_time", g->auth_time) || im_jadd_int(o, "exp", exp)
        || im_jadd_str(o, "state", "active")) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Writes a new refresh token of family in txn. */
static seal_status_t rt_new(im_ctx_t *c, seal_store_txn_t *txn, const im_grant_t *g,
                            const char *family, char rt[IM_TOKEN_CHARS + 1])
{
    char key[IM_TOKEN_CHARS + 1];
    seal_status_t st = im_random_token(c, rt);
    if (st == SEAL_OK)
        st = im_token_key(c, rt, key);
    if (st != SEAL_OK)
        return st;
    struct json_object *doc = rt_doc(g, family, im_now() + c->rt_ttl);
    seal_store_term_t term = { "family", family };
    st = doc ? im_store_put(c, txn, IM_NS_RT, key, doc, SEAL_REV_ABSENT, &term, 1) : SEAL_E_NOMEM;
    json_object_put(doc);
    return st;
}

seal_status_t im_family_new(im_ctx_t *c, seal_store_txn_t *txn, const im_grant_t *g,
                            char family[IM_TOKEN_CHARS + 1], char rt[IM_TOKEN_CHARS + 1])
{
    seal_status_t st = im_random_token(c, family);
    if (st != SEAL_OK)
        return st;
    family[22] = '\0';   /* an identifier, not a secret */
    struct json_object *f = json_object_new_object();
    if (!f || im_jadd_str(f, "client_id", g->client_id) || im_jadd_str(f, "sub", g->sub)
        || json_object_object_add(f, "revoked", json_object_new_boolean(0))
        || im_jadd_int(f, "exp", im_now() + c->rt_ttl)
        || json_object_object_add(f, "jtis", json_object_new_array())) {
        json_object_put(f);
        return SEAL_E_NOMEM;
    }
    seal_store_term_t terms[2] = { { "sub", g->sub }, { "client", g->client_id } };
    st = im_store_put(c, txn, IM_NS_FAMILY, family, f, SEAL_REV_ABSENT, terms, 2);
    json_object_put(f);
    if (st == SEAL_OK)
        st = rt_new(c, txn, g, family, rt);
    return st;
}

static seal_status_t family_put(im_ctx_t *c, const char *family, struct json_object *f,
                                uint64_t rev)
{
    seal_store_term_t terms[2] = { { "sub", im_jstr(f, "sub") },
                                   { "client", im_jstr(f, "client_id") } };
    if (!terms[0].value || !terms[1].value)
        return SEAL_E_IO;
    return im_store_put(c, NULL, IM_NS_FAMILY, family, f, rev, terms, 2);
}

seal_status_t im_family_add_jti(im_ctx_t *c, const char *family, const char *jti, int64_t exp)
{
    seal_status_t st = SEAL_E_CONFLICT;
    int64_t now = im_now();
    for (int i = 0; i < MAX_RETRIES && st == SEAL_E_CONFLICT; i++) {
        uint64_t rev = 0;
        struct json_object *f = im_store_get(c, NULL, IM_NS_FAMILY, family, &rev, &st), *old;
        if (!f)
            return st;
        if (im_jbool(f, "revoked", 1)) {
            /* Revoked meanwhile: the new access token goes with it. */
            json_object_put(f);
            return im_jti_revoke(c, jti, exp);
        }
        struct json_object *jtis = json_object_new_array(), *e = json_object_new_object();
        if (json_object_object_get_ex(f, "jtis", &old))
            for (size_t k = 0; k < json_object_array_length(old); k++) {
                struct json_object *it = json_object_array_get_idx(old, k);
                if (im_jint(it, "exp", 0) + IM_LEEWAY >= now)   /* drop the expired */
                    json_object_array_add(jtis, json_object_get(it));
            }
        if (!jtis || !e || im_jadd_str(e, "jti", jti) || im_jadd_int(e, "exp", exp)) {
            json_object_put(jtis);
            json_object_put(e);
            json_object_put(f);
            return SEAL_E_NOMEM;
        }
        json_object_array_add(jtis, e);
        json_object_object_add(f, "jtis", jtis);
        st = family_put(c, family, f, rev);
        json_object_put(f);
    }
    return st;
}

typedef struct keys_ctx {
    char **keys;
    size_t n;
    int oom;
} keys_ctx_t;

static int collect(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    keys_ctx_t *k = p;
    (void)json;
    (void)len;
    (void)rev;
    char **nk = realloc(k->keys, (k->n + 1) * sizeof *nk);
    if (!nk || !(nk[k->n] = strdup(key))) {
        if (nk)
            k->keys = nk;
        k->oom = 1;
        return 1;
    }
    k->keys = nk;
    k->n++;
    return 0;
}

static void keys_free(keys_ctx_t *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->keys[i]);
    free(k->keys);
}

seal_status_t im_family_revoke(im_ctx_t *c, const char *family, const char *why)
{
    seal_status_t st = SEAL_E_CONFLICT;
    struct json_object *f = NULL;
    for (int i = 0; i < MAX_RETRIES && st == SEAL_E_CONFLICT; i++) {
        uint64_t rev = 0;
        json_object_put(f);
        if (!(f = im_store_get(c, NULL, IM_NS_FAMILY, family, &rev, &st)))
            return st;
        if (im_jbool(f, "revoked", 0))
            break;   /* already; the tokens below were handled then */
        json_object_object_add(f, "revoked", json_object_new_boolean(1));
        st = family_put(c, family, f, rev);
    }
    if (st != SEAL_OK) {
        json_object_put(f);
        return st;
    }
    /* Its access tokens: refused by userinfo and introspection from now. */
    struct json_object *jtis;
    if (json_object_object_get_ex(f, "jtis", &jtis))
        for (size_t k = 0; k < json_object_array_length(jtis); k++) {
            struct json_object *it = json_object_array_get_idx(jtis, k);
            const char *jti = im_jstr(it, "jti");
            if (jti && im_jint(it, "exp", 0) + IM_LEEWAY >= im_now())
                im_jti_revoke(c, jti, im_jint(it, "exp", 0));
        }
    /* Its refresh tokens: gone. */
    keys_ctx_t k = {0};
    seal_store_lookup(c->self, NULL, IM_NS_RT, "family", family, collect, &k);
    for (size_t i = 0; i < k.n; i++)
        seal_store_delete(c->self, NULL, IM_NS_RT, k.keys[i], SEAL_REV_ANY);
    keys_free(&k);
    seal_log(c->self, SEAL_LOG_NOTICE, "token family of client %s revoked: %s",
             im_jstr(f, "client_id"), why);
    json_object_put(f);
    return SEAL_OK;
}

void im_family_revoke_by(im_ctx_t *c, const char *index, const char *value)
{
    /* Its access tokens are refused by the resource servers first (the
     * family jtis below cover only the tokens of the code flow). */
    int sub = strcmp(index, "sub") == 0;
    seal_status_t st = im_revlist_disabled(c, sub ? SEAL_IM_REVOKED_SUBJECT
                                                  : SEAL_IM_REVOKED_CLIENT, value);
    if (st != SEAL_OK)
        seal_log(c->self, SEAL_LOG_ERR, "%s %s is not on the revocation list (%s): remote "
                 "resource servers accept its access tokens until they expire",
                 sub ? "user" : "client", value, seal_strerror(st));
    keys_ctx_t k = {0};
    seal_store_lookup(c->self, NULL, IM_NS_FAMILY, index, value, collect, &k);
    for (size_t i = 0; i < k.n; i++)
        im_family_revoke(c, k.keys[i], sub ? "user disabled" : "client disabled");
    keys_free(&k);
}

struct json_object *im_rt_get(im_ctx_t *c, const char *token)
{
    char key[IM_TOKEN_CHARS + 1];
    if (!token || strlen(token) != IM_TOKEN_CHARS || im_token_key(c, token, key) != SEAL_OK)
        return NULL;
    return im_store_get(c, NULL, IM_NS_RT, key, NULL, NULL);
}

/* ---- the refresh_token grant ---- */

void im_grant_refresh(im_ctx_t *c, struct json_object *client, const seal_im_param_t *p,
                      size_t n, seal_im_token_done_fn done, void *ctx)
{
    seal_im_error_t err = {0};
    const char *tok = im_param(p, n, "refresh_token"), *scope = im_param(p, n, "scope");
    const char *cid = im_jstr(client, "client_id");
    char key[IM_TOKEN_CHARS + 1], next[IM_TOKEN_CHARS + 1];
    struct json_object *rt = NULL, *fam = NULL, *u = NULL;
    uint64_t rev = 0;
    seal_status_t st;
    if (!tok) {
        im_err(&err, "invalid_request", 400, "refresh_token is missing");
        goto fail;
    }
    if (strlen(tok) != IM_TOKEN_CHARS || im_token_key(c, tok, key) != SEAL_OK
        || !(rt = im_store_get(c, NULL, IM_NS_RT, key, &rev, &st))) {
        im_err(&err, "invalid_grant", 400, "unknown, expired or revoked refresh token");
        goto fail;
    }
    const char *family = im_jstr(rt, "family"), *state = im_jstr(rt, "state");
    const char *rt_cid = im_jstr(rt, "client_id"), *rt_scope = im_jstr(rt, "scope");
    const char *sub = im_jstr(rt, "sub");
    if (!family || !state || !rt_cid || !rt_scope || !sub || strcmp(rt_cid, cid) != 0
        || im_jint(rt, "exp", 0) <= im_now()) {
        im_err(&err, "invalid_grant", 400, "unknown, expired or revoked refresh token");
        goto fail;
    }
    fam = im_store_get(c, NULL, IM_NS_FAMILY, family, NULL, &st);
    if (!fam || im_jbool(fam, "revoked", 1)) {
        im_err(&err, "invalid_grant", 400, "unknown, expired or revoked refresh token");
        goto fail;
    }
    if (strcmp(state, "active") != 0) {
        im_family_revoke(c, family, "a rotated refresh token was presented again");
        im_err(&err, "invalid_grant", 400, "refresh token reused: the grant is revoked");
        goto fail;
    }
    if (scope && !im_scope_subset(scope, rt_scope)) {
        im_err(&err, "invalid_scope", 400, "the scope exceeds the original grant");
        goto fail;
    }
    if (!(u = im_user_get(c, sub)) || !im_jbool(u, "enabled", 0)) {
        im_family_revoke(c, family, "user disabled");
        im_err(&err, "invalid_grant", 400, "the user is disabled");
        goto fail;
    }
    /* Rotate: the presented token becomes "rotated" (compare-and-set: of
     * two concurrent uses only one wins; the loser is a replay) and a new
     * one joins the family, in one transaction. */
    struct json_object *ids = NULL;
    json_object_object_get_ex(u, "val_user_ids", &ids);
    im_grant_t g = { .sub = sub, .client_id = cid, .scope = scope ? scope : rt_scope,
                     .val_user_ids = ids, .auth_time = im_jint(rt, "auth_time", 0) };
    seal_store_txn_t *txn = NULL;
    json_object_object_add(rt, "state", json_object_new_string("rotated"));
    st = seal_store_txn_begin(c->self, &txn);
    if (st == SEAL_OK)
        st = im_store_put(c, txn, IM_NS_RT, key, rt, rev, &(seal_store_term_t){ "family", family },
                          1);
    if (st == SEAL_OK)
        st = rt_new(c, txn, &g, family, next);
    if (txn) {
        if (st == SEAL_OK)
            st = seal_store_txn_commit(txn);
        else
            seal_store_txn_abort(txn);
    }
    if (st == SEAL_E_CONFLICT || st == SEAL_E_NOTFOUND) {
        im_family_revoke(c, family, "a refresh token was used twice at once");
        im_err(&err, "invalid_grant", 400, "refresh token reused: the grant is revoked");
        goto fail;
    }
    if (st != SEAL_OK) {
        im_err(&err, st == SEAL_E_AGAIN ? "temporarily_unavailable" : "server_error",
               st == SEAL_E_AGAIN ? 503 : 500, "the refresh token could not be rotated");
        goto fail;
    }
    im_token_reply(c, &g, next, family, 1, done, ctx);
    memset(next, 0, sizeof next);
    json_object_put(u);
    json_object_put(fam);
    json_object_put(rt);
    return;
fail:
    json_object_put(u);
    json_object_put(fam);
    json_object_put(rt);
    im_token_fail(done, ctx, &err);
}
