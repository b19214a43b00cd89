/* SPDX-License-Identifier: Apache-2.0 */
/* authz_jwt's instance: its configuration, its trusted issuers and their
 * key sets, the validated-token cache, and the refresher thread. */
#ifndef AUTHZ_JWT_H
#define AUTHZ_JWT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <seal/seal.h>
#include "jwks.h"
#include "jwt_check.h"
#include "revset.h"
#include "token_cache.h"

typedef struct authz authz_t;

/* One trusted issuer and the keys of its JWK Set. */
typedef struct issuer {
    authz_t *az;
    const char *iss, *jwks_uri;            /* config strings, valid until fini */
    const char *ca_file, *cert_file, *key_file;
    pthread_mutex_t mu;
    pthread_cond_t cv;                     /* CLOCK_MONOTONIC; a fetch finished */
    jwks_set_t keys;
    int loaded;                            /* a key set was read once */
    int in_flight;                         /* a fetch is running */
    unsigned waiters;                      /* requests waiting for a fetch */
    uint64_t generation;                   /* fetches finished */
    int64_t last_start_ms;                 /* monotonic ms of the last fetch started */
    int64_t next_due_ms;                   /* when the refresher fetches next */
    int64_t backoff_ms;                    /* after failures, else 0 */
    uint64_t fetches, failures;
    /* its revocation list (revocation.c) */
    const char *revocation_uri;            /* config string, or NULL */
    pthread_mutex_t rv_wmu;                /* serialises the writers of rv, rv_local */
    pthread_rwlock_t rv_lock;              /* readers of rv against its swap */
    revset_t *rv;                          /* what requests check: list + rv_local */
    revset_t *rv_local;                    /* entries from the in-process hook, kept
                                            * across fetches until they end */
    _Atomic int rv_any;                    /* rv is not empty */
    _Atomic int64_t rv_ok_ms;              /* monotonic ms at which the last list read
                                            * was requested; 0: none yet */
    int rv_in_flight;                      /* under mu, as the rest below */
    int rv_loaded;                         /* a list was read once */
    int rv_stale_logged;
    int64_t rv_start_ms, rv_next_due_ms, rv_backoff_ms;
    uint64_t rv_failures;                  /* in a row */
} issuer_t;

typedef struct scope_map {
    const char *service, *scope;
} scope_map_t;

struct authz {
    seal_plugin_t *self;
    /* configuration (strings borrowed from the config or static) */
    const char *audience, *realm;
    int64_t leeway_s;
    const char **typ;
    size_t n_typ;
    scope_map_t *scopes;
    size_t n_scopes;
    int64_t refetch_min_ms, wait_ms, refresh_ms, timeout_ms;
    int64_t rv_poll_ms, rv_max_age_ms;
    unsigned max_waiters;
    issuer_t *issuers;
    size_t n_issuers;
    jwt_policy_t policy;
    token_cache_t *cache;
    _Atomic unsigned long unmapped;        /* refusals for a service without scope */
    /* the refresher thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t kicks;                        /* bumped when a fetch ends */
    int stopping, thread_started;
    pthread_t thread;
};

/* issuer.c */
int64_t authz_now_ms(void);
void issuer_init(issuer_t *is, authz_t *az);
void issuer_destroy(issuer_t *is);
/* The issuer named iss, or NULL. */
issuer_t *authz_issuer(authz_t *az, const char *iss);
/* Copies the key kid of is (its alg and JWK text, malloc'd). When the kid is
 * unknown, refetches the set (at most once per refetch_min_ms per issuer)
 * and waits at most wait_ms for a fetch in flight. 1 found, 0 not. */
int issuer_key(issuer_t *is, const char *kid, jwk_alg_t *alg, char **jwk);
/* GETs url from the issuer (its CA and client certificate) on the host's
 * client thread; done gets is. A fresh connection each time: seald may
 * fetch from itself, and a kept-alive connection belongs to one HTTP
 * worker -- maybe the very one waiting for this fetch. */
seal_status_t issuer_get(issuer_t *is, const char *url, const char *accept,
                         seal_http_done_fn done);
/* Starts and stops the thread that loads key sets at start (retrying with
 * back-off) and refreshes them every refresh_ms. */
void authz_refresher_init(authz_t *az);
void authz_refresher_destroy(authz_t *az);
seal_status_t authz_refresher_start(authz_t *az);
void authz_refresher_stop(authz_t *az);
/* Wakes the refresher (a fetch ended). */
void authz_kick(authz_t *az);

/* revocation.c: the issuers' revocation lists */
void revocation_init(issuer_t *is);
void revocation_destroy(issuer_t *is);
/* The refresher's turn for is at now (monotonic ms): fetches the list when
 * due; lowers *wake to when it is due next. */
void revocation_tick(issuer_t *is, int64_t now, int64_t *wake);
typedef enum rv_verdict {
    RV_OK,
    RV_REVOKED,      /* on the list: 401 invalid_token */
    RV_NO_JTI,       /* the issuer revokes by jti, the token has none: 401 */
    RV_STALE         /* no list read within revocation_max_age_s: 503 */
} rv_verdict_t;
/* Whether a valid token of is may be used now; cheap (see revocation.c). */
rv_verdict_t revocation_check(issuer_t *is, const char *jti, const char *sub,
                              const char *client_id);
/* The SEAL_IM_HOOK_REVOKED callback (user: the authz_t). */
seal_status_t revocation_hook(void *args, void *user);

#endif
