/* SPDX-License-Identifier: Apache-2.0 */
/* core/http.c: the request and response side of include/seal/http.h, and
 * ProblemDetails (3GPP TS 29.122 clause 5.2.1.2.12: type, title, status,
 * detail, instance, cause, invalidParams) as application/problem+json
 * (RFC 7807). The engine (core/http-mhd.c) fills the request and sends the
 * stored answer. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http-private.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

seal_request_t *seal_request_new(seal_host_t *host, void *srv, void *conn, const char *target)
{
    seal_request_t *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    if (pthread_mutex_init(&req->mu, NULL) != 0) {
        free(req);
        return NULL;
    }
    req->host = host;
    req->srv = srv;
    req->conn = conn;
    req->start_ns = now_ns();
    if (target && !(req->target = strdup(target))) {
        seal_request_free(req);
        return NULL;
    }
    return req;
}

static void free_headers(seal_resp_header_t *h)
{
    while (h) {
        seal_resp_header_t *next = h->next;
        free(h->name);
        free(h->value);
        free(h);
        h = next;
    }
}

void seal_request_free(seal_request_t *req)
{
    if (!req)
        return;
    pthread_mutex_destroy(&req->mu);
    free(req->method);
    free(req->target);
    free(req->raw_path);
    free(req->path);
    seal_query_clear(&req->query);
    seal_path_params_clear(&req->params);
    free(req->principal);
    while (req->attrs) {
        struct seal_req_attr *a = req->attrs;
        req->attrs = a->next;
        free(a->name);
        free(a->value);
        free(a);
    }
    /* Bodies of the OAuth, KM-UU and administration routes hold passwords,
     * tokens and key material. */
    if (req->body)
        explicit_bzero(req->body, req->body_cap ? req->body_cap : req->body_len);
    free(req->body);
    free(req->resp_ctype);
    if (req->resp_body)
        explicit_bzero(req->resp_body, req->resp_len);
    free(req->resp_body);
    free_headers(req->resp_headers);
    free(req);
}

/* ---- Request accessors ---- */

const char *seal_request_method(const seal_request_t *req)
{
    return req ? req->method : NULL;
}

const char *seal_request_path(const seal_request_t *req)
{
    return req ? req->path : NULL;
}

const char *seal_request_path_param(const seal_request_t *req, const char *name)
{
    if (!req || !name)
        return NULL;
    for (size_t i = 0; i < req->params.n; i++)
        if (strcmp(req->params.name[i], name) == 0)
            return req->params.value[i];
    return NULL;
}

const char *seal_request_query(const seal_request_t *req, const char *name)
{
    return req && name ? seal_query_get(&req->query, name) : NULL;
}

const char *seal_request_query_at(const seal_request_t *req, size_t i, const char **value)
{
    if (!req || i >= req->query.n) {
        if (value)
            *value = NULL;
        return NULL;
    }
    if (value)
        *value = req->query.value[i];
    return req->query.name[i];
}

const char *seal_request_header(const seal_request_t *req, const char *name)
{
    return req && name ? seal_http_adapter_header(req, name) : NULL;
}

const char *seal_request_body(const seal_request_t *req, size_t *len)
{
    if (!req) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = req->body_len;
    return req->body ? req->body : "";
}

const char *seal_request_peer(const seal_request_t *req)
{
    return req ? req->peer : NULL;
}

const char *seal_request_service(const seal_request_t *req)
{
    return req && req->route ? req->route->service : NULL;
}

const char *seal_request_client_cert_dn(const seal_request_t *req)
{
    return req ? req->client_dn : NULL;
}

seal_status_t seal_request_set_principal(seal_request_t *req, const char *principal)
{
    if (!req)
        return SEAL_E_INVAL;
    char *copy = NULL;
    if (principal && !(copy = strdup(principal)))
        return SEAL_E_NOMEM;
    pthread_mutex_lock(&req->mu);
    free(req->principal);
    req->principal = copy;
    pthread_mutex_unlock(&req->mu);
    return SEAL_OK;
}

const char *seal_request_principal(const seal_request_t *req)
{
    return req ? req->principal : NULL;
}

seal_status_t seal_request_set_attr(seal_request_t *req, const char *name, const char *value)
{
    if (!req || !name || !*name)
        return SEAL_E_INVAL;
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return SEAL_E_NOMEM;
    seal_status_t st = SEAL_OK;
    pthread_mutex_lock(&req->mu);
    struct seal_req_attr *a = req->attrs;
    while (a && strcmp(a->name, name) != 0)
        a = a->next;
    if (!a) {
        a = calloc(1, sizeof *a);
        if (a && (a->name = strdup(name))) {
            a->next = req->attrs;
            req->attrs = a;
        } else {
            free(a);
            a = NULL;
            st = SEAL_E_NOMEM;
        }
    }
    if (a) {
        free(a->value);
        a->value = copy;
        copy = NULL;
    }
    pthread_mutex_unlock(&req->mu);
    free(copy);
    return st;
}

const char *seal_request_attr(const seal_request_t *req, const char *name)
{
    if (!req || !name)
        return NULL;
    for (const struct seal_req_attr *a = req->attrs; a; a = a->next)
        if (strcmp(a->name, name) == 0)
            return a->value;
    return NULL;
}

/* ---- Responses ---- */

const char *seal_http_reason(unsigned status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default:  return "Unknown";
    }
}

/* RFC 9110 5.1 token characters. */
static int token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

