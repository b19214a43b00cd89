/* SPDX-License-Identifier: Apache-2.0 */
/* The IM-UU binding (OpenID Connect provider endpoints): what im_uu.c shares
 * with uu_*.c. */
#ifndef SEAL_IM_UU_H
#define SEAL_IM_UU_H

#include <seal/seal.h>
#include <seal/services/im.h>
#include "uu_form.h"

#define UU_PATH_DISCOVERY  "/.well-known/openid-configuration"
#define UU_PATH_JWKS       "/oidc/v1/jwks"
#define UU_PATH_AUTHORIZE  "/oidc/v1/authorize"
#define UU_PATH_TOKEN      "/oidc/v1/token"
#define UU_PATH_USERINFO   "/oidc/v1/userinfo"
#define UU_PATH_REVOKE     "/oidc/v1/revoke"
#define UU_PATH_INTROSPECT "/oidc/v1/introspect"

typedef struct uu_ctx {
    seal_plugin_t *self;
    const seal_im_v1_t *im;
    void *im_user;
    char *discovery;         /* the discovery document, made in start */
    size_t discovery_len;
    char *basic_challenge;   /* Basic realm="<issuer>" */
    char *bearer_realm;      /* Bearer realm="<issuer>" */
} uu_ctx_t;

/* uu_oauth.c */
seal_status_t uu_oauth_routes(uu_ctx_t *u);
seal_status_t uu_discovery_make(uu_ctx_t *u);
/* uu_admin.c */
seal_status_t uu_admin_routes(uu_ctx_t *u);
/* uu_html.c: the login page and the error page (HTML, escaped). */
seal_status_t uu_html_login(seal_request_t *req, unsigned status, const uu_form_t *params,
                            const char *message);
seal_status_t uu_html_error(seal_request_t *req, unsigned status, const char *error,
                            const char *description);
/* Headers every page of the authorization endpoint carries. */
void uu_html_headers(seal_request_t *req);

#endif
