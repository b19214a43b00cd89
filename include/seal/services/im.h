/* SPDX-License-Identifier: Apache-2.0 */
/* seal/services/im.h: "seal.im.v1", the C interface of the SEAL identity
 * management server (TS 33.434 clause 5.2 and Annex A, after TS 33.180
 * Annex B): VAL users, registered clients, signing keys, authorization
 * codes, tokens. Provided by the "im" plugin; used by the OpenID Connect
 * binding im_uu (IM-UU) and its admin endpoint (sealctl).
 *
 * Get it in start:
 *   void *im_user;
 *   const seal_im_v1_t *im = seal_iface_get(self, SEAL_IM_IFACE_V1, &im_user);
 * and pass im_user as the first argument of every operation.
 *
 * The binding parses the wire format (form bodies, query strings, HTTP
 * Basic) and renders answers; the service implements OAuth 2.0 (RFC 6749),
 * PKCE (RFC 7636), OpenID Connect Core, revocation (RFC 7009),
 * introspection (RFC 7662) and token exchange (RFC 8693). Request
 * parameters cross the interface as name/value pairs, each name at most once
 * (the binding refuses repeated OAuth parameters, RFC 6749 3.1).
 *
 * Errors: operations that answer a client fill a seal_im_error_t with the
 * OAuth error code to send (RFC 6749 4.1.2.1 and 5.2, RFC 6750 3.1, RFC 7009
 * 2.2.1, RFC 8693 2.2.2), the HTTP status and a description safe to show
 * (it never contains a secret). Admin operations return SEAL_E_* codes
 * (SEAL_E_INVAL with a description, SEAL_E_EXISTS, SEAL_E_NOTFOUND).
 *
 * Output strings are malloc'd and NUL-terminated: free with seal_free.
 * Every operation is thread-safe.
 */
#ifndef SEAL_SERVICES_IM_H
#define SEAL_SERVICES_IM_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEAL_IM_IFACE_V1 "seal.im.v1"

/* Grant types (RFC 6749 4.1, 4.4, 6; RFC 8693 2.1). */
#define SEAL_IM_GRANT_CODE     "authorization_code"
#define SEAL_IM_GRANT_REFRESH  "refresh_token"
#define SEAL_IM_GRANT_CLIENT   "client_credentials"
#define SEAL_IM_GRANT_EXCHANGE "urn:ietf:params:oauth:grant-type:token-exchange"

/* One request parameter (decoded). */
typedef struct seal_im_param {
    const char *name;
    const char *value;
} seal_im_param_t;

/* An OAuth error as the binding renders it. */
typedef struct seal_im_error {
    const char *error;        /* static: "invalid_request", "invalid_grant", ... */
    unsigned http_status;     /* 400, 401, 403, 429, 500 or 503 */
    int redirect;             /* authorize only: 1 if it may go back to the
                               * client's redirect_uri, 0 if it must not (an
                               * unknown client or a bad redirect_uri) */
    int basic_challenge;      /* token endpoint: add WWW-Authenticate: Basic */
    unsigned retry_after;     /* seconds (throttled logins), else 0 */
    char description[192];    /* shown to the client; never a secret */
} seal_im_error_t;

/* How the client authenticated at the token, revocation or introspection
 * endpoint (RFC 6749 2.3.1). The binding decodes HTTP Basic (base64, then
 * form-urlencoding of id and secret); a client that uses two methods at
 * once is refused by the binding. */
#define SEAL_IM_AUTH_NONE  0   /* client_id in the body only (public client) */
#define SEAL_IM_AUTH_BASIC 1   /* Authorization: Basic (client_secret_basic) */
#define SEAL_IM_AUTH_POST  2   /* client_id + client_secret in the body */

typedef struct seal_im_client_auth {
    int method;                /* SEAL_IM_AUTH_* */
    const char *client_id;     /* NULL when none was sent */
    const char *client_secret; /* NULL for SEAL_IM_AUTH_NONE */
} seal_im_client_auth_t;

/* The token endpoint's answer: exactly one call, with SEAL_OK and the JSON
 * body (RFC 6749 5.1 / RFC 8693 2.2.1), or an error. json and err are valid
 * during the call only. */
typedef void (*seal_im_token_done_fn)(void *ctx, seal_status_t status,
                                      const char *json, size_t len,
                                      const seal_im_error_t *err);

