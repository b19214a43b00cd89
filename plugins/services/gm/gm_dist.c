/* SPDX-License-Identifier: Apache-2.0 */
/* GMK distribution (TS 33.180 5.7.1, TS 33.179 E.2): a pool of worker
 * threads, one per online CPU by default, off the request path, turns the
 * chunk documents written by a rekey (gm_gmk.c) into one MIKEY-SAKKE
 * I_MESSAGE per member: SAKKE to the member's UID for the current key
 * period (RFC 6508 with the TS 33.180 F.2.1 UID), signed with the GMS's
 * ECCSI key from SEAL-X1, GUK-ID in the CSB ID, the default group SRTP
 * policy (TS 33.179 Table E.2-1) and a key-parameters extension (TS 33.180
 * E.6.1, type 7) with the activation and expiry times. lib/mikey builds the
 * message (mikey_gmk_imessage_build over lib/ibc).
 *
 * The SAKKE encapsulation (a few ms) dominates; the per-chunk costs (the
 * GMK unwrapped once per worker and generation, the GMS key set from the
 * SEAL-X1 cache, one store transaction per chunk) are small against it.
 *
 * A chunk is served in one transaction: delete the chunk document
 * (compare and set on the revision read), write its members' messages, and
 * when it was the generation's last chunk mark the GMK done and drop its
 * wrapped copy. A superseded chunk (the group changed again) fails the
 * compare and set and is abandoned. Failures (SEAL-X1 unreachable, a busy
 * store) leave the chunk in the store; it is retried after retry_s.
 *
 * Fairness (issue 9): the chunks wait in a queue fair across groups
 * (gm_fairq.c): a worker takes the chunk of the group served least
 * recently, so a one-member group's key is not stuck behind the thousands
 * of a large group, and a group changed again and again takes its turn
 * like the others. A rekey names its group to the workers (gm_gmk_kick),
 * which queue that group's chunks before their next pick; the whole
 * namespace is scanned only at start, after a failure, or when more than
 * GMK_PENDING_MAX groups changed at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "mikey/mikey.h"
#include "gm_gmk.h"

#define MSG_MAX 2048   /* an I_MESSAGE with URIs up to 255 octets is < 1 KiB */

enum { DONE = 0, RETRY = 1 };

static int64_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* ---- the queue (under g->mu; gm_fairq.c) ---- */

static int queued(const gmk_ctx_t *g, const char *key)
{
    if (gmk_fq_queued(&g->queue, key))
        return 1;
    for (size_t i = 0; i < g->nthreads; i++)
        if (g->inflight[i] && strcmp(g->inflight[i], key) == 0)
            return 1;
    return 0;
}

typedef struct scan_list {
    char **k;
    size_t n, cap;
} scan_list_t;

static int scan_key(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    scan_list_t *l = ctx;
    (void)json; (void)len; (void)rev;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **k = realloc(l->k, cap * sizeof *k);
        if (!k)
            return 1;
        l->k = k;
        l->cap = cap;
    }
    if (!(l->k[l->n] = strdup(key)))
        return 1;
    l->n++;
    return 0;
}

/* ---- one worker's cache of the GMK it is distributing ---- */

typedef struct wcache {
    char gid[65];
    uint64_t gen;
    int valid;
    uint8_t gmk[GMK_LEN];
    uint32_t gmk_id;
    uint8_t rand[GMK_RAND_LEN];       /* one RAND per GMK (TS 33.180 7.4.2) */
    int64_t activation, expiry;
    char vgid[GM_ID_MAX + 1];
} wcache_t;

static void wcache_drop(wcache_t *c)
{
    explicit_bzero(c, sizeof *c);
}

/* Loads the GMK of generation gen of group gid into c. DONE with c->valid
 * 0: the generation is superseded (the chunk is stale). */
