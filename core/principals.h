/* SPDX-License-Identifier: Apache-2.0 */
/* core/principals.h: the "principals" table of seald.conf (core/principals.c,
 * doc/authorization.md): which verified client certificates are principals,
 * and the roles and VAL service of token callers. Host-private: the HTTP
 * front calls it, plugins read only the request attributes it leaves
 * (lib/access). No HTTP engine type appears here. */
#ifndef SEAL_CORE_PRINCIPALS_H
#define SEAL_CORE_PRINCIPALS_H

#include <seal/seal.h>

typedef struct seal_principals seal_principals_t;

/* Reads the top-level "principals" array (node NULL: an empty table) into
 * *out. Errors are logged as "<file>: <$.principals[i].key>: <reason>" and
 * return SEAL_E_CONFIG. */
seal_status_t seal_principals_read(const seal_conf_t *node, seal_principals_t **out);
void seal_principals_free(seal_principals_t *t);

/* Every routed request (public routes too) over a connection whose client
 * certificate verified: when the table maps its subject and issuer, sets
 * the attributes "cert_principal" (the name) and "cert_roles". Call only
 * when certificate principals are on (http.auth.mtls). */
seal_status_t seal_principals_mark(const seal_principals_t *t, seal_request_t *req);

/* A protected route, once the authorization hook has run and said hook:
 *   SEAL_OK (a token approved): adds the "client" or "user" entry's "roles"
 *     and "val_service_id"; SEAL_OK.
 *   SEAL_DECLINED with certificates on (mtls) and a verified certificate:
 *     a mapped certificate whose scopes hold the route's service scope
 *     becomes the principal (attributes auth=certificate, roles, scope,
 *     val_service_id): SEAL_OK. Otherwise the request is answered 403
 *     ProblemDetails (the missing scope, or "not mapped") and SEAL_E_PERM
 *     returned.
 *   Anything else: returned unchanged (the caller refuses it). */
seal_status_t seal_principals_authorize(const seal_principals_t *t, seal_request_t *req,
                                        seal_status_t hook, int mtls);

#endif
