/* SPDX-License-Identifier: Apache-2.0 */
/* The KMS master secrets (TS 33.180 5.3; RFC 6507 5.1.1 KSAK/KPAK, RFC 6508
 * 6.1.1 z/Z), their generations and the master-key rollover.
 *
 * Store ("km.master"):
 *   "state"      {"generation", "previous", "overlapUntil"}
 *   "gen-<n>"    {"generation", "created", "kmsUri", "userKeyPeriod",
 *                 "userKeyOffset", "kpak", "z", "secret"}
 * "secret" is KSAK (32) || z (128) wrapped under the KEK (km_kek.c) with
 * the generation, KMS URI, period and offset as additional data. The public
 * keys are derived again from the secrets at load and must match the
 * record. A generation keeps the KMS URI, UserKeyPeriod and UserKeyOffset it
 * was made with: a configuration change takes effect at the next rollover
 * (a UID depends on them, so changing them under issued keys would orphan
 * those keys).
 *
 * Rollover: a new generation becomes current; the old one is "previous"
 * until overlapUntil (now + rollover_overlap), then it is dropped with its
 * stored key sets. One previous generation at a time. One km instance per
 * store. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "km_int.h"

#define SECRET_LEN (32 + 128)

static void gen_free(km_gen_t *g)
{
    if (!g)
        return;
    seal_crypto_key_free(g->eccsi);
    seal_crypto_key_free(g->sakke);
    explicit_bzero(g, sizeof *g);
    free(g);
}

static void gen_key(uint32_t gen, char out[32])
{
    snprintf(out, 32, "gen-%010" PRIu32, gen);
}

static seal_status_t gen_aad(const km_gen_t *g, char *out, size_t cap)
{
    int n = snprintf(out, cap, "seal.km master|%" PRIu32 "|%s|%" PRIu64 "|%" PRIu64,
                     g->generation, g->kms_uri, g->period, g->offset);
    return n > 0 && (size_t)n < cap ? SEAL_OK : SEAL_E_INVAL;
}

/* The public keys of g's secrets. */
static seal_status_t gen_publics(km_gen_t *g)
{
    uint8_t *p = NULL;
    size_t len = 0;
    seal_status_t st = seal_crypto_key_export_public(g->eccsi, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL,
                                                     &p, &len);
    if (st == SEAL_OK && len != SEAL_KM_KPAK_LEN)
        st = SEAL_E_CRYPTO;
    if (st == SEAL_OK)
        memcpy(g->kpak, p, len);
    seal_free(p);
    p = NULL;
    if (st == SEAL_OK)
        st = seal_crypto_key_export_public(g->sakke, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL, &p, &len);
    if (st == SEAL_OK && len != SEAL_KM_Z_LEN)
        st = SEAL_E_CRYPTO;
    if (st == SEAL_OK)
        memcpy(g->z, p, len);
    seal_free(p);
    return st;
}

