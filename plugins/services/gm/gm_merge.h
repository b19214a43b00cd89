/* SPDX-License-Identifier: Apache-2.0 */
/* JSON Merge Patch (RFC 7396) on json-c values. Host-free, so the fuzz
 * target can compile it. */
#ifndef SEAL_GM_MERGE_H
#define SEAL_GM_MERGE_H

#include <json-c/json.h>

/* Returns MergePatch(target, patch) as a new value the caller owns (a json-c
 * NULL pointer stands for JSON null); target and patch are not modified.
 * *ok is set to 0 on allocation failure. */
struct json_object *gm_merge_patch(struct json_object *target, struct json_object *patch, int *ok);

#endif
