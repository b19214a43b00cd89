/* SPDX-License-Identifier: Apache-2.0 */
/* Group master keys of the gm service (TS 33.180 5.7, Annex E/F):
 * what gm.c calls. gm_gmk.c holds the configuration, the
 * key-encryption key, the rekey done inside a group change's transaction
 * and the GM-UU operations; gm_dist.c the distribution worker pool. */
#ifndef SEAL_GM_GMK_H
#define SEAL_GM_GMK_H

#include <pthread.h>
#include <seal/seal.h>
#include <seal/services/gm.h>
#include <seal/services/x1.h>
#include "gm_doc.h"
#include "gm_fairq.h"
#include "gm_gmkid.h"

/* Store namespaces. */
#define GMK_NS_STATE  "gm.gmk"        /* key groupDocId: the group's current GMK */
#define GMK_NS_CHUNKS "gm.gmkchunks"  /* key <groupDocId>/<gen %020>/<chunk %08>:
                                       * members still to receive that GMK */
#define GMK_NS_MSGS   "gm.gmkmsgs"    /* key <groupDocId>/<hex SHA-256(member)>:
                                       * the member's pending I_MESSAGE */

#define GMK_KEK_LEN 32
#define GMK_LEN 16
#define GMK_RAND_LEN 16                /* the MIKEY RAND of a GMK's messages */
#define GMK_PENDING_MAX 64             /* groups to scan for new chunks; more: scan all */

typedef struct gmk_ctx {
    seal_plugin_t *self;
    /* The service's limits (gm.c reads them: this is the plugin's data, with
     * or without GMKs). */
    int64_t max_members;              /* members per document */
    int64_t max_groups_per_owner;     /* documents per owner; 0: no limit */
    int enabled;                      /* the "gmk" block is present */
    /* config */
    char *kek_file;
    int64_t workers;                  /* 0: one per online CPU */
    int64_t chunk;                    /* members per chunk (= per store transaction) */
    int64_t lifetime_s;               /* expiry = activation + lifetime */
    int64_t activation_delay_s;
    int64_t retry_s;                  /* back-off after a failed chunk */
    /* start */
    uint8_t kek[GMK_KEK_LEN];
    const seal_x1_v1_t *x1;
    void *x1_user;

    /* the worker pool (gm_dist.c) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running, stopping;
    pthread_t *threads;
    size_t nthreads;
    gmk_fq_t queue;                   /* chunk keys to process, fair across groups */
    char **inflight;                  /* keys being processed, one per worker */
    int dirty;                        /* the store may hold chunks we have not queued */
    char *pending[GMK_PENDING_MAX];   /* groups whose new chunks we have not queued */
    size_t npending;
    int64_t retry_at;                 /* monotonic seconds; 0: none */
    /* counters (under mu), for logs and the state operation */
    uint64_t built, failed, chunks_done;
} gmk_ctx_t;

/* gm_gmk.c */
seal_status_t gm_gmk_init(seal_plugin_t *self, gmk_ctx_t **out);
seal_status_t gm_gmk_start(gmk_ctx_t *g);
void gm_gmk_stop(gmk_ctx_t *g);
void gm_gmk_free(gmk_ctx_t *g);

/* Inside the transaction that changes group id (before: the stored facts,
 * NULL on create or when the old document is unreadable; after: NULL on
 * delete). When the VAL users among the members changed (a create with
 * members counts), makes the new GMK and its distribution job in txn, and
 * drops the pending messages of removed members; sets *kick to start the
 * workers once the transaction committed. A no-op when GMKs are off. */
seal_status_t gm_gmk_on_change(gmk_ctx_t *g, seal_store_txn_t *txn, const char *id,
                               const gm_facts_t *before, const gm_facts_t *after, int *kick);
/* Wakes the workers (after the commit) to queue the chunks of the GMK that
 * this thread's last gm_gmk_on_change made. */
void gm_gmk_kick(gmk_ctx_t *g);

/* The GM-UU operations of seal.gm.v1 (user: the plugin handle). */
seal_status_t gm_gmk_messages(void *user, const char *identity, const char *val_group_id,
                              seal_gm_visit_fn fn, void *ctx);
seal_status_t gm_gmk_ack(void *user, const char *identity, const char *msg_id);
seal_status_t gm_gmk_state(void *user, const char *group_doc_id, char **json, size_t *len);

/* Helpers shared with gm_dist.c. */
int gmk_identity_ok(const char *id);
/* hex SHA-256 of the identity (65 octets with the NUL). */
seal_status_t gmk_member_hash(seal_plugin_t *self, const char *identity, char hex[65]);
/* AAD binding a wrapped GMK to its group and generation. */
int gmk_aad(const char *group_doc_id, uint64_t gen, uint32_t gmk_id, char *out, size_t cap);
/* Base64 (RFC 4648 4, padded): returns the length written (0 when cap is
 * too small); decode refuses anything but canonical padded base64. */
size_t gmk_b64(const uint8_t *in, size_t len, char *out, size_t cap);
int gmk_b64_decode(const char *in, uint8_t *out, size_t cap, size_t *out_len);
/* RFC 3339 UTC time of Unix seconds t. */
void gmk_time_text(int64_t t, char out[32]);

/* gm_dist.c */
seal_status_t gmk_dist_start(gmk_ctx_t *g);
void gmk_dist_stop(gmk_ctx_t *g);

#endif
