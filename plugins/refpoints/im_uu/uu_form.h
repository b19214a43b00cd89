/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers of the OpenID Connect endpoints' inputs: application/x-www-form-
 * urlencoded bodies and query parameters (HTML 4.01 17.13.4, RFC 6749
 * Appendix B), HTTP Basic client credentials (RFC 7617, RFC 6749 2.3.1),
 * Bearer tokens (RFC 6750 2.1), and the escaping of what goes back out (HTML
 * text, URL query components). Host-free: the fuzz target and the unit test
 * compile this file alone. */
#ifndef SEAL_UU_FORM_H
#define SEAL_UU_FORM_H

#include <stddef.h>
#include <seal/services/im.h>

/* Limits: more is refused (OAuth requests have about a dozen parameters). */
#define UU_FORM_MAX_PARAMS 64
#define UU_FORM_MAX_BYTES  65536

#define UU_FORM_OK      0
#define UU_FORM_BAD    (-1)   /* a bad %-escape, an encoded NUL, a control character in a name */
#define UU_FORM_DUP    (-2)   /* a parameter given twice (RFC 6749 3.1) */
#define UU_FORM_TOOBIG (-3)
#define UU_FORM_NOMEM  (-4)

typedef struct uu_form {
    seal_im_param_t *p;   /* decoded, NUL-terminated, no empty value */
    size_t n, cap;
    char *buf;            /* storage of a parsed body */
    size_t buf_len;
    char **owned;         /* copies made by uu_form_add */
    size_t nowned;
} uu_form_t;

/* Parses a form body (not NUL-terminated: len counts). Parameters with an
 * empty value are dropped, as RFC 6749 3.1 says ("treated as if they were
 * omitted"). On UU_FORM_DUP, *bad names the repeated parameter (valid until
 * uu_form_free). f is always initialised; free it with uu_form_free. */
int uu_form_parse(const char *body, size_t len, uu_form_t *f, const char **bad);
/* Adds an already decoded pair (query parameters), copied; same rules. */
int uu_form_add(uu_form_t *f, const char *name, const char *value, const char **bad);
const char *uu_form_get(const uu_form_t *f, const char *name);
void uu_form_free(uu_form_t *f);

/* Decodes "%XX" and "+" in place; -1 on a bad escape or an encoded NUL. */
int uu_urldecode(char *s);

/* "Basic <base64(urlencode(id) ':' urlencode(secret))>": 0 and malloc'd
 * *id and *secret, 1 when the header is another scheme, -1 when malformed. */
int uu_basic_parse(const char *header, char **id, char **secret);
/* "Bearer <token>": a pointer into header (token68 syntax checked), or NULL. */
const char *uu_bearer_token(const char *header, size_t *len);

/* HTML-escapes s (& < > " ') into a malloc'd string. */
char *uu_html_escape(const char *s);
/* Appends "name=value" (URL-encoded, '&'-separated) to a malloc'd string
 * *s of length *len; -1 on allocation failure. */
int uu_query_append(char **s, size_t *len, const char *name, const char *value);

#endif
