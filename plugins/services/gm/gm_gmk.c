/* SPDX-License-Identifier: Apache-2.0 */
/* Group master keys (TS 33.180 5.7.1 / TS 33.179 7.3.1): on
 * every change of a group's VAL users the GMS makes a new GMK (16 random
 * octets) with a GMK-ID (purpose tag 0, 28 random bits) and sends it to
 * each member in a MIKEY-SAKKE I_MESSAGE (gm_dist.c), which members fetch
 * over GM-UU (doc/gm-uu.md).
 *
 * The rekey is written in the same store transaction as the group change,
 * so a change that is durable always has its GMK and its job:
 *   gm.gmk        <groupDocId>  the current GMK: generation, GMK-ID, times,
 *                               the key wrapped (AES-256-GCM under the
 *                               key-encryption key, AAD = group, generation,
 *                               GMK-ID) while members still wait for it
 *   gm.gmkchunks  <groupDocId>/<generation>/<n>  the members still to
 *                               serve, "chunk" of them per document
 *   gm.gmkmsgs    <groupDocId>/<SHA-256(member)>  one pending message per
 *                               (group, member); terms member=<uri>,
 *                               group=<groupDocId>
 * A worker serves a chunk in one transaction: it deletes the chunk (compare
 * and set on its revision) and writes the chunk's messages. A crash before
 * the commit leaves the chunk to do again; after it, the chunk is gone. So
 * after kill -9 and a restart each member ends with exactly one message
 * for the GMK, and a member's newer message replaces its older one under
 * the same key.
 *
 * Decisions (doc/gm-uu.md): every change of the VAL users rekeys, additions
 * included (no old key is ever handed to a new member: it cannot read
 * traffic from before it joined); the new GMK supersedes the previous one
 * at once: its unfinished chunks are dropped and so are the pending
 * messages of removed members, in the change's transaction; the remaining
 * members' old messages are replaced as their new ones are written. VAL UE
 * members (valUeId) and VAL user ids that are not KMS identities (1..255
 * printable octets without spaces) get no GMK: there is no key material to
 * encapsulate to (counted as "skipped"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kekfile/kekfile.h"
#include "gm_gmk.h"
#include "gm_gmkid.h"

#define AAD_PREFIX "seal.gm GMK|"

/* ---- helpers ---- */

int gmk_identity_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > SEAL_X1_URI_MAX)
        return 0;
    for (; *id; id++)
        if (*id <= 0x20 || *id >= 0x7f)
            return 0;
    return 1;
}

seal_status_t gmk_member_hash(seal_plugin_t *self, const char *identity, char hex[65])
{
    uint8_t h[32];
    seal_status_t st = seal_crypto_hash(self, SEAL_CRYPTO_SHA256, identity, strlen(identity),
                                        h, sizeof h);
    if (st != SEAL_OK)
        return st;
    for (size_t i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    return SEAL_OK;
}

int gmk_aad(const char *group_doc_id, uint64_t gen, uint32_t gmk_id, char *out, size_t cap)
{
    int n = snprintf(out, cap, AAD_PREFIX "%s|%llu|%08x", group_doc_id,
                     (unsigned long long)gen, gmk_id);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

void gmk_time_text(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "1970-01-01T00:00:00Z");
}

size_t gmk_b64(const uint8_t *in, size_t len, char *out, size_t cap)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t need = 4 * ((len + 2) / 3);
    if (cap < need + 1) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len) v |= in[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int gmk_b64_decode(const char *in, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n = strlen(in), o = 0;
    *out_len = 0;
    if (n % 4)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        int pad = (in[i + 2] == '=') + (in[i + 3] == '=');
        if ((pad && i + 4 != n) || (in[i + 2] == '=' && in[i + 3] != '='))
            return -1;
        int a = b64val(in[i]), b = b64val(in[i + 1]);
        int c = pad >= 2 ? 0 : b64val(in[i + 2]), d = pad >= 1 ? 0 : b64val(in[i + 3]);
        if (a < 0 || b < 0 || c < 0 || d < 0)
            return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        size_t k = 3 - (size_t)pad;
        if (o + k > cap)
            return -1;
        out[o++] = (uint8_t)(v >> 16);
        if (k > 1) out[o++] = (uint8_t)(v >> 8);
        if (k > 2) out[o++] = (uint8_t)v;
    }
    *out_len = o;
    return 0;
}

