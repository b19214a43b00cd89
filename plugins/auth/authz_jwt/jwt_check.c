/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 7515 7.1 compact JWS, RFC 7519 JWT claims, RFC 9068 access tokens,
 * RFC 8725 (JWT BCP: explicit algorithm allow-list 3.1, explicit typing
 * 3.11). librhonabwy reads and verifies the JWS; the layer here comes first
 * because of what that library would otherwise do with a hostile token:
 * fetch keys named by jku/x5u or trust an embedded jwk (R_PARSE_HEADER_ALL
 * is its default), inflate a "zip":"DEF" payload without bound, strip
 * whitespace, accept any of its algorithms, and verify over a re-encoded
 * payload. Here the token must be exactly three canonical base64url parts,
 * the header is read and the algorithm refused before the library sees the
 * token, the library parses with R_PARSE_NONE, and the payload it decodes
 * must be the bytes decoded here. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "b64url/b64url.h"
#include "jose.h"
#include "jwt_check.h"
#include "jwt_json.h"

#define SIG_LEN 64              /* ES256 R || S (RFC 7518 3.4); Ed25519 (RFC 8032) */
#define TIME_MAX (INT64_C(1) << 40)
#define TEXT_MAX 255

struct jwt_token {
    jose_jws_t *jws;
    json_object *header, *claims;
    jwk_alg_t alg;
    const char *kid;            /* in header */
    const char *iss;            /* in claims */
    char *val_user_ids;         /* joined by jwt_token_claims */
};

const char *jwt_status_text(jwt_status_t st)
{
    switch (st) {
    case JWT_OK: return "the access token is valid";
    case JWT_E_MALFORMED: return "the access token is malformed";
    case JWT_E_ALG: return "the token signing algorithm is not accepted";
    case JWT_E_TYP: return "the token type is not accepted";
    case JWT_E_ISSUER: return "the token issuer is not trusted";
    case JWT_E_KID: return "the token signing key is unknown";
    case JWT_E_SIGNATURE: return "the token signature does not verify";
    case JWT_E_EXPIRED: return "the access token expired";
    case JWT_E_NOT_YET_VALID: return "the access token is not valid yet";
    case JWT_E_IAT: return "the access token was issued in the future";
    case JWT_E_AUDIENCE: return "the access token is not meant for this server";
    case JWT_E_CLAIMS: return "the access token lacks a required claim";
    case JWT_E_REVOKED: return "the access token was revoked";
    case JWT_E_NOMEM: return "out of memory";
    }
    return "the access token is invalid";
}

void jwt_token_free(jwt_token_t *t)
{
    if (!t)
        return;
    jose_jws_free(t->jws);
    json_object_put(t->header);
    json_object_put(t->claims);
    free(t->val_user_ids);
    free(t);
}

/* Decodes one part into a fresh buffer (NUL-terminated for convenience). */
static uint8_t *decode_part(const char *s, size_t len, size_t *out_len)
{
    size_t n = b64url_decoded_len(len);
    if (n == SIZE_MAX)
        return NULL;
    uint8_t *buf = malloc(n + 1);
    if (!buf)
        return NULL;
    if (b64url_decode(s, len, buf, n, out_len) != 0) {
        free(buf);
        return NULL;
    }
    buf[*out_len] = 0;
    return buf;
}

static int typ_ok(const char *typ, const jwt_policy_t *pol)
{
    if (!typ)
        return 0;
    for (size_t i = 0; i < pol->n_typ; i++)
        if (pol->typ[i] && strcasecmp(typ, pol->typ[i]) == 0)
            return 1;
    return 0;
}

/* The header checks, in order: alg first (RFC 8725 3.1). */
static jwt_status_t check_header(jwt_token_t *t, const jwt_policy_t *pol)
{
    json_object *h = t->header, *v;
    if (!json_object_is_type(h, json_type_object))
        return JWT_E_MALFORMED;
    const char *alg = jwt_json_str(h, "alg", NULL);
    if (alg && strcmp(alg, "ES256") == 0)
        t->alg = JWK_ALG_ES256;
    else if (alg && strcmp(alg, "EdDSA") == 0)
        t->alg = JWK_ALG_EDDSA;
    else
        return JWT_E_ALG;
    /* Extensions we do not implement must not be ignored (RFC 7515 4.1.11);
     * compressed and nested tokens are not access tokens. */
    if (json_object_object_get_ex(h, "crit", &v) || json_object_object_get_ex(h, "zip", &v) ||
        json_object_object_get_ex(h, "cty", &v) || json_object_object_get_ex(h, "b64", &v))
        return JWT_E_MALFORMED;
    size_t kid_len = 0;
    t->kid = jwt_json_str(h, "kid", &kid_len);
    if (!t->kid || kid_len == 0 || kid_len > JWKS_KID_MAX)
        return JWT_E_MALFORMED;
    if (!typ_ok(jwt_json_str(h, "typ", NULL), pol))
        return JWT_E_TYP;
    return JWT_OK;
}