/* A fresh generation and its store record (malloc'd JSON text). */
static seal_status_t gen_new(km_ctx_t *c, uint32_t generation, km_gen_t **out, char **doc)
{
    *out = NULL;
    *doc = NULL;
    km_gen_t *g = calloc(1, sizeof *g);
    if (!g)
        return SEAL_E_NOMEM;
    g->generation = generation;
    g->created = km_now();
    snprintf(g->kms_uri, sizeof g->kms_uri, "%s", c->kms_uri);
    g->period = c->period;
    g->offset = c->offset;
    uint8_t *ksak = NULL, *z = NULL, secret[SECRET_LEN];
    size_t ksak_len = 0, z_len = 0;
    char *wrapped = NULL, aad[SEAL_KM_URI_MAX + 96];
    seal_status_t st = seal_crypto_key_generate(c->self, SEAL_CRYPTO_KEY_ECCSI_KMS, &g->eccsi);
    if (st == SEAL_OK)
        st = seal_crypto_key_generate(c->self, SEAL_CRYPTO_KEY_SAKKE_KMS, &g->sakke);
    if (st == SEAL_OK)
        st = gen_publics(g);
    if (st == SEAL_OK)
        st = seal_crypto_key_export_secret(g->eccsi, SEAL_CRYPTO_FMT_RAW_SECRET, &ksak,
                                           &ksak_len);
    if (st == SEAL_OK)
        st = seal_crypto_key_export_secret(g->sakke, SEAL_CRYPTO_FMT_RAW_SECRET, &z, &z_len);
    if (st == SEAL_OK && (ksak_len != 32 || z_len != 128))
        st = SEAL_E_CRYPTO;
    if (st == SEAL_OK) {
        memcpy(secret, ksak, 32);
        memcpy(secret + 32, z, 128);
        st = gen_aad(g, aad, sizeof aad);
    }
    if (st == SEAL_OK)
        st = km_wrap(c, aad, secret, SECRET_LEN, &wrapped);
    explicit_bzero(secret, sizeof secret);
    seal_crypto_secret_free(ksak, ksak_len);
    seal_crypto_secret_free(z, z_len);
    if (st == SEAL_OK) {
        char kpak_hex[2 * SEAL_KM_KPAK_LEN + 1], z_hex[2 * SEAL_KM_Z_LEN + 1];
        km_hex(g->kpak, sizeof g->kpak, kpak_hex);
        km_hex(g->z, sizeof g->z, z_hex);
        struct json_object *o = json_object_new_object();
        if (o && !json_object_object_add(o, "generation", json_object_new_int64(generation))
            && !json_object_object_add(o, "created", json_object_new_int64(g->created))
            && !json_object_object_add(o, "kmsUri", json_object_new_string(g->kms_uri))
            && !json_object_object_add(o, "userKeyPeriod",
                                       json_object_new_int64((int64_t)g->period))
            && !json_object_object_add(o, "userKeyOffset",
                                       json_object_new_int64((int64_t)g->offset))
            && !json_object_object_add(o, "kpak", json_object_new_string(kpak_hex))
            && !json_object_object_add(o, "z", json_object_new_string(z_hex))
            && !json_object_object_add(o, "secret", json_object_new_string(wrapped)))
            *doc = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        if (!*doc)
            st = SEAL_E_NOMEM;
    }
    free(wrapped);
    if (st != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "cannot make master keys (generation %" PRIu32 "): %s",
                 generation, seal_strerror(st));
        gen_free(g);
        return st;
    }
    *out = g;
    return SEAL_OK;
}

static seal_status_t gen_load(km_ctx_t *c, uint32_t generation, km_gen_t **out)
{
    char key[32];
    gen_key(generation, key);
    *out = NULL;
    char *json = NULL;
    size_t len = 0;
    seal_status_t st = seal_store_get(c->self, NULL, KM_NS_MASTER, key, &json, &len, NULL);
    if (st != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "master keys of generation %" PRIu32 ": %s",
                 generation, seal_strerror(st));
        return st == SEAL_E_NOTFOUND ? SEAL_E_IO : st;
    }
    struct json_object *o = km_json_parse(json, len);
    seal_free(json);
    km_gen_t *g = calloc(1, sizeof *g);
    const char *uri = km_jstr(o, "kmsUri");
    int64_t period = km_jint(o, "userKeyPeriod", 0), offset = km_jint(o, "userKeyOffset", -1);
    uint8_t kpak[SEAL_KM_KPAK_LEN], z[SEAL_KM_Z_LEN], secret[SECRET_LEN];
    char aad[SEAL_KM_URI_MAX + 96];
    st = !g ? SEAL_E_NOMEM : SEAL_OK;
    if (st == SEAL_OK
        && (!o || km_jint(o, "generation", 0) != generation || !km_kms_uri_ok(uri) || period <= 0
            || offset < 0 || offset >= period
            || km_unhex(km_jstr(o, "kpak"), kpak, sizeof kpak) != 0
            || km_unhex(km_jstr(o, "z"), z, sizeof z) != 0 || !km_jstr(o, "secret"))) {
        seal_log(c->self, SEAL_LOG_ERR, "master keys of generation %" PRIu32 ": malformed "
                 "record", generation);
        st = SEAL_E_IO;
    }
    if (st == SEAL_OK) {
        g->generation = generation;
        g->created = km_jint(o, "created", 0);
        snprintf(g->kms_uri, sizeof g->kms_uri, "%s", uri);
        g->period = (uint64_t)period;
        g->offset = (uint64_t)offset;
        st = gen_aad(g, aad, sizeof aad);
    }
    if (st == SEAL_OK && km_unwrap(c, aad, km_jstr(o, "secret"), secret, SECRET_LEN) != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "master keys of generation %" PRIu32 ": cannot unwrap "
                 "(wrong master_key_file?)", generation);
        st = SEAL_E_CRYPTO;
    }
    if (st == SEAL_OK) {
        st = seal_crypto_key_import(c->self, SEAL_CRYPTO_KEY_ECCSI_KMS,
                                    SEAL_CRYPTO_FMT_RAW_SECRET, secret, 32, &g->eccsi);
        if (st == SEAL_OK)
            st = seal_crypto_key_import(c->self, SEAL_CRYPTO_KEY_SAKKE_KMS,
                                        SEAL_CRYPTO_FMT_RAW_SECRET, secret + 32, 128, &g->sakke);
        if (st == SEAL_OK)
            st = gen_publics(g);
        if (st == SEAL_OK && (memcmp(kpak, g->kpak, sizeof kpak) || memcmp(z, g->z, sizeof z))) {
            seal_log(c->self, SEAL_LOG_ERR, "master keys of generation %" PRIu32 ": the public "
                     "keys of the record do not match its secrets", generation);
            st = SEAL_E_CRYPTO;
        }
    }
    explicit_bzero(secret, sizeof secret);
    json_object_put(o);
    if (st != SEAL_OK) {
        gen_free(g);
        return st;
    }
    *out = g;
    return SEAL_OK;
}