/* ---- the key-encryption key (as im's: 64 hex digits, mode 0600, created
 * at the first start, never again once GMKs are wrapped under it) ---- */

static seal_status_t kek_read(gmk_ctx_t *g)
{
    static const char *const wrapped[] = { GMK_NS_STATE, NULL };
    return seal_kekfile_load_guarded(g->self, "gmk.kek_file", g->kek_file, wrapped,
                                     "group master keys", g->kek);
}

/* ---- lifecycle ---- */

seal_status_t gm_gmk_init(seal_plugin_t *self, gmk_ctx_t **out)
{
    gmk_ctx_t *g = calloc(1, sizeof *g);
    *out = g;
    if (!g)
        return SEAL_E_NOMEM;
    g->self = self;
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cv, &ca);
    pthread_condattr_destroy(&ca);
    const seal_conf_t *conf = seal_conf_get(seal_plugin_conf(self), "gmk");
    if (!conf)
        return SEAL_OK;
    if (seal_conf_type(conf) != SEAL_CONF_OBJECT)
        return seal_conf_error(self, conf, "must be an object (GMK distribution settings)");
    const char *kek = NULL;
    seal_status_t st;
    if ((st = seal_conf_string(conf, "kek_file", SEAL_STATEDIR "/gm-gmk.kek", &kek)) ||
        (st = seal_conf_int(conf, "workers", 0, 0, 256, &g->workers)) ||
        (st = seal_conf_int(conf, "chunk", 32, 1, 1024, &g->chunk)) ||
        (st = seal_conf_int(conf, "lifetime_s", 2592000, 60, INT64_C(10) * 365 * 86400,
                            &g->lifetime_s)) ||
        (st = seal_conf_int(conf, "activation_delay_s", 0, 0, 86400 * 30,
                            &g->activation_delay_s)) ||
        (st = seal_conf_int(conf, "retry_s", 5, 1, 3600, &g->retry_s)))
        return st;
    if (!(g->kek_file = strdup(kek)))
        return SEAL_E_NOMEM;
    if (!seal_plugin_loaded(self, "seal_x1")) {
        seal_log(self, SEAL_LOG_ERR, "gmk: the GMS signs group keys with key material from "
                 "SEAL-X1: load the seal_x1 plugin (with gms_uri) in this seald");
        return SEAL_E_CONFIG;
    }
    /* Provided in seal_x1's init: present here only when seal_x1 comes
     * first (gm's descriptor says "after seal_x1"), so it also starts
     * first and the workers find it ready. */
    if (!seal_iface_get(self, SEAL_X1_IFACE_V1, NULL)) {
        seal_log(self, SEAL_LOG_ERR, "gmk: seal_x1 provides no %s interface", SEAL_X1_IFACE_V1);
        return SEAL_E_CONFIG;
    }
    g->enabled = 1;
    return SEAL_OK;
}

seal_status_t gm_gmk_start(gmk_ctx_t *g)
{
    if (!g || !g->enabled)
        return SEAL_OK;
    uint64_t caps = seal_crypto_caps(g->self, NULL);
    uint64_t need = SEAL_CRYPTO_CAP_RANDOM | SEAL_CRYPTO_CAP_SHA256 | SEAL_CRYPTO_CAP_AES_GCM;
    if ((caps & need) != need) {
        seal_log(g->self, SEAL_LOG_ERR, "gmk: the crypto backend lacks random, SHA-256 or "
                 "AES-GCM");
        return SEAL_E_UNSUPPORTED;
    }
    g->x1 = seal_iface_get(g->self, SEAL_X1_IFACE_V1, &g->x1_user);
    if (!g->x1 || g->x1->struct_size < sizeof(seal_x1_v1_t)) {
        seal_log(g->self, SEAL_LOG_ERR, "gmk: interface %s is not provided", SEAL_X1_IFACE_V1);
        return SEAL_E_NOTFOUND;
    }
    seal_status_t st = kek_read(g);
    if (st == SEAL_OK)
        st = gmk_dist_start(g);
    return st;
}

void gm_gmk_stop(gmk_ctx_t *g)
{
    if (g && g->enabled)
        gmk_dist_stop(g);
}

