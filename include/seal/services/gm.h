/* SPDX-License-Identifier: Apache-2.0 */
/* seal/services/gm.h: "seal.gm.v1", the C interface of the group management
 * service (TS 23.434 clause 10: Create_Group, Query_Group_Info,
 * Update_Group_Info, Delete_Group), provided by the "gm" plugin and used by
 * wire bindings such as seal_s (TS 29.549 SS_GroupManagement).
 *
 * Get it in start:
 *   void *gm_user;
 *   const seal_gm_v1_t *gm = seal_iface_get(self, SEAL_GM_IFACE_V1, &gm_user);
 * and pass gm_user as the first argument of every operation.
 *
 * Documents cross the interface as JSON text: one VAL group document
 * (TS 29.549 VALGroupDocument) per object. The binding validates the wire
 * format; the service still refuses (SEAL_E_INVAL) a document it cannot
 * index: valGroupId must be a non-empty string, members (when present) an
 * array of objects each naming exactly one of valUserId / valUeId (a
 * non-empty string), valServiceIds (when present) an array of non-empty
 * strings. Other members are stored as given.
 *
 * Revisions: every document has a revision (1 at creation, +1 per write), a
 * binding's ETag. expect_rev is the revision a write requires
 * (compare-and-set), or SEAL_REV_ANY (seal/store.h) for none.
 *
 * Owners (doc/authorization.md): a document made by create_owned has an
 * owner, a string opaque to the service (e.g. "server:vs1", "service:V2X",
 * "user:alice"; 1..SEAL_GM_OWNER_MAX bytes of UTF-8 without control
 * characters) kept beside the document, never in it, and never changed.
 * A document made by create, or stored before owners existed, has none.
 * The service enforces nothing on owners: the binding decides who may act
 * on a document (lib/access) and asks the service for its owner.
 *
 * Limits (the gm plugin's "max_members" and "max_groups_per_owner", told by
 * "limits"): a document may have at most max_members members (create,
 * replace, and the result of a patch); an owner may have at most
 * max_groups_per_owner documents at a time (create_owned; 0: no limit;
 * documents without owner are not counted).
 *
 * Status codes: SEAL_OK; SEAL_E_INVAL (document or owner not acceptable);
 * SEAL_E_NOTFOUND (no such groupDocId); SEAL_E_CONFLICT (expect_rev is not
 * the current revision); SEAL_E_EXISTS (another document of the same owner
 * already has this valGroupId: valGroupId is unique within its owner's
 * space, the documents without owner forming one space); SEAL_E_TOOBIG
 * (the document has more than max_members members, or, from create_owned,
 * the owner already has max_groups_per_owner documents: the members are
 * checked first, so a document within max_members that gets SEAL_E_TOOBIG
 * from create_owned met the owner's limit); SEAL_E_NOMEM, SEAL_E_IO,
 * SEAL_E_AGAIN (store failures).
 *
 * Output strings are malloc'd and NUL-terminated: free with seal_free.
 * Every operation is thread-safe.
 *
 * Events (seal/event.h, topic prefix "gm."), JSON objects published after
 * the change is durable:
 *   gm.group.created {"groupDocId","valGroupId","owner","rev","document",
 *                     "membersAdded":[ValTargetUe...],"membersRemoved":[]}
 *   gm.group.updated {"groupDocId","valGroupId","owner","rev","document",
 *                     "membersAdded":[...],"membersRemoved":[...],
 *                     "previousValGroupId" (only when it changed)}
 *   gm.group.deleted {"groupDocId","valGroupId","owner","rev",
 *                     "membersAdded":[],"membersRemoved":[every member]}
 * "owner" is the document's owner, or null for a document without one.
 * A member is identified by its valUserId or valUeId; a member whose
 * identifier switches between the two counts as removed and added.
 */
#ifndef SEAL_SERVICES_GM_H
#define SEAL_SERVICES_GM_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEAL_GM_IFACE_V1 "seal.gm.v1"

#define SEAL_GM_EVENT_CREATED "gm.group.created"
#define SEAL_GM_EVENT_UPDATED "gm.group.updated"
#define SEAL_GM_EVENT_DELETED "gm.group.deleted"

/* The longest owner, in bytes (without the NUL). */
#define SEAL_GM_OWNER_MAX 299

/* Re-validates the result of a merge patch before it is stored: returns
 * SEAL_OK to accept, anything else to refuse (the patch operation then
 * returns SEAL_E_INVAL). The callee keeps its own error details in ctx. */
typedef seal_status_t (*seal_gm_check_fn)(const char *json, size_t len, void *ctx);

/* Query callback: return 0 to go on, non-zero to stop. Arguments are valid
 * during the call only. */
typedef int (*seal_gm_visit_fn)(const char *group_doc_id, const char *json, size_t len,
                                uint64_t rev, void *ctx);

/* Query filters; NULL means "any". Filters combine with AND. Fields are
 * only appended: the service reads those that struct_size covers, so a
 * caller built against an older header keeps working. */
typedef struct seal_gm_query {
    uint32_t struct_size;        /* sizeof(seal_gm_query_t) */
    const char *val_group_id;    /* documents with this valGroupId */
    const char *val_service_id;  /* documents listing it in valServiceIds */
    const char *member;          /* documents with a member of this valUserId or valUeId */
    /* Present when struct_size covers it. */
    const char *owner;           /* documents owned by this owner (never one without) */
} seal_gm_query_t;

