/* SPDX-License-Identifier: Apache-2.0 */
/* Token exchange (RFC 8693) for interconnection with a partner VAL system
 * (TS 33.434 5.2.5 / 5.2.6, after TS 33.180 B.7 - B.9), both roles:
 *
 * Primary: the client presents its access token (or ID token) from this
 * server as subject_token with resource = a configured partner's issuer,
 * and gets a security token (B.8): a JWT signed by this server, typ "JWT",
 * claims iss, sub, aud = [client_id, resource], exp (security_token_ttl),
 * iat, nbf, jti, client_id, val_user_ids.
 *
 * Partner: the client presents that security token (subject_token_type
 * urn:ietf:params:oauth:token-type:jwt); this server checks it against the
 * issuing partner's JWKS (fetched from its jwks_uri, cached, fetched again
 * for an unknown kid at most every partner_jwks_min_refetch_s), its aud
 * (this issuer and the requesting client), its times and that its jti was not used before, and
 * issues one of its own access tokens for the subject (B.9).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "im_int.h"

#define TT_ACCESS "urn:ietf:params:oauth:token-type:access_token"
#define TT_ID     "urn:ietf:params:oauth:token-type:id_token"
#define TT_JWT    "urn:ietf:params:oauth:token-type:jwt"

/* An exchange waiting for a partner's JWKS. */
typedef struct im_xpend {
    struct im_xpend *next;
    im_ctx_t *c;
    im_partner_t *pa;
    char *token;
    char *client_id;
    char *scope;          /* requested, or NULL */
    char *client_scopes;  /* the client's allowed scopes (JSON array text) */
    seal_im_token_done_fn done;
    void *ctx;
} im_xpend_t;

static void fail(seal_im_token_done_fn done, void *ctx, const char *code, const char *what)
{
    seal_im_error_t err = {0};
    im_err(&err, code, 400, "%s", what);
    im_token_fail(done, ctx, &err);
}

static im_partner_t *partner_by_issuer(im_ctx_t *c, const char *iss)
{
    for (size_t i = 0; iss && i < c->npartners; i++)
        if (strcmp(c->partners[i].issuer, iss) == 0)
            return &c->partners[i];
    return NULL;
}

/* ---- primary: a security token for a partner ---- */

static void primary(im_ctx_t *c, struct json_object *client, const seal_im_param_t *p, size_t n,
                    seal_im_token_done_fn done, void *ctx)
{
    const char *tok = im_param(p, n, "subject_token"), *tt = im_param(p, n, "subject_token_type");
    const char *resource = im_param(p, n, "resource"), *rtt = im_param(p, n, "requested_token_type");
    const char *cid = im_jstr(client, "client_id");
    if (!resource)
        resource = im_param(p, n, "audience");
    if (!resource || !partner_by_issuer(c, resource)) {
        fail(done, ctx, "invalid_target", "resource must name a configured partner IdM server");
        return;
    }
    if (rtt && strcmp(rtt, TT_JWT) != 0) {
        fail(done, ctx, "invalid_request", "requested_token_type must be " TT_JWT);
        return;
    }
    struct json_object *claims = NULL;
    seal_im_error_t err = {0};
    int ok = 0;
    if (strcmp(tt, TT_ACCESS) == 0) {
        const char *tcid;
        ok = im_access_token_check(c, tok, &claims, &err) == 0
             && (tcid = im_jstr(claims, "client_id")) && strcmp(tcid, cid) == 0;
    } else if (strcmp(tt, TT_ID) == 0) {
        char *typ = NULL;
        ok = im_own_jwt_check(c, tok, &claims, &typ) == 0 && typ && strcmp(typ, "JWT") == 0
             && im_aud_has(claims, cid);
        free(typ);
    } else {
        fail(done, ctx, "invalid_request", "subject_token_type must be " TT_ACCESS " or " TT_ID);
        return;
    }
    if (!ok) {
        json_object_put(claims);
        fail(done, ctx, "invalid_grant", "subject_token is not a valid token of this server "
             "for this client");
        return;
    }
    int64_t now = im_now();
    char jti[IM_TOKEN_CHARS + 1];
    struct json_object *st = json_object_new_object(), *aud = json_object_new_array(), *ids;
    char *jws = NULL;
    if (st && aud && im_random_token(c, jti) == SEAL_OK
        && !json_object_array_add(aud, json_object_new_string(cid))
        && !json_object_array_add(aud, json_object_new_string(resource))
        && !im_jadd_str(st, "iss", c->issuer) && !im_jadd_str(st, "sub", im_jstr(claims, "sub"))
        && !json_object_object_add(st, "aud", json_object_get(aud))
        && !im_jadd_int(st, "exp", now + c->st_ttl) && !im_jadd_int(st, "iat", now)
        && !im_jadd_int(st, "nbf", now) && !im_jadd_str(st, "jti", jti)
        && !im_jadd_str(st, "client_id", cid)
        && !(json_object_object_get_ex(claims, "val_user_ids", &ids)
             && json_object_object_add(st, "val_user_ids", json_object_get(ids))))
        jws = im_jws_sign(c, "JWT", st);
    json_object_put(aud);
    json_object_put(st);
    struct json_object *r = jws ? json_object_new_object() : NULL;
    char *text = NULL;
    size_t len = 0;
    if (r && !im_jadd_str(r, "access_token", jws) && !im_jadd_str(r, "issued_token_type", TT_JWT)
        && !im_jadd_str(r, "token_type", "N_A") && !im_jadd_int(r, "expires_in", c->st_ttl))
        text = im_json_text(r, &len);
    json_object_put(r);
    if (text) {
        seal_log(c->self, SEAL_LOG_INFO, "security token for %s issued to client %s", resource,
                 cid);
        done(ctx, SEAL_OK, text, len, NULL);
        memset(text, 0, len);
        free(text);
    } else {
        seal_im_error_t e = {0};
        im_err(&e, "server_error", 500, "the security token could not be made");
        im_token_fail(done, ctx, &e);
    }
    free(jws);
    json_object_put(claims);
}

