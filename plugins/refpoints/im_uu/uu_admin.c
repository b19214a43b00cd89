/* SPDX-License-Identifier: Apache-2.0 */
/* The administration endpoint of the identity management server, for
 * sealctl (tools/sealctl): operators add, list and disable users and
 * clients and rotate the signing key here; no one edits the database.
 *
 *   POST /admin/v1/users                      add a user    -> 201 user
 *   GET  /admin/v1/users                      list users    -> 200 [user]
 *   POST /admin/v1/users/{userId}/disable     disable       -> 204
 *   POST /admin/v1/clients                    register      -> 201 client (+ secret, once)
 *   GET  /admin/v1/clients                    list clients  -> 200 [client]
 *   POST /admin/v1/clients/{clientId}/disable disable       -> 204
 *   POST /admin/v1/keys/rotate                rotate        -> 200 {kid, previous_kid}
 *
 * The routes are public for the authorization hook (a bearer token must
 * never be enough to administer the server); each handler asks lib/access
 * (access_operator): the caller must be an operator, a verified client
 * certificate that seald.conf "principals" maps (subject and issuer) to a
 * principal with role operator, else 403 ProblemDetails
 * (doc/authorization.md "Administration"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "access/access.h"
#include "im_uu.h"

#define BASE "/admin/v1"

static int admin_ok(uu_ctx_t *u, seal_request_t *req)
{
    return access_operator(u->self, req);
}

static int json_body(seal_request_t *req, const char **body, size_t *len)
{
    const char *ct = seal_request_header(req, "Content-Type");
    size_t n = ct ? strcspn(ct, ";") : 0;
    while (n > 0 && ct[n - 1] == ' ')
        n--;
    if (!ct || n != 16 || strncasecmp(ct, "application/json", 16) != 0) {
        seal_response_problem(req, 415, NULL, "Content-Type must be application/json", NULL, 0);
        return -1;
    }
    *body = seal_request_body(req, len);
    return 0;
}

/* An admin operation's status as HTTP. */
static seal_status_t reply(seal_request_t *req, seal_status_t st, unsigned ok_status,
                           char *json, size_t len, const seal_im_error_t *err, const char *what)
{
    seal_status_t r;
    if (st == SEAL_OK && json) {
        seal_response_header(req, "Cache-Control", "no-store");
        r = seal_response_send(req, ok_status, "application/json", json, len);
    } else if (st == SEAL_OK) {
        r = seal_response_send(req, 204, NULL, NULL, 0);
    } else if (st == SEAL_E_INVAL) {
        r = seal_response_problem(req, 400, "INVALID_MSG_FORMAT",
                                  err && err->description[0] ? err->description : what, NULL, 0);
    } else if (st == SEAL_E_EXISTS) {
        r = seal_response_problem(req, 409, "RESOURCE_EXISTS",
                                  err && err->description[0] ? err->description : what, NULL, 0);
    } else if (st == SEAL_E_NOTFOUND) {
        r = seal_response_problem(req, 404, "RESOURCE_NOT_FOUND", what, NULL, 0);
    } else if (st == SEAL_E_AGAIN) {
        seal_response_header(req, "Retry-After", "5");   /* busy store or full disk */
        r = seal_response_problem(req, 503, NULL, "busy, try again", NULL, 0);
    } else {
        r = seal_response_problem(req, 500, NULL, seal_strerror(st), NULL, 0);
    }
    if (json) {
        memset(json, 0, len);   /* a new client's secret */
        seal_free(json);
    }
    return r;
}

/* Users and clients are administered alike: add, list, disable. */
typedef seal_status_t (*add_fn)(void *user, const char *json, size_t len, char **out,
                                size_t *out_len, seal_im_error_t *err);
/* list, and key rotation: no input, a JSON answer */
typedef seal_status_t (*out_fn)(void *user, char **out, size_t *out_len);
typedef seal_status_t (*disable_fn)(void *user, const char *id);

static seal_status_t op_add(uu_ctx_t *u, seal_request_t *req, add_fn add, const char *what)
{
    const char *body;
    size_t len;
    if (!admin_ok(u, req) || json_body(req, &body, &len) != 0)
        return SEAL_OK;
    char *out = NULL;
    size_t out_len = 0;
    seal_im_error_t err = {0};
    seal_status_t st = add(u->im_user, body, len, &out, &out_len, &err);
    if (st == SEAL_E_INVAL && err.http_status == 409)
        st = SEAL_E_EXISTS;
    return reply(req, st, 201, out, out_len, &err, what);
}

static seal_status_t op_out(uu_ctx_t *u, seal_request_t *req, out_fn fn, const char *what)
{
    if (!admin_ok(u, req))
        return SEAL_OK;
    char *out = NULL;
    size_t len = 0;
    seal_status_t st = fn(u->im_user, &out, &len);
    return reply(req, st, 200, out, len, NULL, what);
}

static seal_status_t op_disable(uu_ctx_t *u, seal_request_t *req, disable_fn disable,
                                const char *param, const char *what)
{
    if (!admin_ok(u, req))
        return SEAL_OK;
    seal_status_t st = disable(u->im_user, seal_request_path_param(req, param));
    return reply(req, st, 204, NULL, 0, NULL, what);
}

static seal_status_t h_user_add(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    return op_add(u, req, u->im->user_add, "the user cannot be added");
}

static seal_status_t h_user_list(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    return op_out(u, req, u->im->user_list, "users");
}

static seal_status_t h_user_disable(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    return op_disable(u, req, u->im->user_disable, "userId", "no such user");
}

static seal_status_t h_client_add(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    return op_add(u, req, u->im->client_add, "the client cannot be registered");
}

static seal_status_t h_client_list(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    return op_out(u, req, u->im->client_list, "clients");
}

static seal_status_t h_client_disable(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    return op_disable(u, req, u->im->client_disable, "clientId", "no such client");
}

static seal_status_t h_key_rotate(seal_request_t *req, void *user)
{
    uu_ctx_t *u = user;
    return op_out(u, req, u->im->key_rotate, "key rotation");
}

seal_status_t uu_admin_routes(uu_ctx_t *u)
{
    static const struct {
        const char *method, *path;
        seal_handler_fn fn;
    } r[] = {
        { "POST", BASE "/users", h_user_add },
        { "GET", BASE "/users", h_user_list },
        { "POST", BASE "/users/{userId}/disable", h_user_disable },
        { "POST", BASE "/clients", h_client_add },
        { "GET", BASE "/clients", h_client_list },
        { "POST", BASE "/clients/{clientId}/disable", h_client_disable },
        { "POST", BASE "/keys/rotate", h_key_rotate },
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        seal_route_def_t def = {
            .struct_size = sizeof def, .method = r[i].method, .path = r[i].path,
            .service = "im", .flags = SEAL_ROUTE_F_PUBLIC, .handler = r[i].fn, .user = u,
        };
        seal_status_t st = seal_route_register(u->self, &def);
        if (st != SEAL_OK) {
            seal_log(u->self, SEAL_LOG_ERR, "cannot register %s %s: %s", r[i].method,
                     r[i].path, seal_strerror(st));
            return st;
        }
    }
    return SEAL_OK;
}
