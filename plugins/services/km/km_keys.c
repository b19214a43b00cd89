/* SPDX-License-Identifier: Apache-2.0 */
/* User key material of the KMS (TS 33.180 5.3.1, D.3.6 KmsKeySet): per
 * identity and key period, the UID of F.2.1 (lib/mikey), the ECCSI SSK/PVT
 * (RFC 6507 5.1.1) and the SAKKE RSK (RFC 6508 6.1.1), issued through the
 * crypto ABI once and stored; revocation.
 *
 * Store:
 *   "km.keys"     key "<generation>/<period>/<identity>" (generation as 10
 *                 digits), {"identity", "generation", "period", "uid", "pvt",
 *                 "issued", "secret"}; term identity=<identity>. "secret" is
 *                 SSK (32) || RSK (257) wrapped under the KEK with the record
 *                 key as additional data.
 *   "km.revoked"  key identity, {"identity", "revokedAt"}.
 * The record is created with SEAL_REV_ABSENT: when two requests issue the
 * same key set at once, one write wins and both answer with the stored one,
 * so a key set is issued once whatever the concurrency. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "km_int.h"
#include "mikey/mikey.h"

#define KS_SECRET_LEN (SEAL_KM_SSK_LEN + SEAL_KM_RSK_LEN)
#define KEY_MAX (SEAL_KM_URI_MAX + 48)

/* The generation for which (gen_lock held shared); NULL if none. */
static km_gen_t *pick(km_ctx_t *c, int which)
{
    return which == SEAL_KM_CURRENT ? c->cur : which == SEAL_KM_PREVIOUS ? c->prev : NULL;
}

static seal_status_t uid_of(const km_gen_t *g, const char *identity, uint64_t period_no,
                            uint8_t uid[SEAL_KM_UID_LEN])
{
    struct mikey_kp kp = { .period = g->period, .offset = g->offset };
    int rc = mikey_uid((const uint8_t *)identity, strlen(identity),
                       (const uint8_t *)g->kms_uri, strlen(g->kms_uri), &kp, period_no, uid);
    return rc == 0 ? SEAL_OK : SEAL_E_INVAL;
}

static seal_status_t period_of(const km_gen_t *g, int64_t t, uint64_t *no)
{
    if (t < -SEAL_KM_NTP_UNIX_OFFSET)
        return SEAL_E_INVAL;
    struct mikey_kp kp = { .period = g->period, .offset = g->offset };
    return mikey_kp_number(&kp, (uint64_t)(t + SEAL_KM_NTP_UNIX_OFFSET), no) == 0
               ? SEAL_OK : SEAL_E_INVAL;
}

static void record_key(uint32_t gen, uint64_t period_no, const char *identity,
                       char out[KEY_MAX])
{
    snprintf(out, KEY_MAX, "%010" PRIu32 "/%" PRIu64 "/%s", gen, period_no, identity);
}

static seal_status_t aad_of(const char *key, char *out, size_t cap)
{
    int n = snprintf(out, cap, "seal.km keyset|%s", key);
    return n > 0 && (size_t)n < cap ? SEAL_OK : SEAL_E_INVAL;
}

/* Reads a stored key set into t (secrets unwrapped). */
static seal_status_t record_read(km_ctx_t *c, const char *key, const char *json, size_t len,
                                 seal_km_keyset_t *t)
{
    struct json_object *o = km_json_parse(json, len);
    uint8_t secret[KS_SECRET_LEN];
    char aad[KEY_MAX + 32];
    seal_status_t st = SEAL_OK;
    if (!o || km_unhex(km_jstr(o, "uid"), t->uid, SEAL_KM_UID_LEN) != 0
        || km_unhex(km_jstr(o, "pvt"), t->pvt, SEAL_KM_PVT_LEN) != 0 || !km_jstr(o, "secret")) {
        seal_log(c->self, SEAL_LOG_ERR, "key set %s: malformed record", key);
        st = SEAL_E_IO;
    }
    if (st == SEAL_OK)
        st = aad_of(key, aad, sizeof aad);
    if (st == SEAL_OK && km_unwrap(c, aad, km_jstr(o, "secret"), secret, sizeof secret)) {
        seal_log(c->self, SEAL_LOG_ERR, "key set %s: cannot unwrap", key);
        st = SEAL_E_CRYPTO;
    }
    if (st == SEAL_OK) {
        memcpy(t->ssk, secret, SEAL_KM_SSK_LEN);
        memcpy(t->rsk, secret + SEAL_KM_SSK_LEN, SEAL_KM_RSK_LEN);
        t->issued_at = km_jint(o, "issued", 0);
    }
    explicit_bzero(secret, sizeof secret);
    json_object_put(o);
    return st;
}

