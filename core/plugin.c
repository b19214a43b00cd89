/* SPDX-License-Identifier: Apache-2.0 */
/* Plugin instances and the descriptor handshake. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host-private.h"

/* The ABI 1.0 descriptor ends after fini: any plugin must be at least that. */
#define SEAL_DESC_SIZE_1_0 \
    (offsetof(seal_plugin_desc_t, fini) + sizeof(((seal_plugin_desc_t *)0)->fini))

seal_status_t seal_plugin_validate(const seal_host_t *host, const seal_plugin_desc_t *desc,
                                   const char *file, char *why, size_t why_len)
{
    if (!desc) {
        snprintf(why, why_len, "seal_plugin_entry returned no descriptor");
        return SEAL_E_ABI;
    }
    if (desc->magic != SEAL_PLUGIN_MAGIC) {
        snprintf(why, why_len, "bad magic 0x%08x: not a seald plugin", (unsigned)desc->magic);
        return SEAL_E_ABI;
    }
    if (desc->abi_major != SEAL_ABI_MAJOR) {
        snprintf(why, why_len, "built for plugin ABI %u.%u, this host has %u.%u (major differs)",
                 desc->abi_major, desc->abi_minor, SEAL_ABI_MAJOR, SEAL_ABI_MINOR);
        return SEAL_E_ABI;
    }
    if (desc->abi_minor > SEAL_ABI_MINOR) {
        snprintf(why, why_len, "built for plugin ABI %u.%u, this host has %u.%u (needs a newer host)",
                 desc->abi_major, desc->abi_minor, SEAL_ABI_MAJOR, SEAL_ABI_MINOR);
        return SEAL_E_ABI;
    }
    if (desc->struct_size < SEAL_DESC_SIZE_1_0) {
        snprintf(why, why_len, "descriptor size %u is smaller than the ABI 1.0 size %zu",
                 (unsigned)desc->struct_size, (size_t)SEAL_DESC_SIZE_1_0);
        return SEAL_E_ABI;
    }
    /* The name must be the file's basename (without ".so"), so what the
     * operator configures is what runs. */
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t blen = strlen(base);
    if (blen > 3 && strcmp(base + blen - 3, ".so") == 0) blen -= 3;
    if (!desc->name || strlen(desc->name) != blen || strncmp(desc->name, base, blen) != 0) {
        snprintf(why, why_len, "declares name \"%s\" but its file is named \"%.*s\"",
                 desc->name ? desc->name : "(null)", (int)blen, base);
        return SEAL_E_ABI;
    }
    if (seal_host_find_plugin(host, desc->name)) {
        snprintf(why, why_len, "a plugin named \"%s\" is already loaded", desc->name);
        return SEAL_E_EXISTS;
    }
    return SEAL_OK;
}

seal_plugin_t *seal_plugin_new(seal_host_t *host, const seal_plugin_desc_t *desc,
                               const char *file, void *dl)
{
    seal_plugin_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->host = host;
    p->desc = desc;
    p->name = strdup(desc->name);
    p->file = strdup(file);
    p->dl = dl;
    p->thread_safe = (desc->flags & SEAL_PLUGIN_F_THREAD_SAFE) != 0;
    pthread_mutex_init(&p->serial, NULL);
    if (!p->name || !p->file) { seal_plugin_free(p); return NULL; }
    return p;
}

void seal_plugin_free(seal_plugin_t *p)
{
    if (!p) return;
    pthread_mutex_destroy(&p->serial);
    free(p->name);
    free(p->file);
    free(p);
}

seal_plugin_t *seal_host_find_plugin(const seal_host_t *host, const char *name)
{
    for (size_t i = 0; i < host->plugins.n; i++) {
        seal_plugin_t *p = host->plugins.v[i];
        if (strcmp(p->name, name) == 0) return p;
    }
    return NULL;
}

const char *seal_plugin_name(const seal_plugin_t *self)
{
    return self ? self->name : "core";
}

void seal_plugin_set_data(seal_plugin_t *self, void *data)
{
    self->data = data;
}

void *seal_plugin_data(const seal_plugin_t *self)
{
    return self->data;
}

const seal_conf_t *seal_plugin_conf(seal_plugin_t *self)
{
    return self->conf;
}

int seal_plugin_loaded(const seal_plugin_t *self, const char *name)
{
    return self && name && seal_host_find_plugin(self->host, name) != NULL;
}
