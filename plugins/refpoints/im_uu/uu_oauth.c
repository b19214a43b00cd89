/* SPDX-License-Identifier: Apache-2.0 */
/* IM-UU (TS 23.434 / TS 33.434 5.2, TS 24.547 6.2): the OpenID Connect
 * provider endpoints, served through the im service's "seal.im.v1".
 *
 *   GET      /.well-known/openid-configuration  OIDC Discovery 1.0 4
 *   GET      /oidc/v1/jwks                      RFC 7517 5 (JWK Set)
 *   GET      /oidc/v1/revocations               the revocation list (seald's own:
 *                                               im README "Revocation list")
 *   GET/POST /oidc/v1/authorize                 RFC 6749 4.1.1, OIDC Core 3.1.2,
 *                                               RFC 7636 (S256 required);
 *                                               login form posts back here
 *   POST     /oidc/v1/token                     RFC 6749 3.2 / 4.1.3 / 4.4 / 6,
 *                                               RFC 8693 2.1
 *   GET/POST /oidc/v1/userinfo                  OIDC Core 5.3 (RFC 6750 bearer)
 *   POST     /oidc/v1/revoke                    RFC 7009
 *   POST     /oidc/v1/introspect                RFC 7662
 *
 * All but userinfo are public routes: they authenticate the client
 * themselves (RFC 6749 2.3.1); userinfo goes through the host's
 * authorization hook (authz_jwt) and checks its token again itself. Token
 * responses carry Cache-Control: no-store and Pragma: no-cache (RFC 6749
 * 5.1). Nothing here logs a request's parameters: they hold passwords,
 * codes, tokens and secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "im_uu.h"

#define FORM_TYPE "application/x-www-form-urlencoded"
/* Beside the JWKS; advertised in discovery as REVOCATIONS_META. */
#define PATH_REVOCATIONS "/oidc/v1/revocations"
#define REVOCATIONS_META "seal_revocation_list_uri"
#define TT_EXCHANGE SEAL_IM_GRANT_EXCHANGE

/* ---- helpers ---- */

static int media_type_is(const char *ct, const char *want)
{
    if (!ct)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == strlen(want) && strncasecmp(ct, want, n) == 0;
}

static void no_store(seal_request_t *req)
{
    seal_response_header(req, "Cache-Control", "no-store");
    seal_response_header(req, "Pragma", "no-cache");
}

static seal_status_t send_json(seal_request_t *req, unsigned status, struct json_object *o)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN
                                                      | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!s)
        return seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    return seal_response_send(req, status, "application/json", s, len);
}

/* RFC 6749 5.2: {"error", "error_description"}. */
static seal_status_t oauth_error(uu_ctx_t *u, seal_request_t *req, const seal_im_error_t *err)
{
    unsigned status = err->http_status ? err->http_status : 400;
    no_store(req);
    if (status == 401)
        seal_response_header(req, "WWW-Authenticate", u->basic_challenge);
    if (status == 429 && err->retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", err->retry_after);
        seal_response_header(req, "Retry-After", ra);
    }
    struct json_object *o = json_object_new_object();
    if (o) {
        json_object_object_add(o, "error", json_object_new_string(err->error ? err->error
                                                                             : "server_error"));
        if (err->description[0])
            json_object_object_add(o, "error_description",
                                   json_object_new_string(err->description));
    }
    seal_status_t st = o ? send_json(req, status, o)
                         : seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    json_object_put(o);
    return st;
}

static seal_status_t bad_request(uu_ctx_t *u, seal_request_t *req, const char *code,
                                 const char *fmt, const char *arg)
{
    seal_im_error_t err = { .error = code, .http_status = 400 };
    snprintf(err.description, sizeof err.description, fmt, arg ? arg : "");
    return oauth_error(u, req, &err);
}

