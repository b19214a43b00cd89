/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 7515 / RFC 7519 / RFC 8725: verifying JWS-compact JWTs that come
 * from outside (token exchange subject tokens, tokens presented at
 * userinfo, revocation and introspection).
 *
 * Layers, in order:
 *  1. shape: three base64url parts (canonical), bounded length;
 *  2. the header: alg must be ES256 or EdDSA ("none", the HMAC family --
 *     an HS256 token "signed" with a public key -- and everything else are
 *     refused before any key is touched); zip, crit, cty, b64 and
 *     header-carried keys (jwk, jku, x5u, x5c) are refused (librhonabwy
 *     would inflate a "zip" payload without bound, or follow a key URL);
 *     kid is required, typ if present a string;
 *  3. the payload must be a JSON object;
 *  4. librhonabwy parses the JWS too and must agree on the algorithm and
 *     the payload octets (im_jwt.c);
 *  5. the signature (64 octets) is checked through the crypto ABI over the
 *     token's own signing input, not a re-encoding, with the key lookup
 *     returns for kid, whose type must be the algorithm's.
 * The claims returned are the verified payload octets. */
#include <stdlib.h>
#include <string.h>
#include "im_int.h"

#define MAX_TOKEN 16384

/* Splits a compact JWS into its three parts; 0 or -1. */
static int split(const char *t, size_t *hlen, const char **p, size_t *plen, const char **s,
                 size_t *slen)
{
    size_t n = strnlen(t, MAX_TOKEN + 1);
    if (n == 0 || n > MAX_TOKEN)
        return -1;
    const char *d1 = memchr(t, '.', n);
    const char *d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - t)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - t)))
        return -1;
    *hlen = (size_t)(d1 - t);
    *p = d1 + 1;
    *plen = (size_t)(d2 - *p);
    *s = d2 + 1;
    *slen = n - (size_t)(*s - t);
    return *hlen && *plen && *slen ? 0 : -1;
}

/* A base64url part decoded and read as a JSON object, or NULL. */
static struct json_object *part_object(const char *b64, size_t n, uint8_t **raw, size_t *raw_len)
{
    uint8_t *buf = malloc(n * 3 / 4 + 1);
    size_t len = 0;
    if (!buf || b64url_decode(b64, n, buf, n * 3 / 4 + 1, &len) != 0) {
        free(buf);
        return NULL;
    }
    struct json_object *o = memchr(buf, '\0', len) ? NULL : im_json_parse((char *)buf, len);
    if (o && !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        o = NULL;
    }
    if (o && raw) {
        *raw = buf;
        *raw_len = len;
    } else {
        free(buf);
    }
    return o;
}

int im_jwt_verify(seal_plugin_t *self, const char *token, im_jwk_lookup_fn lookup, void *lctx,
                  char **claims, char **typ)
{
    const char *p, *s;
    size_t hlen, plen, slen, pay_len = 0, sig_len = 0;
    uint8_t *pay = NULL, sig[96];
    struct json_object *h = NULL, *c = NULL, *t = NULL;
    char *jwk = NULL;
    seal_crypto_key_t *key = NULL;
    int rc = IM_JWT_MALFORMED;

    *claims = NULL;
    if (typ)
        *typ = NULL;
    if (!token || split(token, &hlen, &p, &plen, &s, &slen) != 0
        || !(h = part_object(token, hlen, NULL, NULL)))
        goto out;
    static const char *const refused[] = { "zip", "crit", "cty", "b64", "jwk", "jku", "x5u",
                                           "x5c", NULL };
    for (size_t i = 0; refused[i]; i++)
        if (json_object_object_get_ex(h, refused[i], NULL))
            goto out;
    const char *alg = im_jstr(h, "alg");
    int es256 = alg && strcmp(alg, "ES256") == 0, eddsa = alg && strcmp(alg, "EdDSA") == 0;
    if (!es256 && !eddsa) {
        rc = IM_JWT_ALG;
        goto out;
    }
    if (json_object_object_get_ex(h, "typ", &t) && !json_object_is_type(t, json_type_string))
        goto out;
    const char *kid = im_jstr(h, "kid");
    if (!kid) {
        rc = IM_JWT_KID;
        goto out;
    }
    if (!(c = part_object(p, plen, &pay, &pay_len))
        || b64url_decode(s, slen, sig, sizeof sig, &sig_len) != 0
        || !im_jwt_lib_agrees(token, es256, pay, pay_len))
        goto out;
    rc = IM_JWT_KID;
    if (!(jwk = lookup(kid, lctx))
        || seal_crypto_key_import(self, 0, SEAL_CRYPTO_FMT_JWK, jwk, strlen(jwk), &key) != SEAL_OK
        || seal_crypto_key_type(key) != (es256 ? SEAL_CRYPTO_KEY_ES256 : SEAL_CRYPTO_KEY_EDDSA))
        goto out;
    rc = IM_JWT_SIG;
    if (sig_len != 64 || seal_crypto_verify(key, token, hlen + 1 + plen, sig, sig_len) != SEAL_OK)
        goto out;
    rc = IM_JWT_NOMEM;
    if (!(*claims = strndup((const char *)pay, pay_len))
        || (typ && t && !(*typ = strdup(json_object_get_string(t))))) {
        free(*claims);
        *claims = NULL;
        goto out;
    }
    rc = IM_JWT_OK;
out:
    seal_crypto_key_free(key);
    free(jwk);
    json_object_put(c);
    json_object_put(h);
    free(pay);
    return rc;
}

char *im_jwt_peek_iss(const char *token)
{
    const char *p, *s;
    size_t hlen, plen, slen;
    struct json_object *c = NULL;
    char *out = NULL;
    if (token && split(token, &hlen, &p, &plen, &s, &slen) == 0
        && (c = part_object(p, plen, NULL, NULL))) {
        const char *iss = im_jstr(c, "iss");
        out = iss ? strdup(iss) : NULL;
    }
    json_object_put(c);
    return out;
}
