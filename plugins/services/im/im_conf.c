/* SPDX-License-Identifier: Apache-2.0 */
/* The im plugin's configuration block (README "Configuration"). */
#include <stdlib.h>
#include <string.h>
#include "im_int.h"

#ifndef SEAL_STATEDIR
#define SEAL_STATEDIR "/var/lib/seal"
#endif

static const char *const DEFAULT_SCOPES[] = { "openid", "seal.km", "seal.gm", "seal.cm",
                                              "seal.val", NULL };

/* An http(s) URL without query, fragment, spaces or a trailing slash. */
static int url_ok(const char *u, int https_only)
{
    size_t n = strlen(u);
    int ok = (strncmp(u, "https://", 8) == 0 && n > 8)
             || (!https_only && strncmp(u, "http://", 7) == 0 && n > 7);
    for (size_t i = 0; ok && i < n; i++)
        if ((unsigned char)u[i] <= 0x20 || u[i] == 0x7f || strchr("?#\"<>\\'", u[i]))
            ok = 0;
    return ok;
}

static char *strip_slash(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        n--;
    return strndup(s, n);
}

/* A scope token (RFC 6749 3.3): %x21 / %x23-5B / %x5D-7E. */
static int scope_token_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || *s == '"' || *s == '\\' || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

static seal_status_t read_scopes(im_ctx_t *c, const seal_conf_t *conf)
{
    const seal_conf_t *arr = seal_conf_get(conf, "scopes");
    size_t n = 0;
    if (arr) {
        if (seal_conf_type(arr) != SEAL_CONF_ARRAY || seal_conf_array_len(arr) == 0)
            return seal_conf_error(c->self, arr, "expected a non-empty array of scope names");
        n = seal_conf_array_len(arr);
    } else {
        while (DEFAULT_SCOPES[n])
            n++;
    }
    if (!(c->scopes = calloc(n + 1, sizeof *c->scopes)))
        return SEAL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *s = arr ? seal_conf_as_string(seal_conf_array_at(arr, i)) : DEFAULT_SCOPES[i];
        if (!s || !scope_token_ok(s))
            return seal_conf_error(c->self, seal_conf_array_at(arr, i),
                                   "expected a scope name (printable, no spaces or quotes)");
        if (!(c->scopes[i] = strdup(s)))
            return SEAL_E_NOMEM;
    }
    return SEAL_OK;
}

static seal_status_t read_partners(im_ctx_t *c, const seal_conf_t *conf)
{
    const seal_conf_t *arr = seal_conf_get(conf, "partners");
    if (!arr)
        return SEAL_OK;
    if (seal_conf_type(arr) != SEAL_CONF_ARRAY)
        return seal_conf_error(c->self, arr, "expected an array of {issuer, jwks_uri}");
    size_t n = seal_conf_array_len(arr);
    if (n == 0)
        return SEAL_OK;
    if (!(c->partners = calloc(n, sizeof *c->partners)))
        return SEAL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const seal_conf_t *p = seal_conf_array_at(arr, i);
        im_partner_t *pa = &c->partners[i];
        pthread_mutex_init(&pa->mu, NULL);
        c->npartners++;
        const char *iss = NULL, *jwks = NULL, *ca = NULL;
        if (seal_conf_type(p) != SEAL_CONF_OBJECT)
            return seal_conf_error(c->self, p, "expected an object {issuer, jwks_uri}");
        if (seal_conf_string(p, "issuer", NULL, &iss) != SEAL_OK
            || seal_conf_string(p, "jwks_uri", NULL, &jwks) != SEAL_OK
            || seal_conf_string(p, "ca_file", NULL, &ca) != SEAL_OK)
            return SEAL_E_CONFIG;
        if (!iss || !url_ok(iss, 0))
            return seal_conf_error(c->self, p, "issuer: required, an http(s) URL without query "
                                   "or fragment");
        if (!jwks || !url_ok(jwks, 0))
            return seal_conf_error(c->self, p, "jwks_uri: required, an http(s) URL");
        if (!(pa->issuer = strip_slash(iss)) || !(pa->jwks_uri = strdup(jwks))
            || (ca && !(pa->ca_file = strdup(ca))))
            return SEAL_E_NOMEM;
        if (strcmp(pa->issuer, c->issuer) == 0)
            return seal_conf_error(c->self, p, "a partner cannot have this server's issuer");
    }
    return SEAL_OK;
}

