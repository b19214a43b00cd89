/* SPDX-License-Identifier: Apache-2.0 */
/* application/x-www-form-urlencoded (HTML 4.01 17.13.4; RFC 6749 Appendix
 * B), HTTP Basic for OAuth clients (RFC 7617; RFC 6749 2.3.1: id and secret
 * are form-urlencoded before base64), Bearer (RFC 6750 2.1), HTML and URL
 * escaping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "uu_form.h"

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

int uu_urldecode(char *s)
{
    char *o = s;
    for (const char *p = s; *p; p++) {
        if (*p == '+') {
            *o++ = ' ';
        } else if (*p == '%') {
            int hi = hexval(p[1]), lo = hi >= 0 ? hexval(p[2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *o++ = (char)(hi << 4 | lo);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return 0;
}

static int name_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

const char *uu_form_get(const uu_form_t *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->p[i].name, name) == 0)
            return f->p[i].value;
    return NULL;
}

/* Appends a pair that points into storage owned by f. */
static int push(uu_form_t *f, const char *name, const char *value, const char **bad)
{
    if (!*name || !name_ok(name))
        return UU_FORM_BAD;
    if (!*value)
        return UU_FORM_OK;   /* RFC 6749 3.1: as if omitted */
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->p[i].name, name) == 0) {
            if (bad)
                *bad = f->p[i].name;
            return UU_FORM_DUP;
        }
    if (f->n == UU_FORM_MAX_PARAMS)
        return UU_FORM_TOOBIG;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        seal_im_param_t *p = realloc(f->p, cap * sizeof *p);
        if (!p)
            return UU_FORM_NOMEM;
        f->p = p;
        f->cap = cap;
    }
    f->p[f->n].name = name;
    f->p[f->n].value = value;
    f->n++;
    return UU_FORM_OK;
}

int uu_form_parse(const char *body, size_t len, uu_form_t *f, const char **bad)
{
    memset(f, 0, sizeof *f);
    if (bad)
        *bad = NULL;
    if (len > UU_FORM_MAX_BYTES)
        return UU_FORM_TOOBIG;
    if (len && !body)
        return UU_FORM_BAD;
    if (memchr(body ? body : "", '\0', len))
        return UU_FORM_BAD;
    if (!(f->buf = malloc(len + 1)))
        return UU_FORM_NOMEM;
    if (len)
        memcpy(f->buf, body, len);
    f->buf[len] = '\0';
    f->buf_len = len;
    char *p = f->buf;
    while (p) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        if (*p) {   /* "a=1&&b=2": empty pieces are skipped */
            char *eq = strchr(p, '=');
            char *val = eq ? eq + 1 : p + strlen(p);
            if (eq)
                *eq = '\0';
            if (uu_urldecode(p) != 0 || uu_urldecode(val) != 0)
                return UU_FORM_BAD;
            int rc = push(f, p, val, bad);
            if (rc != UU_FORM_OK)
                return rc;
        }
        p = amp ? amp + 1 : NULL;
    }
    return UU_FORM_OK;
}

int uu_form_add(uu_form_t *f, const char *name, const char *value, const char **bad)
{
    if (!name || !value)
        return UU_FORM_BAD;
    if (!*value)
        return UU_FORM_OK;
    size_t nl = strlen(name), vl = strlen(value);
    if (nl + vl > UU_FORM_MAX_BYTES)
        return UU_FORM_TOOBIG;
    char **o = realloc(f->owned, (f->nowned + 1) * sizeof *o);
    if (!o)
        return UU_FORM_NOMEM;
    f->owned = o;
    char *copy = malloc(nl + vl + 2);
    if (!copy)
        return UU_FORM_NOMEM;
    memcpy(copy, name, nl + 1);
    memcpy(copy + nl + 1, value, vl + 1);
    f->owned[f->nowned++] = copy;
    return push(f, copy, copy + nl + 1, bad);
}

