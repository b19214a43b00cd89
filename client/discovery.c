/* SPDX-License-Identifier: Apache-2.0 */
/* OpenID Connect Discovery 1.0 section 4: the provider configuration at
 * <issuer>/.well-known/openid-configuration, whose "issuer" must equal the
 * configured issuer exactly (4.3), and the JWKS at its jwks_uri. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sc_int.h"

static int get_url(sealclient_t *c, json_object *o, const char *key, int required, char **dst)
{
    json_object *v;
    free(*dst);
    *dst = NULL;
    if (!json_object_object_get_ex(o, key, &v)) {
        if (required)
            return sc_fail(c, SEALCLIENT_E_PROTOCOL, "discovery: %s is missing", key);
        return SEALCLIENT_OK;
    }
    if (!json_object_is_type(v, json_type_string) || !sc_is_https(json_object_get_string(v)))
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "discovery: %s is not an https URL", key);
    *dst = sc_strdup(json_object_get_string(v));
    return *dst ? SEALCLIENT_OK : sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
}

static int list_has(json_object *o, const char *key, const char *want)
{
    json_object *a;
    if (!json_object_object_get_ex(o, key, &a))
        return -1;                                  /* absent */
    if (!json_object_is_type(a, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (json_object_is_type(e, json_type_string) && strcmp(json_object_get_string(e), want) == 0)
            return 1;
    }
    return 0;
}

int sc_discover(sealclient_t *c)
{
    if (c->discovered)
        return SEALCLIENT_OK;
    if (!c->issuer)
        return sc_fail(c, SEALCLIENT_E_ARG, "no issuer given");
    size_t n = strlen(c->issuer);
    char *url = malloc(n + 40);
    if (!url)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    /* OIDC Discovery 4.1: the path is appended after removing a trailing / */
    snprintf(url, n + 40, "%.*s/.well-known/openid-configuration",
             (int)(n && c->issuer[n - 1] == '/' ? n - 1 : n), c->issuer);
    sc_resp_t r;
    int rc = sc_http(c, SC_GET, url, NULL, 0, NULL, &r);
    free(url);
    if (rc)
        return rc;
    if (r.status != 200) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "discovery at %s: HTTP %ld", c->issuer, r.status);
        sc_resp_free(&r);
        return rc;
    }
    json_object *o = sc_json_body(c, &r, "discovery");
    sc_resp_free(&r);
    if (!o)
        return SEALCLIENT_E_PROTOCOL;
    json_object *iss;
    if (!json_object_object_get_ex(o, "issuer", &iss) || !json_object_is_type(iss, json_type_string) ||
        strcmp(json_object_get_string(iss), c->issuer) != 0) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL,
                     "discovery: the document names another issuer than %s", c->issuer);
        goto out;
    }
    if ((rc = get_url(c, o, "authorization_endpoint", 1, &c->authorization_endpoint)) ||
        (rc = get_url(c, o, "token_endpoint", 1, &c->token_endpoint)) ||
        (rc = get_url(c, o, "jwks_uri", 1, &c->jwks_uri)) ||
        (rc = get_url(c, o, "userinfo_endpoint", 0, &c->userinfo_endpoint)) ||
        (rc = get_url(c, o, "revocation_endpoint", 0, &c->revocation_endpoint)))
        goto out;
    if (list_has(o, "code_challenge_methods_supported", "S256") == 0) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "discovery: the server does not support PKCE S256");
        goto out;
    }
    if (list_has(o, "response_types_supported", "code") == 0) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "discovery: the server does not offer the code flow");
        goto out;
    }
    c->discovered = 1;
out:
    json_object_put(o);
    return rc;
}

int sc_fetch_jwks(sealclient_t *c)
{
    int rc = sc_discover(c);
    if (rc)
        return rc;
    sc_resp_t r;
    if ((rc = sc_http(c, SC_GET, c->jwks_uri, NULL, 0, NULL, &r)))
        return rc;
    if (r.status != 200) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "JWKS at %s: HTTP %ld", c->jwks_uri, r.status);
    } else {
        json_object *o = sc_json_body(c, &r, "JWKS");
        json_object *keys;
        if (!o) {
            rc = SEALCLIENT_E_PROTOCOL;
        } else if (!json_object_object_get_ex(o, "keys", &keys) ||
                   !json_object_is_type(keys, json_type_array)) {
            rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "JWKS at %s: no \"keys\" array", c->jwks_uri);
        } else {
            free(c->jwks_json);
            c->jwks_json = r.body;
            r.body = NULL;
            r.len = 0;
            c->jwks_fetched = sc_now();
        }
        json_object_put(o);
    }
    sc_resp_free(&r);
    return rc;
}
