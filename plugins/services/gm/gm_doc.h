/* SPDX-License-Identifier: Apache-2.0 */
/* What the group management service needs to know about a VAL group
 * document (TS 29.549 VALGroupDocument): its VAL group id, its members and
 * its VAL services, for the store's index terms and the membership events.
 * Host-free (json-c only), so the fuzz target can compile it. */
#ifndef SEAL_GM_DOC_H
#define SEAL_GM_DOC_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* One member: a ValTargetUe (TS 29.549) naming a VAL user or a VAL UE. */
typedef struct gm_member {
    const char *id;   /* borrowed from the document */
    int is_ue;        /* 1: valUeId, 0: valUserId */
} gm_member_t;

typedef struct gm_facts {
    const char *val_group_id;    /* borrowed */
    gm_member_t *members;        /* sorted by (is_ue, id) */
    size_t nmembers;
    const char **services;       /* borrowed, in document order */
    size_t nservices;
} gm_facts_t;

/* Strict parse (RFC 8259, valid UTF-8, depth <= 64, nothing after the
 * value) of a document that must be a JSON object. NULL if not. */
struct json_object *gm_doc_parse(const char *json, size_t len);

/* Fills f from doc (strings stay owned by doc). Returns 0, or -1 with *why
 * set to a static reason when doc cannot be indexed (see seal/services/gm.h);
 * -2 when out of memory. */
int gm_facts_get(struct json_object *doc, gm_facts_t *f, const char **why);
void gm_facts_clear(gm_facts_t *f);

/* Members of b that are not in a, as a new JSON array of ValTargetUe. */
struct json_object *gm_members_minus(const gm_facts_t *b, const gm_facts_t *a);

int gm_facts_has_member(const gm_facts_t *f, const char *id);
int gm_facts_has_service(const gm_facts_t *f, const char *service);

/* The document as compact JSON text; a new malloc'd string or NULL. */
char *gm_doc_text(struct json_object *doc, size_t *len);

/* Adds member k (a copy of v) to object o; -1 when out of memory. */
int gm_json_add_str(struct json_object *o, const char *k, const char *v);
int gm_json_add_int(struct json_object *o, const char *k, int64_t v);

/* An identifier the service can index: a non-empty string without control
 * characters, at most GM_ID_MAX bytes. */
#define GM_ID_MAX 1024
int gm_id_ok(struct json_object *v);

/* An owner the service can keep (seal/services/gm.h "Owners"): 1..max
 * bytes of valid UTF-8 without control characters. */
int gm_owner_ok(const char *s, size_t max);

#endif
