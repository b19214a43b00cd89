/* SPDX-License-Identifier: Apache-2.0 */
/* Token endpoint answers (RFC 6749 5.1/5.2, OIDC Core 3.1.3.3) and the
 * code redemption (RFC 6749 4.1.3 with RFC 7636 4.5 code_verifier; TS 33.434
 * 5.2.3 steps 5-6, TS 33.180 B.4). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sc_int.h"

/* Verifies an ID token against the JWKS, fetching it when we have none
 * and once more when the token names a kid we do not know (key rotation). */
static int verify_idt(sealclient_t *c, const char *idt, const char *nonce, const char *sub,
                      char **sub_out)
{
    char why[160];
    int unknown = 0, rc;
    sc_idt_expect_t e = { c->issuer, c->client_id, nonce, sub, c->leeway, sc_now() };
    if (!c->jwks_json && (rc = sc_fetch_jwks(c)))
        return rc;
    if (sc_idtoken_verify(idt, c->jwks_json, &e, sub_out, &unknown, why, sizeof why) == 0)
        return SEALCLIENT_OK;
    if (unknown && c->jwks_fetched < sc_now()) {
        /* at most one refetch per second: a token cannot make us hammer the server */
        if ((rc = sc_fetch_jwks(c)))
            return rc;
        e.now = sc_now();
        if (sc_idtoken_verify(idt, c->jwks_json, &e, sub_out, &unknown, why, sizeof why) == 0)
            return SEALCLIENT_OK;
    }
    return sc_fail(c, SEALCLIENT_E_TOKEN, "ID token refused: %s", why);
}

static const char *jstr(json_object *o, const char *key, int *bad)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_object_get_string(v);
}

int sc_token_response(sealclient_t *c, const sc_resp_t *r, const char *nonce, int refresh)
{
    if (r->status != 200)
        return sc_oauth_error(c, r, refresh ? "refresh" : "token request");
    json_object *o = sc_json_body(c, r, "token endpoint");
    if (!o)
        return SEALCLIENT_E_PROTOCOL;
    int bad = 0, rc = SEALCLIENT_OK;
    char *sub = NULL;
    const char *at = jstr(o, "access_token", &bad), *tt = jstr(o, "token_type", &bad);
    const char *rt = jstr(o, "refresh_token", &bad), *idt = jstr(o, "id_token", &bad);
    const char *scope = jstr(o, "scope", &bad);
    json_object *ei = NULL;
    int64_t expires_in = 0;
    if (json_object_object_get_ex(o, "expires_in", &ei)) {
        if (!json_object_is_type(ei, json_type_int) || json_object_get_int64(ei) <= 0)
            bad = 1;
        else
            expires_in = json_object_get_int64(ei);
    }
    if (bad || !at || !tt) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "token endpoint: malformed answer");
        goto out;
    }
    if (strcasecmp(tt, "Bearer") != 0) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "token endpoint: token_type is not Bearer");
        goto out;
    }
    if (!refresh && !idt) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "token endpoint: no id_token in the answer");
        goto out;
    }
    if (idt && (rc = verify_idt(c, idt, refresh ? NULL : nonce, refresh ? c->tok.sub : NULL, &sub)))
        goto out;

    sc_tokens_t *t = &c->tok;
    if (!refresh) {
        sc_tokens_clear(t);
        t->issuer = sc_strdup(c->issuer);
        t->client_id = sc_strdup(c->client_id);
        t->scope = sc_strdup(scope ? scope : c->scope);   /* RFC 6749 5.1: absent = as requested */
        t->sub = sub;
        sub = NULL;
        /* later token and logout calls trust what the login trusted */
        if (c->cacert && !(t->cacert = realpath(c->cacert, NULL))) {
            rc = sc_fail(c, SEALCLIENT_E_IO, "%s: %s", c->cacert, strerror(errno));
            goto out;
        }
    } else {
        if (scope)
            sc_set(&t->scope, scope);
        if (idt) {
            free(t->sub);
            t->sub = sub;
            sub = NULL;
        }
    }
    sc_set(&t->token_type, "Bearer");
    sc_free_secret(t->access_token);
    t->access_token = sc_strdup(at);
    if (rt) {               /* rotation: the new refresh token replaces the old one */
        sc_free_secret(t->refresh_token);
        t->refresh_token = sc_strdup(rt);
    }
    if (idt) {
        sc_free_secret(t->id_token);
        t->id_token = sc_strdup(idt);
    }
    t->expires_at = expires_in ? sc_now() + expires_in : 0;
    if (!t->issuer || !t->client_id || !t->scope || !t->access_token || !t->token_type ||
        (rt && !t->refresh_token) || (idt && !t->id_token)) {
        rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        goto out;
    }
    c->tok_loaded = 1;
    rc = sc_store_save(c);
out:
    free(sub);
    json_object_put(o);
    return rc;
}

/* Control characters from the redirect never reach a terminal. */
static void clean(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src && *src && i + 1 < n; src++)
        dst[i++] = (unsigned char)*src < 0x20 || *src == 0x7f ? '?' : *src;
    dst[i] = '\0';
}

int sc_redeem_code(sealclient_t *c, const sc_pairs_t *q)
{
    const char *error = sc_pairs_get(q, "error"), *iss = sc_pairs_get(q, "iss");
    if (error) {
        char e[64], d[256];
        clean(e, sizeof e, error);
        clean(d, sizeof d, sc_pairs_get(q, "error_description"));
        return sc_fail(c, error && strcmp(error, "access_denied") == 0 ? SEALCLIENT_E_DENIED
                                                                      : SEALCLIENT_E_OAUTH,
                       "authorization: %s%s%s", e, d[0] ? ": " : "", d);
    }
    /* RFC 9207: when the server names itself, it must be our issuer (mix-up defence) */
    if (iss && strcmp(iss, c->issuer) != 0)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "authorization: the redirect names another issuer");
    const char *code = sc_pairs_get(q, "code");
    if (!code || !*code || sc_pairs_count(q, "code") != 1)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "authorization: the redirect carries no code");

    sc_form_t f = { 0 };
    sc_form_add(&f, "grant_type", "authorization_code");
    sc_form_add(&f, "code", code);
    sc_form_add(&f, "redirect_uri", c->redirect_uri);
    sc_form_add(&f, "code_verifier", c->verifier);
    sc_form_add(&f, "client_id", c->client_id);
    char *body = sc_form_take(&f);
    if (!body)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    sc_resp_t r;
    int rc = sc_http(c, SC_POST, c->token_endpoint, body, 1, NULL, &r);
    sc_free_secret(body);
    if (rc)
        return rc;
    rc = sc_token_response(c, &r, c->nonce, 0);
    sc_resp_free(&r);
    return rc;
}
