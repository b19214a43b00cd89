/* SPDX-License-Identifier: Apache-2.0 */
/* The token endpoint (RFC 6749 3.2): client authentication (2.3.1), the
 * authorization_code grant with PKCE (4.1.3, RFC 7636 4.5/4.6), the
 * client_credentials grant for VAL and SEAL servers (4.4), and dispatch to
 * refresh_token (im_family.c) and token exchange (im_exchange.c). Errors
 * per 5.2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "im_int.h"

void im_token_fail(seal_im_token_done_fn done, void *ctx, const seal_im_error_t *err)
{
    done(ctx, err->http_status >= 500 ? SEAL_E_GENERIC : SEAL_E_INVAL, NULL, 0, err);
}

static void fail(seal_im_token_done_fn done, void *ctx, const char *code, unsigned status,
                 const char *what)
{
    seal_im_error_t err = {0};
    im_err(&err, code, status, "%s", what);
    im_token_fail(done, ctx, &err);
}

void im_token_reply(im_ctx_t *c, const im_grant_t *g, const char *rt, const char *family,
                    int id_token, seal_im_token_done_fn done, void *ctx)
{
    char jti[IM_TOKEN_CHARS + 1];
    int64_t exp = 0;
    char *at = im_access_token(c, g, jti, &exp), *id = NULL;
    if (at && family && im_family_add_jti(c, family, jti, exp) != SEAL_OK)
        seal_log(c->self, SEAL_LOG_WARN, "access token not recorded in its family: it cannot "
                 "be revoked before it expires");
    if (at && id_token && im_scope_has(g->scope, "openid"))
        id = im_id_token(c, g);
    struct json_object *o = at ? json_object_new_object() : NULL;
    char *text = NULL;
    size_t len = 0;
    if (o && !im_jadd_str(o, "access_token", at) && !im_jadd_str(o, "token_type", "Bearer")
        && !im_jadd_int(o, "expires_in", c->at_ttl) && !im_jadd_str(o, "scope", g->scope)
        && !(rt && im_jadd_str(o, "refresh_token", rt)) && !(id && im_jadd_str(o, "id_token", id))
        && (!id_token || !im_scope_has(g->scope, "openid") || id))
        text = im_json_text(o, &len);
    json_object_put(o);
    if (text)
        done(ctx, SEAL_OK, text, len, NULL);
    else
        fail(done, ctx, "server_error", 500, "the tokens could not be made");
    if (text) {
        memset(text, 0, len);
        free(text);
    }
    free(at);
    free(id);
}

/* ---- authorization_code ---- */

static void grant_code(im_ctx_t *c, struct json_object *client, const seal_im_param_t *p,
                       size_t n, seal_im_token_done_fn done, void *ctx)
{
    const char *code = im_param(p, n, "code"), *ru = im_param(p, n, "redirect_uri");
    const char *verifier = im_param(p, n, "code_verifier");
    const char *cid = im_jstr(client, "client_id");
    char key[IM_TOKEN_CHARS + 1], family[IM_TOKEN_CHARS + 1], rt[IM_TOKEN_CHARS + 1];
    struct json_object *doc = NULL, *u = NULL;
    uint64_t rev = 0;
    seal_status_t st;
    if (!code || !ru) {
        fail(done, ctx, "invalid_request", 400, code ? "redirect_uri is missing"
                                                     : "code is missing");
        return;
    }
    if (!verifier) {
        fail(done, ctx, "invalid_request", 400, "code_verifier is missing (PKCE is required)");
        return;
    }
    if (strlen(code) != IM_TOKEN_CHARS || im_token_key(c, code, key) != SEAL_OK
        || !(doc = im_store_get(c, NULL, IM_NS_CODES, key, &rev, &st))) {
        fail(done, ctx, "invalid_grant", 400, "unknown or expired authorization code");
        return;
    }
    const char *fam = im_jstr(doc, "family");
    if (im_jbool(doc, "used", 1)) {
        /* RFC 6749 4.1.2: a second use revokes what the first one got. */
        if (fam)
            im_family_revoke(c, fam, "an authorization code was used twice");
        fail(done, ctx, "invalid_grant", 400, "the authorization code was already used; the "
             "tokens issued with it are revoked");
        json_object_put(doc);
        return;
    }
    const char *dcid = im_jstr(doc, "client_id"), *dru = im_jstr(doc, "redirect_uri");
    const char *chal = im_jstr(doc, "code_challenge"), *sub = im_jstr(doc, "sub");
    const char *why = NULL;
    if (!dcid || strcmp(dcid, cid) != 0)
        why = "the authorization code was issued to another client";
    else if (im_jint(doc, "exp", 0) <= im_now())
        why = "unknown or expired authorization code";
    else if (!dru || strcmp(dru, ru) != 0)
        why = "redirect_uri differs from the authorization request's";
    else if (!chal || !im_pkce_s256_check(c->self, verifier, chal))
        why = "code_verifier does not match the code_challenge";
    else if (!sub || !(u = im_user_get(c, sub)) || !im_jbool(u, "enabled", 0))
        why = "the user is disabled";
    if (why) {
        /* A failed redemption by the client the code belongs to uses it up:
         * a code is good for one attempt, not for guessing verifiers. */
        if (dcid && strcmp(dcid, cid) == 0) {
            json_object_object_add(doc, "used", json_object_new_boolean(1));
            im_store_put(c, NULL, IM_NS_CODES, key, doc, rev, NULL, 0);
        }
        fail(done, ctx, "invalid_grant", 400, why);
        json_object_put(u);
        json_object_put(doc);
        return;
    }
    struct json_object *ids = NULL;
    json_object_object_get_ex(u, "val_user_ids", &ids);
    im_grant_t g = { .sub = sub, .client_id = cid, .scope = im_jstr(doc, "scope"),
                     .val_user_ids = ids, .nonce = im_jstr(doc, "nonce"),
                     .auth_time = im_jint(doc, "auth_time", im_now()) };
    if (!g.scope)
        g.scope = "";
    /* Use the code and open the token family in one transaction; the
     * compare-and-set makes a concurrent second use lose. */
    seal_store_txn_t *txn = NULL;
    st = seal_store_txn_begin(c->self, &txn);
    if (st == SEAL_OK)
        st = im_family_new(c, txn, &g, family, rt);
    if (st == SEAL_OK) {
        json_object_object_add(doc, "used", json_object_new_boolean(1));
        json_object_object_add(doc, "family", json_object_new_string(family));
        st = im_store_put(c, txn, IM_NS_CODES, key, doc, rev, NULL, 0);
    }
    if (txn) {
        if (st == SEAL_OK)
            st = seal_store_txn_commit(txn);
        else
            seal_store_txn_abort(txn);
    }
    if (st == SEAL_OK)
        im_token_reply(c, &g, rt, family, 1, done, ctx);
    else if (st == SEAL_E_CONFLICT || st == SEAL_E_NOTFOUND)
        fail(done, ctx, "invalid_grant", 400, "the authorization code was already used");
    else
        fail(done, ctx, st == SEAL_E_AGAIN ? "temporarily_unavailable" : "server_error",
             st == SEAL_E_AGAIN ? 503 : 500, "the grant could not be stored");
    memset(rt, 0, sizeof rt);
    json_object_put(u);
    json_object_put(doc);
}

