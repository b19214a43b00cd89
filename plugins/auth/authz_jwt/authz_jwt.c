/* SPDX-License-Identifier: Apache-2.0 */
/* authz_jwt: bearer access tokens on every protected route (RFC 6750), on
 * the host's "seal.http.authorize" hook. A request without an
 * Authorization header, or with another scheme, gets no opinion (so a
 * verified client certificate still works in the mutual-TLS-only mode);
 * "Bearer <token>" is validated locally (jwt_check.c: RFC 7515/7519/9068,
 * ES256 and EdDSA only) against the key set of the configured issuer that
 * the token names (issuer.c), for this server's audience and the scope of
 * the route's SEAL service. Valid: approve and make "sub" the principal.
 * Anything else: veto, 401 invalid_token or 403 insufficient_scope, with
 * the RFC 6750 section 3 WWW-Authenticate attributes. Validated tokens are
 * cached (token_cache.c); every request, cache hit or not, is checked
 * against its issuer's revocation list (revocation.c). Every key of the
 * configuration is in README. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <seal/services/im.h>
#include "authz_jwt.h"

static const char *const default_typ[] = { "at+jwt", "application/at+jwt" };

/* ---- configuration ---- */

/* RFC 6749 3.3 scope-token: %x21 / %x23-5B / %x5D-7E. */
static int scope_token_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\')
            return 0;
    return 1;
}

/* Fit inside a quoted-string without escapes. */
static int quotable(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"' || *s == '\\')
            return 0;
    return s != NULL;
}

static int url_ok(const char *u)
{
    return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) && quotable(u);
}

/* Plain HTTP to another host than this one. */
static int plain_remote(const char *u)
{
    return strncmp(u, "http://", 7) == 0 && strncmp(u, "http://127.", 11) != 0 &&
           strncmp(u, "http://[::1]", 12) != 0 && strncmp(u, "http://localhost", 16) != 0;
}

static seal_status_t read_scopes(authz_t *az, const seal_conf_t *conf)
{
    seal_plugin_t *self = az->self;
    const seal_conf_t *node = seal_conf_get(conf, "scopes"), *v;
    size_t extra = 0;
    if (node && seal_conf_type(node) != SEAL_CONF_OBJECT)
        return seal_conf_error(self, node, "must be an object of service name to scope");
    while (node && seal_conf_key_at(node, extra, &v))
        extra++;
    if (extra && !(az->scopes = calloc(extra, sizeof *az->scopes)))
        return SEAL_E_NOMEM;
    az->n_scopes = 0;
    for (size_t i = 0; i < extra; i++) {
        const char *svc = seal_conf_key_at(node, i, &v);
        const char *scope = seal_conf_as_string(v);
        if (!scope_token_ok(scope))
            return seal_conf_error(self, v, "must be one OAuth scope token (RFC 6749 3.3)");
        size_t j = 0;
        while (j < az->n_scopes && strcmp(az->scopes[j].service, svc) != 0)
            j++;
        az->scopes[j].service = svc;
        az->scopes[j].scope = scope;
        if (j == az->n_scopes)
            az->n_scopes++;
    }
    return SEAL_OK;
}

static seal_status_t read_typ(authz_t *az, const seal_conf_t *conf)
{
    const seal_conf_t *node = seal_conf_get(conf, "typ");
    if (!node) {
        az->typ = (const char **)default_typ;
        az->n_typ = sizeof default_typ / sizeof *default_typ;
        return SEAL_OK;
    }
    size_t n = seal_conf_type(node) == SEAL_CONF_ARRAY ? seal_conf_array_len(node) : 0;
    if (n == 0)
        return seal_conf_error(az->self, node, "must be a non-empty array of typ values");
    if (!(az->typ = calloc(n, sizeof *az->typ)))
        return SEAL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const seal_conf_t *e = seal_conf_array_at(node, i);
        if (!(az->typ[i] = seal_conf_as_string(e)) || !*az->typ[i])
            return seal_conf_error(az->self, e, "must be a non-empty string");
    }
    az->n_typ = n;
    return SEAL_OK;
}

