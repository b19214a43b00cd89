/* SPDX-License-Identifier: Apache-2.0 */
/* The identity management service: what the im_*.c files share. */
#ifndef SEAL_IM_INT_H
#define SEAL_IM_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include <seal/seal.h>
#include <seal/services/im.h>
#include "b64url/b64url.h"

/* Store namespaces (README "Store layout"). */
#define IM_NS_USERS   "im.users"
#define IM_NS_CLIENTS "im.clients"
#define IM_NS_KEYS    "im.keys"
#define IM_NS_CODES   "im.codes"
#define IM_NS_RT      "im.rt"
#define IM_NS_FAMILY  "im.families"
#define IM_NS_REVOKED "im.revoked"
#define IM_NS_XJTI    "im.xjti"
#define IM_NS_DISABLED "im.disabled"

/* Clock skew allowed when checking exp/nbf/iat (TS 33.180 B.2.1: <= 30 s). */
#define IM_LEEWAY 30
/* 32 random octets in base64url: 43 characters. */
#define IM_TOKEN_CHARS 43
#define IM_KID_MAX 64

typedef struct im_partner {
    char *issuer;
    char *jwks_uri;
    char *ca_file;
    pthread_mutex_t mu;
    char *jwks;              /* the last JWKS fetched (JSON), or NULL */
    int64_t fetched;         /* when (unix seconds), 0: never */
    struct im_xpend *waiting; /* exchanges waiting for a fetch in flight */
    int fetching;
} im_partner_t;

typedef struct im_key {
    char kid[IM_KID_MAX];
    seal_crypto_key_t *key;  /* the private key */
    char *jwk;               /* its public JWK (with kid, alg, use) */
    int64_t created;
    int64_t retired;         /* 0 while current */
} im_key_t;

typedef struct im_throttle im_throttle_t;

typedef struct im_ctx {
    seal_plugin_t *self;
    /* configuration */
    char *issuer;
    char *audience;
    int64_t at_ttl, id_ttl, rt_ttl, code_ttl, st_ttl;
    int64_t rotation_s, reload_s, sweep_s, partner_refetch_s;
    uint32_t a2_t, a2_m_kib, a2_p;
    int64_t pw_min;
    char **scopes;           /* NULL-terminated */
    im_partner_t *partners;
    size_t npartners;
    char *kek_file;
    int64_t login_max_user, login_max_addr, login_delay, login_max_delay;
    /* secrets, set in start */
    uint8_t kek[32];
    uint8_t secret_key[32];  /* HMAC key for client secrets, from the KEK */
    char *dummy_hash;        /* argon2 hash to spend time on unknown users */
    /* signing keys: a snapshot replaced under the lock */
    pthread_rwlock_t ring_lock;
    im_key_t *keys;
    size_t nkeys;
    size_t cur;              /* index of the current key */
    int64_t ring_loaded;
    pthread_mutex_t rotate_mu;
    im_throttle_t *throttle;
    _Atomic int64_t last_sweep;
    /* the revocation list as last made (im_revlist.c) */
    pthread_mutex_t rl_mu;
    char *rl_text;
    size_t rl_len;
    int64_t rl_made_ms;      /* monotonic */
    uint64_t rl_made_gen;
    _Atomic uint64_t rl_gen; /* bumped by every revocation */
} im_ctx_t;

/* ---- im_util.c ---- */
int64_t im_now(void);
/* A fresh opaque token: 32 random octets, base64url (IM_TOKEN_CHARS). */
seal_status_t im_random_token(im_ctx_t *c, char out[IM_TOKEN_CHARS + 1]);
/* The store key of an opaque token: base64url(SHA-256(token)). */
seal_status_t im_token_key(im_ctx_t *c, const char *token, char out[IM_TOKEN_CHARS + 1]);
int im_ct_equal(const void *a, const void *b, size_t n);
const char *im_param(const seal_im_param_t *p, size_t n, const char *name);
void im_err(seal_im_error_t *err, const char *code, unsigned status, const char *fmt, ...)
    SEAL_PRINTF(4, 5);
/* JSON: strict parse (lib/sjson; NULL on error or null), print to a malloc'd
 * string, member getters. */
