/* SPDX-License-Identifier: Apache-2.0 */
/* The one strict JSON reader for every text that comes from outside the
 * process: request bodies (SEAL-S, IdM admin), tokens and key sets read
 * from the network, server answers read by libsealclient. It accepts
 * exactly the JSON text of RFC 8259 and builds json-c objects; it refuses,
 * with a JSON pointer (RFC 6901) to the field at fault and a reason:
 *   - bytes that are not UTF-8 (RFC 8259 8.1, RFC 3629 3): overlong forms,
 *     UTF-8-encoded surrogates U+D800..U+DFFF, code points past U+10FFFF,
 *     truncated sequences, stray continuation bytes;
 *   - \u escapes that leave a lone surrogate (a high one not followed by a
 *     low one, a lone low one): RFC 8259 8.2 lets them through the grammar
 *     but says the result is unpredictable; nothing here can carry them as
 *     UTF-8, so they are refused;
 *   - NaN, Infinity, -Infinity (RFC 8259 6), leading zeros, "+1", ".5",
 *     "1.", "1e"; integers past the 64-bit range (json-c would clamp them
 *     silently: RFC 8259 6 lets an implementation limit the range) and
 *     numbers whose magnitude overflows a double;
 *   - trailing commas, comments, single quotes, member names that are not
 *     strings, control characters in strings, escapes RFC 8259 7 does not
 *     define;
 *   - the same member name twice in one object, at any depth (RFC 8259 4
 *     says names SHOULD be unique; RFC 7519 4 and RFC 7515 4 say a token
 *     with duplicates MUST be refused or use the last: we refuse);
 *   - \u0000 in a member name: json-c names are C strings, so the name
 *     would be cut (and "a\u0000x" would pass for "a"); RFC 8259 9 lets an
 *     implementation limit string contents. In a value \u0000 is kept (the
 *     value's length says where it ends): readers of C strings must check
 *     json_object_get_string_len, as the SEAL-S validators and
 *     jwt_json_str do;
 *   - anything after the value but white space, and nesting past the limit.
 * Its own working memory (names, decoded strings) is wiped before it is
 * freed, so a secret read from JSON lives on only in the values returned.
 * Internal to the tree (never installed); json-c only, no host API, so the
 * fuzz targets and libsealclient link it too. */
#ifndef SEAL_SJSON_H
#define SEAL_SJSON_H

#include <stddef.h>
#include <json-c/json.h>

/* The deepest nesting any caller may ask for (the parser recurses). */
#define SJSON_DEPTH_LIMIT 256
/* Longest pointer kept, NUL included; a longer one is cut at a character
 * boundary. */
#define SJSON_PTR_MAX 256

typedef enum sjson_code {
    SJSON_OK = 0,
    SJSON_E_EMPTY,      /* no value at all */
    SJSON_E_EOF,        /* the text ends inside a value */
    SJSON_E_SYNTAX,     /* not the RFC 8259 grammar (and none of the below) */
    SJSON_E_TRAILING,   /* something after the value */
    SJSON_E_UTF8,       /* bytes that are not UTF-8 */
    SJSON_E_SURROGATE,  /* a \u escape leaving a lone surrogate */
    SJSON_E_ESCAPE,     /* an undefined escape, or a bad \u */
    SJSON_E_CONTROL,    /* an unescaped control character in a string */
    SJSON_E_NUL,        /* \u0000 in a member name */
    SJSON_E_NONFINITE,  /* NaN, Infinity, -Infinity */
    SJSON_E_NUMBER,     /* number grammar: leading zero, "+1", ".5", "1." */
    SJSON_E_RANGE,      /* an integer past 64 bits, a double overflow */
    SJSON_E_COMMA,      /* a trailing comma */
    SJSON_E_COMMENT,    /* a comment */
    SJSON_E_QUOTE,      /* a single-quoted string or name */
    SJSON_E_NAME,       /* a member name that is not a string */
    SJSON_E_DUPLICATE,  /* a member name given twice in one object */
    SJSON_E_DEPTH,      /* nested deeper than max_depth */
    SJSON_E_NOMEM
} sjson_code_t;

typedef struct sjson_error {
    sjson_code_t code;
    const char *reason;          /* static text, e.g. "duplicate member name" */
    size_t offset;               /* byte offset of the fault in the text */
    /* The field at fault: "" is the whole text; a member name or a value
     * is named by its own pointer (a duplicate: the object's pointer plus
     * the name); a fault of an object or array itself (trailing comma,
     * missing ',') names that object or array. */
    char pointer[SJSON_PTR_MAX];
} sjson_error_t;

/* Parses exactly len bytes as one JSON value (any type at the top, white
 * space around it). max_depth is the deepest nesting of arrays and objects
 * accepted ("[[1]]" is 2, a scalar 0); <= 0 or more than SJSON_DEPTH_LIMIT
 * means SJSON_DEPTH_LIMIT. Returns a new value (json_object_put it), or
 * NULL with *err (optional) filled. JSON null at the top level also
 * returns NULL, with err->code SJSON_OK. Integers become json_type_int
 * (uint64 above INT64_MAX, as json-c's own reader does), other numbers
 * json_type_double keeping their text. */
struct json_object *sjson_parse(const char *text, size_t len, int max_depth,
                                sjson_error_t *err);

/* "reason at /pointer (offset N)" (or "reason (offset N)" for the whole
 * text) into buf of n bytes, for logs and detail strings. Returns buf. */
char *sjson_error_text(const sjson_error_t *err, char *buf, size_t n);

#endif
