/* SPDX-License-Identifier: Apache-2.0 */
/* The issuers' key sets (RFC 7517 JWK Sets), fetched through the host's
 * outbound client (seal_http_call): at start, retried with back-off until
 * one arrives (seald fetching its own JWKS fails until its listeners open,
 * which happens after every plugin has started), refreshed periodically,
 * and refetched when a token names an unknown kid -- at most once per
 * refetch interval per issuer, so tokens with made-up kids cannot make the
 * server hammer its IdM. A request never waits longer than wait_ms, and at
 * most max_waiters requests per issuer wait at all: an HTTP worker blocked
 * here cannot serve the JWKS that seald may be fetching from itself.
 *
 * The refresher thread only decides when to fetch (key sets here, revocation
 * lists in revocation.c); the fetch itself runs on the host's client thread
 * (no plugin I/O threads). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "authz_jwt.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 30000
#define FIRST_REFETCH_MS 250   /* before the first key set: see issuer_key */

int64_t authz_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timespec deadline_in(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static void cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

void issuer_init(issuer_t *is, authz_t *az)
{
    memset(is, 0, sizeof *is);
    is->az = az;
    pthread_mutex_init(&is->mu, NULL);
    cond_init_mono(&is->cv);
    is->last_start_ms = INT64_MIN / 2;
    revocation_init(is);
}

void issuer_destroy(issuer_t *is)
{
    revocation_destroy(is);
    jwks_clear(&is->keys);
    pthread_cond_destroy(&is->cv);
    pthread_mutex_destroy(&is->mu);
}

issuer_t *authz_issuer(authz_t *az, const char *iss)
{
    for (size_t i = 0; iss && i < az->n_issuers; i++)
        if (strcmp(az->issuers[i].iss, iss) == 0)
            return &az->issuers[i];
    return NULL;
}

void authz_kick(authz_t *az)
{
    pthread_mutex_lock(&az->mu);
    az->kicks++;
    pthread_cond_signal(&az->cv);
    pthread_mutex_unlock(&az->mu);
}

/* Records the end of a fetch: set is the new key set (taken) or NULL. */
static void fetch_done(issuer_t *is, jwks_set_t *set, const char *why, int quiet)
{
    authz_t *az = is->az;
    int64_t now = authz_now_ms();
    int lost = 0, first = 0, changed = 0;
    size_t nkeys = 0;
    pthread_mutex_lock(&is->mu);
    is->fetches++;
    if (set) {
        lost = jwks_lost_keys(&is->keys, set);
        changed = lost || jwks_lost_keys(set, &is->keys);
        first = !is->loaded;
        /* Tokens of a withdrawn key go before anyone sees the new set (a
         * request woken below must not find them cached); the epoch keeps
         * out those validated meanwhile with the old key. */
        if (lost)
            token_cache_clear(az->cache);
        jwks_clear(&is->keys);
        is->keys = *set;
        nkeys = set->n;
        is->loaded = 1;
        is->backoff_ms = 0;
        is->next_due_ms = now + az->refresh_ms;
    } else {
        is->failures++;
        is->backoff_ms = is->backoff_ms ? is->backoff_ms * 2 : BACKOFF_FIRST_MS;
        if (is->backoff_ms > BACKOFF_MAX_MS)
            is->backoff_ms = BACKOFF_MAX_MS;
        is->next_due_ms = now + is->backoff_ms;
    }
    int loaded = is->loaded;
    uint64_t failures = is->failures;
    int64_t backoff = is->backoff_ms;
    is->in_flight = 0;
    is->generation++;
    pthread_cond_broadcast(&is->cv);
    pthread_mutex_unlock(&is->mu);

    if (set && (first || changed))
        seal_log(az->self, SEAL_LOG_INFO, "issuer %s: %zu signing key%s from %s%s%s", is->iss,
                 nkeys, nkeys == 1 ? "" : "s", is->jwks_uri, why && *why ? " (skipped: " : "",
                 why && *why ? why : "");
    else if (!set)
        /* seald fetching its own JWKS fails until it listens: quiet at first,
         * and at shutdown (calls still pending end with SEAL_E_STATE). */
        seal_log(az->self, !quiet && (loaded || failures > 3) ? SEAL_LOG_WARN : SEAL_LOG_DEBUG,
                 "issuer %s: cannot read the key set at %s: %s (retry in %lld ms)", is->iss,
                 is->jwks_uri, why, (long long)backoff);
    authz_kick(az);
}

static void on_fetched(seal_status_t st, long http_status, const char *body, size_t len,
                       void *user)
{
    issuer_t *is = user;
    char why[200] = "";
    if (st != SEAL_OK) {
        fetch_done(is, NULL, seal_strerror(st), st == SEAL_E_STATE);
        return;
    }
    if (http_status != 200) {
        snprintf(why, sizeof why, "HTTP status %ld", http_status);
        fetch_done(is, NULL, why, 0);
        return;
    }
    jwks_set_t set = { 0 };
    size_t skipped = 0;
    if (jwks_parse(body, len, &set, &skipped, why, sizeof why) != 0) {
        fetch_done(is, NULL, why, 0);
        return;
    }
    fetch_done(is, &set, skipped ? why : NULL, 0);
}

/* With is->mu held: this caller will fetch. */
static void fetch_claim(issuer_t *is)
{
    is->in_flight = 1;
    is->last_start_ms = authz_now_ms();
}

seal_status_t issuer_get(issuer_t *is, const char *url, const char *accept,
                         seal_http_done_fn done)
{
    const char *const headers[] = { accept, "Connection: close", NULL };
    seal_http_call_t call = {
        .struct_size = sizeof call,
        .method = "GET",
        .url = url,
        .headers = headers,
        .timeout_ms = is->az->timeout_ms,
        .ca_file = is->ca_file,
        .cert_file = is->cert_file,
        .key_file = is->key_file,
    };
    return seal_http_call(is->az->self, &call, done, is);
}

/* Without is->mu: sends the claimed fetch. */
static void fetch_send(issuer_t *is)
{
    seal_status_t st = issuer_get(is, is->jwks_uri,
                                  "Accept: application/jwk-set+json, application/json",
                                  on_fetched);
    if (st != SEAL_OK)
        fetch_done(is, NULL, seal_strerror(st), st == SEAL_E_STATE);
}

static int copy_key(const jwks_key_t *k, jwk_alg_t *alg, char **jwk)
{
    if (!k || !(*jwk = strdup(k->jwk)))
        return 0;
    *alg = k->alg;
    return 1;
}

int issuer_key(issuer_t *is, const char *kid, jwk_alg_t *alg, char **jwk)
{
    authz_t *az = is->az;
    *jwk = NULL;
    struct timespec deadline = deadline_in(az->wait_ms);
    int found = 0, triggered = 0, waiting = 0;
    pthread_mutex_lock(&is->mu);
    uint64_t gen0 = is->generation;
    for (;;) {
        if ((found = copy_key(jwks_find(&is->keys, kid), alg, jwk)))
            break;
        if (!is->in_flight) {
            /* A fetch that ended after this request came did not bring it. */
            if (is->loaded && is->generation != gen0)
                break;
            /* Before the first key set a waiting request fetches at once
             * rather than after the start-up back-off (seald fetching its
             * own JWKS fails until it listens), at most every
             * FIRST_REFETCH_MS; afterwards an unknown kid refetches at most
             * every refetch interval. */
            int64_t since = authz_now_ms() - is->last_start_ms;
            if (!triggered && (is->loaded ? since >= az->refetch_min_ms
                                          : since >= FIRST_REFETCH_MS)) {
                fetch_claim(is);
                triggered = 1;
                pthread_mutex_unlock(&is->mu);
                fetch_send(is);
                pthread_mutex_lock(&is->mu);
                continue;
            }
            if (is->loaded)
                break;                    /* rate-limited: unknown kid */
        }
        /* A fetch is running, or the first key set has not come yet. */
        if (!waiting) {
            if (is->waiters >= az->max_waiters)
                break;
            is->waiters++;
            waiting = 1;
        }
        if (pthread_cond_timedwait(&is->cv, &is->mu, &deadline) == ETIMEDOUT) {
            found = copy_key(jwks_find(&is->keys, kid), alg, jwk);
            break;
        }
    }
    if (waiting)
        is->waiters--;
    pthread_mutex_unlock(&is->mu);
    return found;
}

static void *refresher(void *arg)
{
    authz_t *az = arg;
    pthread_mutex_lock(&az->mu);
    while (!az->stopping) {
        uint64_t seen = az->kicks;
        pthread_mutex_unlock(&az->mu);
        int64_t now = authz_now_ms(), wake = now + 3600 * 1000;
        for (size_t i = 0; i < az->n_issuers; i++) {
            issuer_t *is = &az->issuers[i];
            int send = 0;
            pthread_mutex_lock(&is->mu);
            if (!is->in_flight) {
                if (now >= is->next_due_ms) {
                    fetch_claim(is);
                    send = 1;
                } else if (is->next_due_ms < wake) {
                    wake = is->next_due_ms;
                }
            }
            pthread_mutex_unlock(&is->mu);
            if (send)
                fetch_send(is);
            revocation_tick(is, now, &wake);
        }
        pthread_mutex_lock(&az->mu);
        if (!az->stopping && az->kicks == seen) {
            struct timespec ts = deadline_in(wake - now > 0 ? wake - now : 1);
            pthread_cond_timedwait(&az->cv, &az->mu, &ts);
        }
    }
    pthread_mutex_unlock(&az->mu);
    return NULL;
}

void authz_refresher_init(authz_t *az)
{
    pthread_mutex_init(&az->mu, NULL);
    cond_init_mono(&az->cv);
}

void authz_refresher_destroy(authz_t *az)
{
    pthread_cond_destroy(&az->cv);
    pthread_mutex_destroy(&az->mu);
}

seal_status_t authz_refresher_start(authz_t *az)
{
    if (pthread_create(&az->thread, NULL, refresher, az) != 0)
        return SEAL_E_AGAIN;
    az->thread_started = 1;
    return SEAL_OK;
}

void authz_refresher_stop(authz_t *az)
{
    if (!az->thread_started)
        return;
    pthread_mutex_lock(&az->mu);
    az->stopping = 1;
    pthread_cond_signal(&az->cv);
    pthread_mutex_unlock(&az->mu);
    pthread_join(az->thread, NULL);
    az->thread_started = 0;
}