void gm_gmk_free(gmk_ctx_t *g)
{
    if (!g)
        return;
    explicit_bzero(g->kek, sizeof g->kek);
    free(g->kek_file);
    gmk_fq_clear(&g->queue);
    for (size_t i = 0; i < g->npending; i++)
        free(g->pending[i]);
    free(g->inflight);
    free(g->threads);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}

/* The GMK that this thread's rekey made in the caller's transaction, told
 * only once that transaction committed: gm.c calls gm_gmk_kick after the
 * commit (and only then), so a GMK undone by a failed commit (a full disk)
 * is never logged as made. Each rekey clears it first. */
static _Thread_local struct {
    int set;
    char id[64];
    unsigned long long gen;
    size_t members;
    int skipped;
} made;

void gm_gmk_kick(gmk_ctx_t *g)
{
    if (!g || !g->enabled)
        return;
    int have = made.set;
    if (made.set) {
        made.set = 0;
        seal_log(g->self, SEAL_LOG_INFO, "group %s: GMK generation %llu for %zu member(s)%s",
                 made.id, made.gen, made.members,
                 made.skipped ? " (some members have no VAL user identity and get none)" : "");
    }
    /* The workers scan this group's chunks only (not the whole namespace,
     * which a large distribution fills), before they take the next chunk:
     * the new GMK joins the fair queue at once, not once the queue is empty. */
    pthread_mutex_lock(&g->mu);
    size_t i = 0;
    while (have && i < g->npending && strcmp(g->pending[i], made.id) != 0)
        i++;
    if (have && i == g->npending) {
        char *id = g->npending < GMK_PENDING_MAX ? strdup(made.id) : NULL;
        if (id)
            g->pending[g->npending++] = id;
        else
            have = 0;
    }
    if (!have) {   /* too many groups waiting, or out of memory: scan everything */
        g->dirty = 1;
        for (size_t k = 0; k < g->npending; k++)
            free(g->pending[k]);
        g->npending = 0;
    }
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* ---- the rekey, inside the group change's transaction ---- */

/* The VAL users of f come first (members are sorted by (is_ue, id)). */
static size_t nusers(const gm_facts_t *f)
{
    size_t n = 0;
    while (f && n < f->nmembers && !f->members[n].is_ue)
        n++;
    return n;
}

static int same_users(const gm_facts_t *a, const gm_facts_t *b)
{
    size_t n = nusers(a);
    if (n != nusers(b))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(a->members[i].id, b->members[i].id) != 0)
            return 0;
    return 1;
}

static int is_user_of(const gm_facts_t *f, const char *id)
{
    size_t lo = 0, hi = nusers(f);
    while (lo < hi) {   /* users are sorted by id */
        size_t mid = (lo + hi) / 2;
        int c = strcmp(f->members[mid].id, id);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

typedef struct keylist {
    char **k;
    size_t n, cap;
    int oom;
} keylist_t;

static void keylist_add(keylist_t *l, const char *key)
{
    if (l->oom)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **k = realloc(l->k, cap * sizeof *k);
        if (!k) {
            l->oom = 1;
            return;
        }
        l->k = k;
        l->cap = cap;
    }
    if (!(l->k[l->n] = strdup(key)))
        l->oom = 1;
    else
        l->n++;
}

static void keylist_free(keylist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->k[i]);
    free(l->k);
    memset(l, 0, sizeof *l);
}

static int collect_key(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    (void)json; (void)len; (void)rev;
    keylist_add(ctx, key);
    return 0;
}

/* Messages of the group whose member is not a VAL user of after (used when
 * the previous member list is unknown). */
typedef struct stale_ctx {
    const gm_facts_t *after;
    keylist_t keys;
} stale_ctx_t;

static int collect_stale(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    stale_ctx_t *s = ctx;
    (void)rev;
    struct json_object *o = gm_doc_parse(json, len), *v;
    const char *member = o && json_object_object_get_ex(o, "valUserId", &v)
                         ? json_object_get_string(v) : NULL;
    if (!member || !s->after || !is_user_of(s->after, member))
        keylist_add(&s->keys, key);
    json_object_put(o);
    return 0;
}

