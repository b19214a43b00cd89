/* SPDX-License-Identifier: Apache-2.0 */
/* core/http-private.h: the inbound request shared by core/http.c (the
 * seal_request_* and seal_response_* accessors) and core/http-mhd.c (the
 * libmicrohttpd adapter), and the query parser of core/router.c.
 * No libmicrohttpd type appears here: an adapter for another HTTP engine
 * fills the same struct. */
#ifndef SEAL_CORE_HTTP_PRIVATE_H
#define SEAL_CORE_HTTP_PRIVATE_H

#include <pthread.h>
#include <stdint.h>
#include <seal/seal.h>
#include "host-private.h"
#include "router.h"

/* ---- TLS ---- */

/* The GnuTLS priority-string tail that keeps TLS 1.2 to AEAD cipher suites
 * with ephemeral key exchange (RFC 9325 4.2: no CBC suites; 4.1: no static
 * RSA key transport). TLS 1.3 suites are all AEAD already. Shared by the
 * server's default priorities (core/http-mhd.c) and the outbound client
 * (core/http-client.c). */
#define SEAL_TLS_AEAD_ONLY "-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:" \
                           "+AES-256-CCM:+AES-128-CCM:-RSA"

/* ---- Query strings (core/router.c) ---- */

#define SEAL_QUERY_MAX_PARAMS 64
#define SEAL_QUERY_MAX_LEN 8192

typedef struct seal_query {
    size_t n;
    char **name, **value;     /* decoded; point into buf */
    char *buf;
} seal_query_t;

/* Splits "a=1&b=x%20y" into decoded pairs ('+' is a space, "a" alone has the
 * value "", empty pieces are skipped). Returns 0, -1 for a malformed or too
 * long query (a 400), -2 out of memory. */
int seal_query_parse(const char *raw, seal_query_t *q);
const char *seal_query_get(const seal_query_t *q, const char *name);
void seal_query_clear(seal_query_t *q);

/* ---- Requests ---- */

/* Where a request is; guarded by seal_request.mu once dispatched. */
typedef enum seal_req_state {
    SEAL_REQ_RECEIVING = 0,   /* headers and body arriving */
    SEAL_REQ_RUNNING,         /* in the authorization hook or the handler */
    SEAL_REQ_SUSPENDED,       /* the handler suspended; the connection is parked */
    SEAL_REQ_ANSWERED,        /* an answer is stored, not yet handed to the engine */
    SEAL_REQ_QUEUED           /* the engine has the answer */
} seal_req_state_t;

typedef struct seal_resp_header {
    char *name, *value;
    struct seal_resp_header *next;
} seal_resp_header_t;

/* A named fact about the caller (seal_request_set_attr). */
struct seal_req_attr {
    struct seal_req_attr *next;
    char *name, *value;
};

struct seal_request {
    seal_host_t *host;
    void *srv;                    /* the adapter's server */
    void *conn;                   /* the adapter's connection */
    char *method;
    char *target;                 /* the request-target as received */
    char *raw_path;               /* its path part, still encoded (logged) */
    char *path;                   /* decoded */
    seal_query_t query;
    seal_path_params_t params;
    const seal_route_t *route;
    const char *peer;             /* owned by the connection */
    const char *client_dn;        /* owned by the connection; NULL unless verified */
    const char *client_issuer;    /* its issuer DN (core/principals.c matches both) */
    char *principal;
    struct seal_req_attr *attrs;  /* set by authorization hooks (a short list) */
    char *body;
    size_t body_len, body_cap;
    int64_t max_body;             /* the route's body limit */
    int head;                     /* a HEAD request, dispatched as GET */
    uint64_t start_ns;

    pthread_mutex_t mu;
    seal_req_state_t state;
    int suspend_requested;
    int orphaned;                 /* answered by the host at shutdown: kept until the server is freed */

    /* the answer */
    unsigned status;
    char *resp_ctype;
    char *resp_body;
    size_t resp_len;
    seal_resp_header_t *resp_headers;
    int close_after;              /* send "Connection: close" */

    /* adapter bookkeeping */
    int first_call_done, in_susp_list;
    unsigned early_status;        /* an error found before dispatch (400, 429, 413) */
    const char *early_detail;
    uint32_t retry_after;
    struct seal_request *susp_prev, *susp_next;
};

/* core/http.c */
seal_request_t *seal_request_new(seal_host_t *host, void *srv, void *conn, const char *target);
void seal_request_free(seal_request_t *req);
/* A static reason phrase ("Not Found"); "Unknown" for others. */
const char *seal_http_reason(unsigned status);
/* Renders a TS 29.122 ProblemDetails object (malloc'd, NUL-terminated). */
char *seal_http_problem_json(unsigned status, const char *title, const char *detail,
                             const char *instance, const char *cause,
                             const seal_invalid_param_t *params, size_t n, size_t *len);
/* Stores the answer (takes body, malloc'd) and hands it to the adapter if
 * the request is suspended. SEAL_E_STATE when already answered. */
seal_status_t seal_request_answer(seal_request_t *req, unsigned status,
                                  const char *content_type, char *body, size_t len);

/* core/http-mhd.c: what http.c needs from the engine. */
const char *seal_http_adapter_header(const seal_request_t *req, const char *name);
/* Called with req->mu held once a suspended request has its answer. */
void seal_http_adapter_resume(seal_request_t *req);

#endif
