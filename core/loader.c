/* SPDX-License-Identifier: Apache-2.0 */
/* Loading plugin shared objects: the only file that calls libltdl.
 * Load by the exact configured name, on the main
 * thread, before any other thread exists; never unload while running. */
#include <dlfcn.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host-private.h"

/* A plugin name is a file name, never a path: no way to load from
 * elsewhere than the plugin directories. */
static int valid_name(const char *name)
{
    if (!*name || strlen(name) > 64) return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return 0;
    return 1;
}

/* The directories to search: "plugin_dir" (a string or an array) or the
 * built-in default. */
size_t seal_loader_dirs(const seal_host_t *host, const char **dirs, size_t max)
{
    const seal_conf_t *root = host->conf ? seal_conf_doc_root(host->conf) : NULL;
    const seal_conf_t *pd = root ? seal_conf_get(root, "plugin_dir") : NULL;
    size_t n = 0;
    if (pd && seal_conf_type(pd) == SEAL_CONF_ARRAY) {
        for (size_t i = 0; i < seal_conf_array_len(pd) && n < max; i++) {
            const char *d = seal_conf_as_string(seal_conf_array_at(pd, i));
            if (d) dirs[n++] = d;
        }
    } else if (pd && seal_conf_as_string(pd)) {
        dirs[n++] = seal_conf_as_string(pd);
    } else {
        dirs[n++] = SEAL_PLUGINDIR;
    }
    return n;
}

static void ltdl_ref(int up)
{
    /* lt_dlinit/lt_dlexit are reference counted by libltdl itself. */
    if (up) lt_dlinit(); else lt_dlexit();
}

seal_status_t seal_loader_open(seal_host_t *host, const char *name, seal_plugin_t **out)
{
    char path[4096], why[512];
    const char *dirs[16];
    size_t ndirs = seal_loader_dirs(host, dirs, 16);
    *out = NULL;

    if (!valid_name(name)) {
        seal_log(NULL, SEAL_LOG_ERR, "plugin %s: not a valid plugin name "
                 "(letters, digits, '_' and '-' only) (%s)", name, name);
        return SEAL_E_CONFIG;
    }
    path[0] = '\0';
    for (size_t i = 0; i < ndirs; i++) {
        snprintf(path, sizeof path, "%s/%s.so", dirs[i], name);
        if (access(path, F_OK) == 0) break;
        path[0] = '\0';
    }
    if (!path[0]) return SEAL_E_NOTFOUND;   /* the caller names the config entry */

    ltdl_ref(1);
    lt_dlhandle dl = lt_dlopen(path);
    if (!dl) {
        /* libltdl reports "file not found" for a missing symbol or symbol
         * version; ask dlopen once for the real reason. */
        const char *reason = lt_dlerror();
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (h) { dlclose(h); } else { reason = dlerror(); }
        seal_log(NULL, SEAL_LOG_ERR, "plugin %s: cannot load: %s (%s)", name,
                 reason ? reason : "unknown error", path);
        ltdl_ref(0);
        return SEAL_E_ABI;
    }
    typedef const seal_plugin_desc_t *(*entry_fn)(void);
    entry_fn entry;
    void *sym = lt_dlsym(dl, "seal_plugin_entry");
    memcpy(&entry, &sym, sizeof entry);   /* object to function pointer, portably */
    if (!entry) {
        seal_log(NULL, SEAL_LOG_ERR, "plugin %s: no seal_plugin_entry symbol: not a seald plugin (%s)",
                 name, path);
        lt_dlclose(dl);
        ltdl_ref(0);
        return SEAL_E_ABI;
    }
    const seal_plugin_desc_t *desc = entry();
    seal_status_t st = seal_plugin_validate(host, desc, path, why, sizeof why);
    if (st != SEAL_OK) {
        seal_log(NULL, SEAL_LOG_ERR, "plugin %s: %s (%s)", name, why, path);
        lt_dlclose(dl);
        ltdl_ref(0);
        return st;
    }
    seal_plugin_t *p = seal_plugin_new(host, desc, path, dl);
    if (!p) {
        lt_dlclose(dl);
        ltdl_ref(0);
        return SEAL_E_NOMEM;
    }
    *out = p;
    return SEAL_OK;
}

void seal_loader_close(seal_plugin_t *p)
{
    if (p && p->dl) {
        lt_dlclose((lt_dlhandle)p->dl);
        p->dl = NULL;
        ltdl_ref(0);
    }
}
