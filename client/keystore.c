/* SPDX-License-Identifier: Apache-2.0 */
/* The key file of the KM client: the home KMS certificate (TS 33.180 5.3.1,
 * D.3.4) and the user key sets validated under it (SSK/PVT, RSK per
 * identity and key period, D.3.6).  JSON, mode 0600 from its creation
 * (mkstemp, then rename over the old file), in the tokens file's 0700
 * directory; a file readable by group or others is refused, as for the
 * tokens.  Secrets are wiped from every buffer that held them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kmc_int.h"

#define KEYS_MAX_FILE (4u << 20)
#define KEYS_FORMAT 1

char *kmc_default_keys_path(const char *tokens_path)
{
    if (!tokens_path)
        return NULL;
    const char *slash = strrchr(tokens_path, '/');
    size_t dir = slash ? (size_t)(slash - tokens_path) + 1 : 0;
    char *p = malloc(dir + sizeof "keys.json");
    if (!p)
        return NULL;
    memcpy(p, tokens_path, dir);
    memcpy(p + dir, "keys.json", sizeof "keys.json");
    return p;
}

void kmc_store_free(kmc_store_t *s)
{
    if (s->prev) {
        kmc_store_free(s->prev);
        free(s->prev);
    }
    kmc_cert_free(&s->cert);
    free(s->kms_url);
    for (size_t i = 0; i < s->n_sets; i++)
        kmc_keyset_free(&s->sets[i]);
    free(s->sets);
    memset(s, 0, sizeof *s);
}

const kmc_keyset_t *kmc_store_find(const kmc_store_t *s, const char *user_uri,
                                   uint64_t period_no)
{
    for (size_t i = 0; i < s->n_sets; i++)
        if (s->sets[i].period_no == period_no && strcmp(s->sets[i].user_uri, user_uri) == 0)
            return &s->sets[i];
    return NULL;
}

static int keyset_copy(kmc_keyset_t *dst, const kmc_keyset_t *k)
{
    *dst = *k;
    dst->kms_uri = sc_strdup(k->kms_uri);
    dst->cert_uri = sc_strdup(k->cert_uri);
    dst->user_uri = sc_strdup(k->user_uri);
    if (!dst->kms_uri || !dst->user_uri || (k->cert_uri && !dst->cert_uri)) {
        kmc_keyset_free(dst);
        return -1;
    }
    return 0;
}

int kmc_store_put(kmc_store_t *s, const kmc_keyset_t *k)
{
    for (size_t i = 0; i < s->n_sets; i++) {
        if (s->sets[i].period_no == k->period_no && strcmp(s->sets[i].user_uri, k->user_uri) == 0) {
            kmc_keyset_t n;
            if (keyset_copy(&n, k))
                return -1;
            kmc_keyset_free(&s->sets[i]);
            s->sets[i] = n;
            explicit_bzero(&n, sizeof n);
            return 0;
        }
    }
    kmc_keyset_t *t = realloc(s->sets, (s->n_sets + 1) * sizeof *t);
    if (!t)
        return -1;
    s->sets = t;
    if (keyset_copy(&s->sets[s->n_sets], k))
        return -1;
    s->n_sets++;
    return 0;
}

void kmc_store_prune(kmc_store_t *s, uint64_t min_period)
{
    size_t j = 0;
    for (size_t i = 0; i < s->n_sets; i++) {
        if (s->sets[i].period_no < min_period) {
            kmc_keyset_free(&s->sets[i]);
            continue;
        }
        if (j != i) {
            s->sets[j] = s->sets[i];
            explicit_bzero(&s->sets[i], sizeof s->sets[i]);
        }
        j++;
    }
    s->n_sets = j;
}

/* Strings json-c made of the secrets are wiped before it frees them. */
static void wipe_strings(json_object *o)
{
    if (json_object_is_type(o, json_type_string)) {
        explicit_bzero((char *)json_object_get_string(o), (size_t)json_object_get_string_len(o));
    } else if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, key, val) {
            (void)key;
            wipe_strings(val);
        }
    } else if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            wipe_strings(json_object_array_get_idx(o, i));
    }
}

/* ---- reading ---- */

static int get_str(json_object *o, const char *key, int required, char **dst)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return required ? -1 : 0;
    if (!json_object_is_type(v, json_type_string))
        return -1;
    *dst = sc_strdup(json_object_get_string(v));
    return *dst ? 0 : -1;
}