static seal_status_t read_issuers(authz_t *az, const seal_conf_t *conf)
{
    seal_plugin_t *self = az->self;
    const seal_conf_t *node = seal_conf_get(conf, "issuers");
    size_t n = node && seal_conf_type(node) == SEAL_CONF_ARRAY ? seal_conf_array_len(node) : 0;
    if (n == 0)
        return node ? seal_conf_error(self, node, "must be a non-empty array of issuers")
                    : seal_conf_error(self, conf, "\"issuers\" is required: the token issuers "
                                                  "to trust, each with its jwks_uri");
    if (!(az->issuers = calloc(n, sizeof *az->issuers)))
        return SEAL_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        issuer_init(&az->issuers[i], az);
    az->n_issuers = n;
    for (size_t i = 0; i < n; i++) {
        const seal_conf_t *e = seal_conf_array_at(node, i);
        issuer_t *is = &az->issuers[i];
        if (seal_conf_type(e) != SEAL_CONF_OBJECT)
            return seal_conf_error(self, e, "must be an object with issuer and jwks_uri");
        seal_status_t st;
        if ((st = seal_conf_string(e, "issuer", NULL, &is->iss)) ||
            (st = seal_conf_string(e, "jwks_uri", NULL, &is->jwks_uri)) ||
            (st = seal_conf_string(e, "ca_file", NULL, &is->ca_file)) ||
            (st = seal_conf_string(e, "cert_file", NULL, &is->cert_file)) ||
            (st = seal_conf_string(e, "key_file", NULL, &is->key_file)) ||
            (st = seal_conf_string(e, "revocation_uri", NULL, &is->revocation_uri)))
            return st;
        if (!is->iss || !*is->iss)
            return seal_conf_error(self, e, "\"issuer\" is required (the tokens' iss value)");
        if (!url_ok(is->jwks_uri))
            return seal_conf_error(self, e, "\"jwks_uri\" is required: an http(s) URL");
        if (!is->cert_file != !is->key_file)
            return seal_conf_error(self, e, "cert_file and key_file go together");
        if (is->revocation_uri && !url_ok(is->revocation_uri))
            return seal_conf_error(self, seal_conf_get(e, "revocation_uri"),
                                   "must be an http(s) URL");
        for (size_t j = 0; j < i; j++)
            if (strcmp(az->issuers[j].iss, is->iss) == 0)
                return seal_conf_error(self, e, "issuer %s is listed twice", is->iss);
        if (plain_remote(is->jwks_uri))
            seal_log(self, SEAL_LOG_WARN, "issuer %s: jwks_uri %s is plain HTTP: anyone on the "
                     "path can swap the keys", is->iss, is->jwks_uri);
        if (is->revocation_uri && plain_remote(is->revocation_uri))
            seal_log(self, SEAL_LOG_WARN, "issuer %s: revocation_uri %s is plain HTTP: anyone "
                     "on the path can hide a revocation", is->iss, is->revocation_uri);
        if (!is->revocation_uri)
            seal_log(self, SEAL_LOG_WARN, "issuer %s has no revocation_uri: its revoked tokens, "
                     "and those of its disabled users and clients, stay valid here until they "
                     "expire (but for revocations by an im in this seald)", is->iss);
    }
    return SEAL_OK;
}

