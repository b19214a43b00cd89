/* SPDX-License-Identifier: Apache-2.0 */
/* Signing keys of the identity management server: ES256 (RFC 7518 3.4)
 * key pairs made and used through the crypto ABI, kid = the RFC 7638 JWK
 * thumbprint, published as a JWK Set (RFC 7517 5), JWS compact signatures
 * (RFC 7515 7.1).
 *
 * Private keys are stored wrapped: AES-256-GCM under a key-encryption key
 * (KEK) read from the file named by "kek_file" (created, mode 0600, at the
 * first start), with the kid as additional data, so a key document cannot
 * be swapped for another. The store never holds a private key in clear.
 *
 * Rotation makes a new key current and marks the old one retired; a retired
 * key stays in the JWKS until every token it signed has expired (the
 * longest token lifetime plus the clock-skew leeway), then it is deleted.
 * The key ring is read again from the store every key_reload_s seconds so
 * several instances on one store converge.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kekfile/kekfile.h"
#include "im_int.h"

#define AAD_PREFIX "seal.im signing key|"
#define SECRET_LABEL "seal.im client secrets v1"

/* ---- the key-encryption key ---- */

static seal_status_t kek_read(im_ctx_t *c)
{
    static const char *const wrapped[] = { IM_NS_KEYS, IM_NS_CLIENTS, NULL };
    seal_status_t st = seal_kekfile_load_guarded(c->self, "kek_file", c->kek_file, wrapped,
                                                 "signing keys and client secrets", c->kek);
    if (st != SEAL_OK)
        return st;
    return seal_crypto_hmac(c->self, SEAL_CRYPTO_SHA256, c->kek, sizeof c->kek, SECRET_LABEL,
                            strlen(SECRET_LABEL), c->secret_key, sizeof c->secret_key);
}

/* ---- wrapping ---- */

static seal_status_t aad_for(const char *kid, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s%s", AAD_PREFIX, kid);
    return n > 0 && (size_t)n < cap ? SEAL_OK : SEAL_E_INVAL;
}

/* A new key document for key (type ES256): {kid, alg, created, retired,
 * iv, wrapped, jwk}. */
static struct json_object *key_doc(im_ctx_t *c, seal_crypto_key_t *key, char kid[IM_KID_MAX])
{
    uint8_t *pub = NULL, *secret = NULL;
    size_t pub_len = 0, secret_len = 0;
    struct json_object *doc = NULL, *jwk = NULL;
    uint8_t iv[SEAL_CRYPTO_GCM_IV_LEN], ct[64 + SEAL_CRYPTO_GCM_TAG_LEN];
    char aad[128], iv64[32], ct64[128];

    if (seal_crypto_key_export_public(key, SEAL_CRYPTO_FMT_JWK, NULL, &pub, &pub_len) != SEAL_OK
        || !(jwk = im_json_parse((const char *)pub, pub_len)))
        goto out;
    const char *k = im_jstr(jwk, "kid");
    if (!k || strlen(k) >= IM_KID_MAX)
        goto out;
    strcpy(kid, k);
    if (seal_crypto_key_export_secret(key, SEAL_CRYPTO_FMT_RAW_SECRET, &secret, &secret_len)
            != SEAL_OK || secret_len > 64
        || seal_crypto_random(c->self, iv, sizeof iv) != SEAL_OK
        || aad_for(kid, aad, sizeof aad) != SEAL_OK
        || seal_crypto_aes_gcm_seal(c->self, c->kek, sizeof c->kek, iv, sizeof iv, aad,
                                    strlen(aad), secret, secret_len, ct, sizeof ct) != SEAL_OK)
        goto out;
    b64url_encode(iv, sizeof iv, iv64);
    b64url_encode(ct, secret_len + SEAL_CRYPTO_GCM_TAG_LEN, ct64);
    doc = json_object_new_object();
    if (!doc || im_jadd_str(doc, "kid", kid) || im_jadd_str(doc, "alg", "ES256")
        || im_jadd_int(doc, "created", im_now()) || im_jadd_int(doc, "retired", 0)
        || im_jadd_str(doc, "iv", iv64) || im_jadd_str(doc, "wrapped", ct64)
        || json_object_object_add(doc, "jwk", json_object_get(jwk)) != 0) {
        json_object_put(doc);
        doc = NULL;
    }
out:
    seal_crypto_secret_free(secret, secret_len);
    seal_free(pub);
    json_object_put(jwk);
    memset(ct, 0, sizeof ct);
    return doc;
}