static seal_status_t delete_keys(seal_plugin_t *self, seal_store_txn_t *txn, const char *ns,
                                 const keylist_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        seal_status_t st = seal_store_delete(self, txn, ns, l->k[i], SEAL_REV_ANY);
        if (st != SEAL_OK && st != SEAL_E_NOTFOUND)
            return st;
    }
    return SEAL_OK;
}

/* Drops the pending messages of the VAL users of before that are not in
 * after (all of them when after is NULL). */
static seal_status_t drop_removed(gmk_ctx_t *g, seal_store_txn_t *txn, const char *id,
                                  const gm_facts_t *before, const gm_facts_t *after)
{
    seal_status_t st = SEAL_OK;
    if (!before) {
        stale_ctx_t s = { .after = after };
        st = seal_store_lookup(g->self, txn, GMK_NS_MSGS, "group", id, collect_stale, &s);
        if (st == SEAL_OK)
            st = s.keys.oom ? SEAL_E_NOMEM : delete_keys(g->self, txn, GMK_NS_MSGS, &s.keys);
        keylist_free(&s.keys);
        return st;
    }
    size_t n = nusers(before);
    for (size_t i = 0; i < n && st == SEAL_OK; i++) {
        const char *m = before->members[i].id;
        if ((after && is_user_of(after, m)) || !gmk_identity_ok(m))
            continue;
        char hash[65], key[128];
        if ((st = gmk_member_hash(g->self, m, hash)) != SEAL_OK)
            break;
        snprintf(key, sizeof key, "%s/%s", id, hash);
        st = seal_store_delete(g->self, txn, GMK_NS_MSGS, key, SEAL_REV_ANY);
        if (st == SEAL_E_NOTFOUND)
            st = SEAL_OK;
    }
    return st;
}

/* The previous generation from the group's GMK document (0: none). */
static seal_status_t read_gen(gmk_ctx_t *g, seal_store_txn_t *txn, const char *id,
                              uint64_t *gen, uint64_t *rev)
{
    char *json = NULL;
    size_t len = 0;
    *gen = 0;
    *rev = SEAL_REV_ABSENT;
    seal_status_t st = seal_store_get(g->self, txn, GMK_NS_STATE, id, &json, &len, rev);
    if (st == SEAL_E_NOTFOUND) {
        *rev = SEAL_REV_ABSENT;
        return SEAL_OK;
    }
    if (st != SEAL_OK)
        return st;
    struct json_object *o = gm_doc_parse(json, len), *v;
    if (o && json_object_object_get_ex(o, "generation", &v) &&
        json_object_is_type(v, json_type_int))
        *gen = (uint64_t)json_object_get_int64(v);
    else
        seal_log(g->self, SEAL_LOG_ERR, "GMK state of group %s is unreadable: starting over "
                 "at a higher generation", id);
    if (*gen == 0)
        *gen = (uint64_t)time(NULL);   /* still above anything a member saw */
    json_object_put(o);
    seal_free(json);
    return SEAL_OK;
}

/* Writes the chunk documents of generation gen: the valid VAL user ids of
 * after, "chunk" per document. *members / *skipped count them. */
static seal_status_t write_chunks(gmk_ctx_t *g, seal_store_txn_t *txn, const char *id,
                                  uint64_t gen, const gm_facts_t *after, size_t *members,
                                  size_t *skipped, size_t *chunks)
{
    size_t n = nusers(after), k = 0, c = 0;
    *members = *skipped = 0;
    seal_status_t st = SEAL_OK;
    *skipped = after ? after->nmembers - n : 0;
    struct json_object *arr = NULL;
    for (size_t i = 0; i <= n && st == SEAL_OK; i++) {
        if (i < n && !gmk_identity_ok(after->members[i].id)) {
            (*skipped)++;
            continue;
        }
        if (!arr && i < n && !(arr = json_object_new_array())) {
            st = SEAL_E_NOMEM;
            break;
        }
        if (i < n) {
            struct json_object *s = json_object_new_string(after->members[i].id);
            if (!s || json_object_array_add(arr, s) != 0) {
                json_object_put(s);
                st = SEAL_E_NOMEM;
                break;
            }
            k++;
            (*members)++;
        }
        if (arr && (k == (size_t)g->chunk || i == n)) {
            struct json_object *doc = json_object_new_object();
            char key[160];
            size_t len = 0;
            char *text = NULL;
            if (!doc || gm_json_add_int(doc, "generation", (int64_t)gen) ||
                json_object_object_add(doc, "members", arr) != 0) {
                json_object_put(doc);
                json_object_put(arr);
                arr = NULL;
                st = SEAL_E_NOMEM;
                break;
            }
            arr = NULL;
            snprintf(key, sizeof key, "%s/%020llu/%08zu", id, (unsigned long long)gen, c);
            if (!(text = gm_doc_text(doc, &len)))
                st = SEAL_E_NOMEM;
            else
                st = seal_store_put(g->self, txn, GMK_NS_CHUNKS, key, text, len,
                                    SEAL_REV_ABSENT, NULL, 0, NULL);
            free(text);
            json_object_put(doc);
            c++;
            k = 0;
        }
    }
    json_object_put(arr);
    *chunks = c;
    return st;
}

