/* SPDX-License-Identifier: Apache-2.0 */
/* Validation of TS 29.549 request bodies (see ss_json.h). The reasons are
 * worded after the OpenAPI keywords they enforce. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ss_json.h"
#include "sjson/sjson.h"

void ss_errs_add(ss_errs_t *e, const char *param, const char *reason)
{
    e->total++;
    if (e->n >= SS_MAX_ERRS)
        return;
    char *p = strdup(param ? param : "");
    if (!p) {
        e->oom = 1;
        return;
    }
    e->param[e->n] = p;
    e->reason[e->n] = reason;
    e->n++;
}

void ss_errs_free(ss_errs_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->param[i]);
    memset(e, 0, sizeof *e);
}

struct json_object *ss_parse(const char *buf, size_t len, int max_depth,
                             char *why, size_t why_len)
{
    sjson_error_t err;
    if (why_len)
        why[0] = '\0';
    struct json_object *obj = sjson_parse(buf, len, max_depth, &err);
    if (!obj && err.code != SJSON_OK)
        sjson_error_text(&err, why, why_len);
    else if (!obj)
        snprintf(why, why_len, "the value is null");
    return obj;
}

struct json_object *ss_parse_body(const char *buf, size_t len, int max_depth, ss_errs_t *e,
                                  char *why, size_t why_len)
{
    sjson_error_t err;
    if (why_len)
        why[0] = '\0';
    struct json_object *obj = sjson_parse(buf, len, max_depth, &err);
    if (obj)
        return obj;
    if (err.code == SJSON_OK)
        ss_errs_add(e, "", "must not be null");
    else if (err.code == SJSON_E_NOMEM)
        e->oom = 1;
    else if (err.pointer[0])
        ss_errs_add(e, err.pointer, err.reason);    /* a field: invalidParams names it */
    else
        sjson_error_text(&err, why, why_len);
    return NULL;
}

size_t ss_ptr_push(char *buf, size_t len, const char *token)
{
    if (len + 1 >= SS_PTR_MAX)
        return len;
    buf[len++] = '/';
    for (const char *t = token; *t && len + 2 < SS_PTR_MAX; t++) {
        if (*t == '~' || *t == '/') {
            buf[len++] = '~';
            buf[len++] = *t == '~' ? '0' : '1';
        } else {
            buf[len++] = *t;
        }
    }
    buf[len] = '\0';
    return len;
}

size_t ss_ptr_push_index(char *buf, size_t len, size_t index)
{
    char num[24];
    snprintf(num, sizeof num, "%zu", index);
    return ss_ptr_push(buf, len, num);
}

char *ss_text(struct json_object *v, size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (!s)
        return NULL;
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, s, n + 1);
        if (len)
            *len = n;
    }
    return out;
}

const char *ss_check_hex(struct json_object *v)
{
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]) || s[i] == '\0')
            return "must match ^[A-Fa-f0-9]*$";
    return NULL;
}

const char *ss_check_id(struct json_object *v)
{
    const unsigned char *s = (const unsigned char *)json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n == 0)
        return "must not be empty";
    if (n > 1024)
        return "must be at most 1024 bytes";
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7f)
            return "must not contain control characters";
    return NULL;
}

static const char *kind_reason(ss_kind_t k)
{
    switch (k) {
    case SS_STRING: return "must be a string";
    case SS_INTEGER: return "must be an integer";
    case SS_NUMBER: return "must be a number";
    case SS_BOOLEAN: return "must be a boolean";
    case SS_OBJECT: return "must be an object";
    case SS_ARRAY: return "must be an array";
    }
    return "has the wrong type";
}

static int kind_ok(ss_kind_t k, struct json_object *v)
{
    switch (k) {
    case SS_STRING: return json_object_is_type(v, json_type_string);
    case SS_INTEGER: return json_object_is_type(v, json_type_int);
    case SS_NUMBER:
        return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
    case SS_BOOLEAN: return json_object_is_type(v, json_type_boolean);
    case SS_OBJECT: return json_object_is_type(v, json_type_object);
    case SS_ARRAY: return json_object_is_type(v, json_type_array);
    }
    return 0;
}

static struct json_object *deep_copy(struct json_object *v, ss_errs_t *e)
{
    struct json_object *out = NULL;
    if (v && json_object_deep_copy(v, &out, NULL) != 0) {
        e->oom = 1;
        return NULL;
    }
    return out;
}