seal_status_t seal_response_header(seal_request_t *req, const char *name, const char *value)
{
    if (!req || !name || !value || !*name)
        return SEAL_E_INVAL;
    for (const char *p = name; *p; p++)
        if (!token_char((unsigned char)*p))
            return SEAL_E_INVAL;
    /* No CR, LF or other controls: a value must not start a new header. */
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return SEAL_E_INVAL;
    seal_resp_header_t *h = calloc(1, sizeof *h);
    if (!h || !(h->name = strdup(name)) || !(h->value = strdup(value))) {
        free_headers(h);
        return SEAL_E_NOMEM;
    }
    pthread_mutex_lock(&req->mu);
    if (req->state == SEAL_REQ_ANSWERED || req->state == SEAL_REQ_QUEUED) {
        pthread_mutex_unlock(&req->mu);
        free_headers(h);
        return SEAL_E_STATE;
    }
    seal_resp_header_t **tail = &req->resp_headers;
    while (*tail)
        tail = &(*tail)->next;
    *tail = h;
    pthread_mutex_unlock(&req->mu);
    return SEAL_OK;
}

seal_status_t seal_request_answer(seal_request_t *req, unsigned status,
                                  const char *content_type, char *body, size_t len)
{
    char *ctype = NULL;
    if (content_type) {
        for (const unsigned char *p = (const unsigned char *)content_type; *p; p++)
            if (*p < 0x20 || *p == 0x7f) {
                free(body);
                return SEAL_E_INVAL;
            }
        if (!(ctype = strdup(content_type))) {
            free(body);
            return SEAL_E_NOMEM;
        }
    }
    pthread_mutex_lock(&req->mu);
    seal_req_state_t prev = req->state;
    if (prev == SEAL_REQ_ANSWERED || prev == SEAL_REQ_QUEUED) {
        pthread_mutex_unlock(&req->mu);
        free(ctype);
        if (body)
            explicit_bzero(body, len);
        free(body);
        return SEAL_E_STATE;
    }
    req->status = status;
    free(req->resp_ctype);
    req->resp_ctype = ctype;
    free(req->resp_body);
    req->resp_body = body;
    req->resp_len = body ? len : 0;
    req->state = SEAL_REQ_ANSWERED;
    if (prev == SEAL_REQ_SUSPENDED)
        seal_http_adapter_resume(req);
    pthread_mutex_unlock(&req->mu);
    return SEAL_OK;
}

seal_status_t seal_response_send(seal_request_t *req, unsigned status,
                                 const char *content_type, const void *body, size_t len)
{
    if (!req || status < 200 || status > 599 || (!body && len))
        return SEAL_E_INVAL;
    char *copy = NULL;
    if (len) {
        if (!(copy = malloc(len)))
            return SEAL_E_NOMEM;
        memcpy(copy, body, len);
    }
    return seal_request_answer(req, status, content_type, copy, len);
}

static int add_string(json_object *o, const char *key, const char *value)
{
    if (!value)
        return 0;
    json_object *s = json_object_new_string(value);
    if (!s)
        return -1;
    return json_object_object_add(o, key, s);
}

char *seal_http_problem_json(unsigned status, const char *title, const char *detail,
                             const char *instance, const char *cause,
                             const seal_invalid_param_t *params, size_t n, size_t *len)
{
    json_object *o = json_object_new_object();
    char *out = NULL;
    if (!o)
        return NULL;
    /* "type" is omitted: its default is "about:blank" (RFC 7807 4.2). */
    if (add_string(o, "title", title ? title : seal_http_reason(status)) ||
        json_object_object_add(o, "status", json_object_new_int((int)status)) ||
        add_string(o, "detail", detail) || add_string(o, "instance", instance) ||
        add_string(o, "cause", cause))
        goto out;
    if (params && n) {
        json_object *arr = json_object_new_array();
        if (!arr || json_object_object_add(o, "invalidParams", arr))
            goto out;
        for (size_t i = 0; i < n; i++) {
            json_object *ip = json_object_new_object();
            if (!ip || json_object_array_add(arr, ip))
                goto out;
            if (add_string(ip, "param", params[i].param ? params[i].param : "") ||
                add_string(ip, "reason", params[i].reason))
                goto out;
        }
    }
    size_t l = 0;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &l);
    if (s && (out = malloc(l + 1))) {
        memcpy(out, s, l + 1);
        if (len)
            *len = l;
    }
out:
    json_object_put(o);
    return out;
}

seal_status_t seal_response_problem(seal_request_t *req, unsigned status,
                                    const char *cause, const char *detail,
                                    const seal_invalid_param_t *params, size_t n)
{
    if (!req || status < 400 || status > 599 || (n && !params))
        return SEAL_E_INVAL;
    size_t len = 0;
    char *body = seal_http_problem_json(status, NULL, detail, req->raw_path ? req->raw_path : req->path,
                                        cause, params, n, &len);
    if (!body)
        return SEAL_E_NOMEM;
    return seal_request_answer(req, status, "application/problem+json", body, len);
}

seal_status_t seal_request_suspend(seal_request_t *req)
{
    if (!req)
        return SEAL_E_INVAL;
    pthread_mutex_lock(&req->mu);
    seal_status_t st = req->state == SEAL_REQ_RUNNING ? SEAL_OK : SEAL_E_STATE;
    if (st == SEAL_OK)
        req->suspend_requested = 1;
    pthread_mutex_unlock(&req->mu);
    return st;
}