struct json_object *im_json_parse(const char *s, size_t len);
/* An administration body: a JSON object read strictly, else NULL with err
 * (400 invalid_request naming the field at fault). */
struct json_object *im_json_body(const char *s, size_t len, seal_im_error_t *err);
char *im_json_text(struct json_object *o, size_t *len);
const char *im_jstr(struct json_object *o, const char *key);
int64_t im_jint(struct json_object *o, const char *key, int64_t def);
int im_jbool(struct json_object *o, const char *key, int def);
int im_jarray_has(struct json_object *o, const char *key, const char *value);
/* A JWT claim set's aud, a string or an array of strings (RFC 7519 4.1.3), names want. */
int im_aud_has(struct json_object *o, const char *want);
int im_jadd_str(struct json_object *o, const char *key, const char *v);
int im_jadd_int(struct json_object *o, const char *key, int64_t v);
/* Space-separated scope lists (RFC 6749 3.3). */
int im_scope_has(const char *scope, const char *one);
/* 1 if every scope in want is in have (a space list or a JSON array). */
int im_scope_subset(const char *want, const char *have);
int im_scope_subset_arr(const char *want, struct json_object *arr);
/* Store: get a document as a json object (NULL + status on failure). */
struct json_object *im_store_get(im_ctx_t *c, seal_store_txn_t *txn, const char *ns,
                                 const char *key, uint64_t *rev, seal_status_t *st);
seal_status_t im_store_put(im_ctx_t *c, seal_store_txn_t *txn, const char *ns,
                           const char *key, struct json_object *o, uint64_t expect_rev,
                           const seal_store_term_t *terms, size_t nterms);
/* Deletes expired codes, refresh tokens, families and revocation records
 * at most every sweep_s seconds (called from request paths). */
void im_sweep_maybe(im_ctx_t *c);

/* ---- im_conf.c ---- */
seal_status_t im_conf_read(im_ctx_t *c);
void im_conf_free(im_ctx_t *c);

/* ---- im_keys.c: KEK, signing keys, JWKS, JWS ---- */
seal_status_t im_keys_start(im_ctx_t *c);
void im_keys_free(im_ctx_t *c);
seal_status_t im_keys_jwks(im_ctx_t *c, char **json, size_t *len);
seal_status_t im_keys_rotate(im_ctx_t *c, char *kid, char *prev_kid);
/* Signs header {alg, typ, kid} + claims with the current key: a JWS
 * compact serialisation (malloc'd). */
char *im_jws_sign(im_ctx_t *c, const char *typ, struct json_object *claims);
/* The public JWK (malloc'd) of one of this server's keys, or NULL. */
char *im_keys_public_jwk(im_ctx_t *c, const char *kid);
/* The token lifetime that bounds how long a retired key stays published. */
int64_t im_keys_max_ttl(const im_ctx_t *c);

#include "im_jwt.h"

/* ---- im_tokens.c: issuing and checking this server's tokens ---- */
typedef struct im_grant {
    const char *sub;
    const char *client_id;
    const char *scope;        /* space-separated */
    struct json_object *val_user_ids;   /* array or NULL (client tokens) */
    const char *nonce;        /* ID token */
    int64_t auth_time;
} im_grant_t;
char *im_access_token(im_ctx_t *c, const im_grant_t *g, char jti[IM_TOKEN_CHARS + 1],
                      int64_t *exp);
char *im_id_token(im_ctx_t *c, const im_grant_t *g);
/* Checks one of this server's access tokens (signature, typ at+jwt, iss,
 * aud, exp, nbf, revocation): 0 and *claims, or -1 (err says why,
 * RFC 6750 invalid_token). */
int im_access_token_check(im_ctx_t *c, const char *token, struct json_object **claims,
                          seal_im_error_t *err);
/* Any JWT signed by this server (access or ID token): signature, iss and
 * time checks only; *typ as in the header. */
int im_own_jwt_check(im_ctx_t *c, const char *token, struct json_object **claims, char **typ);