typedef struct seal_im_v1 {
    uint32_t struct_size;   /* sizeof(seal_im_v1_t) */

    /* The issuer URL (config "issuer"), without a trailing slash. Valid
     * until the plugin's fini. */
    const char *(*issuer)(void *user);

    /* The scopes this server grants (openid and the SEAL service scopes),
     * NULL-terminated. Valid until fini. */
    const char *const *(*scopes)(void *user);

    /* The JWK Set (RFC 7517 5) of the signing keys: the current one and
     * every retired one whose tokens may still be valid. */
    seal_status_t (*jwks)(void *user, char **json, size_t *len);

    /* Authorization request (RFC 6749 4.1.1, OIDC Core 3.1.2.1, RFC 7636
     * 4.3), before the login form is shown: SEAL_OK or SEAL_E_INVAL with
     * err (err->redirect tells where the error goes). */
    seal_status_t (*authorize_check)(void *user, const seal_im_param_t *params, size_t n,
                                     seal_im_error_t *err);

    /* The login form's POST: checks the request again, throttles (per user
     * and per peer address), verifies the password and issues a code (RFC
     * 6749 4.1.2). SEAL_OK: *code (free with seal_free). SEAL_E_UNAUTH: wrong
     * user name or password (show the form again, err->description says
     * so). SEAL_E_AGAIN: throttled (err->http_status 429, retry_after).
     * SEAL_E_INVAL: a bad request as for authorize_check. */
    seal_status_t (*authorize_login)(void *user, const seal_im_param_t *params, size_t n,
                                     const char *username, const char *password,
                                     const char *peer, char **code, seal_im_error_t *err);

    /* Token request (RFC 6749 3.2, 4.1.3, 4.4.2, 6; RFC 8693 2.1). done is
     * called exactly once: before token returns, except for grant_type
     * SEAL_IM_GRANT_EXCHANGE, where it may be called later from the host's
     * HTTP client thread (when a partner's JWKS has to be fetched): the
     * binding suspends the request for that grant type before calling.
     * params and auth are only read before token returns. */
    void (*token)(void *user, const seal_im_param_t *params, size_t n,
                  const seal_im_client_auth_t *auth, seal_im_token_done_fn done, void *ctx);

    /* UserInfo (OIDC Core 5.3) for a bearer access token: {"sub",
     * "val_user_ids"}. Errors per RFC 6750 3.1 (invalid_token 401,
     * insufficient_scope 403). */
    seal_status_t (*userinfo)(void *user, const char *access_token,
                              char **json, size_t *len, seal_im_error_t *err);

    /* Revocation (RFC 7009 2.1): SEAL_OK (also for an unknown or foreign
     * token, 2.2) or an error (invalid_client, invalid_request). */
    seal_status_t (*revoke)(void *user, const seal_im_param_t *params, size_t n,
                            const seal_im_client_auth_t *auth, seal_im_error_t *err);

    /* Introspection (RFC 7662 2.1), for confidential clients: the JSON
     * answer ({"active": false} for anything not active). */
    seal_status_t (*introspect)(void *user, const seal_im_param_t *params, size_t n,
                                const seal_im_client_auth_t *auth,
                                char **json, size_t *len, seal_im_error_t *err);

    /* ---- administration (sealctl; the binding checks the caller) ----
     * Inputs and outputs are JSON objects / arrays, see the im README. */

    /* {"user_id", "val_user_ids": [..], "password"} -> the user without
     * the password. SEAL_E_EXISTS when user_id is taken. */
    seal_status_t (*user_add)(void *user, const char *json, size_t len,
                              char **out, size_t *out_len, seal_im_error_t *err);
    /* [{"user_id", "val_user_ids", "enabled", "created"}, ...] */
    seal_status_t (*user_list)(void *user, char **out, size_t *out_len);
    /* Disables the user and revokes every token family of the user. */
    seal_status_t (*user_disable)(void *user, const char *user_id);

    /* {"client_id"?, "type": "public"|"confidential", "redirect_uris",
     * "grant_types", "scopes", "name"?} -> the client, with "client_secret"
     * (confidential clients: the only time the secret is shown). */
    seal_status_t (*client_add)(void *user, const char *json, size_t len,
                                char **out, size_t *out_len, seal_im_error_t *err);
    seal_status_t (*client_list)(void *user, char **out, size_t *out_len);
    /* Disables the client and revokes its refresh token families. */
    seal_status_t (*client_disable)(void *user, const char *client_id);

    /* Makes a new signing key current; the previous one stays in the JWKS
     * until every token it signed has expired. -> {"kid", "previous_kid"} */
    seal_status_t (*key_rotate)(void *user, char **out, size_t *out_len);
    /* Version 1 ends here; fields are only appended. Those below are
     * present when struct_size covers them
     * (struct_size >= offsetof(seal_im_v1_t, member) + sizeof the member). */

    /* The revocation list (im README "Revocation list"): what resource
     * servers that check access tokens locally (authz_jwt) must refuse
     * before the tokens expire. A JSON object:
     *   {"issuer": <issuer>, "generated": <unix seconds>,
     *    "jtis":     [{"jti": <jti>, "exp": <the token's exp>}, ...],
     *    "subjects": [{"sha256": <base64url(SHA-256(sub))>, "until": <t>}, ...],
     *    "clients":  [{"sha256": <base64url(SHA-256(client_id))>, "until": <t>}, ...]}
     * jtis: the revoked access tokens, each until its exp plus 30 s of
     * leeway; subjects / clients: the disabled users and clients, each
     * until every access token issued before the disable has expired
     * (until = disabled + access_token_ttl + 30 s): refuse every token
     * whose sub / client_id hashes to one. Users and clients appear only as
     * hashes (the list is public). Cheap to call often: the text is kept
     * and made again only after a revocation or once a second. */
    seal_status_t (*revocations)(void *user, char **json, size_t *len);
} seal_im_v1_t;

/* The synchronous hook im runs (seal_hook_run, on the revoking thread,
 * before the revoking call returns) for each entry it adds to the
 * revocation list, so that a resource server in the same seald refuses
 * the token, user or client at once rather than at its next poll of the
 * list. args: const seal_im_revoked_t *. Callbacks return SEAL_DECLINED.
 * A hook rather than an event: events are delivered later on the event
 * thread and dropped when their queue is full. */
#define SEAL_IM_HOOK_REVOKED "seal.im.revoked"

#define SEAL_IM_REVOKED_JTI     1   /* value: the access token's jti */
#define SEAL_IM_REVOKED_SUBJECT 2   /* value: base64url(SHA-256(sub)) */
#define SEAL_IM_REVOKED_CLIENT  3   /* value: base64url(SHA-256(client_id)) */

typedef struct seal_im_revoked {
    uint32_t struct_size;   /* sizeof(seal_im_revoked_t) */
    const char *issuer;     /* the im's issuer (the tokens' iss) */
    int kind;               /* SEAL_IM_REVOKED_* */
    const char *value;
    int64_t until;          /* unix seconds: the entry's "exp" / "until" */
} seal_im_revoked_t;

#ifdef __cplusplus
}
#endif
#endif
