/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.434 5.2.3 / Annex A (TS 33.180 B.4; TS 24.547 6.2.2): user
 * authentication with the OIDC authorization code flow and PKCE for a
 * native client. Steps 1-2: the authentication request (GET on the
 * authorization endpoint, parameters in the query); step 3: the user name
 * and password POSTed to the login form; step 4: the redirect with code and
 * state; steps 5-6 in tokens.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "sc_int.h"

/* Fills issuer/client_id from a stored session when the caller gave none
 * (re-login with the same settings). */
static int need_identity(sealclient_t *c)
{
    if (!c->issuer || !c->client_id) {
        sc_tokens_t keep = c->tok;
        memset(&c->tok, 0, sizeof c->tok);
        if (sc_store_load(c) == SEALCLIENT_OK) {
            if (!c->issuer)
                sc_set(&c->issuer, c->tok.issuer);
            if (!c->client_id)
                sc_set(&c->client_id, c->tok.client_id);
            if (!c->cacert && c->tok.cacert && strcmp(c->issuer, c->tok.issuer) == 0 &&
                sc_check_cacert(c, c->tok.cacert) == SEALCLIENT_OK)
                sc_set(&c->cacert, c->tok.cacert);
        }
        sc_tokens_clear(&c->tok);
        c->tok = keep;
    }
    if (!c->issuer)
        return sc_fail(c, SEALCLIENT_E_ARG, "no issuer given");
    if (!c->client_id)
        return sc_fail(c, SEALCLIENT_E_ARG, "no client_id given");
    return SEALCLIENT_OK;
}

int sealclient_login_begin(sealclient_t *c, const char **url)
{
    if (!c || !url)
        return SEALCLIENT_E_ARG;
    *url = NULL;
    int rc = need_identity(c);
    if (rc || (rc = sc_discover(c)))
        return rc;
    sc_free_secret(c->verifier);
    free(c->state);
    free(c->nonce);
    free(c->auth_url);
    c->auth_url = NULL;
    c->verifier = sc_random_b64url(32);     /* 43 characters: RFC 7636 4.1 */
    c->state = sc_random_b64url(16);
    c->nonce = sc_random_b64url(16);
    char *challenge = c->verifier ? sc_pkce_s256(c->verifier) : NULL;
    if (!c->verifier || !c->state || !c->nonce || !challenge) {
        free(challenge);
        return sc_fail(c, SEALCLIENT_E_NOMEM, "no random values (GnuTLS)");
    }
    if ((rc = sc_loopback_open(c))) {
        free(challenge);
        return rc;
    }
    sc_form_t f = { 0 };
    sc_form_add(&f, "response_type", "code");
    sc_form_add(&f, "client_id", c->client_id);
    sc_form_add(&f, "redirect_uri", c->redirect_uri);
    sc_form_add(&f, "scope", c->scope);
    sc_form_add(&f, "state", c->state);
    sc_form_add(&f, "nonce", c->nonce);
    sc_form_add(&f, "code_challenge", challenge);
    sc_form_add(&f, "code_challenge_method", "S256");
    if (c->acr_values)
        sc_form_add(&f, "acr_values", c->acr_values);
    free(challenge);
    char *query = sc_form_take(&f);
    if (!query)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    size_t n = strlen(c->authorization_endpoint) + strlen(query) + 2;
    c->auth_url = malloc(n);
    if (c->auth_url)
        snprintf(c->auth_url, n, "%s%c%s", c->authorization_endpoint,
                 strchr(c->authorization_endpoint, '?') ? '&' : '?', query);
    free(query);
    if (!c->auth_url)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    *url = c->auth_url;
    return SEALCLIENT_OK;
}

static void end_login(sealclient_t *c)
{
    sc_loopback_close(c);
    sc_free_secret(c->verifier);
    free(c->state);
    free(c->nonce);
    c->verifier = c->state = c->nonce = NULL;
}

int sealclient_login_wait(sealclient_t *c, int timeout_ms)
{
    if (!c)
        return SEALCLIENT_E_ARG;
    if (!c->state || c->listen_fd < 0)
        return sc_fail(c, SEALCLIENT_E_STATE, "no login in progress (call login_begin first)");
    sc_pairs_t q;
    int rc = sc_loopback_wait(c, timeout_ms, &q);
    if (rc == SEALCLIENT_OK) {
        rc = sc_redeem_code(c, &q);
        sc_pairs_free(&q);
    }
    end_login(c);
    return rc;
}

