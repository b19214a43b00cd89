/* SPDX-License-Identifier: Apache-2.0 */
/* Who is calling and what they may do (access.h, doc/authorization.md). */
#include <stdio.h>
#include <string.h>
#include "access.h"

int access_list_has(const char *list, const char *word)
{
    size_t n = word ? strlen(word) : 0;
    if (n == 0)
        return 0;
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (w == n && memcmp(p, word, n) == 0)
            return 1;
        p += w;
    }
    return 0;
}

static unsigned roles_of(const char *list)
{
    static const struct { const char *name; unsigned bit; } known[] = {
        { "operator", ACCESS_ROLE_OPERATOR },
        { "val_server", ACCESS_ROLE_VAL_SERVER },
        { "group_admin", ACCESS_ROLE_GROUP_ADMIN },
        { "group_manager", ACCESS_ROLE_GROUP_MANAGER },
    };
    unsigned r = 0;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (access_list_has(list, known[i].name))
            r |= known[i].bit;
    return r;
}

void access_caller(const seal_request_t *req, access_caller_t *c)
{
    memset(c, 0, sizeof *c);
    c->name = seal_request_principal(req);
    const char *auth = seal_request_attr(req, "auth");
    if (!c->name || !auth)
        return;
    c->roles = roles_of(seal_request_attr(req, "roles"));
    c->scope = seal_request_attr(req, "scope");
    const char *svc = seal_request_attr(req, "val_service_id");
    if (strcmp(auth, "certificate") == 0) {
        c->by_certificate = 1;
        c->cert_dn = seal_request_client_cert_dn(req);
        if (c->roles & ACCESS_ROLE_VAL_SERVER)
            c->kind = ACCESS_VAL_SERVER;
        else if (c->roles & ACCESS_ROLE_OPERATOR)
            c->kind = ACCESS_OPERATOR;
        else
            return;
    } else if (strcmp(auth, "token") == 0) {
        c->client_id = seal_request_attr(req, "client_id");
        c->val_user_ids = seal_request_attr(req, "val_user_ids");
        /* RFC 9068 2.2: a client credentials token's subject is the client.
         * Roles a token can carry are those of VAL servers and users. */
        c->roles &= ~ACCESS_ROLE_OPERATOR;
        if (c->client_id && strcmp(c->client_id, c->name) == 0 && !c->val_user_ids) {
            c->kind = ACCESS_VAL_SERVER;
            c->roles |= ACCESS_ROLE_VAL_SERVER;
        } else {
            c->kind = ACCESS_VAL_USER;
            c->roles &= ~ACCESS_ROLE_VAL_SERVER;
        }
    } else {
        return;
    }
    if (c->kind == ACCESS_VAL_SERVER && svc && *svc)
        snprintf(c->owner, sizeof c->owner, "service:%s", svc);
    else if (c->kind == ACCESS_VAL_SERVER)
        snprintf(c->owner, sizeof c->owner, "server:%s", c->name);
    else if (c->kind == ACCESS_VAL_USER)
        snprintf(c->owner, sizeof c->owner, "user:%s", c->name);
    /* A name too long for an owner owns nothing rather than a prefix. */
    if (c->owner[0] && strlen(c->owner) == sizeof c->owner - 1)
        c->owner[0] = '\0';
}

void access_km_caller(const access_caller_t *c, seal_km_caller_t *k)
{
    *k = (seal_km_caller_t){ .struct_size = sizeof *k, .principal = c->name };
    if (c->by_certificate) {
        if (c->kind == ACCESS_VAL_SERVER)
            k->cert_dn = c->cert_dn;
    } else if (c->kind != ACCESS_ANONYMOUS) {
        k->client_id = c->client_id;
        k->val_user_ids = c->val_user_ids;
    }
}

int access_group_create(const access_caller_t *c)
{
    if (!c->owner[0])
        return 0;
    return c->kind == ACCESS_VAL_SERVER
           || (c->kind == ACCESS_VAL_USER && (c->roles & ACCESS_ROLE_GROUP_MANAGER));
}

int access_group_all(const access_caller_t *c)
{
    return (c->kind == ACCESS_VAL_SERVER || c->kind == ACCESS_VAL_USER)
           && (c->roles & ACCESS_ROLE_GROUP_ADMIN);
}

int access_group_owns(const access_caller_t *c, const char *owner)
{
    if (access_group_all(c))
        return 1;
    return access_group_create(c) && owner && strcmp(owner, c->owner) == 0;
}

int access_operator(seal_plugin_t *self, seal_request_t *req)
{
    const char *name = seal_request_attr(req, "cert_principal");
    const char *dn = seal_request_client_cert_dn(req);
    if (name && dn && access_list_has(seal_request_attr(req, "cert_roles"), "operator")) {
        seal_request_set_principal(req, name);
        return 1;
    }
    seal_response_problem(req, 403, NULL,
                          dn ? "this client certificate is not an operator's"
                             : "administration needs an operator's client certificate "
                               "(seald.conf \"principals\", role operator)", NULL, 0);
    if (dn)
        seal_log(self, SEAL_LOG_NOTICE, "admin request refused for %s", dn);
    return 0;
}
