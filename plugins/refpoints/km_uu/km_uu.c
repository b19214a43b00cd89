/* SPDX-License-Identifier: Apache-2.0 */
/* KM-UU / KM-S (TS 33.434 5.1.1.4, 5.3): the KMS interface of TS 33.180
 * Annex D over HTTPS, served through the key management service's
 * "seal.km.v1" interface.
 *
 *   POST /keymanagement/identity/v1/init                    KmsInit (D.3.2)
 *   POST /keymanagement/identity/v1/keyprov[/<uri>[/<time>]] KmsKeyProv (D.3.3)
 *   POST /keymanagement/identity/v1/certcache[/<n>]          KmsCertCache (D.3.4)
 *
 * The routes belong to service "km" (scope seal.km): the authorization hook
 * admits a Bearer token with that scope, or (http.auth.mtls) the host a
 * verified client certificate that seald.conf "principals" maps to a
 * principal with that scope. The body is empty or a KmsRequest/SignedKmsRequest
 * (kmx_request.c). Answers are KmsResponse XML (application/xml), also for
 * errors (KmsError with the HTTP status as ErrorCode). A caller gets key
 * material only for the identities km's entitlement rule gives it. With
 * per-client keys configured, key material is encrypted under the TrK and
 * answers are signed with the InK (kmx_sec.c). See README. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <seal/seal.h>
#include <seal/services/km.h>
#include "access/access.h"
#include "kmu_admin.h"
#include "kmx.h"

#define BASE "/keymanagement/identity/v1"
#define ID_MAX 128

typedef struct uu_client {
    char *who;                  /* token subject, or a certificate VAL server's DN */
    char trk_id[ID_MAX];
    uint8_t trk[KMX_KEY_LEN];
    int has_trk;
    char ink_id[ID_MAX];
    uint8_t ink[KMX_KEY_LEN];
    int has_ink;
    int require_signed;
} uu_client_t;

typedef struct uu {
    seal_plugin_t *self;
    const seal_km_v1_t *km;
    void *km_user;
    kmx_limits_t lim;
    size_t max_key_sets;
    int check_kms_uri;
    uu_client_t *clients;
    size_t nclients;
    int xmlsec_ready;
    kmu_admin_t admin;          /* /admin/v1/km (kmu_admin.c) */
} uu_t;

/* One request. */
typedef struct call {
    uu_t *u;
    seal_request_t *req;
    seal_km_caller_t caller;
    const uu_client_t *sec;
    kmx_request_t kr;
    char url[1024];             /* ClientReqUrl of the answer */
} call_t;

/* ---- answers ---- */

static seal_status_t send_doc(call_t *c, unsigned status, kmx_resp_t *r)
{
    const uu_client_t *s = c->sec;
    int rc = KMX_OK;
    if (s && s->has_ink)
        rc = kmx_sec_sign(r, s->ink, s->ink_id);
    else if (s && s->has_trk)
        rc = kmx_sec_sign(r, s->trk, s->trk_id);
    xmlChar *text = NULL;
    int len = 0;
    if (rc == KMX_OK)
        rc = kmx_resp_text(r, &text, &len);
    kmx_resp_free(r);
    if (rc != KMX_OK) {
        seal_log(c->u->self, SEAL_LOG_ERR, "cannot render a KMS response: %d", rc);
        return seal_response_problem(c->req, 500, NULL, "cannot render the KMS response",
                                     NULL, 0);
    }
    seal_status_t st = seal_response_send(c->req, status, "application/xml", text,
                                          (size_t)len);
    explicit_bzero(text, (size_t)len);
    xmlFree(text);
    return st;
}

static const char *our_kms_uri(call_t *c, seal_km_cert_t *cert)
{
    memset(cert, 0, sizeof *cert);
    cert->struct_size = sizeof *cert;
    if (c->u->km->cert(c->u->km_user, SEAL_KM_CURRENT, cert) != SEAL_OK)
        return "";
    return cert->kms_uri;
}

static int resp_begin(call_t *c, kmx_resp_t *r, const char *user_uri)
{
    seal_km_cert_t cert;
    const char *kms = our_kms_uri(c, &cert);
    const char *uu = user_uri ? user_uri : c->kr.user_uri ? c->kr.user_uri : "";
    return kmx_resp_new(r, c->sec && (c->sec->has_ink || c->sec->has_trk), uu, kms,
                        (int64_t)time(NULL), c->url);
}

