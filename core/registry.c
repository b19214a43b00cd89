/* SPDX-License-Identifier: Apache-2.0 */
/* The registry: services, routes and interfaces (seal/registry.h).
 * Written during init on the main thread only; frozen afterwards, so
 * lookups from worker threads take no locks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host-private.h"

/* Registering is allowed in the init phase only. */
static int may_register(const seal_plugin_t *self)
{
    if (self && self->host->phase == SEAL_PHASE_INIT) return 1;
    seal_log((seal_plugin_t *)self, SEAL_LOG_ERR, "registering outside init is not allowed");
    return 0;
}

static int sized(uint32_t have, size_t need)
{
    return have >= need;
}

seal_status_t seal_service_register(seal_plugin_t *self, const seal_service_def_t *def)
{
    if (!may_register(self)) return SEAL_E_STATE;
    if (!def || !sized(def->struct_size, offsetof(seal_service_def_t, scope) + sizeof(char *))
        || !def->name || !*def->name)
        return SEAL_E_INVAL;
    if (seal_registry_service(self->host, def->name)) {
        seal_log(self, SEAL_LOG_ERR, "service \"%s\" is already registered", def->name);
        return SEAL_E_EXISTS;
    }
    seal_service_t *s = calloc(1, sizeof *s);
    if (!s) return SEAL_E_NOMEM;
    s->name = strdup(def->name);
    s->title = strdup(def->title ? def->title : def->name);
    s->scope = def->scope ? strdup(def->scope) : NULL;
    s->owner = self;
    if (!s->name || !s->title || (def->scope && !s->scope) || seal_vec_push(&self->host->services, s)) {
        free(s->name); free(s->title); free(s->scope); free(s);
        return SEAL_E_NOMEM;
    }
    return SEAL_OK;
}

const seal_service_t *seal_registry_service(const seal_host_t *host, const char *name)
{
    for (size_t i = 0; i < host->services.n; i++) {
        const seal_service_t *s = host->services.v[i];
        if (strcmp(s->name, name) == 0) return s;
    }
    return NULL;
}

int seal_service_exists(const seal_plugin_t *self, const char *name)
{
    return self && name && seal_registry_service(self->host, name) != NULL;
}

const char *seal_service_scope(const seal_plugin_t *self, const char *name)
{
    const seal_service_t *s = self && name ? seal_registry_service(self->host, name) : NULL;
    return s ? s->scope : NULL;
}

static void route_free(seal_route_t *r)
{
    if (!r) return;
    if (r->user_free) r->user_free(r->user);
    free(r->method); free(r->path); free(r->service);
    free(r);
}

seal_status_t seal_route_register(seal_plugin_t *self, const seal_route_def_t *def)
{
    seal_route_t *r = calloc(1, sizeof *r);
    if (!r) {
        if (def && def->user_free) def->user_free(def->user);
        return SEAL_E_NOMEM;
    }
    if (def) {   /* the host owns user from here on, success or failure */
        r->user = def->user;
        r->user_free = def->user_free;
    }
    if (!may_register(self)) { route_free(r); return SEAL_E_STATE; }
    if (!def || !sized(def->struct_size, offsetof(seal_route_def_t, user_free) + sizeof(void *))
        || !def->method || !def->path || !def->handler || !def->service) {
        route_free(r);
        return SEAL_E_INVAL;
    }
    r->method = strdup(def->method);
    r->path = strdup(def->path);
    r->service = strdup(def->service);
    r->flags = def->flags;
    r->handler = def->handler;
    r->owner = self;
    if (!r->method || !r->path || !r->service) { route_free(r); return SEAL_E_NOMEM; }
    /* Validate the template now so the plugin learns at once. */
    seal_router_t *probe = seal_router_new();
    seal_status_t st = probe ? seal_router_add(probe, r->method, r->path, r) : SEAL_E_NOMEM;
    seal_router_free(probe);
    if (st != SEAL_OK) {
        seal_log(self, SEAL_LOG_ERR, "route %s %s: malformed method or path template",
                 def->method, def->path);
        route_free(r);
        return st;
    }
    for (size_t i = 0; i < self->host->routes.n; i++) {
        const seal_route_t *o = self->host->routes.v[i];
        if (strcmp(o->method, r->method) == 0 && strcmp(o->path, r->path) == 0) {
            seal_log(self, SEAL_LOG_ERR, "route %s %s is already registered by %s",
                     r->method, r->path, o->owner->name);
            route_free(r);
            return SEAL_E_EXISTS;
        }
    }
    if (seal_vec_push(&self->host->routes, r)) { route_free(r); return SEAL_E_NOMEM; }
    return SEAL_OK;
}