static char *state_doc(uint32_t gen, uint32_t prev, int64_t until)
{
    char buf[128];
    snprintf(buf, sizeof buf, "{\"generation\":%" PRIu32 ",\"previous\":%" PRIu32
             ",\"overlapUntil\":%" PRId64 "}", gen, prev, until);
    return strdup(buf);
}

/* Writes the state (roll_mu held). */
static seal_status_t state_put(km_ctx_t *c, seal_store_txn_t *txn, uint32_t gen, uint32_t prev,
                               int64_t until)
{
    char *doc = state_doc(gen, prev, until);
    if (!doc)
        return SEAL_E_NOMEM;
    seal_status_t st = seal_store_put(c->self, txn, KM_NS_MASTER, "state", doc, strlen(doc),
                                      SEAL_REV_ANY, NULL, 0, NULL);
    free(doc);
    return st;
}

/* Drops the previous generation (roll_mu held). */
static void expire_locked(km_ctx_t *c)
{
    seal_status_t st = state_put(c, NULL, c->cur->generation, 0, 0);
    if (st != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_WARN, "cannot end the overlap: %s (retried later)",
                 seal_strerror(st));
        return;
    }
    pthread_rwlock_wrlock(&c->gen_lock);
    km_gen_t *old = c->prev;
    c->prev = NULL;
    c->overlap_until = 0;
    pthread_rwlock_unlock(&c->gen_lock);
    uint32_t gen = old->generation;
    gen_free(old);
    char key[32];
    gen_key(gen, key);
    st = seal_store_delete(c->self, NULL, KM_NS_MASTER, key, SEAL_REV_ANY);
    if (st != SEAL_OK && st != SEAL_E_NOTFOUND)
        seal_log(c->self, SEAL_LOG_WARN, "cannot delete the master keys of generation %"
                 PRIu32 ": %s", gen, seal_strerror(st));
    km_keys_drop_generation(c, gen);
    seal_log(c->self, SEAL_LOG_NOTICE, "overlap over: generation %" PRIu32 " retired", gen);
}