/* A form body: Content-Type checked, parsed; on failure answered. */
static int read_form(uu_ctx_t *u, seal_request_t *req, uu_form_t *f)
{
    const char *bad = NULL;
    memset(f, 0, sizeof *f);
    if (!media_type_is(seal_request_header(req, "Content-Type"), FORM_TYPE)) {
        bad_request(u, req, "invalid_request", "the body must be %s", FORM_TYPE);
        return -1;
    }
    size_t len = 0;
    const char *body = seal_request_body(req, &len);
    int rc = uu_form_parse(body, len, f, &bad);
    if (rc == UU_FORM_OK)
        return 0;
    if (rc == UU_FORM_DUP)
        bad_request(u, req, "invalid_request", "parameter %s is given more than once", bad);
    else if (rc == UU_FORM_NOMEM)
        seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    else
        bad_request(u, req, "invalid_request", "the form body is malformed or too large%s", "");
    uu_form_free(f);
    return -1;
}

/* Client authentication (RFC 6749 2.3.1): Basic, or client_id and
 * client_secret in the body, or client_id alone. Using two methods is
 * refused. -1 when answered (malformed). */
static int client_auth(uu_ctx_t *u, seal_request_t *req, const uu_form_t *f,
                       seal_im_client_auth_t *a, char **id, char **secret)
{
    const char *body_secret = uu_form_get(f, "client_secret");
    int rc = uu_basic_parse(seal_request_header(req, "Authorization"), id, secret);
    memset(a, 0, sizeof *a);
    if (rc < 0) {
        seal_im_error_t err = { .error = "invalid_client", .http_status = 401,
                                .basic_challenge = 1 };
        snprintf(err.description, sizeof err.description, "malformed Basic credentials");
        oauth_error(u, req, &err);
        return -1;
    }
    if (rc == 0) {
        if (body_secret) {
            free(*id);
            free(*secret);
            *id = *secret = NULL;
            bad_request(u, req, "invalid_request", "use one client authentication method, "
                        "not two%s", "");
            return -1;
        }
        a->method = SEAL_IM_AUTH_BASIC;
        a->client_id = *id;
        a->client_secret = *secret;
    } else if (body_secret) {
        a->method = SEAL_IM_AUTH_POST;
        a->client_id = uu_form_get(f, "client_id");
        a->client_secret = body_secret;
    } else {
        a->method = SEAL_IM_AUTH_NONE;
        a->client_id = uu_form_get(f, "client_id");
    }
    return 0;
}

static void free_secret(char *id, char *secret)
{
    free(id);
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
}

/* ---- discovery and JWKS ---- */

static int add_strs(struct json_object *o, const char *key, const char *const *v)
{
    struct json_object *a = json_object_new_array();
    if (!a)
        return -1;
    for (size_t i = 0; v[i]; i++)
        json_object_array_add(a, json_object_new_string(v[i]));
    return json_object_object_add(o, key, a);
}

