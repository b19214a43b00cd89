/* SPDX-License-Identifier: Apache-2.0 */
/* core/principals.c: the "principals" table (principals.h,
 * doc/authorization.md "Principals").
 *
 * Configuration (top-level "principals" of seald.conf, an array; absent:
 * empty). Each entry is exactly one of:
 *
 *   { "name": "vs1",
 *     "certificate": { "subject": "CN=vs1,O=Example", "issuer": "CN=Example CA" },
 *     "roles": ["val_server"], "scopes": ["seal.gm", "seal.km"],
 *     "val_service_id": "V2X" }
 *       A verified client certificate whose subject and issuer DNs are
 *       exactly these (RFC 4514 strings as GnuTLS prints them; certtool -i
 *       shows both) is the principal "name" (1 to 255 printable ASCII
 *       characters, no spaces). "roles" (required, non-empty): val_server,
 *       operator, group_admin. "scopes" (RFC 6749 3.3 scope tokens; default
 *       none): the scopes it stands for; a protected route is served only
 *       when they hold the scope of the route's service, as a token's
 *       scopes must. "val_service_id" (optional): the VAL service it acts
 *       for.
 *   { "client": "vs2", "roles": ["group_admin"], "val_service_id": "V2X" }
 *       Roles and VAL service of the VAL server authenticating with OAuth
 *       client vs2's client credentials tokens (sub == client_id, no
 *       val_user_ids). Roles: group_admin.
 *   { "user": "alice", "roles": ["group_manager"] }
 *       Roles of the VAL user whose tokens have sub alice (any other token).
 *       Roles: group_manager, group_admin.
 *
 * "roles" of client and user entries and "val_service_id" are optional,
 * but an entry must give one of them. Unknown keys are refused; so are two
 * entries for one subject and issuer, one client or one user. Roles
 * operator and val_server come from certificates only: a bearer token never
 * administers (doc/authorization.md), and a client credentials token is a
 * VAL server by itself.
 *
 * Per request (http.auth.mtls true): a mapped certificate sets
 * "cert_principal" and "cert_roles" on every routed request, public routes
 * too (the administration routes are public for the hook and ask
 * lib/access's access_operator). On a protected route where no hook
 * approved nor vetoed, the mapped certificate is the caller when its
 * scopes hold the route's scope; else 403, as for a certificate the table
 * does not list. The table is read once, at configuration, and never
 * changes, so the request threads read it without locks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http-private.h"
#include "principals.h"

#define NAME_MAX_LEN 255

typedef enum { P_CERT = 0, P_CLIENT, P_USER } pkind_t;

typedef struct pentry {
    pkind_t kind;
    char *name;              /* principal name, client id or user (sub) */
    char *subject, *issuer;  /* P_CERT */
    char *roles;             /* space-separated; "" for none */
    char *scopes;            /* P_CERT: space-separated; "" for none */
    char *val_service_id;    /* NULL: none */
} pentry_t;

struct seal_principals {
    size_t n;
    pentry_t *e;
};

/* ------------------------------------------------------------- reading */

static const char *const kind_key[] = { "certificate", "client", "user" };

/* Which roles each kind of entry may give (doc/authorization.md). */
static const struct { const char *name; unsigned kinds; } known_roles[] = {
    { "val_server", 1u << P_CERT },
    { "operator", 1u << P_CERT },
    { "group_admin", (1u << P_CERT) | (1u << P_CLIENT) | (1u << P_USER) },
    { "group_manager", 1u << P_USER },
};

static int word_in(const char *list, const char *word, size_t n)
{
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (w == n && n && memcmp(p, word, n) == 0)
            return 1;
        p += w;
    }
    return 0;
}

/* 1..max printable ASCII characters; spaces only when allowed. */
static int printable(const char *s, size_t max, int spaces)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < (spaces ? 0x20 : 0x21) || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
static int scope_token_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e)
            return 0;
    }
    return 1;
}

/* Appends word to the space-separated *list (malloc'd); 0 or -1 (memory). */
static int list_add(char **list, const char *word)
{
    size_t have = *list ? strlen(*list) : 0, n = strlen(word);
    char *l = realloc(*list, have + (have ? 1 : 0) + n + 1);
    if (!l)
        return -1;
    if (have)
        l[have++] = ' ';
    memcpy(l + have, word, n + 1);
    *list = l;
    return 0;
}

