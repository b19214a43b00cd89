/* SPDX-License-Identifier: Apache-2.0 */
/* TS 29.549 SS_GroupManagement request bodies: VALGroupDocument (POST, PUT)
 * and VALGroupDocumentPatch (PATCH), validated field by field. Host-free. */
#ifndef SEAL_SS_GM_VALIDATE_H
#define SEAL_SS_GM_VALIDATE_H

#include "ss_json.h"

/* Both return a normalized copy (see README: unknown members dropped, resUri
 * dropped as server-owned) or NULL with every bad field in e. */
struct json_object *ss_gm_validate_doc(struct json_object *in, ss_errs_t *e);
struct json_object *ss_gm_validate_patch(struct json_object *in, ss_errs_t *e);

/* Parse + validate in one step, for the binding and the fuzz target. NULL
 * when the text as a whole is not JSON (why says why; e untouched) or a
 * field is not strict JSON or not valid (errors in e, with its pointer:
 * see ss_parse_body). */
struct json_object *ss_gm_parse_doc(const char *buf, size_t len, ss_errs_t *e,
                                    char *why, size_t why_len);
struct json_object *ss_gm_parse_patch(const char *buf, size_t len, ss_errs_t *e,
                                      char *why, size_t why_len);

/* Nesting deeper than this is refused while parsing. */
#define SS_GM_MAX_DEPTH 32

#endif
