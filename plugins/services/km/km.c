/* SPDX-License-Identifier: Apache-2.0 */
/* The SEAL key management server (SKM-S; TS 33.434 5.3 after TS 33.180 5.3
 * and Annex D): KMS master secrets, the KMS certificate, user key material
 * issued once per identity and key period, revocation and master-key
 * rollover, served to bindings through "seal.km.v1"
 * (seal/services/km.h). Knows nothing of HTTP or XML. See README for the
 * configuration and the store layout. */
#include <stdlib.h>
#include <string.h>
#include "km_int.h"

static seal_status_t op_cert(void *user, int which, seal_km_cert_t *cert)
{
    km_ctx_t *c = user;
    if (!cert || cert->struct_size < sizeof(uint32_t))
        return SEAL_E_INVAL;
    if (which != SEAL_KM_CURRENT && which != SEAL_KM_PREVIOUS)
        return SEAL_E_INVAL;
    seal_status_t st = km_tick(c);
    if (st != SEAL_OK)
        return st;
    pthread_rwlock_rdlock(&c->gen_lock);
    if (which == SEAL_KM_CURRENT) {
        int64_t to = c->lifetime > 0 ? c->cur->created + c->lifetime + c->overlap : 0;
        km_cert_fill(c, c->cur, to, cert);
    } else if (c->prev) {
        km_cert_fill(c, c->prev, c->overlap_until, cert);
    } else {
        st = SEAL_E_NOTFOUND;
    }
    pthread_rwlock_unlock(&c->gen_lock);
    return st;
}

static seal_status_t op_period_at(void *user, int which, int64_t t, uint64_t *period_no)
{
    return km_period_at(user, which, t, period_no);
}

static seal_status_t op_keyset(void *user, int which, const char *identity, uint64_t period_no,
                               seal_km_keyset_t *ks)
{
    return km_keyset(user, which, identity, period_no, ks);
}

static seal_status_t op_uid(void *user, int which, const char *identity, uint64_t period_no,
                            uint8_t uid[SEAL_KM_UID_LEN])
{
    return km_uid(user, which, identity, period_no, uid);
}

static seal_status_t op_entitled(void *user, const seal_km_caller_t *caller,
                                 const char *identity)
{
    return km_entitled(user, caller, identity);
}

static seal_status_t op_identities(void *user, const seal_km_caller_t *caller, char **list,
                                   size_t *len)
{
    if (!list)
        return SEAL_E_INVAL;
    return km_identities(user, caller, list, len);
}

static seal_status_t op_revoke(void *user, const char *identity)
{
    return km_revoke(user, identity, 1);
}

static seal_status_t op_restore(void *user, const char *identity)
{
    return km_revoke(user, identity, 0);
}

static seal_status_t op_is_revoked(void *user, const char *identity, int *revoked)
{
    if (!revoked)
        return SEAL_E_INVAL;
    return km_is_revoked(user, identity, revoked);
}

static seal_status_t op_rollover(void *user)
{
    return km_rollover(user);
}

static seal_status_t op_rollover_state(void *user, seal_km_rollover_t *out)
{
    km_ctx_t *c = user;
    if (!out || out->struct_size < sizeof(uint32_t))
        return SEAL_E_INVAL;
    seal_status_t st = km_tick(c);
    if (st != SEAL_OK)
        return st;
    seal_km_rollover_t t;
    memset(&t, 0, sizeof t);
    t.struct_size = out->struct_size;
    pthread_rwlock_rdlock(&c->gen_lock);
    t.generation = c->cur->generation;
    t.previous_generation = c->prev ? c->prev->generation : 0;
    t.current_since = c->cur->created;
    t.overlap_until = c->prev ? c->overlap_until : 0;
    t.next_rollover = c->lifetime > 0 ? c->cur->created + c->lifetime : 0;
    if (t.next_rollover && c->prev && t.next_rollover < c->overlap_until)
        t.next_rollover = c->overlap_until;   /* it waits for the overlap to end */
    t.overlap_s = (uint64_t)c->overlap;
    pthread_rwlock_unlock(&c->gen_lock);
    size_t n = out->struct_size < sizeof t ? out->struct_size : sizeof t;
    memcpy(out, &t, n);
    return SEAL_OK;
}

static const seal_km_v1_t km_iface = {
    .struct_size = sizeof(seal_km_v1_t),
    .cert = op_cert,
    .period_at = op_period_at,
    .keyset = op_keyset,
    .uid = op_uid,
    .entitled = op_entitled,
    .identities = op_identities,
    .revoke = op_revoke,
    .restore = op_restore,
    .is_revoked = op_is_revoked,
    .rollover = op_rollover,
    .rollover_state = op_rollover_state,
};

static seal_status_t km_init(seal_plugin_t *self)
{
    km_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return SEAL_E_NOMEM;
    c->self = self;
    seal_plugin_set_data(self, c);
    if (pthread_rwlock_init(&c->gen_lock, NULL) != 0)
        return SEAL_E_NOMEM;
    if (pthread_mutex_init(&c->roll_mu, NULL) != 0) {
        pthread_rwlock_destroy(&c->gen_lock);
        return SEAL_E_NOMEM;
    }
    c->locks_ready = 1;
    seal_status_t st = km_conf_read(c);
    if (st != SEAL_OK)
        return st;
    seal_service_def_t svc = {
        .struct_size = sizeof svc,
        .name = "km",
        .title = "SEAL key management server",
        .scope = "seal.km",
    };
    if ((st = seal_service_register(self, &svc)) != SEAL_OK) {
        seal_log(self, SEAL_LOG_ERR, "cannot register service km: %s", seal_strerror(st));
        return st;
    }
    /* The context is freed in fini, after every consumer stopped. The
     * master keys are loaded in start (the crypto ABI works from then on),
     * which runs before any consumer's start. */
    st = seal_iface_provide(self, SEAL_KM_IFACE_V1, &km_iface, c, NULL);
    if (st != SEAL_OK)
        seal_log(self, SEAL_LOG_ERR, "cannot provide %s: %s", SEAL_KM_IFACE_V1,
                 seal_strerror(st));
    return st;
}

static seal_status_t km_start(seal_plugin_t *self)
{
    km_ctx_t *c = seal_plugin_data(self);
    uint64_t need = SEAL_CRYPTO_CAP_RANDOM | SEAL_CRYPTO_CAP_AES_GCM | SEAL_CRYPTO_CAP_ECCSI
                    | SEAL_CRYPTO_CAP_SAKKE;
    const char *backend = NULL;
    if ((seal_crypto_caps(self, &backend) & need) != need) {
        seal_log(self, SEAL_LOG_ERR, "the crypto backend (%s) lacks random, aes-gcm, eccsi or "
                 "sakke", backend ? backend : "none");
        return SEAL_E_UNSUPPORTED;
    }
    return km_master_start(c);
}

static void km_fini(seal_plugin_t *self)
{
    km_ctx_t *c = seal_plugin_data(self);
    if (!c)
        return;
    km_master_free(c);
    km_conf_free(c);
    if (c->locks_ready) {
        pthread_rwlock_destroy(&c->gen_lock);
        pthread_mutex_destroy(&c->roll_mu);
    }
    free(c);
    seal_plugin_set_data(self, NULL);
}

static const seal_plugin_desc_t km_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "km",
    .version = "0.1.0",
    .description = "SEAL key management server (KMS: TS 33.434 5.3, TS 33.180 5.3)",
    .init = km_init,
    .start = km_start,
    .fini = km_fini,
};

SEAL_PLUGIN_EXPORT(km_desc)
