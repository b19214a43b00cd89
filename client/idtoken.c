/* SPDX-License-Identifier: Apache-2.0 */
/* ID token validation (OpenID Connect Core 1.0 3.1.3.7; TS 33.434 A.2.1 /
 * TS 33.180 B.11): the signature through jws.c, then the JOSE header (no
 * "crit", not an access token) and the claims iss, aud (and azp), exp and
 * iat with at most 30 s leeway, nbf, nonce and sub, both read strictly
 * (lib/sjson) from the signed bytes themselves. No I/O: the caller
 * supplies the JWKS text. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "b64url/b64url.h"
#include "sjson/sjson.h"
#include "sc_int.h"

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)

/* Part i (0: JOSE header, 1: claims) of the compact JWS as it was signed,
 * decoded and read strictly (lib/sjson): rhonabwy's jansson keeps the last
 * of two members of one name, so its re-serialized claims could hide a
 * duplicate; RFC 7519 4 says to refuse such a token. NULL unless an
 * object. */
static json_object *raw_part(const char *token, int i)
{
    const char *s = token;
    for (int k = 0; k < i && s; k++)
        if ((s = strchr(s, '.')))
            s++;
    const char *end = s ? strchr(s, '.') : NULL;
    if (!end)
        return NULL;
    size_t n = (size_t)(end - s), cap = n / 4 * 3 + 3, len = 0;
    uint8_t *buf = malloc(cap);
    json_object *o = NULL;
    if (buf && b64url_decode(s, n, buf, cap, &len) == 0)
        o = sjson_parse((const char *)buf, len, 32, NULL);
    free(buf);
    if (o && !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        o = NULL;
    }
    return o;
}

static const char *str_claim(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* A NumericDate (RFC 7519 2): an integer or a number; -1 when absent or bad. */
static int num_claim(json_object *o, const char *key, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return 0;
    if (json_object_is_type(v, json_type_int)) {
        *out = json_object_get_int64(v);
    } else if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (!(d >= 0 && d < 9.2e18))
            return -1;
        *out = (int64_t)d;
    } else {
        return -1;
    }
    return *out >= 0 ? 1 : -1;
}

int sc_idtoken_verify(const char *token, const char *jwks_json, const sc_idt_expect_t *e,
                      char **sub_out, int *unknown_kid, char *err, size_t errlen)
{
    char *hdr_s = NULL, *claims_s = NULL;
    json_object *hdr = NULL, *cl = NULL;
    int ok = -1;
    *sub_out = NULL;
    if (sc_jws_verify(token, jwks_json, &hdr_s, &claims_s, unknown_kid, err, errlen) < 0)
        return -1;
    if (!(hdr = raw_part(token, 0)))
        FAIL("bad JOSE header (not a strict JSON object)");
    if (json_object_object_get_ex(hdr, "crit", NULL))
        FAIL("JOSE header has critical extensions we do not understand");
    const char *typ = str_claim(hdr, "typ");
    if (typ && strcasecmp(typ, "at+jwt") == 0)
        FAIL("an access token, not an ID token");
    if (!(cl = raw_part(token, 1)))
        FAIL("claims are not a strict JSON object (duplicate names are refused)");
    const char *iss = str_claim(cl, "iss");
    if (!iss || strcmp(iss, e->issuer) != 0)
        FAIL("iss is not %s", e->issuer);
    json_object *aud;
    if (!json_object_object_get_ex(cl, "aud", &aud))
        FAIL("no aud");
    if (json_object_is_type(aud, json_type_string)) {
        if (strcmp(json_object_get_string(aud), e->client_id) != 0)
            FAIL("aud is not our client_id");
    } else if (json_object_is_type(aud, json_type_array)) {
        size_t n = json_object_array_length(aud), found = 0;
        for (size_t i = 0; i < n; i++) {
            json_object *a = json_object_array_get_idx(aud, i);
            if (!json_object_is_type(a, json_type_string))
                FAIL("aud holds a non-string");
            found += strcmp(json_object_get_string(a), e->client_id) == 0;
        }
        if (!found)
            FAIL("aud does not include our client_id");
        if (n > 1) {        /* OIDC Core 3.1.3.7 items 4-5 */
            const char *azp = str_claim(cl, "azp");
            if (!azp || strcmp(azp, e->client_id) != 0)
                FAIL("several audiences and azp is not our client_id");
        }
    } else {
        FAIL("aud is neither a string nor an array");
    }
    const char *azp = str_claim(cl, "azp");
    if (json_object_object_get_ex(cl, "azp", NULL) && (!azp || strcmp(azp, e->client_id) != 0))
        FAIL("azp is not our client_id");
    int64_t exp = 0, iat = 0, nbf = 0;
    if (num_claim(cl, "exp", &exp) != 1)
        FAIL("no valid exp");
    if (num_claim(cl, "iat", &iat) != 1)
        FAIL("no valid iat");
    int nbf_rc = num_claim(cl, "nbf", &nbf);
    if (nbf_rc < 0)
        FAIL("bad nbf");
    if (e->now >= exp + e->leeway)
        FAIL("expired");
    if (iat > e->now + e->leeway)
        FAIL("issued in the future");
    if (nbf_rc == 1 && nbf > e->now + e->leeway)
        FAIL("not yet valid");
    if (e->nonce) {
        const char *nonce = str_claim(cl, "nonce");
        if (!nonce || strcmp(nonce, e->nonce) != 0)
            FAIL("nonce does not match");
    }
    const char *sub = str_claim(cl, "sub");
    if (!sub || !*sub || strlen(sub) > 255)
        FAIL("no valid sub");
    if (e->sub && strcmp(sub, e->sub) != 0)
        FAIL("sub changed");
    if (!(*sub_out = sc_strdup(sub)))
        FAIL("out of memory");
    ok = 0;
    snprintf(err, errlen, "ok");
out:
    json_object_put(cl);
    json_object_put(hdr);
    free(claims_s);
    free(hdr_s);
    return ok;
}
