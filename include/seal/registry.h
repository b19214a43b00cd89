/* SPDX-License-Identifier: Apache-2.0 */
/* seal/registry.h: services, routes and interfaces.
 *
 * Registering is allowed in init only (SEAL_E_STATE otherwise). At freeze
 * the host compiles the routes and makes the registry immutable, so lookups
 * from then on take no locks.
 *
 * Ownership of "user" data passes to the host on every register call,
 * success or failure: the host calls user_free (if not NULL) exactly once,
 * at the latest after the plugin's fini.
 */
#ifndef SEAL_REGISTRY_H
#define SEAL_REGISTRY_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Services: one SEAL server (TS 23.434: gm, km, im, cm, lm, nrm, ...) ---- */

typedef struct seal_service_def {
    uint32_t struct_size;     /* sizeof(seal_service_def_t) */
    const char *name;         /* short name, e.g. "gm"; routes refer to it */
    const char *title;        /* e.g. "SEAL group management server" */
    const char *scope;        /* OAuth scope that grants access, e.g. "seal.gm" */
} seal_service_def_t;

seal_status_t seal_service_register(seal_plugin_t *self, const seal_service_def_t *def);

/* True if a service of that name was registered (after freeze: lock-free). */
int seal_service_exists(const seal_plugin_t *self, const char *name);

/* ABI 1.1. The OAuth scope a service registered (e.g. "seal.gm"), or NULL
 * when the service is unknown or registered none. Lock-free after freeze. */
const char *seal_service_scope(const seal_plugin_t *self, const char *name);

/* ---- Routes ---- */

/* A handler must answer (seal_response_send / seal_response_problem) or
 * suspend (seal_request_suspend) before returning SEAL_OK. A negative return
 * without an answer is turned into a 500 ProblemDetails by the host. */
typedef seal_status_t (*seal_handler_fn)(seal_request_t *req, void *user);

/* Route flags. */
#define SEAL_ROUTE_F_PUBLIC 0x1u  /* skip the authorization hook (discovery, health) */

typedef struct seal_route_def {
    uint32_t struct_size;     /* sizeof(seal_route_def_t) */
    const char *method;       /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *path;         /* template: "/ss-gm/v1/group-documents/{groupDocId}" */
    const char *service;      /* the registered service it belongs to (authorization) */
    uint32_t flags;           /* SEAL_ROUTE_F_* */
    seal_handler_fn handler;
    void *user;
    seal_user_free_fn user_free;
} seal_route_def_t;

/* SEAL_E_EXISTS when the same method and template are already registered. */
seal_status_t seal_route_register(seal_plugin_t *self, const seal_route_def_t *def);

/* ---- Interfaces: C vtables between plugins, by versioned name ("seal.gm.v1") ---- */

/* Publishes iface (a plugin-owned, static or user-owned vtable) under name. */
seal_status_t seal_iface_provide(seal_plugin_t *self, const char *name,
                                 const void *iface, void *user, seal_user_free_fn user_free);

/* Returns the vtable and (if user_out) its user data, or NULL when no plugin
 * provides it. Valid from start on (in init only those provided so far). */
const void *seal_iface_get(seal_plugin_t *self, const char *name, void **user_out);

#ifdef __cplusplus
}
#endif
#endif
