/* SPDX-License-Identifier: Apache-2.0 */
/* A plugin built against the frozen ABI 1.0 headers (tests/abi/include-1.0):
 * every later host of major 1 must still load and run it. */
#include <seal/seal.h>

#if SEAL_ABI_MAJOR != 1 || SEAL_ABI_MINOR != 0
#error "oldplugin must be built against the frozen 1.0 headers"
#endif

static seal_status_t ping(seal_request_t *req, void *user)
{
    (void)user;
    return seal_response_send(req, 200, "application/json", "{\"abi\":\"1.0\"}", 13);
}

static seal_status_t old_init(seal_plugin_t *self)
{
    seal_service_def_t svc = { sizeof svc, "old", "ABI 1.0 plugin", NULL };
    seal_route_def_t route = { sizeof route, "GET", "/old/v1/ping", "old",
                               SEAL_ROUTE_F_PUBLIC, ping, NULL, NULL };
    seal_status_t st = seal_service_register(self, &svc);
    return st == SEAL_OK ? seal_route_register(self, &route) : st;
}

static const seal_plugin_desc_t desc = {
    SEAL_PLUGIN_DESC_INIT,
    .name = "oldplugin",
    .version = "1.0.0",
    .description = "built against the frozen ABI 1.0 headers",
    .init = old_init,
};

SEAL_PLUGIN_EXPORT(desc)
