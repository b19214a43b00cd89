/* SPDX-License-Identifier: Apache-2.0 */
/* GM-UU, group key delivery to members (TS 33.180 5.7.1: the GMS sends
 * each member the GMK in a MIKEY-SAKKE I_MESSAGE; TS 33.434 carries group
 * management between the GMS and the VAL UE over HTTPS with an access
 * token scoped for group management). The routes (doc/gm-uu.md):
 *   GET    /gm-uu/v1/gmk-messages[?valUserId=&valGroupId=&limit=]
 *   DELETE /gm-uu/v1/gmk-messages/{msgId}
 * belong to service "gm" (scope seal.gm). Callers are VAL users
 * (lib/access, doc/authorization.md "GM-UU"): their identities come from
 * their token (attribute val_user_ids, else the principal); a caller sees
 * and acknowledges only the messages addressed to them. A VAL server, an
 * operator or any certificate has no identity here (403). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <seal/seal.h>
#include <seal/services/gm.h>
#include "access/access.h"
#include "gmuu_parse.h"

#define MAX_QUERY 16

typedef struct gmuu {
    seal_plugin_t *self;
    const seal_gm_v1_t *gm;
    void *gm_user;
} gmuu_t;

static seal_status_t store_problem(seal_request_t *req, seal_status_t st)
{
    if (st == SEAL_E_UNSUPPORTED)
        return seal_response_problem(req, 501, NULL, "group master keys are not enabled on "
                                     "this GMS (gm has no \"gmk\" block)", NULL, 0);
    if (st == SEAL_E_AGAIN || st == SEAL_E_TIMEOUT) {
        seal_response_header(req, "Retry-After", "5");   /* busy store or full disk */
        return seal_response_problem(req, 503, NULL, "the store is busy; try again", NULL, 0);
    }
    return seal_response_problem(req, 500, NULL, "internal error", NULL, 0);
}

/* A VAL user's identities; none for anyone else (a VAL server names no
 * member, and a certificate is never a VAL user). */
static void caller_ids(const seal_request_t *req, gmuu_ids_t *ids)
{
    access_caller_t c;
    access_caller(req, &c);
    if (c.kind == ACCESS_VAL_USER)
        gmuu_identities(c.val_user_ids, c.name, ids);
    else
        ids->n = 0;
}

static seal_status_t no_identity(seal_request_t *req)
{
    return seal_response_problem(req, 403, NULL, "the access token names no VAL user identity "
                                 "(val_user_ids) to deliver group keys to", NULL, 0);
}

/* ---- GET /gm-uu/v1/gmk-messages ---- */

typedef struct list_ctx {
    struct json_object *arr;
    size_t left;
    int oom;
} list_ctx_t;

/* Only the documented members of a message leave the service. */
static const char *const FIELDS[] = { "id", "groupDocId", "valGroupId", "valUserId",
                                      "generation", "created", "activationTime", "expiryTime",
                                      "keyPeriodNo", "iMessage" };

static int visit(const char *msg_id, const char *json, size_t len, uint64_t gen, void *p)
{
    list_ctx_t *c = p;
    (void)msg_id; (void)gen;
    if (c->left == 0)
        return 1;
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = tok ? json_tokener_parse_ex(tok, json, (int)len) : NULL, *v;
    json_tokener_free(tok);
    struct json_object *out = o ? json_object_new_object() : NULL;
    if (!out) {
        json_object_put(o);
        c->oom = 1;
        return 1;
    }
    for (size_t i = 0; i < sizeof FIELDS / sizeof *FIELDS; i++)
        if (json_object_object_get_ex(o, FIELDS[i], &v))
            json_object_object_add(out, FIELDS[i], json_object_get(v));
    json_object_put(o);
    if (json_object_array_add(c->arr, out) != 0) {
        json_object_put(out);
        c->oom = 1;
        return 1;
    }
    c->left--;
    return 0;
}

static seal_status_t h_list(seal_request_t *req, void *user)
{
    gmuu_t *u = user;
    const char *names[MAX_QUERY], *values[MAX_QUERY], *val;
    size_t n = 0;
    for (const char *k; (k = seal_request_query_at(req, n, &val)) != NULL; n++) {
        if (n == MAX_QUERY)
            return seal_response_problem(req, 400, NULL, "too many query parameters", NULL, 0);
        names[n] = k;
        values[n] = val;
    }
    gmuu_query_t q;
    const char *bad, *why;
    if (gmuu_query(names, values, n, &q, &bad, &why) != 0) {
        seal_invalid_param_t ip = { bad, why };
        return seal_response_problem(req, 400, NULL, "invalid query", &ip, 1);
    }
    gmuu_ids_t *ids = malloc(sizeof *ids);
    if (!ids)
        return SEAL_E_NOMEM;
    caller_ids(req, ids);
    seal_status_t st;
    if (ids->n == 0) {
        st = no_identity(req);
        free(ids);
        return st;
    }
    if (q.val_user_id && !gmuu_has_id(ids, q.val_user_id)) {
        free(ids);
        return seal_response_problem(req, 403, NULL, "valUserId is not an identity of the "
                                     "caller's access token", NULL, 0);
    }
    list_ctx_t c = { json_object_new_array(), q.limit, 0 };
    st = c.arr ? SEAL_OK : SEAL_E_NOMEM;
    for (size_t i = 0; i < ids->n && st == SEAL_OK && c.left && !c.oom; i++) {
        if (q.val_user_id && strcmp(q.val_user_id, ids->id[i]) != 0)
            continue;
        st = u->gm->gmk_messages(u->gm_user, ids->id[i], q.val_group_id, visit, &c);
    }
    free(ids);
    if (st == SEAL_OK && c.oom)
        st = SEAL_E_NOMEM;
    if (st != SEAL_OK) {
        json_object_put(c.arr);
        return st == SEAL_E_NOMEM ? st : store_problem(req, st);
    }
    struct json_object *body = json_object_new_object();
    if (!body || json_object_object_add(body, "messages", c.arr) != 0) {
        json_object_put(body);
        json_object_put(c.arr);
        return SEAL_E_NOMEM;
    }
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    seal_response_header(req, "Cache-Control", "no-store");
    st = text ? seal_response_send(req, 200, "application/json", text, len) : SEAL_E_NOMEM;
    json_object_put(body);
    return st;
}