jwt_status_t jwt_token_parse(const char *text, size_t len, const jwt_policy_t *pol,
                             jwt_token_t **out)
{
    *out = NULL;
    if (!text || !pol || len == 0 || len > pol->max_len)
        return JWT_E_MALFORMED;
    const char *d1 = memchr(text, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - text)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - text)))
        return JWT_E_MALFORMED;
    size_t hlen = (size_t)(d1 - text), plen = (size_t)(d2 - d1 - 1);
    size_t slen = len - (size_t)(d2 + 1 - text);
    if (hlen == 0 || plen == 0)
        return JWT_E_MALFORMED;

    jwt_token_t *t = calloc(1, sizeof *t);
    if (!t)
        return JWT_E_NOMEM;
    jwt_status_t st = JWT_E_MALFORMED;
    size_t n = 0;
    uint8_t *part = decode_part(text, hlen, &n);
    if (!part)
        goto fail;
    t->header = jwt_json_parse((const char *)part, n);
    free(part);
    if ((st = check_header(t, pol)) != JWT_OK)
        goto fail;

    /* The signature: canonical base64url, of the one length both
     * algorithms use. */
    st = JWT_E_MALFORMED;
    uint8_t *sig = slen ? decode_part(d2 + 1, slen, &n) : NULL;
    if (!sig)
        goto fail;
    free(sig);
    st = JWT_E_SIGNATURE;
    if (n != SIG_LEN)
        goto fail;

    st = JWT_E_MALFORMED;
    size_t payload_len = 0;
    uint8_t *payload = decode_part(d1 + 1, plen, &payload_len);
    if (!payload)
        goto fail;
    t->claims = jwt_json_parse((const char *)payload, payload_len);
    if (!json_object_is_type(t->claims, json_type_object)) {
        free(payload);
        goto fail;
    }
    t->iss = jwt_json_str(t->claims, "iss", NULL);

    /* librhonabwy's reading must agree with ours. */
    jwk_alg_t ralg = JWK_ALG_NONE;
    const uint8_t *rp = NULL;
    size_t rlen = 0;
    t->jws = jose_jws_parse(text, len, &ralg, &rp, &rlen);
    int ok = t->jws && ralg == t->alg && rlen == payload_len && memcmp(rp, payload, rlen) == 0;
    free(payload);
    if (!ok)
        goto fail;
    *out = t;
    return JWT_OK;
fail:
    jwt_token_free(t);
    return st;
}

jwk_alg_t jwt_token_alg(const jwt_token_t *t)
{
    return t ? t->alg : JWK_ALG_NONE;
}

const char *jwt_token_kid(const jwt_token_t *t)
{
    return t ? t->kid : NULL;
}

const char *jwt_token_iss(const jwt_token_t *t)
{
    return t ? t->iss : NULL;
}

jwt_status_t jwt_token_verify(jwt_token_t *t, jwk_alg_t alg, const char *jwk_text)
{
    if (!t || !t->jws || !jwk_text)
        return JWT_E_SIGNATURE;
    if (alg != t->alg)
        return JWT_E_ALG;
    return jose_jws_verify(t->jws, jwk_text) ? JWT_OK : JWT_E_SIGNATURE;
}

/* A NumericDate (RFC 7519 2): 1 read, 0 absent, -1 wrong type or range. */
static int get_time(json_object *o, const char *key, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return 0;
    if (json_object_is_type(v, json_type_int)) {
        errno = 0;
        int64_t x = json_object_get_int64(v);
        if (errno || x < 0 || x > TIME_MAX)
            return -1;
        *out = x;
        return 1;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (!isfinite(d) || d < 0 || d > (double)TIME_MAX)
            return -1;
        *out = (int64_t)floor(d);
        return 1;
    }
    return -1;
}

