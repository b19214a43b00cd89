/* SPDX-License-Identifier: Apache-2.0 */
/* The host: configuration, loading, the phases of doc/plugin-abi.md
 * (parse -> load -> init -> freeze -> start -> serve -> stop -> fini) and
 * the serve loop woken by signals. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host-private.h"
#include "principals.h"

#define SEAL_DEFAULT_STORE "store_sqlite"
#define SEAL_DEFAULT_CRYPTO "crypto_gnutls"

seal_host_t *seal_host_new(void)
{
    seal_host_t *host = calloc(1, sizeof *host);
    if (!host) return NULL;
    if (pipe2(host->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(host);
        return NULL;
    }
    host->phase = SEAL_PHASE_NEW;
    return host;
}

static seal_conf_doc_t *empty_block(void)
{
    char err[64];
    return seal_conf_doc_parse("{}", "(defaults)", err, sizeof err);
}

static const seal_conf_t *root_of(const seal_host_t *host)
{
    return seal_conf_doc_root(host->conf);
}

/* The host's own keys; the plugins read theirs in init and the HTTP front
 * reads "http". Anything left unread is reported after init. */
static seal_status_t read_host_keys(seal_host_t *host)
{
    const seal_conf_t *root = root_of(host);
    const seal_conf_t *n;
    const char *s;
    seal_status_t st = SEAL_OK;

    (void)seal_conf_get(root, "include");   /* handled by the parser */
    if ((n = seal_conf_get(root, "plugin_dir"))) {
        if (seal_conf_type(n) == SEAL_CONF_ARRAY) {
            for (size_t i = 0; i < seal_conf_array_len(n); i++)
                if (!seal_conf_as_string(seal_conf_array_at(n, i)))
                    st = seal_conf_error(NULL, seal_conf_array_at(n, i), "expected a directory name");
        } else if (!seal_conf_as_string(n)) {
            st = seal_conf_error(NULL, n, "expected a directory or an array of directories");
        }
    }
    if ((n = seal_conf_get(root, "plugins")) && seal_conf_type(n) != SEAL_CONF_OBJECT)
        st = seal_conf_error(NULL, n, "expected an object of plugin blocks");
    if (seal_conf_string(root, "store", NULL, &s) != SEAL_OK) st = SEAL_E_CONFIG;
    if (seal_conf_string(root, "crypto", NULL, &s) != SEAL_OK) st = SEAL_E_CONFIG;
    /* Who the verified client certificates are, and the roles of token
     * callers (doc/authorization.md); read before any request can come. */
    seal_principals_free(host->principals);
    host->principals = NULL;
    seal_status_t pst = seal_principals_read(seal_conf_get(root, "principals"), &host->principals);
    if (pst != SEAL_OK) st = pst;

    const seal_conf_t *log = seal_conf_get(root, "log");
    const char *file = NULL, *access = NULL, *level = "info";
    if (log) {
        if (seal_conf_type(log) != SEAL_CONF_OBJECT) return seal_conf_error(NULL, log, "expected an object");
        if (seal_conf_string(log, "file", NULL, &file) != SEAL_OK
            || seal_conf_string(log, "access_file", NULL, &access) != SEAL_OK
            || seal_conf_string(log, "level", "info", &level) != SEAL_OK)
            return SEAL_E_CONFIG;
    }
    static const char *const levels[] = { "error", "warning", "notice", "info", "debug" };
    int lvl = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(level, levels[i]) == 0) lvl = SEAL_LOG_ERR + i;
    if (lvl < 0)
        return seal_conf_error(NULL, seal_conf_get(log, "level"),
                               "expected one of error, warning, notice, info, debug");
    if (seal_log_open(file, lvl) != SEAL_OK) return SEAL_E_IO;
    seal_log_set_access_file(access);

    int64_t qsize = 4096;
    const seal_conf_t *ev = seal_conf_get(root, "events");
    if (ev && seal_conf_int(ev, "queue_size", 4096, 16, 1 << 20, &qsize) != SEAL_OK)
        st = SEAL_E_CONFIG;
    host->event_queue_size = (size_t)qsize;
    return st;
}

static seal_status_t configured(seal_host_t *host, seal_conf_doc_t *doc, const char *err)
{
    if (!doc) {
        seal_log(NULL, SEAL_LOG_ERR, "%s", err);
        return SEAL_E_CONFIG;
    }
    seal_conf_doc_free(host->conf);
    host->conf = doc;
    return read_host_keys(host);
}

seal_status_t seal_host_configure(seal_host_t *host, const char *file)
{
    char err[1024];
    return configured(host, seal_conf_doc_load(file, err, sizeof err), err);
}

