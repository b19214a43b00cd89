/* SPDX-License-Identifier: Apache-2.0 */
/* Answers common to the SEAL-S APIs: JSON bodies and ProblemDetails
 * (TS 29.122 clause 5.2.6, application/problem+json). */
#include <stdio.h>
#include <stdlib.h>
#include "seal_s.h"
#include "ss_http.h"

seal_status_t ss_reply_json(seal_request_t *req, unsigned status, struct json_object *v)
{
    size_t len = 0;
    char *text = ss_text(v, &len);
    if (!text)
        return seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    seal_status_t st = seal_response_send(req, status, "application/json", text, len);
    free(text);
    return st;
}

seal_status_t ss_reply_errs(seal_request_t *req, const ss_errs_t *e, const char *detail)
{
    if (e->oom)
        return seal_response_problem(req, 500, NULL, "out of memory", NULL, 0);
    /* A wrong type for the whole body has no member to name. */
    if (e->n == 1 && e->param[0][0] == '\0') {
        char msg[160];
        snprintf(msg, sizeof msg, "the body %s", e->reason[0]);
        return seal_response_problem(req, 400, "INVALID_MSG_FORMAT", msg, NULL, 0);
    }
    seal_invalid_param_t p[SS_MAX_ERRS];
    for (size_t i = 0; i < e->n; i++) {
        p[i].param = e->param[i];
        p[i].reason = e->reason[i];
    }
    char msg[200];
    if (e->total > e->n)
        snprintf(msg, sizeof msg, "%s (%zu errors, the first %zu listed)", detail, e->total,
                 e->n);
    else
        snprintf(msg, sizeof msg, "%s", detail);
    return seal_response_problem(req, 400, "INVALID_MSG_FORMAT", msg, p, e->n);
}

seal_status_t ss_reply_bad_param(seal_request_t *req, const char *param, const char *reason,
                                 const char *detail)
{
    seal_invalid_param_t p = { param, reason };
    return seal_response_problem(req, 400, "INVALID_QUERY_PARAM", detail, &p, 1);
}

seal_status_t ss_reply_status(seal_request_t *req, seal_status_t st, const char *what)
{
    switch (st) {
    case SEAL_E_NOTFOUND:
        return seal_response_problem(req, 404, "RESOURCE_NOT_FOUND", what, NULL, 0);
    case SEAL_E_EXISTS:
        return seal_response_problem(req, 409, "RESOURCE_EXISTS", what, NULL, 0);
    case SEAL_E_CONFLICT:
        return seal_response_problem(req, 412, "PRECONDITION_FAILED",
                                     "If-Match does not match the current entity tag", NULL, 0);
    case SEAL_E_INVAL:
        return seal_response_problem(req, 400, "INVALID_MSG_FORMAT", what, NULL, 0);
    case SEAL_E_AGAIN:
        /* A busy store or a full disk (the store's log says which): the
         * same request can succeed later (RFC 9110 15.6.4, 10.2.3). */
        seal_response_header(req, "Retry-After", "5");
        return seal_response_problem(req, 503, NULL, "temporarily unavailable, try again",
                                     NULL, 0);
    default:
        return seal_response_problem(req, 500, NULL, seal_strerror(st), NULL, 0);
    }
}

int ss_require_media_type(seal_request_t *req, const char *want)
{
    const char *ct = seal_request_header(req, "Content-Type");
    if (ss_media_type_is(ct, want))
        return 0;
    char msg[128];
    snprintf(msg, sizeof msg, "Content-Type must be %s", want);
    seal_response_problem(req, 415, NULL, msg, NULL, 0);
    return -1;
}