seal_status_t uu_discovery_make(uu_ctx_t *u)
{
    const char *iss = u->im->issuer(u->im_user);
    static const char *const rt[] = { "code", NULL };
    static const char *const rm[] = { "query", NULL };
    static const char *const gt[] = { SEAL_IM_GRANT_CODE, SEAL_IM_GRANT_REFRESH,
                                      SEAL_IM_GRANT_CLIENT, SEAL_IM_GRANT_EXCHANGE, NULL };
    static const char *const ccm[] = { "S256", NULL };
    static const char *const auth[] = { "client_secret_basic", "client_secret_post", "none",
                                        NULL };
    static const char *const iauth[] = { "client_secret_basic", "client_secret_post", NULL };
    static const char *const alg[] = { "ES256", NULL };
    static const char *const subj[] = { "public", NULL };
    static const char *const claims[] = { "iss", "sub", "aud", "exp", "iat", "auth_time",
                                          "nonce", "val_user_ids", NULL };
    static const struct { const char *key, *path; } ep[] = {
        { "authorization_endpoint", UU_PATH_AUTHORIZE },
        { "token_endpoint", UU_PATH_TOKEN },
        { "userinfo_endpoint", UU_PATH_USERINFO },
        { "jwks_uri", UU_PATH_JWKS },
        { "revocation_endpoint", UU_PATH_REVOKE },
        { "introspection_endpoint", UU_PATH_INTROSPECT },
        /* Not registered with IANA (RFC 8414 7.1): seald's own, for its
         * resource servers (authz_jwt revocation_uri). */
        { REVOCATIONS_META, PATH_REVOCATIONS },
    };
    struct json_object *o = json_object_new_object();
    int bad = !o || json_object_object_add(o, "issuer", json_object_new_string(iss));
    for (size_t i = 0; !bad && i < sizeof ep / sizeof ep[0]; i++) {
        char url[1024];
        snprintf(url, sizeof url, "%s%s", iss, ep[i].path);
        bad = json_object_object_add(o, ep[i].key, json_object_new_string(url));
    }
    bad = bad || add_strs(o, "response_types_supported", rt)
          || add_strs(o, "response_modes_supported", rm)
          || add_strs(o, "grant_types_supported", gt)
          || add_strs(o, "code_challenge_methods_supported", ccm)
          || add_strs(o, "scopes_supported", u->im->scopes(u->im_user))
          || add_strs(o, "token_endpoint_auth_methods_supported", auth)
          || add_strs(o, "revocation_endpoint_auth_methods_supported", auth)
          || add_strs(o, "introspection_endpoint_auth_methods_supported", iauth)
          || add_strs(o, "id_token_signing_alg_values_supported", alg)
          || add_strs(o, "subject_types_supported", subj)
          || add_strs(o, "claims_supported", claims)
          || json_object_object_add(o, "claims_parameter_supported",
                                    json_object_new_boolean(0))
          || json_object_object_add(o, "request_parameter_supported", json_object_new_boolean(0))
          || json_object_object_add(o, "request_uri_parameter_supported",
                                    json_object_new_boolean(0))
          || json_object_object_add(o, "authorization_response_iss_parameter_supported",
                                    json_object_new_boolean(1));
    size_t len = 0;
    const char *s = bad ? NULL : json_object_to_json_string_length(
                                     o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                     &len);
    if (s && (u->discovery = strdup(s)))
        u->discovery_len = len;
    json_object_put(o);
    return u->discovery ? SEAL_OK : SEAL_E_NOMEM;
}

static seal_status_t h_discovery(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    seal_response_header(req, "Cache-Control", "public, max-age=3600");
    seal_response_header(req, "Access-Control-Allow-Origin", "*");
    return seal_response_send(req, 200, "application/json", u->discovery, u->discovery_len);
}

static seal_status_t h_jwks(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    char *json = NULL;
    size_t len = 0;
    seal_status_t st = u->im->jwks(u->im_user, &json, &len);
    if (st != SEAL_OK)
        return seal_response_problem(req, 503, NULL, "the keys are not available", NULL, 0);
    /* Short: relying parties see a rotation soon (and fetch again on an
     * unknown kid anyway). */
    seal_response_header(req, "Cache-Control", "public, max-age=60");
    seal_response_header(req, "Access-Control-Allow-Origin", "*");
    st = seal_response_send(req, 200, "application/json", json, len);
    seal_free(json);
    return st;
}

/* Public like the JWKS: it names no user or client (hashes and random
 * jtis), and every resource server needs it. Never cached: a revocation
 * must reach the poller at its next request. */
static seal_status_t h_revocations(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    char *json = NULL;
    size_t len = 0;
    seal_status_t st = u->im->revocations ? u->im->revocations(u->im_user, &json, &len)
                                          : SEAL_E_UNSUPPORTED;
    seal_response_header(req, "Cache-Control", "no-store");
    if (st != SEAL_OK)
        return seal_response_problem(req, 503, NULL, "the revocation list is not available",
                                     NULL, 0);
    st = seal_response_send(req, 200, "application/json", json, len);
    seal_free(json);
    return st;
}

/* ---- authorization endpoint ---- */

/* The redirect back to the client (RFC 6749 4.1.2 / 4.1.2.1), with the
 * issuer (RFC 9207) so a client talking to several servers can tell. */