void uu_form_free(uu_form_t *f)
{
    if (!f)
        return;
    /* Values may hold secrets (passwords, client secrets, codes). */
    if (f->buf) {
        memset(f->buf, 0, f->buf_len);
        free(f->buf);
    }
    for (size_t i = 0; i < f->nowned; i++) {
        size_t nl = strlen(f->owned[i]);
        memset(f->owned[i], 0, nl + 1 + strlen(f->owned[i] + nl + 1));
        free(f->owned[i]);
    }
    free(f->owned);
    free(f->p);
    memset(f, 0, sizeof *f);
}

/* ---- HTTP authentication ---- */

static int b64val(char ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

/* Standard base64 with padding (RFC 4648 4); NUL-terminated output. */
static char *b64decode(const char *s, size_t n)
{
    if (n == 0 || n % 4 != 0 || n > 8192)
        return NULL;
    char *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            if (s[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad || (v[k] = b64val(s[i + k])) < 0) {
                free(out);
                return NULL;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6
                     | (uint32_t)v[3];
        out[o++] = (char)(w >> 16);
        if (pad < 2)
            out[o++] = (char)(w >> 8);
        if (pad < 1)
            out[o++] = (char)w;
    }
    out[o] = '\0';
    if (strlen(out) != o) {   /* an encoded NUL */
        free(out);
        return NULL;
    }
    return out;
}

int uu_basic_parse(const char *header, char **id, char **secret)
{
    *id = *secret = NULL;
    if (!header)
        return 1;
    while (*header == ' ' || *header == '\t')
        header++;
    if (strncasecmp(header, "Basic", 5) != 0 || (header[5] != ' ' && header[5] != '\t'))
        return 1;
    const char *p = header + 6;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    char *plain = b64decode(p, n);
    if (!plain)
        return -1;
    char *colon = strchr(plain, ':');
    int rc = -1;
    if (colon) {
        *colon = '\0';
        if (uu_urldecode(plain) == 0 && uu_urldecode(colon + 1) == 0 && *plain
            && (*id = strdup(plain)) && (*secret = strdup(colon + 1)))
            rc = 0;
    }
    memset(plain, 0, strlen(plain) + (colon ? strlen(colon + 1) + 1 : 0));
    free(plain);
    if (rc != 0) {
        free(*id);
        free(*secret);
        *id = *secret = NULL;
    }
    return rc;
}

const char *uu_bearer_token(const char *header, size_t *len)
{
    if (!header)
        return NULL;
    while (*header == ' ' || *header == '\t')
        header++;
    if (strncasecmp(header, "Bearer", 6) != 0 || header[6] != ' ')
        return NULL;
    const char *t = header + 7;
    while (*t == ' ')
        t++;
    /* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
    size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
    n += strspn(t + n, "=");
    size_t rest = strspn(t + n, " \t");
    if (n == 0 || t[n + rest] != '\0')
        return NULL;
    *len = n;
    return t;
}

/* ---- escaping ---- */

char *uu_html_escape(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '&' ? 5 : *p == '<' || *p == '>' ? 4 : *p == '"' || *p == '\'' ? 6 : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = s; *p; p++) {
        const char *e = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
                        : *p == '"' ? "&quot;" : *p == '\'' ? "&#39;" : NULL;
        if (e) {
            size_t l = strlen(e);
            memcpy(o, e, l);
            o += l;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* Percent-encodes everything but unreserved characters (RFC 3986 2.3). */
static size_t urlencode(const char *s, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
            || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            if (out)
                out[o] = (char)*p;
            o++;
        } else {
            if (out) {
                out[o] = '%';
                out[o + 1] = hex[*p >> 4];
                out[o + 2] = hex[*p & 15];
            }
            o += 3;
        }
    }
    return o;
}

int uu_query_append(char **s, size_t *len, const char *name, const char *value)
{
    size_t need = urlencode(name, NULL) + urlencode(value, NULL) + 2;
    char *b = realloc(*s, *len + need + 1);
    if (!b)
        return -1;
    *s = b;
    size_t o = *len;
    if (o)
        b[o++] = '&';
    o += urlencode(name, b + o);
    b[o++] = '=';
    o += urlencode(value, b + o);
    b[o] = '\0';
    *len = o;
    return 0;
}
