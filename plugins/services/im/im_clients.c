/* SPDX-License-Identifier: Apache-2.0 */
/* Registered clients (TS 33.434 Annex A / TS 33.180 B.3; RFC 6749 2):
 * public native clients (the SIM-C on a VAL UE: redirect URIs, PKCE, no
 * secret; RFC 8252) and confidential clients (VAL servers and SEAL
 * servers: a server-generated secret). Client authentication (RFC 6749
 * 2.3.1): client_secret_basic, client_secret_post, or none for public
 * clients.
 *
 * A secret is 32 random octets (base64url), shown once at registration and
 * stored as HMAC-SHA-256 under a key derived from the KEK: a stolen
 * database does not give the secrets, and a check costs one HMAC (the
 * token endpoint must sustain thousands of client_credentials grants per
 * second, which a password hash would not allow; the secrets have full
 * entropy, so a fast keyed hash is enough). */
#include <stdlib.h>
#include <string.h>
#include "ident/ident.h"
#include "im_int.h"

#define MAX_URIS 32

/* A client id is addressed by /admin/v1/clients/{clientId}/disable and
 * travels in Basic credentials, query strings and lib/access's
 * "server:<client_id>" owners: lib/ident's stricter unreserved set. */
static int client_id_ok(const char *s)
{
    return ident_unreserved_ok(s, IDENT_CLIENT_MAX);
}

struct json_object *im_client_get(im_ctx_t *c, const char *client_id)
{
    if (!client_id_ok(client_id))
        return NULL;
    struct json_object *o = im_store_get(c, NULL, IM_NS_CLIENTS, client_id, NULL, NULL);
    if (o && !im_jbool(o, "enabled", 0)) {
        json_object_put(o);
        o = NULL;
    }
    return o;
}

int im_client_grant_ok(struct json_object *client, const char *grant)
{
    return im_jarray_has(client, "grant_types", grant);
}

/* RFC 8252 7.3: a loopback redirect URI ("http://127.0.0.1/..." or
 * "http://[::1]/...") matches with any port, since a native app listens on
 * an ephemeral one. Splits "http://host[:port]rest" into host and rest. */
static int loopback_parts(const char *u, const char **host, size_t *host_len, const char **rest)
{
    if (strncmp(u, "http://", 7) != 0)
        return 0;
    const char *h = u + 7;
    size_t hl;
    if (strncmp(h, "127.0.0.1", 9) == 0)
        hl = 9;
    else if (strncmp(h, "[::1]", 5) == 0)
        hl = 5;
    else
        return 0;
    const char *p = h + hl;
    if (*p == ':') {
        p++;
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || digits > 5)
            return 0;
        p += digits;
    }
    if (*p != '/' && *p != '\0')
        return 0;
    *host = h;
    *host_len = hl;
    *rest = p;
    return 1;
}

static int redirect_matches(const char *registered, const char *uri)
{
    if (strcmp(registered, uri) == 0)
        return 1;
    const char *h1, *h2, *r1, *r2;
    size_t l1, l2;
    return loopback_parts(registered, &h1, &l1, &r1) && loopback_parts(uri, &h2, &l2, &r2)
           && l1 == l2 && memcmp(h1, h2, l1) == 0 && strcmp(r1, r2) == 0;
}

int im_client_redirect_ok(struct json_object *client, const char *uri)
{
    struct json_object *a;
    if (!uri || !json_object_object_get_ex(client, "redirect_uris", &a))
        return 0;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        const char *r = json_object_get_string(json_object_array_get_idx(a, i));
        if (r && redirect_matches(r, uri))
            return 1;
    }
    return 0;
}

static seal_status_t secret_mac(im_ctx_t *c, const char *secret, char out[IM_TOKEN_CHARS + 1])
{
    uint8_t mac[32];
    seal_status_t st = seal_crypto_hmac(c->self, SEAL_CRYPTO_SHA256, c->secret_key,
                                        sizeof c->secret_key, secret, strlen(secret), mac,
                                        sizeof mac);
    if (st == SEAL_OK)
        b64url_encode(mac, sizeof mac, out);
    return st;
}

