/* SPDX-License-Identifier: Apache-2.0 */
/* The administration endpoint of the key management server, for sealctl
 * (tools/sealctl): operators revoke and restore identities and start a
 * master-key rollover here (TS 33.434 5.3, TS 33.180 5.3); no one edits the
 * database.
 *
 *   GET    /admin/v1/km/revocations/{identity}  -> 200 {"identity", "revoked"}
 *   PUT    /admin/v1/km/revocations/{identity}  revoke   -> 204 (idempotent)
 *   DELETE /admin/v1/km/revocations/{identity}  restore  -> 204 (idempotent)
 *   GET    /admin/v1/km/rollover                -> 200 the rollover state
 *   POST   /admin/v1/km/rollover                rollover -> 200 the new state;
 *                                               409 while an overlap runs
 *
 * {identity} is the identity URI, percent-encoded. As for im_uu's admin
 * endpoint, the routes are public for the authorization hook (a bearer
 * token is never enough to administer the KMS); each handler asks
 * lib/access (access_operator): only a verified client certificate that
 * seald.conf "principals" maps to a principal with role operator
 * administers, else 403 (doc/authorization.md "Administration"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "access/access.h"
#include "ident/ident.h"
#include "kmu_admin.h"

#define BASE "/admin/v1/km"

static int admin_ok(kmu_admin_t *a, seal_request_t *req)
{
    return access_operator(a->self, req);
}

static seal_status_t send_json(seal_request_t *req, struct json_object *o)
{
    const char *text = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
    seal_status_t st = text ? seal_response_send(req, 200, "application/json", text, strlen(text))
                            : seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    json_object_put(o);
    return st;
}

/* The {identity} of the path, checked as km checks identity URIs
 * (lib/ident). */
static const char *identity_of(seal_request_t *req)
{
    const char *id = seal_request_path_param(req, "identity");
    if (!ident_ok(id, SEAL_KM_URI_MAX)) {
        char why[128];
        snprintf(why, sizeof why, "an identity URI: 1 to %d characters: %s", SEAL_KM_URI_MAX,
                 IDENT_PCHAR_TEXT);
        seal_invalid_param_t p = { "identity", why };
        seal_response_problem(req, 400, "INVALID_MSG_FORMAT", "bad identity", &p, 1);
        return NULL;
    }
    return id;
}

static seal_status_t h_revocation(seal_request_t *req, void *user)
{
    kmu_admin_t *a = user;
    const char *id;
    if (!admin_ok(a, req) || !(id = identity_of(req)))
        return SEAL_OK;
    const char *m = seal_request_method(req);
    seal_status_t st;
    if (strcmp(m, "GET") == 0) {
        int revoked = 0;
        if ((st = a->km->is_revoked(a->km_user, id, &revoked)) != SEAL_OK)
            return seal_response_problem(req, 500, NULL, seal_strerror(st), NULL, 0);
        struct json_object *o = json_object_new_object();
        if (o) {
            json_object_object_add(o, "identity", json_object_new_string(id));
            json_object_object_add(o, "revoked", json_object_new_boolean(revoked));
        }
        return send_json(req, o);
    }
    int revoke = strcmp(m, "PUT") == 0;
    st = revoke ? a->km->revoke(a->km_user, id) : a->km->restore(a->km_user, id);
    if (st != SEAL_OK)
        return seal_response_problem(req, 500, NULL, seal_strerror(st), NULL, 0);
    seal_log(a->self, SEAL_LOG_NOTICE, "identity %s %s by operator %s", id,
             revoke ? "revoked" : "restored", seal_request_principal(req));
    return seal_response_send(req, 204, NULL, NULL, 0);
}

static seal_status_t h_rollover(seal_request_t *req, void *user)
{
    kmu_admin_t *a = user;
    if (!admin_ok(a, req))
        return SEAL_OK;
    seal_status_t st;
    if (strcmp(seal_request_method(req), "POST") == 0) {
        st = a->km->rollover(a->km_user);
        if (st == SEAL_E_AGAIN)
            return seal_response_problem(req, 409, NULL, "a rollover overlap is still running: "
                                         "one previous certificate at a time", NULL, 0);
        if (st != SEAL_OK)
            return seal_response_problem(req, 500, NULL, seal_strerror(st), NULL, 0);
        seal_log(a->self, SEAL_LOG_NOTICE, "master-key rollover started by operator %s",
                 seal_request_principal(req));
    }
    seal_km_rollover_t rs = { .struct_size = sizeof rs };
    if ((st = a->km->rollover_state(a->km_user, &rs)) != SEAL_OK)
        return seal_response_problem(req, 500, NULL, seal_strerror(st), NULL, 0);
    struct json_object *o = json_object_new_object();
    if (o) {
        json_object_object_add(o, "generation", json_object_new_int64(rs.generation));
        json_object_object_add(o, "previousGeneration",
                               json_object_new_int64(rs.previous_generation));
        json_object_object_add(o, "overlapUntil", json_object_new_int64(rs.overlap_until));
        json_object_object_add(o, "nextRollover", json_object_new_int64(rs.next_rollover));
    }
    return send_json(req, o);
}

seal_status_t kmu_admin_conf(kmu_admin_t *a, seal_plugin_t *self, const seal_conf_t *conf)
{
    memset(a, 0, sizeof *a);
    a->self = self;
    const seal_conf_t *gone = seal_conf_get(conf, "admin_dns");
    if (gone)
        return seal_conf_error(self, gone, "admin_dns is no longer read: list the "
                               "administrator's client certificate in seald.conf "
                               "\"principals\" with role operator (doc/authorization.md)");
    return SEAL_OK;
}

seal_status_t kmu_admin_routes(kmu_admin_t *a)
{
    static const struct {
        const char *method, *path;
        seal_handler_fn fn;
    } r[] = {
        { "GET", BASE "/revocations/{identity}", h_revocation },
        { "PUT", BASE "/revocations/{identity}", h_revocation },
        { "DELETE", BASE "/revocations/{identity}", h_revocation },
        { "GET", BASE "/rollover", h_rollover },
        { "POST", BASE "/rollover", h_rollover },
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        seal_route_def_t def = {
            .struct_size = sizeof def, .method = r[i].method, .path = r[i].path,
            .service = "km", .flags = SEAL_ROUTE_F_PUBLIC, .handler = r[i].fn, .user = a,
        };
        seal_status_t st = seal_route_register(a->self, &def);
        if (st != SEAL_OK) {
            seal_log(a->self, SEAL_LOG_ERR, "cannot register %s %s: %s", r[i].method,
                     r[i].path, seal_strerror(st));
            return st;
        }
    }
    return SEAL_OK;
}