static int get_hex(json_object *o, const char *key, uint8_t *out, size_t len)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return -1;
    return kmc_unhex(json_object_get_string(v), (size_t)json_object_get_string_len(v), out, len);
}

static int get_u64(json_object *o, const char *key, int required, uint64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return required ? -1 : 0;
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
        return -1;
    *out = (uint64_t)json_object_get_int64(v);
    return 0;
}

static int get_i64(json_object *o, const char *key, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return -1;
    *out = json_object_get_int64(v);
    return 0;
}

static int read_cert(json_object *o, kmc_cert_t *c)
{
    uint64_t fmt = 0, ps = 0, rev = 0;
    if (get_str(o, "id", 0, &c->id) || get_str(o, "cert_uri", 0, &c->cert_uri) ||
        get_str(o, "kms_uri", 1, &c->kms_uri) || get_str(o, "issuer", 0, &c->issuer) ||
        get_i64(o, "valid_from", &c->valid_from) || get_i64(o, "valid_to", &c->valid_to) ||
        get_u64(o, "revoked", 0, &rev) ||
        get_u64(o, "user_id_format", 1, &fmt) || get_u64(o, "user_key_period", 1, &c->period) ||
        get_u64(o, "user_key_offset", 1, &c->offset) || get_u64(o, "parameter_set", 1, &ps) ||
        get_hex(o, "pub_enc_key", c->z, sizeof c->z) ||
        get_hex(o, "pub_auth_key", c->kpak, sizeof c->kpak) || fmt > 255 || ps > 255)
        return -1;
    c->user_id_format = (unsigned)fmt;
    c->parameter_set = (unsigned)ps;
    c->revoked = rev != 0;
    return 0;
}

static int read_set(json_object *o, kmc_keyset_t *k)
{
    if (get_str(o, "kms_uri", 1, &k->kms_uri) || get_str(o, "cert_uri", 0, &k->cert_uri) ||
        get_str(o, "user_uri", 1, &k->user_uri) ||
        get_u64(o, "key_period_no", 1, &k->period_no) ||
        get_i64(o, "valid_from", &k->valid_from) || get_i64(o, "valid_to", &k->valid_to) ||
        get_hex(o, "uid", k->uid, sizeof k->uid) ||
        get_hex(o, "rsk", k->rsk, sizeof k->rsk) || get_hex(o, "ssk", k->ssk, sizeof k->ssk) ||
        get_hex(o, "pvt", k->pvt, sizeof k->pvt))
        return -1;
    return 0;
}

/* "kms_certificate" and "key_sets" of o (the file, or its "previous"). */
static int read_gen(json_object *o, kmc_store_t *s)
{
    json_object *v, *arr;
    if (json_object_object_get_ex(o, "kms_certificate", &v)) {
        if (!json_object_is_type(v, json_type_object) || read_cert(v, &s->cert))
            return -1;
        s->has_cert = 1;
    }
    if (json_object_object_get_ex(o, "key_sets", &arr)) {
        if (!json_object_is_type(arr, json_type_array) || !s->has_cert)
            return -1;
        size_t n = json_object_array_length(arr);
        if (n > 4096)
            return -1;
        s->sets = calloc(n ? n : 1, sizeof *s->sets);
        if (!s->sets)
            return -1;
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(arr, i);
            s->n_sets = i + 1;
            if (!json_object_is_type(e, json_type_object) || read_set(e, &s->sets[i]))
                return -1;
        }
    }
    return 0;
}

int kmc_store_load(sealclient_t *c, const char *path, kmc_store_t *s)
{
    memset(s, 0, sizeof *s);
    json_object *o;
    int absent, rc;
    if ((rc = sc_private_json_read(c, path, KEYS_MAX_FILE, &o, &absent)) || absent)
        return rc;
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, "format", &v) || !json_object_is_type(v, json_type_int) ||
        json_object_get_int(v) != KEYS_FORMAT)
        goto bad;
    if (get_str(o, "kms_url", 0, &s->kms_url) || read_gen(o, s))
        goto bad;
    if (json_object_object_get_ex(o, "previous", &v)) {
        if (!json_object_is_type(v, json_type_object) || !s->has_cert ||
            !(s->prev = calloc(1, sizeof *s->prev)) || read_gen(v, s->prev) ||
            !s->prev->has_cert)
            goto bad;
    }
    wipe_strings(o);
    json_object_put(o);
    return 0;
