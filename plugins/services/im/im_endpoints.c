/* SPDX-License-Identifier: Apache-2.0 */
/* UserInfo (OpenID Connect Core 5.3, RFC 6750 errors), token revocation
 * (RFC 7009) and token introspection (RFC 7662). */
#include <stdlib.h>
#include <string.h>
#include "im_int.h"

seal_status_t im_userinfo(void *user, const char *access_token, char **json, size_t *len,
                          seal_im_error_t *err)
{
    im_ctx_t *c = user;
    struct json_object *claims = NULL, *u = NULL, *ids, *out = NULL;
    *json = NULL;
    if (!access_token || im_access_token_check(c, access_token, &claims, err) != 0) {
        if (!access_token)
            im_err(err, "invalid_token", 401, "no access token");
        return SEAL_E_UNAUTH;
    }
    seal_status_t st = SEAL_E_UNAUTH;
    if (!im_scope_has(im_jstr(claims, "scope"), "openid")) {
        im_err(err, "insufficient_scope", 403, "the access token lacks scope openid");
        st = SEAL_E_PERM;
    } else if (!(u = im_user_get(c, im_jstr(claims, "sub"))) || !im_jbool(u, "enabled", 0)) {
        im_err(err, "invalid_token", 401, "the user of this token is unknown or disabled");
    } else if (!(out = json_object_new_object()) || im_jadd_str(out, "sub", im_jstr(u, "user_id"))
               || (json_object_object_get_ex(u, "val_user_ids", &ids)
                   && json_object_object_add(out, "val_user_ids", json_object_get(ids)))
               || !(*json = im_json_text(out, len))) {
        st = SEAL_E_NOMEM;
    } else {
        st = SEAL_OK;
    }
    json_object_put(out);
    json_object_put(u);
    json_object_put(claims);
    return st;
}

seal_status_t im_revoke(void *user, const seal_im_param_t *params, size_t n,
                        const seal_im_client_auth_t *auth, seal_im_error_t *err)
{
    im_ctx_t *c = user;
    struct json_object *client = im_client_auth(c, auth, params, n, err);
    if (!client)
        return SEAL_E_UNAUTH;
    const char *tok = im_param(params, n, "token"), *cid = im_jstr(client, "client_id");
    seal_status_t st = SEAL_OK;
    if (!tok) {
        im_err(err, "invalid_request", 400, "token is missing");
        st = SEAL_E_INVAL;
        goto out;
    }
    /* The hint only orders the lookups (RFC 7009 2.1); both are tried.
     * A token that is unknown, invalid or another client's is answered
     * like a revoked one (2.2) and left alone. */
    struct json_object *rt = im_rt_get(c, tok);
    if (rt) {
        const char *rcid = im_jstr(rt, "client_id"), *fam = im_jstr(rt, "family");
        if (rcid && fam && strcmp(rcid, cid) == 0)
            st = im_family_revoke(c, fam, "refresh token revoked by its client");
        json_object_put(rt);
    } else {
        struct json_object *claims = NULL;
        char *typ = NULL;
        if (im_own_jwt_check(c, tok, &claims, &typ) == 0 && typ && strcmp(typ, "at+jwt") == 0) {
            const char *acid = im_jstr(claims, "client_id"), *jti = im_jstr(claims, "jti");
            if (acid && jti && strcmp(acid, cid) == 0)
                st = im_jti_revoke(c, jti, im_jint(claims, "exp", im_now()));
        }
        free(typ);
        json_object_put(claims);
    }
    if (st != SEAL_OK) {
        im_err(err, "server_error", 503, "the revocation could not be stored");
        st = SEAL_E_AGAIN;
    }
out:
    json_object_put(client);
    return st;
}

static void copy_member(struct json_object *to, struct json_object *from, const char *key)
{
    struct json_object *v;
    if (json_object_object_get_ex(from, key, &v))
        json_object_object_add(to, key, json_object_get(v));
}

seal_status_t im_introspect(void *user, const seal_im_param_t *params, size_t n,
                            const seal_im_client_auth_t *auth, char **json, size_t *len,
                            seal_im_error_t *err)
{
    im_ctx_t *c = user;
    *json = NULL;
    struct json_object *client = im_client_auth(c, auth, params, n, err);
    if (!client)
        return SEAL_E_UNAUTH;
    const char *type = im_jstr(client, "type"), *tok = im_param(params, n, "token");
    seal_status_t st = SEAL_OK;
    struct json_object *out = NULL, *claims = NULL, *rt = NULL, *fam = NULL;
    seal_im_error_t ignore = {0};
    if (!type || strcmp(type, "confidential") != 0) {
        err->basic_challenge = 1;
        im_err(err, "invalid_client", 401, "introspection is for confidential clients");
        st = SEAL_E_UNAUTH;
        goto done;
    }
    if (!tok) {
        im_err(err, "invalid_request", 400, "token is missing");
        st = SEAL_E_INVAL;
        goto done;
    }
    if (!(out = json_object_new_object())) {
        st = SEAL_E_NOMEM;
        goto done;
    }
    if (im_access_token_check(c, tok, &claims, &ignore) == 0) {
        json_object_object_add(out, "active", json_object_new_boolean(1));
        static const char *const keys[] = { "scope", "client_id", "sub", "exp", "iat", "nbf",
                                            "iss", "aud", "jti", "val_user_ids" };
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            copy_member(out, claims, keys[i]);
        im_jadd_str(out, "token_type", "Bearer");
    } else if ((rt = im_rt_get(c, tok))
               && strcmp(im_jstr(rt, "state") ? im_jstr(rt, "state") : "", "active") == 0
               && im_jint(rt, "exp", 0) > im_now() && im_jstr(rt, "client_id")
               && strcmp(im_jstr(rt, "client_id"), im_jstr(client, "client_id")) == 0
               && im_jstr(rt, "family")
               && (fam = im_store_get(c, NULL, IM_NS_FAMILY, im_jstr(rt, "family"), NULL, NULL))
               && !im_jbool(fam, "revoked", 1)) {
        /* A refresh token is shown to the client that holds it only. */
        json_object_object_add(out, "active", json_object_new_boolean(1));
        static const char *const keys[] = { "scope", "client_id", "sub", "exp" };
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            copy_member(out, rt, keys[i]);
        im_jadd_str(out, "token_type", "refresh_token");
        im_jadd_str(out, "iss", c->issuer);
    } else {
        json_object_object_add(out, "active", json_object_new_boolean(0));
    }
    if (!(*json = im_json_text(out, len)))
        st = SEAL_E_NOMEM;
done:
    json_object_put(fam);
    json_object_put(rt);
    json_object_put(claims);
    json_object_put(out);
    json_object_put(client);
    return st;
}