static seal_status_t read_conf(authz_t *az)
{
    seal_plugin_t *self = az->self;
    const seal_conf_t *conf = seal_plugin_conf(self);
    int64_t cache = 0, max_token = 0, refetch = 0, wait = 0, waiters = 0, refresh = 0;
    int64_t timeout = 0, rv_poll = 0, rv_max_age = 0;
    seal_status_t st;
    if ((st = seal_conf_string(conf, "audience", "seal", &az->audience)) ||
        (st = seal_conf_string(conf, "realm", "seal", &az->realm)) ||
        (st = seal_conf_int(conf, "leeway_s", 30, 0, 30, &az->leeway_s)) ||
        (st = seal_conf_int(conf, "token_cache_size", 4096, 0, 1 << 22, &cache)) ||
        (st = seal_conf_int(conf, "max_token_bytes", 8192, 256, 65536, &max_token)) ||
        (st = seal_conf_int(conf, "jwks_min_refetch_s", 5, 1, 86400, &refetch)) ||
        (st = seal_conf_int(conf, "jwks_wait_ms", 2000, 0, 10000, &wait)) ||
        (st = seal_conf_int(conf, "jwks_max_waiters", 1, 0, 1024, &waiters)) ||
        (st = seal_conf_int(conf, "jwks_refresh_s", 600, 10, 86400, &refresh)) ||
        (st = seal_conf_int(conf, "jwks_timeout_ms", 5000, 100, 60000, &timeout)) ||
        (st = seal_conf_int(conf, "revocation_poll_s", 5, 1, 3600, &rv_poll)) ||
        (st = seal_conf_int(conf, "revocation_max_age_s", 30, 2, 86400, &rv_max_age)))
        return st;
    if (rv_max_age <= rv_poll)
        return seal_conf_error(self, seal_conf_get(conf, "revocation_max_age_s"),
                               "must be more than revocation_poll_s (%lld): a list is read "
                               "every poll interval", (long long)rv_poll);
    if (!*az->audience)
        return seal_conf_error(self, seal_conf_get(conf, "audience"), "must not be empty");
    if (!*az->realm || !quotable(az->realm))
        return seal_conf_error(self, seal_conf_get(conf, "realm"),
                               "must be printable ASCII without quotes or backslashes");
    az->refetch_min_ms = refetch * 1000;
    az->wait_ms = wait;
    az->max_waiters = (unsigned)waiters;
    az->refresh_ms = refresh * 1000;
    az->timeout_ms = timeout;
    az->rv_poll_ms = rv_poll * 1000;
    az->rv_max_age_ms = rv_max_age * 1000;
    if ((st = read_typ(az, conf)) || (st = read_scopes(az, conf)) ||
        (st = read_issuers(az, conf)))
        return st;
    az->policy = (jwt_policy_t){ .audience = az->audience, .leeway_s = az->leeway_s,
                                 .typ = az->typ, .n_typ = az->n_typ,
                                 .max_len = (size_t)max_token };
    if (cache > 0 && !(az->cache = token_cache_new((size_t)cache)))
        return SEAL_E_NOMEM;
    return SEAL_OK;
}

/* ---- the hook ---- */

/* The scope a route's service needs: the operator's "scopes" override, else
 * the scope the service registered (seal.gm, seal.km, ...). */
static const char *scope_for(const authz_t *az, const char *service)
{
    for (size_t i = 0; service && i < az->n_scopes; i++)
        if (strcmp(az->scopes[i].service, service) == 0)
            return az->scopes[i].scope;
    return seal_service_scope(az->self, service);
}

/* The subject becomes the principal; what else the token says about its
 * bearer goes into request attributes for the handlers (lib/access reads
 * them: "auth" says a token authenticated the caller). */
static seal_status_t approve(seal_request_t *req, const token_facts_t *f)
{
    if (seal_request_set_principal(req, f->sub) != SEAL_OK ||
        seal_request_set_attr(req, "auth", "token") != SEAL_OK ||
        (f->client_id && seal_request_set_attr(req, "client_id", f->client_id) != SEAL_OK) ||
        (f->scope && seal_request_set_attr(req, "scope", f->scope) != SEAL_OK) ||
        (f->val_user_ids && seal_request_set_attr(req, "val_user_ids", f->val_user_ids) != SEAL_OK))
        return SEAL_E_NOMEM;
    return SEAL_OK;
}

/* RFC 6750 3.1 invalid_token: 401. */
static seal_status_t invalid(seal_request_t *req, const authz_t *az, jwt_status_t why)
{
    if (why == JWT_E_NOMEM)
        return SEAL_E_NOMEM;                  /* fails closed: 500 */
    char h[320];
    snprintf(h, sizeof h, "Bearer realm=\"%s\", error=\"invalid_token\", "
             "error_description=\"%s\"", az->realm, jwt_status_text(why));
    seal_response_header(req, "WWW-Authenticate", h);
    if (seal_log_enabled(SEAL_LOG_DEBUG))
        seal_log(az->self, SEAL_LOG_DEBUG, "%s %s from %s: %s", seal_request_method(req),
                 seal_request_path(req), seal_request_peer(req), jwt_status_text(why));
    return SEAL_E_UNAUTH;
}