/* A KmsError answer. */
static seal_status_t fail(call_t *c, unsigned status, const char *msg)
{
    kmx_resp_t r;
    if (resp_begin(c, &r, NULL) != KMX_OK || kmx_resp_error(&r, (int)status, msg) != KMX_OK) {
        kmx_resp_free(&r);
        return seal_response_problem(c->req, 500, NULL, "out of memory", NULL, 0);
    }
    return send_doc(c, status, &r);
}

/* The answer for a service status. */
static seal_status_t fail_status(call_t *c, seal_status_t st, const char *identity)
{
    char msg[SEAL_KM_URI_MAX + 96];
    switch (st) {
    case SEAL_E_PERM:
        return fail(c, 403, "key period outside policy: the current and the next period "
                            "only");
    case SEAL_E_STATE:
        snprintf(msg, sizeof msg, "identity %s is revoked", identity ? identity : "");
        return fail(c, 403, msg);
    case SEAL_E_INVAL:
        return fail(c, 400, "not an acceptable identity or time");
    case SEAL_E_AGAIN:
    case SEAL_E_IO:
        seal_response_header(c->req, "Retry-After", "5");   /* busy store or full disk */
        return fail(c, 503, "the key management store is unavailable; retry later");
    default:
        seal_log(c->u->self, SEAL_LOG_ERR, "key management failed: %s", seal_strerror(st));
        return fail(c, 500, "internal error");
    }
}

/* ---- request pieces ---- */

/* RFC 3986 percent-encoding of everything but unreserved characters and
 * '/' (the path's separators). */
static void url_encode_path(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *in && o + 4 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
            || strchr("-._~/", ch)) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}

/* https://<Host><path> when Host looks like a host[:port], else the path. */
static void request_url(call_t *c)
{
    char path[768];
    url_encode_path(seal_request_path(c->req), path, sizeof path);
    const char *host = seal_request_header(c->req, "Host");
    int ok = host && *host && strlen(host) < 200;
    for (const char *p = host; ok && *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]", *p))
            ok = 0;
    if (ok)
        snprintf(c->url, sizeof c->url, "https://%s%s", host, path);
    else
        snprintf(c->url, sizeof c->url, "%s", path);
}

static int media_is_xml(const char *ct)
{
    if (!ct)
        return 0;
    while (*ct == ' ')
        ct++;
    size_t n = strcspn(ct, "; \t");
    return (n == 15 && strncasecmp(ct, "application/xml", 15) == 0)
           || (n == 8 && strncasecmp(ct, "text/xml", 8) == 0);
}

static const uu_client_t *client_of(const uu_t *u, const char *who)
{
    for (size_t i = 0; who && i < u->nclients; i++)
        if (strcmp(u->clients[i].who, who) == 0)
            return &u->clients[i];
    return NULL;
}

/* Who is calling (lib/access): a token's facts, or a certificate VAL
 * server's name and subject DN. */
static void caller_of(call_t *c)
{
    access_caller_t who;
    access_caller(c->req, &who);
    access_km_caller(&who, &c->caller);
}

/* Everything common to the three resources; 0 to go on, 1 when answered
 * (*st is the handler's result). */
