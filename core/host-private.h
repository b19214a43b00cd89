/* SPDX-License-Identifier: Apache-2.0 */
/* core/host-private.h: the host's internal structures, shared by the core files.
 * Never installed; plugins see only opaque handles. */
#ifndef SEAL_CORE_HOST_PRIVATE_H
#define SEAL_CORE_HOST_PRIVATE_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <seal/seal.h>
#include "host.h"
#include "conf-private.h"
#include "router.h"

typedef enum seal_phase {
    SEAL_PHASE_NEW = 0,   /* configuring and loading */
    SEAL_PHASE_INIT,      /* plugins' init: registering allowed */
    SEAL_PHASE_FROZEN,    /* registry immutable; plugins starting */
    SEAL_PHASE_SERVING,
    SEAL_PHASE_STOPPING,
    SEAL_PHASE_DONE
} seal_phase_t;

struct seal_plugin {
    seal_host_t *host;
    const seal_plugin_desc_t *desc;
    char *name;
    char *file;               /* the path loaded, or the builtin's label */
    void *dl;                 /* lt_dlhandle; NULL for builtins */
    const seal_conf_t *conf;  /* its block in "plugins" */
    void *data;
    int thread_safe;
    pthread_mutex_t serial;   /* held around calls into a non-thread-safe plugin */
    int inited, started;
};

/* Runs fn(arg) serialised for plugins without SEAL_PLUGIN_F_THREAD_SAFE. */
#define SEAL_PLUGIN_CALL(p, expr)                                   \
    do {                                                            \
        if ((p)->thread_safe) { expr; }                             \
        else { pthread_mutex_lock(&(p)->serial); expr;              \
               pthread_mutex_unlock(&(p)->serial); }                \
    } while (0)

typedef struct seal_service {
    char *name, *title, *scope;
    seal_plugin_t *owner;
} seal_service_t;

typedef struct seal_route {
    char *method, *path, *service;
    uint32_t flags;
    seal_handler_fn handler;
    void *user;
    seal_user_free_fn user_free;
    seal_plugin_t *owner;
} seal_route_t;

typedef struct seal_iface {
    char *name;
    const void *iface;
    void *user;
    seal_user_free_fn user_free;
    seal_plugin_t *owner;
} seal_iface_t;

typedef struct seal_hook {
    char *name;
    int order;
    size_t seq;               /* registration order, for stable ties */
    seal_hook_fn fn;
    void *user;
    seal_user_free_fn user_free;
    seal_plugin_t *owner;
} seal_hook_t;

typedef struct seal_sub {
    char *prefix;
    seal_event_fn fn;
    void *user;
    seal_user_free_fn user_free;
    seal_plugin_t *owner;
} seal_sub_t;

typedef struct seal_store_backend {
    const seal_store_ops_t *ops;
    void *ctx;
    seal_user_free_fn ctx_free;
    seal_plugin_t *owner;
} seal_store_backend_t;

/* A growable array of pointers. */
typedef struct seal_vec { void **v; size_t n, cap; } seal_vec_t;
int  seal_vec_push(seal_vec_t *vec, void *item);
void seal_vec_free(seal_vec_t *vec);

typedef struct seal_events seal_events_t;           /* core/event.c */
typedef struct seal_http_server seal_http_server_t; /* core/http-mhd.c */
typedef struct seal_http_client seal_http_client_t; /* core/http-client.c */
typedef struct seal_principals seal_principals_t;   /* core/principals.c */

struct seal_host {
    _Atomic int phase;                   /* seal_phase_t */
    seal_conf_doc_t *conf;
    seal_conf_doc_t *empty;              /* "{}": the block of unconfigured plugins */
    size_t event_queue_size;
    seal_vec_t plugins;                  /* seal_plugin_t*, config order */
    /* registry */
    seal_vec_t services, routes, ifaces, hooks, subs, stores;
    seal_router_t *router;               /* compiled at freeze */
    seal_store_backend_t *store;         /* chosen at freeze */
    seal_vec_t cryptos;                  /* seal_crypto_backend_t* (core/crypto.c) */
    struct seal_crypto_backend *crypto;  /* chosen at freeze ("crypto" key) */
    seal_events_t *events;
    seal_http_server_t *http;
    seal_http_client_t *client;
    seal_principals_t *principals;       /* "principals" (core/principals.c) */
    /* serve loop */
    int wake_pipe[2];
    volatile sig_atomic_t stop_requested, reopen_requested;
};

