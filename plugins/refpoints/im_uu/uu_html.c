/* SPDX-License-Identifier: Apache-2.0 */
/* The pages of the authorization endpoint: the login form (TS 33.180
 * B.4.2: the SIM-C shows it and posts the user name and password back) and
 * the error page for requests that must not be redirected (RFC 6749
 * 4.1.2.1). Everything that came from the request is HTML-escaped; the
 * pages load nothing, may not be framed and are not cached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "im_uu.h"

void uu_html_headers(seal_request_t *req)
{
    seal_response_header(req, "Cache-Control", "no-store");
    seal_response_header(req, "Pragma", "no-cache");
    seal_response_header(req, "X-Frame-Options", "DENY");
    seal_response_header(req, "X-Content-Type-Options", "nosniff");
    seal_response_header(req, "Referrer-Policy", "no-referrer");
    seal_response_header(req, "Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                         "frame-ancestors 'none'");
}

typedef struct buf {
    char *s;
    size_t n, cap;
    int oom;
} buf_t;

static void put(buf_t *b, const char *s)
{
    size_t l = strlen(s);
    if (b->oom)
        return;
    if (b->n + l + 1 > b->cap) {
        size_t cap = (b->n + l + 1) * 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, l + 1);
    b->n += l;
}

static void put_esc(buf_t *b, const char *s)
{
    char *e = uu_html_escape(s);
    if (!e) {
        b->oom = 1;
        return;
    }
    put(b, e);
    free(e);
}

static const char STYLE[] =
    "<style>body{font-family:sans-serif;max-width:24em;margin:4em auto;padding:0 1em}"
    "label,input{display:block;width:100%;margin:.3em 0}input{padding:.4em}"
    ".msg{color:#a00}</style>";

static seal_status_t send_page(seal_request_t *req, unsigned status, buf_t *b)
{
    if (b->oom) {
        free(b->s);
        return seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    }
    uu_html_headers(req);
    seal_status_t st = seal_response_send(req, status, "text/html; charset=utf-8", b->s, b->n);
    free(b->s);
    return st;
}

seal_status_t uu_html_login(seal_request_t *req, unsigned status, const uu_form_t *params,
                            const char *message)
{
    buf_t b = {0};
    put(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\">"
            "<title>SEAL sign-in</title>");
    put(&b, STYLE);
    put(&b, "</head><body><h1>Sign in</h1>");
    const char *client = uu_form_get(params, "client_id");
    if (client) {
        put(&b, "<p>to continue to <b>");
        put_esc(&b, client);
        put(&b, "</b></p>");
    }
    if (message) {
        put(&b, "<p class=\"msg\" role=\"alert\">");
        put_esc(&b, message);
        put(&b, "</p>");
    }
    put(&b, "<form method=\"post\" action=\"" UU_PATH_AUTHORIZE "\">");
    /* The authorization request travels with the form. */
    for (size_t i = 0; i < params->n; i++) {
        if (!strcmp(params->p[i].name, "username") || !strcmp(params->p[i].name, "password"))
            continue;
        put(&b, "<input type=\"hidden\" name=\"");
        put_esc(&b, params->p[i].name);
        put(&b, "\" value=\"");
        put_esc(&b, params->p[i].value);
        put(&b, "\">");
    }
    put(&b, "<label for=\"username\">User name</label>"
            "<input id=\"username\" name=\"username\" autocomplete=\"username\" required "
            "autofocus>"
            "<label for=\"password\">Password</label>"
            "<input id=\"password\" name=\"password\" type=\"password\" "
            "autocomplete=\"current-password\" required>"
            "<input type=\"submit\" value=\"Sign in\"></form></body></html>\n");
    return send_page(req, status, &b);
}

seal_status_t uu_html_error(seal_request_t *req, unsigned status, const char *error,
                            const char *description)
{
    buf_t b = {0};
    put(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Sign-in error</title>");
    put(&b, STYLE);
    put(&b, "</head><body><h1>The sign-in request cannot be served</h1><p>Error: <code>");
    put_esc(&b, error);
    put(&b, "</code></p><p class=\"msg\">");
    put_esc(&b, description ? description : "");
    put(&b, "</p></body></html>\n");
    return send_page(req, status, &b);
}