static int begin_call(call_t *c, uu_t *u, seal_request_t *req, seal_status_t *st)
{
    memset(c, 0, sizeof *c);
    c->u = u;
    c->req = req;
    caller_of(c);
    /* Per-caller keys: by token subject, or (as km "certs") by the subject
     * DN of a certificate VAL server. */
    c->sec = client_of(u, c->caller.cert_dn ? c->caller.cert_dn : c->caller.principal);
    request_url(c);
    size_t len = 0;
    const char *body = seal_request_body(req, &len);
    if (!body)
        body = "";
    size_t lead = 0;
    while (lead < len && strchr(" \t\r\n", body[lead]))
        lead++;
    if (lead < len && len <= u->lim.max_bytes
        && !media_is_xml(seal_request_header(req, "Content-Type"))) {
        *st = fail(c, 415, "the request body must be application/xml");
        return 1;
    }
    char why[160];
    int rc = kmx_request_parse(body, len, &u->lim, &c->kr, why, sizeof why);
    if (rc == KMX_E_TOOBIG) {
        *st = fail(c, 413, "the request body exceeds the limit");
        return 1;
    }
    if (rc == KMX_E_NOMEM) {
        *st = seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
        return 1;
    }
    if (rc != KMX_OK) {
        char msg[200];
        snprintf(msg, sizeof msg, "malformed request: %s", why);
        *st = fail(c, 400, msg);
        return 1;
    }
    if (c->kr.client_req_url && c->kr.client_req_url[0])
        snprintf(c->url, sizeof c->url, "%s", c->kr.client_req_url);
    const uu_client_t *s = c->sec;
    if (c->kr.signature) {
        const uint8_t *key = s && s->has_ink ? s->ink : s && s->has_trk ? s->trk : NULL;
        if (!key) {
            *st = fail(c, 403, "a signed request, but no integrity key is configured for "
                               "this client");
            return 1;
        }
        if (kmx_sec_verify_request(&c->kr, key) != KMX_OK) {
            *st = fail(c, 403, "the request signature does not verify");
            return 1;
        }
    } else if (s && s->require_signed) {
        *st = fail(c, 403, "this client must sign its requests (SignedKmsRequest)");
        return 1;
    }
    if (c->kr.doc && u->check_kms_uri) {
        seal_km_cert_t cur, prev = { .struct_size = sizeof prev };
        const char *ours = our_kms_uri(c, &cur);
        int prev_ok = u->km->cert(u->km_user, SEAL_KM_PREVIOUS, &prev) == SEAL_OK;
        if (strcmp(c->kr.kms_uri, ours) != 0
            && !(prev_ok && strcmp(c->kr.kms_uri, prev.kms_uri) == 0)) {
            *st = fail(c, 400, "KmsUri names another KMS");
            return 1;
        }
    }
    if (c->kr.user_uri && c->kr.user_uri[0]
        && u->km->entitled(u->km_user, &c->caller, c->kr.user_uri) != SEAL_OK) {
        *st = fail(c, 403, "the caller is not entitled to the UserUri of the request");
        return 1;
    }
    return 0;
}

static void end(call_t *c)
{
    kmx_request_free(&c->kr);
}

/* Sets a call up; 0, or 1 when it was refused (answered, *st set, and the
 * call already ended). */
static int begin(call_t *c, uu_t *u, seal_request_t *req, seal_status_t *st)
{
    if (!begin_call(c, u, req, st))
        return 0;
    end(c);
    return 1;
}

/* ---- KMS Initialize ---- */

static seal_status_t h_init(seal_request_t *req, void *user)
{
    call_t c;
    seal_status_t st;
    if (begin(&c, user, req, &st))
        return st;
    uu_t *u = user;
    seal_km_cert_t cert = { .struct_size = sizeof cert };
    kmx_resp_t r;
    st = u->km->cert(u->km_user, SEAL_KM_CURRENT, &cert);
    if (st != SEAL_OK)
        st = fail_status(&c, st, NULL);
    else if (resp_begin(&c, &r, NULL) != KMX_OK || kmx_resp_init(&r, &cert) != KMX_OK) {
        kmx_resp_free(&r);
        st = seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    } else {
        st = send_doc(&c, 200, &r);
    }
    end(&c);
    return st;
}

/* ---- KMS KeyProvision ---- */

/* Identities to provision: the path's, the request's UserUri, or every
 * identity the caller is entitled to (at most max_key_sets), space
 * separated in *list. 0, or 1 when answered. */
static int pick_identities(call_t *c, char **list, seal_status_t *st)
{
    uu_t *u = c->u;
    const char *path_uri = seal_request_path_param(c->req, "uri");
    *list = NULL;
    if (path_uri) {
        if (!kmx_uri_ok(path_uri)) {
            *st = fail(c, 400, "the identity in the path is not an acceptable URI");
            return 1;
        }
        if (u->km->entitled(u->km_user, &c->caller, path_uri) != SEAL_OK) {
            char msg[SEAL_KM_URI_MAX + 64];
            snprintf(msg, sizeof msg, "not entitled to key material for %s", path_uri);
            *st = fail(c, 403, msg);
            return 1;
        }
        *list = strdup(path_uri);
    } else if (c->kr.user_uri && c->kr.user_uri[0]) {
        if (!kmx_uri_ok(c->kr.user_uri)) {
            *st = fail(c, 400, "UserUri is not an acceptable identity");
            return 1;
        }
        *list = strdup(c->kr.user_uri);   /* entitlement checked in begin */
    } else {
        size_t len = 0;
        if (u->km->identities(u->km_user, &c->caller, list, &len) != SEAL_OK)
            *list = NULL;
        else if (len == 0) {
            seal_free(*list);
            *list = NULL;
            *st = fail(c, 403, "the caller is entitled to no identity");
            return 1;
        } else {
            char *dup = strdup(*list);
            seal_free(*list);
            *list = dup;
        }
    }
    if (!*list) {
        *st = seal_response_problem(c->req, 500, NULL, "out of memory", NULL, 0);
        return 1;
    }
    return 0;
}