/* Unwraps a stored key into k; -1 on failure (logged). */
static int key_unwrap(im_ctx_t *c, struct json_object *doc, im_key_t *k)
{
    const char *kid = im_jstr(doc, "kid"), *iv64 = im_jstr(doc, "iv");
    const char *ct64 = im_jstr(doc, "wrapped");
    struct json_object *jwk;
    uint8_t iv[16], ct[128], pt[112];
    size_t iv_len = 0, ct_len = 0;
    char aad[128];
    int rc = -1;
    if (!kid || strlen(kid) >= IM_KID_MAX || !iv64 || !ct64
        || !json_object_object_get_ex(doc, "jwk", &jwk)
        || b64url_decode(iv64, strlen(iv64), iv, sizeof iv, &iv_len) != 0
        || b64url_decode(ct64, strlen(ct64), ct, sizeof ct, &ct_len) != 0
        || iv_len != SEAL_CRYPTO_GCM_IV_LEN || ct_len <= SEAL_CRYPTO_GCM_TAG_LEN
        || aad_for(kid, aad, sizeof aad) != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "signing key %s: malformed record", kid ? kid : "?");
        return -1;
    }
    if (seal_crypto_aes_gcm_open(c->self, c->kek, sizeof c->kek, iv, iv_len, aad, strlen(aad),
                                 ct, ct_len, pt, sizeof pt) != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "signing key %s: cannot unwrap (wrong kek_file?)", kid);
        return -1;
    }
    size_t pt_len = ct_len - SEAL_CRYPTO_GCM_TAG_LEN;
    memset(k, 0, sizeof *k);
    if (seal_crypto_key_import(c->self, SEAL_CRYPTO_KEY_ES256, SEAL_CRYPTO_FMT_RAW_SECRET, pt,
                               pt_len, &k->key) == SEAL_OK
        && (k->jwk = im_json_text(jwk, NULL))) {
        strcpy(k->kid, kid);
        k->created = im_jint(doc, "created", 0);
        k->retired = im_jint(doc, "retired", 0);
        rc = 0;
    } else {
        seal_crypto_key_free(k->key);
        k->key = NULL;
        seal_log(c->self, SEAL_LOG_ERR, "signing key %s: cannot import", kid);
    }
    memset(pt, 0, sizeof pt);
    return rc;
}

/* ---- the ring ---- */

int64_t im_keys_max_ttl(const im_ctx_t *c)
{
    int64_t m = c->at_ttl;
    if (c->id_ttl > m) m = c->id_ttl;
    if (c->st_ttl > m) m = c->st_ttl;
    return m + IM_LEEWAY;
}

typedef struct load_ctx {
    im_ctx_t *c;
    im_key_t *keys;
    size_t n, cap;
    char **expired;
    size_t nexpired;
    int failed;
} load_ctx_t;

static int load_visit(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    load_ctx_t *l = p;
    (void)rev;
    struct json_object *doc = im_json_parse(json, len);
    int64_t retired = im_jint(doc, "retired", 0);
    if (doc && retired && retired + im_keys_max_ttl(l->c) < im_now()) {
        char **e = realloc(l->expired, (l->nexpired + 1) * sizeof *e);
        if (e) {
            l->expired = e;
            if ((e[l->nexpired] = strdup(key)))
                l->nexpired++;
        }
        json_object_put(doc);
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        im_key_t *k = realloc(l->keys, cap * sizeof *k);
        if (!k) {
            l->failed = 1;
            json_object_put(doc);
            return 1;
        }
        l->keys = k;
        l->cap = cap;
    }
    if (doc && key_unwrap(l->c, doc, &l->keys[l->n]) == 0)
        l->n++;
    json_object_put(doc);
    return 0;
}