static int load_gmk(gmk_ctx_t *g, const char *gid, uint64_t gen, wcache_t *c)
{
    if (c->valid && c->gen == gen && strcmp(c->gid, gid) == 0)
        return DONE;
    wcache_drop(c);
    char *json = NULL;
    size_t len = 0;
    seal_status_t st = seal_store_get(g->self, NULL, GMK_NS_STATE, gid, &json, &len, NULL);
    if (st == SEAL_E_NOTFOUND)
        return DONE;
    if (st != SEAL_OK) {
        seal_log(g->self, SEAL_LOG_WARN, "group %s: GMK state: %s", gid, seal_strerror(st));
        return RETRY;
    }
    struct json_object *o = gm_doc_parse(json, len), *v;
    seal_free(json);
    int rc = RETRY;
    uint64_t sgen = o && json_object_object_get_ex(o, "generation", &v)
                    ? (uint64_t)json_object_get_int64(v) : 0;
    if (sgen != gen) {
        rc = DONE;   /* superseded */
        goto out;
    }
    const char *iv64 = NULL, *ct64 = NULL, *vgid = NULL, *rand64 = NULL;
    if (json_object_object_get_ex(o, "rand", &v)) rand64 = json_object_get_string(v);
    if (json_object_object_get_ex(o, "iv", &v)) iv64 = json_object_get_string(v);
    if (json_object_object_get_ex(o, "key", &v)) ct64 = json_object_get_string(v);
    if (json_object_object_get_ex(o, "valGroupId", &v)) vgid = json_object_get_string(v);
    if (json_object_object_get_ex(o, "gmkId", &v)) c->gmk_id = (uint32_t)json_object_get_int64(v);
    if (json_object_object_get_ex(o, "activation", &v)) c->activation = json_object_get_int64(v);
    if (json_object_object_get_ex(o, "expiry", &v)) c->expiry = json_object_get_int64(v);
    uint8_t iv[SEAL_CRYPTO_GCM_IV_LEN + 4], ct[GMK_LEN + SEAL_CRYPTO_GCM_TAG_LEN + 4];
    uint8_t rnd_buf[GMK_RAND_LEN + 4];
    size_t ivl = 0, ctl = 0, rl = 0;
    char aad[192];
    if (!iv64 || !ct64 || !vgid || !rand64 || strlen(vgid) > GM_ID_MAX ||
        gmk_b64_decode(rand64, rnd_buf, sizeof rnd_buf, &rl) != 0 || rl != GMK_RAND_LEN ||
        gmk_b64_decode(iv64, iv, sizeof iv, &ivl) != 0 || ivl != SEAL_CRYPTO_GCM_IV_LEN ||
        gmk_b64_decode(ct64, ct, sizeof ct, &ctl) != 0 ||
        ctl != GMK_LEN + SEAL_CRYPTO_GCM_TAG_LEN || gmk_aad(gid, gen, c->gmk_id, aad, sizeof aad)) {
        seal_log(g->self, SEAL_LOG_ERR, "group %s: the GMK state of generation %llu is "
                 "unreadable", gid, (unsigned long long)gen);
        goto out;
    }
    st = seal_crypto_aes_gcm_open(g->self, g->kek, sizeof g->kek, iv, ivl, aad, strlen(aad),
                                  ct, ctl, c->gmk, sizeof c->gmk);
    if (st != SEAL_OK) {
        seal_log(g->self, SEAL_LOG_ERR, "group %s: the GMK of generation %llu does not "
                 "unwrap (was gmk.kek_file replaced?): %s", gid, (unsigned long long)gen,
                 seal_strerror(st));
        goto out;
    }
    snprintf(c->gid, sizeof c->gid, "%s", gid);
    snprintf(c->vgid, sizeof c->vgid, "%s", vgid);
    memcpy(c->rand, rnd_buf, sizeof c->rand);
    c->gen = gen;
    c->valid = 1;
    rc = DONE;
out:
    json_object_put(o);
    if (!c->valid)
        wcache_drop(c);
    return rc;
}

/* ---- building the messages ---- */

typedef struct rnd_ctx {
    seal_plugin_t *self;
    int failed;
} rnd_ctx_t;

static void rnd(void *ctx, size_t len, uint8_t *out)
{
    rnd_ctx_t *r = ctx;
    if (seal_crypto_random(r->self, out, len) != SEAL_OK) {
        r->failed = 1;
        memset(out, 0, len);
    }
}

typedef struct msg {
    char key[160];
    char *json;
    size_t len;
    const char *member;
} msg_t;