static const ss_field_t *find_field(const ss_schema_t *s, const char *name)
{
    for (size_t i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return &s->fields[i];
    return NULL;
}

/* path holds the pointer of "in" (length plen) and is restored on return. */
static struct json_object *walk(const ss_schema_t *s, struct json_object *in,
                                char *path, size_t plen, ss_errs_t *e)
{
    if (!kind_ok(s->kind, in)) {
        ss_errs_add(e, path, in ? kind_reason(s->kind) : "must not be null");
        return NULL;
    }
    size_t before = e->total;
    switch (s->kind) {
    case SS_INTEGER:
        if (json_object_get_int64(in) < s->min || json_object_get_int64(in) > s->max
            /* json-c parses integers beyond int64 as uint64: out of any range here */
            || (json_object_get_int64(in) == INT64_MAX && s->max < INT64_MAX)) {
            ss_errs_add(e, path, "is out of range");
            return NULL;
        }
        /* fall through */
    case SS_NUMBER:
        if (s->kind == SS_NUMBER && s->nrange
            && (json_object_get_double(in) < s->nmin || json_object_get_double(in) > s->nmax)) {
            ss_errs_add(e, path, "is out of range");
            return NULL;
        }
        /* fall through */
    case SS_STRING:
    case SS_BOOLEAN: {
        const char *why = s->check ? s->check(in) : NULL;
        if (why) {
            ss_errs_add(e, path, why);
            return NULL;
        }
        return deep_copy(in, e);
    }
    case SS_ARRAY: {
        size_t n = json_object_array_length(in);
        /* A wrong count is reported and the items are still checked. */
        if (n < s->min_items)
            ss_errs_add(e, path, s->min_items == 1 ? "must have at least 1 item"
                                                   : "has too few items");
        else if (s->max_items && n > s->max_items)
            ss_errs_add(e, path, "has too many items");
        struct json_object *out = json_object_new_array_ext((int)(n < INT32_MAX ? n : 0));
        if (!out) {
            e->oom = 1;
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            size_t l = ss_ptr_push_index(path, plen, i);
            struct json_object *item = walk(s->items, json_object_array_get_idx(in, i), path, l, e);
            path[plen] = '\0';
            if (item && json_object_array_add(out, item) != 0) {
                json_object_put(item);
                e->oom = 1;
            }
        }
        if (s->multi && e->total == before)
            s->multi(in, path, e);
        if (e->total != before || e->oom) {
            json_object_put(out);
            return NULL;
        }
        return out;
    }
    case SS_OBJECT: {
        struct json_object *out = json_object_new_object();
        if (!out) {
            e->oom = 1;
            return NULL;
        }
        for (size_t i = 0; i < s->nfields; i++) {
            const ss_field_t *f = &s->fields[i];
            struct json_object *v = NULL;
            int present = json_object_object_get_ex(in, f->name, &v);
            size_t l = ss_ptr_push(path, plen, f->name);
            if (!present) {
                if (f->flags & SS_F_REQUIRED)
                    ss_errs_add(e, path, "is required");
            } else if (f->flags & SS_F_REFUSED) {
                ss_errs_add(e, path, f->reason ? f->reason : "is not allowed here");
            } else if (!v && (f->flags & SS_F_NULLABLE)) {
                if (json_object_object_add(out, f->name, NULL) != 0)
                    e->oom = 1;
            } else {
                struct json_object *c = walk(f->schema, v, path, l, e);
                if (c && json_object_object_add(out, f->name, c) != 0) {
                    json_object_put(c);
                    e->oom = 1;
                }
            }
            path[plen] = '\0';
        }
        if (s->keep_unknown) {
            json_object_object_foreach(in, key, val) {
                if (find_field(s, key))
                    continue;
                struct json_object *c = deep_copy(val, e);
                if ((c || !val) && json_object_object_add(out, key, c) != 0) {
                    json_object_put(c);
                    e->oom = 1;
                }
            }
        }
        if (s->multi && e->total == before)
            s->multi(in, path, e);
        if (e->total != before || e->oom) {
            json_object_put(out);
            return NULL;
        }
        return out;
    }
    }
    return NULL;
}

struct json_object *ss_validate_at(const ss_schema_t *s, struct json_object *in,
                                   const char *at, ss_errs_t *e)
{
    char path[SS_PTR_MAX];
    size_t before = e->total;
    snprintf(path, sizeof path, "%s", at ? at : "");
    struct json_object *out = walk(s, in, path, strlen(path), e);
    if (!out || e->total != before || e->oom) {
        json_object_put(out);
        if (e->total == before && !e->oom)
            e->oom = 1;   /* NULL without an error: only allocation fails so */
        return NULL;
    }
    return out;
}

struct json_object *ss_validate(const ss_schema_t *s, struct json_object *in, ss_errs_t *e)
{
    return ss_validate_at(s, in, "", e);
}