static void keys_free(im_key_t *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        seal_crypto_key_free(keys[i].key);
        free(keys[i].jwk);
    }
    free(keys);
}

/* Reads the ring from the store. Returns the number of current keys found
 * through *ncur (0 means a rotation is needed). */
static seal_status_t ring_load(im_ctx_t *c, size_t *ncur, int64_t *cur_created)
{
    load_ctx_t l = { .c = c };
    seal_status_t st = seal_store_scan(c->self, NULL, IM_NS_KEYS, "", load_visit, &l);
    for (size_t i = 0; i < l.nexpired; i++) {
        seal_store_delete(c->self, NULL, IM_NS_KEYS, l.expired[i], SEAL_REV_ANY);
        seal_log(c->self, SEAL_LOG_INFO, "signing key %s expired: removed from the JWKS",
                 l.expired[i]);
        free(l.expired[i]);
    }
    free(l.expired);
    if (st == SEAL_OK && l.failed)
        st = SEAL_E_NOMEM;
    if (st != SEAL_OK) {
        keys_free(l.keys, l.n);
        return st;
    }
    /* The current key: not retired; if a race left two, the newest. */
    size_t cur = SIZE_MAX;
    *ncur = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (l.keys[i].retired)
            continue;
        (*ncur)++;
        if (cur == SIZE_MAX || l.keys[i].created > l.keys[cur].created)
            cur = i;
    }
    *cur_created = cur == SIZE_MAX ? 0 : l.keys[cur].created;
    pthread_rwlock_wrlock(&c->ring_lock);
    im_key_t *old = c->keys;
    size_t nold = c->nkeys;
    c->keys = l.keys;
    c->nkeys = l.n;
    c->cur = cur;
    c->ring_loaded = im_now();
    pthread_rwlock_unlock(&c->ring_lock);
    keys_free(old, nold);
    return SEAL_OK;
}

/* The current keys (one, unless two instances rotated at once). */
#define MAX_CURRENT 8
typedef struct cur_ctx {
    size_t n;
    char kid[MAX_CURRENT][IM_KID_MAX];
    uint64_t rev[MAX_CURRENT];
    struct json_object *doc[MAX_CURRENT];
} cur_ctx_t;

static int find_current(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    cur_ctx_t *cc = p;
    struct json_object *doc = im_json_parse(json, len);
    if (doc && im_jint(doc, "retired", 1) == 0 && strlen(key) < IM_KID_MAX
        && cc->n < MAX_CURRENT) {
        cc->doc[cc->n] = doc;
        cc->rev[cc->n] = rev;
        strcpy(cc->kid[cc->n], key);
        cc->n++;
        return 0;
    }
    json_object_put(doc);
    return 0;
}

/* Rotation under rotate_mu: a new current key; every other current one is
 * retired, each with compare-and-set, in one transaction. */
