/* SPDX-License-Identifier: Apache-2.0 */
/* Revocation at the resource server. An access token is checked locally
 * (RFC 9068), so nothing in OAuth tells this server that the IdM revoked
 * it (RFC 7009), disabled its user or its client. Each issuer with a
 * "revocation_uri" publishes a revocation list (the im README's
 * "Revocation list": revoked jtis, hashed disabled subs and client_ids);
 * the refresher polls it every revocation_poll_s through the host's
 * client, and every request -- cache hit or not -- is checked against the
 * last list read:
 *   - a jti, SHA-256(sub) or SHA-256(client_id) on it: 401 invalid_token;
 *   - no token jti: 401 (a token that cannot be revoked alone is not
 *     accepted from an issuer that revokes: RFC 9068 2.2 requires jti);
 *   - no list read within revocation_max_age_s (the IdM unreachable, its
 *     list malformed or old): 503 with Retry-After, whatever the token.
 *     Fail closed: a revocation reaches this server within max_age_s or
 *     its issuer's tokens stop working.
 * An im in the same seald also runs the hook SEAL_IM_HOOK_REVOKED for every
 * entry before the revoking call returns: applied here at once, and kept
 * across fetches (a fetch in flight may return a list older than it) until
 * the entry ends.
 *
 * The check costs an atomic load and a clock read when nothing is revoked;
 * else a read lock and a bisection of sorted arrays (revset.c), plus one
 * SHA-256 of sub / client_id while users / clients are on the list. A list
 * is made into a new immutable set off the request path and swapped in
 * under the write lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <seal/services/im.h>
#include "authz_jwt.h"

#define BACKOFF_FIRST_MS 100

void revocation_init(issuer_t *is)
{
    pthread_mutex_init(&is->rv_wmu, NULL);
    pthread_rwlock_init(&is->rv_lock, NULL);
}

void revocation_destroy(issuer_t *is)
{
    revset_free(is->rv);
    revset_free(is->rv_local);
    is->rv = is->rv_local = NULL;
    pthread_rwlock_destroy(&is->rv_lock);
    pthread_mutex_destroy(&is->rv_wmu);
}

/* With rv_wmu held: makes next (taken) the set requests check. */
static void swap_in(issuer_t *is, revset_t *next)
{
    pthread_rwlock_wrlock(&is->rv_lock);
    revset_t *old = is->rv;
    is->rv = next;
    pthread_rwlock_unlock(&is->rv_lock);
    atomic_store(&is->rv_any, revset_count(next, REVSET_JTI) || revset_count(next, REVSET_SUBJECT)
                                  || revset_count(next, REVSET_CLIENT));
    revset_free(old);
}

rv_verdict_t revocation_check(issuer_t *is, const char *jti, const char *sub,
                              const char *client_id)
{
    if (is->revocation_uri) {
        if (!jti)
            return RV_NO_JTI;
        int64_t ok = atomic_load(&is->rv_ok_ms);
        if (!ok || authz_now_ms() - ok > is->az->rv_max_age_ms)
            return RV_STALE;
    }
    if (!atomic_load(&is->rv_any))
        return RV_OK;
    pthread_rwlock_rdlock(&is->rv_lock);
    int hit = revset_revoked(is->rv, jti, sub, client_id);
    pthread_rwlock_unlock(&is->rv_lock);
    return hit ? RV_REVOKED : RV_OK;
}

/* ---- the in-process hook ---- */

seal_status_t revocation_hook(void *args, void *user)
{
    const seal_im_revoked_t *r = args;
    authz_t *az = user;
    if (!r || r->struct_size < sizeof *r || !r->value)
        return SEAL_DECLINED;
    issuer_t *is = authz_issuer(az, r->issuer);
    if (!is)
        return SEAL_DECLINED;          /* another issuer's tokens are not taken here */
    revset_kind_t kind = r->kind == SEAL_IM_REVOKED_SUBJECT ? REVSET_SUBJECT
                         : r->kind == SEAL_IM_REVOKED_CLIENT ? REVSET_CLIENT : REVSET_JTI;
    if (r->kind != SEAL_IM_REVOKED_JTI && kind == REVSET_JTI)
        return SEAL_DECLINED;
    revset_t *one = revset_one(kind, r->value, r->until);
    int64_t now = (int64_t)time(NULL);
    pthread_mutex_lock(&is->rv_wmu);
    revset_t *local = one ? revset_union(is->rv_local, one, now, az->leeway_s) : NULL;
    revset_t *cur = one ? revset_union(is->rv, one, now, az->leeway_s) : NULL;
    if (local && cur) {
        revset_free(is->rv_local);
        is->rv_local = local;
        swap_in(is, cur);
    } else {
        revset_free(local);
        revset_free(cur);
    }
    pthread_mutex_unlock(&is->rv_wmu);
    revset_free(one);
    if (!local || !cur)
        /* Out of memory (or a malformed value from im): the next list
         * brings it, within the poll interval. */
        seal_log(az->self, SEAL_LOG_ERR, "issuer %s: a revocation could not be applied at once",
                 is->iss);
    return SEAL_DECLINED;
}

/* ---- fetching the list ---- */

