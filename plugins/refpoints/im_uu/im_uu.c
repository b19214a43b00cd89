/* SPDX-License-Identifier: Apache-2.0 */
/* The IM-UU reference point (TS 23.434 clause 12, TS 33.434 5.2, TS 24.547
 * clause 6.2): the OpenID Connect provider endpoints of the SEAL identity
 * management server, and its administration endpoint for sealctl. This
 * file is the plugin shell: configuration, routes, the im interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "im_uu.h"

static seal_status_t im_uu_init(seal_plugin_t *self)
{
    uu_ctx_t *u = calloc(1, sizeof *u);
    if (!u)
        return SEAL_E_NOMEM;
    u->self = self;
    seal_plugin_set_data(self, u);
    const seal_conf_t *gone = seal_conf_get(seal_plugin_conf(self), "admin_dns");
    if (gone)
        return seal_conf_error(self, gone, "admin_dns is no longer read: list the "
                               "administrator's client certificate in seald.conf "
                               "\"principals\" with role operator (doc/authorization.md)");
    seal_status_t st;
    if (!seal_plugin_loaded(self, "im") || !seal_service_exists(self, "im")) {
        seal_log(self, SEAL_LOG_ERR, "needs the im plugin in this seald");
        return SEAL_E_CONFIG;
    }
    if ((st = uu_oauth_routes(u)) != SEAL_OK || (st = uu_admin_routes(u)) != SEAL_OK)
        return st;
    return SEAL_OK;
}

static seal_status_t im_uu_start(seal_plugin_t *self)
{
    uu_ctx_t *u = seal_plugin_data(self);
    u->im = seal_iface_get(self, SEAL_IM_IFACE_V1, &u->im_user);
    if (!u->im || u->im->struct_size < sizeof(seal_im_v1_t)) {
        seal_log(self, SEAL_LOG_ERR, "interface %s is not provided", SEAL_IM_IFACE_V1);
        return SEAL_E_NOTFOUND;
    }
    const char *iss = u->im->issuer(u->im_user);
    size_t n = strlen(iss) + 32;
    if (!(u->basic_challenge = malloc(n)) || !(u->bearer_realm = malloc(n)))
        return SEAL_E_NOMEM;
    /* The issuer URL has no quote or backslash (im checks it). */
    snprintf(u->basic_challenge, n, "Basic realm=\"%s\"", iss);
    snprintf(u->bearer_realm, n, "Bearer realm=\"%s\"", iss);
    return uu_discovery_make(u);
}

static void im_uu_fini(seal_plugin_t *self)
{
    uu_ctx_t *u = seal_plugin_data(self);
    if (!u)
        return;
    free(u->discovery);
    free(u->basic_challenge);
    free(u->bearer_realm);
    free(u);
    seal_plugin_set_data(self, NULL);
}

/* Initialised after these when they are loaded: im_uu resolves seal.im.v1. */
static const char *const plugin_after[] = { "im", NULL };

static const seal_plugin_desc_t im_uu_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "im_uu",
    .version = "0.1.0",
    .description = "IM-UU reference point: OpenID Connect provider endpoints",
    .init = im_uu_init,
    .start = im_uu_start,
    .fini = im_uu_fini,
    .after = plugin_after,
};

SEAL_PLUGIN_EXPORT(im_uu_desc)