/* Issues a key set into t and stores it; SEAL_E_EXISTS when another
 * request stored it first. */
static seal_status_t issue(km_ctx_t *c, const km_gen_t *g, const char *key,
                           const char *identity, uint64_t period_no, seal_km_keyset_t *t)
{
    uint8_t secret[KS_SECRET_LEN];
    char aad[KEY_MAX + 32], *wrapped = NULL;
    seal_status_t st = uid_of(g, identity, period_no, t->uid);
    if (st == SEAL_OK)
        st = seal_crypto_eccsi_issue(g->eccsi, t->uid, SEAL_KM_UID_LEN, NULL, t->ssk, t->pvt);
    if (st == SEAL_OK)
        st = seal_crypto_sakke_issue_rsk(g->sakke, t->uid, SEAL_KM_UID_LEN, t->rsk);
    if (st == SEAL_OK) {
        memcpy(secret, t->ssk, SEAL_KM_SSK_LEN);
        memcpy(secret + SEAL_KM_SSK_LEN, t->rsk, SEAL_KM_RSK_LEN);
        st = aad_of(key, aad, sizeof aad);
    }
    if (st == SEAL_OK)
        st = km_wrap(c, aad, secret, sizeof secret, &wrapped);
    explicit_bzero(secret, sizeof secret);
    if (st != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "cannot issue the key set of %s for period %" PRIu64
                 ": %s", identity, period_no, seal_strerror(st));
        return st;
    }
    t->issued_at = km_now();
    char uid_hex[2 * SEAL_KM_UID_LEN + 1], pvt_hex[2 * SEAL_KM_PVT_LEN + 1];
    km_hex(t->uid, SEAL_KM_UID_LEN, uid_hex);
    km_hex(t->pvt, SEAL_KM_PVT_LEN, pvt_hex);
    struct json_object *o = json_object_new_object();
    const char *text = NULL;
    if (o && !json_object_object_add(o, "identity", json_object_new_string(identity))
        && !json_object_object_add(o, "generation", json_object_new_int64(g->generation))
        && !json_object_object_add(o, "period", json_object_new_uint64(period_no))
        && !json_object_object_add(o, "uid", json_object_new_string(uid_hex))
        && !json_object_object_add(o, "pvt", json_object_new_string(pvt_hex))
        && !json_object_object_add(o, "issued", json_object_new_int64(t->issued_at))
        && !json_object_object_add(o, "secret", json_object_new_string(wrapped)))
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    seal_store_term_t term = { "identity", identity };
    st = text ? seal_store_put(c->self, NULL, KM_NS_KEYS, key, text, strlen(text),
                               SEAL_REV_ABSENT, &term, 1, NULL)
              : SEAL_E_NOMEM;
    json_object_put(o);
    free(wrapped);
    if (st != SEAL_OK && st != SEAL_E_EXISTS)
        seal_log(c->self, SEAL_LOG_ERR, "cannot store the key set of %s for period %" PRIu64
                 ": %s", identity, period_no, seal_strerror(st));
    else if (st == SEAL_OK)
        seal_log(c->self, SEAL_LOG_INFO, "issued the key set of %s for period %" PRIu64
                 " (generation %" PRIu32 ")", identity, period_no, g->generation);
    return st;
}

seal_status_t km_is_revoked(km_ctx_t *c, const char *identity, int *revoked)
{
    *revoked = 0;
    if (!km_uri_ok(identity))
        return SEAL_E_INVAL;
    seal_status_t st = seal_store_get(c->self, NULL, KM_NS_REVOKED, identity, NULL, NULL, NULL);
    if (st == SEAL_OK)
        *revoked = 1;
    return st == SEAL_E_NOTFOUND ? SEAL_OK : st;
}

/* Deletes the key sets of identity. */
typedef struct keylist {
    char **keys;
    size_t n, cap;
    int oom;
} keylist_t;