static seal_status_t h_keyprov(seal_request_t *req, void *user)
{
    call_t c;
    seal_status_t st;
    if (begin(&c, user, req, &st))
        return st;
    uu_t *u = user;
    char *list = NULL;
    if (pick_identities(&c, &list, &st)) {
        end(&c);
        return st;
    }
    /* The key period: the path's time, else now. */
    uint64_t period = 0;
    const char *tp = seal_request_path_param(req, "time");
    int64_t t = (int64_t)time(NULL);
    if (tp && kmx_parse_ntp_hex(tp, &t) != 0) {
        st = fail(&c, 400, "the time in the path is not 16 hex digits (NTP-UTC 64-bit)");
        goto out;
    }
    if ((st = u->km->period_at(u->km_user, SEAL_KM_CURRENT, t, &period)) != SEAL_OK) {
        st = st == SEAL_E_INVAL ? fail(&c, 403, "key period outside policy: the time is "
                                                "before the first key period")
                                : fail_status(&c, st, NULL);
        goto out;
    }
    const char *first = list;
    size_t first_len = strcspn(list, " ");
    char uu_first[SEAL_KM_URI_MAX + 1];
    snprintf(uu_first, sizeof uu_first, "%.*s", (int)first_len, first);
    kmx_resp_t r;
    xmlNodePtr kp = NULL;
    if (resp_begin(&c, &r, uu_first) != KMX_OK || !(kp = kmx_resp_keyprov(&r))) {
        kmx_resp_free(&r);
        st = seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
        goto out;
    }
    const int single = strchr(list, ' ') == NULL;
    const uu_client_t *s = c.sec;
    size_t n = 0;
    st = SEAL_OK;
    for (char *save = NULL, *id = strtok_r(list, " ", &save); id && n < u->max_key_sets;
         id = strtok_r(NULL, " ", &save)) {
        seal_km_keyset_t ks = { .struct_size = sizeof ks };
        seal_status_t k = u->km->keyset(u->km_user, SEAL_KM_CURRENT, id, period, &ks);
        if (k == SEAL_E_STATE && !single)
            continue;   /* a revoked identity among several: left out */
        if (k != SEAL_OK) {
            kmx_resp_free(&r);
            st = fail_status(&c, k, id);
            goto out;
        }
        xmlNodePtr enc[2] = { NULL, NULL };
        int rc = kmx_resp_keyset(&r, kp, &ks, s && s->has_trk, enc);
        if (rc == KMX_OK && enc[0])
            rc = kmx_sec_encrypt_key(enc[0], ks.rsk, SEAL_KM_RSK_LEN, s->trk, s->trk_id);
        if (rc == KMX_OK && enc[1])
            rc = kmx_sec_encrypt_key(enc[1], ks.ssk, SEAL_KM_SSK_LEN, s->trk, s->trk_id);
        explicit_bzero(&ks, sizeof ks);
        if (rc != KMX_OK) {
            kmx_resp_free(&r);
            seal_log(u->self, SEAL_LOG_ERR, "cannot render a key set: %d", rc);
            st = seal_response_problem(req, 500, NULL, "cannot render the key set", NULL, 0);
            goto out;
        }
        n++;
    }
    if (n == 0) {
        kmx_resp_free(&r);
        st = fail(&c, 403, "every identity of the caller is revoked");
        goto out;
    }
    st = send_doc(&c, 200, &r);
out:
    free(list);
    end(&c);
    return st;
}

/* ---- KMS CertCache ---- */

/* The cache holds the previous certificate of this KMS while a rollover
 * overlap runs (no external KMSs are configured). Its number changes with
 * its content: 2 x generation - 1 during an overlap, 2 x generation after. */
