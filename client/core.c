/* SPDX-License-Identifier: Apache-2.0 */
/* libsealclient: the handle, options and error reporting. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sc_int.h"

const char *sealclient_version(void)
{
    return PACKAGE_VERSION;
}

const char *sealclient_strerror(int status)
{
    switch (status) {
    case SEALCLIENT_OK: return "success";
    case SEALCLIENT_E_ARG: return "bad argument";
    case SEALCLIENT_E_NOMEM: return "out of memory";
    case SEALCLIENT_E_IO: return "local I/O error";
    case SEALCLIENT_E_HTTP: return "HTTP transport error";
    case SEALCLIENT_E_PROTOCOL: return "unexpected answer from the server";
    case SEALCLIENT_E_OAUTH: return "the server refused the request";
    case SEALCLIENT_E_TOKEN: return "ID token verification failed";
    case SEALCLIENT_E_DENIED: return "login refused";
    case SEALCLIENT_E_TIMEOUT: return "timed out";
    case SEALCLIENT_E_NOSESSION: return "not logged in";
    case SEALCLIENT_E_STATE: return "call out of order";
    default: return "unknown error";
    }
}

int sc_fail(sealclient_t *c, int code, const char *fmt, ...)
{
    if (c) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, sizeof c->err, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *sealclient_error(const sealclient_t *c)
{
    if (!c)
        return "no handle";
    return c->err[0] ? c->err : "no error";
}

char *sc_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *sc_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void sc_free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void sc_set(char **dst, const char *src)
{
    free(*dst);
    *dst = sc_strdup(src);
}

int64_t sc_now(void)
{
    return (int64_t)time(NULL);
}

/* The trust anchors are loaded with GnuTLS up front so that a wrong
 * --cacert is reported as such, not as a later TLS handshake failure. */
int sc_check_cacert(sealclient_t *c, const char *path)
{
    gnutls_datum_t d = { NULL, 0 };
    gnutls_x509_crt_t *list = NULL;
    unsigned n = 0;
    int rc = gnutls_load_file(path, &d);
    if (rc < 0)
        return sc_fail(c, SEALCLIENT_E_ARG, "cacert %s: cannot read: %s", path,
                       errno ? strerror(errno) : gnutls_strerror(rc));
    rc = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM, 0);
    gnutls_free(d.data);
    if (rc < 0 || n == 0)
        return sc_fail(c, SEALCLIENT_E_ARG, "cacert %s: no PEM certificate (%s)", path,
                       rc < 0 ? gnutls_strerror(rc) : "empty");
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    return SEALCLIENT_OK;
}

int sealclient_new(const sealclient_options_t *o, sealclient_t **out)
{
    if (!out)
        return SEALCLIENT_E_ARG;
    *out = NULL;
    if (!o || o->struct_size < sizeof(sealclient_options_t))
        return SEALCLIENT_E_ARG;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return SEALCLIENT_E_NOMEM;
    sealclient_t *c = calloc(1, sizeof *c);
    if (!c) {
        curl_global_cleanup();
        return SEALCLIENT_E_NOMEM;
    }
    c->listen_fd = -1;
    c->issuer = sc_strdup(o->issuer);
    c->client_id = sc_strdup(o->client_id);
    c->client_secret = sc_strdup(o->client_secret);
    c->scope = sc_strdup(o->scope ? o->scope : "openid");
    c->acr_values = sc_strdup(o->acr_values);
    c->cacert = sc_strdup(o->cacert);
    c->tokens_path = o->tokens_path ? sc_strdup(o->tokens_path) : sc_default_tokens_path();
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    c->leeway = o->leeway_s < 0 ? 30 : o->leeway_s;
    c->curl = curl_easy_init();
    if ((o->issuer && !c->issuer) || (o->client_id && !c->client_id) ||
        (o->client_secret && !c->client_secret) || !c->scope ||
        (o->acr_values && !c->acr_values) || (o->cacert && !c->cacert) || !c->curl) {
        sealclient_free(c);
        return SEALCLIENT_E_NOMEM;
    }
    /* the login page may keep a session cookie between GET and POST, as a
     * browser would; cookies live in this handle's memory only */
    curl_easy_setopt(c->curl, CURLOPT_COOKIEFILE, "");
    *out = c;
    if (!c->tokens_path)
        return sc_fail(c, SEALCLIENT_E_ARG,
                       "no tokens file: set XDG_CONFIG_HOME or HOME, or give a path");
    if (c->leeway > 30)
        return sc_fail(c, SEALCLIENT_E_ARG, "leeway %d s: at most 30 s is allowed", c->leeway);
    if (c->issuer && !sc_is_https(c->issuer))
        return sc_fail(c, SEALCLIENT_E_ARG, "issuer %s: an https URL is required", c->issuer);
    if (c->issuer && strchr(c->issuer, '?'))
        return sc_fail(c, SEALCLIENT_E_ARG, "issuer %s: no query allowed", c->issuer);
    if (c->cacert) {
        int rc = sc_check_cacert(c, c->cacert);
        if (rc)
            return rc;
    }
    return SEALCLIENT_OK;
}

void sealclient_free(sealclient_t *c)
{
    if (!c)
        return;
    sc_loopback_close(c);
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c->issuer);
    free(c->client_id);
    sc_free_secret(c->client_secret);
    free(c->scope);
    free(c->acr_values);
    free(c->cacert);
    free(c->tokens_path);
    free(c->authorization_endpoint);
    free(c->token_endpoint);
    free(c->jwks_uri);
    free(c->userinfo_endpoint);
    free(c->revocation_endpoint);
    free(c->jwks_json);
    free(c->redirect_uri);
    sc_free_secret(c->verifier);
    free(c->state);
    free(c->nonce);
    free(c->auth_url);
    sc_tokens_clear(&c->tok);
    sc_free_secret(c->out_token);
    explicit_bzero(c, sizeof *c);
    free(c);
    curl_global_cleanup();
}
