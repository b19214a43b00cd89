/* SPDX-License-Identifier: Apache-2.0 */
/* The stored session: a valid access token on demand (refresh before
 * expiry: RFC 6749 6 with rotation; TS 33.180 B.5), logout through token
 * revocation (RFC 7009), and the client_credentials grant of confidential
 * clients (RFC 6749 4.4; TS 33.434 5.2 for VAL servers). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sc_int.h"

/* Loads the session (under the caller's lock) and checks that it belongs
 * to the issuer and client the caller named, if any. */
static int load_session(sealclient_t *c)
{
    int rc = sc_store_load(c);
    if (rc)
        return rc;
    if (c->issuer && strcmp(c->issuer, c->tok.issuer) != 0)
        return sc_fail(c, SEALCLIENT_E_NOSESSION, "the stored session is for issuer %s, not %s",
                       c->tok.issuer, c->issuer);
    if (c->client_id && strcmp(c->client_id, c->tok.client_id) != 0)
        return sc_fail(c, SEALCLIENT_E_NOSESSION, "the stored session is for client %s, not %s",
                       c->tok.client_id, c->client_id);
    if (!c->issuer)
        sc_set(&c->issuer, c->tok.issuer);
    if (!c->client_id)
        sc_set(&c->client_id, c->tok.client_id);
    if (!c->issuer || !c->client_id)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    if (!sc_is_https(c->issuer))
        return sc_fail(c, SEALCLIENT_E_IO, "%s: the issuer is not an https URL", c->tokens_path);
    if (!c->cacert && c->tok.cacert) {
        /* the trust anchors of the login, unless the caller names others */
        if ((rc = sc_check_cacert(c, c->tok.cacert)))
            return rc;
        sc_set(&c->cacert, c->tok.cacert);
        if (!c->cacert)
            return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    }
    return SEALCLIENT_OK;
}

static int do_refresh(sealclient_t *c)
{
    if (!c->tok.refresh_token)
        return sc_fail(c, SEALCLIENT_E_NOSESSION,
                       "the session has no refresh token: log in again");
    int rc = sc_discover(c);
    if (rc)
        return rc;
    sc_form_t f = { 0 };
    sc_form_add(&f, "grant_type", "refresh_token");
    sc_form_add(&f, "refresh_token", c->tok.refresh_token);
    sc_form_add(&f, "client_id", c->client_id);
    char *body = sc_form_take(&f);
    if (!body)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    sc_resp_t r;
    rc = sc_http(c, SC_POST, c->token_endpoint, body, 1, NULL, &r);
    sc_free_secret(body);
    if (rc)
        return rc;
    rc = sc_token_response(c, &r, NULL, 1);
    if (rc == SEALCLIENT_E_OAUTH && strstr(c->err, "invalid_grant")) {
        char was[sizeof c->err];
        snprintf(was, sizeof was, "%s", c->err);
        rc = sc_fail(c, SEALCLIENT_E_NOSESSION, "%s; the session has ended: log in again", was);
    }
    sc_resp_free(&r);
    return rc;
}

int sealclient_access_token(sealclient_t *c, long min_valid, const char **token)
{
    if (!c || !token || min_valid < 0)
        return SEALCLIENT_E_ARG;
    *token = NULL;
    int lock, rc = sc_store_lock(c, &lock);
    if (rc)
        return rc;
    if ((rc = load_session(c)))
        goto out;
    int64_t left = c->tok.expires_at - sc_now();
    int unknown = c->tok.expires_at == 0;
    if (unknown || left <= 0 || left < min_valid) {
        if (c->tok.refresh_token) {
            if ((rc = do_refresh(c)))
                goto out;
        } else if (unknown) {
            /* no expiry known and no way to renew: the token is all we have */
        } else if (left <= 0) {
            rc = sc_fail(c, SEALCLIENT_E_NOSESSION, "the access token has expired and there "
                         "is no refresh token: log in again");
            goto out;
        } else {
            rc = sc_fail(c, SEALCLIENT_E_NOSESSION, "the access token expires in %lld s "
                         "(< %ld) and there is no refresh token: log in again",
                         (long long)left, min_valid);
            goto out;
        }
    }
    *token = c->tok.access_token;
out:
    sc_store_unlock(lock);
    return rc;
}

int sealclient_refresh(sealclient_t *c)
{
    if (!c)
        return SEALCLIENT_E_ARG;
    int lock, rc = sc_store_lock(c, &lock);
    if (rc)
        return rc;
    if (!(rc = load_session(c)))
        rc = do_refresh(c);
    sc_store_unlock(lock);
    return rc;
}

