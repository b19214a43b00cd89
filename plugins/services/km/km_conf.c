/* SPDX-License-Identifier: Apache-2.0 */
/* The key management server's configuration (README lists every key). */
#include <stdlib.h>
#include <string.h>
#include "ident/ident.h"
#include "km_int.h"

/* An identity is addressed by /admin/v1/km/revocations/{identity} (km_uu):
 * lib/ident's grammar, so that every identity the KMS issues keys for can
 * be revoked (an identity with '/' could never be). It also keeps the
 * space-separated entitlement lists unambiguous. */
int km_uri_ok(const char *s)
{
    return ident_ok(s, SEAL_KM_URI_MAX);
}

/* The KMS URI names the KMS in its certificate and in CertUri
 * ("<kms_uri>/cert/<n>"); no route addresses it, so it may be any URI:
 * printable ASCII without spaces. */
int km_kms_uri_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SEAL_KM_URI_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

static void ent_free(km_ent_t *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].who);
        for (size_t j = 0; j < e[i].n; j++)
            free(e[i].uris[j]);
        free(e[i].uris);
    }
    free(e);
}

/* {"<who>": ["<uri>", ...], ...} */
static seal_status_t read_ents(km_ctx_t *c, const seal_conf_t *conf, const char *key,
                               km_ent_t **out, size_t *nout)
{
    const seal_conf_t *node = seal_conf_get(conf, key), *v;
    *out = NULL;
    *nout = 0;
    if (!node)
        return SEAL_OK;
    if (seal_conf_type(node) != SEAL_CONF_OBJECT)
        return seal_conf_error(c->self, node, "must be an object of arrays of identity URIs");
    size_t n = 0;
    while (seal_conf_key_at(node, n, &v))
        n++;
    km_ent_t *e = calloc(n ? n : 1, sizeof *e);
    if (!e)
        return SEAL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *who = seal_conf_key_at(node, i, &v);
        if (!*who) {
            ent_free(e, i);
            return seal_conf_error(c->self, node, "an empty name");
        }
        if (seal_conf_type(v) != SEAL_CONF_ARRAY) {
            ent_free(e, i);
            return seal_conf_error(c->self, v, "must be an array of identity URIs");
        }
        size_t m = seal_conf_array_len(v);
        e[i].who = strdup(who);
        e[i].uris = calloc(m ? m : 1, sizeof *e[i].uris);
        if (!e[i].who || !e[i].uris) {
            ent_free(e, i + 1);
            return SEAL_E_NOMEM;
        }
        for (size_t j = 0; j < m; j++) {
            const char *u = seal_conf_as_string(seal_conf_array_at(v, j));
            if (!km_uri_ok(u)) {
                ent_free(e, i + 1);
                return seal_conf_error(c->self, seal_conf_array_at(v, j),
                                       "must be an identity URI: 1 to %d characters: %s",
                                       SEAL_KM_URI_MAX, IDENT_PCHAR_TEXT);
            }
            if (!(e[i].uris[j] = strdup(u))) {
                ent_free(e, i + 1);
                return SEAL_E_NOMEM;
            }
            e[i].n = j + 1;
        }
    }
    *out = e;
    *nout = n;
    return SEAL_OK;
}

/* "master_key_pkcs11": {"module", "token", "pin_file"[, "key_label"]}: the
 * KEK is an AES key in that token (lib/p11kek) instead of master_key_file. */
static seal_status_t read_pkcs11(km_ctx_t *c, const seal_conf_t *conf)
{
    const seal_conf_t *node = seal_conf_get(conf, "master_key_pkcs11");
    if (!node)
        return SEAL_OK;
    if (seal_conf_type(node) != SEAL_CONF_OBJECT)
        return seal_conf_error(c->self, node, "must be an object with module, token, "
                               "pin_file and optionally key_label");
#ifndef HAVE_P11KIT
    return seal_conf_error(c->self, node, "this km was built without PKCS#11 support "
                           "(p11-kit was not found by configure)");
#else
    if (seal_conf_get(conf, "master_key_file"))
        return seal_conf_error(c->self, node, "give either master_key_file or "
                               "master_key_pkcs11, not both");
    static const char *const keys[] = { "module", "token", "pin_file" };
    const char *v[3] = { NULL }, *label = NULL;
    seal_status_t st;
    for (size_t i = 0; i < 3; i++) {
        if ((st = seal_conf_string(node, keys[i], NULL, &v[i])) != SEAL_OK)
            return st;
        if (!v[i] || !*v[i])
            return seal_conf_error(c->self, node, "%s is required", keys[i]);
    }
    if ((st = seal_conf_string(node, "key_label", "seal-km-kek", &label)) != SEAL_OK)
        return st;
    if (!*label || strlen(label) > 64)
        return seal_conf_error(c->self, seal_conf_get(node, "key_label"),
                               "must be 1 to 64 characters");
    if (strlen(v[1]) > 32)
        return seal_conf_error(c->self, seal_conf_get(node, "token"),
                               "a token label has at most 32 characters");
    if (!(c->p11_module = strdup(v[0])) || !(c->p11_token = strdup(v[1]))
        || !(c->p11_pin_file = strdup(v[2])) || !(c->p11_key_label = strdup(label)))
        return SEAL_E_NOMEM;
    return SEAL_OK;
#endif
}

