/* SPDX-License-Identifier: Apache-2.0 */
/* bench/http/bench_allow.c: a plugin for bench/http/run.sh only, never
 * installed. It approves every request in seal.http.authorize (wrk can
 * present no client certificate; a deployment authorizes with mutual TLS or
 * tokens) as the VAL server "bench", marked the way authz_jwt marks a client
 * credentials token, with role group_admin (lib/access: it may read every
 * group, so bench/idm's baseline reads the group its token's VAL server
 * made, through the same ownership check), and serves GET /bench/doc with fixed bytes read at init
 * ("body_file", "content_type", "etag" in its config block), so the bench can
 * tell the HTTP front's own cost from the gm handler's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seal/seal.h>

typedef struct doc {
    char *body;
    size_t len;
    char *ctype, *etag;
} doc_t;

static seal_status_t allow(void *args, void *user)
{
    seal_status_t st = seal_request_set_principal(args, "bench");
    (void)user;
    if (st == SEAL_OK)
        st = seal_request_set_attr(args, "auth", "token");
    if (st == SEAL_OK)
        st = seal_request_set_attr(args, "client_id", "bench");
    return st == SEAL_OK ? seal_request_set_attr(args, "roles", "group_admin") : st;
}

static seal_status_t get_doc(seal_request_t *req, void *user)
{
    doc_t *d = user;
    if (d->etag)
        seal_response_header(req, "ETag", d->etag);
    return seal_response_send(req, 200, d->ctype, d->body, d->len);
}

static void doc_free(void *user)
{
    doc_t *d = user;
    free(d->body);
    free(d->ctype);
    free(d->etag);
    free(d);
}

static seal_status_t init(seal_plugin_t *self)
{
    const seal_conf_t *conf = seal_plugin_conf(self);
    const char *file, *ctype, *etag;
    if (seal_conf_string(conf, "body_file", NULL, &file) ||
        seal_conf_string(conf, "content_type", "application/json", &ctype) ||
        seal_conf_string(conf, "etag", NULL, &etag))
        return SEAL_E_CONFIG;
    seal_status_t st = seal_hook_register(self, SEAL_HOOK_HTTP_AUTHORIZE, SEAL_HOOK_LAST, allow,
                                          NULL, NULL);
    if (st != SEAL_OK || !file)
        return st;
    doc_t *d = calloc(1, sizeof *d);
    FILE *f = fopen(file, "rb");
    if (!d || !f) {
        if (f)
            fclose(f);
        free(d);
        return seal_conf_error(self, conf, "cannot read %s", file);
    }
    d->body = malloc(1 << 20);
    d->len = d->body ? fread(d->body, 1, 1 << 20, f) : 0;
    fclose(f);
    d->ctype = strdup(ctype);
    d->etag = etag ? strdup(etag) : NULL;
    seal_service_def_t svc = { sizeof svc, "bench", "benchmark", NULL };
    seal_route_def_t r = { sizeof r, "GET", "/bench/doc", "bench", 0, get_doc, d, doc_free };
    if ((st = seal_service_register(self, &svc)) != SEAL_OK)
        doc_free(d);
    else
        st = seal_route_register(self, &r);
    return st;
}

static const seal_plugin_desc_t desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "bench_allow",
    .version = "0",
    .description = "benchmark only: approves every request, serves /bench/doc",
    .init = init,
};

SEAL_PLUGIN_EXPORT(desc)