static seal_status_t rotate_locked(im_ctx_t *c, char *kid, char *prev_kid)
{
    seal_crypto_key_t *key = NULL;
    char newkid[IM_KID_MAX];
    seal_status_t st = seal_crypto_key_generate(c->self, SEAL_CRYPTO_KEY_ES256, &key);
    if (st != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "cannot generate an ES256 key: %s", seal_strerror(st));
        return st;
    }
    struct json_object *doc = key_doc(c, key, newkid);
    seal_crypto_key_free(key);
    if (!doc)
        return SEAL_E_CRYPTO;
    seal_store_txn_t *txn = NULL;
    cur_ctx_t cc = { .n = 0 };
    int64_t now = im_now();
    st = seal_store_txn_begin(c->self, &txn);
    if (st == SEAL_OK)
        st = seal_store_scan(c->self, txn, IM_NS_KEYS, "", find_current, &cc);
    for (size_t i = 0; st == SEAL_OK && i < cc.n; i++) {
        json_object_object_add(cc.doc[i], "retired", json_object_new_int64(now));
        st = im_store_put(c, txn, IM_NS_KEYS, cc.kid[i], cc.doc[i], cc.rev[i], NULL, 0);
    }
    if (st == SEAL_OK)
        st = im_store_put(c, txn, IM_NS_KEYS, newkid, doc, SEAL_REV_ABSENT, NULL, 0);
    if (txn) {
        if (st == SEAL_OK)
            st = seal_store_txn_commit(txn);
        else
            seal_store_txn_abort(txn);
    }
    json_object_put(doc);
    for (size_t i = 0; i < cc.n; i++)
        json_object_put(cc.doc[i]);
    if (st != SEAL_OK) {
        seal_log(c->self, SEAL_LOG_ERR, "key rotation failed: %s", seal_strerror(st));
        return st;
    }
    const char *prev = cc.n ? cc.kid[cc.n - 1] : "";
    if (cc.n)
        seal_log(c->self, SEAL_LOG_NOTICE, "signing key rotated: %s is current, %s retired "
                 "(published until its tokens expire)", newkid, prev);
    else
        seal_log(c->self, SEAL_LOG_NOTICE, "signing key %s created", newkid);
    if (kid)
        strcpy(kid, newkid);
    if (prev_kid)
        strcpy(prev_kid, prev);
    size_t ncur;
    int64_t created;
    return ring_load(c, &ncur, &created);
}

seal_status_t im_keys_rotate(im_ctx_t *c, char *kid, char *prev_kid)
{
    pthread_mutex_lock(&c->rotate_mu);
    seal_status_t st = SEAL_E_CONFLICT;
    for (int i = 0; i < 4 && (st == SEAL_E_CONFLICT || st == SEAL_E_AGAIN); i++)
        st = rotate_locked(c, kid, prev_kid);
    pthread_mutex_unlock(&c->rotate_mu);
    return st;
}

/* Loads the ring; makes a key when there is none or the current one is
 * older than key_rotation_s. Caller holds rotate_mu. */
static seal_status_t ring_refresh_locked(im_ctx_t *c)
{
    size_t ncur = 0;
    int64_t created = 0;
    seal_status_t st = ring_load(c, &ncur, &created);
    if (st != SEAL_OK)
        return st;
    if (ncur == 0 || (c->rotation_s > 0 && created + c->rotation_s <= im_now())) {
        st = SEAL_E_CONFLICT;
        for (int i = 0; i < 4 && (st == SEAL_E_CONFLICT || st == SEAL_E_AGAIN); i++)
            st = rotate_locked(c, NULL, NULL);
    }
    return st;
}

/* Re-reads the ring when it is older than key_reload_s; one thread does it,
 * the others go on with the snapshot they have. */
static void ring_maybe_reload(im_ctx_t *c)
{
    pthread_rwlock_rdlock(&c->ring_lock);
    int stale = im_now() - c->ring_loaded >= c->reload_s;
    pthread_rwlock_unlock(&c->ring_lock);
    if (!stale || pthread_mutex_trylock(&c->rotate_mu) != 0)
        return;
    seal_status_t st = ring_refresh_locked(c);
    if (st != SEAL_OK)
        seal_log(c->self, SEAL_LOG_WARN, "reloading the signing keys failed: %s",
                 seal_strerror(st));
    pthread_mutex_unlock(&c->rotate_mu);
}