seal_status_t seal_host_configure_string(seal_host_t *host, const char *json, const char *label)
{
    char err[1024];
    return configured(host, seal_conf_doc_parse(json, label, err, sizeof err), err);
}

static seal_status_t add_plugin(seal_host_t *host, seal_plugin_t *p)
{
    if (seal_vec_push(&host->plugins, p)) {
        seal_loader_close(p);
        seal_plugin_free(p);
        return SEAL_E_NOMEM;
    }
    return SEAL_OK;
}

seal_status_t seal_host_add_builtin(seal_host_t *host, const seal_plugin_desc_t *desc,
                                    const char *file)
{
    char why[512];
    if (host->phase != SEAL_PHASE_NEW) return SEAL_E_STATE;
    seal_status_t st = seal_plugin_validate(host, desc, file, why, sizeof why);
    if (st != SEAL_OK) {
        seal_log(NULL, SEAL_LOG_ERR, "plugin %s: %s (%s)",
                 desc && desc->magic == SEAL_PLUGIN_MAGIC && desc->name ? desc->name : file,
                 why, file);
        return st;
    }
    seal_plugin_t *p = seal_plugin_new(host, desc, file, NULL);
    return p ? add_plugin(host, p) : SEAL_E_NOMEM;
}

static const seal_conf_t *plugins_block(const seal_host_t *host)
{
    const seal_conf_t *pl = host->conf ? seal_conf_get(root_of(host), "plugins") : NULL;
    return pl && seal_conf_type(pl) == SEAL_CONF_OBJECT ? pl : NULL;
}

seal_status_t seal_host_load(seal_host_t *host)
{
    if (host->phase != SEAL_PHASE_NEW) return SEAL_E_STATE;
    if (!host->conf) {
        seal_status_t st = seal_host_configure_string(host, "{}", "(defaults)");
        if (st != SEAL_OK) return st;
    }
    const seal_conf_t *pl = plugins_block(host), *block;
    int have_store = 0;
    for (size_t i = 0; pl && seal_conf_key_at(pl, i, &block); i++) {
        const char *name = seal_conf_key_at(pl, i, &block);
        if (strncmp(name, "store_", 6) == 0) have_store = 1;
        if (seal_conf_type(block) != SEAL_CONF_OBJECT)
            return seal_conf_error(NULL, block, "expected an object (the plugin's settings)");
        if (seal_host_find_plugin(host, name)) continue;   /* a builtin */
        seal_plugin_t *p;
        seal_status_t st = seal_loader_open(host, name, &p);
        if (st == SEAL_E_NOTFOUND) {
            char msg[1024];
            const char *dirs[16];
            size_t n = seal_loader_dirs(host, dirs, 16);
            seal_conf_format_error(block, msg, sizeof msg, "plugin \"%s\" is not installed "
                                   "(no %s.so in %s%s)", name, name, dirs[0],
                                   n > 1 ? " nor the other plugin_dir entries" : "");
            seal_log(NULL, SEAL_LOG_ERR, "%s", msg);
        }
        if (st != SEAL_OK) return st;
        if ((st = add_plugin(host, p)) != SEAL_OK) return st;
    }
    /* The GnuTLS crypto backend is the default when the configuration names
     * no crypto plugin; a host without it just has no crypto. */
    const char *want_crypto = NULL;
    (void)seal_conf_string(root_of(host), "crypto", NULL, &want_crypto);
    int have_crypto = 0;
    for (size_t i = 0; i < host->plugins.n; i++)
        if (strncmp(((seal_plugin_t *)host->plugins.v[i])->name, "crypto_", 7) == 0)
            have_crypto = 1;
    if (!have_crypto && !want_crypto) {
        seal_plugin_t *p;
        seal_status_t st = seal_loader_open(host, SEAL_DEFAULT_CRYPTO, &p);
        if (st == SEAL_OK) st = add_plugin(host, p);
        else if (st == SEAL_E_NOTFOUND) st = SEAL_OK;
        if (st != SEAL_OK) return st;
    }
    /* The embedded store is the default when the configuration names none. */
    const char *want = NULL;
    (void)seal_conf_string(root_of(host), "store", NULL, &want);
    for (size_t i = 0; i < host->plugins.n; i++)
        if (strncmp(((seal_plugin_t *)host->plugins.v[i])->name, "store_", 6) == 0) have_store = 1;
    if (!have_store && !want) {
        seal_plugin_t *p;
        seal_status_t st = seal_loader_open(host, SEAL_DEFAULT_STORE, &p);
        if (st == SEAL_E_NOTFOUND) {
            seal_log(NULL, SEAL_LOG_NOTICE, "no store configured and %s is not installed: "
                     "running without a store", SEAL_DEFAULT_STORE);
            return SEAL_OK;
        }
        if (st != SEAL_OK) return st;
        if ((st = add_plugin(host, p)) != SEAL_OK) return st;
    }
    return SEAL_OK;
}

