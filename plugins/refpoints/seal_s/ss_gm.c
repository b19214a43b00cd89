/* SPDX-License-Identifier: Apache-2.0 */
/* TS 29.549 clause 5.3 / 7.3: SS_GroupManagement API (Rel-18,
 * TS29549_SS_GroupManagement.yaml 1.2.0-alpha.1), {apiRoot}/ss-gm/v1,
 * served through the group management service's "seal.gm.v1" interface.
 *
 *   POST   /group-documents               CreateValGroupDoc      201 + Location, ETag
 *   GET    /group-documents               RetrieveValGroupDocs   200 [VALGroupDocument]
 *   GET    /group-documents/{groupDocId}  RetrieveIndValGroupDoc 200 + ETag
 *   PUT    /group-documents/{groupDocId}  UpdateIndValGroupDoc   200 + ETag
 *   PATCH  /group-documents/{groupDocId}  ModifyIndValGroupDoc   200 + ETag
 *   DELETE /group-documents/{groupDocId}  DeleteIndValGroupDoc   204
 *
 * Choices (README): unknown members are dropped; resUri is server-owned
 * (the resource URI, set on output); suppFeat is answered with the features
 * both sides support (none are defined for this API, so "0"); If-Match uses
 * strong ETags made of the store revision; valGroupId is unique within its
 * owner's groups (409).
 *
 * Sizes (issue 9): a document with more members than the gm service allows
 * is a 400 naming /members; an owner at the service's max_groups_per_owner
 * gets 403 GROUP_LIMIT_REACHED; a list that would hold more than max_list
 * documents is refused with 403 TOO_MANY_RESULTS (RetrieveValGroupDocs has
 * no paging in TS 29.549, so a refusal with a cause that says how to narrow
 * the query is the conformant answer), and is never built beyond max_list
 * documents.
 *
 * Who may do what (doc/authorization.md, asked of lib/access): a caller
 * that may neither create groups nor see every group gets 403 on every
 * route; a document the caller does not own is answered exactly as a
 * missing one (404), at the point where a missing one would be found, so
 * that nobody learns another's groupDocIds by probing (TS 23.434 10.3.2 to
 * 10.3.5: the group management server checks that the requester is
 * authorized for the group). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seal/services/gm.h>
#include "access/access.h"
#include "seal_s.h"
#include "ss_gm_validate.h"
#include "ss_http.h"

#define BASE "/ss-gm/v1/group-documents"
#define MAX_IF_MATCH 16
#define NO_SUCH_DOC "no VAL group document with this groupDocId"

typedef struct ss_gm {
    ss_ctx_t *ctx;
    const seal_gm_v1_t *gm;
    void *gm_user;
    seal_gm_limits_t limits;   /* the service's, read at start */
    int64_t max_list;          /* documents in one GET /group-documents answer */
} ss_gm_t;

/* ---- representation ---- */

/* {apiRoot}/ss-gm/v1/group-documents/{id}; the id is URL-safe. */
static char *res_uri(const ss_gm_t *g, const char *id)
{
    const char *root = g->ctx->api_root ? g->ctx->api_root : "";
    size_t n = strlen(root) + sizeof BASE + 1 + strlen(id);
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s/%s", root, BASE, id);
    return s;
}

/* The stored document as the API shows it: with resUri, or (group-members /
 * group-configuration) valGroupId plus the asked parts only. */
enum { SHOW_ALL = 0, SHOW_MEMBERS = 1, SHOW_CONF = 2 };

