/* SPDX-License-Identifier: Apache-2.0 */
/* The tokens this server signs and checks.
 *
 * Access token (RFC 9068, TS 33.180 B.2.2 / TS 33.434 A.2.2): JWS compact,
 * ES256, header typ "at+jwt"; claims iss, sub, aud (config "audience"),
 * exp, iat, nbf (= iat), jti, client_id, scope (space-separated) and, for a
 * user, val_user_ids (the user's VAL user identities).
 *
 * ID token (OIDC Core 2, TS 33.180 B.2.1 / TS 33.434 A.2.1): typ "JWT";
 * iss, sub, aud (the client_id), exp, iat, auth_time, nonce (when the
 * authorization request had one) and val_user_ids. */
#include <stdlib.h>
#include <string.h>
#include "im_int.h"

static struct json_object *base_claims(im_ctx_t *c, const im_grant_t *g, const char *aud,
                                       int64_t now, int64_t ttl)
{
    struct json_object *o = json_object_new_object();
    if (!o || im_jadd_str(o, "iss", c->issuer) || im_jadd_str(o, "sub", g->sub)
        || im_jadd_str(o, "aud", aud) || im_jadd_int(o, "exp", now + ttl)
        || im_jadd_int(o, "iat", now)) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static int add_val_ids(struct json_object *o, const im_grant_t *g)
{
    if (!g->val_user_ids)
        return 0;
    return json_object_object_add(o, "val_user_ids", json_object_get(g->val_user_ids));
}

char *im_access_token(im_ctx_t *c, const im_grant_t *g, char jti[IM_TOKEN_CHARS + 1],
                      int64_t *exp)
{
    int64_t now = im_now();
    if (im_random_token(c, jti) != SEAL_OK)
        return NULL;
    struct json_object *o = base_claims(c, g, c->audience, now, c->at_ttl);
    char *jws = NULL;
    if (o && !im_jadd_int(o, "nbf", now) && !im_jadd_str(o, "jti", jti)
        && !im_jadd_str(o, "client_id", g->client_id) && !im_jadd_str(o, "scope", g->scope)
        && !add_val_ids(o, g))
        jws = im_jws_sign(c, "at+jwt", o);
    json_object_put(o);
    if (exp)
        *exp = now + c->at_ttl;
    return jws;
}

char *im_id_token(im_ctx_t *c, const im_grant_t *g)
{
    int64_t now = im_now();
    struct json_object *o = base_claims(c, g, g->client_id, now, c->id_ttl);
    char *jws = NULL;
    if (o && !im_jadd_int(o, "auth_time", g->auth_time)
        && !(g->nonce && im_jadd_str(o, "nonce", g->nonce)) && !add_val_ids(o, g))
        jws = im_jws_sign(c, "JWT", o);
    json_object_put(o);
    return jws;
}

static char *own_key(const char *kid, void *ctx)
{
    return im_keys_public_jwk(ctx, kid);
}

int im_own_jwt_check(im_ctx_t *c, const char *token, struct json_object **claims, char **typ)
{
    char *text = NULL;
    *claims = NULL;
    if (im_jwt_verify(c->self, token, own_key, c, &text, typ) != IM_JWT_OK)
        return -1;
    struct json_object *o = im_json_parse(text, strlen(text));
    free(text);
    int64_t now = im_now();
    const char *iss = im_jstr(o, "iss");
    int64_t exp = im_jint(o, "exp", INT64_MIN), nbf = im_jint(o, "nbf", 0);
    int64_t iat = im_jint(o, "iat", 0);
    if (!json_object_is_type(o, json_type_object) || !iss || strcmp(iss, c->issuer) != 0
        || !im_jstr(o, "sub") || exp == INT64_MIN || exp + IM_LEEWAY <= now
        || nbf > now + IM_LEEWAY || iat > now + IM_LEEWAY) {
        json_object_put(o);
        if (typ) {
            free(*typ);
            *typ = NULL;
        }
        return -1;
    }
    *claims = o;
    return 0;
}

int im_access_token_check(im_ctx_t *c, const char *token, struct json_object **claims,
                          seal_im_error_t *err)
{
    char *typ = NULL;
    struct json_object *o = NULL;
    *claims = NULL;
    if (im_own_jwt_check(c, token, &o, &typ) != 0) {
        im_err(err, "invalid_token", 401, "the access token is invalid or expired");
        return -1;
    }
    const char *jti = im_jstr(o, "jti");
    int ok = typ && strcmp(typ, "at+jwt") == 0 && im_aud_has(o, c->audience) && jti
             && im_jstr(o, "client_id") && im_jstr(o, "scope");
    free(typ);
    if (!ok) {
        im_err(err, "invalid_token", 401, "not an access token of this server");
    } else if (im_jti_revoked(c, jti)) {
        im_err(err, "invalid_token", 401, "the access token was revoked");
        ok = 0;
    }
    if (!ok) {
        json_object_put(o);
        return -1;
    }
    *claims = o;
    return 0;
}
