/* SPDX-License-Identifier: Apache-2.0 */
/* application/x-www-form-urlencoded (WHATWG URL "urlencoded"; RFC 6749
 * Appendix B): request bodies and queries we send, and the redirect query
 * we receive. Pure functions: no I/O. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sc_int.h"

static int unreserved(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

char *sc_urlencode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1), *p = out;
    if (!out)
        return NULL;
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        if (unreserved(*q)) {
            *p++ = (char)*q;
        } else {
            *p++ = '%';
            *p++ = hex[*q >> 4];
            *p++ = hex[*q & 15];
        }
    }
    *p = '\0';
    return out;
}

char *sc_urldecode(const char *s, size_t len)
{
    char *out = malloc(len + 1), *p = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            *p++ = ' ';
        } else if (s[i] == '%') {
            if (len - i < 3 || sc_hexval(s[i + 1]) < 0 || sc_hexval(s[i + 2]) < 0) {
                free(out);
                return NULL;
            }
            int v = sc_hexval(s[i + 1]) * 16 + sc_hexval(s[i + 2]);
            if (v == 0) {           /* an embedded NUL would truncate the value */
                free(out);
                return NULL;
            }
            *p++ = (char)v;
            i += 2;
        } else if (s[i] == '\0') {
            free(out);
            return NULL;
        } else {
            *p++ = s[i];
        }
    }
    *p = '\0';
    return out;
}

static void form_put(sc_form_t *f, const char *s)
{
    size_t n = strlen(s);
    if (f->failed)
        return;
    if (f->len + n + 1 > f->cap) {
        size_t cap = f->cap ? f->cap : 256;
        while (cap < f->len + n + 1)
            cap *= 2;
        char *p = malloc(cap);
        if (!p) {
            f->failed = 1;
            return;
        }
        /* copied by hand so the old buffer (which may hold a secret) is wiped */
        if (f->s) {
            memcpy(p, f->s, f->len);
            explicit_bzero(f->s, f->cap);
            free(f->s);
        }
        f->s = p;
        f->cap = cap;
    }
    memcpy(f->s + f->len, s, n + 1);
    f->len += n;
}

void sc_form_add(sc_form_t *f, const char *name, const char *value)
{
    char *n = sc_urlencode(name), *v = sc_urlencode(value ? value : "");
    if (!n || !v) {
        f->failed = 1;
    } else {
        if (f->len)
            form_put(f, "&");
        form_put(f, n);
        form_put(f, "=");
        form_put(f, v);
    }
    free(n);
    sc_free_secret(v);
}

char *sc_form_take(sc_form_t *f)
{
    char *s = NULL;
    if (f->failed) {
        sc_form_wipe(f);
    } else {
        s = f->s ? f->s : sc_strdup("");
        f->s = NULL;
    }
    f->len = f->cap = 0;
    f->failed = 0;
    return s;
}

void sc_form_wipe(sc_form_t *f)
{
    if (f->s) {
        explicit_bzero(f->s, f->cap);
        free(f->s);
    }
    f->s = NULL;
    f->len = f->cap = 0;
}

static int pairs_add(sc_pairs_t *p, char *name, char *value)
{
    char **nn = realloc(p->name, (p->n + 1) * sizeof *nn);
    if (!nn)
        goto fail;
    p->name = nn;
    char **vv = realloc(p->value, (p->n + 1) * sizeof *vv);
    if (!vv)
        goto fail;
    p->value = vv;
    p->name[p->n] = name;
    p->value[p->n] = value;
    p->n++;
    return 0;
fail:
    free(name);
    sc_free_secret(value);
    return -1;
}

int sc_query_parse(const char *q, size_t len, sc_pairs_t *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && q[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(q + i, '=', j - i);
            size_t nl = eq ? (size_t)(eq - (q + i)) : j - i;
            char *name = sc_urldecode(q + i, nl);
            char *value = eq ? sc_urldecode(eq + 1, j - i - nl - 1) : sc_strdup("");
            if (!name || !value) {
                free(name);
                free(value);
                sc_pairs_free(out);
                return -1;
            }
            if (pairs_add(out, name, value) < 0) {
                sc_pairs_free(out);
                return -1;
            }
        }
        i = j + 1;
    }
    return 0;
}

const char *sc_pairs_get(const sc_pairs_t *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->name[i], name) == 0)
            return p->value[i];
    return NULL;
}

size_t sc_pairs_count(const sc_pairs_t *p, const char *name)
{
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++)
        k += strcmp(p->name[i], name) == 0;
    return k;
}

void sc_pairs_free(sc_pairs_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->name[i]);
        sc_free_secret(p->value[i]);     /* codes and form values may be secrets */
    }
    free(p->name);
    free(p->value);
    memset(p, 0, sizeof *p);
}

int sc_pairs_push(sc_pairs_t *p, const char *name, const char *value)
{
    char *n = sc_strdup(name), *v = sc_strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return -1;
    }
    return pairs_add(p, n, v);
}