/* core/plugin.c */
seal_plugin_t *seal_plugin_new(seal_host_t *host, const seal_plugin_desc_t *desc,
                               const char *file, void *dl);
void seal_plugin_free(seal_plugin_t *p);
/* Validates a descriptor (the handshake of doc/plugin-abi.md); on refusal
 * writes the reason into why. */
seal_status_t seal_plugin_validate(const seal_host_t *host, const seal_plugin_desc_t *desc,
                                   const char *file, char *why, size_t why_len);
seal_plugin_t *seal_host_find_plugin(const seal_host_t *host, const char *name);

/* core/loader.c: the only file that calls libltdl. */
seal_status_t seal_loader_open(seal_host_t *host, const char *name, seal_plugin_t **out);
void seal_loader_close(seal_plugin_t *p);
/* The plugin directories searched, in order. */
size_t seal_loader_dirs(const seal_host_t *host, const char **dirs, size_t max);

/* core/registry.c */
seal_status_t seal_registry_freeze(seal_host_t *host);
void seal_registry_free(seal_host_t *host);
const seal_service_t *seal_registry_service(const seal_host_t *host, const char *name);
/* core/hooks.c. Runs a hook without an owning plugin (the host's own hook
 * points, e.g. SEAL_HOOK_HTTP_AUTHORIZE from the HTTP front). */
seal_status_t seal_hooks_run(seal_host_t *host, const char *hook, void *args);
void seal_hooks_sort(seal_host_t *host);
void seal_hooks_free(seal_host_t *host);
void seal_events_free_subs(seal_host_t *host);

/* core/event.c */
seal_events_t *seal_events_new(seal_host_t *host, size_t capacity);
seal_status_t seal_events_start(seal_events_t *ev);
/* Delivers what is queued, then stops the thread. */
void seal_events_stop(seal_events_t *ev);
void seal_events_free(seal_events_t *ev);

/* core/store.c: picks the backend at freeze ("store" config key). */
seal_status_t seal_store_select(seal_host_t *host, char *why, size_t why_len);
void seal_store_free_backends(seal_host_t *host);

/* core/crypto.c: crypto backends (seal/crypto.h). Select picks the backend
 * named by the top-level "crypto" key, else the only one registered. */
seal_status_t seal_crypto_select(seal_host_t *host, char *why, size_t why_len);
void seal_crypto_free_backends(seal_host_t *host);
/* `seald --version`: each crypto backend and its capabilities. */
void seal_crypto_print(const seal_host_t *host, FILE *out);

/* core/http-mhd.c: the HTTP(S) front (the only file that includes microhttpd.h). */
seal_status_t seal_http_server_new(seal_host_t *host, const seal_conf_t *http_conf,
                                   seal_http_server_t **out);
seal_status_t seal_http_server_start(seal_http_server_t *srv);
unsigned seal_http_server_port(const seal_http_server_t *srv, size_t i);
/* Stops accepting, waits (bounded) for in-flight requests to finish. */
void seal_http_server_drain(seal_http_server_t *srv);
void seal_http_server_free(seal_http_server_t *srv);

/* core/http-client.c */
seal_http_client_t *seal_http_client_new(seal_host_t *host);
void seal_http_client_free(seal_http_client_t *c);   /* finishes pending calls with SEAL_E_STATE */

/* core/log.c: the process-wide log (the one piece of global state). */
seal_status_t seal_log_open(const char *file, int level);
seal_status_t seal_log_reopen(void);
void seal_log_close(void);
void seal_log_access(const char *line);     /* one access-log line (buffered) */
void seal_log_flush(void);                  /* writes the buffered access lines */
void seal_log_set_access_file(const char *file);

#endif