static int aud_ok(json_object *claims, const char *audience)
{
    json_object *v;
    if (!audience || !json_object_object_get_ex(claims, "aud", &v))
        return 0;
    if (json_object_is_type(v, json_type_string)) {
        return jwt_json_str(claims, "aud", NULL) && strcmp(json_object_get_string(v), audience) == 0;
    }
    if (!json_object_is_type(v, json_type_array))
        return 0;
    size_t n = json_object_array_length(v);
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(v, i);
        if (json_object_is_type(a, json_type_string) &&
            (size_t)json_object_get_string_len(a) == strlen(json_object_get_string(a)) &&
            strcmp(json_object_get_string(a), audience) == 0)
            return 1;
    }
    return 0;
}

/* 1..255 octets, printable ASCII or UTF-8 (no controls); no space when
 * the value goes into a space-separated list. */
static int text_ok(const char *s, size_t len, int allow_space)
{
    if (!s || len == 0 || len > TEXT_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (c == ' ' && !allow_space))
            return 0;
    }
    return 1;
}

/* The val_user_ids claim joined with spaces into t (NULL when absent). */
static int join_val_user_ids(jwt_token_t *t)
{
    json_object *arr;
    if (!json_object_object_get_ex(t->claims, "val_user_ids", &arr))
        return 1;
    if (!json_object_is_type(arr, json_type_array))
        return 0;
    size_t n = json_object_array_length(arr), total = 0;
    if (n > JWT_VAL_USER_IDS_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(v, json_type_string))
            return 0;
        size_t len = (size_t)json_object_get_string_len(v);
        const char *s = json_object_get_string(v);
        if (strlen(s) != len || !text_ok(s, len, 0))
            return 0;
        total += len + 1;
    }
    free(t->val_user_ids);
    if (!(t->val_user_ids = malloc(total + 1)))
        return -1;
    char *p = t->val_user_ids;
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        size_t len = (size_t)json_object_get_string_len(v);
        if (i)
            *p++ = ' ';
        memcpy(p, json_object_get_string(v), len);
        p += len;
    }
    *p = '\0';
    return 1;
}

jwt_status_t jwt_token_claims(jwt_token_t *t, const jwt_policy_t *pol, int64_t now,
                              jwt_claims_t *out)
{
    memset(out, 0, sizeof *out);
    if (!t || !t->claims || !pol)
        return JWT_E_CLAIMS;
    json_object *c = t->claims, *v;
    int64_t exp = 0, nbf = 0, iat = 0, leeway = pol->leeway_s;
    int has_exp = get_time(c, "exp", &exp), has_nbf = get_time(c, "nbf", &nbf);
    int has_iat = get_time(c, "iat", &iat);
    if (has_exp <= 0 || has_nbf < 0 || has_iat <= 0 || !t->iss)
        return JWT_E_CLAIMS;
    if (now >= exp + leeway)
        return JWT_E_EXPIRED;
    if (has_nbf && now < nbf - leeway)
        return JWT_E_NOT_YET_VALID;
    if (iat > now + leeway)
        return JWT_E_IAT;
    if (!aud_ok(c, pol->audience))
        return JWT_E_AUDIENCE;
    size_t sub_len = 0, cid_len = 0, jti_len = 0;
    const char *sub = jwt_json_str(c, "sub", &sub_len);
    if (!text_ok(sub, sub_len, 1))
        return JWT_E_CLAIMS;
    const char *scope = jwt_json_str(c, "scope", NULL);
    if (!scope && json_object_object_get_ex(c, "scope", &v))
        return JWT_E_CLAIMS;
    const char *client_id = jwt_json_str(c, "client_id", &cid_len);
    if (json_object_object_get_ex(c, "client_id", &v) && !text_ok(client_id, cid_len, 1))
        return JWT_E_CLAIMS;
    const char *jti = jwt_json_str(c, "jti", &jti_len);
    if (json_object_object_get_ex(c, "jti", &v) && !text_ok(jti, jti_len, 1))
        return JWT_E_CLAIMS;
    int j = join_val_user_ids(t);
    if (j <= 0)
        return j < 0 ? JWT_E_NOMEM : JWT_E_CLAIMS;
    out->sub = sub;
    out->scope = scope;
    out->client_id = client_id;
    out->val_user_ids = t->val_user_ids;
    out->jti = jti;
    out->exp = exp;
    return JWT_OK;
}

int jwt_scope_has(const char *scope, const char *want)
{
    if (!scope || !want || !*want)
        return 0;
    size_t wl = strlen(want);
    for (const char *p = scope; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == wl && memcmp(p, want, wl) == 0)
            return 1;
        p = e;
    }
    return 0;
}
