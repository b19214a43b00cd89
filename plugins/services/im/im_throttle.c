/* SPDX-License-Identifier: Apache-2.0 */
/* Login throttling that slows guessing without locking the user out
 * (OWASP ASVS 2.2.1; NIST SP 800-63B 5.2.2: rate limiting, not lockout).
 * A client address counts by its prefix: the IPv4 address (/32), the /64
 * of an IPv6 address (one subscriber usually holds a whole /64, RFC 6177;
 * counting single IPv6 addresses would give a guesser 2^64 fresh
 * counters), an IPv4-mapped IPv6 address as the IPv4 address. Three
 * counters, each with its own threshold:
 *
 *   (user, prefix)  login_max_failures: one place guessing one user's
 *                   password. It never touches the user's other addresses.
 *   prefix          login_max_failures_address: one place guessing over
 *                   many user names.
 *   user            login_max_failures, failures from everywhere: a guess
 *                   spread over many addresses. It only slows prefixes that
 *                   have not logged in successfully as this user in the
 *                   last KNOWN_MS ("first login on a device", ASVS 2.2.1),
 *                   so strangers failing for alice do not stop alice's own
 *                   client from logging in.
 *
 * Past its threshold, each further failure makes the next attempt there
 * wait login_delay_s * 2^(failures - threshold), never more than
 * login_max_delay_s. While it waits, even the right password is refused,
 * or guessing would only be slowed by the network. A counter quiet for
 * login_max_delay_s is forgotten. A success clears its (user, prefix)
 * counter and marks the prefix known for the user; it clears neither the
 * prefix's counter (one known password must not clear an address that
 * guesses others) nor the user's (a guesser spread over addresses would
 * get a fresh allowance each time the user logs in; the user's own known
 * prefixes are not slowed by it anyway).
 *
 * Times are CLOCK_MONOTONIC milliseconds: a wall-clock step can neither
 * lengthen a wait beyond login_max_delay_s nor shorten it.
 *
 * State is in memory, per process: a restart forgets it (every prefix is
 * new again), and instances behind a load balancer count separately. The
 * tables are fixed-size and set-associative, so a flood of names or
 * addresses costs no memory (a full set forgets its least recent entry);
 * keys are hashed with a per-process random seed so nobody can aim
 * collisions at a victim's slot. Known prefixes have their own table, which
 * only a successful login writes to. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "im_int.h"

#define SETS 4096
#define WAYS 4
/* How long a successful login keeps its prefix known for the user. */
#define KNOWN_MS (30 * 86400 * INT64_C(1000))

enum { PAIR, ADDR, USER, KNOWN, KINDS };

typedef struct entry {
    uint64_t h;            /* 0: empty */
    uint32_t failures;
    int64_t last;          /* last failure (KNOWN: last success), ms */
    int64_t until;         /* no attempt before, ms */
} entry_t;

struct im_throttle {
    pthread_mutex_t mu;
    uint64_t seed[2];
    int64_t (*clock)(void);
    entry_t e[KINDS][SETS][WAYS];
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

im_throttle_t *im_throttle_new(void)
{
    im_throttle_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    size_t got = 0;
    while (got < sizeof t->seed) {
        ssize_t n = getrandom((char *)t->seed + got, sizeof t->seed - got, 0);
        if (n < 0 && errno != EINTR) {
            free(t);
            return NULL;
        }
        if (n > 0)
            got += (size_t)n;
    }
    t->clock = mono_ms;
    pthread_mutex_init(&t->mu, NULL);
    return t;
}

void im_throttle_free(im_throttle_t *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t);
}

void im_throttle_set_clock(im_throttle_t *t, int64_t (*clock_ms)(void))
{
    t->clock = clock_ms ? clock_ms : mono_ms;
}

void im_throttle_prefix(const char *peer, char out[IM_PREFIX_MAX])
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, peer, &a4) == 1) {
        inet_ntop(AF_INET, &a4, out, IM_PREFIX_MAX);
    } else if (inet_pton(AF_INET6, peer, &a6) == 1) {
        if (IN6_IS_ADDR_V4MAPPED(&a6)) {
            memcpy(&a4, &a6.s6_addr[12], 4);
            inet_ntop(AF_INET, &a4, out, IM_PREFIX_MAX);
        } else {
            memset(&a6.s6_addr[8], 0, 8);
            inet_ntop(AF_INET6, &a6, out, IM_PREFIX_MAX - 3);
            strcat(out, "/64");
        }
    } else {
        /* Not an IP address ("-" when the host knows none): as it is. */
        snprintf(out, IM_PREFIX_MAX, "%s", peer);
    }
}

/* A keyed 64-bit mix (not a MAC, just unpredictable to outsiders) of
 * kind, a and (when not NULL) b, each with its NUL, so (a, b) pairs cannot
 * collide by shifting the boundary. */
