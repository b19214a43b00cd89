/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl helpers for tests/unit/test_http.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_util.h"

static size_t on_body(char *d, size_t sz, size_t n, void *u)
{
    http_resp_t *r = u;
    size_t len = sz * n;
    char *b = realloc(r->body, r->len + len + 1);
    if (!b)
        return 0;
    memcpy(b + r->len, d, len);
    r->body = b;
    r->len += len;
    b[r->len] = '\0';
    return len;
}

static size_t on_header(char *d, size_t sz, size_t n, void *u)
{
    http_resp_t *r = u;
    size_t len = sz * n;
    if (len > 5 && strncmp(d, "HTTP/", 5) == 0)
        r->headers[0] = '\0';                 /* a new (final or 100) response */
    size_t used = strlen(r->headers);
    if (used + len < sizeof r->headers) {
        memcpy(r->headers + used, d, len);
        r->headers[used + len] = '\0';
    }
    return len;
}

typedef struct body_src { const char *p; size_t left; } body_src_t;

static size_t on_read(char *buf, size_t sz, size_t n, void *u)
{
    body_src_t *s = u;
    size_t len = sz * n;
    if (len > s->left)
        len = s->left;
    if (len > 700)
        len = 700;                            /* several chunks */
    memcpy(buf, s->p, len);
    s->p += len;
    s->left -= len;
    return len;
}

CURLcode http_do(CURL *easy, const http_req_t *rq, http_resp_t *out)
{
    memset(out, 0, sizeof *out);
    CURL *e = easy ? easy : curl_easy_init();
    struct curl_slist *hl = NULL;
    for (const char *const *h = rq->headers; h && *h; h++)
        hl = curl_slist_append(hl, *h);
    if (rq->chunked)
        hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
    hl = curl_slist_append(hl, "Expect:");
    body_src_t src = { rq->body, rq->body_len };
    curl_easy_setopt(e, CURLOPT_URL, rq->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    if (rq->body || rq->chunked) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, &src);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         rq->chunked ? (curl_off_t)-1 : (curl_off_t)rq->body_len);
    }
    curl_easy_setopt(e, CURLOPT_CAINFO, rq->ca);
    curl_easy_setopt(e, CURLOPT_SSLCERT, rq->cert);
    curl_easy_setopt(e, CURLOPT_SSLKEY, rq->key);
    out->rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &out->connects);
    /* The list must outlive the transfer only. */
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
    if (!easy)
        curl_easy_cleanup(e);
    if (!out->body) {
        out->body = calloc(1, 1);
    }
    return out->rc;
}

const char *http_header(const http_resp_t *r, const char *name, char *buf, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = strcspn(v, "\r\n");
            if (vl >= len)
                vl = len - 1;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return buf;
        }
    }
    return NULL;
}

void http_resp_free(http_resp_t *r)
{
    free(r->body);
    r->body = NULL;
}

long http_get(const char *url, http_resp_t *out)
{
    http_req_t rq = { .url = url };
    http_do(NULL, &rq, out);
    return out->status;
}