static int collect(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    keylist_t *l = ctx;
    (void)json; (void)len; (void)rev;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **k = realloc(l->keys, cap * sizeof *k);
        if (!k) {
            l->oom = 1;
            return 1;
        }
        l->keys = k;
        l->cap = cap;
    }
    if (!(l->keys[l->n] = strdup(key))) {
        l->oom = 1;
        return 1;
    }
    l->n++;
    return 0;
}

static seal_status_t delete_all(km_ctx_t *c, keylist_t *l)
{
    seal_status_t st = l->oom ? SEAL_E_NOMEM : SEAL_OK;
    for (size_t i = 0; i < l->n; i++) {
        seal_status_t d = seal_store_delete(c->self, NULL, KM_NS_KEYS, l->keys[i],
                                            SEAL_REV_ANY);
        if (d != SEAL_OK && d != SEAL_E_NOTFOUND && st == SEAL_OK)
            st = d;
        free(l->keys[i]);
    }
    free(l->keys);
    memset(l, 0, sizeof *l);
    return st;
}

static seal_status_t drop_identity(km_ctx_t *c, const char *identity)
{
    keylist_t l = {0};
    seal_status_t st = seal_store_lookup(c->self, NULL, KM_NS_KEYS, "identity", identity,
                                         collect, &l);
    seal_status_t d = delete_all(c, &l);
    return st != SEAL_OK ? st : d;
}

void km_keys_drop_generation(km_ctx_t *c, uint32_t gen)
{
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%010" PRIu32 "/", gen);
    keylist_t l = {0};
    seal_status_t st = seal_store_scan(c->self, NULL, KM_NS_KEYS, prefix, collect, &l);
    size_t n = l.n;
    seal_status_t d = delete_all(c, &l);
    if (st != SEAL_OK || d != SEAL_OK)
        seal_log(c->self, SEAL_LOG_WARN, "key sets of generation %" PRIu32 " not all deleted: %s",
                 gen, seal_strerror(st != SEAL_OK ? st : d));
    else
        seal_log(c->self, SEAL_LOG_INFO, "deleted %zu key sets of generation %" PRIu32, n, gen);
}

seal_status_t km_revoke(km_ctx_t *c, const char *identity, int revoke)
{
    if (!km_uri_ok(identity))
        return SEAL_E_INVAL;
    seal_status_t st;
    int changed = 0;
    if (revoke) {
        struct json_object *o = json_object_new_object();
        const char *text = NULL;
        if (o && !json_object_object_add(o, "identity", json_object_new_string(identity))
            && !json_object_object_add(o, "revokedAt", json_object_new_int64(km_now())))
            text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        st = text ? seal_store_put(c->self, NULL, KM_NS_REVOKED, identity, text, strlen(text),
                                   SEAL_REV_ABSENT, NULL, 0, NULL)
                  : SEAL_E_NOMEM;
        json_object_put(o);
        changed = st == SEAL_OK;
        if (st == SEAL_E_EXISTS)
            st = SEAL_OK;
        /* Also when it was revoked already: a key set stored by a request
         * that raced the first revocation goes too. */
        if (st == SEAL_OK)
            st = drop_identity(c, identity);
    } else {
        st = seal_store_delete(c->self, NULL, KM_NS_REVOKED, identity, SEAL_REV_ANY);
        changed = st == SEAL_OK;
        if (st == SEAL_E_NOTFOUND)
            st = SEAL_OK;
    }
    if (st != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "cannot %s %s: %s", revoke ? "revoke" : "restore",
                 identity, seal_strerror(st));
        return st;
    }
    if (changed) {
        seal_log(c->self, SEAL_LOG_NOTICE, "identity %s %s", identity,
                 revoke ? "revoked" : "restored");
        struct json_object *ev = json_object_new_object();
        if (ev)
            json_object_object_add(ev, "identity", json_object_new_string(identity));
        km_publish(c, revoke ? SEAL_KM_EVENT_REVOKED : SEAL_KM_EVENT_RESTORED, ev);
    }
    return SEAL_OK;
}