/* One member's message document. */
static seal_status_t build_one(gmk_ctx_t *g, const wcache_t *c, const seal_x1_keys_t *k,
                               const char *member, int64_t now, const uint8_t *kp, size_t kp_len,
                               msg_t *m)
{
    struct mikey_kms kms = {
        (const uint8_t *)k->kms_uri, strlen(k->kms_uri),
        { k->user_key_period, k->user_key_offset },
        k->kpak, sizeof k->kpak, k->z, sizeof k->z,
    };
    struct mikey_sp sp;
    mikey_sp_default_group(&sp, 0);
    struct mikey_genext ext = { MIKEY_GENEXT_KEY_PARAMS, { kp, kp_len } };
    rnd_ctx_t rc = { g->self, 0 };
    struct mikey_gmk_send snd = {
        .key = c->gmk, .key_len = GMK_LEN, .key_id = c->gmk_id,
        .ntp_secs = (uint64_t)now + MIKEY_NTP_UNIX_OFFSET,
        .rand = c->rand, .rand_len = sizeof c->rand,
        .sp = &sp, .ext = &ext, .n_ext = 1,
        .init_uri = (const uint8_t *)k->gms_uri, .init_uri_len = strlen(k->gms_uri),
        .init_kms = &kms, .ssk = k->ssk, .ssk_len = sizeof k->ssk,
        .pvt = k->pvt, .pvt_len = sizeof k->pvt,
        .resp_uri = (const uint8_t *)member, .resp_uri_len = strlen(member),
        .resp_kms = &kms, .rnd = rnd, .rctx = &rc,
    };
    uint8_t out[MSG_MAX];
    char b64[4 * (MSG_MAX / 3) + 8], hash[65], id[GMK_MSG_ID_MAX + 1], t[32];
    size_t n = 0;
    int mrc = mikey_gmk_imessage_build(&snd, out, sizeof out, &n);
    if (mrc != MIKEY_OK || rc.failed) {
        seal_log(g->self, SEAL_LOG_WARN, "group %s: no I_MESSAGE for %s: %s", c->gid, member,
                 rc.failed ? "no random source" : mikey_strerror(mrc));
        return rc.failed ? SEAL_E_CRYPTO : SEAL_E_INVAL;
    }
    seal_status_t st = gmk_member_hash(g->self, member, hash);
    if (st != SEAL_OK)
        return st;
    snprintf(m->key, sizeof m->key, "%s/%s", c->gid, hash);
    snprintf(id, sizeof id, "%s.%llu.%.*s", c->gid, (unsigned long long)c->gen, GMK_ID_HASH,
             hash);
    gmk_b64(out, n, b64, sizeof b64);
    struct json_object *o = json_object_new_object();
    int bad = !o || gm_json_add_str(o, "id", id) || gm_json_add_str(o, "groupDocId", c->gid) ||
              gm_json_add_str(o, "valGroupId", c->vgid) || gm_json_add_str(o, "valUserId", member) ||
              gm_json_add_int(o, "generation", (int64_t)c->gen);
    if (!bad) {
        gmk_time_text(now, t);
        bad = gm_json_add_str(o, "created", t);
    }
    if (!bad) {
        gmk_time_text(c->activation, t);
        bad = gm_json_add_str(o, "activationTime", t);
    }
    if (!bad) {
        gmk_time_text(c->expiry, t);
        bad = gm_json_add_str(o, "expiryTime", t) || gm_json_add_int(o, "keyPeriodNo", (int64_t)k->period_no) ||
              gm_json_add_str(o, "iMessage", b64);
    }
    m->json = bad ? NULL : gm_doc_text(o, &m->len);
    json_object_put(o);
    m->member = member;
    return m->json ? SEAL_OK : SEAL_E_NOMEM;
}

/* Stops the scan at the first document: there is one. */
static int found(const char *key, const char *json, size_t len, uint64_t rev, void *ctx)
{
    (void)key; (void)json; (void)len; (void)rev;
    *(int *)ctx = 1;
    return 1;
}

