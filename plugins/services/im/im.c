/* SPDX-License-Identifier: Apache-2.0 */
/* The SEAL identity management server (TS 23.434 clause 12 / TS 33.434
 * clause 5.2 and Annex A): VAL users, registered clients, signing keys,
 * authorization codes and tokens, served to bindings through "seal.im.v1"
 * (seal/services/im.h). Knows nothing of HTTP; the OpenID Connect endpoints
 * are the im_uu plugin's. See README for the configuration and the store
 * layout. */
#include <stdlib.h>
#include <string.h>
#include "im_int.h"

static const char *im_issuer(void *user)
{
    return ((im_ctx_t *)user)->issuer;
}

static const char *const *im_scopes(void *user)
{
    return (const char *const *)((im_ctx_t *)user)->scopes;
}

static seal_status_t im_jwks(void *user, char **json, size_t *len)
{
    return im_keys_jwks(user, json, len);
}

static seal_status_t im_key_rotate(void *user, char **out, size_t *out_len)
{
    im_ctx_t *c = user;
    char kid[IM_KID_MAX] = "", prev[IM_KID_MAX] = "";
    *out = NULL;
    seal_status_t st = im_keys_rotate(c, kid, prev);
    if (st != SEAL_OK)
        return st;
    struct json_object *o = json_object_new_object();
    if (o && !im_jadd_str(o, "kid", kid)
        && !json_object_object_add(o, "previous_kid", prev[0] ? json_object_new_string(prev)
                                                              : NULL))
        *out = im_json_text(o, out_len);
    json_object_put(o);
    return *out ? SEAL_OK : SEAL_E_NOMEM;
}

static const seal_im_v1_t im_iface = {
    .struct_size = sizeof(seal_im_v1_t),
    .issuer = im_issuer,
    .scopes = im_scopes,
    .jwks = im_jwks,
    .authorize_check = im_authorize_check,
    .authorize_login = im_authorize_login,
    .token = im_token,
    .userinfo = im_userinfo,
    .revoke = im_revoke,
    .introspect = im_introspect,
    .user_add = im_user_add,
    .user_list = im_user_list,
    .user_disable = im_user_disable,
    .client_add = im_client_add,
    .client_list = im_client_list,
    .client_disable = im_client_disable,
    .key_rotate = im_key_rotate,
    .revocations = im_revocations,
};

static void ctx_free(im_ctx_t *c)
{
    if (!c)
        return;
    im_exchange_free(c);
    im_keys_free(c);
    im_throttle_free(c->throttle);
    im_conf_free(c);
    im_revlist_free(c);
    free(c->dummy_hash);
    pthread_rwlock_destroy(&c->ring_lock);
    pthread_mutex_destroy(&c->rotate_mu);
    free(c);
}

static seal_status_t im_init(seal_plugin_t *self)
{
    im_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return SEAL_E_NOMEM;
    c->self = self;
    c->cur = SIZE_MAX;
    pthread_rwlock_init(&c->ring_lock, NULL);
    pthread_mutex_init(&c->rotate_mu, NULL);
    im_revlist_init(c);
    seal_plugin_set_data(self, c);
    seal_status_t st = im_conf_read(c);
    if (st != SEAL_OK)
        return st;
    if (!(c->throttle = im_throttle_new()))
        return SEAL_E_NOMEM;
    static const seal_service_def_t svc = {
        .struct_size = sizeof(seal_service_def_t),
        .name = "im",
        .title = "SEAL identity management server",
        .scope = "openid",
    };
    if ((st = seal_service_register(self, &svc)) != SEAL_OK) {
        seal_log(self, SEAL_LOG_ERR, "cannot register service im: %s", seal_strerror(st));
        return st;
    }
    /* The context is freed in fini, after every consumer stopped. */
    st = seal_iface_provide(self, SEAL_IM_IFACE_V1, &im_iface, c, NULL);
    if (st != SEAL_OK)
        seal_log(self, SEAL_LOG_ERR, "cannot provide %s: %s", SEAL_IM_IFACE_V1,
                 seal_strerror(st));
    return st;
}

static seal_status_t im_start(seal_plugin_t *self)
{
    im_ctx_t *c = seal_plugin_data(self);
    uint64_t need = SEAL_CRYPTO_CAP_RANDOM | SEAL_CRYPTO_CAP_SHA256 | SEAL_CRYPTO_CAP_HMAC
                    | SEAL_CRYPTO_CAP_AES_GCM | SEAL_CRYPTO_CAP_ES256;
    if ((seal_crypto_caps(self, NULL) & need) != need) {
        seal_log(self, SEAL_LOG_ERR, "the crypto backend lacks random, sha256, hmac, aes-gcm "
                 "or es256");
        return SEAL_E_UNSUPPORTED;
    }
    seal_status_t st = im_keys_start(c);
    if (st != SEAL_OK)
        return st;
    /* A hash to check against when the user does not exist, so that the
     * answer takes as long as for a wrong password. A decoy, not a real
     * hash: hashing here cost a whole argon2id at every start. */
    uint8_t rnd[16 + 32];
    im_a2_t a = { c->a2_t, c->a2_m_kib, c->a2_p };
    if ((st = seal_crypto_random(self, rnd, sizeof rnd)) != SEAL_OK)
        return st;
    c->dummy_hash = im_password_decoy(&a, rnd, rnd + 16);
    if (!c->dummy_hash)
        return SEAL_E_NOMEM;
    seal_log(self, SEAL_LOG_INFO, "issuer %s, %zu signing key(s), %zu partner(s)", c->issuer,
             c->nkeys, c->npartners);
    return SEAL_OK;
}

static void im_fini(seal_plugin_t *self)
{
    ctx_free(seal_plugin_data(self));
    seal_plugin_set_data(self, NULL);
}

static const seal_plugin_desc_t im_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "im",
    .version = "0.1.0",
    .description = "SEAL identity management server (TS 33.434 5.2, OpenID Connect)",
    .init = im_init,
    .start = im_start,
    .fini = im_fini,
};

SEAL_PLUGIN_EXPORT(im_desc)
