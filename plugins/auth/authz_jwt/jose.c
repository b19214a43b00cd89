/* SPDX-License-Identifier: Apache-2.0 */
/* librhonabwy (JWS RFC 7515, JWK RFC 7517) for authz_jwt. Callers have
 * already refused what this library should not see (jwt_check.c). */
#include <gnutls/abstract.h>
#include <rhonabwy.h>
#include "jose.h"

struct jose_jws {
    jws_t *jws;
};

jose_jws_t *jose_jws_parse(const char *text, size_t len, jwk_alg_t *alg,
                           const uint8_t **payload, size_t *payload_len)
{
    jose_jws_t *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    if (r_jws_init(&j->jws) != RHN_OK ||
        r_jws_advanced_compact_parsen(j->jws, text, len, R_PARSE_NONE, R_FLAG_IGNORE_REMOTE) !=
            RHN_OK ||
        !(*payload = r_jws_get_payload(j->jws, payload_len))) {
        jose_jws_free(j);
        return NULL;
    }
    switch (r_jws_get_alg(j->jws)) {
    case R_JWA_ALG_ES256: *alg = JWK_ALG_ES256; break;
    case R_JWA_ALG_EDDSA: *alg = JWK_ALG_EDDSA; break;
    default: *alg = JWK_ALG_NONE; break;
    }
    return j;
}

int jose_jws_verify(jose_jws_t *j, const char *text)
{
    jwk_t *jwk = NULL;
    if (!j || !text || r_jwk_init(&jwk) != RHN_OK)
        return 0;
    int ok = r_jwk_import_from_json_str(jwk, text) == RHN_OK &&
             r_jws_verify_signature(j->jws, jwk, R_FLAG_IGNORE_REMOTE) == RHN_OK;
    r_jwk_free(jwk);
    return ok;
}

void jose_jws_free(jose_jws_t *j)
{
    if (!j)
        return;
    if (j->jws)
        r_jws_free(j->jws);
    free(j);
}

int jose_jwk_usable(const char *text, jwk_alg_t alg)
{
    jwk_t *jwk = NULL;
    int ok = 0;
    if (r_jwk_init(&jwk) != RHN_OK)
        return 0;
    if (r_jwk_import_from_json_str(jwk, text) == RHN_OK) {
        int type = r_jwk_key_type(jwk, NULL, R_FLAG_IGNORE_REMOTE);
        int want = alg == JWK_ALG_ES256 ? R_KEY_TYPE_EC : R_KEY_TYPE_EDDSA;
        if ((type & R_KEY_TYPE_PUBLIC) && (type & want) && !(type & R_KEY_TYPE_PRIVATE)) {
            gnutls_pubkey_t pub = r_jwk_export_to_gnutls_pubkey(jwk, R_FLAG_IGNORE_REMOTE);
            if (pub) {
                ok = 1;
                gnutls_pubkey_deinit(pub);
            }
        }
    }
    r_jwk_free(jwk);
    return ok;
}