/* The "after" list of a descriptor, when its ABI has one (1.1 and later). */
static const char *const *after_of(const seal_plugin_t *p)
{
    size_t end = offsetof(seal_plugin_desc_t, after) + sizeof p->desc->after;
    return p->desc->struct_size >= end ? p->desc->after : NULL;
}

/* True when p may go now: every loaded plugin it must follow is placed. */
static int ready(const seal_host_t *host, const seal_plugin_t *p, const char *placed)
{
    const char *const *after = after_of(p);
    for (size_t i = 0; after && after[i]; i++)
        for (size_t j = 0; j < host->plugins.n; j++)
            if (!placed[j] && strcmp(((seal_plugin_t *)host->plugins.v[j])->name, after[i]) == 0)
                return 0;
    return 1;
}

/* Orders the plugins by their "after" lists, otherwise keeping the
 * configuration's order (the configuration is
 * order-independent). */
static seal_status_t order_plugins(seal_host_t *host)
{
    size_t n = host->plugins.n;
    char *placed = calloc(n ? n : 1, 1);
    void **order = calloc(n ? n : 1, sizeof *order);
    if (!placed || !order) { free(placed); free(order); return SEAL_E_NOMEM; }
    for (size_t k = 0; k < n; k++) {
        size_t pick = n;
        for (size_t j = 0; j < n && pick == n; j++)
            if (!placed[j] && ready(host, host->plugins.v[j], placed)) pick = j;
        if (pick == n) {
            for (size_t j = 0; j < n; j++)
                if (!placed[j]) {
                    const seal_plugin_t *p = host->plugins.v[j];
                    seal_log(NULL, SEAL_LOG_ERR, "plugin %s: its \"after\" list forms a cycle "
                             "with the other plugins (%s)", p->name, p->file);
                    break;
                }
            free(placed);
            free(order);
            return SEAL_E_CONFIG;
        }
        placed[pick] = 1;
        order[k] = host->plugins.v[pick];
    }
    memcpy(host->plugins.v, order, n * sizeof *order);
    free(placed);
    free(order);
    return SEAL_OK;
}

static void report_unread(const seal_conf_t *node, void *ctx)
{
    char msg[1024];
    (void)ctx;
    seal_conf_format_error(node, msg, sizeof msg, "unknown key");
    seal_log(NULL, SEAL_LOG_ERR, "%s", msg);
}

seal_status_t seal_host_init(seal_host_t *host)
{
    if (host->phase != SEAL_PHASE_NEW) return SEAL_E_STATE;
    if (!host->conf) {
        seal_status_t st = seal_host_configure_string(host, "{}", "(defaults)");
        if (st != SEAL_OK) return st;
    }
    seal_status_t ost = order_plugins(host);
    if (ost != SEAL_OK) return ost;
    host->phase = SEAL_PHASE_INIT;
    const seal_conf_t *pl = plugins_block(host);
    for (size_t i = 0; i < host->plugins.n; i++) {
        seal_plugin_t *p = host->plugins.v[i];
        p->conf = pl ? seal_conf_get(pl, p->name) : NULL;
        if (!p->conf) {
            if (!host->empty && !(host->empty = empty_block())) return SEAL_E_NOMEM;
            p->conf = seal_conf_doc_root(host->empty);
        }
        seal_status_t st = p->desc->init ? p->desc->init(p) : SEAL_OK;
        p->inited = 1;
        if (st != SEAL_OK) {
            seal_log(NULL, SEAL_LOG_ERR, "plugin %s: init failed: %s (%s)", p->name,
                     seal_strerror(st), p->file);
            return st == SEAL_E_CONFIG ? st : SEAL_E_GENERIC;
        }
    }
    seal_status_t st = seal_http_server_new(host, seal_conf_get(root_of(host), "http"), &host->http);
    if (st != SEAL_OK) return st;
    if (seal_conf_unread(root_of(host), report_unread, NULL) > 0) return SEAL_E_CONFIG;

    host->phase = SEAL_PHASE_FROZEN;
    if ((st = seal_registry_freeze(host)) != SEAL_OK) return st;
    host->events = seal_events_new(host, host->event_queue_size);
    host->client = seal_http_client_new(host);
    if (!host->events || !host->client) return SEAL_E_NOMEM;
    return SEAL_OK;
}

