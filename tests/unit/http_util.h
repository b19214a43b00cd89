/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl helpers for tests/unit/test_http.c. */
#ifndef SEAL_TESTS_HTTP_UTIL_H
#define SEAL_TESTS_HTTP_UTIL_H

#include <curl/curl.h>
#include <stddef.h>

typedef struct http_req {
    const char *method;              /* NULL: GET */
    const char *url;
    const char *const *headers;      /* NULL-terminated "Name: value" */
    const char *body;
    size_t body_len;
    int chunked;                     /* send the body with Transfer-Encoding: chunked */
    const char *ca, *cert, *key;     /* TLS files, or NULL */
} http_req_t;

typedef struct http_resp {
    CURLcode rc;
    long status;
    long connects;                   /* new connections this transfer made */
    char *body;                      /* NUL-terminated */
    size_t len;
    char headers[8192];              /* raw header block of the final response */
} http_resp_t;

/* Performs one request; reuses easy (and its connection) when not NULL. */
CURLcode http_do(CURL *easy, const http_req_t *rq, http_resp_t *out);
/* The value of a response header (case-insensitive), copied into buf, or NULL. */
const char *http_header(const http_resp_t *r, const char *name, char *buf, size_t len);
void http_resp_free(http_resp_t *r);
/* Shorthand: GET url on a new connection. */
long http_get(const char *url, http_resp_t *out);

#endif