/* A fetch ended: set is the list read (taken), or NULL with why. */
static void fetch_done(issuer_t *is, revset_t *set, const char *why, int quiet)
{
    authz_t *az = is->az;
    int64_t now = authz_now_ms();
    int installed = 0;
    pthread_mutex_lock(&is->mu);
    int64_t started = is->rv_start_ms;
    pthread_mutex_unlock(&is->mu);
    if (set) {
        pthread_mutex_lock(&is->rv_wmu);
        revset_t *next = revset_union(set, is->rv_local, (int64_t)time(NULL), az->leeway_s);
        if (next) {
            swap_in(is, next);
            /* The list holds what was revoked before the request went out. */
            atomic_store(&is->rv_ok_ms, started);
            installed = 1;
        }
        pthread_mutex_unlock(&is->rv_wmu);
        if (!installed)
            why = "out of memory";
    }
    size_t counts[3] = { 0 };
    if (installed) {
        pthread_rwlock_rdlock(&is->rv_lock);
        for (int k = 0; k < 3; k++)
            counts[k] = revset_count(is->rv, (revset_kind_t)k);
        pthread_rwlock_unlock(&is->rv_lock);
    }
    revset_free(set);

    pthread_mutex_lock(&is->mu);
    uint64_t failures = is->rv_failures;
    int recovered = installed && failures > 0;
    if (installed) {
        is->rv_failures = 0;
        is->rv_backoff_ms = 0;
        is->rv_stale_logged = 0;
        is->rv_next_due_ms = now + az->rv_poll_ms;
    } else {
        failures = ++is->rv_failures;
        is->rv_backoff_ms = is->rv_backoff_ms ? is->rv_backoff_ms * 2 : BACKOFF_FIRST_MS;
        if (is->rv_backoff_ms > az->rv_poll_ms)
            is->rv_backoff_ms = az->rv_poll_ms;
        is->rv_next_due_ms = now + is->rv_backoff_ms;
    }
    int first = installed && !is->rv_loaded;
    if (installed)
        is->rv_loaded = 1;
    int ever = is->rv_loaded;
    is->rv_in_flight = 0;
    pthread_mutex_unlock(&is->mu);

    if (first || recovered)
        seal_log(az->self, recovered ? SEAL_LOG_NOTICE : SEAL_LOG_INFO,
                 "issuer %s: revocation list from %s%s: %zu token(s), %zu user(s), %zu "
                 "client(s)", is->iss, is->revocation_uri, recovered ? " read again" : "",
                 counts[0], counts[1], counts[2]);
    else if (!installed && !quiet && (ever || failures > 3) && (failures & (failures - 1)) == 0)
        /* At the 1st, 2nd, 4th, 8th... failure in a row; seald polling its
         * own list fails until it listens: quiet at first. */
        seal_log(az->self, SEAL_LOG_WARN, "issuer %s: cannot read the revocation list at %s: "
                 "%s (%llu in a row); its tokens are refused once the last list read is "
                 "%lld s old", is->iss, is->revocation_uri, why, (unsigned long long)failures,
                 (long long)(az->rv_max_age_ms / 1000));
    else if (!installed)
        seal_log(az->self, SEAL_LOG_DEBUG, "issuer %s: cannot read the revocation list at %s: "
                 "%s", is->iss, is->revocation_uri, why);
    authz_kick(az);
}

static void on_fetched(seal_status_t st, long http_status, const char *body, size_t len,
                       void *user)
{
    issuer_t *is = user;
    authz_t *az = is->az;
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
    revset_t *set = NULL;
    /* A list older than the age at which this server stops trusting it
     * (plus clock skew) is refused like no list. */
    if (revset_parse(body, len, is->iss, (int64_t)time(NULL),
                     az->rv_max_age_ms / 1000 + az->leeway_s, az->leeway_s, &set, why,
                     sizeof why) != 0) {
        fetch_done(is, NULL, why, 0);
        return;
    }
    fetch_done(is, set, NULL, 0);
}

static void fetch_send(issuer_t *is)
{
    seal_status_t st = issuer_get(is, is->revocation_uri, "Accept: application/json",
                                  on_fetched);
    if (st != SEAL_OK)
        fetch_done(is, NULL, seal_strerror(st), st == SEAL_E_STATE);
}

void revocation_tick(issuer_t *is, int64_t now, int64_t *wake)
{
    if (!is->revocation_uri)
        return;
    authz_t *az = is->az;
    int send = 0, stale = 0;
    int64_t ok = atomic_load(&is->rv_ok_ms);
    pthread_mutex_lock(&is->mu);
    if (!is->rv_in_flight) {
        if (now >= is->rv_next_due_ms) {
            is->rv_in_flight = 1;
            is->rv_start_ms = now;
            send = 1;
        } else if (is->rv_next_due_ms < *wake) {
            *wake = is->rv_next_due_ms;
        }
    }
    /* Said once per outage, when the tokens start being refused. */
    if (ok && now - ok > az->rv_max_age_ms && !is->rv_stale_logged) {
        is->rv_stale_logged = 1;
        stale = 1;
    }
    pthread_mutex_unlock(&is->mu);
    if (stale)
        seal_log(az->self, SEAL_LOG_ERR, "issuer %s: no revocation list read for %lld s: its "
                 "tokens are refused (503) until one is", is->iss,
                 (long long)((now - ok) / 1000));
    if (send)
        fetch_send(is);
}