static seal_status_t write_state(gmk_ctx_t *g, seal_store_txn_t *txn, const char *id,
                                 const char *vgid, uint64_t gen, uint64_t rev,
                                 const uint8_t *gmk, uint32_t gmk_id, size_t members,
                                 size_t skipped, size_t chunks, int64_t now)
{
    uint8_t iv[SEAL_CRYPTO_GCM_IV_LEN], ct[GMK_LEN + SEAL_CRYPTO_GCM_TAG_LEN], rand[GMK_RAND_LEN];
    char aad[192], iv64[32], ct64[64], rand64[32];
    seal_status_t st = SEAL_OK;
    struct json_object *o = json_object_new_object();
    if (!o)
        return SEAL_E_NOMEM;
    int bad = gm_json_add_str(o, "groupDocId", id) || gm_json_add_str(o, "valGroupId", vgid) ||
              gm_json_add_int(o, "generation", (int64_t)gen) ||
              gm_json_add_str(o, "state", chunks ? "distributing" : "done") ||
              gm_json_add_int(o, "members", (int64_t)members) ||
              gm_json_add_int(o, "skipped", (int64_t)skipped) || gm_json_add_int(o, "chunks", (int64_t)chunks) ||
              gm_json_add_int(o, "created", now) ||
              gm_json_add_int(o, "activation", now + g->activation_delay_s) ||
              gm_json_add_int(o, "expiry", now + g->activation_delay_s + g->lifetime_s);
    if (!bad && gmk) {
        /* The key is kept only while members wait for it. */
        if (gmk_aad(id, gen, gmk_id, aad, sizeof aad) != 0)
            st = SEAL_E_INVAL;
        if (st == SEAL_OK)
            st = seal_crypto_random(g->self, iv, sizeof iv);
        if (st == SEAL_OK)
            st = seal_crypto_aes_gcm_seal(g->self, g->kek, sizeof g->kek, iv, sizeof iv, aad,
                                          strlen(aad), gmk, GMK_LEN, ct, sizeof ct);
        /* One RAND for all the GMK's messages: TS 33.180 7.4.2 derives a
         * member's SRTP keys from the GMK, its GUK-ID and the RAND of the
         * message that carried the GMK, so members derive each other's
         * keys only when that RAND is the same in every message. */
        if (st == SEAL_OK)
            st = seal_crypto_random(g->self, rand, sizeof rand);
        if (st == SEAL_OK) {
            gmk_b64(iv, sizeof iv, iv64, sizeof iv64);
            gmk_b64(ct, sizeof ct, ct64, sizeof ct64);
            gmk_b64(rand, sizeof rand, rand64, sizeof rand64);
            bad = gm_json_add_int(o, "gmkId", gmk_id) || gm_json_add_str(o, "iv", iv64) ||
                  gm_json_add_str(o, "key", ct64) || gm_json_add_str(o, "rand", rand64);
        }
    }
    size_t len = 0;
    char *text = NULL;
    if (st == SEAL_OK && (bad || !(text = gm_doc_text(o, &len))))
        st = SEAL_E_NOMEM;
    if (st == SEAL_OK)
        st = seal_store_put(g->self, txn, GMK_NS_STATE, id, text, len, rev, NULL, 0, NULL);
    free(text);
    json_object_put(o);
    explicit_bzero(ct64, sizeof ct64);
    return st;
}

