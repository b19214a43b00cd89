/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 7396 clause 2: MergePatch(Target, Patch). TS 29.549 uses it for PATCH
 * on VAL group documents (application/merge-patch+json, TS 29.122 5.2.3). */
#include "gm_merge.h"

static struct json_object *copy(struct json_object *v, int *ok)
{
    struct json_object *out = NULL;
    if (v && json_object_deep_copy(v, &out, NULL) != 0) {
        *ok = 0;
        return NULL;
    }
    return out;
}

struct json_object *gm_merge_patch(struct json_object *target, struct json_object *patch, int *ok)
{
    *ok = 1;
    if (!json_object_is_type(patch, json_type_object))
        return copy(patch, ok);   /* a non-object patch replaces the target */

    struct json_object *result = json_object_is_type(target, json_type_object)
                                     ? copy(target, ok) : json_object_new_object();
    if (!result) {
        *ok = 0;
        return NULL;
    }
    json_object_object_foreach(patch, key, value) {
        if (!value) {   /* null removes the member */
            json_object_object_del(result, key);
            continue;
        }
        struct json_object *cur = NULL;
        json_object_object_get_ex(result, key, &cur);
        int sub_ok;
        struct json_object *merged = gm_merge_patch(cur, value, &sub_ok);
        if (!sub_ok || json_object_object_add(result, key, merged) != 0) {
            json_object_put(merged);
            json_object_put(result);
            *ok = 0;
            return NULL;
        }
    }
    return result;
}
