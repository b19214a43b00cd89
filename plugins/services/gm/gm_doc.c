/* SPDX-License-Identifier: Apache-2.0 */
/* TS 23.434 clause 10.2 (VAL group document contents) as TS 29.549 encodes
 * them (VALGroupDocument, ValTargetUe): the facts the service indexes. */
#include <stdlib.h>
#include <string.h>
#include "gm_doc.h"

struct json_object *gm_doc_parse(const char *json, size_t len)
{
    if (!json || len > INT32_MAX)
        return NULL;
    struct json_tokener *tok = json_tokener_new_ex(64);
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *obj = json_tokener_parse_ex(tok, json, (int)len);
    int ok = json_tokener_get_error(tok) == json_tokener_success;
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    /* STRICT refuses trailing bytes except whitespace; check them anyway. */
    for (size_t i = end; ok && i < len; i++)
        if (!strchr(" \t\r\n", json[i]))
            ok = 0;
    if (!ok || !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

int gm_id_ok(struct json_object *v)
{
    if (!json_object_is_type(v, json_type_string))
        return 0;
    size_t n = (size_t)json_object_get_string_len(v);
    const unsigned char *s = (const unsigned char *)json_object_get_string(v);
    if (n == 0 || n > GM_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int gm_owner_ok(const char *s, size_t max)
{
    size_t n = s ? strnlen(s, max + 1) : 0;
    if (n == 0 || n > max)
        return 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p++;
        size_t more;
        unsigned cp, min;
        if (c < 0x20 || c == 0x7f)
            return 0;
        if (c < 0x80)
            continue;
        /* RFC 3629: shortest form, no surrogates, at most U+10FFFF. */
        if ((c & 0xe0) == 0xc0)
            more = 1, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            more = 2, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            more = 3, cp = c & 0x07, min = 0x10000;
        else
            return 0;
        if ((size_t)(end - p) < more)
            return 0;
        for (size_t i = 0; i < more; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (*p & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
    }
    return 1;
}

static int member_cmp(const void *a, const void *b)
{
    const gm_member_t *x = a, *y = b;
    if (x->is_ue != y->is_ue)
        return x->is_ue - y->is_ue;
    return strcmp(x->id, y->id);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void gm_facts_clear(gm_facts_t *f)
{
    free(f->members);
    free(f->services);
    memset(f, 0, sizeof *f);
}

int gm_facts_get(struct json_object *doc, gm_facts_t *f, const char **why)
{
    struct json_object *v;
    memset(f, 0, sizeof *f);
    *why = NULL;
    if (!json_object_is_type(doc, json_type_object)) {
        *why = "the document is not a JSON object";
        return -1;
    }
    if (!json_object_object_get_ex(doc, "valGroupId", &v) || !gm_id_ok(v)) {
        *why = "valGroupId must be a non-empty string without control characters";
        return -1;
    }
    f->val_group_id = json_object_get_string(v);

    if (json_object_object_get_ex(doc, "members", &v)) {
        if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0) {
            *why = "members must be a non-empty array";
            return -1;
        }
        size_t n = json_object_array_length(v);
        f->members = calloc(n, sizeof *f->members);
        if (!f->members)
            return -2;
        for (size_t i = 0; i < n; i++) {
            struct json_object *m = json_object_array_get_idx(v, i), *u = NULL, *e = NULL;
            int has_u = json_object_object_get_ex(m, "valUserId", &u);
            int has_e = json_object_object_get_ex(m, "valUeId", &e);
            if (!json_object_is_type(m, json_type_object) || has_u == has_e
                || !gm_id_ok(has_u ? u : e)) {
                *why = "each member must name exactly one of valUserId or valUeId";
                gm_facts_clear(f);
                return -1;
            }
            f->members[i].id = json_object_get_string(has_u ? u : e);
            f->members[i].is_ue = has_e;
        }
        f->nmembers = n;
        qsort(f->members, n, sizeof *f->members, member_cmp);
        for (size_t i = 1; i < n; i++)
            if (member_cmp(&f->members[i - 1], &f->members[i]) == 0) {
                *why = "a member is listed twice";
                gm_facts_clear(f);
                return -1;
            }
    }

    if (json_object_object_get_ex(doc, "valServiceIds", &v)) {
        if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0) {
            *why = "valServiceIds must be a non-empty array";
            gm_facts_clear(f);
            return -1;
        }
        size_t n = json_object_array_length(v);
        f->services = calloc(n, sizeof *f->services);
        if (!f->services) {
            gm_facts_clear(f);
            return -2;
        }
        for (size_t i = 0; i < n; i++) {
            struct json_object *s = json_object_array_get_idx(v, i);
            if (!gm_id_ok(s)) {
                *why = "each valServiceIds item must be a non-empty string";
                gm_facts_clear(f);
                return -1;
            }
            f->services[i] = json_object_get_string(s);
        }
        f->nservices = n;
        /* Duplicates would make the index ambiguous; check on a sorted copy. */
        const char **tmp = malloc(n * sizeof *tmp);
        if (!tmp) {
            gm_facts_clear(f);
            return -2;
        }
        memcpy(tmp, f->services, n * sizeof *tmp);
        qsort(tmp, n, sizeof *tmp, str_cmp);
        int dup = 0;
        for (size_t i = 1; i < n && !dup; i++)
            dup = strcmp(tmp[i - 1], tmp[i]) == 0;
        free(tmp);
        if (dup) {
            *why = "a VAL service is listed twice";
            gm_facts_clear(f);
            return -1;
        }
    }
    return 0;
}

struct json_object *gm_members_minus(const gm_facts_t *b, const gm_facts_t *a)
{
    struct json_object *out = json_object_new_array();
    if (!out)
        return NULL;
    size_t i = 0, j = 0;
    /* Both lists are sorted by (is_ue, id): one merge pass. */
    while (i < b->nmembers) {
        int c = j < a->nmembers ? member_cmp(&b->members[i], &a->members[j]) : -1;
        if (c > 0) {
            j++;
            continue;
        }
        if (c < 0) {
            struct json_object *m = json_object_new_object();
            struct json_object *s = json_object_new_string(b->members[i].id);
            if (!m || !s
                || json_object_object_add(m, b->members[i].is_ue ? "valUeId" : "valUserId", s)) {
                json_object_put(s);
                json_object_put(m);
                json_object_put(out);
                return NULL;
            }
            if (json_object_array_add(out, m) != 0) {
                json_object_put(m);
                json_object_put(out);
                return NULL;
            }
        } else {
            j++;
        }
        i++;
    }
    return out;
}

int gm_facts_has_member(const gm_facts_t *f, const char *id)
{
    for (size_t i = 0; i < f->nmembers; i++)
        if (strcmp(f->members[i].id, id) == 0)
            return 1;
    return 0;
}

int gm_facts_has_service(const gm_facts_t *f, const char *service)
{
    for (size_t i = 0; i < f->nservices; i++)
        if (strcmp(f->services[i], service) == 0)
            return 1;
    return 0;
}

char *gm_doc_text(struct json_object *doc, size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (!s)
        return NULL;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, s, n + 1);
    if (len)
        *len = n;
    return out;
}

int gm_json_add_str(struct json_object *o, const char *k, const char *v)
{
    struct json_object *s = json_object_new_string(v);
    if (!s || json_object_object_add(o, k, s) != 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

int gm_json_add_int(struct json_object *o, const char *k, int64_t v)
{
    struct json_object *i = json_object_new_int64(v);
    if (!i || json_object_object_add(o, k, i) != 0) {
        json_object_put(i);
        return -1;
    }
    return 0;
}
