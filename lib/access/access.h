/* SPDX-License-Identifier: Apache-2.0 */
/* libaccess: who is calling and what they may do (doc/authorization.md).
 * Internal library (never installed), linked into every binding that
 * decides on objects: seal_s, gm_uu, km_uu, im_uu.
 *
 * The host authenticates (a bearer token through the authorization hook,
 * or a verified client certificate that seald.conf "principals" maps to a
 * principal) and leaves request attributes behind; this library is the one
 * place that reads them:
 *   principal       the token's "sub", or the certificate principal's name
 *   "auth"          "token" (authz_jwt) or "certificate" (the host)
 *   "client_id"     token only: the OAuth client
 *   "scope"         the token's scopes, or the certificate principal's
 *   "val_user_ids"  a VAL user token's identities (space-separated)
 *   "roles"         configured roles (space-separated): operator,
 *                   val_server, group_admin, group_manager
 *   "val_service_id" the VAL service the principal acts for, if configured
 *   "cert_principal" set on every request (public routes too) whose
 *                   verified certificate is mapped: its principal name
 *   "cert_roles"    that certificate principal's roles */
#ifndef SEAL_ACCESS_H
#define SEAL_ACCESS_H

#include <seal/seal.h>
#include <seal/services/km.h>

/* What kind of caller a request comes from. */
typedef enum access_kind {
    ACCESS_ANONYMOUS = 0,  /* no accepted credential (public routes only) */
    ACCESS_VAL_SERVER,     /* client_credentials token (sub == client_id, no
                            * val_user_ids), or a certificate principal with
                            * role val_server */
    ACCESS_VAL_USER,       /* a token issued to a user (sub != client_id) */
    ACCESS_OPERATOR        /* a certificate principal with role operator and
                            * no val_server role, on a protected route */
} access_kind_t;

#define ACCESS_ROLE_OPERATOR      0x1u  /* administration routes */
#define ACCESS_ROLE_VAL_SERVER    0x2u  /* SEAL-S as a VAL server */
#define ACCESS_ROLE_GROUP_ADMIN   0x4u  /* every group, whoever owns it */
#define ACCESS_ROLE_GROUP_MANAGER 0x8u  /* a VAL user who may create groups */

/* "server:" + 255 + NUL, with room for the longest principal name. */
#define ACCESS_OWNER_MAX 300

typedef struct access_caller {
    access_kind_t kind;
    unsigned roles;            /* ACCESS_ROLE_* */
    int by_certificate;        /* authenticated by a client certificate */
    const char *name;          /* the principal (owned by the request) */
    const char *client_id;     /* tokens only */
    const char *scope;         /* space-separated */
    const char *val_user_ids;  /* VAL users only; space-separated */
    const char *cert_dn;       /* by_certificate: the subject DN */
    /* The owner this caller's new groups get, and whose groups it sees:
     * "service:<val_service_id>" when it acts for a VAL service, else
     * "server:<name>" for a VAL server, "user:<sub>" for a VAL user; "" when
     * the caller may own nothing (anonymous, operator). */
    char owner[ACCESS_OWNER_MAX];
} access_caller_t;

/* Reads the request's attributes into *c (the strings stay the request's). */
void access_caller(const seal_request_t *req, access_caller_t *c);

/* The key management service's view of the caller (seal/services/km.h),
 * for km_uu and seal_s's SS_KeyInfoRetrieval. A token: principal = sub,
 * client_id, val_user_ids. A certificate VAL server: principal = its name,
 * cert_dn = its subject DN (km "certs" is keyed by DN), no client_id.
 * Anyone else (operator, anonymous): the principal alone, which entitles to
 * nothing. The strings stay the request's. */
void access_km_caller(const access_caller_t *c, seal_km_caller_t *k);

/* 1 when the space-separated list holds word exactly. */
int access_list_has(const char *list, const char *word);

/* ---- group management (SEAL-S SS_GroupManagement) ---- */

/* May the caller create groups (then c->owner owns them)? A VAL server, or a
 * VAL user with role group_manager. */
int access_group_create(const access_caller_t *c);

/* May the caller read the full document of, change or delete a group whose
 * owner is owner (NULL: a group stored before owners existed)? Its owner,
 * or a caller with role group_admin. */
int access_group_owns(const access_caller_t *c, const char *owner);

/* May the caller list every group, not only its own? (group_admin) */
int access_group_all(const access_caller_t *c);

/* ---- administration (im_uu /admin/v1, km_uu /admin/v1/km) ---- */

/* 1 when the request came with a verified client certificate that
 * "principals" maps to a principal with role operator (subject and issuer
 * both matched by the host); the principal is set to its name. Else answers
 * 403 ProblemDetails (a bearer token never administers), logs a refused
 * certificate's subject, and returns 0. */
int access_operator(seal_plugin_t *self, seal_request_t *req);

#endif
