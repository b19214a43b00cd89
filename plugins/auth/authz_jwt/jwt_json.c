/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON reading for tokens and key sets. */
#include <string.h>
#include "jwt_json.h"

#define MAX_DEPTH 16

json_object *jwt_json_parse(const char *text, size_t len)
{
    if (!text || len == 0 || len > (size_t)INT32_MAX)
        return NULL;
    json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
    if (!tok)
        return NULL;
    int flags = JSON_TOKENER_STRICT;
#ifdef JSON_TOKENER_VALIDATE_UTF8
    flags |= JSON_TOKENER_VALIDATE_UTF8;
#endif
    json_tokener_set_flags(tok, flags);
    json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    /* A value that ends before len (or needs more input) is refused. */
    if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
        json_tokener_get_parse_end(tok) != len) {
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    return obj;
}

const char *jwt_json_str(json_object *obj, const char *key, size_t *len)
{
    json_object *v;
    if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (!s || strlen(s) != n)
        return NULL;
    if (len)
        *len = n;
    return s;
}