/* ---- partner: an access token for a partner's security token ---- */

typedef struct jwks_lookup {
    struct json_object *jwks;
} jwks_lookup_t;

static char *partner_key(const char *kid, void *ctx)
{
    jwks_lookup_t *l = ctx;
    struct json_object *keys;
    if (!json_object_object_get_ex(l->jwks, "keys", &keys) || !json_object_is_type(keys, json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(keys); i++) {
        struct json_object *k = json_object_array_get_idx(keys, i);
        const char *id = im_jstr(k, "kid"), *use = im_jstr(k, "use");
        if (id && strcmp(id, kid) == 0 && (!use || strcmp(use, "sig") == 0))
            return im_json_text(k, NULL);
    }
    return NULL;
}

/* 1 if the JWKS text has a key kid. */
static int jwks_has(const char *jwks, const char *kid)
{
    jwks_lookup_t l = { im_json_parse(jwks, strlen(jwks)) };
    char *k = kid ? partner_key(kid, &l) : NULL;
    int has = k != NULL;
    free(k);
    json_object_put(l.jwks);
    return has;
}

/* The header's kid without verifying (to decide whether to fetch keys). */
static char *peek_kid(const char *token)
{
    const char *dot = strchr(token, '.');
    uint8_t buf[1024];
    size_t len = 0;
    if (!dot || (size_t)(dot - token) > 1360
        || b64url_decode(token, (size_t)(dot - token), buf, sizeof buf - 1, &len) != 0)
        return NULL;
    struct json_object *h = im_json_parse((const char *)buf, len);
    const char *kid = im_jstr(h, "kid");
    char *out = kid ? strdup(kid) : NULL;
    json_object_put(h);
    return out;
}

/* Verifies and answers one exchange at the partner side with jwks (text). */
static void partner_finish(im_xpend_t *x, const char *jwks)
{
    im_ctx_t *c = x->c;
    jwks_lookup_t l = { jwks ? im_json_parse(jwks, strlen(jwks)) : NULL };
    char *text = NULL, *at = NULL;
    struct json_object *claims = NULL, *scopes = NULL, *r = NULL;
    const char *why = NULL, *code = "invalid_grant";
    char buf[1024];
    if (!l.jwks) {
        why = "the partner's keys could not be fetched";
    } else if (im_jwt_verify(c->self, x->token, partner_key, &l, &text, NULL) != IM_JWT_OK
               || !(claims = im_json_parse(text, strlen(text)))) {
        why = "the security token does not verify with its issuer's keys";
    } else {
        int64_t now = im_now();
        const char *iss = im_jstr(claims, "iss"), *jti = im_jstr(claims, "jti");
        int64_t exp = im_jint(claims, "exp", INT64_MIN);
        if (!iss || strcmp(iss, x->pa->issuer) != 0)
            why = "the security token's issuer is not this partner";
        else if (!im_aud_has(claims, c->issuer) || !im_aud_has(claims, x->client_id))
            why = "the security token is not meant for this server and client";
        else if (exp == INT64_MIN || exp + IM_LEEWAY <= now
                 || im_jint(claims, "nbf", 0) > now + IM_LEEWAY
                 || im_jint(claims, "iat", 0) > now + IM_LEEWAY)
            why = "the security token is expired or not yet valid";
        else if (!im_jstr(claims, "sub") || !jti || strlen(jti) > 256)
            why = "the security token lacks sub or jti";
    }
    if (!why) {
        /* One use per security token: remember its jti until it expires. */
        char key[600];
        snprintf(key, sizeof key, "%s|%s", im_jstr(claims, "iss"), im_jstr(claims, "jti"));
        struct json_object *rec = json_object_new_object();
        seal_status_t st = rec && !im_jadd_int(rec, "exp", im_jint(claims, "exp", 0) + IM_LEEWAY)
                           ? im_store_put(c, NULL, IM_NS_XJTI, key, rec, SEAL_REV_ABSENT, NULL, 0)
                           : SEAL_E_NOMEM;
        json_object_put(rec);
        if (st == SEAL_E_EXISTS)
            why = "the security token was already used";
        else if (st != SEAL_OK)
            why = "the security token could not be recorded";
    }
    const char *scope = x->scope;
    if (!why) {
        scopes = im_json_parse(x->client_scopes, strlen(x->client_scopes));
        if (scope) {
            if (!*scope || !im_scope_subset_arr(scope, scopes) || im_scope_has(scope, "openid")) {
                code = "invalid_scope";
                why = "a requested scope is unknown or not allowed for this client";
            }
        } else {
            size_t o = 0;
            buf[0] = '\0';
            for (size_t i = 0; i < json_object_array_length(scopes); i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(scopes, i));
                if (s && strcmp(s, "openid") != 0 && o + strlen(s) + 2 < sizeof buf)
                    o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", o ? " " : "", s);
            }
            scope = buf;
            if (!o) {
                code = "invalid_scope";
                why = "the client has no scope to grant";
            }
        }
    }
    if (!why) {
        struct json_object *ids = NULL;
        json_object_object_get_ex(claims, "val_user_ids", &ids);
        im_grant_t g = { .sub = im_jstr(claims, "sub"), .client_id = x->client_id,
                         .scope = scope, .val_user_ids = ids };
        char jti[IM_TOKEN_CHARS + 1];
        at = im_access_token(c, &g, jti, NULL);
        r = at ? json_object_new_object() : NULL;
        size_t len = 0;
        char *out = NULL;
        if (r && !im_jadd_str(r, "access_token", at)
            && !im_jadd_str(r, "issued_token_type", TT_ACCESS)
            && !im_jadd_str(r, "token_type", "Bearer") && !im_jadd_int(r, "expires_in", c->at_ttl)
            && !im_jadd_str(r, "scope", scope))
            out = im_json_text(r, &len);
        if (out) {
            seal_log(c->self, SEAL_LOG_INFO, "security token of %s exchanged by client %s",
                     x->pa->issuer, x->client_id);
            x->done(x->ctx, SEAL_OK, out, len, NULL);
            memset(out, 0, len);
            free(out);
        } else {
            seal_im_error_t e = {0};
            im_err(&e, "server_error", 500, "the access token could not be made");
            im_token_fail(x->done, x->ctx, &e);
        }
    } else {
        fail(x->done, x->ctx, code, why);
    }
    json_object_put(r);
    free(at);
    json_object_put(scopes);
    json_object_put(claims);
    free(text);
    json_object_put(l.jwks);
}