static struct json_object *present(const ss_gm_t *g, const char *id, const char *doc,
                                   size_t len, int show)
{
    char why[96];
    struct json_object *d = ss_parse(doc, len, 64, why, sizeof why);
    if (!json_object_is_type(d, json_type_object)) {
        seal_log(g->ctx->self, SEAL_LOG_ERR, "group document %s unreadable: %s", id, why);
        json_object_put(d);
        return NULL;
    }
    if (show == SHOW_ALL) {
        char *uri = res_uri(g, id);
        struct json_object *s = uri ? json_object_new_string(uri) : NULL;
        free(uri);
        if (!s || json_object_object_add(d, "resUri", s) != 0) {
            json_object_put(s);
            json_object_put(d);
            return NULL;
        }
        return d;
    }
    /* TS 29.549 RetrieveIndValGroupDoc: the VAL group identifier, plus
     * members and/or valGrpConf as the flags ask. */
    static const struct { const char *key; int flag; } keep[] = {
        { "valGroupId", SHOW_MEMBERS | SHOW_CONF },
        { "members", SHOW_MEMBERS },
        { "valGrpConf", SHOW_CONF },
    };
    struct json_object *out = json_object_new_object();
    for (size_t i = 0; out && i < sizeof keep / sizeof keep[0]; i++) {
        struct json_object *v;
        if ((show & keep[i].flag) && json_object_object_get_ex(d, keep[i].key, &v)) {
            json_object_get(v);
            if (json_object_object_add(out, keep[i].key, v) != 0) {
                json_object_put(v);
                json_object_put(out);
                out = NULL;
            }
        }
    }
    json_object_put(d);
    return out;
}

/* The whole document with resUri appended, spliced into the stored text:
 * gm stores compact json-c text (the same flags as ss_text) and never a
 * resUri, and json-c keeps member order, so this is byte for byte what
 * present() would render, without parsing and rendering it again on the
 * hot GET path. NULL when the text is not that plain case (then present()
 * does it). */
static char *splice_res_uri(const ss_gm_t *g, const char *id, const char *doc, size_t len,
                            size_t *out_len)
{
    if (len < 3 || doc[0] != '{' || doc[len - 1] != '}' || strstr(doc, "\"resUri\""))
        return NULL;
    char *uri = res_uri(g, id);
    if (!uri)
        return NULL;
    for (const char *c = uri; *c; c++)
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) {
            free(uri);
            return NULL;
        }
    static const char key[] = ",\"resUri\":\"";
    size_t ulen = strlen(uri), n = len - 1 + sizeof key - 1 + ulen + 2;
    char *out = malloc(n + 1);
    if (out) {
        char *p = out;
        memcpy(p, doc, len - 1);
        p += len - 1;
        memcpy(p, key, sizeof key - 1);
        p += sizeof key - 1;
        memcpy(p, uri, ulen);
        p += ulen;
        memcpy(p, "\"}", 3);
        *out_len = n;
    }
    free(uri);
    return out;
}

static seal_status_t send_doc(const ss_gm_t *g, seal_request_t *req, unsigned status,
                              const char *id, const char *doc, size_t len, uint64_t rev,
                              int show)
{
    char etag[SS_ETAG_MAX];
    ss_etag(rev, etag);
    size_t flen = 0;
    char *fast = show == SHOW_ALL && status == 200 ? splice_res_uri(g, id, doc, len, &flen)
                                                   : NULL;
    if (fast) {
        seal_status_t st = seal_response_header(req, "ETag", etag);
        st = st == SEAL_OK ? seal_response_send(req, status, "application/json", fast, flen)
                           : seal_response_problem(req, 500, NULL, seal_strerror(st), NULL, 0);
        free(fast);
        return st;
    }
    struct json_object *d = present(g, id, doc, len, show);
    if (!d)
        return seal_response_problem(req, 500, NULL, "cannot render the document", NULL, 0);
    seal_status_t st = seal_response_header(req, "ETag", etag);
    if (st == SEAL_OK && status == 201) {
        char *uri = res_uri(g, id);
        st = uri ? seal_response_header(req, "Location", uri) : SEAL_E_NOMEM;
        free(uri);
    }
    st = st == SEAL_OK ? ss_reply_json(req, status, d)
                       : seal_response_problem(req, 500, NULL, seal_strerror(st), NULL, 0);
    json_object_put(d);
    return st;
}

/* ---- request pieces ---- */

/* TS 29.500 6.6.2 feature negotiation: the answer carries the features both
 * sides support. SS_GroupManagement defines none yet. */