seal_status_t gm_gmk_on_change(gmk_ctx_t *g, seal_store_txn_t *txn, const char *id,
                               const gm_facts_t *before, const gm_facts_t *after, int *kick)
{
    *kick = 0;
    made.set = 0;
    if (!g || !g->enabled)
        return SEAL_OK;
    if (before && after && same_users(before, after))
        return SEAL_OK;
    uint64_t gen = 0, rev = SEAL_REV_ABSENT;
    seal_status_t st = read_gen(g, txn, id, &gen, &rev);
    if (st != SEAL_OK)
        return st;
    /* Never had a GMK: no job, no message to supersede. */
    if (gen == 0 && (!after || nusers(after) == 0))
        return SEAL_OK;

    /* The previous GMK's unfinished work is superseded. */
    char prefix[96];
    keylist_t old = {0};
    snprintf(prefix, sizeof prefix, "%s/", id);
    st = seal_store_scan(g->self, txn, GMK_NS_CHUNKS, prefix, collect_key, &old);
    if (st == SEAL_OK)
        st = old.oom ? SEAL_E_NOMEM : delete_keys(g->self, txn, GMK_NS_CHUNKS, &old);
    keylist_free(&old);
    if (st == SEAL_OK)
        st = drop_removed(g, txn, id, before, after);
    if (st != SEAL_OK)
        return st;
    if (!after) {   /* group deleted: so is its GMK */
        st = seal_store_delete(g->self, txn, GMK_NS_STATE, id, SEAL_REV_ANY);
        return st == SEAL_E_NOTFOUND ? SEAL_OK : st;
    }
    gen++;
    int64_t now = (int64_t)time(NULL);
    uint8_t gmk[GMK_LEN], r[4];
    size_t members = 0, skipped = 0, chunks = 0;
    st = seal_crypto_random(g->self, gmk, sizeof gmk);
    if (st == SEAL_OK)
        st = seal_crypto_random(g->self, r, sizeof r);
    /* GMK-ID: purpose tag 0 (GMK) in the 4 MSB, 28 random bits. */
    uint32_t gmk_id = ((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3])
                      & 0x0FFFFFFFu;
    if (st == SEAL_OK)
        st = write_chunks(g, txn, id, gen, after, &members, &skipped, &chunks);
    if (st == SEAL_OK)
        st = write_state(g, txn, id, after->val_group_id, gen, rev, chunks ? gmk : NULL, gmk_id,
                         members, skipped, chunks, now);
    explicit_bzero(gmk, sizeof gmk);
    if (st == SEAL_OK) {
        *kick = chunks > 0;
        made.set = chunks > 0;   /* logged by gm_gmk_kick, after the commit */
        snprintf(made.id, sizeof made.id, "%s", id);
        made.gen = (unsigned long long)gen;
        made.members = members;
        made.skipped = skipped > 0;
    }
    return st;
}

/* ---- GM-UU operations ---- */

static gmk_ctx_t *ctx_of(void *user)
{
    gmk_ctx_t *g = seal_plugin_data(user);
    return g && g->enabled ? g : NULL;
}

typedef struct msgs_ctx {
    const char *vgid;
    seal_gm_visit_fn fn;
    void *ctx;
} msgs_ctx_t;

static int visit_msg(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    msgs_ctx_t *m = p;
    (void)key; (void)rev;
    struct json_object *o = gm_doc_parse(json, len), *v;
    const char *mid = NULL;
    uint64_t gen = 0;
    int keep = o && json_object_object_get_ex(o, "id", &v) &&
               (mid = json_object_get_string(v)) != NULL;
    if (keep && json_object_object_get_ex(o, "generation", &v))
        gen = (uint64_t)json_object_get_int64(v);
    if (keep && m->vgid)
        keep = json_object_object_get_ex(o, "valGroupId", &v) &&
               strcmp(json_object_get_string(v), m->vgid) == 0;
    int stop = keep ? m->fn(mid, json, len, gen, m->ctx) : 0;
    json_object_put(o);
    return stop;
}

seal_status_t gm_gmk_messages(void *user, const char *identity, const char *val_group_id,
                              seal_gm_visit_fn fn, void *ctx)
{
    if (!ctx_of(user))
        return SEAL_E_UNSUPPORTED;
    if (!identity || !fn)
        return SEAL_E_INVAL;
    if (!gmk_identity_ok(identity))
        return SEAL_OK;   /* not an identity: it has no messages */
    msgs_ctx_t m = { val_group_id, fn, ctx };
    return seal_store_lookup(user, NULL, GMK_NS_MSGS, "member", identity, visit_msg, &m);
}

