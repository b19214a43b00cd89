/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON reading for tokens and key sets (lib/sjson: RFC 8259, no
 * duplicate member names). */
#ifndef AUTHZ_JWT_JSON_H
#define AUTHZ_JWT_JSON_H

#include <stddef.h>
#include <json-c/json.h>
#include "sjson/sjson.h"

/* Parses exactly len bytes as one JSON value: no comments, no trailing
 * bytes, valid UTF-8, no lone surrogate, no NaN/Infinity, no member name
 * twice in an object, nesting at most 16 deep. NULL on any error (and for
 * a bare null); _ex says what and where in *err (optional). */
json_object *jwt_json_parse(const char *text, size_t len);
json_object *jwt_json_parse_ex(const char *text, size_t len, sjson_error_t *err);

/* The string member key of an object, or NULL when it is absent, not a
 * string, or holds a NUL (which would let a C string say less than the
 * JSON). *len (optional) gets its length. */
const char *jwt_json_str(json_object *obj, const char *key, size_t *len);

#endif