seal_status_t km_keyset(km_ctx_t *c, int which, const char *identity, uint64_t period_no,
                        seal_km_keyset_t *ks)
{
    if (!ks || ks->struct_size < sizeof(uint32_t) || !km_uri_ok(identity))
        return SEAL_E_INVAL;
    if (which != SEAL_KM_CURRENT && which != SEAL_KM_PREVIOUS)
        return SEAL_E_INVAL;
    int revoked = 0;
    seal_status_t st = km_tick(c);
    if (st == SEAL_OK)
        st = km_is_revoked(c, identity, &revoked);
    if (st != SEAL_OK)
        return st;
    if (revoked)
        return SEAL_E_STATE;

    seal_km_keyset_t t;
    memset(&t, 0, sizeof t);
    pthread_rwlock_rdlock(&c->gen_lock);
    const km_gen_t *g = pick(c, which);
    uint64_t now_no = 0;
    char key[KEY_MAX];
    if (!g)
        st = SEAL_E_NOTFOUND;
    else if ((st = period_of(g, km_now(), &now_no)) == SEAL_OK
             && period_no != now_no && period_no != now_no + 1)
        st = SEAL_E_PERM;   /* policy: the current and the next period only */
    if (st == SEAL_OK) {
        record_key(g->generation, period_no, identity, key);
        for (int attempt = 0; attempt < 2; attempt++) {
            char *json = NULL;
            size_t len = 0;
            st = seal_store_get(c->self, NULL, KM_NS_KEYS, key, &json, &len, NULL);
            if (st == SEAL_OK)
                st = record_read(c, key, json, len, &t);
            seal_free(json);
            if (st != SEAL_E_NOTFOUND)
                break;
            st = issue(c, g, key, identity, period_no, &t);
            if (st != SEAL_E_EXISTS)
                break;
            /* another request stored it first: answer with theirs */
            explicit_bzero(&t, sizeof t);
        }
    }
    if (st == SEAL_OK) {
        t.struct_size = ks->struct_size;
        t.generation = g->generation;
        snprintf(t.kms_uri, sizeof t.kms_uri, "%s", g->kms_uri);
        snprintf(t.cert_uri, sizeof t.cert_uri, "%.*s/cert/%" PRIu32, SEAL_KM_URI_MAX - 16,
                 g->kms_uri, g->generation);
        snprintf(t.issuer, sizeof t.issuer, "%s", c->issuer);
        snprintf(t.user_uri, sizeof t.user_uri, "%s", identity);
        t.key_period_no = period_no;
        uint64_t start = period_no * g->period + g->offset;
        t.valid_from = (int64_t)start - SEAL_KM_NTP_UNIX_OFFSET;
        t.valid_to = t.valid_from + (int64_t)g->period;
    }
    pthread_rwlock_unlock(&c->gen_lock);

    /* A revocation that raced this request wins. */
    if (st == SEAL_OK && km_is_revoked(c, identity, &revoked) == SEAL_OK && revoked) {
        drop_identity(c, identity);
        st = SEAL_E_STATE;
    }
    if (st == SEAL_OK) {
        size_t n = ks->struct_size < sizeof t ? ks->struct_size : sizeof t;
        memcpy(ks, &t, n);
    }
    explicit_bzero(&t, sizeof t);
    return st;
}

seal_status_t km_uid(km_ctx_t *c, int which, const char *identity, uint64_t period_no,
                     uint8_t uid[SEAL_KM_UID_LEN])
{
    if (!km_uri_ok(identity) || !uid)
        return SEAL_E_INVAL;
    seal_status_t st = km_tick(c);
    if (st != SEAL_OK)
        return st;
    pthread_rwlock_rdlock(&c->gen_lock);
    const km_gen_t *g = pick(c, which);
    st = g ? uid_of(g, identity, period_no, uid) : SEAL_E_NOTFOUND;
    pthread_rwlock_unlock(&c->gen_lock);
    return st;
}

seal_status_t km_period_at(km_ctx_t *c, int which, int64_t t, uint64_t *period_no)
{
    if (!period_no)
        return SEAL_E_INVAL;
    seal_status_t st = km_tick(c);
    if (st != SEAL_OK)
        return st;
    pthread_rwlock_rdlock(&c->gen_lock);
    const km_gen_t *g = pick(c, which);
    st = g ? period_of(g, t, period_no) : SEAL_E_NOTFOUND;
    pthread_rwlock_unlock(&c->gen_lock);
    return st;
}
