/* SPDX-License-Identifier: Apache-2.0 */
/* core/router.h: templated path routing (core/router.c).
 *
 * Templates are absolute paths whose segments are literals or "{name}"
 * (a whole segment). A literal segment wins over a parameter at the same
 * depth. Matching is on the raw (still percent-encoded) path split at '/';
 * parameter values are percent-decoded and must not contain '/' once decoded. */
#ifndef SEAL_CORE_ROUTER_H
#define SEAL_CORE_ROUTER_H

#include <stddef.h>
#include <seal/types.h>

#define SEAL_ROUTER_MAX_PARAMS 8
#define SEAL_ROUTER_MAX_SEGMENTS 32

typedef struct seal_router seal_router_t;

typedef struct seal_path_params {
    size_t n;
    const char *name[SEAL_ROUTER_MAX_PARAMS];   /* owned by the router */
    char *value[SEAL_ROUTER_MAX_PARAMS];        /* malloc'd, decoded */
} seal_path_params_t;

seal_router_t *seal_router_new(void);
void seal_router_free(seal_router_t *r);

/* Adds a route; target is the caller's opaque pointer. SEAL_E_INVAL for a
 * malformed template or method, SEAL_E_EXISTS for a duplicate (method,
 * template) or one that differs only in parameter names. */
seal_status_t seal_router_add(seal_router_t *r, const char *method,
                              const char *tmpl, void *target);

/* Finds the target for method and path (no query string). On a match fills
 * params (free with seal_path_params_clear) and returns the target. Else NULL
 * and *status is 404 (no such path), 405 (path exists, other methods: allow
 * gets "GET, PUT"), or 400 (malformed path or encoding). */
void *seal_router_match(const seal_router_t *r, const char *method, const char *path,
                        seal_path_params_t *params, unsigned *status,
                        char *allow, size_t allow_len);

void seal_path_params_clear(seal_path_params_t *p);

/* Decodes %XX in place; returns -1 on a malformed escape or an encoded NUL. */
int seal_percent_decode(char *s, int plus_is_space);

#endif