static uint64_t hash_key(const im_throttle_t *t, int kind, const char *a, const char *b)
{
    uint64_t h = t->seed[0] ^ (uint64_t)(kind + 1) * 0x9e3779b97f4a7c15ull;
    for (int part = 0; part < 2; part++) {
        const char *s = part ? b : a;
        if (!s)
            break;
        for (const unsigned char *p = (const unsigned char *)s;; p++) {
            h ^= *p;
            h *= 0x100000001b3ull;
            h ^= h >> 29;
            if (!*p)
                break;
        }
    }
    h ^= t->seed[1];
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    return h ? h : 1;
}

/* The entry for (a, b), created (evicting the least recent) when create;
 * a counter quiet for forget ms is cleared. */
static entry_t *find(im_throttle_t *t, int kind, const char *a, const char *b, int create,
                     int64_t now, int64_t forget)
{
    uint64_t h = hash_key(t, kind, a, b);
    entry_t *set = t->e[kind][h % SETS];
    entry_t *victim = &set[0];
    for (int i = 0; i < WAYS; i++) {
        if (set[i].h == h) {
            if (kind != KNOWN && now - set[i].last > forget && set[i].until <= now) {
                set[i].failures = 0;   /* quiet long enough: forgotten */
                set[i].until = 0;
            }
            return &set[i];
        }
        if (set[i].h == 0 || (victim->h != 0 && set[i].last < victim->last))
            victim = &set[i];
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof *victim);
    victim->h = h;
    return victim;
}

static int64_t wait_of(im_throttle_t *t, int kind, const char *a, const char *b, int64_t now,
                       int64_t forget)
{
    entry_t *e = find(t, kind, a, b, 0, now, forget);
    return e && e->until > now ? e->until - now : 0;
}

unsigned im_throttle_check(im_ctx_t *c, const char *user, const char *peer, const char **why)
{
    im_throttle_t *t = c->throttle;
    char pfx[IM_PREFIX_MAX];
    im_throttle_prefix(peer, pfx);
    int64_t forget = c->login_max_delay * 1000;
    pthread_mutex_lock(&t->mu);
    int64_t now = t->clock();
    int64_t wp = wait_of(t, PAIR, pfx, user, now, forget);
    int64_t wa = wait_of(t, ADDR, pfx, NULL, now, forget);
    int64_t wu = wait_of(t, USER, user, NULL, now, forget);
    if (wu) {
        entry_t *k = find(t, KNOWN, pfx, user, 0, now, 0);
        if (k && now - k->last <= KNOWN_MS)
            wu = 0;
    }
    pthread_mutex_unlock(&t->mu);
    int64_t w = wp;
    *why = "user";
    if (wa > w) {
        w = wa;
        *why = "address";
    }
    if (wu > w) {
        w = wu;
        *why = "user, new address";
    }
    if (!w)
        return 0;
    /* Whole seconds for Retry-After, rounded up, within the maximum. */
    w = (w + 999) / 1000;
    return (unsigned)(w < c->login_max_delay ? w : c->login_max_delay);
}

/* One more failure on an entry whose threshold is max. */
static void count(im_ctx_t *c, entry_t *e, int64_t max, int64_t now)
{
    if (e->failures < UINT32_MAX)
        e->failures++;
    e->last = now;
    if (e->failures >= max) {
        int64_t over = e->failures - max, delay = c->login_delay;
        while (over-- > 0 && delay < c->login_max_delay)
            delay *= 2;
        if (delay > c->login_max_delay)
            delay = c->login_max_delay;
        e->until = now + delay * 1000;
    }
}

void im_throttle_failed(im_ctx_t *c, const char *user, const char *peer)
{
    im_throttle_t *t = c->throttle;
    char pfx[IM_PREFIX_MAX];
    im_throttle_prefix(peer, pfx);
    int64_t forget = c->login_max_delay * 1000;
    pthread_mutex_lock(&t->mu);
    int64_t now = t->clock();
    count(c, find(t, PAIR, pfx, user, 1, now, forget), c->login_max_user, now);
    count(c, find(t, ADDR, pfx, NULL, 1, now, forget), c->login_max_addr, now);
    count(c, find(t, USER, user, NULL, 1, now, forget), c->login_max_user, now);
    pthread_mutex_unlock(&t->mu);
}

void im_throttle_succeeded(im_ctx_t *c, const char *user, const char *peer)
{
    im_throttle_t *t = c->throttle;
    char pfx[IM_PREFIX_MAX];
    im_throttle_prefix(peer, pfx);
    pthread_mutex_lock(&t->mu);
    int64_t now = t->clock();
    entry_t *e = find(t, PAIR, pfx, user, 0, now, 0);
    if (e)
        memset(e, 0, sizeof *e);
    find(t, KNOWN, pfx, user, 1, now, 0)->last = now;
    pthread_mutex_unlock(&t->mu);
}