static seal_status_t redirect(uu_ctx_t *u, seal_request_t *req, const char *redirect_uri,
                              const char *const *kv)
{
    char *q = NULL;
    size_t qlen = 0;
    int bad = 0;
    for (size_t i = 0; kv[i] && !bad; i += 2)
        if (kv[i + 1])
            bad = uu_query_append(&q, &qlen, kv[i], kv[i + 1]);
    bad = bad || uu_query_append(&q, &qlen, "iss", u->im->issuer(u->im_user));
    size_t rl = strlen(redirect_uri);
    char *loc = bad ? NULL : malloc(rl + qlen + 2);
    if (!loc) {
        free(q);
        return seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    }
    const char *sep = !strchr(redirect_uri, '?') ? "?"
                      : (rl && (redirect_uri[rl - 1] == '?' || redirect_uri[rl - 1] == '&')) ? ""
                      : "&";
    snprintf(loc, rl + qlen + 2, "%s%s%s", redirect_uri, sep, q);
    uu_html_headers(req);
    seal_response_header(req, "Location", loc);
    memset(q, 0, qlen);
    memset(loc, 0, strlen(loc));
    free(q);
    free(loc);
    return seal_response_send(req, 302, NULL, NULL, 0);
}

static seal_status_t authorize_error(uu_ctx_t *u, seal_request_t *req, const uu_form_t *f,
                                     const seal_im_error_t *err)
{
    if (!err->redirect)
        return uu_html_error(req, err->http_status >= 500 ? err->http_status : 400,
                             err->error ? err->error : "invalid_request", err->description);
    const char *kv[] = { "error", err->error, "error_description", err->description,
                         "state", uu_form_get(f, "state"), NULL };
    return redirect(u, req, uu_form_get(f, "redirect_uri"), kv);
}

static seal_status_t h_authorize(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    uu_form_t f;
    const char *bad = NULL;
    int rc = UU_FORM_OK;
    int post = strcmp(seal_request_method(req), "POST") == 0;
    memset(&f, 0, sizeof f);
    if (post) {
        if (!media_type_is(seal_request_header(req, "Content-Type"), FORM_TYPE))
            return uu_html_error(req, 400, "invalid_request", "the body must be " FORM_TYPE);
        size_t len = 0;
        const char *body = seal_request_body(req, &len);
        rc = uu_form_parse(body, len, &f, &bad);
    } else {
        const char *v = NULL, *name;
        for (size_t i = 0; rc == UU_FORM_OK && (name = seal_request_query_at(req, i, &v)); i++)
            rc = uu_form_add(&f, name, v, &bad);
    }
    seal_status_t st;
    if (rc != UU_FORM_OK) {
        char msg[160];
        if (rc == UU_FORM_DUP)
            snprintf(msg, sizeof msg, "parameter %.64s is given more than once", bad);
        else
            snprintf(msg, sizeof msg, "the request is malformed or too large");
        st = uu_html_error(req, 400, "invalid_request", msg);
        uu_form_free(&f);
        return st;
    }
    /* The OAuth parameters, without the credentials. */
    seal_im_param_t params[UU_FORM_MAX_PARAMS];
    size_t n = 0;
    const char *username = NULL, *password = NULL;
    for (size_t i = 0; i < f.n; i++) {
        if (!strcmp(f.p[i].name, "username"))
            username = f.p[i].value;
        else if (!strcmp(f.p[i].name, "password"))
            password = f.p[i].value;
        else
            params[n++] = f.p[i];
    }
    seal_im_error_t err = {0};
    if (post && (username || password)) {
        char *code = NULL;
        st = u->im->authorize_login(u->im_user, params, n, username, password,
                                    seal_request_peer(req), &code, &err);
        if (st == SEAL_OK) {
            const char *kv[] = { "code", code, "state", uu_form_get(&f, "state"), NULL };
            st = redirect(u, req, uu_form_get(&f, "redirect_uri"), kv);
            memset(code, 0, strlen(code));
            seal_free(code);
        } else if (st == SEAL_E_UNAUTH || st == SEAL_E_AGAIN) {
            if (st == SEAL_E_AGAIN && err.retry_after) {
                char ra[16];
                snprintf(ra, sizeof ra, "%u", err.retry_after);
                seal_response_header(req, "Retry-After", ra);
            }
            st = uu_html_login(req, st == SEAL_E_AGAIN ? 429 : 200, &f, err.description);
        } else {
            st = authorize_error(u, req, &f, &err);
        }
    } else {
        st = u->im->authorize_check(u->im_user, params, n, &err);
        st = st == SEAL_OK ? uu_html_login(req, 200, &f, NULL) : authorize_error(u, req, &f, &err);
    }
    uu_form_free(&f);
    return st;
}

