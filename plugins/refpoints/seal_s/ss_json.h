/* SPDX-License-Identifier: Apache-2.0 */
/* Request-body parsing and field-by-field validation shared by the SEAL-S
 * APIs (ss_*.c). A tiny table-driven subset of the OpenAPI 3.0 schema
 * objects of TS 29.549: types, required, nullable (merge patch), minItems,
 * per-value checks (patterns), object-level checks (oneOf-required).
 * Every bad field becomes one error with a JSON pointer (RFC 6901), so a 400
 * ProblemDetails can name them all (TS 29.122 InvalidParam).
 * Host-free (json-c only): the fuzz targets compile it. */
#ifndef SEAL_SS_JSON_H
#define SEAL_SS_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* At most this many errors are kept (total counts them all). */
#define SS_MAX_ERRS 64
/* Longest JSON pointer kept; deeper ones are cut (schemas here are shallow). */
#define SS_PTR_MAX 256

typedef struct ss_errs {
    size_t n;                        /* kept */
    size_t total;                    /* found */
    int oom;                         /* an allocation failed: answer 500 */
    char *param[SS_MAX_ERRS];        /* JSON pointers, malloc'd */
    const char *reason[SS_MAX_ERRS]; /* static text */
} ss_errs_t;

void ss_errs_add(ss_errs_t *e, const char *param, const char *reason);
void ss_errs_free(ss_errs_t *e);

typedef enum ss_kind {
    SS_STRING = 1,
    SS_INTEGER,
    SS_NUMBER,
    SS_BOOLEAN,
    SS_OBJECT,
    SS_ARRAY
} ss_kind_t;

typedef struct ss_schema ss_schema_t;

/* A check on a value of the right JSON type: NULL if fine, else a reason. */
typedef const char *(*ss_check_fn)(struct json_object *v);
/* Checks across members (object) or items (array); reports through
 * ss_errs_add with paths built from path. */
typedef void (*ss_multi_check_fn)(struct json_object *v, const char *path, ss_errs_t *e);

#define SS_F_REQUIRED 0x1u  /* absent is an error */
#define SS_F_NULLABLE 0x2u  /* JSON null accepted and kept (merge patch: remove) */
#define SS_F_REFUSED  0x4u  /* present is an error, with the field's reason */

typedef struct ss_field {
    const char *name;
    const ss_schema_t *schema;
    unsigned flags;
    const char *reason;     /* for SS_F_REFUSED */
} ss_field_t;

struct ss_schema {
    ss_kind_t kind;
    ss_check_fn check;                 /* strings, numbers: extra rule */
    int64_t min, max;                  /* integers: inclusive range */
    int nrange;                        /* numbers: check nmin <= v <= nmax */
    double nmin, nmax;
    const ss_schema_t *items;          /* arrays */
    size_t min_items, max_items;       /* max_items 0: no bound */
    ss_multi_check_fn multi;           /* arrays, objects */
    const ss_field_t *fields;          /* objects: known members */
    size_t nfields;
    int keep_unknown;                  /* objects: copy unknown members as sent */
};

/* Strict parse through lib/sjson (RFC 8259 exactly: valid UTF-8, no lone
 * surrogate escapes, no NaN/Infinity, no duplicate member names, integers
 * within 64 bits, one value, depth <= max_depth). NULL with a reason and
 * the pointer of the field at fault in why (e.g. "duplicate member name
 * at /members/0/valUserId (offset 40)"), or "the value is null". */
struct json_object *ss_parse(const char *buf, size_t len, int max_depth,
                             char *why, size_t why_len);

/* The same for a request body: a fault inside the value is one error in e
 * (its pointer and reason, for invalidParams), "null" is the error
 * ("", "must not be null"), a fault of the text as a whole (not JSON,
 * trailing data) goes to why; out of memory sets e->oom. */
struct json_object *ss_parse_body(const char *buf, size_t len, int max_depth, ss_errs_t *e,
                                  char *why, size_t why_len);

/* Validates in against s. Returns a normalized deep copy (unknown members of
 * objects without keep_unknown dropped) when no error was found, else NULL
 * with the errors in e. The root's pointer is "". */
struct json_object *ss_validate(const ss_schema_t *s, struct json_object *in, ss_errs_t *e);

/* The same for a value found at JSON pointer path (for checks that validate
 * a member against a schema they pick, e.g. by a discriminator). */
struct json_object *ss_validate_at(const ss_schema_t *s, struct json_object *in,
                                   const char *path, ss_errs_t *e);

/* Appends "/<token>" (RFC 6901 escaped) to a pointer of length len in buf
 * (capacity SS_PTR_MAX); returns the new length. */
size_t ss_ptr_push(char *buf, size_t len, const char *token);
size_t ss_ptr_push_index(char *buf, size_t len, size_t index);

/* Compact JSON text of v (a new malloc'd string, NULL on failure). */
char *ss_text(struct json_object *v, size_t *len);

/* Common checks. */
const char *ss_check_hex(struct json_object *v);   /* ^[A-Fa-f0-9]*$ (SupportedFeatures) */
const char *ss_check_id(struct json_object *v);    /* non-empty, no control characters, <= 1024 bytes */

#endif
