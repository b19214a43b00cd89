/* SPDX-License-Identifier: Apache-2.0 */
/* seal/plugin.h: the plugin descriptor, its handshake and its lifecycle.
 *
 * A plugin is a shared object exporting exactly one symbol,
 * seal_plugin_entry, that returns a pointer to a constant descriptor.
 * The host accepts it iff: magic matches, abi_major equals the host's,
 * abi_minor <= the host's, struct_size >= the ABI 1.0 size, and name equals
 * the file's basename and is not loaded yet.
 *
 * Lifecycle, each call on the main thread:
 *   init  - read config (seal_plugin_conf), register services, routes,
 *           interfaces, hooks, event subscriptions, backends. The only phase
 *           where registering is allowed. Plugins are initialised in the
 *           order they are named in the configuration, except that a plugin
 *           comes after every loaded plugin its "after" list names.
 *   start - the registry is frozen; resolve interfaces (seal_iface_get),
 *           start background work. No request is served before every
 *           plugin has started.
 *   stop  - listeners are closed and in-flight requests drained; reverse order.
 *   fini  - release everything; reverse order.
 * init returning non-zero aborts start-up with a clear message; start likewise.
 *
 * Threading: handlers run concurrently on HTTP worker threads. A plugin that
 * does not set SEAL_PLUGIN_F_THREAD_SAFE has its handlers, hooks and event
 * callbacks serialised by the host.
 */
#ifndef SEAL_PLUGIN_H
#define SEAL_PLUGIN_H

#include <seal/types.h>
#include <seal/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEAL_PLUGIN_MAGIC 0x5345414cu /* "SEAL" */

/* Descriptor flags. */
#define SEAL_PLUGIN_F_THREAD_SAFE 0x1u

typedef struct seal_plugin_desc {
    uint32_t magic;           /* SEAL_PLUGIN_MAGIC */
    uint16_t abi_major;       /* SEAL_ABI_MAJOR at build time */
    uint16_t abi_minor;       /* SEAL_ABI_MINOR at build time */
    uint32_t struct_size;     /* sizeof(seal_plugin_desc_t) at build time */
    uint32_t flags;           /* SEAL_PLUGIN_F_* */
    const char *name;         /* equals the file's basename, e.g. "gm" */
    const char *version;      /* the plugin's own version, e.g. "0.1.0" */
    const char *description;  /* one line */
    seal_status_t (*init)(seal_plugin_t *self);
    seal_status_t (*start)(seal_plugin_t *self);
    void (*stop)(seal_plugin_t *self);
    void (*fini)(seal_plugin_t *self);
    /* ABI 1.0 ends here; fields are only appended. */

    /* ABI 1.1: NULL-terminated names of plugins that, when they are
     * loaded, must be initialised (and started) before this one, e.g. a
     * binding after the service whose interface it resolves. The host
     * orders the plugins by these, keeping the configuration's order
     * otherwise, so operators never order configuration files by hand. */
    const char *const *after;
} seal_plugin_desc_t;

/* Fills the handshake fields; use as the first initialisers:
 *   static const seal_plugin_desc_t desc = { SEAL_PLUGIN_DESC_INIT, .name = "gm", ... }; */
#define SEAL_PLUGIN_DESC_INIT                        \
    .magic = SEAL_PLUGIN_MAGIC,                      \
    .abi_major = SEAL_ABI_MAJOR,                     \
    .abi_minor = SEAL_ABI_MINOR,                     \
    .struct_size = (uint32_t)sizeof(seal_plugin_desc_t)

#if defined(__GNUC__)
#define SEAL_VISIBLE __attribute__((visibility("default")))
#else
#define SEAL_VISIBLE
#endif

/* Defines the plugin's one exported symbol. */
#define SEAL_PLUGIN_EXPORT(desc)                                        \
    SEAL_VISIBLE const seal_plugin_desc_t *seal_plugin_entry(void);    \
    SEAL_VISIBLE const seal_plugin_desc_t *seal_plugin_entry(void) { return &(desc); }

/* The plugin's name (from its descriptor). */
const char *seal_plugin_name(const seal_plugin_t *self);

/* Per-instance private data; set it in init, read it anywhere. */
void  seal_plugin_set_data(seal_plugin_t *self, void *data);
void *seal_plugin_data(const seal_plugin_t *self);

/* This plugin's configuration block ("plugins": { "<name>": {...} });
 * an empty object when the config names the plugin without a block.
 * Valid until fini. */
const seal_conf_t *seal_plugin_conf(seal_plugin_t *self);

/* True if a plugin of that name is loaded in this host (any phase). Lets a
 * binding skip the routes of services that are not loaded. */
int seal_plugin_loaded(const seal_plugin_t *self, const char *name);

#ifdef __cplusplus
}
#endif
#endif
