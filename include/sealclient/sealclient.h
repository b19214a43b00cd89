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

/* ---- Key management client (TS 33.434 5.3 over TS 33.180 5.3, Annex D) ----
 * KM-UU with the Bearer token of the stored session: KMS Initialize (the
 * KMS certificate) and KMS KeyProvision for the current and the next key
 * period, with the D.1 security extension when a TrK or an InK is given. Every key set is validated before anything is stored: the UID
 * (TS 33.180 F.2.1) recomputed from the identity and the certificate,
 * SSK/PVT against the KPAK (RFC 6507 5.1.2), the RSK against Z (RFC 6508
 * 6.1.2). A response with any key set that fails is refused whole
 * (SEALCLIENT_E_PROTOCOL) and nothing is stored. The key file (JSON, mode
 * 0600, default keys.json beside the tokens file) keeps the certificate and
 * the key sets of the previous, current and next periods. */
typedef struct sealclient_km_options {
    uint32_t struct_size;       /* sizeof(sealclient_km_options_t) */
    /* https base URL of the KMS (resources under /keymanagement/identity/v1);
     * NULL: the origin of the session's issuer */
    const char *kms_url;
    const char *keys_path;      /* NULL: keys.json beside the tokens file */
    /* identities to provision; none: every identity the KMS provisions for
     * the token (KMS KeyProvision without a URI) */
    const char *const *user_uris;
    size_t n_user_uris;
    int64_t now;                /* Unix seconds; 0: the clock (tests) */
    /* TS 33.180 D.1 keys shared with the KMS out of band (32 octets each),
     * or NULL: with either, only signed responses (HMAC-SHA-256 with the
     * InK, else the TrK) are accepted, and key material encrypted under
     * the TrK (AES-256-CBC) is decrypted */
    const uint8_t *trk;
    const uint8_t *ink;
} sealclient_km_options_t;

/* A stored key set, for display (no secret in it). */
typedef struct sealclient_keyset_info {
    const char *user_uri;
    const char *kms_uri;
    uint64_t key_period_no;
    int64_t valid_from, valid_to;   /* Unix seconds, the key period */
} sealclient_keyset_info_t;
typedef void (*sealclient_keyset_fn)(void *ctx, const sealclient_keyset_info_t *ks);

/* Fetches, validates and stores; fn (may be NULL) sees each key set stored. */
int sealclient_keys_provision(sealclient_t *c, const sealclient_km_options_t *o,
                              sealclient_keyset_fn fn, void *ctx);

/* ---- Group master keys (TS 33.180 5.7, 7.4.2; TS 33.179 7.3, Annex E) ----
 * Pending MIKEY-SAKKE I_MESSAGEs from the GMS over GM-UU (doc/gm-uu.md):
 * each is decoded strictly, must be addressed to an identity of the key
 * file (IDRr), name the stored certificate's KmsUri in IDRkmsi and IDRkmsr
 * and the expected GMS in IDRi, carry a GMK (purpose tag 0), verify under
 * the KPAK as signed by the GMS's UID (ECCSI), and decapsulate with the RSK
 * of the key period of its timestamp (SAKKE with its integrity check).
 * The SRTP master key and salt follow TS 33.180 7.4.2: TGK = GMK, CSB ID =
 * the GUK-ID of the member whose media they protect, the message's RAND,
 * the crypto session's CS-ID, PRF-HMAC-SHA-256. */
typedef struct sealclient_gmk_options {
    uint32_t struct_size;       /* sizeof(sealclient_gmk_options_t) */
    /* https base URL of the GMS (GM-UU under /gm-uu/v1); NULL: the origin
     * of the session's issuer */
    const char *gm_url;
    const char *keys_path;      /* NULL: keys.json beside the tokens file */
    const char *gms_uri;        /* required: the GMS identity expected in IDRi */
    /* CS-ID (TS 33.180 Table E.1.3-1): 4 MCPTT group call, 5 MCVideo group
     * call */
    unsigned cs_id;
    /* the member whose media the SRTP keys protect (its GUK-ID); NULL: the
     * receiving identity itself */
    const char *sender_uri;
    int keep;                   /* non-zero: do not acknowledge (DELETE) */
} sealclient_gmk_options_t;

typedef struct sealclient_gmk {
    int status;                 /* SEALCLIENT_OK, or why the message was refused */
    const char *error;          /* the reason when refused, else NULL */
    const char *message_id;     /* GM-UU id (NULL for sealclient_gmk_receive) */
    /* the group named by the GM-UU listing (NULL if none): information from
     * the server, not covered by the message's signature */
    const char *val_group_id;
    const char *gms_uri;        /* IDRi */
    const char *user_uri;       /* IDRr: the receiving identity */
    const char *sender_uri;     /* whose GUK-ID keys the SRTP keys */
    uint32_t gmk_id;
    uint32_t guk_id;            /* the receiver's GUK-ID (the CSB ID) */
    uint32_t sender_guk_id;
    uint64_t key_period_no;     /* of the receiver, from the timestamp */
    int64_t time;               /* the timestamp, Unix seconds */
    /* activation and expiry of the GMK (Unix seconds) from the signed key
     * parameters extension (TS 33.180 E.6.1), 0 when the message has none */
    int64_t activation, expiry;
    uint8_t cs_id;
    uint8_t gmk[16];            /* secret */
    uint8_t master_key[16];     /* secret */
    uint8_t master_salt[12];    /* secret */
    uint8_t mki[8];             /* GMK-ID || sender's GUK-ID (TS 33.180 7.4.2) */
    int acknowledged;           /* deleted at the GMS */
} sealclient_gmk_t;
/* Called for every message, accepted or refused; secrets are wiped after
 * the call returns. */
typedef void (*sealclient_gmk_fn)(void *ctx, const sealclient_gmk_t *g);

/* Fetches the pending messages, processes each (fn), acknowledges the
 * accepted ones unless o->keep. Returns SEALCLIENT_OK when every message
 * was accepted (none pending included), SEALCLIENT_E_PROTOCOL when one was
 * refused; *n_messages (may be NULL) gets the number fetched. */
int sealclient_gmk_fetch(sealclient_t *c, const sealclient_gmk_options_t *o,
                         sealclient_gmk_fn fn, void *ctx, size_t *n_messages);
/* Processes one I_MESSAGE (e.g. received over SIP) without the network
 * (o->gm_url and o->keep unused); fn (may be NULL) sees the result.
 * SEALCLIENT_E_PROTOCOL when refused. */
int sealclient_gmk_receive(sealclient_t *c, const sealclient_gmk_options_t *o,
                           const uint8_t *msg, size_t len, sealclient_gmk_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