seal_status_t seal_host_start(seal_host_t *host)
{
    if (host->phase != SEAL_PHASE_FROZEN) return SEAL_E_STATE;
    seal_status_t st = seal_events_start(host->events);
    if (st != SEAL_OK) return st;
    for (size_t i = 0; i < host->plugins.n; i++) {
        seal_plugin_t *p = host->plugins.v[i];
        st = p->desc->start ? p->desc->start(p) : SEAL_OK;
        p->started = 1;
        if (st != SEAL_OK) {
            seal_log(NULL, SEAL_LOG_ERR, "plugin %s: start failed: %s (%s)", p->name,
                     seal_strerror(st), p->file);
            return st;
        }
    }
    if ((st = seal_http_server_start(host->http)) != SEAL_OK) return st;
    host->phase = SEAL_PHASE_SERVING;
    return SEAL_OK;
}

static void wake(seal_host_t *host)
{
    /* write(2) is async-signal-safe; a full pipe already means "wake up". */
    ssize_t r = write(host->wake_pipe[1], "x", 1);
    (void)r;
}

void seal_host_request_stop(seal_host_t *host)
{
    host->stop_requested = 1;
    wake(host);
}

void seal_host_request_reopen(seal_host_t *host)
{
    host->reopen_requested = 1;
    wake(host);
}

seal_status_t seal_host_serve(seal_host_t *host)
{
    if (host->phase != SEAL_PHASE_SERVING) return SEAL_E_STATE;
    while (!host->stop_requested) {
        struct pollfd pfd = { host->wake_pipe[0], POLLIN, 0 };
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) return SEAL_E_IO;
        char buf[64];
        while (read(host->wake_pipe[0], buf, sizeof buf) > 0) {}
        if (host->reopen_requested) {
            host->reopen_requested = 0;
            if (seal_log_reopen() == SEAL_OK)
                seal_log(NULL, SEAL_LOG_NOTICE, "log files reopened");
        }
    }
    return SEAL_OK;
}

void seal_host_shutdown(seal_host_t *host)
{
    if (host->phase == SEAL_PHASE_DONE) return;
    host->phase = SEAL_PHASE_STOPPING;
    if (host->http) seal_http_server_drain(host->http);
    for (size_t i = host->plugins.n; i-- > 0;) {
        seal_plugin_t *p = host->plugins.v[i];
        if (p->started && p->desc->stop) p->desc->stop(p);
        p->started = 0;
    }
    seal_events_free(host->events);   /* delivers what is queued first */
    host->events = NULL;
    seal_http_client_free(host->client);
    host->client = NULL;
    seal_http_server_free(host->http);
    host->http = NULL;
    for (size_t i = host->plugins.n; i-- > 0;) {
        seal_plugin_t *p = host->plugins.v[i];
        if (p->inited && p->desc->fini) p->desc->fini(p);
        p->inited = 0;
    }
    seal_log_flush();
    /* user data may point into plugin code: free it before unloading. */
    seal_registry_free(host);
    seal_events_free_subs(host);
    host->phase = SEAL_PHASE_DONE;
}

void seal_host_free(seal_host_t *host)
{
    if (!host) return;
    seal_host_shutdown(host);
    for (size_t i = host->plugins.n; i-- > 0;) {
        seal_plugin_t *p = host->plugins.v[i];
        seal_loader_close(p);
        seal_plugin_free(p);
    }
    seal_vec_free(&host->plugins);
    seal_conf_doc_free(host->conf);
    seal_conf_doc_free(host->empty);
    seal_principals_free(host->principals);
    close(host->wake_pipe[0]);
    close(host->wake_pipe[1]);
    free(host);
}

unsigned seal_host_port(const seal_host_t *host, size_t i)
{
    return host->http ? seal_http_server_port(host->http, i) : 0;
}

void seal_host_print_version(const seal_host_t *host, FILE *out)
{
    fprintf(out, "seald %s (plugin ABI %d.%d)\n", seal_version_string(),
            SEAL_ABI_MAJOR, SEAL_ABI_MINOR);
    if (!host || host->plugins.n == 0) return;
    fprintf(out, "plugins:\n");
    for (size_t i = 0; i < host->plugins.n; i++) {
        const seal_plugin_t *p = host->plugins.v[i];
        fprintf(out, "  %-14s %-8s ABI %u.%u  %s\n", p->name,
                p->desc->version ? p->desc->version : "-", p->desc->abi_major,
                p->desc->abi_minor, p->desc->description ? p->desc->description : "");
    }
    seal_crypto_print(host, out);
}