/* RFC 6750 3.1 insufficient_scope: 403, naming the scope needed. */
static seal_status_t insufficient(seal_request_t *req, const authz_t *az, const char *need)
{
    char h[512];
    if (need)
        snprintf(h, sizeof h, "Bearer realm=\"%s\", error=\"insufficient_scope\", "
                 "error_description=\"the access token does not grant scope %s\", scope=\"%s\"",
                 az->realm, need, need);
    else
        snprintf(h, sizeof h, "Bearer realm=\"%s\", error=\"insufficient_scope\", "
                 "error_description=\"no scope is configured for this service\"", az->realm);
    seal_response_header(req, "WWW-Authenticate", h);
    return SEAL_E_PERM;
}

/* 503: the token's issuer has no recent revocation list. */
static seal_status_t unavailable(seal_request_t *req, const authz_t *az, const char *iss)
{
    char ra[24];
    snprintf(ra, sizeof ra, "%lld", (long long)(az->rv_poll_ms / 1000));
    seal_response_header(req, "Retry-After", ra);
    if (seal_log_enabled(SEAL_LOG_DEBUG))
        seal_log(az->self, SEAL_LOG_DEBUG, "%s %s from %s: no recent revocation list of %s",
                 seal_request_method(req), seal_request_path(req), seal_request_peer(req), iss);
    return SEAL_E_AGAIN;
}

/* What a valid token (from the cache or just checked) gets: refused when
 * revoked or when its issuer's revocation list is out of date, else
 * approved when it has the route's scope. */
static seal_status_t decide(seal_request_t *req, authz_t *az, const token_facts_t *f,
                            const char *need)
{
    issuer_t *is = authz_issuer(az, f->iss);
    if (!is)
        return invalid(req, az, JWT_E_ISSUER);
    switch (revocation_check(is, f->jti, f->sub, f->client_id)) {
    case RV_REVOKED:
        return invalid(req, az, JWT_E_REVOKED);
    case RV_NO_JTI:
        return invalid(req, az, JWT_E_CLAIMS);
    case RV_STALE:
        return unavailable(req, az, is->iss);
    case RV_OK:
        break;
    }
    return jwt_scope_has(f->scope, need) ? approve(req, f) : insufficient(req, az, need);
}

/* The full check of a token not in the cache. */
static jwt_status_t validate(authz_t *az, const char *tok, size_t len, int64_t now,
                             jwt_token_t **t, jwt_claims_t *cl, uint64_t *epoch)
{
    jwt_status_t st = jwt_token_parse(tok, len, &az->policy, t);
    if (st != JWT_OK)
        return st;
    /* The key comes from the issuer the token names; an issuer we do not
     * trust has no keys here, and another issuer's key cannot sign for it. */
    issuer_t *is = authz_issuer(az, jwt_token_iss(*t));
    if (!is)
        return JWT_E_ISSUER;
    jwk_alg_t alg = JWK_ALG_NONE;
    char *jwk = NULL;
    *epoch = token_cache_epoch(az->cache);
    if (!issuer_key(is, jwt_token_kid(*t), &alg, &jwk))
        return JWT_E_KID;
    st = jwt_token_verify(*t, alg, jwk);
    free(jwk);
    if (st != JWT_OK)
        return st;
    return jwt_token_claims(*t, &az->policy, now, cl);
}