seal_status_t im_conf_read(im_ctx_t *c)
{
    const seal_conf_t *conf = seal_plugin_conf(c->self);
    const char *issuer = NULL, *aud = NULL, *kek = NULL;
    int64_t a2t, a2m, a2p;
    seal_status_t st = SEAL_OK;
#define INT(key, def, lo, hi, dst) \
    if (seal_conf_int(conf, key, def, lo, hi, dst) != SEAL_OK) st = SEAL_E_CONFIG
    INT("access_token_ttl", 300, 30, 86400, &c->at_ttl);
    INT("id_token_ttl", 300, 30, 86400, &c->id_ttl);
    INT("refresh_token_ttl", 2592000, 60, 31536000, &c->rt_ttl);
    INT("code_ttl", 60, 10, 600, &c->code_ttl);
    INT("security_token_ttl", 120, 10, 3600, &c->st_ttl);
    INT("key_rotation_s", 0, 0, 31536000, &c->rotation_s);
    INT("key_reload_s", 60, 1, 86400, &c->reload_s);
    INT("sweep_interval_s", 300, 1, 86400, &c->sweep_s);
    INT("partner_jwks_min_refetch_s", 10, 1, 86400, &c->partner_refetch_s);
    INT("argon2_t", 2, 1, 64, &a2t);
    INT("argon2_m_kib", 19456, 8, 4194304, &a2m);
    INT("argon2_p", 1, 1, 16, &a2p);
    INT("password_min_length", 8, 1, 1024, &c->pw_min);
    INT("login_max_failures", 5, 1, 1000, &c->login_max_user);
    INT("login_max_failures_address", 20, 1, 100000, &c->login_max_addr);
    INT("login_delay_s", 1, 1, 3600, &c->login_delay);
    INT("login_max_delay_s", 900, 1, 86400, &c->login_max_delay);
#undef INT
    if (seal_conf_string(conf, "issuer", NULL, &issuer) != SEAL_OK
        || seal_conf_string(conf, "audience", "seal", &aud) != SEAL_OK
        || seal_conf_string(conf, "kek_file", SEAL_STATEDIR "/im.kek", &kek) != SEAL_OK)
        st = SEAL_E_CONFIG;
    if (st != SEAL_OK)
        return st;
    if (!issuer)
        return seal_conf_error(c->self, conf, "\"issuer\" is required (the server's https URL, "
                               "e.g. \"https://idm.example.net:8443\")");
    if (!url_ok(issuer, 0))
        return seal_conf_error(c->self, seal_conf_get(conf, "issuer"),
                               "must be an http(s) URL without query, fragment or spaces");
    if (!*aud)
        return seal_conf_error(c->self, seal_conf_get(conf, "audience"), "must not be empty");
    if ((uint64_t)a2m < 8 * (uint64_t)a2p)
        return seal_conf_error(c->self, seal_conf_get(conf, "argon2_m_kib"),
                               "must be at least 8 x argon2_p");
    c->a2_t = (uint32_t)a2t;
    c->a2_m_kib = (uint32_t)a2m;
    c->a2_p = (uint32_t)a2p;
    if (c->login_max_delay < c->login_delay)
        c->login_max_delay = c->login_delay;
    if (!(c->issuer = strip_slash(issuer)) || !(c->audience = strdup(aud))
        || !(c->kek_file = strdup(kek)))
        return SEAL_E_NOMEM;
    if ((st = read_scopes(c, conf)) != SEAL_OK)
        return st;
    return read_partners(c, conf);
}

void im_conf_free(im_ctx_t *c)
{
    free(c->issuer);
    free(c->audience);
    free(c->kek_file);
    for (size_t i = 0; c->scopes && c->scopes[i]; i++)
        free(c->scopes[i]);
    free(c->scopes);
    for (size_t i = 0; i < c->npartners; i++) {
        free(c->partners[i].issuer);
        free(c->partners[i].jwks_uri);
        free(c->partners[i].ca_file);
        free(c->partners[i].jwks);
        pthread_mutex_destroy(&c->partners[i].mu);
    }
    free(c->partners);
}