seal_status_t im_keys_start(im_ctx_t *c)
{
    seal_status_t st = kek_read(c);
    if (st != SEAL_OK)
        return st;
    pthread_mutex_lock(&c->rotate_mu);
    st = ring_refresh_locked(c);
    pthread_mutex_unlock(&c->rotate_mu);
    if (st == SEAL_OK && c->cur == SIZE_MAX)
        st = SEAL_E_STATE;
    if (st != SEAL_OK)
        seal_log(c->self, SEAL_LOG_ERR, "no usable signing key: %s", seal_strerror(st));
    return st;
}

void im_keys_free(im_ctx_t *c)
{
    keys_free(c->keys, c->nkeys);
    c->keys = NULL;
    c->nkeys = 0;
    memset(c->kek, 0, sizeof c->kek);
    memset(c->secret_key, 0, sizeof c->secret_key);
}

seal_status_t im_keys_jwks(im_ctx_t *c, char **json, size_t *len)
{
    ring_maybe_reload(c);
    *json = NULL;
    pthread_rwlock_rdlock(&c->ring_lock);
    size_t cap = 16;
    for (size_t i = 0; i < c->nkeys; i++)
        cap += strlen(c->keys[i].jwk) + 1;
    char *s = malloc(cap);
    if (s) {
        size_t o = (size_t)snprintf(s, cap, "{\"keys\":[");
        /* The current key first: clients that take the first one sign-check
         * new tokens without a second look. */
        for (size_t pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < c->nkeys; i++) {
                if ((pass == 0) != (i == c->cur))
                    continue;
                o += (size_t)snprintf(s + o, cap - o, "%s%s", o > 9 ? "," : "", c->keys[i].jwk);
            }
        o += (size_t)snprintf(s + o, cap - o, "]}");
        *len = o;
    }
    pthread_rwlock_unlock(&c->ring_lock);
    *json = s;
    return s ? SEAL_OK : SEAL_E_NOMEM;
}

char *im_keys_public_jwk(im_ctx_t *c, const char *kid)
{
    char *out = NULL;
    if (!kid)
        return NULL;
    pthread_rwlock_rdlock(&c->ring_lock);
    for (size_t i = 0; i < c->nkeys; i++)
        if (strcmp(c->keys[i].kid, kid) == 0) {
            out = strdup(c->keys[i].jwk);
            break;
        }
    pthread_rwlock_unlock(&c->ring_lock);
    return out;
}

char *im_jws_sign(im_ctx_t *c, const char *typ, struct json_object *claims)
{
    ring_maybe_reload(c);
    size_t clen = 0;
    char *payload = im_json_text(claims, &clen);
    if (!payload)
        return NULL;
    char *out = NULL;
    pthread_rwlock_rdlock(&c->ring_lock);
    if (c->cur < c->nkeys) {
        const im_key_t *k = &c->keys[c->cur];
        char header[160];
        /* kid is base64url and typ a constant: no escaping needed. */
        int hlen = snprintf(header, sizeof header, "{\"alg\":\"ES256\",\"typ\":\"%s\",\"kid\":\"%s\"}",
                            typ, k->kid);
        size_t cap = 4 * ((size_t)hlen + clen) / 3 + 8 + 2 + 90;
        out = hlen > 0 && (size_t)hlen < sizeof header ? malloc(cap) : NULL;
        if (out) {
            size_t o = b64url_encode((const uint8_t *)header, (size_t)hlen, out);
            out[o++] = '.';
            o += b64url_encode((const uint8_t *)payload, clen, out + o);
            uint8_t sig[SEAL_CRYPTO_SIG_MAX];
            size_t sig_len = 0;
            if (seal_crypto_sign(k->key, out, o, sig, sizeof sig, &sig_len) == SEAL_OK) {
                out[o++] = '.';
                b64url_encode(sig, sig_len, out + o);
            } else {
                free(out);
                out = NULL;
            }
        }
    }
    pthread_rwlock_unlock(&c->ring_lock);
    free(payload);
    return out;
}
