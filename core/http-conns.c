/* SPDX-License-Identifier: Apache-2.0 */
/* core/http-conns.c: the connection table (http-conns.h). One lock guards
 * everything: its critical sections are a few pointer moves, taken once per
 * connection event, far below the cost of the accept or the handshake. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "http-conns.h"

enum conn_state { ST_HEAD, ST_BUSY, ST_IDLE, ST_DOOMED };

typedef struct client {
    uint8_t key[SEAL_CONN_KEY_LEN];
    unsigned n;
    struct client *next;
} client_t;

struct seal_conn {
    void *handle;
    enum conn_state state;
    uint64_t since;                 /* entered its state (monotonic ns) */
    client_t *client;               /* NULL once counted out */
    struct seal_conn *prev, *next;  /* in the head or idle list */
};

typedef struct list {
    seal_conn_t *first, *last;
    unsigned n;
} list_t;

struct seal_conns {
    seal_conns_conf_t conf;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t sweeper;
    bool stop, has_sweeper;
    client_t **buckets;
    size_t nbuckets;
    unsigned live;                  /* open and not doomed */
    list_t head, idle;              /* oldest first */
    seal_conns_stats_t stats;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int seal_conns_key(const void *sockaddr, uint8_t key[SEAL_CONN_KEY_LEN])
{
    const struct sockaddr *sa = sockaddr;
    memset(key, 0, SEAL_CONN_KEY_LEN);
    if (sa && sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return 0;
    }
    if (sa && sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {   /* the IPv4 client it is */
            key[0] = 4;
            memcpy(key + 1, a->s6_addr + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, a->s6_addr, 8);
        }
        return 0;
    }
    return -1;
}

/* FNV-1a: the keys come from the network, but a bucket index they collide
 * on costs a longer chain, bounded by max_per_client per key. */
static size_t bucket_of(const seal_conns_t *t, const uint8_t *key)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < SEAL_CONN_KEY_LEN; i++)
        h = (h ^ key[i]) * 16777619u;
    return h & (t->nbuckets - 1);
}

static client_t *client_get(seal_conns_t *t, const uint8_t *key)
{
    client_t **b = &t->buckets[bucket_of(t, key)];
    for (client_t *c = *b; c; c = c->next)
        if (memcmp(c->key, key, SEAL_CONN_KEY_LEN) == 0)
            return c;
    client_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    memcpy(c->key, key, SEAL_CONN_KEY_LEN);
    c->next = *b;
    *b = c;
    return c;
}

static void client_put(seal_conns_t *t, client_t *c)
{
    if (--c->n)
        return;
    for (client_t **p = &t->buckets[bucket_of(t, c->key)]; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            free(c);
            return;
        }
}

static void list_add(list_t *l, seal_conn_t *c)
{
    c->next = NULL;
    c->prev = l->last;
    if (l->last)
        l->last->next = c;
    else
        l->first = c;
    l->last = c;
    l->n++;
}

static void list_del(list_t *l, seal_conn_t *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        l->first = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->last = c->prev;
    c->prev = c->next = NULL;
    l->n--;
}

static list_t *list_of(seal_conns_t *t, seal_conn_t *c)
{
    return c->state == ST_HEAD ? &t->head : c->state == ST_IDLE ? &t->idle : NULL;
}

static void set_state(seal_conns_t *t, seal_conn_t *c, enum conn_state st)
{
    if (c->state == ST_DOOMED)
        return;                    /* killed: only the close is left */
    list_t *l = list_of(t, c);
    if (l)
        list_del(l, c);
    c->state = st;
    c->since = now_ns();
    if ((l = list_of(t, c)))
        list_add(l, c);
}

/* Out of the lists and the live count; the engine still closes it. */
static void doom(seal_conns_t *t, seal_conn_t *c)
{
    list_t *l = list_of(t, c);
    if (l)
        list_del(l, c);
    c->state = ST_DOOMED;
    t->live--;
    t->conf.kill(c->handle, t->conf.user);
}

/* The sweeper ticks rather than sleeping until the next deadline: waking
 * it for every new head would cost a context switch per request. A head is
 * closed between its deadline and a tick later. */
static uint64_t tick_ns(const seal_conns_t *t)
{
    uint64_t tick = t->conf.head_timeout_ns / 8;
    return tick < 10000000u ? 10000000u : tick > 1000000000u ? 1000000000u : tick;
}

