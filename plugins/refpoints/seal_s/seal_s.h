/* SPDX-License-Identifier: Apache-2.0 */
/* The SEAL-S binding (TS 29.549): what seal_s.c shares with the per-API
 * files ss_*.c. */
#ifndef SEAL_SEAL_S_H
#define SEAL_SEAL_S_H

#include <seal/seal.h>
#include "ss_json.h"

struct ss_gm;
struct ss_kir;

typedef struct ss_ctx {
    seal_plugin_t *self;
    char *api_root;        /* "https://host[:port][/prefix]" from config, or NULL */
    struct ss_gm *gm;      /* SS_GroupManagement, when the gm service is loaded */
    struct ss_kir *kir;    /* SS_KeyInfoRetrieval, when the km service is loaded */
} ss_ctx_t;

/* SS_GroupManagement (ss_gm.c): routes in init, interface in start. */
seal_status_t ss_gm_init(ss_ctx_t *ctx);
seal_status_t ss_gm_start(ss_ctx_t *ctx);
void ss_gm_fini(ss_ctx_t *ctx);

/* SS_KeyInfoRetrieval (ss_kir.c): route in init, interface in start. */
seal_status_t ss_kir_init(ss_ctx_t *ctx);
seal_status_t ss_kir_start(ss_ctx_t *ctx);
void ss_kir_fini(ss_ctx_t *ctx);

/* ---- answers (ss_reply.c) ---- */

/* 200/201 with a JSON body (the value is not consumed). */
seal_status_t ss_reply_json(seal_request_t *req, unsigned status, struct json_object *v);
/* 400 ProblemDetails naming every field in e (or 500 if e->oom). */
seal_status_t ss_reply_errs(seal_request_t *req, const ss_errs_t *e, const char *detail);
/* 400 naming one parameter (query parameter, header or JSON pointer). */
seal_status_t ss_reply_bad_param(seal_request_t *req, const char *param, const char *reason,
                                 const char *detail);
/* An answer for a service status: 404, 409, 412, 400, 503 or 500. */
seal_status_t ss_reply_status(seal_request_t *req, seal_status_t st, const char *what);
/* 415 unless Content-Type is want; returns 0 if it is. */
int ss_require_media_type(seal_request_t *req, const char *want);

#endif
