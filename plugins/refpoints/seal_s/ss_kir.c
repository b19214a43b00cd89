/* SPDX-License-Identifier: Apache-2.0 */
/* TS 29.549 clause 5.7 / 7.6: SS_KeyInfoRetrieval API (Rel-18,
 * TS29549_SS_KeyInfoRetrieval.yaml 1.1.1), {apiRoot}/ss-kir/v1, served
 * through the key management service's "seal.km.v1" interface (KM-S).
 *
 *   GET /key-records?val-service-id=<id>[&val-tgt-ue=<ValTargetUe>]
 *       RetrieveKeyMgmtInfo -> 200 ValKeyInfo
 *
 * Callers: VAL servers (lib/access), i.e. a client_credentials token with
 * scope seal.km (the route's service is "km"), or a verified client
 * certificate that seald.conf "principals" maps to a principal with role
 * val_server and scope seal.km. Anyone else is refused (403).
 *
 * val-tgt-ue (ValTargetUe: exactly one of valUserId / valUeId) is taken as
 * JSON text (?val-tgt-ue={"valUserId":"..."}) or form-exploded
 * (?valUserId=...), the OpenAPI 3.0 default (style form, explode true); both at
 * once is refused. Without a target the record is the caller's own (its
 * first identity in km's configuration).
 *
 * keyInfo (opaque in TS 29.549) carries, as JSON text, what a VAL server
 * needs to exchange MIKEY-SAKKE with the target, and nothing secret: the
 * KMS certificate (kmsUri, certUri, userIdFormat, userKeyPeriod,
 * userKeyOffset, pubEncKey Z, pubAuthKey KPAK, parameterSet, validFrom,
 * validTo), the target's key periods with their TS 33.180 F.2.1 UIDs
 * (current and next: keyPeriodNo, validFrom, validTo, userId), whether the
 * identity is revoked, and during a master-key rollover overlap the
 * previous certificate. Key material (SSK, RSK) goes only over KM-UU, to
 * the identity's owner. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <seal/services/km.h>
#include "access/access.h"
#include "seal_s.h"

#define PATH "/ss-kir/v1/key-records"
#define ID_MAX 1024

typedef struct ss_kir {
    ss_ctx_t *ctx;
    const seal_km_v1_t *km;
    void *km_user;
} ss_kir_t;

static const char *hexs(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

static const char *when(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        memset(&tm, 0, sizeof tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

static int add(struct json_object *o, const char *k, struct json_object *v)
{
    if (!v || json_object_object_add(o, k, v) != 0) {
        json_object_put(v);
        return -1;
    }
    return 0;
}

static int add_s(struct json_object *o, const char *k, const char *s)
{
    return add(o, k, json_object_new_string(s));
}

static struct json_object *cert_json(const seal_km_cert_t *c)
{
    char z[2 * SEAL_KM_Z_LEN + 1], kpak[2 * SEAL_KM_KPAK_LEN + 1], t[32];
    struct json_object *o = json_object_new_object();
    if (!o || add_s(o, "kmsUri", c->kms_uri) || add_s(o, "certUri", c->cert_uri)
        || add(o, "userIdFormat", json_object_new_int64(c->user_id_format))
        || add(o, "userKeyPeriod", json_object_new_uint64(c->user_key_period))
        || add(o, "userKeyOffset", json_object_new_uint64(c->user_key_offset))
        || add_s(o, "pubEncKey", hexs(c->pub_enc_key, SEAL_KM_Z_LEN, z))
        || add_s(o, "pubAuthKey", hexs(c->pub_auth_key, SEAL_KM_KPAK_LEN, kpak))
        || add(o, "parameterSet", json_object_new_int64(c->parameter_set))
        || add_s(o, "validFrom", when(c->valid_from, t))
        || (c->valid_to && add_s(o, "validTo", when(c->valid_to, t)))) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* One key period of identity under certificate which. */