seal_status_t km_conf_read(km_ctx_t *c)
{
    seal_plugin_t *self = c->self;
    const seal_conf_t *conf = seal_plugin_conf(self);
    const char *kms_uri = NULL, *issuer = NULL, *file = NULL;
    int64_t period = 0, offset = 0, lifetime = 0, overlap = 0;
    seal_status_t st;
    if ((st = seal_conf_string(conf, "kms_uri", NULL, &kms_uri))
        || (st = seal_conf_string(conf, "issuer", "", &issuer))
        || (st = seal_conf_string(conf, "master_key_file", SEAL_STATEDIR "/km.kek", &file))
        || (st = seal_conf_int(conf, "user_key_period", 2592000, 60, INT64_C(1) << 32, &period))
        || (st = seal_conf_int(conf, "user_key_offset", 0, 0, INT64_C(1) << 32, &offset))
        || (st = seal_conf_int(conf, "master_key_lifetime", 0, 0, INT64_C(1) << 40, &lifetime))
        || (st = seal_conf_int(conf, "rollover_overlap", 86400, 0, INT64_C(1) << 40, &overlap)))
        return st;
    if (!kms_uri)
        return seal_conf_error(self, conf, "kms_uri is required (the KMS URI of the "
                               "certificate, e.g. \"kms.example.org\")");
    if (!km_kms_uri_ok(kms_uri))
        return seal_conf_error(self, seal_conf_get(conf, "kms_uri"),
                               "must be 1 to %d printable ASCII characters without spaces",
                               SEAL_KM_URI_MAX);
    if (strlen(issuer) > SEAL_KM_URI_MAX || strpbrk(issuer, "<>&"))
        return seal_conf_error(self, seal_conf_get(conf, "issuer"),
                               "at most %d characters, without < > &", SEAL_KM_URI_MAX);
    if (offset >= period)
        return seal_conf_error(self, seal_conf_get(conf, "user_key_offset"),
                               "must be less than user_key_period (%lld)", (long long)period);
    if (lifetime > 0 && overlap >= lifetime)
        return seal_conf_error(self, seal_conf_get(conf, "rollover_overlap"),
                               "must be less than master_key_lifetime (%lld)",
                               (long long)lifetime);
    if (!*file)
        return seal_conf_error(self, seal_conf_get(conf, "master_key_file"),
                               "must not be empty");
    if (!(c->kms_uri = strdup(kms_uri)) || !(c->issuer = strdup(issuer))
        || !(c->master_key_file = strdup(file)))
        return SEAL_E_NOMEM;
    if ((st = read_pkcs11(c, conf)) != SEAL_OK)
        return st;
    c->period = (uint64_t)period;
    c->offset = (uint64_t)offset;
    c->lifetime = lifetime;
    c->overlap = overlap;
    if ((st = read_ents(c, conf, "clients", &c->clients, &c->nclients))
        || (st = read_ents(c, conf, "certs", &c->certs, &c->ncerts)))
        return st;
    return SEAL_OK;
}

void km_conf_free(km_ctx_t *c)
{
    free(c->kms_uri);
    free(c->issuer);
    free(c->master_key_file);
    free(c->p11_module);
    free(c->p11_token);
    free(c->p11_pin_file);
    free(c->p11_key_label);
    c->p11_module = c->p11_token = c->p11_pin_file = c->p11_key_label = NULL;
    ent_free(c->clients, c->nclients);
    ent_free(c->certs, c->ncerts);
    c->clients = c->certs = NULL;
    c->nclients = c->ncerts = 0;
}
