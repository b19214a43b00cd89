/* SPDX-License-Identifier: Apache-2.0 */
/* The IdM server's login page (TS 33.434 5.2.3 step 3: on HTTP 200 the
 * SIM-C collects the user name and password and POSTs them back): finds the
 * first <form>, its action and method, and its input fields the way a
 * browser would submit them (hidden fields echoed). A small tolerant
 * scanner, not an HTML parser: it only has to read forms, and it never
 * reads past the buffer. Pure function: no I/O. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sc_int.h"

typedef struct scan {
    const char *p, *end;
} scan_t;

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f';
}

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* Does the text at p (within end) start with word, case-insensitively? */
static int starts(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)p[i]) != word[i])
            return 0;
    return 1;
}

static void put_utf8(char **o, unsigned long cp)
{
    char *q = *o;
    if (cp < 0x80) {
        *q++ = (char)cp;
    } else if (cp < 0x800) {
        *q++ = (char)(0xC0 | (cp >> 6));
        *q++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *q++ = (char)(0xE0 | (cp >> 12));
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *q++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *q++ = (char)(0xF0 | (cp >> 18));
        *q++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *q++ = (char)(0x80 | (cp & 0x3F));
    }
    *o = q;
}

/* Decodes the character references a server uses when it echoes values
 * into attributes; an unknown reference is kept as text (as browsers do). */
static char *entity_decode(const char *s, size_t len)
{
    char *out = malloc(len + 4), *o = out;   /* a reference never grows: "&#1;" is 4 bytes */
    if (!out)
        return NULL;
    static const struct { const char *name; char ch; } named[] = {
        { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' },
        { "apos;", '\'' }, { "#39;", '\'' },
    };
    size_t i = 0;
    while (i < len) {
        if (s[i] != '&') {
            *o++ = s[i++];
            continue;
        }
        const char *p = s + i + 1, *end = s + len;
        int done = 0;
        for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
            if (starts(p, end, named[k].name)) {
                *o++ = named[k].ch;
                i += 1 + strlen(named[k].name);
                done = 1;
                break;
            }
        }
        if (!done && p < end && *p == '#') {
            const char *q = p + 1;
            int base = 10;
            if (q < end && (*q == 'x' || *q == 'X')) {
                base = 16;
                q++;
            }
            unsigned long cp = 0;
            const char *digits = q;
            while (q < end && q - digits < 8) {
                int d = -1;
                if (*q >= '0' && *q <= '9')
                    d = *q - '0';
                else if (base == 16 && lower((unsigned char)*q) >= 'a' && lower((unsigned char)*q) <= 'f')
                    d = lower((unsigned char)*q) - 'a' + 10;
                if (d < 0)
                    break;
                cp = cp * (unsigned long)base + (unsigned long)d;
                q++;
            }
            if (q > digits && q < end && *q == ';' && cp > 0 && cp <= 0x10FFFF &&
                !(cp >= 0xD800 && cp <= 0xDFFF) && (size_t)(q + 1 - (s + i)) >= 4) {
                put_utf8(&o, cp);   /* at most 4 bytes for at least 4 consumed */
                i = (size_t)(q + 1 - s);
                done = 1;
            }
        }
        if (!done)
            *o++ = s[i++];
    }
    *o = '\0';
    return out;
}

/* Reads the next attribute of a tag; returns 0 at '>' or the end. name and
 * value are malloc'd (value decoded; "" for a bare attribute). */
static int next_attr(scan_t *sc, char **name, char **value, int *closed)
{
    *name = *value = NULL;
    for (;;) {
        while (sc->p < sc->end && (is_space(*sc->p) || *sc->p == '/'))
            sc->p++;
        if (sc->p >= sc->end)
            return 0;
        if (*sc->p == '>') {
            sc->p++;
            *closed = 1;
            return 0;
        }
        const char *n0 = sc->p;
        while (sc->p < sc->end && !is_space(*sc->p) && *sc->p != '=' && *sc->p != '>' &&
               *sc->p != '/')
            sc->p++;
        if (sc->p == n0) {          /* a stray character: skip it */
            sc->p++;
            continue;
        }
        *name = sc_strndup(n0, (size_t)(sc->p - n0));
        if (!*name)
            return -1;
        for (char *q = *name; *q; q++)
            *q = (char)lower((unsigned char)*q);
        while (sc->p < sc->end && is_space(*sc->p))
            sc->p++;
        if (sc->p < sc->end && *sc->p == '=') {
            sc->p++;
            while (sc->p < sc->end && is_space(*sc->p))
                sc->p++;
            const char *v0, *v1;
            if (sc->p < sc->end && (*sc->p == '"' || *sc->p == '\'')) {
                char quote = *sc->p++;
                v0 = sc->p;
                while (sc->p < sc->end && *sc->p != quote)
                    sc->p++;
                v1 = sc->p;
                if (sc->p < sc->end)
                    sc->p++;
            } else {
                v0 = sc->p;
                while (sc->p < sc->end && !is_space(*sc->p) && *sc->p != '>')
                    sc->p++;
                v1 = sc->p;
            }
            *value = entity_decode(v0, (size_t)(v1 - v0));
        } else {
            *value = sc_strdup("");
        }
        if (!*value) {
            free(*name);
            *name = NULL;
            return -1;
        }
        return 1;
    }
}