static void iface_free(seal_iface_t *f)
{
    if (!f) return;
    if (f->user_free) f->user_free(f->user);
    free(f->name);
    free(f);
}

seal_status_t seal_iface_provide(seal_plugin_t *self, const char *name, const void *iface,
                                 void *user, seal_user_free_fn user_free)
{
    seal_iface_t *f = calloc(1, sizeof *f);
    if (!f) { if (user_free) user_free(user); return SEAL_E_NOMEM; }
    f->user = user;
    f->user_free = user_free;
    if (!may_register(self)) { iface_free(f); return SEAL_E_STATE; }
    if (!name || !*name || !iface) { iface_free(f); return SEAL_E_INVAL; }
    if (seal_iface_get(self, name, NULL)) {
        seal_log(self, SEAL_LOG_ERR, "interface \"%s\" is already provided", name);
        iface_free(f);
        return SEAL_E_EXISTS;
    }
    f->name = strdup(name);
    f->iface = iface;
    f->owner = self;
    if (!f->name || seal_vec_push(&self->host->ifaces, f)) { iface_free(f); return SEAL_E_NOMEM; }
    return SEAL_OK;
}

const void *seal_iface_get(seal_plugin_t *self, const char *name, void **user_out)
{
    if (!self || !name) return NULL;
    const seal_vec_t *v = &self->host->ifaces;
    for (size_t i = 0; i < v->n; i++) {
        const seal_iface_t *f = v->v[i];
        if (strcmp(f->name, name) == 0) {
            if (user_out) *user_out = f->user;
            return f->iface;
        }
    }
    if (user_out) *user_out = NULL;
    return NULL;
}

static void service_free(seal_service_t *s)
{
    free(s->name); free(s->title); free(s->scope);
    free(s);
}

/* Freeze: every route names a registered service; compile the router; sort
 * the hooks; choose the store backend. */
seal_status_t seal_registry_freeze(seal_host_t *host)
{
    host->router = seal_router_new();
    if (!host->router) return SEAL_E_NOMEM;
    for (size_t i = 0; i < host->routes.n; i++) {
        seal_route_t *r = host->routes.v[i];
        if (!seal_registry_service(host, r->service)) {
            seal_log(NULL, SEAL_LOG_ERR, "plugin %s: route %s %s names service \"%s\", "
                     "which no plugin registered (%s)", r->owner->name, r->method, r->path,
                     r->service, r->owner->file);
            return SEAL_E_CONFIG;
        }
        seal_status_t st = seal_router_add(host->router, r->method, r->path, r);
        if (st != SEAL_OK) {
            seal_log(NULL, SEAL_LOG_ERR, "plugin %s: route %s %s conflicts with another (%s)",
                     r->owner->name, r->method, r->path, r->owner->file);
            return st;
        }
    }
    seal_hooks_sort(host);
    char why[256];
    seal_status_t st = seal_store_select(host, why, sizeof why);
    if (st != SEAL_OK) {
        seal_log(NULL, SEAL_LOG_ERR, "store: %s", why);
        return st;
    }
    st = seal_crypto_select(host, why, sizeof why);
    if (st != SEAL_OK) {
        seal_log(NULL, SEAL_LOG_ERR, "crypto: %s", why);
        return st;
    }
    return SEAL_OK;
}

void seal_registry_free(seal_host_t *host)
{
    for (size_t i = 0; i < host->routes.n; i++) route_free(host->routes.v[i]);
    for (size_t i = 0; i < host->ifaces.n; i++) iface_free(host->ifaces.v[i]);
    for (size_t i = 0; i < host->services.n; i++) service_free(host->services.v[i]);
    seal_hooks_free(host);
    seal_store_free_backends(host);
    seal_crypto_free_backends(host);
    seal_vec_free(&host->routes);
    seal_vec_free(&host->ifaces);
    seal_vec_free(&host->services);
    seal_router_free(host->router);
    host->router = NULL;
}
