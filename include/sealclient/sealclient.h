/* SPDX-License-Identifier: Apache-2.0 */
/* sealclient/sealclient.h: libsealclient, the SEAL identity management
 * client (SIM-C) of TS 33.434 clause 5.2.3 / Annex A, as profiled by
 * TS 33.180 Annex B: OpenID Connect authorization code flow with PKCE (S256)
 * for a native application (RFC 8252: loopback redirect on
 * http://127.0.0.1:<port>/callback), ID token verification, token storage
 * and refresh, revocation (RFC 7009), and the client_credentials grant for
 * confidential clients (VAL servers).
 *
 * One sealclient_t is used by one thread at a time; distinct handles are
 * independent. Tokens on disk are shared between processes through a lock
 * file, so two programs refreshing at once never replay a refresh token.
 *
 * Every function returns SEALCLIENT_OK (0) or a negative SEALCLIENT_E_* code;
 * sealclient_error() then holds a one-line explanation. Strings returned
 * through "const char **" are owned by the handle and stay valid until the
 * next call on it. Link with `pkg-config --libs sealclient`.
 */
#ifndef SEALCLIENT_H
#define SEALCLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEALCLIENT_OK            0
#define SEALCLIENT_E_ARG        (-1)   /* bad argument or option */
#define SEALCLIENT_E_NOMEM      (-2)
#define SEALCLIENT_E_IO         (-3)   /* local file or socket error */
#define SEALCLIENT_E_HTTP       (-4)   /* transport: connection, TLS, timeout */
#define SEALCLIENT_E_PROTOCOL   (-5)   /* the server answered something unexpected */
#define SEALCLIENT_E_OAUTH      (-6)   /* the server answered an OAuth error */
#define SEALCLIENT_E_TOKEN      (-7)   /* an ID token failed verification */
#define SEALCLIENT_E_DENIED     (-8)   /* the login (user name/password) was refused */
#define SEALCLIENT_E_TIMEOUT    (-9)   /* no redirect came to the loopback listener */
#define SEALCLIENT_E_NOSESSION  (-10)  /* not logged in (no stored tokens) */
#define SEALCLIENT_E_STATE      (-11)  /* call out of order (e.g. wait before begin) */

typedef struct sealclient sealclient_t;

typedef struct sealclient_options {
    uint32_t struct_size;       /* sizeof(sealclient_options_t) */
    /* The IdM server's issuer URL (https). May be NULL when the tokens file
     * already holds a session: its issuer is used. */
    const char *issuer;
    const char *client_id;      /* may be NULL like issuer */
    /* Confidential clients only (HTTP Basic at the token, revocation
     * endpoints); NULL for a public native client. Copied and wiped on free. */
    const char *client_secret;
    const char *scope;          /* requested at login; default "openid" */
    const char *acr_values;     /* sent when not NULL */
    const char *cacert;         /* PEM trust anchors; NULL: the system store */
    /* Where tokens are kept; NULL: $XDG_CONFIG_HOME/seal/tokens.json
     * (~/.config/seal/tokens.json). Mode 0600, written atomically. */
    const char *tokens_path;
    long timeout_ms;            /* per HTTP exchange; 0: 10 s */
    /* Allowed clock skew when checking exp/iat, in seconds; at most 30
     * (TS 33.434 A.2.1); a negative value means the default, 30. */
    int leeway_s;
} sealclient_options_t;

/* A stored session, for display. Strings owned by the handle. */
typedef struct sealclient_session {
    const char *issuer;
    const char *client_id;
    const char *subject;        /* the ID token's sub */
    const char *scope;          /* granted scope */
    int64_t expires_at;         /* access token expiry, seconds since the epoch; 0: unknown */
    int has_refresh_token;
} sealclient_session_t;

const char *sealclient_version(void);
const char *sealclient_strerror(int status);

/* Creates a handle. On failure *out is NULL, except for option errors where
 * a handle is returned so that sealclient_error() can explain; free it. */
int sealclient_new(const sealclient_options_t *opts, sealclient_t **out);
void sealclient_free(sealclient_t *c);
/* The explanation of the last failure on c (never NULL). */
const char *sealclient_error(const sealclient_t *c);

/* ---- Login (authorization code + PKCE) ----
 * 1. sealclient_login_begin: discovery, a fresh code_verifier, state and
 *    nonce, the loopback listener on 127.0.0.1:<free port>; *url is the
 *    authorization request to open in the user's browser.
 * 2. either sealclient_login_wait: waits for the browser to be redirected to
 *    the listener (the interactive way),
 *    or sealclient_login_password: submits the server's login form itself
 *    with a user name and password (testing and headless use; it never
 *    shows the password to anything but the authorization endpoint).
 * Both then check state, redeem the code with the verifier, verify the ID
 * token (signature against the JWKS, iss, aud, exp, iat, nonce) and store
 * the tokens. */
int sealclient_login_begin(sealclient_t *c, const char **url);
int sealclient_login_wait(sealclient_t *c, int timeout_ms);
int sealclient_login_password(sealclient_t *c, const char *username, const char *password);

/* A valid access token: refreshes (and stores) first when fewer than
 * min_valid seconds remain. */
int sealclient_access_token(sealclient_t *c, long min_valid, const char **token);
/* Refreshes now (refresh_token grant; the new refresh token replaces the
 * old one). */
int sealclient_refresh(sealclient_t *c);
/* Revokes the refresh and access tokens (RFC 7009) and deletes the stored
 * session. The local session is deleted even when revocation fails (which
 * is then reported). */
int sealclient_logout(sealclient_t *c);
/* The stored session; SEALCLIENT_E_NOSESSION when there is none. */
int sealclient_session(sealclient_t *c, sealclient_session_t *out);

/* client_credentials grant (confidential clients): a fresh access token,
 * not stored. *token owned by the handle; *expires_in may be NULL. */
int sealclient_client_credentials(sealclient_t *c, const char *scope,
                                  const char **token, long *expires_in);

#ifdef __cplusplus
}
#endif
#endif