static seal_status_t h_certcache(seal_request_t *req, void *user)
{
    call_t c;
    seal_status_t st;
    if (begin(&c, user, req, &st))
        return st;
    uu_t *u = user;
    const char *np = seal_request_path_param(req, "n");
    uint64_t have = 0;
    if (np && kmx_parse_cache_num(np, &have) != 0) {
        st = fail(&c, 400, "the cache number in the path is not a decimal number");
        end(&c);
        return st;
    }
    seal_km_cert_t cur = { .struct_size = sizeof cur }, prev = { .struct_size = sizeof prev };
    st = u->km->cert(u->km_user, SEAL_KM_CURRENT, &cur);
    if (st != SEAL_OK) {
        st = fail_status(&c, st, NULL);
        end(&c);
        return st;
    }
    int has_prev = u->km->cert(u->km_user, SEAL_KM_PREVIOUS, &prev) == SEAL_OK;
    uint64_t num = 2 * (uint64_t)cur.generation - (has_prev ? 1 : 0);
    kmx_resp_t r;
    xmlNodePtr cc = NULL;
    if (resp_begin(&c, &r, NULL) != KMX_OK || !(cc = kmx_resp_certcache(&r, num))
        || (has_prev && !(np && have == num) && kmx_resp_cert(&r, cc, &prev) != KMX_OK)) {
        kmx_resp_free(&r);
        st = seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    } else {
        st = send_doc(&c, 200, &r);
    }
    end(&c);
    return st;
}

/* ---- configuration ---- */

static int unhex32(const char *s, uint8_t out[KMX_KEY_LEN])
{
    if (!s || strlen(s) != 2 * KMX_KEY_LEN)
        return -1;
    for (size_t i = 0; i < KMX_KEY_LEN; i++) {
        unsigned v;
        char two[3] = { s[2 * i], s[2 * i + 1], 0 };
        if (!strchr("0123456789abcdefABCDEF", two[0]) || !strchr("0123456789abcdefABCDEF", two[1])
            || sscanf(two, "%x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static int key_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || strchr("<>&\"'", s[i]))
            return 0;
    return 1;
}

/* "clients": {"<principal>": {"trk_id", "trk", "ink_id", "ink",
 * "require_signed_requests"}} */
static seal_status_t read_clients(uu_t *u, const seal_conf_t *conf)
{
    const seal_conf_t *node = seal_conf_get(conf, "clients"), *v;
    if (!node)
        return SEAL_OK;
    if (seal_conf_type(node) != SEAL_CONF_OBJECT)
        return seal_conf_error(u->self, node, "must be an object: {\"<principal>\": {...}}");
    size_t n = 0;
    while (seal_conf_key_at(node, n, &v))
        n++;
    if (!(u->clients = calloc(n ? n : 1, sizeof *u->clients)))
        return SEAL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *who = seal_conf_key_at(node, i, &v);
        uu_client_t *cl = &u->clients[i];
        u->nclients = i + 1;
        if (!(cl->who = strdup(who)))
            return SEAL_E_NOMEM;
        if (seal_conf_type(v) != SEAL_CONF_OBJECT)
            return seal_conf_error(u->self, v, "must be an object");
        const char *trk_id = NULL, *trk = NULL, *ink_id = NULL, *ink = NULL;
        bool req = false;
        seal_status_t st;
        if ((st = seal_conf_string(v, "trk_id", NULL, &trk_id))
            || (st = seal_conf_string(v, "trk", NULL, &trk))
            || (st = seal_conf_string(v, "ink_id", NULL, &ink_id))
            || (st = seal_conf_string(v, "ink", NULL, &ink))
            || (st = seal_conf_bool(v, "require_signed_requests", false, &req)))
            return st;
        if (!trk != !trk_id)
            return seal_conf_error(u->self, v, "trk and trk_id go together");
        if (!ink != !ink_id)
            return seal_conf_error(u->self, v, "ink and ink_id go together");
        if (trk && (unhex32(trk, cl->trk) != 0 || !key_id_ok(trk_id)))
            return seal_conf_error(u->self, seal_conf_get(v, "trk"),
                                   "trk: 64 hex digits (AES-256); trk_id: 1 to %d printable "
                                   "characters without spaces, quotes, < > &", ID_MAX - 1);
        if (ink && (unhex32(ink, cl->ink) != 0 || !key_id_ok(ink_id)))
            return seal_conf_error(u->self, seal_conf_get(v, "ink"),
                                   "ink: 64 hex digits (HMAC-SHA-256); ink_id: 1 to %d "
                                   "printable characters without spaces, quotes, < > &",
                                   ID_MAX - 1);
        if (req && !trk && !ink)
            return seal_conf_error(u->self, v, "require_signed_requests needs ink or trk");
        cl->has_trk = trk != NULL;
        cl->has_ink = ink != NULL;
        if (trk)
            snprintf(cl->trk_id, sizeof cl->trk_id, "%s", trk_id);
        if (ink)
            snprintf(cl->ink_id, sizeof cl->ink_id, "%s", ink_id);
        cl->require_signed = req;
    }
    return SEAL_OK;
}