static void xpend_free(im_xpend_t *x)
{
    if (!x)
        return;
    if (x->token) {
        memset(x->token, 0, strlen(x->token));
        free(x->token);
    }
    free(x->client_id);
    free(x->scope);
    free(x->client_scopes);
    free(x);
}

/* The host's HTTP client thread: the partner's JWKS arrived (or not). */
static void jwks_fetched(seal_status_t status, long http_status, const char *body, size_t len,
                         void *user)
{
    im_partner_t *pa = user;
    struct json_object *j = status == SEAL_OK && http_status == 200 ? im_json_parse(body, len)
                                                                    : NULL, *keys;
    int ok = j && json_object_object_get_ex(j, "keys", &keys)
             && json_object_is_type(keys, json_type_array);
    json_object_put(j);
    pthread_mutex_lock(&pa->mu);
    im_xpend_t *list = pa->waiting;
    pa->waiting = NULL;
    pa->fetching = 0;
    char *fresh = ok ? strndup(body, len) : NULL;
    if (fresh) {
        free(pa->jwks);
        pa->jwks = fresh;
    }
    /* A failed fetch leaves the keys known before in place. */
    char *copy = pa->jwks ? strdup(pa->jwks) : NULL;
    pthread_mutex_unlock(&pa->mu);
    im_ctx_t *c = list ? list->c : NULL;
    if (!ok && c)
        seal_log(c->self, SEAL_LOG_WARN, "JWKS of partner %s: fetch failed (%s, HTTP %ld)",
                 pa->issuer, seal_strerror(status), http_status);
    while (list) {
        im_xpend_t *next = list->next;
        partner_finish(list, copy);
        xpend_free(list);
        list = next;
    }
    free(copy);
}