/* In the chunk's transaction: when no chunk of the generation is left,
 * marks the GMK done and drops its wrapped copy (*finished: the caller
 * logs it once the transaction committed). */
static seal_status_t maybe_finish(gmk_ctx_t *g, seal_store_txn_t *txn, const char *gid,
                                  uint64_t gen, int *finished)
{
    char prefix[128];
    int more = 0;
    snprintf(prefix, sizeof prefix, "%s/%020llu/", gid, (unsigned long long)gen);
    seal_status_t st = seal_store_scan(g->self, txn, GMK_NS_CHUNKS, prefix, found, &more);
    if (st != SEAL_OK || more)
        return st;
    char *json = NULL;
    size_t len = 0;
    uint64_t rev = 0;
    st = seal_store_get(g->self, txn, GMK_NS_STATE, gid, &json, &len, &rev);
    if (st != SEAL_OK)
        return st == SEAL_E_NOTFOUND ? SEAL_OK : st;
    struct json_object *o = gm_doc_parse(json, len), *v;
    seal_free(json);
    if (o && json_object_object_get_ex(o, "generation", &v) &&
        (uint64_t)json_object_get_int64(v) == gen) {
        json_object_object_del(o, "key");
        json_object_object_del(o, "iv");
        json_object_object_del(o, "state");
        char *text = NULL;
        if (gm_json_add_str(o, "state", "done") != 0 || !(text = gm_doc_text(o, &len)))
            st = SEAL_E_NOMEM;
        else
            st = seal_store_put(g->self, txn, GMK_NS_STATE, gid, text, len, rev, NULL, 0, NULL);
        free(text);
        *finished = st == SEAL_OK;
    }
    json_object_put(o);
    return st;
}

