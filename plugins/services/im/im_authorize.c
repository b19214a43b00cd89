/* SPDX-License-Identifier: Apache-2.0 */
/* The authorization endpoint's logic: OAuth 2.0 authorization code grant
 * (RFC 6749 4.1) as profiled by OpenID Connect Core 3.1.2 and TS 33.180
 * B.4 / TS 33.434 Annex A (native clients, PKCE per RFC 7636 with S256
 * required), login with user name and password, and the authorization
 * code (4.1.2): single use, code_ttl seconds (60), bound to the client,
 * the redirect_uri, the PKCE challenge, the nonce and the scope.
 *
 * Errors (RFC 6749 4.1.2.1): an unknown client or a redirect_uri that is
 * missing or not registered must never redirect (an open redirector
 * otherwise); everything else goes back to the client with error and
 * state. */
#include <stdlib.h>
#include <string.h>
#include "im_int.h"

#define MAX_STATE 1024
#define MAX_NONCE 512

/* The checks shared by the form and its POST; on success *client is the
 * client document. */
static seal_status_t check(im_ctx_t *c, const seal_im_param_t *p, size_t n,
                           struct json_object **client, seal_im_error_t *err)
{
    const char *cid = im_param(p, n, "client_id"), *ru = im_param(p, n, "redirect_uri");
    *client = NULL;
    err->redirect = 0;
    if (!cid) {
        im_err(err, "invalid_request", 400, "client_id is missing");
        return SEAL_E_INVAL;
    }
    struct json_object *cl = im_client_get(c, cid);
    if (!cl) {
        im_err(err, "invalid_request", 400, "unknown client");
        return SEAL_E_INVAL;
    }
    if (!ru || !im_client_redirect_ok(cl, ru)) {
        im_err(err, "invalid_request", 400, ru ? "redirect_uri is not registered for this client"
                                               : "redirect_uri is missing");
        json_object_put(cl);
        return SEAL_E_INVAL;
    }
    /* From here on the error goes back to the client. */
    err->redirect = 1;
    const char *rt = im_param(p, n, "response_type"), *scope = im_param(p, n, "scope");
    const char *cc = im_param(p, n, "code_challenge");
    const char *ccm = im_param(p, n, "code_challenge_method");
    const char *state = im_param(p, n, "state"), *nonce = im_param(p, n, "nonce");
    const char *rm = im_param(p, n, "response_mode"), *prompt = im_param(p, n, "prompt");
    if (state && strlen(state) > MAX_STATE) {
        /* Too long to send back either. */
        err->redirect = 0;
        im_err(err, "invalid_request", 400, "state is longer than %d octets", MAX_STATE);
    } else if (!rt) {
        im_err(err, "invalid_request", 400, "response_type is missing");
    } else if (strcmp(rt, "code") != 0) {
        im_err(err, "unsupported_response_type", 400, "only response_type=code is supported");
    } else if (!im_client_grant_ok(cl, SEAL_IM_GRANT_CODE)) {
        im_err(err, "unauthorized_client", 400, "the client may not use the authorization code "
               "grant");
    } else if (im_param(p, n, "request")) {
        im_err(err, "request_not_supported", 400, "request objects are not supported");
    } else if (im_param(p, n, "request_uri")) {
        im_err(err, "request_uri_not_supported", 400, "request_uri is not supported");
    } else if (rm && strcmp(rm, "query") != 0) {
        im_err(err, "invalid_request", 400, "only response_mode=query is supported");
    } else if (!scope || !*scope) {
        im_err(err, "invalid_scope", 400, "scope is missing");
    } else if (!im_scope_subset_arr(scope, json_object_object_get(cl, "scopes"))) {
        im_err(err, "invalid_scope", 400, "a requested scope is unknown or not allowed for this "
               "client");
    } else if (!cc) {
        im_err(err, "invalid_request", 400, "code_challenge is required (PKCE, RFC 7636, S256)");
    } else if (!ccm || strcmp(ccm, "S256") != 0) {
        im_err(err, "invalid_request", 400, "code_challenge_method must be S256");
    } else if (strlen(cc) != 43 || !im_pkce_valid(cc)) {
        im_err(err, "invalid_request", 400, "code_challenge is not a base64url SHA-256 value");
    } else if (nonce && strlen(nonce) > MAX_NONCE) {
        im_err(err, "invalid_request", 400, "nonce is longer than %d octets", MAX_NONCE);
    } else if (prompt && im_scope_has(prompt, "none")) {
        /* No login sessions here: every authorization needs a login. */
        im_err(err, "login_required", 400, "the user must log in");
    } else {
        err->redirect = 0;
        *client = cl;
        return SEAL_OK;
    }
    json_object_put(cl);
    return SEAL_E_INVAL;
}

