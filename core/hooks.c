/* SPDX-License-Identifier: Apache-2.0 */
/* Hooks: synchronous, ordered callbacks that may veto (seal/event.h).
 * Sorted once at freeze, read without locks afterwards. */
#include <stdlib.h>
#include <string.h>
#include "host-private.h"

seal_status_t seal_hook_register(seal_plugin_t *self, const char *hook, int order,
                                 seal_hook_fn fn, void *user, seal_user_free_fn user_free)
{
    seal_hook_t *h = calloc(1, sizeof *h);
    if (!h) { if (user_free) user_free(user); return SEAL_E_NOMEM; }
    h->user = user;
    h->user_free = user_free;
    seal_status_t st = SEAL_OK;
    if (!self || self->host->phase != SEAL_PHASE_INIT) st = SEAL_E_STATE;
    else if (!hook || !*hook || !fn) st = SEAL_E_INVAL;
    else if (!(h->name = strdup(hook))) st = SEAL_E_NOMEM;
    if (st == SEAL_OK) {
        h->order = order;
        h->fn = fn;
        h->owner = self;
        h->seq = self->host->hooks.n;
        if (seal_vec_push(&self->host->hooks, h)) st = SEAL_E_NOMEM;
    }
    if (st != SEAL_OK) {
        if (st == SEAL_E_STATE) seal_log(self, SEAL_LOG_ERR, "hooks are registered in init only");
        if (h->user_free) h->user_free(h->user);
        free(h->name);
        free(h);
    }
    return st;
}

static int hook_cmp(const void *a, const void *b)
{
    const seal_hook_t *x = *(seal_hook_t *const *)a, *y = *(seal_hook_t *const *)b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void seal_hooks_sort(seal_host_t *host)
{
    if (host->hooks.n > 1)
        qsort(host->hooks.v, host->hooks.n, sizeof host->hooks.v[0], hook_cmp);
}

seal_status_t seal_hooks_run(seal_host_t *host, const char *hook, void *args)
{
    if (host->phase < SEAL_PHASE_FROZEN) return SEAL_E_STATE;
    seal_status_t result = SEAL_DECLINED;
    for (size_t i = 0; i < host->hooks.n; i++) {
        const seal_hook_t *h = host->hooks.v[i];
        if (strcmp(h->name, hook) != 0) continue;
        seal_status_t st;
        SEAL_PLUGIN_CALL(h->owner, st = h->fn(args, h->user));
        if (st < 0) return st;          /* a veto ends the run */
        if (st == SEAL_OK) result = SEAL_OK;
    }
    return result;
}

seal_status_t seal_hook_run(seal_plugin_t *self, const char *hook, void *args)
{
    if (!self || !hook) return SEAL_E_INVAL;
    return seal_hooks_run(self->host, hook, args);
}

void seal_hooks_free(seal_host_t *host)
{
    for (size_t i = 0; i < host->hooks.n; i++) {
        seal_hook_t *h = host->hooks.v[i];
        if (h->user_free) h->user_free(h->user);
        free(h->name);
        free(h);
    }
    seal_vec_free(&host->hooks);
}