struct json_object *im_client_auth(im_ctx_t *c, const seal_im_client_auth_t *a,
                                   const seal_im_param_t *p, size_t n, seal_im_error_t *err)
{
    const char *body_id = im_param(p, n, "client_id");
    const char *id = a->client_id;
    err->basic_challenge = 1;   /* every invalid_client answer is a 401 */
    if (a->method == SEAL_IM_AUTH_BASIC && body_id && (!id || strcmp(body_id, id) != 0)) {
        err->basic_challenge = 0;
        im_err(err, "invalid_request", 400, "client_id in the body differs from the "
               "authenticated client");
        return NULL;
    }
    if (!id)
        id = body_id;
    if (!id) {
        im_err(err, "invalid_client", 401, "client authentication is required");
        return NULL;
    }
    struct json_object *cl = im_client_get(c, id);
    if (!cl) {
        im_err(err, "invalid_client", 401, "unknown or disabled client");
        return NULL;
    }
    const char *type = im_jstr(cl, "type");
    int confidential = type && strcmp(type, "confidential") == 0;
    if (confidential) {
        const char *stored = im_jstr(cl, "secret");
        char mac[IM_TOKEN_CHARS + 1];
        if (a->method == SEAL_IM_AUTH_NONE || !a->client_secret) {
            im_err(err, "invalid_client", 401, "this client must authenticate with its secret");
        } else if (!stored || strlen(stored) != IM_TOKEN_CHARS
                   || secret_mac(c, a->client_secret, mac) != SEAL_OK
                   || !im_ct_equal(mac, stored, IM_TOKEN_CHARS)) {
            im_err(err, "invalid_client", 401, "client authentication failed");
        } else {
            err->basic_challenge = 0;
            return cl;
        }
    } else if (a->method != SEAL_IM_AUTH_NONE || a->client_secret) {
        im_err(err, "invalid_client", 401, "a public client has no secret");
    } else {
        err->basic_challenge = 0;
        return cl;
    }
    json_object_put(cl);
    return NULL;
}

/* ---- administration ---- */

