/* SPDX-License-Identifier: Apache-2.0 */
/* libsealclient internals: the handle, and the helpers the files share.
 * Never installed. */
#ifndef SC_INT_H
#define SC_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sealclient/sealclient.h>

struct json_object;

/* The stored session (the tokens file). */
typedef struct sc_tokens {
    char *issuer;
    char *client_id;
    char *token_type;
    char *access_token;
    char *refresh_token;
    char *id_token;
    char *scope;
    char *sub;
    char *cacert;           /* the trust anchors used at login (absolute path) */
    int64_t expires_at;     /* 0: unknown */
} sc_tokens_t;

/* One HTTP answer. */
typedef struct sc_resp {
    long status;
    char *body;             /* NUL-terminated */
    size_t len;
    char *location;         /* Location header, or NULL */
    char *content_type;     /* or NULL */
    char *url;              /* the effective URL (base for relative links) */
} sc_resp_t;

/* An application/x-www-form-urlencoded body or query under construction. */
typedef struct sc_form {
    char *s;
    size_t len, cap;
    int failed;
} sc_form_t;

/* A list of name=value pairs (decoded query or HTML form fields). */
typedef struct sc_pairs {
    char **name;
    char **value;
    size_t n;
} sc_pairs_t;

struct sealclient {
    char *issuer, *client_id, *client_secret, *scope, *acr_values, *cacert, *tokens_path;
    long timeout_ms;
    int leeway;
    char err[512];
    void *curl;                         /* CURL * (kept for keep-alive) */

    /* discovery */
    int discovered;
    char *authorization_endpoint, *token_endpoint, *jwks_uri;
    char *userinfo_endpoint, *revocation_endpoint;
    char *jwks_json;                    /* the last fetched JWKS */
    int64_t jwks_fetched;

    /* a login in progress */
    int listen_fd;
    unsigned port;
    char *redirect_uri, *verifier, *state, *nonce, *auth_url;

    /* the session */
    sc_tokens_t tok;
    int tok_loaded;
    char *out_token;                    /* client_credentials result */
};

/* Records the error text and returns code. */
int sc_fail(sealclient_t *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *sc_strdup(const char *s);
char *sc_strndup(const char *s, size_t n);
/* Wipes then frees a NUL-terminated secret; NULL is fine. */
void sc_free_secret(char *s);
void sc_set(char **dst, const char *src);           /* free + strdup */
int64_t sc_now(void);

/* private_file.c: owner-only JSON files (tokens, keys). */
int sc_make_dirs(sealclient_t *c, const char *file);     /* 0700, mkdir -p of the file's dir */
int sc_json_put_str(struct json_object *o, const char *key, const char *v); /* v NULL: no-op */
/* Reads a file that must be the user's and mode 0600 at most, at most max
 * bytes: *absent when it does not exist; *out NULL when it is not JSON. */
int sc_private_json_read(sealclient_t *c, const char *path, size_t max,
                         struct json_object **out, int *absent);
/* Writes o atomically with mode 0600, durably, wiping the text. */
int sc_private_json_write(sealclient_t *c, const char *path, struct json_object *o);

/* core.c: checks a PEM trust anchor file with GnuTLS. */
int sc_check_cacert(sealclient_t *c, const char *path);

/* random.c: base64url, random values, PKCE S256 (RFC 7636 4.1, 4.2). */
char *sc_b64url(const uint8_t *data, size_t len);
char *sc_random_b64url(size_t nbytes);
char *sc_pkce_s256(const char *verifier);

/* form.c: encoding and decoding of application/x-www-form-urlencoded. */
void sc_form_add(sc_form_t *f, const char *name, const char *value);
char *sc_form_take(sc_form_t *f);   /* NULL if anything failed; the form is reset */
void sc_form_wipe(sc_form_t *f);
char *sc_urlencode(const char *s);
char *sc_urldecode(const char *s, size_t len);   /* '+' is a space; NULL on bad escapes */
/* A hex digit's value, or -1. */
static inline int sc_hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}
int sc_query_parse(const char *q, size_t len, sc_pairs_t *out);  /* 0 or -1 */
int sc_pairs_push(sc_pairs_t *p, const char *name, const char *value);  /* copies */
const char *sc_pairs_get(const sc_pairs_t *p, const char *name);
size_t sc_pairs_count(const sc_pairs_t *p, const char *name);
void sc_pairs_free(sc_pairs_t *p);