static seal_status_t on_authorize(void *args, void *user)
{
    seal_request_t *req = args;
    authz_t *az = user;
    const char *h = seal_request_header(req, "Authorization");
    if (!h)
        return SEAL_DECLINED;
    while (*h == ' ' || *h == '\t')
        h++;
    /* Another scheme is someone else's (RFC 7235 2.1: case-insensitive). */
    if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] && h[6] != ' ' && h[6] != '\t'))
        return SEAL_DECLINED;
    const char *tok = h + 6;
    while (*tok == ' ' || *tok == '\t')
        tok++;
    size_t len = strlen(tok);
    while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
        len--;
    if (len == 0)
        return invalid(req, az, JWT_E_MALFORMED);
    const char *need = scope_for(az, seal_request_service(req));
    if (!need) {
        /* A configuration gap, not an attack: said at the 1st, 2nd, 4th,
         * 8th... refusal, so the log shows it without flooding. */
        unsigned long n = atomic_fetch_add(&az->unmapped, 1) + 1;
        if ((n & (n - 1)) == 0)
            seal_log(az->self, SEAL_LOG_WARN, "no scope configured for service %s: refused "
                     "(%lu so far; see \"scopes\")",
                     seal_request_service(req) ? seal_request_service(req) : "(none)", n);
        return insufficient(req, az, NULL);
    }
    int64_t now = (int64_t)time(NULL);
    uint8_t key[TOKEN_CACHE_KEY_LEN];
    if (az->cache) {
        char buf[TOKEN_CACHE_VALUE_MAX];
        token_facts_t f;
        token_cache_key(tok, len, key);
        if (token_cache_get(az->cache, key, now, buf, &f))
            return decide(req, az, &f, need);
    }
    jwt_token_t *t = NULL;
    jwt_claims_t cl;
    uint64_t epoch = 0;
    jwt_status_t st = validate(az, tok, len, now, &t, &cl, &epoch);
    seal_status_t r;
    if (st != JWT_OK) {
        r = invalid(req, az, st);
    } else {
        token_facts_t f = { cl.sub, cl.scope, cl.client_id, cl.val_user_ids,
                            jwt_token_iss(t), cl.jti };
        if (az->cache)
            token_cache_put(az->cache, key, epoch, cl.exp + az->leeway_s, &f);
        r = decide(req, az, &f, need);
    }
    jwt_token_free(t);
    return r;
}

/* ---- lifecycle ---- */

static void authz_free(authz_t *az)
{
    if (!az)
        return;
    for (size_t i = 0; i < az->n_issuers; i++)
        issuer_destroy(&az->issuers[i]);
    free(az->issuers);
    free(az->scopes);
    if (az->typ != (const char **)default_typ)
        free(az->typ);
    token_cache_free(az->cache);
    authz_refresher_destroy(az);
    free(az);
}

static seal_status_t authz_init(seal_plugin_t *self)
{
    authz_t *az = calloc(1, sizeof *az);
    if (!az)
        return SEAL_E_NOMEM;
    az->self = self;
    authz_refresher_init(az);
    seal_status_t st = read_conf(az);
    if (st != SEAL_OK) {
        authz_free(az);
        return st;
    }
    seal_plugin_set_data(self, az);
    /* Early, so later hooks see a token already refused. */
    if ((st = seal_hook_register(self, SEAL_HOOK_HTTP_AUTHORIZE, SEAL_HOOK_FIRST, on_authorize,
                                 az, NULL)) != SEAL_OK)
        return st;
    /* Revocations by an im in this seald, applied before its call returns. */
    return seal_hook_register(self, SEAL_IM_HOOK_REVOKED, SEAL_HOOK_MIDDLE, revocation_hook, az,
                              NULL);
}

static seal_status_t authz_start(seal_plugin_t *self)
{
    return authz_refresher_start(seal_plugin_data(self));
}

static void authz_stop(seal_plugin_t *self)
{
    authz_t *az = seal_plugin_data(self);
    if (!az)
        return;
    authz_refresher_stop(az);
    if (az->cache && seal_log_enabled(SEAL_LOG_INFO)) {
        uint64_t hits = 0, misses = 0;
        token_cache_stats(az->cache, &hits, &misses);
        seal_log(self, SEAL_LOG_INFO, "token cache: %llu hits, %llu misses",
                 (unsigned long long)hits, (unsigned long long)misses);
    }
}

static void authz_fini(seal_plugin_t *self)
{
    authz_free(seal_plugin_data(self));
    seal_plugin_set_data(self, NULL);
}

static const seal_plugin_desc_t desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "authz_jwt",
    .version = "0.1.0",
    .description = "bearer access tokens (JWT, ES256/EdDSA) on every protected route",
    .init = authz_init,
    .start = authz_start,
    .stop = authz_stop,
    .fini = authz_fini,
};

SEAL_PLUGIN_EXPORT(desc)