seal_status_t gm_gmk_ack(void *user, const char *identity, const char *msg_id)
{
    if (!ctx_of(user))
        return SEAL_E_UNSUPPORTED;
    char gid[65], h16[GMK_ID_HASH + 1], hash[65], key[160];
    uint64_t gen;
    if (!identity || gm_gmk_msg_id_parse(msg_id, gid, &gen, h16) != 0)
        return SEAL_E_INVAL;
    if (!gmk_identity_ok(identity))
        return SEAL_E_NOTFOUND;
    seal_status_t st = gmk_member_hash(user, identity, hash);
    if (st != SEAL_OK)
        return st;
    if (memcmp(hash, h16, GMK_ID_HASH) != 0)
        return SEAL_E_NOTFOUND;   /* another member's message */
    snprintf(key, sizeof key, "%s/%s", gid, hash);
    char *json = NULL;
    size_t len = 0;
    uint64_t rev = 0;
    if ((st = seal_store_get(user, NULL, GMK_NS_MSGS, key, &json, &len, &rev)) != SEAL_OK)
        return st;
    struct json_object *o = gm_doc_parse(json, len), *v;
    int match = o && json_object_object_get_ex(o, "id", &v) &&
                strcmp(json_object_get_string(v), msg_id) == 0 &&
                json_object_object_get_ex(o, "valUserId", &v) &&
                strcmp(json_object_get_string(v), identity) == 0;
    json_object_put(o);
    seal_free(json);
    if (!match)
        return SEAL_E_NOTFOUND;
    /* Compare and set: a newer message written meanwhile stays. */
    st = seal_store_delete(user, NULL, GMK_NS_MSGS, key, rev);
    return st == SEAL_E_CONFLICT ? SEAL_E_NOTFOUND : st;
}

static int count_key(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    (void)key; (void)json; (void)len; (void)rev;
    (*(size_t *)ctx)++;
    return 0;
}

seal_status_t gm_gmk_state(void *user, const char *group_doc_id, char **out, size_t *out_len)
{
    if (out)
        *out = NULL;
    if (!ctx_of(user))
        return SEAL_E_UNSUPPORTED;
    if (!group_doc_id || !out || strlen(group_doc_id) > 64 || strchr(group_doc_id, '/'))
        return SEAL_E_INVAL;
    char *json = NULL;
    size_t len = 0;
    seal_status_t st = seal_store_get(user, NULL, GMK_NS_STATE, group_doc_id, &json, &len, NULL);
    if (st != SEAL_OK)
        return st;
    struct json_object *o = gm_doc_parse(json, len), *v;
    seal_free(json);
    if (!o)
        return SEAL_E_IO;
    uint64_t gen = json_object_object_get_ex(o, "generation", &v)
                   ? (uint64_t)json_object_get_int64(v) : 0;
    char prefix[128], t[32];
    size_t left = 0;
    snprintf(prefix, sizeof prefix, "%s/%020llu/", group_doc_id, (unsigned long long)gen);
    st = seal_store_scan(user, NULL, GMK_NS_CHUNKS, prefix, count_key, &left);
    /* Never the wrapped key. */
    json_object_object_del(o, "key");
    json_object_object_del(o, "iv");
    json_object_object_del(o, "gmkId");
    json_object_object_del(o, "rand");
    static const char *const times[][2] = { { "created", "created" },
                                            { "activation", "activationTime" },
                                            { "expiry", "expiryTime" } };
    for (size_t i = 0; i < 3; i++)
        if (json_object_object_get_ex(o, times[i][0], &v)) {
            gmk_time_text(json_object_get_int64(v), t);
            json_object_object_del(o, times[i][0]);
            if (gm_json_add_str(o, times[i][1], t))
                st = SEAL_E_NOMEM;
        }
    if (st == SEAL_OK && gm_json_add_int(o, "chunksLeft", (int64_t)left))
        st = SEAL_E_NOMEM;
    if (st == SEAL_OK && !(*out = gm_doc_text(o, out_len)))
        st = SEAL_E_NOMEM;
    json_object_put(o);
    return st;
}
