/* SPDX-License-Identifier: Apache-2.0 */
/* hello: the smallest useful seald plugin, built out of tree against the
 * installed headers (pkg-config seal). It reads one setting and serves
 * GET /hello/v1/greeting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seal/seal.h>

typedef struct hello {
    char body[256];
    size_t len;
} hello_t;

static seal_status_t greet(seal_request_t *req, void *user)
{
    const hello_t *h = user;
    return seal_response_send(req, 200, "application/json", h->body, h->len);
}

static seal_status_t hello_init(seal_plugin_t *self)
{
    const char *greeting;
    /* Every key of the plugin's block must be read, or seald refuses it as
     * unknown: that is how typos are caught. */
    if (seal_conf_string(seal_plugin_conf(self), "greeting", "hello", &greeting) != SEAL_OK)
        return SEAL_E_CONFIG;
    if (strlen(greeting) > 200 || strpbrk(greeting, "\"\\"))
        return seal_conf_error(self, seal_conf_get(seal_plugin_conf(self), "greeting"),
                               "at most 200 characters, without quotes or backslashes");

    hello_t *h = calloc(1, sizeof *h);
    if (!h) return SEAL_E_NOMEM;
    h->len = (size_t)snprintf(h->body, sizeof h->body, "{\"greeting\":\"%s\"}", greeting);

    seal_service_def_t svc = { sizeof svc, "hello", "hello example", NULL };
    seal_status_t st = seal_service_register(self, &svc);
    if (st != SEAL_OK) { free(h); return st; }
    /* The host owns h from here on and frees it with free() at shutdown. */
    seal_route_def_t route = {
        sizeof route, "GET", "/hello/v1/greeting", "hello", SEAL_ROUTE_F_PUBLIC,
        greet, h, free
    };
    return seal_route_register(self, &route);
}

static const seal_plugin_desc_t desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "hello",
    .version = "1.0.0",
    .description = "example plugin: GET /hello/v1/greeting",
    .init = hello_init,
};

SEAL_PLUGIN_EXPORT(desc)