/* ---- client_credentials ---- */

static void grant_client(im_ctx_t *c, struct json_object *client, const seal_im_param_t *p,
                         size_t n, seal_im_token_done_fn done, void *ctx)
{
    const char *scope = im_param(p, n, "scope");
    struct json_object *allowed = json_object_object_get(client, "scopes");
    char buf[1024];
    if (scope) {
        if (!*scope || !im_scope_subset_arr(scope, allowed) || im_scope_has(scope, "openid")) {
            fail(done, ctx, "invalid_scope", 400, "a requested scope is unknown or not allowed "
                 "for this client (openid needs a user)");
            return;
        }
    } else {
        /* Default: every scope the client may have, but openid. */
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; allowed && i < json_object_array_length(allowed); i++) {
            const char *s = json_object_get_string(json_object_array_get_idx(allowed, i));
            if (!s || strcmp(s, "openid") == 0 || o + strlen(s) + 2 >= sizeof buf)
                continue;
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", o ? " " : "", s);
        }
        if (!o) {
            fail(done, ctx, "invalid_scope", 400, "the client has no scope to grant");
            return;
        }
        scope = buf;
    }
    const char *cid = im_jstr(client, "client_id");
    im_grant_t g = { .sub = cid, .client_id = cid, .scope = scope };
    im_token_reply(c, &g, NULL, NULL, 0, done, ctx);
}

void im_token(void *user, const seal_im_param_t *params, size_t n,
              const seal_im_client_auth_t *auth, seal_im_token_done_fn done, void *ctx)
{
    im_ctx_t *c = user;
    seal_im_error_t err = {0};
    im_sweep_maybe(c);
    struct json_object *client = im_client_auth(c, auth, params, n, &err);
    if (!client) {
        im_token_fail(done, ctx, &err);
        return;
    }
    const char *gt = im_param(params, n, "grant_type");
    if (!gt) {
        fail(done, ctx, "invalid_request", 400, "grant_type is missing");
    } else if (strcmp(gt, SEAL_IM_GRANT_CODE) != 0 && strcmp(gt, SEAL_IM_GRANT_REFRESH) != 0
               && strcmp(gt, SEAL_IM_GRANT_CLIENT) != 0 && strcmp(gt, SEAL_IM_GRANT_EXCHANGE) != 0) {
        fail(done, ctx, "unsupported_grant_type", 400, "this grant type is not supported");
    } else if (!im_client_grant_ok(client, gt)) {
        fail(done, ctx, "unauthorized_client", 400, "the client may not use this grant type");
    } else if (strcmp(gt, SEAL_IM_GRANT_CODE) == 0) {
        grant_code(c, client, params, n, done, ctx);
    } else if (strcmp(gt, SEAL_IM_GRANT_REFRESH) == 0) {
        im_grant_refresh(c, client, params, n, done, ctx);
    } else if (strcmp(gt, SEAL_IM_GRANT_CLIENT) == 0) {
        grant_client(c, client, params, n, done, ctx);
    } else {
        im_grant_exchange(c, client, params, n, done, ctx);
    }
    json_object_put(client);
}