static seal_status_t read_roles(const seal_conf_t *e, pkind_t kind, pentry_t *p)
{
    const seal_conf_t *arr = seal_conf_get(e, "roles");
    if (!arr && kind == P_CERT)
        return seal_conf_error(NULL, e, "\"roles\" is required: a non-empty array of "
                               "val_server, operator, group_admin");
    if (arr && seal_conf_type(arr) != SEAL_CONF_ARRAY)
        return seal_conf_error(NULL, arr, "expected an array of roles");
    size_t n = arr ? seal_conf_array_len(arr) : 0;
    if (arr && n == 0 && kind == P_CERT)
        return seal_conf_error(NULL, arr, "a certificate principal needs at least one role");
    if (!(p->roles = strdup("")))
        return SEAL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const seal_conf_t *el = seal_conf_array_at(arr, i);
        const char *r = seal_conf_as_string(el);
        size_t k = 0;
        while (r && k < sizeof known_roles / sizeof *known_roles
               && strcmp(known_roles[k].name, r) != 0)
            k++;
        if (!r || k == sizeof known_roles / sizeof *known_roles)
            return seal_conf_error(NULL, el, "unknown role%s%s%s: expected val_server, "
                                   "operator, group_admin or group_manager",
                                   r ? " \"" : "", r ? r : "", r ? "\"" : "");
        if (!(known_roles[k].kinds & (1u << kind))) {
            if (strcmp(r, "group_manager") == 0)
                return seal_conf_error(NULL, el, "role group_manager is for \"user\" entries "
                                       "(a VAL user who may create groups)");
            return seal_conf_error(NULL, el, "role %s is for \"certificate\" entries only: %s",
                                   r, strcmp(r, "operator") == 0
                                          ? "a bearer token never administers"
                                          : "a client credentials token is a VAL server "
                                            "by itself");
        }
        if (!word_in(p->roles, r, strlen(r)) && list_add(&p->roles, r) != 0)
            return SEAL_E_NOMEM;
    }
    return SEAL_OK;
}

static seal_status_t read_scopes(const seal_conf_t *e, pentry_t *p)
{
    const seal_conf_t *arr = seal_conf_get(e, "scopes");
    if (arr && seal_conf_type(arr) != SEAL_CONF_ARRAY)
        return seal_conf_error(NULL, arr, "expected an array of scopes, e.g. [\"seal.gm\"]");
    if (!(p->scopes = strdup("")))
        return SEAL_E_NOMEM;
    for (size_t i = 0; arr && i < seal_conf_array_len(arr); i++) {
        const seal_conf_t *el = seal_conf_array_at(arr, i);
        const char *s = seal_conf_as_string(el);
        if (!scope_token_ok(s))
            return seal_conf_error(NULL, el, "expected a scope token (RFC 6749 3.3: printable "
                                   "ASCII without spaces, quotes or backslashes)");
        if (!word_in(p->scopes, s, strlen(s)) && list_add(&p->scopes, s) != 0)
            return SEAL_E_NOMEM;
    }
    return SEAL_OK;
}

static seal_status_t read_certificate(const seal_conf_t *e, pentry_t *p)
{
    const seal_conf_t *c = seal_conf_get(e, "certificate"), *v;
    if (seal_conf_type(c) != SEAL_CONF_OBJECT)
        return seal_conf_error(NULL, c, "expected an object {\"subject\": DN, \"issuer\": DN}");
    for (size_t i = 0; seal_conf_key_at(c, i, &v); i++) {
        const char *k = seal_conf_key_at(c, i, &v);
        if (strcmp(k, "subject") != 0 && strcmp(k, "issuer") != 0)
            return seal_conf_error(NULL, v, "unknown key: a certificate has \"subject\" and "
                                   "\"issuer\"");
    }
    const char *name, *subject, *issuer;
    seal_status_t st;
    if ((st = seal_conf_string(e, "name", NULL, &name)) ||
        (st = seal_conf_string(c, "subject", NULL, &subject)) ||
        (st = seal_conf_string(c, "issuer", NULL, &issuer)))
        return st;
    if (!name)
        return seal_conf_error(NULL, e, "\"name\" is required: the principal this "
                               "certificate stands for");
    if (!printable(name, NAME_MAX_LEN, 0))
        return seal_conf_error(NULL, seal_conf_get(e, "name"), "expected 1 to %d printable "
                               "ASCII characters without spaces", NAME_MAX_LEN);
    if (!subject || !*subject)
        return seal_conf_error(NULL, subject ? seal_conf_get(c, "subject") : c,
                               "\"subject\" is required: the certificate's subject DN as "
                               "certtool -i prints it");
    if (!issuer || !*issuer)
        return seal_conf_error(NULL, issuer ? seal_conf_get(c, "issuer") : c,
                               "\"issuer\" is required: the issuer DN as certtool -i prints "
                               "it (a subject alone would let another trusted CA name it)");
    if (!(p->name = strdup(name)) || !(p->subject = strdup(subject)) ||
        !(p->issuer = strdup(issuer)))
        return SEAL_E_NOMEM;
    return read_scopes(e, p);
}

