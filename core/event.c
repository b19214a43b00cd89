/* SPDX-License-Identifier: Apache-2.0 */
/* Events: asynchronous fan-out of JSON bytes on the host's event thread
 * (seal/event.h). Publishing copies into a bounded ring and never blocks. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "host-private.h"

typedef struct seal_event_item {
    char *topic;
    char *json;
    size_t len;
} seal_event_item_t;

struct seal_events {
    seal_host_t *host;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    seal_event_item_t *ring;
    size_t cap, head, count;
    int running, stopping;
    pthread_t thread;
    _Atomic uint64_t dropped;
};

seal_status_t seal_event_subscribe(seal_plugin_t *self, const char *prefix,
                                   seal_event_fn fn, void *user, seal_user_free_fn user_free)
{
    seal_sub_t *s = calloc(1, sizeof *s);
    if (!s) { if (user_free) user_free(user); return SEAL_E_NOMEM; }
    s->user = user;
    s->user_free = user_free;
    seal_status_t st = SEAL_OK;
    if (!self || self->host->phase != SEAL_PHASE_INIT) st = SEAL_E_STATE;
    else if (!fn) st = SEAL_E_INVAL;
    else if (!(s->prefix = strdup(prefix ? prefix : ""))) st = SEAL_E_NOMEM;
    if (st == SEAL_OK) {
        s->fn = fn;
        s->owner = self;
        if (seal_vec_push(&self->host->subs, s)) st = SEAL_E_NOMEM;
    }
    if (st != SEAL_OK) {
        if (st == SEAL_E_STATE) seal_log(self, SEAL_LOG_ERR, "events are subscribed in init only");
        if (s->user_free) s->user_free(s->user);
        free(s->prefix);
        free(s);
    }
    return st;
}

void seal_events_free_subs(seal_host_t *host)
{
    for (size_t i = 0; i < host->subs.n; i++) {
        seal_sub_t *s = host->subs.v[i];
        if (s->user_free) s->user_free(s->user);
        free(s->prefix);
        free(s);
    }
    seal_vec_free(&host->subs);
}

seal_events_t *seal_events_new(seal_host_t *host, size_t capacity)
{
    seal_events_t *ev = calloc(1, sizeof *ev);
    if (!ev) return NULL;
    ev->ring = calloc(capacity ? capacity : 1, sizeof *ev->ring);
    if (!ev->ring) { free(ev); return NULL; }
    ev->host = host;
    ev->cap = capacity ? capacity : 1;
    pthread_mutex_init(&ev->lock, NULL);
    pthread_cond_init(&ev->cond, NULL);
    return ev;
}

static void deliver(seal_events_t *ev, const seal_event_item_t *it)
{
    const seal_vec_t *subs = &ev->host->subs;
    for (size_t i = 0; i < subs->n; i++) {
        const seal_sub_t *s = subs->v[i];
        if (strncmp(it->topic, s->prefix, strlen(s->prefix)) != 0) continue;
        SEAL_PLUGIN_CALL(s->owner, s->fn(it->topic, it->json, it->len, s->user));
    }
}

static void *event_thread(void *arg)
{
    seal_events_t *ev = arg;
    pthread_mutex_lock(&ev->lock);
    for (;;) {
        while (ev->count == 0 && !ev->stopping)
            pthread_cond_wait(&ev->cond, &ev->lock);
        if (ev->count == 0) break;   /* stopping and drained */
        seal_event_item_t it = ev->ring[ev->head];
        ev->head = (ev->head + 1) % ev->cap;
        ev->count--;
        pthread_mutex_unlock(&ev->lock);
        deliver(ev, &it);
        free(it.topic);
        free(it.json);
        pthread_mutex_lock(&ev->lock);
    }
    pthread_mutex_unlock(&ev->lock);
    return NULL;
}

seal_status_t seal_events_start(seal_events_t *ev)
{
    if (pthread_create(&ev->thread, NULL, event_thread, ev) != 0) return SEAL_E_GENERIC;
    ev->running = 1;
    return SEAL_OK;
}

seal_status_t seal_event_publish(seal_plugin_t *self, const char *topic,
                                 const char *json, size_t len)
{
    if (!self || !topic || (!json && len)) return SEAL_E_INVAL;
    seal_events_t *ev = self->host->events;
    if (!ev || self->host->phase < SEAL_PHASE_FROZEN) return SEAL_E_STATE;
    seal_event_item_t it = { strdup(topic), malloc(len + 1), len };
    if (!it.topic || !it.json) { free(it.topic); free(it.json); return SEAL_E_NOMEM; }
    if (len) memcpy(it.json, json, len);
    it.json[len] = '\0';
    pthread_mutex_lock(&ev->lock);
    if (ev->count == ev->cap || ev->stopping) {
        pthread_mutex_unlock(&ev->lock);
        ev->dropped++;
        free(it.topic);
        free(it.json);
        return SEAL_E_AGAIN;
    }
    ev->ring[(ev->head + ev->count) % ev->cap] = it;
    ev->count++;
    pthread_cond_signal(&ev->cond);
    pthread_mutex_unlock(&ev->lock);
    return SEAL_OK;
}

uint64_t seal_event_dropped(const seal_plugin_t *self)
{
    return self && self->host->events ? self->host->events->dropped : 0;
}

void seal_events_stop(seal_events_t *ev)
{
    if (!ev) return;
    pthread_mutex_lock(&ev->lock);
    ev->stopping = 1;
    pthread_cond_signal(&ev->cond);
    pthread_mutex_unlock(&ev->lock);
    if (ev->running) pthread_join(ev->thread, NULL);
    ev->running = 0;
}

void seal_events_free(seal_events_t *ev)
{
    if (!ev) return;
    seal_events_stop(ev);
    for (size_t i = 0; i < ev->count; i++) {
        seal_event_item_t *it = &ev->ring[(ev->head + i) % ev->cap];
        free(it->topic);
        free(it->json);
    }
    free(ev->ring);
    pthread_mutex_destroy(&ev->lock);
    pthread_cond_destroy(&ev->cond);
    free(ev);
}
