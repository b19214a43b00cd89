/* SPDX-License-Identifier: Apache-2.0 */
/* The SEAL-S reference point (TS 23.434 clause 6.3: VAL server <-> SEAL
 * servers) as TS 29.549 JSON APIs. This file is the plugin shell: it reads
 * the configuration and registers, for each API whose service plugin is
 * loaded, that API's routes (one ss_*.c file per API). */
#include <stdlib.h>
#include <string.h>
#include "seal_s.h"

/* api_root (TS 29.549 clause 6.5): "http[s]://host[:port][/prefix]", used
 * for the Location header and resUri. Without it they are absolute paths. */
static seal_status_t read_api_root(seal_plugin_t *self, ss_ctx_t *ctx)
{
    const seal_conf_t *conf = seal_plugin_conf(self);
    const char *root = NULL;
    seal_status_t st = seal_conf_string(conf, "api_root", NULL, &root);
    if (st != SEAL_OK || !root)
        return st;
    size_t n = strlen(root);
    while (n > 0 && root[n - 1] == '/')
        n--;
    int ok = (strncmp(root, "https://", 8) == 0 && n > 8)
             || (strncmp(root, "http://", 7) == 0 && n > 7);
    for (size_t i = 0; ok && i < n; i++)
        if ((unsigned char)root[i] <= 0x20 || root[i] == 0x7f || strchr("?#\"<>\\", root[i]))
            ok = 0;
    if (!ok)
        return seal_conf_error(self, seal_conf_get(conf, "api_root"),
                               "must be http[s]://host[:port][/prefix] without query, "
                               "fragment or spaces");
    if (!(ctx->api_root = strndup(root, n)))
        return SEAL_E_NOMEM;
    return SEAL_OK;
}

static seal_status_t seal_s_init(seal_plugin_t *self)
{
    ss_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return SEAL_E_NOMEM;
    ctx->self = self;
    seal_plugin_set_data(self, ctx);
    seal_status_t st = read_api_root(self, ctx);
    if (st != SEAL_OK)
        return st;
    if (seal_plugin_loaded(self, "gm")) {
        if ((st = ss_gm_init(ctx)) != SEAL_OK)
            return st;
    } else {
        seal_log(self, SEAL_LOG_INFO, "plugin gm not loaded: SS_GroupManagement not served");
    }
    if (seal_plugin_loaded(self, "km")) {
        if ((st = ss_kir_init(ctx)) != SEAL_OK)
            return st;
    } else {
        seal_log(self, SEAL_LOG_INFO, "plugin km not loaded: SS_KeyInfoRetrieval not served");
    }
    return SEAL_OK;
}

static seal_status_t seal_s_start(seal_plugin_t *self)
{
    ss_ctx_t *ctx = seal_plugin_data(self);
    seal_status_t st;
    if (ctx->gm && (st = ss_gm_start(ctx)) != SEAL_OK)
        return st;
    if (ctx->kir && (st = ss_kir_start(ctx)) != SEAL_OK)
        return st;
    return SEAL_OK;
}

static void seal_s_fini(seal_plugin_t *self)
{
    ss_ctx_t *ctx = seal_plugin_data(self);
    if (!ctx)
        return;
    ss_gm_fini(ctx);
    ss_kir_fini(ctx);
    free(ctx->api_root);
    free(ctx);
    seal_plugin_set_data(self, NULL);
}

/* Initialised after these when they are loaded: seal_s binds the services loaded. */
static const char *const plugin_after[] = { "gm", "km", NULL };

static const seal_plugin_desc_t seal_s_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "seal_s",
    .version = "0.1.0",
    .description = "SEAL-S reference point: TS 29.549 APIs",
    .init = seal_s_init,
    .start = seal_s_start,
    .fini = seal_s_fini,
    .after = plugin_after,
};

SEAL_PLUGIN_EXPORT(seal_s_desc)