seal_status_t im_authorize_check(void *user, const seal_im_param_t *params, size_t n,
                                 seal_im_error_t *err)
{
    struct json_object *cl = NULL;
    seal_status_t st = check(user, params, n, &cl, err);
    json_object_put(cl);
    return st;
}

/* Stores a new code for the logged-in user. */
static seal_status_t code_new(im_ctx_t *c, const seal_im_param_t *p, size_t n,
                              struct json_object *u, char **code)
{
    char tok[IM_TOKEN_CHARS + 1], key[IM_TOKEN_CHARS + 1];
    struct json_object *ids = NULL, *doc = json_object_new_object();
    const char *nonce = im_param(p, n, "nonce");
    int64_t now = im_now();
    seal_status_t st = SEAL_E_NOMEM;
    json_object_object_get_ex(u, "val_user_ids", &ids);
    if (!doc || im_jadd_str(doc, "client_id", im_param(p, n, "client_id"))
        || im_jadd_str(doc, "redirect_uri", im_param(p, n, "redirect_uri"))
        || im_jadd_str(doc, "scope", im_param(p, n, "scope"))
        || im_jadd_str(doc, "code_challenge", im_param(p, n, "code_challenge"))
        || (nonce && im_jadd_str(doc, "nonce", nonce))
        || im_jadd_str(doc, "sub", im_jstr(u, "user_id"))
        || (ids && json_object_object_add(doc, "val_user_ids", json_object_get(ids)))
        || im_jadd_int(doc, "auth_time", now) || im_jadd_int(doc, "exp", now + c->code_ttl)
        || json_object_object_add(doc, "used", json_object_new_boolean(0)))
        goto out;
    /* Stored under the code's hash: the database does not hold live codes. */
    if ((st = im_random_token(c, tok)) != SEAL_OK || (st = im_token_key(c, tok, key)) != SEAL_OK)
        goto out;
    st = im_store_put(c, NULL, IM_NS_CODES, key, doc, SEAL_REV_ABSENT, NULL, 0);
    if (st == SEAL_OK && !(*code = strdup(tok)))
        st = SEAL_E_NOMEM;
out:
    memset(tok, 0, sizeof tok);
    json_object_put(doc);
    return st;
}

seal_status_t im_authorize_login(void *user, const seal_im_param_t *params, size_t n,
                                 const char *username, const char *password,
                                 const char *peer, char **code, seal_im_error_t *err)
{
    im_ctx_t *c = user;
    struct json_object *cl = NULL;
    *code = NULL;
    seal_status_t st = check(c, params, n, &cl, err);
    json_object_put(cl);
    if (st != SEAL_OK)
        return st;
    if (!username)
        username = "";
    if (!password)
        password = "";
    if (!peer)
        peer = "-";
    const char *why;
    unsigned wait = im_throttle_check(c, username, peer, &why);
    if (wait) {
        im_err(err, "temporarily_unavailable", 429, "too many failed logins: try again in %u s",
               wait);
        err->retry_after = wait;
        seal_log(c->self, SEAL_LOG_NOTICE, "login throttled (%s)", why);
        return SEAL_E_AGAIN;
    }
    struct json_object *u = im_user_login(c, username, password);
    if (!u) {
        im_throttle_failed(c, username, peer);
        im_err(err, "access_denied", 401, "wrong user name or password");
        seal_log(c->self, SEAL_LOG_NOTICE, "failed login from %s", peer);
        return SEAL_E_UNAUTH;
    }
    im_throttle_succeeded(c, username, peer);
    st = code_new(c, params, n, u, code);
    if (st == SEAL_OK) {
        seal_log(c->self, SEAL_LOG_INFO, "user %s logged in for client %s",
                 im_jstr(u, "user_id"), im_param(params, n, "client_id"));
    } else if (st == SEAL_E_AGAIN) {
        /* A busy store or a full disk (RFC 6749 4.1.2.1); not SEAL_E_AGAIN
         * to the binding, which answers that as the login throttle. */
        im_err(err, "temporarily_unavailable", 503, "the authorization code could not be "
               "stored: try again");
        st = SEAL_E_IO;
    } else {
        im_err(err, "server_error", 500, "the authorization code could not be stored");
    }
    json_object_put(u);
    im_sweep_maybe(c);
    return st;
}
