/* SPDX-License-Identifier: Apache-2.0 */
/* Which identities a caller may get key material for (TS 33.434 5.3.1: the
 * KMS validates the access token and the client's authorization; the
 * shared rule of issue 5, seal/services/km.h "entitled"):
 *   - a client_credentials token (client_id set, equal to the subject):
 *     km config "clients"[client_id];
 *   - a user token: its val_user_ids claim (attr, space-separated);
 *   - a certificate VAL server (cert_dn set, no client_id: a client
 *     certificate that seald.conf "principals" maps; its principal is the
 *     entry's name): km config "certs"[its subject DN].
 * A caller that fits none gets nothing. */
#include <stdlib.h>
#include <string.h>
#include "km_int.h"

static const km_ent_t *find(const km_ent_t *e, size_t n, const char *who)
{
    for (size_t i = 0; who && i < n; i++)
        if (strcmp(e[i].who, who) == 0)
            return &e[i];
    return NULL;
}

/* The caller's configured list, or NULL with *ids set to the token's
 * val_user_ids (possibly NULL). */
static const km_ent_t *source(const km_ctx_t *c, const seal_km_caller_t *k, const char **ids)
{
    *ids = NULL;
    if (!k || k->struct_size < sizeof(uint32_t) + 4 * sizeof(char *))
        return NULL;
    if (k->cert_dn)
        return !k->client_id ? find(c->certs, c->ncerts, k->cert_dn) : NULL;
    if (k->client_id && k->principal && strcmp(k->client_id, k->principal) == 0)
        return find(c->clients, c->nclients, k->client_id);
    if (k->principal)
        *ids = k->val_user_ids;
    return NULL;
}

/* True if the space-separated list holds identity as a whole word. */
static int in_list(const char *list, const char *identity)
{
    size_t n = strlen(identity);
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (w == n && memcmp(p, identity, n) == 0)
            return 1;
        p += w;
    }
    return 0;
}

seal_status_t km_entitled(km_ctx_t *c, const seal_km_caller_t *caller, const char *identity)
{
    if (!km_uri_ok(identity))
        return SEAL_E_INVAL;
    const char *ids;
    const km_ent_t *e = source(c, caller, &ids);
    if (e) {
        for (size_t i = 0; i < e->n; i++)
            if (strcmp(e->uris[i], identity) == 0)
                return SEAL_OK;
        return SEAL_E_PERM;
    }
    return in_list(ids, identity) ? SEAL_OK : SEAL_E_PERM;
}

seal_status_t km_identities(km_ctx_t *c, const seal_km_caller_t *caller, char **list,
                            size_t *len)
{
    *list = NULL;
    const char *ids;
    const km_ent_t *e = source(c, caller, &ids);
    size_t cap = 1;
    if (e)
        for (size_t i = 0; i < e->n; i++)
            cap += strlen(e->uris[i]) + 1;
    else if (ids)
        cap += strlen(ids);
    char *out = malloc(cap), *p = out;
    if (!out)
        return SEAL_E_NOMEM;
    if (e) {
        for (size_t i = 0; i < e->n; i++) {
            size_t n = strlen(e->uris[i]);
            if (p != out)
                *p++ = ' ';
            memcpy(p, e->uris[i], n);
            p += n;
        }
    } else {
        /* Only the words that are acceptable identities; one space apart. */
        for (const char *q = ids; q && *q;) {
            while (*q == ' ')
                q++;
            size_t w = strcspn(q, " ");
            char word[SEAL_KM_URI_MAX + 1];
            if (w > 0 && w <= SEAL_KM_URI_MAX) {
                memcpy(word, q, w);
                word[w] = '\0';
                if (km_uri_ok(word)) {
                    if (p != out)
                        *p++ = ' ';
                    memcpy(p, word, w);
                    p += w;
                }
            }
            q += w;
        }
    }
    *p = '\0';
    *list = out;
    if (len)
        *len = (size_t)(p - out);
    return SEAL_OK;
}
