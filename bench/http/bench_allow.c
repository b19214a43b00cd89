/* SPDX-License-Identifier: Apache-2.0 */
/* bench/http/bench_allow.c: a plugin for bench/http/run.sh only. It
 * approves every request in seal.http.authorize, because wrk can present no
 * client certificate; a deployment authorizes with mutual TLS or tokens.
 * Built by run.sh against the build tree's libseal; never installed. */
#include <seal/seal.h>

static seal_status_t allow(void *args, void *user)
{
    (void)user;
    return seal_request_set_principal(args, "bench");
}

static seal_status_t init(seal_plugin_t *self)
{
    return seal_hook_register(self, SEAL_HOOK_HTTP_AUTHORIZE, SEAL_HOOK_LAST, allow, NULL, NULL);
}

static const seal_plugin_desc_t desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "bench_allow",
    .version = "0",
    .description = "benchmark only: approves every request",
    .init = init,
};

SEAL_PLUGIN_EXPORT(desc)
