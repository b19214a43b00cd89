/* SPDX-License-Identifier: Apache-2.0 */
/* seal/http.h: inbound requests, responses and outbound HTTP calls.
 *
 * Strings returned by request accessors are owned by the request and valid
 * until the request is answered. A handler answers exactly once, from the
 * worker thread or, after seal_request_suspend, from any thread.
 */
#ifndef SEAL_HTTP_H
#define SEAL_HTTP_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Request ---- */
const char *seal_request_method(const seal_request_t *req);
/* The decoded path without the query string. */
const char *seal_request_path(const seal_request_t *req);
/* The value bound to "{name}" in the matched route template, or NULL. */
const char *seal_request_path_param(const seal_request_t *req, const char *name);
/* First value of a query parameter (percent-decoded), or NULL. */
const char *seal_request_query(const seal_request_t *req, const char *name);
/* Iterates over query parameters; NULL past the end. */
const char *seal_request_query_at(const seal_request_t *req, size_t i, const char **value);
/* A request header (case-insensitive name), or NULL. */
const char *seal_request_header(const seal_request_t *req, const char *name);
/* The request body (NUL-terminated for convenience; len excludes the NUL). */
const char *seal_request_body(const seal_request_t *req, size_t *len);
/* The peer's address as text ("127.0.0.1"). */
const char *seal_request_peer(const seal_request_t *req);
/* The service of the matched route. */
const char *seal_request_service(const seal_request_t *req);
/* The subject DN of a verified client certificate, or NULL (plain HTTP, no
 * certificate, or a certificate whose chain did not verify). */
const char *seal_request_client_cert_dn(const seal_request_t *req);

/* The authenticated caller, set by an authorization hook (copied), or NULL. */
seal_status_t seal_request_set_principal(seal_request_t *req, const char *principal);
const char *seal_request_principal(const seal_request_t *req);

/* ABI 1.1. Named facts about the caller that an authorization hook attaches
 * (copied; setting a name again replaces it), e.g. "client_id", "scope"
 * (space-separated) and "val_user_ids" (space-separated VAL user
 * identities), so a handler can decide what this caller may see. NULL when
 * unset. */
seal_status_t seal_request_set_attr(seal_request_t *req, const char *name, const char *value);
const char *seal_request_attr(const seal_request_t *req, const char *name);

/* ---- Response ---- */

/* Adds a response header (copied); before the answer only. */
seal_status_t seal_response_header(seal_request_t *req, const char *name, const char *value);

/* Answers with status and body (copied; body may be NULL with len 0). */
seal_status_t seal_response_send(seal_request_t *req, unsigned status,
                                 const char *content_type, const void *body, size_t len);

/* One bad field of a request: TS 29.122 InvalidParam. */
typedef struct seal_invalid_param {
    const char *param;   /* a JSON pointer or parameter name, e.g. "/members/0" */
    const char *reason;  /* may be NULL */
} seal_invalid_param_t;

/* Answers with application/problem+json (TS 29.122 ProblemDetails): status,
 * title (default: the HTTP reason), detail, cause (may be NULL) and
 * invalidParams (n may be 0). "instance" is the request path. */
seal_status_t seal_response_problem(seal_request_t *req, unsigned status,
                                    const char *cause, const char *detail,
                                    const seal_invalid_param_t *params, size_t n);

/* Detaches the request from the worker: the handler returns SEAL_OK and the
 * answer comes later, from any thread, through seal_response_send/problem. */
seal_status_t seal_request_suspend(seal_request_t *req);

/* ---- Outbound HTTP (one host-owned libcurl multi handle) ---- */

typedef struct seal_http_call {
    uint32_t struct_size;        /* sizeof(seal_http_call_t) */
    const char *method;          /* default "GET" (or "POST" with a body) */
    const char *url;
    const char *const *headers;  /* NULL-terminated "Name: value" list, or NULL */
    const void *body;            /* copied */
    size_t body_len;
    long timeout_ms;             /* 0: 10 s */
    const char *ca_file;         /* the only trust anchors (PEM); NULL: system store */
    const char *cert_file;       /* client certificate for mutual TLS, or NULL */
    const char *key_file;
} seal_http_call_t;

/* Called once, on the host's client thread. status is SEAL_OK when an HTTP
 * answer arrived (any http_status), else why not. body is valid for the call. */
typedef void (*seal_http_done_fn)(seal_status_t status, long http_status,
                                  const char *body, size_t len, void *user);

seal_status_t seal_http_call(seal_plugin_t *self, const seal_http_call_t *call,
                             seal_http_done_fn done, void *user);

#ifdef __cplusplus
}
#endif
#endif