static struct json_object *period_json(ss_kir_t *k, int which, const seal_km_cert_t *c,
                                       const char *identity, uint64_t no)
{
    uint8_t uid[SEAL_KM_UID_LEN];
    char hex[2 * SEAL_KM_UID_LEN + 1], t[32];
    if (k->km->uid(k->km_user, which, identity, no, uid) != SEAL_OK)
        return NULL;
    int64_t from = (int64_t)(no * c->user_key_period + c->user_key_offset)
                   - SEAL_KM_NTP_UNIX_OFFSET;
    struct json_object *o = json_object_new_object();
    if (!o || add(o, "keyPeriodNo", json_object_new_uint64(no))
        || add_s(o, "validFrom", when(from, t))
        || add_s(o, "validTo", when(from + (int64_t)c->user_key_period, t))
        || add_s(o, "userId", hexs(uid, sizeof uid, hex))) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* The keyInfo object for identity under certificate which. */
static struct json_object *key_info(ss_kir_t *k, int which, const seal_km_cert_t *c,
                                    const char *identity)
{
    uint64_t now = 0;
    struct json_object *o = cert_json(c), *periods = json_object_new_array();
    if (!o || !periods
        || k->km->period_at(k->km_user, which, (int64_t)time(NULL), &now) != SEAL_OK)
        goto fail;
    for (uint64_t no = now; no <= now + 1; no++) {
        struct json_object *p = period_json(k, which, c, identity, no);
        if (!p || json_object_array_add(periods, p) != 0) {
            json_object_put(p);
            goto fail;
        }
    }
    if (add(o, "keyPeriods", periods) == 0)
        return o;
    periods = NULL;
fail:
    json_object_put(periods);
    json_object_put(o);
    return NULL;
}

/* ---- request pieces ---- */

static int id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* The single value of query parameter name (NULL if absent); 400 answered
 * and -1 when it is repeated. */
static int query_once(seal_request_t *req, const char *name, const char **out)
{
    const char *v, *k;
    *out = NULL;
    for (size_t i = 0; (k = seal_request_query_at(req, i, &v)); i++) {
        if (strcmp(k, name) != 0)
            continue;
        if (*out) {
            ss_reply_bad_param(req, name, "repeated", "a query parameter is repeated");
            return -1;
        }
        *out = v ? v : "";
    }
    return 0;
}

/* The target from val-tgt-ue (JSON) or valUserId / valUeId (form): sets
 * *key ("valUserId"/"valUeId") and *id (a malloc'd copy). 0 when there is
 * none, 1 when found, -1 when answered (400). */
static int target_of(seal_request_t *req, const char **key, char **id)
{
    const char *json, *uid, *ueid;
    *id = NULL;
    if (query_once(req, "val-tgt-ue", &json) || query_once(req, "valUserId", &uid)
        || query_once(req, "valUeId", &ueid))
        return -1;
    int forms = (json != NULL) + (uid != NULL || ueid != NULL);
    if (forms == 0)
        return 0;
    if (forms > 1 || (uid && ueid)) {
        ss_reply_bad_param(req, "val-tgt-ue", "exactly one of valUserId or valUeId",
                           "the VAL target is given twice");
        return -1;
    }
    const char *v = uid ? uid : ueid;
    *key = uid ? "valUserId" : "valUeId";
    struct json_object *o = NULL;
    if (json) {
        char why[96];
        o = ss_parse(json, strlen(json), 4, why, sizeof why);
        struct json_object *a = NULL, *b = NULL;
        int has_a = json_object_is_type(o, json_type_object)
                    && json_object_object_get_ex(o, "valUserId", &a);
        int has_b = json_object_is_type(o, json_type_object)
                    && json_object_object_get_ex(o, "valUeId", &b);
        struct json_object *one = has_a ? a : b;
        if (!json_object_is_type(o, json_type_object) || has_a == has_b
            || !json_object_is_type(one, json_type_string)) {
            json_object_put(o);
            ss_reply_bad_param(req, "val-tgt-ue", "a ValTargetUe: {\"valUserId\": string} or "
                               "{\"valUeId\": string}", "val-tgt-ue is not a ValTargetUe");
            return -1;
        }
        *key = has_a ? "valUserId" : "valUeId";
        v = json_object_get_string(one);
    }
    if (!id_ok(v)) {
        json_object_put(o);
        ss_reply_bad_param(req, json ? "val-tgt-ue" : *key,
                           "a non-empty identifier without control characters",
                           "the VAL target is not acceptable");
        return -1;
    }
    if (!(*id = strdup(v))) {
        json_object_put(o);
        seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
        return -1;
    }
    json_object_put(o);
    return 1;
}

/* ---- the operation ---- */

static seal_status_t kir_get(seal_request_t *req, void *user)
{
    ss_kir_t *k = user;
    access_caller_t who;
    access_caller(req, &who);
    if (who.kind != ACCESS_VAL_SERVER)
        return seal_response_problem(req, 403, "OPERATION_PROHIBITED",
                                     "key information is served to VAL servers (a "
                                     "client_credentials token, or a client certificate "
                                     "with role val_server)", NULL, 0);
    const char *svc;
    if (query_once(req, "val-service-id", &svc))
        return SEAL_OK;
    if (!svc)
        return ss_reply_bad_param(req, "val-service-id", "required",
                                  "val-service-id is missing");
    if (!id_ok(svc))
        return ss_reply_bad_param(req, "val-service-id",
                                  "a non-empty string without control characters",
                                  "val-service-id is not acceptable");
    const char *tkey = NULL;
    char *target = NULL, *identity = NULL;
    int t = target_of(req, &tkey, &target);
    if (t < 0)
        return SEAL_OK;
    if (t > 0) {
        identity = target;
    } else {
        /* The caller's own record: its first configured identity. */
        seal_km_caller_t c;
        access_km_caller(&who, &c);
        char *list = NULL;
        size_t len = 0;
        if (k->km->identities(k->km_user, &c, &list, &len) != SEAL_OK)
            return seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
        size_t n = strcspn(list, " ");
        identity = n ? strndup(list, n) : NULL;
        seal_free(list);
        if (!identity)
            return seal_response_problem(req, 404, "RESOURCE_NOT_FOUND",
                                         "no val-tgt-ue and no identity configured for the "
                                         "caller", NULL, 0);
    }
    seal_status_t st;
    struct json_object *out = NULL, *info = NULL;
    char *info_text = NULL;
    if (strlen(identity) > SEAL_KM_URI_MAX || strpbrk(identity, " \t")) {
        st = ss_reply_bad_param(req, "val-tgt-ue", "at most 255 characters, without spaces",
                                "the VAL target cannot be a key management identity");
        goto out;
    }
    seal_km_cert_t cur = { .struct_size = sizeof cur }, prev = { .struct_size = sizeof prev };
    int revoked = 0;
    if ((st = k->km->cert(k->km_user, SEAL_KM_CURRENT, &cur)) != SEAL_OK
        || (st = k->km->is_revoked(k->km_user, identity, &revoked)) != SEAL_OK) {
        st = ss_reply_status(req, st, "the key management service failed");
        goto out;
    }
    info = key_info(k, SEAL_KM_CURRENT, &cur, identity);
    if (info && k->km->cert(k->km_user, SEAL_KM_PREVIOUS, &prev) == SEAL_OK) {
        struct json_object *p = key_info(k, SEAL_KM_PREVIOUS, &prev, identity);
        if (!p || add(info, "previousCertificate", p)) {
            json_object_put(info);
            info = NULL;
        }
    }
    if (!info || add(info, "revoked", json_object_new_boolean(revoked))
        || !(info_text = ss_text(info, NULL))) {
        st = seal_response_problem(req, 500, NULL, "cannot build keyInfo", NULL, 0);
        goto out;
    }
    out = json_object_new_object();
    struct json_object *tgt = NULL;
    if (t > 0 && (!(tgt = json_object_new_object()) || add_s(tgt, tkey, target))) {
        json_object_put(tgt);
        tgt = NULL;
        json_object_put(out);
        out = NULL;
    }
    if (!out || add_s(out, "userUri", identity) || add_s(out, "skmsId", cur.kms_uri)
        || add_s(out, "valService", svc) || (tgt && add(out, "valTgtUe", tgt))
        || add_s(out, "keyInfo", info_text)) {
        st = seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
        goto out;
    }
    st = ss_reply_json(req, 200, out);
out:
    json_object_put(out);
    json_object_put(info);
    free(info_text);
    free(identity);
    return st;
}

seal_status_t ss_kir_init(ss_ctx_t *ctx)
{
    ss_kir_t *k = calloc(1, sizeof *k);
    if (!k)
        return SEAL_E_NOMEM;
    k->ctx = ctx;
    ctx->kir = k;
    seal_route_def_t r = {
        .struct_size = sizeof r,
        .method = "GET",
        .path = PATH,
        .service = "km",
        .handler = kir_get,
        .user = k,
    };
    seal_status_t st = seal_route_register(ctx->self, &r);
    if (st != SEAL_OK)
        seal_log(ctx->self, SEAL_LOG_ERR, "cannot register GET %s: %s", PATH,
                 seal_strerror(st));
    return st;
}

seal_status_t ss_kir_start(ss_ctx_t *ctx)
{
    ss_kir_t *k = ctx->kir;
    k->km = seal_iface_get(ctx->self, SEAL_KM_IFACE_V1, &k->km_user);
    if (!k->km || k->km->struct_size < sizeof(seal_km_v1_t)) {
        seal_log(ctx->self, SEAL_LOG_ERR, "%s is not provided (or too old)", SEAL_KM_IFACE_V1);
        return SEAL_E_NOTFOUND;
    }
    return SEAL_OK;
}

void ss_kir_fini(ss_ctx_t *ctx)
{
    free(ctx->kir);
    ctx->kir = NULL;
}