static int process(gmk_ctx_t *g, wcache_t *c, const char *key)
{
    char gid[65];
    const char *slash = strchr(key, '/');
    if (!slash || (size_t)(slash - key) >= sizeof gid)
        return DONE;
    memcpy(gid, key, (size_t)(slash - key));
    gid[slash - key] = '\0';

    char *json = NULL;
    size_t len = 0;
    uint64_t rev = 0;
    seal_status_t st = seal_store_get(g->self, NULL, GMK_NS_CHUNKS, key, &json, &len, &rev);
    if (st == SEAL_E_NOTFOUND)
        return DONE;   /* served or superseded meanwhile */
    if (st != SEAL_OK)
        return RETRY;
    struct json_object *o = gm_doc_parse(json, len), *v, *arr = NULL;
    seal_free(json);
    uint64_t gen = o && json_object_object_get_ex(o, "generation", &v)
                   ? (uint64_t)json_object_get_int64(v) : 0;
    if (!o || !json_object_object_get_ex(o, "members", &arr) ||
        !json_object_is_type(arr, json_type_array) || gen == 0) {
        seal_log(g->self, SEAL_LOG_ERR, "GMK chunk %s is unreadable: dropped", key);
        json_object_put(o);
        seal_store_delete(g->self, NULL, GMK_NS_CHUNKS, key, rev);
        return DONE;
    }
    int rc = load_gmk(g, gid, gen, c);
    if (rc == RETRY || !c->valid) {
        if (rc == DONE)   /* a stale chunk the rekey missed: clean it up */
            seal_store_delete(g->self, NULL, GMK_NS_CHUNKS, key, rev);
        json_object_put(o);
        return rc;
    }

    int64_t now = (int64_t)time(NULL);
    seal_x1_keys_t k;
    memset(&k, 0, sizeof k);
    k.struct_size = sizeof k;
    st = g->x1->keys_at(g->x1_user, now, &k);
    if (st != SEAL_OK) {
        seal_log(g->self, SEAL_LOG_WARN, "group %s: no GMS key material from SEAL-X1 (%s): "
                 "distribution retried in %llds", gid, seal_strerror(st),
                 (long long)g->retry_s);
        json_object_put(o);
        return RETRY;
    }
    /* TS 33.180 E.6.1 key parameters: GMK, active, times in NTP seconds. */
    uint8_t kp[64 + GM_ID_MAX];
    size_t kp_len = 0;
    struct mikey_key_params kpar = {
        .key_type = MIKEY_PURPOSE_GMK, .status = 1,
        .activation = (uint64_t)c->activation + MIKEY_NTP_UNIX_OFFSET,
        .expiry = (uint64_t)c->expiry + MIKEY_NTP_UNIX_OFFSET,
        .text = { (const uint8_t *)c->vgid, strlen(c->vgid) },
    };
    if (mikey_key_params_encode(&kpar, kp, sizeof kp, &kp_len) != MIKEY_OK)
        kp_len = 0;

    size_t n = json_object_array_length(arr), nm = 0;
    msg_t *msgs = calloc(n ? n : 1, sizeof *msgs);
    rc = msgs && kp_len ? DONE : RETRY;
    for (size_t i = 0; i < n && rc == DONE; i++) {
        struct json_object *m = json_object_array_get_idx(arr, i);
        const char *member = json_object_get_string(m);
        if (!json_object_is_type(m, json_type_string) || !gmk_identity_ok(member))
            continue;
        st = build_one(g, c, &k, member, now, kp, kp_len, &msgs[nm]);
        if (st == SEAL_OK)
            nm++;
        else if (st != SEAL_E_INVAL)
            rc = RETRY;   /* no randomness, no memory: try the chunk again */
    }
    explicit_bzero(&k, sizeof k);

    seal_store_txn_t *txn = NULL;
    int finished = 0;
    if (rc == DONE && (st = seal_store_txn_begin(g->self, &txn)) != SEAL_OK)
        rc = RETRY;
    if (rc == DONE) {
        st = seal_store_delete(g->self, txn, GMK_NS_CHUNKS, key, rev);
        if (st == SEAL_E_NOTFOUND || st == SEAL_E_CONFLICT) {
            seal_store_txn_abort(txn);   /* superseded while we built */
            txn = NULL;
        } else {
            for (size_t i = 0; i < nm && st == SEAL_OK; i++) {
                seal_store_term_t terms[2] = { { "member", msgs[i].member }, { "group", gid } };
                st = seal_store_put(g->self, txn, GMK_NS_MSGS, msgs[i].key, msgs[i].json,
                                    msgs[i].len, SEAL_REV_ANY, terms, 2, NULL);
            }
            if (st == SEAL_OK)
                st = maybe_finish(g, txn, gid, gen, &finished);
            if (st == SEAL_OK) {
                st = seal_store_txn_commit(txn);
            } else {
                seal_store_txn_abort(txn);
            }
            txn = NULL;
            if (st != SEAL_OK) {
                seal_log(g->self, SEAL_LOG_WARN, "GMK chunk %s: store: %s (retried)", key,
                         seal_strerror(st));
                rc = RETRY;
            } else {
                if (finished)
                    seal_log(g->self, SEAL_LOG_INFO, "group %s: GMK generation %llu distributed",
                             gid, (unsigned long long)gen);
                pthread_mutex_lock(&g->mu);
                g->built += nm;
                g->chunks_done++;
                pthread_mutex_unlock(&g->mu);
            }
        }
    }
    for (size_t i = 0; msgs && i < n; i++)
        free(msgs[i].json);
    free(msgs);
    json_object_put(o);
    return rc;
}

/* ---- the pool ---- */

typedef struct worker_arg {
    gmk_ctx_t *g;
    size_t index;
} worker_arg_t;

/* Queues the chunks in the store that are not queued or in flight: all of
 * them (gid NULL: at start, after a failure, when too many groups changed at
 * once), or those of group gid (after its rekey). */
static void rescan(gmk_ctx_t *g, const char *gid)
{
    scan_list_t l = {0};
    char prefix[80] = "";
    if (gid)
        snprintf(prefix, sizeof prefix, "%s/", gid);
    seal_status_t st = seal_store_scan(g->self, NULL, GMK_NS_CHUNKS, prefix, scan_key, &l);
    pthread_mutex_lock(&g->mu);
    if (st != SEAL_OK) {
        seal_log(g->self, SEAL_LOG_WARN, "GMK jobs: store scan: %s (retried)", seal_strerror(st));
        g->retry_at = mono_now() + g->retry_s;
    }
    size_t added = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (!queued(g, l.k[i]) && gmk_fq_push(&g->queue, l.k[i]) == 0) {
            l.k[i] = NULL;
            added++;
        }
        free(l.k[i]);
    }
    if (added)
        pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    free(l.k);
}

