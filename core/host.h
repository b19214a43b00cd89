/* SPDX-License-Identifier: Apache-2.0 */
/* core/host.h: the host's own API, for seald.c and the tests. Not installed;
 * exported from libseal in the SEAL_HOST_PRIVATE version node, which the ABI
 * gate ignores: plugins must never call these. */
#ifndef SEAL_CORE_HOST_H
#define SEAL_CORE_HOST_H

#include <stdio.h>
#include <seal/seal.h>

typedef struct seal_host seal_host_t;

seal_host_t *seal_host_new(void);
void seal_host_free(seal_host_t *host);

/* Parses the configuration (and its include glob). On error the message
 * naming the file, line or JSON path has been logged. */
seal_status_t seal_host_configure(seal_host_t *host, const char *file);
/* The same from a string (tests); label stands for the file name. */
seal_status_t seal_host_configure_string(seal_host_t *host, const char *json, const char *label);

/* Adds a plugin without dlopen, validated exactly like a loaded one. "file"
 * is what messages name; the plugin name must equal its basename. */
seal_status_t seal_host_add_builtin(seal_host_t *host, const seal_plugin_desc_t *desc,
                                    const char *file);

/* Loads every configured plugin from plugin_dir (main thread, before any
 * other thread). */
seal_status_t seal_host_load(seal_host_t *host);
/* init every plugin, refuse unread config keys, freeze the registry. */
seal_status_t seal_host_init(seal_host_t *host);
/* start every plugin and open the listeners. */
seal_status_t seal_host_start(seal_host_t *host);
/* Blocks until seal_host_request_stop (SIGTERM) or until a SIGHUP-style
 * reopen is requested, which it performs and goes on. */
seal_status_t seal_host_serve(seal_host_t *host);
/* Async-signal-safe. */
void seal_host_request_stop(seal_host_t *host);
void seal_host_request_reopen(seal_host_t *host);
/* Closes listeners, drains in-flight requests, stops and finis plugins. */
void seal_host_shutdown(seal_host_t *host);

/* The port of the i-th listener (useful with "127.0.0.1:0"); 0 if none. */
unsigned seal_host_port(const seal_host_t *host, size_t i);

/* `seald --version`: package, ABI, loaded plugins with their versions. */
void seal_host_print_version(const seal_host_t *host, FILE *out);

#endif