/* RFC 7009 2.1; 2.2: 200 whether or not the token was valid. */
static int revoke(sealclient_t *c, const char *token, const char *hint)
{
    sc_form_t f = { 0 };
    sc_form_add(&f, "token", token);
    sc_form_add(&f, "token_type_hint", hint);
    sc_form_add(&f, "client_id", c->client_id);
    char *body = sc_form_take(&f);
    if (!body)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    sc_resp_t r;
    int rc = sc_http(c, SC_POST, c->revocation_endpoint, body, 1, NULL, &r);
    sc_free_secret(body);
    if (rc)
        return rc;
    if (r.status != 200)
        rc = sc_oauth_error(c, &r, "revocation");
    sc_resp_free(&r);
    return rc;
}

int sealclient_logout(sealclient_t *c)
{
    if (!c)
        return SEALCLIENT_E_ARG;
    int lock, rc = sc_store_lock(c, &lock);
    if (rc)
        return rc;
    if ((rc = load_session(c)))
        goto out;
    rc = sc_discover(c);
    if (rc == SEALCLIENT_OK && !c->revocation_endpoint)
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "the server offers no revocation endpoint");
    /* the refresh token first: it is the long-lived one */
    if (rc == SEALCLIENT_OK && c->tok.refresh_token)
        rc = revoke(c, c->tok.refresh_token, "refresh_token");
    if (rc == SEALCLIENT_OK)
        rc = revoke(c, c->tok.access_token, "access_token");
    char why[sizeof c->err];
    memcpy(why, c->err, sizeof why);
    int drc = sc_store_delete(c);
    if (rc) {
        sc_fail(c, rc, "%s (the local session was deleted)", why);
    } else {
        rc = drc;
    }
out:
    sc_store_unlock(lock);
    return rc;
}

int sealclient_session(sealclient_t *c, sealclient_session_t *out)
{
    if (!c || !out)
        return SEALCLIENT_E_ARG;
    memset(out, 0, sizeof *out);
    int rc = load_session(c);   /* the file is replaced atomically: no lock needed */
    if (rc)
        return rc;
    out->issuer = c->tok.issuer;
    out->client_id = c->tok.client_id;
    out->subject = c->tok.sub;
    out->scope = c->tok.scope;
    out->expires_at = c->tok.expires_at;
    out->has_refresh_token = c->tok.refresh_token != NULL;
    return SEALCLIENT_OK;
}

int sealclient_client_credentials(sealclient_t *c, const char *scope, const char **token,
                                  long *expires_in)
{
    if (!c || !token)
        return SEALCLIENT_E_ARG;
    *token = NULL;
    if (expires_in)
        *expires_in = 0;
    if (!c->issuer || !c->client_id || !c->client_secret)
        return sc_fail(c, SEALCLIENT_E_ARG,
                       "client_credentials needs an issuer, a client_id and a client secret");
    int rc = sc_discover(c);
    if (rc)
        return rc;
    sc_form_t f = { 0 };
    sc_form_add(&f, "grant_type", "client_credentials");
    if (scope)
        sc_form_add(&f, "scope", scope);
    char *body = sc_form_take(&f);
    if (!body)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    sc_resp_t r;
    rc = sc_http(c, SC_POST, c->token_endpoint, body, 1, NULL, &r);
    free(body);
    if (rc)
        return rc;
    if (r.status != 200) {
        rc = sc_oauth_error(c, &r, "client_credentials");
        sc_resp_free(&r);
        return rc;
    }
    json_object *o = sc_json_body(c, &r, "token endpoint"), *v;
    sc_resp_free(&r);
    if (!o)
        return SEALCLIENT_E_PROTOCOL;
    const char *tt = NULL;
    if (json_object_object_get_ex(o, "token_type", &v) && json_object_is_type(v, json_type_string))
        tt = json_object_get_string(v);
    if (!json_object_object_get_ex(o, "access_token", &v) ||
        !json_object_is_type(v, json_type_string) || !*json_object_get_string(v) || !tt ||
        strcasecmp(tt, "Bearer") != 0) {
        json_object_put(o);
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "token endpoint: malformed answer");
    }
    sc_free_secret(c->out_token);
    c->out_token = sc_strdup(json_object_get_string(v));
    if (expires_in && json_object_object_get_ex(o, "expires_in", &v) &&
        json_object_is_type(v, json_type_int))
        *expires_in = (long)json_object_get_int64(v);
    json_object_put(o);
    if (!c->out_token)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    *token = c->out_token;
    return SEALCLIENT_OK;
}