static void *worker(void *p)
{
    worker_arg_t *a = p;
    gmk_ctx_t *g = a->g;
    size_t me = a->index;
    free(a);
    wcache_t *c = calloc(1, sizeof *c);
    pthread_mutex_lock(&g->mu);
    while (c && !g->stopping) {
        /* New chunks join the queue before the next pick, so that the pick
         * is fair among all the groups with work. */
        if (g->dirty) {
            g->dirty = 0;
            pthread_mutex_unlock(&g->mu);
            rescan(g, NULL);
            pthread_mutex_lock(&g->mu);
            continue;
        }
        if (g->npending) {
            char *gid = g->pending[--g->npending];
            pthread_mutex_unlock(&g->mu);
            rescan(g, gid);
            free(gid);
            pthread_mutex_lock(&g->mu);
            continue;
        }
        char *key = gmk_fq_pop(&g->queue);
        if (key) {
            g->inflight[me] = key;
            pthread_mutex_unlock(&g->mu);
            int rc = process(g, c, key);
            pthread_mutex_lock(&g->mu);
            g->inflight[me] = NULL;
            gmk_fq_done(&g->queue, key);
            free(key);
            if (rc == RETRY) {
                g->failed++;
                int64_t at = mono_now() + g->retry_s;
                if (!g->retry_at || g->retry_at > at)
                    g->retry_at = at;
            }
            continue;
        }
        /* Idle: the GMK we were distributing need not stay in memory. */
        wcache_drop(c);
        if (g->retry_at) {
            struct timespec until = { .tv_sec = g->retry_at, .tv_nsec = 0 };
            if (mono_now() >= g->retry_at) {
                g->retry_at = 0;
                g->dirty = 1;
                continue;
            }
            pthread_cond_timedwait(&g->cv, &g->mu, &until);
        } else {
            pthread_cond_wait(&g->cv, &g->mu);
        }
    }
    pthread_mutex_unlock(&g->mu);
    if (c) {
        wcache_drop(c);
        free(c);
    }
    return NULL;
}

seal_status_t gmk_dist_start(gmk_ctx_t *g)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = g->workers > 0 ? (size_t)g->workers : (size_t)(cpus > 0 ? cpus : 1);
    if (!(g->threads = calloc(n, sizeof *g->threads)) ||
        !(g->inflight = calloc(n, sizeof *g->inflight)))
        return SEAL_E_NOMEM;
    g->stopping = 0;
    g->dirty = 1;   /* jobs left by a previous run resume now */
    for (size_t i = 0; i < n; i++) {
        worker_arg_t *a = malloc(sizeof *a);
        if (!a) {
            gmk_dist_stop(g);
            return SEAL_E_NOMEM;
        }
        a->g = g;
        a->index = i;
        if (pthread_create(&g->threads[i], NULL, worker, a) != 0) {
            free(a);
            seal_log(g->self, SEAL_LOG_ERR, "gmk: cannot start worker %zu", i);
            gmk_dist_stop(g);
            return SEAL_E_NOMEM;
        }
        g->nthreads = i + 1;
    }
    g->running = 1;
    seal_log(g->self, SEAL_LOG_INFO, "gmk: %zu distribution worker(s), %lld members per "
             "chunk, GMS key material over SEAL-X1 (%s)", n, (long long)g->chunk,
             g->x1->mode(g->x1_user));
    return SEAL_OK;
}

void gmk_dist_stop(gmk_ctx_t *g)
{
    pthread_mutex_lock(&g->mu);
    g->stopping = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    for (size_t i = 0; i < g->nthreads; i++)
        pthread_join(g->threads[i], NULL);
    g->nthreads = 0;
    g->running = 0;
    seal_log(g->self, SEAL_LOG_INFO, "gmk: %llu message(s) built, %llu chunk(s) served, %llu "
             "retried", (unsigned long long)g->built, (unsigned long long)g->chunks_done,
             (unsigned long long)g->failed);
}
