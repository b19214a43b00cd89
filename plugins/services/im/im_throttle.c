/* SPDX-License-Identifier: Apache-2.0 */
/* Login throttling per user name and per client address: after
 * login_max_failures (resp. login_max_failures_address) consecutive
 * failures, each further failure makes the next attempt wait
 * login_delay_s * 2^(failures - max), at most login_max_delay_s. While it
 * waits, even the right password is refused, or guessing would only be
 * slowed by the network. A quiet period of login_max_delay_s forgets the
 * failures; a success resets the user's count (not the address's: one
 * known password must not clear an address that guesses others).
 *
 * State is in memory, per process: a restart forgets it, and instances
 * behind a load balancer count separately. The tables are fixed-size and
 * set-associative, so a flood of names or addresses costs no memory (a full
 * set forgets its least recent entry); keys are hashed with a per-process
 * random seed so nobody can aim collisions at a victim's slot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "im_int.h"

#define SETS 1024
#define WAYS 4

typedef struct entry {
    uint64_t h;            /* 0: empty */
    uint32_t failures;
    int64_t last;          /* last failure */
    int64_t until;         /* no attempt before */
} entry_t;

struct im_throttle {
    pthread_mutex_t mu;
    uint64_t seed[2];
    entry_t e[2][SETS][WAYS];
};

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

/* A keyed 64-bit mix (not a MAC, just unpredictable to outsiders). */
static uint64_t hash_key(const im_throttle_t *t, int kind, const char *key)
{
    uint64_t h = t->seed[0] ^ (uint64_t)(kind + 1) * 0x9e3779b97f4a7c15ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
        h ^= h >> 29;
    }
    h ^= t->seed[1];
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    return h ? h : 1;
}

/* The entry for key, created (evicting the least recent) when create. */
static entry_t *find(im_throttle_t *t, int kind, const char *key, int create, int64_t now,
                     int64_t forget)
{
    uint64_t h = hash_key(t, kind, key);
    entry_t *set = t->e[kind][h % SETS];
    entry_t *victim = &set[0];
    for (int i = 0; i < WAYS; i++) {
        if (set[i].h == h) {
            if (now - set[i].last > forget && set[i].until <= now) {
                set[i].failures = 0;   /* quiet long enough: forgotten */
                set[i].until = 0;
            }
            return &set[i];
        }
        if (set[i].h == 0 || set[i].last < victim->last)
            victim = &set[i];
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof *victim);
    victim->h = h;
    return victim;
}

unsigned im_throttle_wait(im_ctx_t *c, int kind, const char *key)
{
    im_throttle_t *t = c->throttle;
    int64_t now = im_now();
    pthread_mutex_lock(&t->mu);
    entry_t *e = find(t, kind, key, 0, now, c->login_max_delay);
    unsigned wait = e && e->until > now ? (unsigned)(e->until - now) : 0;
    pthread_mutex_unlock(&t->mu);
    return wait;
}

void im_throttle_fail(im_ctx_t *c, int kind, const char *key)
{
    im_throttle_t *t = c->throttle;
    int64_t now = im_now();
    int64_t max = kind == IM_THR_USER ? c->login_max_user : c->login_max_addr;
    pthread_mutex_lock(&t->mu);
    entry_t *e = find(t, kind, key, 1, now, c->login_max_delay);
    if (e->failures < UINT32_MAX)
        e->failures++;
    e->last = now;
    if (e->failures >= max) {
        int64_t over = e->failures - max, delay = c->login_delay;
        while (over-- > 0 && delay < c->login_max_delay)
            delay *= 2;
        if (delay > c->login_max_delay)
            delay = c->login_max_delay;
        e->until = now + delay;
    }
    pthread_mutex_unlock(&t->mu);
}

void im_throttle_ok(im_ctx_t *c, int kind, const char *key)
{
    im_throttle_t *t = c->throttle;
    pthread_mutex_lock(&t->mu);
    entry_t *e = find(t, kind, key, 0, im_now(), c->login_max_delay);
    if (e)
        memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&t->mu);
}