/* ---- token endpoint ---- */

typedef struct token_call {
    uu_ctx_t *u;
    seal_request_t *req;
} token_call_t;

/* May run on the host's HTTP client thread (token exchange at the partner
 * side, after the request was suspended). */
static void token_done(void *ctx, seal_status_t status, const char *json, size_t len,
                       const seal_im_error_t *err)
{
    token_call_t *t = ctx;
    if (status == SEAL_OK) {
        no_store(t->req);
        seal_response_send(t->req, 200, "application/json", json, len);
    } else if (err) {
        oauth_error(t->u, t->req, err);
    } else {
        seal_response_problem(t->req, 500, NULL, seal_strerror(status), NULL, 0);
    }
    free(t);
}

static seal_status_t h_token(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    uu_form_t f;
    if (read_form(u, req, &f) != 0)
        return SEAL_OK;
    seal_im_client_auth_t a;
    char *id = NULL, *secret = NULL;
    if (client_auth(u, req, &f, &a, &id, &secret) != 0) {
        uu_form_free(&f);
        return SEAL_OK;
    }
    token_call_t *t = malloc(sizeof *t);
    seal_status_t st = SEAL_OK;
    if (!t) {
        st = seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    } else {
        t->u = u;
        t->req = req;
        const char *gt = uu_form_get(&f, "grant_type");
        /* Only token exchange may answer later (a partner's JWKS fetch). */
        if (gt && strcmp(gt, TT_EXCHANGE) == 0)
            st = seal_request_suspend(req);
        if (st == SEAL_OK)
            u->im->token(u->im_user, f.p, f.n, &a, token_done, t);
        else
            free(t);
    }
    free_secret(id, secret);
    uu_form_free(&f);
    return st;
}

/* ---- userinfo (RFC 6750 errors) ---- */

static seal_status_t bearer_error(uu_ctx_t *u, seal_request_t *req, const seal_im_error_t *err)
{
    char h[512];
    unsigned status = err ? err->http_status : 401;
    if (!err)   /* no credentials: a bare challenge (RFC 6750 3.1) */
        snprintf(h, sizeof h, "%s", u->bearer_realm);
    else
        snprintf(h, sizeof h, "%s, error=\"%s\", error_description=\"%s\"%s", u->bearer_realm,
                 err->error, err->description,
                 strcmp(err->error, "insufficient_scope") == 0 ? ", scope=\"openid\"" : "");
    no_store(req);
    seal_response_header(req, "WWW-Authenticate", h);
    struct json_object *o = json_object_new_object();
    if (o && err) {
        json_object_object_add(o, "error", json_object_new_string(err->error));
        json_object_object_add(o, "error_description", json_object_new_string(err->description));
    }
    seal_status_t st = o ? send_json(req, status, o)
                         : seal_response_send(req, status, NULL, NULL, 0);
    json_object_put(o);
    return st;
}

static seal_status_t h_userinfo(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    size_t hlen = 0;
    const char *auth = seal_request_header(req, "Authorization");
    const char *h = uu_bearer_token(auth, &hlen);
    uu_form_t f;
    memset(&f, 0, sizeof f);
    const char *body_tok = NULL;
    if (strcmp(seal_request_method(req), "POST") == 0
        && media_type_is(seal_request_header(req, "Content-Type"), FORM_TYPE)) {
        if (read_form(u, req, &f) != 0)
            return SEAL_OK;
        body_tok = uu_form_get(&f, "access_token");
    }
    seal_status_t st;
    seal_im_error_t err = { .http_status = 400 };
    if (h && body_tok) {
        err.error = "invalid_request";
        snprintf(err.description, sizeof err.description, "one access token, not two");
        st = bearer_error(u, req, &err);
    } else if (!h && !body_tok) {
        st = bearer_error(u, req, NULL);
    } else {
        char *tok = h ? strndup(h, hlen) : strdup(body_tok), *json = NULL;
        size_t len = 0;
        if (!tok) {
            st = seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
        } else if (u->im->userinfo(u->im_user, tok, &json, &len, &err) == SEAL_OK) {
            no_store(req);
            st = seal_response_send(req, 200, "application/json", json, len);
        } else {
            st = bearer_error(u, req, &err);
        }
        seal_free(json);
        free(tok);
    }
    uu_form_free(&f);
    return st;
}