static void *sweep(void *p)
{
    seal_conns_t *t = p;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        uint64_t now = now_ns(), to = t->conf.head_timeout_ns;
        /* The head list is in deadline order. */
        while (t->head.first && now - t->head.first->since >= to) {
            doom(t, t->head.first);
            t->stats.expired++;
        }
        uint64_t at = now + tick_ns(t);
        struct timespec ts = { (time_t)(at / 1000000000u), (long)(at % 1000000000u) };
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

seal_conns_t *seal_conns_new(const seal_conns_conf_t *conf)
{
    seal_conns_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->conf = *conf;
    t->nbuckets = 64;
    while (t->nbuckets < 2 * (size_t)conf->max_total && t->nbuckets < (1u << 20))
        t->nbuckets <<= 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int ok = (t->buckets = calloc(t->nbuckets, sizeof *t->buckets)) != NULL &&
             pthread_mutex_init(&t->mu, NULL) == 0 && pthread_cond_init(&t->cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (ok && conf->head_timeout_ns)
        ok = (t->has_sweeper = pthread_create(&t->sweeper, NULL, sweep, t) == 0);
    if (!ok) {
        free(t->buckets);
        free(t);
        return NULL;
    }
    return t;
}

void seal_conns_free(seal_conns_t *t)
{
    if (!t)
        return;
    if (t->has_sweeper) {
        pthread_mutex_lock(&t->mu);
        t->stop = true;
        pthread_cond_signal(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->sweeper, NULL);
    }
    for (size_t i = 0; i < t->nbuckets; i++)
        for (client_t *c = t->buckets[i], *n; c; c = n) {
            n = c->next;
            free(c);
        }
    free(t->buckets);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

seal_conn_verdict_t seal_conns_open(seal_conns_t *t, const uint8_t key[SEAL_CONN_KEY_LEN],
                                    void *handle, seal_conn_t **out)
{
    static seal_conn_t oom = { .state = ST_DOOMED };
    seal_conn_t *c = calloc(1, sizeof *c);
    pthread_mutex_lock(&t->mu);
    client_t *cl = c ? client_get(t, key) : NULL;
    if (!cl) {
        /* Out of memory: refuse, with a record that close() recognises. */
        pthread_mutex_unlock(&t->mu);
        free(c);
        *out = &oom;
        return SEAL_CONN_FULL;
    }
    c->handle = handle;
    c->client = cl;
    cl->n++;
    *out = c;
    seal_conn_verdict_t v = SEAL_CONN_ADMIT;
    if (t->conf.max_per_client && cl->n > t->conf.max_per_client) {
        c->state = ST_DOOMED;
        t->stats.refused_client++;
        v = SEAL_CONN_REFUSE_CLIENT;
    } else {
        if (t->live >= t->conf.max_total) {
            /* Full: make room from who waits, not from who is served. */
            seal_conn_t *victim = t->idle.first ? t->idle.first : t->head.first;
            if (victim) {
                doom(t, victim);
                t->stats.evicted++;
            }
        }
        if (t->live >= t->conf.max_total) {
            c->state = ST_DOOMED;
            t->stats.full++;
            v = SEAL_CONN_FULL;
        } else {
            t->live++;
            c->state = ST_BUSY;
            set_state(t, c, ST_HEAD);
        }
    }
    pthread_mutex_unlock(&t->mu);
    return v;
}

void seal_conns_head(seal_conns_t *t, seal_conn_t *c)
{
    pthread_mutex_lock(&t->mu);
    set_state(t, c, ST_HEAD);
    pthread_mutex_unlock(&t->mu);
}

void seal_conns_busy(seal_conns_t *t, seal_conn_t *c)
{
    pthread_mutex_lock(&t->mu);
    set_state(t, c, ST_BUSY);
    pthread_mutex_unlock(&t->mu);
}

void seal_conns_idle(seal_conns_t *t, seal_conn_t *c)
{
    pthread_mutex_lock(&t->mu);
    set_state(t, c, ST_IDLE);
    pthread_mutex_unlock(&t->mu);
}

void seal_conns_close(seal_conns_t *t, seal_conn_t *c)
{
    if (!c || !c->client)
        return;                    /* the out-of-memory record */
    pthread_mutex_lock(&t->mu);
    if (c->state != ST_DOOMED) {
        list_t *l = list_of(t, c);
        if (l)
            list_del(l, c);
        t->live--;
    }
    client_put(t, c->client);
    pthread_mutex_unlock(&t->mu);
    free(c);
}

void seal_conns_stats(seal_conns_t *t, seal_conns_stats_t *out)
{
    pthread_mutex_lock(&t->mu);
    *out = t->stats;
    out->open = t->live;
    out->idle = t->idle.n;
    out->head = t->head.n;
    pthread_mutex_unlock(&t->mu);
}