static void uu_free(uu_t *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->nclients; i++)
        free(u->clients[i].who);
    if (u->clients)
        explicit_bzero(u->clients, u->nclients * sizeof *u->clients);
    free(u->clients);
    if (u->xmlsec_ready)
        kmx_sec_shutdown();
    free(u);
}

static seal_status_t add_route(uu_t *u, const char *path, seal_handler_fn fn)
{
    seal_route_def_t def = {
        .struct_size = sizeof def, .method = "POST", .path = path, .service = "km",
        .handler = fn, .user = u,
    };
    seal_status_t st = seal_route_register(u->self, &def);
    if (st != SEAL_OK)
        seal_log(u->self, SEAL_LOG_ERR, "cannot register POST %s: %s", path,
                 seal_strerror(st));
    return st;
}

static seal_status_t km_uu_init(seal_plugin_t *self)
{
    uu_t *u = calloc(1, sizeof *u);
    if (!u)
        return SEAL_E_NOMEM;
    u->self = self;
    seal_plugin_set_data(self, u);
    const seal_conf_t *conf = seal_plugin_conf(self);
    int64_t max_bytes = 0, depth = 0, sets = 0;
    bool check = true;
    seal_status_t st;
    if ((st = seal_conf_int(conf, "max_body_bytes", 16384, 256, 1 << 20, &max_bytes))
        || (st = seal_conf_int(conf, "max_depth", 16, 4, 64, &depth))
        || (st = seal_conf_int(conf, "max_key_sets", 16, 1, 256, &sets))
        || (st = seal_conf_bool(conf, "check_kms_uri", true, &check))
        || (st = read_clients(u, conf))
        || (st = kmu_admin_conf(&u->admin, self, conf)))
        return st;
    u->lim = (kmx_limits_t){ .max_bytes = (size_t)max_bytes, .max_depth = (unsigned)depth };
    u->max_key_sets = (size_t)sets;
    u->check_kms_uri = check;
    if (!seal_plugin_loaded(self, "km")) {
        seal_log(self, SEAL_LOG_INFO, "plugin km not loaded: the KMS interface is not served");
        return SEAL_OK;
    }
    /* libxml2 and xmlsec keep process-wide state: set up once, here, on
     * the main thread before any worker runs. */
    if (kmx_sec_init() != KMX_OK) {
        seal_log(self, SEAL_LOG_ERR, "cannot initialise libxmlsec1 (GnuTLS)");
        return SEAL_E_UNSUPPORTED;
    }
    u->xmlsec_ready = 1;
    if ((st = add_route(u, BASE "/init", h_init))
        || (st = add_route(u, BASE "/keyprov", h_keyprov))
        || (st = add_route(u, BASE "/keyprov/{uri}", h_keyprov))
        || (st = add_route(u, BASE "/keyprov/{uri}/{time}", h_keyprov))
        || (st = add_route(u, BASE "/certcache", h_certcache))
        || (st = add_route(u, BASE "/certcache/{n}", h_certcache))
        || (st = kmu_admin_routes(&u->admin)))
        return st;
    return SEAL_OK;
}

static seal_status_t km_uu_start(seal_plugin_t *self)
{
    uu_t *u = seal_plugin_data(self);
    if (!u->xmlsec_ready)
        return SEAL_OK;
    u->km = seal_iface_get(self, SEAL_KM_IFACE_V1, &u->km_user);
    if (!u->km || u->km->struct_size < sizeof(seal_km_v1_t)) {
        seal_log(self, SEAL_LOG_ERR, "%s is not provided (or too old)", SEAL_KM_IFACE_V1);
        return SEAL_E_NOTFOUND;
    }
    u->admin.km = u->km;
    u->admin.km_user = u->km_user;
    return SEAL_OK;
}

static void km_uu_fini(seal_plugin_t *self)
{
    uu_free(seal_plugin_data(self));
    seal_plugin_set_data(self, NULL);
}

/* Initialised after these when they are loaded: km_uu resolves seal.km.v1. */
static const char *const plugin_after[] = { "km", NULL };

static const seal_plugin_desc_t km_uu_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "km_uu",
    .version = "0.1.0",
    .description = "KM-UU/KM-S: the KMS interface of TS 33.180 Annex D over HTTPS",
    .init = km_uu_init,
    .start = km_uu_start,
    .fini = km_uu_fini,
    .after = plugin_after,
};

SEAL_PLUGIN_EXPORT(km_uu_desc)