typedef struct input {
    char *name, *value, *type;
    int checked;
} input_t;

static void input_free(input_t *in)
{
    free(in->name);
    sc_free_secret(in->value);
    free(in->type);
    memset(in, 0, sizeof *in);
}

/* Reads the attributes of the tag at sc (just after its name) into in, or
 * (for <form>) into action/method. */
static int read_tag(scan_t *sc, input_t *in, char **action, char **method)
{
    char *n, *v;
    int closed = 0, rc;
    while ((rc = next_attr(sc, &n, &v, &closed)) > 0) {
        char **slot = NULL;
        if (in) {
            if (strcmp(n, "name") == 0)
                slot = &in->name;
            else if (strcmp(n, "value") == 0)
                slot = &in->value;
            else if (strcmp(n, "type") == 0)
                slot = &in->type;
            else if (strcmp(n, "checked") == 0)
                in->checked = 1;
        } else {
            if (strcmp(n, "action") == 0)
                slot = action;
            else if (strcmp(n, "method") == 0)
                slot = method;
        }
        free(n);
        if (slot && !*slot) {       /* the first occurrence wins, as in HTML */
            *slot = v;
        } else {
            sc_free_secret(v);
        }
    }
    return rc;
}

int sc_html_find_form(const char *html, size_t len, sc_html_form_t *out)
{
    memset(out, 0, sizeof *out);
    scan_t sc = { html, html + len };
    int in_form = 0, have_submit = 0;
    while (sc.p < sc.end) {
        const char *lt = memchr(sc.p, '<', (size_t)(sc.end - sc.p));
        if (!lt)
            break;
        sc.p = lt + 1;
        if (starts(sc.p, sc.end, "!--")) {
            const char *q = sc.p + 3;
            while (q + 3 <= sc.end && memcmp(q, "-->", 3) != 0)
                q++;
            sc.p = q + 3 <= sc.end ? q + 3 : sc.end;
            continue;
        }
        if (!in_form) {
            if (starts(sc.p, sc.end, "form") &&
                (sc.p + 4 == sc.end || is_space(sc.p[4]) || sc.p[4] == '>')) {
                sc.p += 4;
                if (read_tag(&sc, NULL, &out->action, &out->method) < 0)
                    goto fail;
                if (out->method)
                    for (char *q = out->method; *q; q++)
                        *q = (char)lower((unsigned char)*q);
                in_form = 1;
            }
            continue;
        }
        if (starts(sc.p, sc.end, "/form"))
            break;
        if (starts(sc.p, sc.end, "input") &&
            (sc.p + 5 == sc.end || is_space(sc.p[5]) || sc.p[5] == '>' || sc.p[5] == '/')) {
            sc.p += 5;
            input_t in = { 0 };
            if (read_tag(&sc, &in, NULL, NULL) < 0) {
                input_free(&in);
                goto fail;
            }
            const char *t = in.type ? in.type : "text";
            int take = in.name != NULL && in.name[0] != '\0';
            if (strcasecmp(t, "submit") == 0 || strcasecmp(t, "image") == 0) {
                take = take && !have_submit;    /* as if the first button were clicked */
                have_submit = 1;
            } else if (strcasecmp(t, "reset") == 0 || strcasecmp(t, "button") == 0 ||
                       strcasecmp(t, "file") == 0) {
                take = 0;
            } else if (strcasecmp(t, "checkbox") == 0 || strcasecmp(t, "radio") == 0) {
                take = take && in.checked;
                if (take && !in.value)
                    in.value = sc_strdup("on");
            }
            if (take) {
                if (strcmp(in.name, "username") == 0)
                    out->has_username = 1;
                if (strcmp(in.name, "password") == 0)
                    out->has_password = 1;
                if (sc_pairs_push(&out->fields, in.name, in.value ? in.value : "") < 0) {
                    input_free(&in);
                    goto fail;
                }
            }
            input_free(&in);
        }
    }
    if (!in_form) {
        sc_html_form_free(out);
        return -1;
    }
    return 0;
fail:
    sc_html_form_free(out);
    return -1;
}

void sc_html_form_free(sc_html_form_t *f)
{
    free(f->action);
    free(f->method);
    sc_pairs_free(&f->fields);
    memset(f, 0, sizeof *f);
}