static seal_status_t read_entry(const seal_conf_t *e, pentry_t *p)
{
    static const char *const allowed[][5] = {
        { "name", "certificate", "roles", "scopes", "val_service_id" },
        { "client", "roles", "val_service_id", NULL, NULL },
        { "user", "roles", "val_service_id", NULL, NULL },
    };
    if (seal_conf_type(e) != SEAL_CONF_OBJECT)
        return seal_conf_error(NULL, e, "expected an object with \"certificate\", \"client\" "
                               "or \"user\"");
    int kinds = 0;
    for (int k = 0; k < 3; k++)
        if (seal_conf_get(e, kind_key[k])) {
            p->kind = (pkind_t)k;
            kinds++;
        }
    if (kinds != 1)
        return seal_conf_error(NULL, e, "an entry has exactly one of \"certificate\", "
                               "\"client\" or \"user\"");
    const seal_conf_t *v;
    for (size_t i = 0; seal_conf_key_at(e, i, &v); i++) {
        const char *k = seal_conf_key_at(e, i, &v);
        int ok = 0;
        for (size_t j = 0; j < 5 && !ok; j++)
            ok = allowed[p->kind][j] && strcmp(allowed[p->kind][j], k) == 0;
        if (!ok)
            return seal_conf_error(NULL, v, "unknown key in a \"%s\" entry", kind_key[p->kind]);
    }
    seal_status_t st;
    if (p->kind == P_CERT) {
        st = read_certificate(e, p);
    } else {
        const char *who;
        if ((st = seal_conf_string(e, kind_key[p->kind], NULL, &who)) != SEAL_OK)
            return st;
        if (!printable(who, NAME_MAX_LEN, 0))
            return seal_conf_error(NULL, seal_conf_get(e, kind_key[p->kind]),
                                   "expected 1 to %d printable ASCII characters without "
                                   "spaces", NAME_MAX_LEN);
        st = (p->name = strdup(who)) ? SEAL_OK : SEAL_E_NOMEM;
    }
    if (st != SEAL_OK || (st = read_roles(e, p->kind, p)) != SEAL_OK)
        return st;
    const char *svc;
    if ((st = seal_conf_string(e, "val_service_id", NULL, &svc)) != SEAL_OK)
        return st;
    if (svc && !printable(svc, NAME_MAX_LEN, 1))
        return seal_conf_error(NULL, seal_conf_get(e, "val_service_id"),
                               "expected 1 to %d printable ASCII characters", NAME_MAX_LEN);
    if (svc && !(p->val_service_id = strdup(svc)))
        return SEAL_E_NOMEM;
    if (p->kind != P_CERT && !p->roles[0] && !svc)
        return seal_conf_error(NULL, e, "the entry gives nothing: add \"roles\" or "
                               "\"val_service_id\"");
    return SEAL_OK;
}

static const char *const dup_what[] = {
    "this certificate (subject and issuer)", "this client", "this user"
};

static int same(const pentry_t *a, const pentry_t *b)
{
    if (a->kind != b->kind)
        return 0;
    if (a->kind == P_CERT)
        return strcmp(a->subject, b->subject) == 0 && strcmp(a->issuer, b->issuer) == 0;
    return strcmp(a->name, b->name) == 0;
}

seal_status_t seal_principals_read(const seal_conf_t *node, seal_principals_t **out)
{
    *out = NULL;
    seal_principals_t *t = calloc(1, sizeof *t);
    if (!t)
        return SEAL_E_NOMEM;
    size_t n = 0;
    if (node) {
        if (seal_conf_type(node) != SEAL_CONF_ARRAY) {
            seal_principals_free(t);
            return seal_conf_error(NULL, node, "expected an array of principals");
        }
        n = seal_conf_array_len(node);
    }
    if (n && !(t->e = calloc(n, sizeof *t->e))) {
        seal_principals_free(t);
        return SEAL_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const seal_conf_t *e = seal_conf_array_at(node, i);
        t->n = i + 1;                         /* so free releases what was read */
        seal_status_t st = read_entry(e, &t->e[i]);
        for (size_t j = 0; st == SEAL_OK && j < i; j++)
            if (same(&t->e[j], &t->e[i]))
                st = seal_conf_error(NULL, e, "%s is already listed at %s",
                                     dup_what[t->e[i].kind],
                                     seal_conf_path(seal_conf_array_at(node, j)));
        if (st != SEAL_OK) {
            seal_principals_free(t);
            return st;
        }
    }
    *out = t;
    return SEAL_OK;
}

void seal_principals_free(seal_principals_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        pentry_t *p = &t->e[i];
        free(p->name);
        free(p->subject);
        free(p->issuer);
        free(p->roles);
        free(p->scopes);
        free(p->val_service_id);
    }
    free(t->e);
    free(t);
}