bad:
    if (o)
        wipe_strings(o);
    json_object_put(o);
    kmc_store_free(s);
    return sc_fail(c, SEALCLIENT_E_IO, "%s: not a key file of seal-client", path);
}

/* ---- writing ---- */

static int put_i64(json_object *o, const char *key, int64_t v)
{
    json_object *s = json_object_new_int64(v);
    if (!s || json_object_object_add(o, key, s) < 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

static int put_hex(json_object *o, const char *key, const uint8_t *v, size_t len)
{
    char *h = kmc_hex(v, len);
    if (!h)
        return -1;
    int rc = sc_json_put_str(o, key, h);
    explicit_bzero(h, 2 * len);
    free(h);
    return rc;
}

static json_object *cert_json(const kmc_cert_t *c)
{
    json_object *o = json_object_new_object();
    if (!o || sc_json_put_str(o, "id", c->id) || sc_json_put_str(o, "cert_uri", c->cert_uri) ||
        sc_json_put_str(o, "kms_uri", c->kms_uri) || sc_json_put_str(o, "issuer", c->issuer) ||
        (c->valid_from && put_i64(o, "valid_from", c->valid_from)) ||
        (c->valid_to && put_i64(o, "valid_to", c->valid_to)) ||
        put_i64(o, "revoked", c->revoked) ||
        put_i64(o, "user_id_format", c->user_id_format) ||
        put_i64(o, "user_key_period", (int64_t)c->period) ||
        put_i64(o, "user_key_offset", (int64_t)c->offset) ||
        put_i64(o, "parameter_set", c->parameter_set) ||
        put_hex(o, "pub_enc_key", c->z, sizeof c->z) ||
        put_hex(o, "pub_auth_key", c->kpak, sizeof c->kpak)) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static json_object *set_json(const kmc_keyset_t *k)
{
    json_object *o = json_object_new_object();
    if (!o || sc_json_put_str(o, "user_uri", k->user_uri) || sc_json_put_str(o, "kms_uri", k->kms_uri) ||
        sc_json_put_str(o, "cert_uri", k->cert_uri) ||
        put_i64(o, "key_period_no", (int64_t)k->period_no) ||
        (k->valid_from && put_i64(o, "valid_from", k->valid_from)) ||
        (k->valid_to && put_i64(o, "valid_to", k->valid_to)) ||
        put_hex(o, "uid", k->uid, sizeof k->uid) || put_hex(o, "pvt", k->pvt, sizeof k->pvt) ||
        put_hex(o, "ssk", k->ssk, sizeof k->ssk) || put_hex(o, "rsk", k->rsk, sizeof k->rsk)) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Adds "kms_certificate" and "key_sets" of s to o; 0 or -1. */
static int gen_json(json_object *o, const kmc_store_t *s)
{
    json_object *arr = json_object_new_array();
    int ok = arr != NULL;
    if (ok && s->has_cert) {
        json_object *cj = cert_json(&s->cert);
        ok = cj && json_object_object_add(o, "kms_certificate", cj) == 0;
        if (!ok)
            json_object_put(cj);
    }
    for (size_t i = 0; ok && i < s->n_sets; i++) {
        json_object *kj = set_json(&s->sets[i]);
        ok = kj && json_object_array_add(arr, kj) == 0;
        if (!ok) {
            if (kj)
                wipe_strings(kj);
            json_object_put(kj);
        }
    }
    if (ok && json_object_object_add(o, "key_sets", arr) == 0)
        return 0;
    if (arr)
        wipe_strings(arr);
    json_object_put(arr);
    return -1;
}

int kmc_store_save(sealclient_t *c, const char *path, const kmc_store_t *s)
{
    json_object *o = json_object_new_object(), *po = NULL;
    int ok = o && put_i64(o, "format", KEYS_FORMAT) == 0 &&
             sc_json_put_str(o, "kms_url", s->kms_url) == 0 && gen_json(o, s) == 0;
    if (ok && s->prev) {
        ok = (po = json_object_new_object()) != NULL && gen_json(po, s->prev) == 0 &&
             json_object_object_add(o, "previous", po) == 0;
        if (!ok && po) {
            wipe_strings(po);
            json_object_put(po);
        }
    }
    if (!ok) {
        if (o)
            wipe_strings(o);
        json_object_put(o);
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    }
    int rc = sc_private_json_write(c, path, o);
    wipe_strings(o);
    json_object_put(o);
    return rc;
}