/* Rollover (roll_mu held). */
static seal_status_t rollover_locked(km_ctx_t *c)
{
    if (c->prev)
        return SEAL_E_AGAIN;
    uint32_t next = c->cur->generation + 1;
    km_gen_t *g = NULL;
    char *doc = NULL, key[32];
    seal_status_t st = gen_new(c, next, &g, &doc);
    if (st != SEAL_OK)
        return st;
    gen_key(next, key);
    int64_t now = km_now(), until = now + c->overlap;
    seal_store_txn_t *txn = NULL;
    st = seal_store_txn_begin(c->self, &txn);
    if (st == SEAL_OK) {
        st = seal_store_put(c->self, txn, KM_NS_MASTER, key, doc, strlen(doc), SEAL_REV_ABSENT,
                            NULL, 0, NULL);
        if (st == SEAL_OK)
            st = state_put(c, txn, next, c->cur->generation, until);
        if (st == SEAL_OK)
            st = seal_store_txn_commit(txn);
        else
            seal_store_txn_abort(txn);
    }
    free(doc);
    if (st != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "rollover to generation %" PRIu32 " failed: %s", next,
                 seal_strerror(st));
        gen_free(g);
        return st;
    }
    pthread_rwlock_wrlock(&c->gen_lock);
    uint32_t old = c->cur->generation;
    c->prev = c->cur;
    c->cur = g;
    c->overlap_until = until;
    pthread_rwlock_unlock(&c->gen_lock);
    seal_log(c->self, SEAL_LOG_NOTICE, "master-key rollover: generation %" PRIu32 " current, "
             "generation %" PRIu32 " served until %" PRId64, next, old, until);
    struct json_object *ev = json_object_new_object();
    if (ev) {
        json_object_object_add(ev, "generation", json_object_new_int64(next));
        json_object_object_add(ev, "previousGeneration", json_object_new_int64(old));
        json_object_object_add(ev, "overlapUntil", json_object_new_int64(until));
    }
    km_publish(c, SEAL_KM_EVENT_ROLLOVER, ev);
    if (c->overlap == 0)
        expire_locked(c);
    return SEAL_OK;
}

seal_status_t km_tick(km_ctx_t *c)
{
    if (!c->cur)
        return SEAL_E_STATE;   /* a consumer started before km */
    int64_t now = km_now();
    pthread_rwlock_rdlock(&c->gen_lock);
    int expire = c->prev && now >= c->overlap_until;
    int roll = c->lifetime > 0 && !c->prev && now >= c->cur->created + c->lifetime;
    pthread_rwlock_unlock(&c->gen_lock);
    if (!expire && !roll)
        return SEAL_OK;
    pthread_mutex_lock(&c->roll_mu);
    if (c->prev && now >= c->overlap_until)
        expire_locked(c);
    if (c->lifetime > 0 && !c->prev && now >= c->cur->created + c->lifetime)
        rollover_locked(c);
    pthread_mutex_unlock(&c->roll_mu);
    return SEAL_OK;
}

seal_status_t km_rollover(km_ctx_t *c)
{
    seal_status_t st = km_tick(c);
    if (st != SEAL_OK)
        return st;
    pthread_mutex_lock(&c->roll_mu);
    st = rollover_locked(c);
    pthread_mutex_unlock(&c->roll_mu);
    return st;
}

void km_cert_fill(const km_ctx_t *c, const km_gen_t *g, int64_t valid_to, seal_km_cert_t *cert)
{
    seal_km_cert_t t;
    memset(&t, 0, sizeof t);
    t.struct_size = cert->struct_size;
    t.generation = g->generation;
    snprintf(t.id, sizeof t.id, "kms-cert-%" PRIu32, g->generation);
    snprintf(t.kms_uri, sizeof t.kms_uri, "%s", g->kms_uri);
    /* CertUri: the KMS URI with the generation, so two certificates of one
     * KMS are told apart (33.180 D.3.4 leaves its form open). Cut to fit. */
    snprintf(t.cert_uri, sizeof t.cert_uri, "%.*s/cert/%" PRIu32, SEAL_KM_URI_MAX - 16,
             g->kms_uri, g->generation);
    snprintf(t.issuer, sizeof t.issuer, "%s", c->issuer);
    t.valid_from = g->created;
    t.valid_to = valid_to;
    t.revoked = 0;
    t.user_id_format = SEAL_KM_USER_ID_FORMAT;
    t.user_key_period = g->period;
    t.user_key_offset = g->offset;
    memcpy(t.pub_enc_key, g->z, sizeof t.pub_enc_key);
    memcpy(t.pub_auth_key, g->kpak, sizeof t.pub_auth_key);
    t.parameter_set = SEAL_KM_PARAMETER_SET;
    size_t n = cert->struct_size < sizeof t ? cert->struct_size : sizeof t;
    memcpy(cert, &t, n);
}