/* scheme://host:port of an absolute URL, for the same-origin check. */
static char *origin_of(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        size_t n = strlen(scheme) + strlen(host) + strlen(port) + 8;
        out = malloc(n);
        if (out) {
            snprintf(out, n, "%s://%s:%s", scheme, host, port);
            for (char *p = out; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p + 32);
        }
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

/* The redirect we were sent: it must go to our redirect_uri, exactly. */
static int take_redirect(sealclient_t *c, const char *location, sc_pairs_t *q)
{
    size_t n = strlen(c->redirect_uri);
    if (strncmp(location, c->redirect_uri, n) != 0 || (location[n] != '?' && location[n] != '\0'))
        return sc_fail(c, SEALCLIENT_E_PROTOCOL,
                       "login: the server redirected elsewhere than our redirect_uri");
    const char *query = location[n] == '?' ? location + n + 1 : "";
    size_t qlen = strcspn(query, "#");
    if (sc_query_parse(query, qlen, q) < 0)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "login: unreadable redirect parameters");
    const char *st = sc_pairs_get(q, "state");
    if (!st || sc_pairs_count(q, "state") != 1 || strcmp(st, c->state) != 0) {
        sc_pairs_free(q);
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "login: state does not match (possible CSRF)");
    }
    return SEALCLIENT_OK;
}

/* The login page and its answer, as a browser would see them. */
static int submit_form(sealclient_t *c, const char *username, const char *password,
                       sc_pairs_t *q)
{
    sc_resp_t r;
    int rc = sc_http(c, SC_GET, c->auth_url, NULL, 0, NULL, &r);
    if (rc)
        return rc;
    if ((r.status == 302 || r.status == 303) && r.location) {
        /* already authenticated (a server-side session): straight back */
        rc = take_redirect(c, r.location, q);
        sc_resp_free(&r);
        return rc;
    }
    if (r.status != 200) {
        rc = sc_oauth_error(c, &r, "authorization request");
        sc_resp_free(&r);
        return rc;
    }
    sc_html_form_t form;
    if (sc_html_find_form(r.body, r.len, &form) < 0 || !form.has_username || !form.has_password) {
        sc_resp_free(&r);
        return sc_fail(c, SEALCLIENT_E_PROTOCOL,
                       "login page: no form with username and password fields");
    }
    if (form.method && strcmp(form.method, "post") != 0) {
        sc_html_form_free(&form);
        sc_resp_free(&r);
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "login page: the form does not POST; "
                       "refusing to put a password in a URL");
    }
    char *action = form.action && form.action[0] ? sc_url_resolve(r.url, form.action)
                                                 : sc_strdup(r.url);
    char *o1 = action ? origin_of(action) : NULL, *o2 = origin_of(c->authorization_endpoint);
    sc_resp_free(&r);
    if (!o1 || !o2 || strcmp(o1, o2) != 0 || !sc_is_https(action)) {
        /* the password only goes where the authorization endpoint lives */
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL,
                     "login page: the form posts to another origin than the authorization endpoint");
        goto out;
    }
    sc_form_t f = { 0 };
    for (size_t i = 0; i < form.fields.n; i++) {
        const char *name = form.fields.name[i];
        if (strcmp(name, "username") == 0)
            sc_form_add(&f, name, username);
        else if (strcmp(name, "password") == 0)
            sc_form_add(&f, name, password);
        else
            sc_form_add(&f, name, form.fields.value[i]);
    }
    char *body = sc_form_take(&f);
    if (!body) {
        rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        goto out;
    }
    rc = sc_http(c, SC_POST, action, body, 0, NULL, &r);
    sc_free_secret(body);
    if (rc)
        goto out;
    if ((r.status == 302 || r.status == 303) && r.location) {
        rc = take_redirect(c, r.location, q);
    } else if (r.status == 200 || r.status == 401 || r.status == 403) {
        rc = sc_fail(c, SEALCLIENT_E_DENIED, "login refused: wrong user name or password "
                     "(HTTP %ld)", r.status);
    } else if (r.status == 429) {
        rc = sc_fail(c, SEALCLIENT_E_DENIED, "login refused: too many attempts, try later");
    } else {
        rc = sc_oauth_error(c, &r, "login form");
    }
    sc_resp_free(&r);
out:
    free(o1);
    free(o2);
    free(action);
    sc_html_form_free(&form);
    return rc;
}

int sealclient_login_password(sealclient_t *c, const char *username, const char *password)
{
    if (!c || !username || !password)
        return SEALCLIENT_E_ARG;
    if (!c->state || !c->auth_url)
        return sc_fail(c, SEALCLIENT_E_STATE, "no login in progress (call login_begin first)");
    sc_pairs_t q;
    int rc = submit_form(c, username, password, &q);
    if (rc == SEALCLIENT_OK) {
        rc = sc_redeem_code(c, &q);
        sc_pairs_free(&q);
    }
    end_login(c);
    return rc;
}
