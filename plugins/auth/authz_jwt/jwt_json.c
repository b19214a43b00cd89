/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON reading for tokens and key sets, through lib/sjson: a JOSE
 * header or claim set with a duplicate member name is refused (RFC 7515 4,
 * RFC 7519 4: "MUST either reject ... or use a JSON parser that returns
 * only the lexically last duplicate member name": we reject), as are
 * NaN, lone surrogates and bytes that are not UTF-8. */
#include <string.h>
#include "jwt_json.h"

#define MAX_DEPTH 16

json_object *jwt_json_parse_ex(const char *text, size_t len, sjson_error_t *err)
{
    return sjson_parse(text, len, MAX_DEPTH, err);
}

json_object *jwt_json_parse(const char *text, size_t len)
{
    return jwt_json_parse_ex(text, len, NULL);
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