/* ---- revocation and introspection ---- */

static seal_status_t h_revoke(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    uu_form_t f;
    if (read_form(u, req, &f) != 0)
        return SEAL_OK;
    seal_im_client_auth_t a;
    char *id = NULL, *secret = NULL;
    seal_status_t st = SEAL_OK;
    if (client_auth(u, req, &f, &a, &id, &secret) == 0) {
        seal_im_error_t err = {0};
        if (u->im->revoke(u->im_user, f.p, f.n, &a, &err) == SEAL_OK) {
            no_store(req);
            st = seal_response_send(req, 200, NULL, NULL, 0);
        } else {
            st = oauth_error(u, req, &err);
        }
    }
    free_secret(id, secret);
    uu_form_free(&f);
    return st;
}

static seal_status_t h_introspect(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    uu_form_t f;
    if (read_form(u, req, &f) != 0)
        return SEAL_OK;
    seal_im_client_auth_t a;
    char *id = NULL, *secret = NULL, *json = NULL;
    size_t len = 0;
    seal_status_t st = SEAL_OK;
    if (client_auth(u, req, &f, &a, &id, &secret) == 0) {
        seal_im_error_t err = {0};
        if (u->im->introspect(u->im_user, f.p, f.n, &a, &json, &len, &err) == SEAL_OK) {
            no_store(req);
            st = seal_response_send(req, 200, "application/json", json, len);
        } else {
            st = oauth_error(u, req, &err);
        }
    }
    seal_free(json);
    free_secret(id, secret);
    uu_form_free(&f);
    return st;
}

/* ---- routes ---- */

seal_status_t uu_oauth_routes(uu_ctx_t *u)
{
    static const struct {
        const char *method, *path;
        seal_handler_fn fn;
        uint32_t flags;
    } r[] = {
        { "GET", UU_PATH_DISCOVERY, h_discovery, SEAL_ROUTE_F_PUBLIC },
        { "GET", UU_PATH_JWKS, h_jwks, SEAL_ROUTE_F_PUBLIC },
        { "GET", PATH_REVOCATIONS, h_revocations, SEAL_ROUTE_F_PUBLIC },
        { "GET", UU_PATH_AUTHORIZE, h_authorize, SEAL_ROUTE_F_PUBLIC },
        { "POST", UU_PATH_AUTHORIZE, h_authorize, SEAL_ROUTE_F_PUBLIC },
        { "POST", UU_PATH_TOKEN, h_token, SEAL_ROUTE_F_PUBLIC },
        { "GET", UU_PATH_USERINFO, h_userinfo, 0 },
        { "POST", UU_PATH_USERINFO, h_userinfo, 0 },
        { "POST", UU_PATH_REVOKE, h_revoke, SEAL_ROUTE_F_PUBLIC },
        { "POST", UU_PATH_INTROSPECT, h_introspect, SEAL_ROUTE_F_PUBLIC },
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        seal_route_def_t def = {
            .struct_size = sizeof def, .method = r[i].method, .path = r[i].path,
            .service = "im", .flags = r[i].flags, .handler = r[i].fn, .user = u,
        };
        seal_status_t st = seal_route_register(u->self, &def);
        if (st != SEAL_OK) {
            seal_log(u->self, SEAL_LOG_ERR, "cannot register %s %s: %s", r[i].method,
                     r[i].path, seal_strerror(st));
            return st;
        }
    }
    return SEAL_OK;
}