/* ---- DELETE /gm-uu/v1/gmk-messages/{msgId} ---- */

static seal_status_t h_ack(seal_request_t *req, void *user)
{
    gmuu_t *u = user;
    const char *id = seal_request_path_param(req, "msgId");
    if (!gmuu_msg_id_ok(id)) {
        seal_invalid_param_t ip = { "msgId", "not a GMK message id" };
        return seal_response_problem(req, 400, NULL, "invalid message id", &ip, 1);
    }
    gmuu_ids_t *ids = malloc(sizeof *ids);
    if (!ids)
        return SEAL_E_NOMEM;
    caller_ids(req, ids);
    seal_status_t st = SEAL_E_NOTFOUND;
    if (ids->n == 0) {
        st = no_identity(req);
        free(ids);
        return st;
    }
    /* Tried for each identity of the caller: the id names one member's
     * message, so at most one matches. */
    for (size_t i = 0; i < ids->n && st == SEAL_E_NOTFOUND; i++)
        st = u->gm->gmk_ack(u->gm_user, ids->id[i], id);
    free(ids);
    switch (st) {
    case SEAL_OK:
        return seal_response_send(req, 204, NULL, NULL, 0);
    case SEAL_E_INVAL: {
        seal_invalid_param_t ip = { "msgId", "not a GMK message id" };
        return seal_response_problem(req, 400, NULL, "invalid message id", &ip, 1);
    }
    case SEAL_E_NOTFOUND:
        return seal_response_problem(req, 404, NULL, "no such pending message for the caller "
                                     "(acknowledged, superseded by a newer group key, or "
                                     "another member's)", NULL, 0);
    default:
        return store_problem(req, st);
    }
}

/* ---- plugin ---- */

static seal_status_t gmuu_init(seal_plugin_t *self)
{
    gmuu_t *u = calloc(1, sizeof *u);
    if (!u)
        return SEAL_E_NOMEM;
    u->self = self;
    seal_plugin_set_data(self, u);
    if (!seal_plugin_loaded(self, "gm") || !seal_service_exists(self, "gm")) {
        seal_log(self, SEAL_LOG_ERR, "needs the gm plugin in this seald");
        return SEAL_E_CONFIG;
    }
    static const struct { const char *method, *path; seal_handler_fn fn; } routes[] = {
        { "GET", "/gm-uu/v1/gmk-messages", h_list },
        { "DELETE", "/gm-uu/v1/gmk-messages/{msgId}", h_ack },
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        seal_route_def_t r = {
            .struct_size = sizeof r,
            .method = routes[i].method,
            .path = routes[i].path,
            .service = "gm",
            .handler = routes[i].fn,
            .user = u,
        };
        seal_status_t st = seal_route_register(self, &r);
        if (st != SEAL_OK) {
            seal_log(self, SEAL_LOG_ERR, "cannot register %s %s: %s", r.method, r.path,
                     seal_strerror(st));
            return st;
        }
    }
    return SEAL_OK;
}

static seal_status_t gmuu_start(seal_plugin_t *self)
{
    gmuu_t *u = seal_plugin_data(self);
    u->gm = seal_iface_get(self, SEAL_GM_IFACE_V1, &u->gm_user);
    if (!u->gm || u->gm->struct_size < sizeof(seal_gm_v1_t) || !u->gm->gmk_messages ||
        !u->gm->gmk_ack) {
        seal_log(self, SEAL_LOG_ERR, "interface %s without the GMK operations is not enough "
                 "for GM-UU", SEAL_GM_IFACE_V1);
        return SEAL_E_NOTFOUND;
    }
    char *json = NULL;
    if (u->gm->gmk_state(u->gm_user, "-", &json, NULL) == SEAL_E_UNSUPPORTED)
        seal_log(self, SEAL_LOG_WARN, "gm runs without its \"gmk\" block: GM-UU answers 501");
    seal_free(json);
    return SEAL_OK;
}

static void gmuu_fini(seal_plugin_t *self)
{
    free(seal_plugin_data(self));
    seal_plugin_set_data(self, NULL);
}

/* Initialised after these when they are loaded: gm_uu resolves seal.gm.v1. */
static const char *const plugin_after[] = { "gm", NULL };

static const seal_plugin_desc_t gmuu_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "gm_uu",
    .version = "0.1.0",
    .description = "GM-UU: group master key messages for members (TS 33.180 5.7)",
    .init = gmuu_init,
    .start = gmuu_start,
    .fini = gmuu_fini,
    .after = plugin_after,
};

SEAL_PLUGIN_EXPORT(gmuu_desc)