/* html.c: the login page's form (action and input fields). */
typedef struct sc_html_form {
    char *action;           /* NULL when the form has none */
    char *method;           /* lower case; NULL: get */
    sc_pairs_t fields;      /* every named input with its value (decoded) */
    int has_username, has_password;
} sc_html_form_t;
int sc_html_find_form(const char *html, size_t len, sc_html_form_t *out);  /* 0 or -1 */
void sc_html_form_free(sc_html_form_t *f);

/* http.c */
typedef enum { SC_GET, SC_POST } sc_method_t;
/* One exchange; no redirect is followed. body_form: a form body for POST.
 * basic: send the client credentials with HTTP Basic. bearer: an access
 * token for Authorization. */
int sc_http(sealclient_t *c, sc_method_t m, const char *url, const char *body_form,
            int basic, const char *bearer, sc_resp_t *r);
void sc_resp_free(sc_resp_t *r);
/* Resolves a possibly relative reference against base; NULL on error. */
char *sc_url_resolve(const char *base, const char *ref);
/* Parses a JSON object body; NULL with the error recorded. */
struct json_object *sc_json_body(sealclient_t *c, const sc_resp_t *r, const char *what);
/* Records an OAuth error answer ({"error": ...}) or a protocol error. */
int sc_oauth_error(sealclient_t *c, const sc_resp_t *r, const char *what);
int sc_is_https(const char *url);
/* The transport options every exchange of the library sets on its handle:
 * the URL, https only, no redirects, timeouts, peer and host verification
 * against the handle's trust anchors alone (c->cacert, else the system
 * store), the User-Agent. */
void sc_curl_transport(const sealclient_t *c, void *h /* CURL * */, const char *url);
/* Where an exchange's answer goes: the body (at most max octets, else
 * toobig; grown without leaving copies behind, since it may hold tokens or
 * key material), the last answer's Location and Content-Type. */
typedef struct sc_sink {
    sc_resp_t *r;
    size_t cap, max;
    int toobig;
} sc_sink_t;
void sc_curl_capture(void *h /* CURL * */, sc_sink_t *sink);

/* discovery.c */
int sc_discover(sealclient_t *c);
int sc_fetch_jwks(sealclient_t *c);

/* idtoken.c: ID token verification (OIDC Core 3.1.3.7; TS 33.434 A.2.1). */
typedef struct sc_idt_expect {
    const char *issuer;
    const char *client_id;
    const char *nonce;      /* NULL: must be absent or ignored (refresh) */
    const char *sub;        /* NULL: any */
    int leeway;
    int64_t now;
} sc_idt_expect_t;
/* Verifies token against the JWKS text; *sub_out (malloc'd) on success.
 * Returns 0, or -1 with a reason in err. Does no I/O. unknown_kid is set
 * when no key of the JWKS carries the token's kid (so the caller may
 * refetch the JWKS once). */
int sc_idtoken_verify(const char *token, const char *jwks_json, const sc_idt_expect_t *e,
                      char **sub_out, int *unknown_kid, char *err, size_t errlen);

/* jws.c: signature check of a JWS compact token against a JWKS (ES256 or
 * EdDSA only); the header and claims JSON texts (malloc'd) on success. */
int sc_jws_verify(const char *token, const char *jwks_json, char **header, char **claims,
                  int *unknown_kid, char *err, size_t errlen);

/* store.c: the tokens file. */
int sc_store_lock(sealclient_t *c, int *fd);        /* exclusive lock file */
void sc_store_unlock(int fd);
int sc_store_load(sealclient_t *c);                 /* SEALCLIENT_E_NOSESSION if none */
int sc_store_save(sealclient_t *c);
int sc_store_delete(sealclient_t *c);
void sc_tokens_clear(sc_tokens_t *t);
char *sc_default_tokens_path(void);

/* loopback.c: the RFC 8252 7.3 redirect listener. */
int sc_loopback_open(sealclient_t *c);
void sc_loopback_close(sealclient_t *c);
/* Waits for a request on the callback path carrying our state; the query
 * parameters in *q. */
int sc_loopback_wait(sealclient_t *c, int timeout_ms, sc_pairs_t *q);

/* tokens.c: token endpoint answers. */
int sc_token_response(sealclient_t *c, const sc_resp_t *r, const char *nonce, int refresh);
int sc_redeem_code(sealclient_t *c, const sc_pairs_t *q);

#endif