static int negotiate_features(struct json_object *doc)
{
    if (!json_object_object_get_ex(doc, "suppFeat", NULL))
        return 0;
    struct json_object *s = json_object_new_string("0");
    if (!s || json_object_object_add(doc, "suppFeat", s) != 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

/* Reads and validates the body; answers and returns NULL when it is bad. */
static struct json_object *read_body(seal_request_t *req, int patch)
{
    size_t len = 0;
    const char *body = seal_request_body(req, &len);
    if (!body || len == 0) {
        seal_response_problem(req, 400, "INVALID_MSG_FORMAT",
                              patch ? "a VALGroupDocumentPatch body is required"
                                    : "a VALGroupDocument body is required", NULL, 0);
        return NULL;
    }
    ss_errs_t e = {0};
    char why[128] = "";
    struct json_object *v = patch ? ss_gm_parse_patch(body, len, &e, why, sizeof why)
                                  : ss_gm_parse_doc(body, len, &e, why, sizeof why);
    if (!v) {
        if (e.total || e.oom) {
            ss_reply_errs(req, &e, patch ? "invalid VALGroupDocumentPatch"
                                         : "invalid VALGroupDocument");
        } else {
            char msg[192];
            snprintf(msg, sizeof msg, "the body is not JSON: %s", why);
            seal_response_problem(req, 400, "INVALID_MSG_FORMAT", msg, NULL, 0);
        }
    }
    ss_errs_free(&e);
    return v;
}

/* The revision a write requires, from If-Match. Answers and returns -1 when
 * the request cannot go on. */
static int expected_rev(const ss_gm_t *g, seal_request_t *req, const char *id, uint64_t *expect)
{
    const char *h = seal_request_header(req, "If-Match");
    uint64_t revs[MAX_IF_MATCH];
    size_t n = 0;
    int star = 0;
    *expect = SEAL_REV_ANY;
    if (!h)
        return 0;
    if (ss_if_match(h, &star, revs, MAX_IF_MATCH, &n) != 0) {
        seal_invalid_param_t p = { "If-Match", "must be * or a list of entity tags" };
        seal_response_problem(req, 400, "INVALID_MSG_FORMAT", "malformed If-Match", &p, 1);
        return -1;
    }
    if (star)
        return 0;
    if (n == 1) {
        *expect = revs[0];
        return 0;
    }
    /* No tag of ours (0 never matches: revisions start at 1), or several:
     * pick the current one if listed. */
    *expect = 0;
    if (n > 1) {
        uint64_t cur = 0;
        seal_status_t st = g->gm->get(g->gm_user, id, NULL, NULL, &cur);
        if (st != SEAL_OK) {
            ss_reply_status(req, st, NO_SUCH_DOC);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            if (revs[i] == cur)
                *expect = cur;
    }
    return 0;
}

/* "true" / "false" (OpenAPI boolean query parameter). */
static int bool_param(seal_request_t *req, const char *name, int *out)
{
    const char *v = seal_request_query(req, name);
    *out = 0;
    if (!v)
        return 0;
    if (strcmp(v, "true") == 0) {
        *out = 1;
        return 0;
    }
    if (strcmp(v, "false") == 0)
        return 0;
    ss_reply_bad_param(req, name, "must be true or false", "invalid query parameter");
    return -1;
}

/* Refuses unknown or repeated query parameters (a mistyped filter must not
 * silently widen a query). */
static int check_query_names(seal_request_t *req, const char *const *known, size_t nknown)
{
    const char *name, *value;
    for (size_t i = 0; (name = seal_request_query_at(req, i, &value)); i++) {
        size_t k;
        for (k = 0; k < nknown && strcmp(name, known[k]) != 0; k++)
            ;
        if (k == nknown) {
            ss_reply_bad_param(req, name, "unknown query parameter", "invalid query parameter");
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            const char *other, *ov;
            if ((other = seal_request_query_at(req, j, &ov)) && strcmp(other, name) == 0) {
                ss_reply_bad_param(req, name, "given more than once", "invalid query parameter");
                return -1;
            }
        }
    }
    return 0;
}

/* ---- who may act (doc/authorization.md) ---- */

/* 403 ProblemDetails: the caller may not create (create) or manage groups. */
static seal_status_t forbid(seal_request_t *req, const access_caller_t *c, int create)
{
    char msg[160];
    if (c->kind == ACCESS_VAL_USER)
        snprintf(msg, sizeof msg, "this VAL user may not %s VAL groups (role group_manager "
                 "in seald.conf \"principals\")", create ? "create" : "manage");
    else
        snprintf(msg, sizeof msg, "VAL groups are %s by VAL servers and VAL users with role "
                 "group_manager", create ? "created" : "managed");
    return seal_response_problem(req, 403, "OPERATION_PROHIBITED", msg, NULL, 0);
}

/* 1 when the caller may use group management at all: create groups (a VAL
 * server, a VAL user with role group_manager) or see every group (role
 * group_admin). Else answers 403 and returns 0. */
static int may_manage(seal_request_t *req, const access_caller_t *c)
{
    if (access_group_create(c) || access_group_all(c))
        return 1;
    forbid(req, c, 0);
    return 0;
}

/* 1 when the caller owns document id (or has role group_admin). Else
 * answers as for a missing document (404), or with the service's error,
 * and returns 0. Checking and then writing is safe: a document's owner is
 * fixed at its creation and never changes (seal.gm.v1 "owner"), so what
 * the write finds is the document checked here, or nothing (404). */
static int may_own(const ss_gm_t *g, seal_request_t *req, const access_caller_t *c,
                   const char *id)
{
    char *owner = NULL;
    seal_status_t st = g->gm->owner(g->gm_user, id, &owner);
    if (st == SEAL_OK && !access_group_owns(c, owner))
        st = SEAL_E_NOTFOUND;
    seal_free(owner);
    if (st == SEAL_OK)
        return 1;
    ss_reply_status(req, st, NO_SUCH_DOC);
    return 0;
}

/* ---- sizes (seal.gm.v1 "Limits") ---- */

/* The members of a validated document (the validator refuses repeats). */
static size_t member_count(struct json_object *doc)
{
    struct json_object *m;
    return json_object_object_get_ex(doc, "members", &m) && json_object_is_type(m, json_type_array)
           ? json_object_array_length(m) : 0;
}

/* 400 naming /members: the document has more members than the service
 * allows. The cause is the one of every other refused member
 * (INVALID_MSG_FORMAT, see ss_reply_errs). */
static seal_status_t too_many_members(const ss_gm_t *g, seal_request_t *req)
{
    char reason[64];
    snprintf(reason, sizeof reason, "at most %llu members",
             (unsigned long long)g->limits.max_members);
    seal_invalid_param_t p = { "/members", reason };
    return seal_response_problem(req, 400, "INVALID_MSG_FORMAT",
                                 "the VAL group has more members than this server allows", &p, 1);
}

/* An answer for SEAL_E_TOOBIG from create_owned: the service checks the
 * members first, so a document within max_members met the owner's limit. */
static seal_status_t too_big_on_create(const ss_gm_t *g, seal_request_t *req, size_t members)
{
    if (members > g->limits.max_members)
        return too_many_members(g, req);
    char msg[200];
    snprintf(msg, sizeof msg, "the caller already has %llu VAL group documents, the most this "
             "server allows to one owner: delete one first",
             (unsigned long long)g->limits.max_groups_per_owner);
    return seal_response_problem(req, 403, "GROUP_LIMIT_REACHED", msg, NULL, 0);
}

/* ---- handlers ---- */

static seal_status_t h_create(seal_request_t *req, void *user)
{
    ss_gm_t *g = user;
    access_caller_t c;
    access_caller(req, &c);
    if (!access_group_create(&c))
        return forbid(req, &c, 1);
    if (ss_require_media_type(req, "application/json") != 0)
        return SEAL_OK;
    struct json_object *doc = read_body(req, 0);
    if (!doc)
        return SEAL_OK;
    size_t len = 0, members = member_count(doc);
    char *text = negotiate_features(doc) == 0 ? ss_text(doc, &len) : NULL;
    json_object_put(doc);
    if (!text)
        return seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    char *id = NULL, *out = NULL;
    size_t out_len = 0;
    uint64_t rev = 0;
    /* The caller owns what it creates; valGroupId is unique among its own. */
    seal_status_t st = g->gm->create_owned(g->gm_user, c.owner, text, len, &id, &out, &out_len,
                                           &rev);
    free(text);
    if (st == SEAL_OK)
        st = send_doc(g, req, 201, id, out, out_len, rev, SHOW_ALL);
    else if (st == SEAL_E_TOOBIG)
        st = too_big_on_create(g, req, members);
    else
        st = ss_reply_status(req, st, st == SEAL_E_EXISTS
                                          ? "a VAL group document of yours has this "
                                            "valGroupId"
                                          : "the VAL group document was refused");
    seal_free(id);
    seal_free(out);
    return st;
}

/* The answer of GET /group-documents, built as text: at most max_list
 * documents (the service stops visiting at max_list + 1), each the stored
 * text with resUri spliced in (present() only for what splice_res_uri does
 * not handle), so memory is bounded by max_list documents' text and never
 * by their JSON trees. */
typedef struct list_ctx {
    const ss_gm_t *g;
    char *buf;
    size_t len, cap;
    int64_t n;
    int over, failed;
} list_ctx_t;

static int list_append(list_ctx_t *lc, const char *s, size_t n)
{
    if (lc->len + n + 2 > lc->cap) {   /* room for "]" and the NUL */
        size_t cap = lc->cap ? lc->cap : 4096;
        while (cap < lc->len + n + 2)
            cap *= 2;
        char *b = realloc(lc->buf, cap);
        if (!b)
            return -1;
        lc->buf = b;
        lc->cap = cap;
    }
    memcpy(lc->buf + lc->len, s, n);
    lc->len += n;
    return 0;
}

static int list_visit(const char *id, const char *json, size_t len, uint64_t rev, void *p)
{
    list_ctx_t *lc = p;
    (void)rev;
    if (lc->n == lc->g->max_list) {   /* one more than an answer may hold */
        lc->over = 1;
        return 1;
    }
    size_t tlen = 0;
    char *text = splice_res_uri(lc->g, id, json, len, &tlen);
    if (!text) {
        struct json_object *d = present(lc->g, id, json, len, SHOW_ALL);
        text = d ? ss_text(d, &tlen) : NULL;
        json_object_put(d);
    }
    if (!text || list_append(lc, lc->n ? "," : "[", 1) != 0 || list_append(lc, text, tlen) != 0) {
        free(text);
        lc->failed = 1;
        return 1;
    }
    free(text);
    lc->n++;
    return 0;
}

static seal_status_t h_query(seal_request_t *req, void *user)
{
    ss_gm_t *g = user;
    access_caller_t c;
    access_caller(req, &c);
    if (!may_manage(req, &c))
        return SEAL_OK;
    /* "member" is this server's extension: a valUserId or valUeId. */
    static const char *const known[] = { "val-group-id", "val-service-id", "member" };
    if (check_query_names(req, known, 3) != 0)
        return SEAL_OK;
    seal_gm_query_t q = {
        .struct_size = sizeof q,
        .val_group_id = seal_request_query(req, "val-group-id"),
        .val_service_id = seal_request_query(req, "val-service-id"),
        .member = seal_request_query(req, "member"),
        /* The caller's own groups, with the filters above; all of them for
         * a group_admin. */
        .owner = access_group_all(&c) ? NULL : c.owner,
    };
    const char *names[] = { "val-group-id", "val-service-id", "member" };
    const char *vals[] = { q.val_group_id, q.val_service_id, q.member };
    for (int i = 0; i < 3; i++)
        if (vals[i] && !vals[i][0])
            return ss_reply_bad_param(req, names[i], "must not be empty",
                                      "invalid query parameter");
    list_ctx_t lc = { .g = g };
    seal_status_t st = g->gm->query(g->gm_user, &q, list_visit, &lc);
    if (st == SEAL_OK && lc.failed)
        st = SEAL_E_NOMEM;
    if (st == SEAL_OK && lc.over) {
        char msg[200];
        snprintf(msg, sizeof msg, "more than %lld VAL group documents match, the most one "
                 "answer holds: narrow the query with val-group-id, val-service-id or member",
                 (long long)g->max_list);
        st = seal_response_problem(req, 403, "TOO_MANY_RESULTS", msg, NULL, 0);
    } else if (st == SEAL_OK) {
        st = list_append(&lc, lc.n ? "]" : "[]", lc.n ? 1 : 2) == 0
             ? seal_response_send(req, 200, "application/json", lc.buf, lc.len)
             : seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    } else {
        st = ss_reply_status(req, st, NULL);
    }
    free(lc.buf);
    return st;
}

static seal_status_t h_get(seal_request_t *req, void *user)
{
    ss_gm_t *g = user;
    static const char *const known[] = { "group-members", "group-configuration" };
    int members, conf;
    access_caller_t c;
    access_caller(req, &c);
    if (!may_manage(req, &c))
        return SEAL_OK;
    if (check_query_names(req, known, 2) != 0 || bool_param(req, "group-members", &members) != 0
        || bool_param(req, "group-configuration", &conf) != 0)
        return SEAL_OK;
    const char *id = seal_request_path_param(req, "groupDocId");
    if (!may_own(g, req, &c, id))
        return SEAL_OK;
    char *doc = NULL;
    size_t len = 0;
    uint64_t rev = 0;
    seal_status_t st = g->gm->get(g->gm_user, id, &doc, &len, &rev);
    if (st == SEAL_OK)
        st = send_doc(g, req, 200, id, doc, len, rev,
                      (members ? SHOW_MEMBERS : 0) | (conf ? SHOW_CONF : 0));
    else
        st = ss_reply_status(req, st, NO_SUCH_DOC);
    seal_free(doc);
    return st;
}

static seal_status_t h_replace(seal_request_t *req, void *user)
{
    ss_gm_t *g = user;
    const char *id = seal_request_path_param(req, "groupDocId");
    access_caller_t c;
    access_caller(req, &c);
    if (!may_manage(req, &c) || ss_require_media_type(req, "application/json") != 0)
        return SEAL_OK;
    struct json_object *doc = read_body(req, 0);
    if (!doc)
        return SEAL_OK;
    uint64_t expect;
    size_t len = 0;
    char *text = NULL;
    /* Ownership where a missing document would first show (If-Match). */
    if (!may_own(g, req, &c, id) || expected_rev(g, req, id, &expect) != 0) {
        json_object_put(doc);
        return SEAL_OK;
    }
    text = negotiate_features(doc) == 0 ? ss_text(doc, &len) : NULL;
    json_object_put(doc);
    if (!text)
        return seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    char *out = NULL;
    size_t out_len = 0;
    uint64_t rev = 0;
    seal_status_t st = g->gm->replace(g->gm_user, id, text, len, expect, &out, &out_len, &rev);
    free(text);
    if (st == SEAL_OK)
        st = send_doc(g, req, 200, id, out, out_len, rev, SHOW_ALL);
    else if (st == SEAL_E_TOOBIG)
        st = too_many_members(g, req);
    else
        st = ss_reply_status(req, st, st == SEAL_E_NOTFOUND
                                          ? NO_SUCH_DOC
                                      : st == SEAL_E_EXISTS
                                          ? "another VAL group document has this valGroupId"
                                          : "the VAL group document was refused");
    seal_free(out);
    return st;
}

/* Re-validates a merge-patch result as a whole VALGroupDocument. */
static seal_status_t check_merged(const char *json, size_t len, void *p)
{
    ss_errs_t *e = p;
    char why[96];
    struct json_object *v = ss_gm_parse_doc(json, len, e, why, sizeof why);
    if (!v) {
        if (!e->total && !e->oom)
            ss_errs_add(e, "", why);
        return SEAL_E_INVAL;
    }
    json_object_put(v);
    return SEAL_OK;
}

static seal_status_t h_patch(seal_request_t *req, void *user)
{
    ss_gm_t *g = user;
    const char *id = seal_request_path_param(req, "groupDocId");
    access_caller_t c;
    access_caller(req, &c);
    if (!may_manage(req, &c) || ss_require_media_type(req, "application/merge-patch+json") != 0)
        return SEAL_OK;
    struct json_object *patch = read_body(req, 1);
    if (!patch)
        return SEAL_OK;
    uint64_t expect;
    size_t len = 0;
    char *text = NULL;
    if (!may_own(g, req, &c, id) || expected_rev(g, req, id, &expect) != 0) {
        json_object_put(patch);
        return SEAL_OK;
    }
    text = ss_text(patch, &len);
    json_object_put(patch);
    if (!text)
        return seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    ss_errs_t e = {0};
    char *out = NULL;
    size_t out_len = 0;
    uint64_t rev = 0;
    seal_status_t st = g->gm->patch(g->gm_user, id, text, len, expect, check_merged, &e,
                                    &out, &out_len, &rev);
    free(text);
    if (st == SEAL_OK)
        st = send_doc(g, req, 200, id, out, out_len, rev, SHOW_ALL);
    else if (st == SEAL_E_TOOBIG)
        st = too_many_members(g, req);
    else if (st == SEAL_E_INVAL && (e.total || e.oom))
        st = ss_reply_errs(req, &e, "the patched document is not a valid VALGroupDocument");
    else
        st = ss_reply_status(req, st, st == SEAL_E_NOTFOUND
                                          ? NO_SUCH_DOC
                                          : "the patched document was refused");
    ss_errs_free(&e);
    seal_free(out);
    return st;
}

static seal_status_t h_delete(seal_request_t *req, void *user)
{
    ss_gm_t *g = user;
    const char *id = seal_request_path_param(req, "groupDocId");
    uint64_t expect;
    access_caller_t c;
    access_caller(req, &c);
    if (!may_manage(req, &c) || !may_own(g, req, &c, id) || expected_rev(g, req, id, &expect) != 0)
        return SEAL_OK;
    seal_status_t st = g->gm->remove(g->gm_user, id, expect);
    if (st == SEAL_OK)
        return seal_response_send(req, 204, NULL, NULL, 0);
    return ss_reply_status(req, st, NO_SUCH_DOC);
}

/* ---- registration ---- */

seal_status_t ss_gm_init(ss_ctx_t *ctx)
{
    static const struct {
        const char *method, *path;
        seal_handler_fn fn;
    } routes[] = {
        { "POST", BASE, h_create },
        { "GET", BASE, h_query },
        { "GET", BASE "/{groupDocId}", h_get },
        { "PUT", BASE "/{groupDocId}", h_replace },
        { "PATCH", BASE "/{groupDocId}", h_patch },
        { "DELETE", BASE "/{groupDocId}", h_delete },
    };
    ss_gm_t *g = calloc(1, sizeof *g);
    if (!g)
        return SEAL_E_NOMEM;
    g->ctx = ctx;
    ctx->gm = g;
    seal_status_t cst = seal_conf_int(seal_plugin_conf(ctx->self), "max_list", 1000, 1, 1000000,
                                      &g->max_list);
    if (cst != SEAL_OK)
        return cst;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        seal_route_def_t r = {
            .struct_size = sizeof r,
            .method = routes[i].method,
            .path = routes[i].path,
            .service = "gm",
            .handler = routes[i].fn,
            .user = g,   /* owned by ctx, freed in ss_gm_fini */
        };
        seal_status_t st = seal_route_register(ctx->self, &r);
        if (st != SEAL_OK) {
            seal_log(ctx->self, SEAL_LOG_ERR, "cannot register %s %s: %s", r.method, r.path,
                     seal_strerror(st));
            return st;
        }
    }
    return SEAL_OK;
}

seal_status_t ss_gm_start(ss_ctx_t *ctx)
{
    ss_gm_t *g = ctx->gm;
    g->gm = seal_iface_get(ctx->self, SEAL_GM_IFACE_V1, &g->gm_user);
    /* The owner operations and the limits are needed (the last members of
     * seal_gm_v1_t). */
    if (!g->gm || g->gm->struct_size < sizeof(seal_gm_v1_t) || !g->gm->create_owned
        || !g->gm->owner || !g->gm->limits) {
        seal_log(ctx->self, SEAL_LOG_ERR, "interface %s %s", SEAL_GM_IFACE_V1,
                 g->gm ? "is too old" : "is not provided (is plugin gm loaded?)");
        g->gm = NULL;
        return SEAL_E_NOTFOUND;
    }
    g->limits.struct_size = sizeof g->limits;
    g->gm->limits(g->gm_user, &g->limits);
    return SEAL_OK;
}

void ss_gm_fini(ss_ctx_t *ctx)
{
    free(ctx->gm);
    ctx->gm = NULL;
}