/* ---- im_password.c (libargon2) ---- */
typedef struct im_a2 {
    uint32_t t, m_kib, p;
} im_a2_t;
/* The argon2id encoded hash of password (malloc'd) with a 16-octet salt. */
char *im_password_hash(const im_a2_t *a, const uint8_t salt[16], const char *password);
/* 1 if password matches encoded, 0 if not (or encoded is malformed). */
int im_password_verify(const char *encoded, const char *password);
/* A decoy: a well-formed encoded argon2id hash with parameters a over a
 * random salt and a random digest, which no password matches. Verifying
 * against it costs what a real check costs, without hashing anything now
 * (malloc'd; NULL on ENOMEM). */
char *im_password_decoy(const im_a2_t *a, const uint8_t salt[16], const uint8_t digest[32]);

/* ---- im_pkce.c (RFC 7636) ---- */
/* 1 if v is a valid code_verifier / code_challenge (43..128 unreserved). */
int im_pkce_valid(const char *v);
/* 1 if BASE64URL(SHA-256(verifier)) == challenge (constant time). */
int im_pkce_s256_check(seal_plugin_t *self, const char *verifier, const char *challenge);

/* ---- im_throttle.c (in memory) ---- */
im_throttle_t *im_throttle_new(void);
void im_throttle_free(im_throttle_t *t);
/* Seconds (at most login_max_delay_s) before user may try to log in from
 * peer (a numeric address), 0 if now; *why names the limit that applies
 * ("user", "address", "user, new address"). */
unsigned im_throttle_check(im_ctx_t *c, const char *user, const char *peer, const char **why);
void im_throttle_failed(im_ctx_t *c, const char *user, const char *peer);
void im_throttle_succeeded(im_ctx_t *c, const char *user, const char *peer);
/* The prefix an address counts by: IPv4 as is, IPv6 its /64 ("a:b:c:d::/64"),
 * IPv4-mapped IPv6 as IPv4, anything else as is (truncated). */
#define IM_PREFIX_MAX 64
void im_throttle_prefix(const char *peer, char out[IM_PREFIX_MAX]);
/* Tests: the millisecond clock (default CLOCK_MONOTONIC; NULL restores it). */
void im_throttle_set_clock(im_throttle_t *t, int64_t (*clock_ms)(void));

/* ---- im_clients.c ---- */
/* Authenticates the caller of the token/revocation/introspection endpoint:
 * the client document, or NULL with err (invalid_client, invalid_request). */
struct json_object *im_client_auth(im_ctx_t *c, const seal_im_client_auth_t *a,
                                   const seal_im_param_t *p, size_t n, seal_im_error_t *err);
/* The enabled client document, or NULL. */
struct json_object *im_client_get(im_ctx_t *c, const char *client_id);
int im_client_grant_ok(struct json_object *client, const char *grant);
int im_client_redirect_ok(struct json_object *client, const char *uri);
seal_status_t im_client_add(void *user, const char *json, size_t len,
                            char **out, size_t *out_len, seal_im_error_t *err);
seal_status_t im_client_list(void *user, char **out, size_t *out_len);
seal_status_t im_client_disable(void *user, const char *client_id);

/* ---- im_users.c ---- */
struct json_object *im_user_get(im_ctx_t *c, const char *user_id);
/* Verifies a password (timing does not tell whether the user exists):
 * the enabled user document or NULL. */
struct json_object *im_user_login(im_ctx_t *c, const char *user_id, const char *password);
seal_status_t im_user_add(void *user, const char *json, size_t len,
                          char **out, size_t *out_len, seal_im_error_t *err);
seal_status_t im_user_list(void *user, char **out, size_t *out_len);
seal_status_t im_user_disable(void *user, const char *user_id);
/* Creates doc under id in ns unless id is taken there (SEAL_E_EXISTS) or
 * in other_ns (SEAL_E_CONFLICT): user ids and client ids share one name
 * space, since a token whose sub equals its client_id is a VAL server's
 * (lib/access). */
seal_status_t im_id_create(im_ctx_t *c, const char *ns, const char *other_ns, const char *id,
                           struct json_object *doc);

/* ---- im_authorize.c ---- */
seal_status_t im_authorize_check(void *user, const seal_im_param_t *params, size_t n,
                                 seal_im_error_t *err);