static int uri_ok(const char *u)
{
    size_t n = u ? strlen(u) : 0;
    if (n == 0 || n > 2048 || strchr(u, '#'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f || strchr("\"<>\\", u[i]))
            return 0;
    /* scheme ":" ... (RFC 3986 3.1); https, loopback http, or a private-use
     * scheme of a native app (RFC 8252 7.1). */
    size_t s = strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
    if (s == 0 || u[s] != ':' || !((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
        return 0;
    if (strncmp(u, "http:", 5) == 0) {
        const char *h, *r;
        size_t hl;
        return loopback_parts(u, &h, &hl, &r);
    }
    return 1;
}

static const char *const GRANTS[] = { SEAL_IM_GRANT_CODE, SEAL_IM_GRANT_REFRESH,
                                      SEAL_IM_GRANT_CLIENT, SEAL_IM_GRANT_EXCHANGE, NULL };

static int known_grant(const char *g)
{
    for (size_t i = 0; GRANTS[i]; i++)
        if (strcmp(GRANTS[i], g) == 0)
            return 1;
    return 0;
}

static int known_scope(im_ctx_t *c, const char *s)
{
    for (size_t i = 0; c->scopes[i]; i++)
        if (strcmp(c->scopes[i], s) == 0)
            return 1;
    return 0;
}

static int arr_has(struct json_object *a, const char *s)
{
    for (size_t i = 0; i < json_object_array_length(a); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s) == 0)
            return 1;
    return 0;
}

/* Copies a string array member, each item checked by ok(); the default
 * list (NULL: none) when absent. -1 with err on a bad value. */
static int string_array(struct json_object *in, const char *key, struct json_object *out,
                        const char *const *defaults, int (*ok)(void *, const char *), void *octx,
                        seal_im_error_t *err)
{
    struct json_object *v;
    if (!json_object_object_get_ex(in, key, &v)) {
        for (size_t i = 0; defaults && defaults[i]; i++)
            json_object_array_add(out, json_object_new_string(defaults[i]));
        return 0;
    }
    size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
    if (!json_object_is_type(v, json_type_array) || n > MAX_URIS) {
        im_err(err, "invalid_request", 400, "%s: an array of at most %d strings", key, MAX_URIS);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(v, i);
        const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
        if (!s || !ok(octx, s)) {
            im_err(err, "invalid_request", 400, "%s/%zu: not acceptable", key, i);
            return -1;
        }
        if (!arr_has(out, s))
            json_object_array_add(out, json_object_new_string(s));
    }
    return 0;
}

static int ok_uri(void *ctx, const char *s) { (void)ctx; return uri_ok(s); }
static int ok_grant(void *ctx, const char *s) { (void)ctx; return known_grant(s); }
static int ok_scope(void *ctx, const char *s) { return known_scope(ctx, s); }

static struct json_object *public_view(struct json_object *cl)
{
    struct json_object *o = json_object_new_object(), *v;
    if (!o)
        return NULL;
    static const char *const keys[] = { "client_id", "type", "name", "redirect_uris",
                                        "grant_types", "scopes", "enabled", "created" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_object_get_ex(cl, keys[i], &v))
            json_object_object_add(o, keys[i], json_object_get(v));
    return o;
}

seal_status_t im_client_add(void *user, const char *json, size_t len,
                            char **out, size_t *out_len, seal_im_error_t *err)
{
    im_ctx_t *c = user;
    static const char *const public_grants[] = { SEAL_IM_GRANT_CODE, SEAL_IM_GRANT_REFRESH,
                                                 SEAL_IM_GRANT_EXCHANGE, NULL };
    static const char *const conf_grants[] = { SEAL_IM_GRANT_CLIENT, NULL };
    *out = NULL;
    struct json_object *in = im_json_body(json, len, err), *doc = NULL, *uris = NULL, *grants = NULL,
                       *scopes = NULL;
    seal_status_t st = SEAL_E_INVAL;
    char id[IM_TOKEN_CHARS + 1], secret[IM_TOKEN_CHARS + 1] = "", mac[IM_TOKEN_CHARS + 1];
    if (!in)
        goto out;
    const char *cid = im_jstr(in, "client_id"), *type = im_jstr(in, "type");
    const char *name = im_jstr(in, "name");
    int confidential = type && strcmp(type, "confidential") == 0;
    if (!type || (!confidential && strcmp(type, "public") != 0)) {
        im_err(err, "invalid_request", 400, "type: \"public\" or \"confidential\"");
        goto out;
    }
    if (cid && !client_id_ok(cid)) {
        im_err(err, "invalid_request", 400, "client_id: 1 to %d characters: %s",
               IDENT_CLIENT_MAX, IDENT_UNRESERVED_TEXT);
        goto out;
    }
    if (!cid) {
        if ((st = im_random_token(c, id)) != SEAL_OK)
            goto out;
        id[22] = '\0';   /* 128 bits are plenty for an identifier */
        cid = id;
        st = SEAL_E_INVAL;
    }
    if (!(uris = json_object_new_array()) || !(grants = json_object_new_array())
        || !(scopes = json_object_new_array()))
        goto oom;
    if (string_array(in, "redirect_uris", uris, NULL, ok_uri, NULL, err)
        || string_array(in, "grant_types", grants, confidential ? conf_grants : public_grants,
                        ok_grant, NULL, err)
        /* Scopes are granted, not assumed: a client gets exactly those
         * registered for it, none by default (doc/authorization.md). */
        || string_array(in, "scopes", scopes, NULL, ok_scope, c, err))
        goto out;
    if (!confidential && arr_has(grants, SEAL_IM_GRANT_CLIENT)) {
        im_err(err, "invalid_request", 400, "client_credentials needs a confidential client");
        goto out;
    }
    if (arr_has(grants, SEAL_IM_GRANT_CODE) && json_object_array_length(uris) == 0) {
        im_err(err, "invalid_request", 400, "authorization_code needs redirect_uris");
        goto out;
    }
    if (confidential) {
        if ((st = im_random_token(c, secret)) != SEAL_OK || (st = secret_mac(c, secret, mac))
            != SEAL_OK)
            goto out;
        st = SEAL_E_INVAL;
    }
    doc = json_object_new_object();
    if (!doc || im_jadd_str(doc, "client_id", cid) || im_jadd_str(doc, "type", type)
        || (name && im_jadd_str(doc, "name", name))
        || json_object_object_add(doc, "redirect_uris", json_object_get(uris))
        || json_object_object_add(doc, "grant_types", json_object_get(grants))
        || json_object_object_add(doc, "scopes", json_object_get(scopes))
        || (confidential && im_jadd_str(doc, "secret", mac))
        || json_object_object_add(doc, "enabled", json_object_new_boolean(1))
        || im_jadd_int(doc, "created", im_now()))
        goto oom;
    st = im_id_create(c, IM_NS_CLIENTS, IM_NS_USERS, cid, doc);
    if (st == SEAL_E_EXISTS || st == SEAL_E_CONFLICT) {
        im_err(err, "invalid_request", 409, st == SEAL_E_EXISTS ? "client_id: client %s exists"
               : "client_id: %s is a user id (user and client ids must differ)", cid);
        st = SEAL_E_EXISTS;   /* taken, in the one name space of users and clients */
        goto out;
    }
    if (st == SEAL_OK) {
        struct json_object *view = public_view(doc);
        if (view && confidential)
            im_jadd_str(view, "client_secret", secret);
        *out = view ? im_json_text(view, out_len) : NULL;
        json_object_put(view);
        if (!*out)
            st = SEAL_E_NOMEM;
        else
            seal_log(c->self, SEAL_LOG_NOTICE, "%s client %s registered", type, cid);
    }
    goto out;
oom:
    st = SEAL_E_NOMEM;
out:
    memset(secret, 0, sizeof secret);
    json_object_put(doc);
    json_object_put(uris);
    json_object_put(grants);
    json_object_put(scopes);
    json_object_put(in);
    return st;
}

static int list_visit(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    struct json_object *arr = p, *cl = im_json_parse(json, len);
    (void)key;
    (void)rev;
    if (cl) {
        struct json_object *view = public_view(cl);
        if (view)
            json_object_array_add(arr, view);
        json_object_put(cl);
    }
    return 0;
}

seal_status_t im_client_list(void *user, char **out, size_t *out_len)
{
    im_ctx_t *c = user;
    struct json_object *arr = json_object_new_array();
    *out = NULL;
    if (!arr)
        return SEAL_E_NOMEM;
    seal_status_t st = seal_store_scan(c->self, NULL, IM_NS_CLIENTS, "", list_visit, arr);
    if (st == SEAL_OK && !(*out = im_json_text(arr, out_len)))
        st = SEAL_E_NOMEM;
    json_object_put(arr);
    return st;
}

seal_status_t im_client_disable(void *user, const char *client_id)
{
    im_ctx_t *c = user;
    if (!client_id_ok(client_id))
        return SEAL_E_NOTFOUND;
    seal_status_t st = SEAL_E_CONFLICT;
    for (int i = 0; i < 8 && st == SEAL_E_CONFLICT; i++) {
        uint64_t rev = 0;
        struct json_object *cl = im_store_get(c, NULL, IM_NS_CLIENTS, client_id, &rev, &st);
        if (!cl)
            return st;
        json_object_object_add(cl, "enabled", json_object_new_boolean(0));
        st = im_store_put(c, NULL, IM_NS_CLIENTS, client_id, cl, rev, NULL, 0);
        json_object_put(cl);
    }
    if (st == SEAL_OK) {
        im_family_revoke_by(c, "client", client_id);
        seal_log(c->self, SEAL_LOG_NOTICE, "client %s disabled; its refresh tokens revoked",
                 client_id);
    }
    return st;
}