/* The service's limits (see "Limits" above). Fields are only appended: the
 * caller sets struct_size, the service fills what it covers. */
typedef struct seal_gm_limits {
    uint32_t struct_size;            /* sizeof(seal_gm_limits_t) */
    uint64_t max_members;            /* members per document */
    uint64_t max_groups_per_owner;   /* documents per owner; 0: no limit */
} seal_gm_limits_t;

typedef struct seal_gm_v1 {
    uint32_t struct_size;   /* sizeof(seal_gm_v1_t) */

    /* Create_Group: stores json under a new random groupDocId (URL-safe,
     * 22 characters), without owner (create_owned gives one). Returns the
     * id, the stored document and its revision (any out pointer may be
     * NULL). */
    seal_status_t (*create)(void *user, const char *json, size_t len,
                            char **group_doc_id, char **doc, size_t *doc_len, uint64_t *rev);

    /* Query_Group_Info for one document. */
    seal_status_t (*get)(void *user, const char *group_doc_id,
                         char **doc, size_t *doc_len, uint64_t *rev);

    /* Update_Group_Info by replacement (HTTP PUT). The document must exist. */
    seal_status_t (*replace)(void *user, const char *group_doc_id,
                             const char *json, size_t len, uint64_t expect_rev,
                             char **doc, size_t *doc_len, uint64_t *rev);

    /* Update_Group_Info by JSON merge patch (RFC 7396) applied to the stored
     * document; the result goes through the service's own checks and, if
     * check is not NULL, through check(result, check_ctx). */
    seal_status_t (*patch)(void *user, const char *group_doc_id,
                           const char *patch, size_t len, uint64_t expect_rev,
                           seal_gm_check_fn check, void *check_ctx,
                           char **doc, size_t *doc_len, uint64_t *rev);

    /* Delete_Group. */
    seal_status_t (*remove)(void *user, const char *group_doc_id, uint64_t expect_rev);

    /* Query_Group_Info by filters; visits matching documents in groupDocId
     * order. All filters NULL (or q NULL): every document. */
    seal_status_t (*query)(void *user, const seal_gm_query_t *q,
                           seal_gm_visit_fn fn, void *ctx);
    /* Version 1 ends here; fields are only appended. */

    /* ---- Group master keys (TS 33.180 5.7), for the GM-UU binding. Present
     * when struct_size covers them; they return SEAL_E_UNSUPPORTED when the
     * gm plugin runs without its "gmk" block. ---- */

    /* The pending GMK I_MESSAGEs of identity (a VAL user URI): at most one
     * per group it is a member of, only those of VAL group val_group_id
     * when it is not NULL, in message-id order. fn gets the message id (in
     * place of a groupDocId), a JSON object {"id", "groupDocId",
     * "valGroupId", "valUserId", "generation", "created",
     * "activationTime", "expiryTime", "keyPeriodNo", "iMessage" (base64 of
     * the RFC 6509 I_MESSAGE)}, and the generation as rev. */
    seal_status_t (*gmk_messages)(void *user, const char *identity, const char *val_group_id,
                                  seal_gm_visit_fn fn, void *ctx);

    /* Acknowledges (deletes) the pending message msg_id of identity.
     * SEAL_E_INVAL for an id that is not of the form the service makes;
     * SEAL_E_NOTFOUND when identity has no such pending message (also when
     * a newer GMK superseded it). */
    seal_status_t (*gmk_ack)(void *user, const char *identity, const char *msg_id);

    /* The GMK state of a group, a JSON object {"groupDocId", "valGroupId",
     * "generation", "state" ("distributing" or "done"), "members",
     * "skipped", "chunksLeft", "created", "activationTime", "expiryTime"}.
     * SEAL_E_NOTFOUND when the group has never had a GMK. */
    seal_status_t (*gmk_state)(void *user, const char *group_doc_id, char **json, size_t *len);

    /* ---- Owners (doc/authorization.md). Present when struct_size covers
     * them. ---- */

    /* Create_Group on behalf of owner (see "Owners" above; SEAL_E_INVAL
     * when it is not acceptable): as create, with valGroupId unique among
     * owner's documents only. */
    seal_status_t (*create_owned)(void *user, const char *owner, const char *json, size_t len,
                                  char **group_doc_id, char **doc, size_t *doc_len,
                                  uint64_t *rev);

    /* The owner of a document: *owner is a malloc'd copy, or NULL when the
     * document has no owner. SEAL_E_NOTFOUND when there is no such
     * document. An owner never changes, so a binding may check it and then
     * write: the document it writes (or finds gone) is the one it checked. */
    seal_status_t (*owner)(void *user, const char *group_doc_id, char **owner);

    /* ---- Limits. Present when struct_size covers it. ---- */

    /* Fills out (out->struct_size set by the caller) with the configured
     * limits, so that a binding can answer a SEAL_E_TOOBIG precisely. */
    void (*limits)(void *user, seal_gm_limits_t *out);
} seal_gm_v1_t;

#ifdef __cplusplus
}
#endif
#endif