seal_status_t im_authorize_login(void *user, const seal_im_param_t *params, size_t n,
                                 const char *username, const char *password,
                                 const char *peer, char **code, seal_im_error_t *err);

/* ---- im_grant.c: the token endpoint ---- */
void im_token(void *user, const seal_im_param_t *params, size_t n,
              const seal_im_client_auth_t *auth, seal_im_token_done_fn done, void *ctx);
/* Answers a token request with the standard response (RFC 6749 5.1): an
 * access token (its jti recorded in family, if any), refresh_token rt (or
 * none) and an ID token when id_token is set and the scope has openid. */
void im_token_reply(im_ctx_t *c, const im_grant_t *g, const char *rt, const char *family,
                    int id_token, seal_im_token_done_fn done, void *ctx);
/* Calls done with an error. */
void im_token_fail(seal_im_token_done_fn done, void *ctx, const seal_im_error_t *err);

/* ---- im_family.c: refresh tokens and their families ---- */
/* Creates a family and its first refresh token in txn; *rt the token. */
seal_status_t im_family_new(im_ctx_t *c, seal_store_txn_t *txn, const im_grant_t *g,
                            char family[IM_TOKEN_CHARS + 1], char rt[IM_TOKEN_CHARS + 1]);
/* Records an access token's jti in a family (for revocation). */
seal_status_t im_family_add_jti(im_ctx_t *c, const char *family, const char *jti, int64_t exp);
/* Revokes a family: its refresh tokens and its access tokens. */
seal_status_t im_family_revoke(im_ctx_t *c, const char *family, const char *why);
/* A user or client was disabled (index "sub" / "client", value its id):
 * puts it on the revocation list (im_revlist_disabled), then revokes every
 * family of it. */
void im_family_revoke_by(im_ctx_t *c, const char *index, const char *value);
/* refresh_token grant (RFC 6749 6) with rotation and reuse detection. */
void im_grant_refresh(im_ctx_t *c, struct json_object *client, const seal_im_param_t *p,
                      size_t n, seal_im_token_done_fn done, void *ctx);
/* Marks one access token revoked until exp. */
seal_status_t im_jti_revoke(im_ctx_t *c, const char *jti, int64_t exp);
int im_jti_revoked(im_ctx_t *c, const char *jti);
/* The refresh token document (active or not) for introspection/revocation. */
struct json_object *im_rt_get(im_ctx_t *c, const char *token);

/* ---- im_revlist.c: the revocation list (README "Revocation list") ---- */
/* Records a disabled user (kind SEAL_IM_REVOKED_SUBJECT, id its user_id) or
 * client (SEAL_IM_REVOKED_CLIENT, its client_id) until every access token
 * issued before now has expired, and tells resource servers. */
seal_status_t im_revlist_disabled(im_ctx_t *c, int kind, const char *id);
/* Tells resource servers of a new entry (the hook SEAL_IM_HOOK_REVOKED) and
 * makes the list be made again at its next request. */
void im_revlist_notify(im_ctx_t *c, int kind, const char *value, int64_t until);
/* seal_im_v1_t.revocations. */
seal_status_t im_revocations(void *user, char **json, size_t *len);
void im_revlist_init(im_ctx_t *c);
void im_revlist_free(im_ctx_t *c);

/* ---- im_exchange.c: RFC 8693 ---- */
void im_grant_exchange(im_ctx_t *c, struct json_object *client, const seal_im_param_t *p,
                       size_t n, seal_im_token_done_fn done, void *ctx);
void im_exchange_free(im_ctx_t *c);

/* ---- im_endpoints.c: userinfo, revocation, introspection ---- */
seal_status_t im_userinfo(void *user, const char *access_token, char **json, size_t *len,
                          seal_im_error_t *err);
seal_status_t im_revoke(void *user, const seal_im_param_t *params, size_t n,
                        const seal_im_client_auth_t *auth, seal_im_error_t *err);
seal_status_t im_introspect(void *user, const seal_im_param_t *params, size_t n,
                            const seal_im_client_auth_t *auth, char **json, size_t *len,
                            seal_im_error_t *err);

#endif