static void partner(im_ctx_t *c, im_partner_t *pa, struct json_object *client,
                    const seal_im_param_t *p, size_t n, seal_im_token_done_fn done, void *ctx)
{
    const char *tok = im_param(p, n, "subject_token"), *tt = im_param(p, n, "subject_token_type");
    const char *resource = im_param(p, n, "resource"), *rtt = im_param(p, n, "requested_token_type");
    const char *scope = im_param(p, n, "scope");
    if (strcmp(tt, TT_JWT) != 0) {
        fail(done, ctx, "invalid_request", "a partner's security token has subject_token_type "
             TT_JWT);
        return;
    }
    if (resource && strcmp(resource, c->issuer) != 0) {
        fail(done, ctx, "invalid_target", "resource is not this server");
        return;
    }
    if (rtt && strcmp(rtt, TT_ACCESS) != 0) {
        fail(done, ctx, "invalid_request", "requested_token_type must be " TT_ACCESS);
        return;
    }
    im_xpend_t *x = calloc(1, sizeof *x);
    if (!x || !(x->token = strdup(tok)) || !(x->client_id = strdup(im_jstr(client, "client_id")))
        || (scope && !(x->scope = strdup(scope)))
        || !(x->client_scopes = im_json_text(json_object_object_get(client, "scopes"), NULL))) {
        xpend_free(x);
        seal_im_error_t e = {0};
        im_err(&e, "server_error", 500, "out of memory");
        im_token_fail(done, ctx, &e);
        return;
    }
    x->c = c;
    x->pa = pa;
    x->done = done;
    x->ctx = ctx;
    char *kid = peek_kid(tok);
    int64_t now = im_now();
    pthread_mutex_lock(&pa->mu);
    char *jwks = NULL;
    int fetch = 0;
    if ((pa->jwks && jwks_has(pa->jwks, kid))
        || (!pa->fetching && now - pa->fetched < c->partner_refetch_s)) {
        /* A known kid, or an unknown one asked for too recently: answer
         * with the keys at hand. */
        jwks = pa->jwks ? strdup(pa->jwks) : NULL;
    } else {
        x->next = pa->waiting;
        pa->waiting = x;
        x = NULL;
        if (!pa->fetching) {
            pa->fetching = 1;
            pa->fetched = now;
            fetch = 1;
        }
    }
    pthread_mutex_unlock(&pa->mu);
    free(kid);
    if (x) {
        partner_finish(x, jwks);
        xpend_free(x);
        free(jwks);
        return;
    }
    if (fetch) {
        seal_http_call_t call = { .struct_size = sizeof call, .method = "GET",
                                  .url = pa->jwks_uri, .timeout_ms = 5000,
                                  .ca_file = pa->ca_file };
        seal_status_t st = seal_http_call(c->self, &call, jwks_fetched, pa);
        if (st != SEAL_OK) {
            seal_log(c->self, SEAL_LOG_WARN, "JWKS of partner %s: cannot fetch: %s",
                     pa->issuer, seal_strerror(st));
            jwks_fetched(st, 0, NULL, 0, pa);
        }
    }
}

void im_grant_exchange(im_ctx_t *c, struct json_object *client, const seal_im_param_t *p,
                       size_t n, seal_im_token_done_fn done, void *ctx)
{
    const char *tok = im_param(p, n, "subject_token"), *tt = im_param(p, n, "subject_token_type");
    if (!tok || !tt) {
        fail(done, ctx, "invalid_request", "subject_token and subject_token_type are required");
        return;
    }
    if (im_param(p, n, "actor_token")) {
        fail(done, ctx, "invalid_request", "actor_token is not supported");
        return;
    }
    char *iss = im_jwt_peek_iss(tok);
    im_partner_t *pa = NULL;
    if (iss && strcmp(iss, c->issuer) == 0)
        primary(c, client, p, n, done, ctx);
    else if ((pa = partner_by_issuer(c, iss)))
        partner(c, pa, client, p, n, done, ctx);
    else
        fail(done, ctx, "invalid_grant", "subject_token is not from this server or a partner");
    free(iss);
}

void im_exchange_free(im_ctx_t *c)
{
    for (size_t i = 0; i < c->npartners; i++) {
        im_xpend_t *x = c->partners[i].waiting;
        while (x) {
            im_xpend_t *next = x->next;
            xpend_free(x);
            x = next;
        }
        c->partners[i].waiting = NULL;
    }
}