/* ----------------------------------------------------------- requests */

/* The certificate entry of req's verified certificate: subject AND issuer
 * equal, byte for byte (the same rendering by the same library). */
static const pentry_t *cert_entry(const seal_principals_t *t, const seal_request_t *req)
{
    if (!t || !req->client_dn || !req->client_issuer)
        return NULL;
    for (size_t i = 0; i < t->n; i++) {
        const pentry_t *p = &t->e[i];
        if (p->kind == P_CERT && strcmp(p->subject, req->client_dn) == 0
            && strcmp(p->issuer, req->client_issuer) == 0)
            return p;
    }
    return NULL;
}

static const pentry_t *named_entry(const seal_principals_t *t, pkind_t kind, const char *name)
{
    for (size_t i = 0; t && name && i < t->n; i++)
        if (t->e[i].kind == kind && strcmp(t->e[i].name, name) == 0)
            return &t->e[i];
    return NULL;
}

seal_status_t seal_principals_mark(const seal_principals_t *t, seal_request_t *req)
{
    const pentry_t *p = cert_entry(t, req);
    if (!p)
        return SEAL_OK;
    seal_status_t st = seal_request_set_attr(req, "cert_principal", p->name);
    return st == SEAL_OK ? seal_request_set_attr(req, "cert_roles", p->roles) : st;
}

/* The roles and VAL service of the client or user a token names (the rule
 * of lib/access: a client credentials token has sub == client_id and no
 * val_user_ids; every other token is a VAL user's). */
static seal_status_t token_extras(const seal_principals_t *t, seal_request_t *req)
{
    const char *auth = seal_request_attr(req, "auth");
    const char *sub = seal_request_principal(req);
    if (!auth || strcmp(auth, "token") != 0 || !sub)
        return SEAL_OK;
    const char *cid = seal_request_attr(req, "client_id");
    int server = cid && strcmp(cid, sub) == 0 && !seal_request_attr(req, "val_user_ids");
    const pentry_t *p = server ? named_entry(t, P_CLIENT, cid) : named_entry(t, P_USER, sub);
    seal_status_t st = SEAL_OK;
    if (p && p->roles[0])
        st = seal_request_set_attr(req, "roles", p->roles);
    if (st == SEAL_OK && p && p->val_service_id)
        st = seal_request_set_attr(req, "val_service_id", p->val_service_id);
    return st;
}

static seal_status_t forbid(seal_request_t *req, const char *cause, const char *detail)
{
    seal_status_t st = seal_response_problem(req, 403, cause, detail, NULL, 0);
    return st == SEAL_OK ? SEAL_E_PERM : st;
}

seal_status_t seal_principals_authorize(const seal_principals_t *t, seal_request_t *req,
                                        seal_status_t hook, int mtls)
{
    if (hook == SEAL_OK)
        return token_extras(t, req);
    if (hook != SEAL_DECLINED || !mtls || !req->client_dn)
        return hook;
    const pentry_t *p = cert_entry(t, req);
    if (!p) {
        if (seal_log_enabled(SEAL_LOG_DEBUG))
            seal_log(NULL, SEAL_LOG_DEBUG, "http: %s %s: client certificate subject \"%s\" "
                     "issuer \"%s\" is not in \"principals\"", req->method, req->raw_path,
                     req->client_dn, req->client_issuer ? req->client_issuer : "");
        return forbid(req, "CLIENT_CERT_NOT_MAPPED", "this client certificate is not mapped "
                      "to a principal (seald.conf principals)");
    }
    const seal_service_t *svc = req->route ? seal_registry_service(req->host, req->route->service)
                                           : NULL;
    const char *need = svc ? svc->scope : NULL;
    char detail[512];
    if (!need || !*need) {
        snprintf(detail, sizeof detail, "no scope is configured for service %s: a client "
                 "certificate cannot stand for it", req->route ? req->route->service : "-");
        return forbid(req, "INSUFFICIENT_SCOPE", detail);
    }
    if (!word_in(p->scopes, need, strlen(need))) {
        snprintf(detail, sizeof detail, "the client certificate principal %s does not have "
                 "scope %s (seald.conf principals: \"scopes\")", p->name, need);
        return forbid(req, "INSUFFICIENT_SCOPE", detail);
    }
    seal_status_t st;
    if ((st = seal_request_set_principal(req, p->name)) ||
        (st = seal_request_set_attr(req, "auth", "certificate")) ||
        (st = seal_request_set_attr(req, "roles", p->roles)) ||
        (st = seal_request_set_attr(req, "scope", p->scopes)) ||
        (p->val_service_id && (st = seal_request_set_attr(req, "val_service_id",
                                                          p->val_service_id))))
        return st;
    return SEAL_OK;
}