seal_status_t km_master_start(km_ctx_t *c)
{
    char *json = NULL;
    size_t len = 0;
    seal_status_t st = seal_store_get(c->self, NULL, KM_NS_MASTER, "state", &json, &len, NULL);
    if (st == SEAL_E_NOTFOUND) {
        /* First start: a KEK (created if absent) and generation 1. */
        if ((st = km_kek_load(c, 1)) != SEAL_OK)
            return st;
        km_gen_t *g = NULL;
        char *doc = NULL, *state = state_doc(1, 0, 0), key[32];
        gen_key(1, key);
        st = state ? gen_new(c, 1, &g, &doc) : SEAL_E_NOMEM;
        seal_store_txn_t *txn = NULL;
        if (st == SEAL_OK && (st = seal_store_txn_begin(c->self, &txn)) == SEAL_OK) {
            st = seal_store_put(c->self, txn, KM_NS_MASTER, key, doc, strlen(doc),
                                SEAL_REV_ABSENT, NULL, 0, NULL);
            if (st == SEAL_OK)
                st = seal_store_put(c->self, txn, KM_NS_MASTER, "state", state, strlen(state),
                                    SEAL_REV_ABSENT, NULL, 0, NULL);
            if (st == SEAL_OK)
                st = seal_store_txn_commit(txn);
            else
                seal_store_txn_abort(txn);
        }
        free(doc);
        free(state);
        if (st != SEAL_OK) {
            seal_log(c->self, SEAL_LOG_ERR, "cannot store the first master keys: %s",
                     seal_strerror(st));
            gen_free(g);
            return st;
        }
        c->cur = g;
        seal_log(c->self, SEAL_LOG_NOTICE, "created the KMS master keys (generation 1) for %s",
                 g->kms_uri);
        return SEAL_OK;
    }
    if (st != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "cannot read the KMS state: %s", seal_strerror(st));
        return st;
    }
    struct json_object *o = km_json_parse(json, len);
    seal_free(json);
    int64_t gen = km_jint(o, "generation", 0), prev = km_jint(o, "previous", -1);
    int64_t until = km_jint(o, "overlapUntil", -1);
    json_object_put(o);
    if (gen <= 0 || gen > UINT32_MAX || prev < 0 || prev >= gen || until < 0) {
        seal_log(c->self, SEAL_LOG_ERR, "the KMS state record is malformed");
        return SEAL_E_IO;
    }
    if ((st = km_kek_load(c, 0)) != SEAL_OK || (st = gen_load(c, (uint32_t)gen, &c->cur)))
        return st;
    if (prev > 0) {
        if ((st = gen_load(c, (uint32_t)prev, &c->prev)) != SEAL_OK)
            return st;
        c->overlap_until = until;
    }
    const km_gen_t *g = c->cur;
    if (strcmp(g->kms_uri, c->kms_uri) != 0 || g->period != c->period || g->offset != c->offset)
        seal_log(c->self, SEAL_LOG_WARN, "kms_uri, user_key_period or user_key_offset differ "
                 "from the current certificate (%s, %" PRIu64 ", %" PRIu64 "): the change takes "
                 "effect at the next master-key rollover", g->kms_uri, g->period, g->offset);
    seal_log(c->self, SEAL_LOG_INFO, "KMS %s: master keys of generation %" PRIu32 " loaded%s",
             g->kms_uri, g->generation, c->prev ? " (overlap with the previous one)" : "");
    return SEAL_OK;
}

void km_master_free(km_ctx_t *c)
{
    gen_free(c->cur);
    gen_free(c->prev);
    c->cur = c->prev = NULL;
    km_kek_free(c);
}
