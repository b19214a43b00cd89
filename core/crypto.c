/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto backends (seal/crypto.h): registration, selection at freeze, the
 * listing of `seald --version`, and the consumer side's dispatch. The host
 * checks arguments and the fixed sizes of RFC 6507/6508 here, once for every
 * backend; backends check content. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host-private.h"

typedef struct seal_crypto_backend {
    const seal_crypto_ops_t *ops;
    void *ctx;
    seal_user_free_fn ctx_free;
    seal_plugin_t *owner;
} seal_crypto_backend_t;

struct seal_crypto_key {
    seal_crypto_backend_t *b;
    void *k;
    int type;
    int priv;
};

#define ID_MAX 1024   /* RFC 6508 identifiers; the same bound for ECCSI */

/* Capability bits, their names (seald --version) and the ops each needs. */
#define OP(f) offsetof(seal_crypto_ops_t, f)
static const struct cap {
    uint64_t bit;
    const char *name;
    size_t ops[8];   /* offsets of required ops, 0-terminated (struct_size is at 0) */
} caps[] = {
    { SEAL_CRYPTO_CAP_RANDOM, "random", { OP(random) } },
    { SEAL_CRYPTO_CAP_SHA256, "sha256", { OP(hash) } },
    { SEAL_CRYPTO_CAP_SHA384, "sha384", { OP(hash) } },
    { SEAL_CRYPTO_CAP_SHA512, "sha512", { OP(hash) } },
    { SEAL_CRYPTO_CAP_HMAC, "hmac", { OP(hmac) } },
    { SEAL_CRYPTO_CAP_AES_GCM, "aes-gcm", { OP(aes_gcm_seal), OP(aes_gcm_open) } },
    { SEAL_CRYPTO_CAP_KDF_33220, "kdf-33220", { OP(kdf_33220) } },
    { SEAL_CRYPTO_CAP_MIKEY_PRF, "mikey-prf", { OP(mikey_prf) } },
    { SEAL_CRYPTO_CAP_ES256, "es256", { OP(key_generate), OP(key_import), OP(key_export_public),
                                        OP(key_free), OP(sign), OP(verify) } },
    { SEAL_CRYPTO_CAP_EDDSA, "eddsa", { OP(key_generate), OP(key_import), OP(key_export_public),
                                        OP(key_free), OP(sign), OP(verify) } },
    { SEAL_CRYPTO_CAP_ECCSI, "eccsi", { OP(key_generate), OP(key_import), OP(key_export_public),
                                        OP(key_free), OP(eccsi_issue),
                                        OP(eccsi_validate), OP(eccsi_sign), OP(eccsi_verify) } },
    { SEAL_CRYPTO_CAP_SAKKE, "sakke", { OP(key_generate), OP(key_import), OP(key_export_public),
                                        OP(key_free), OP(sakke_issue_rsk),
                                        OP(sakke_validate_rsk), OP(sakke_encap),
                                        OP(sakke_decap) } },
};
#define NCAPS (sizeof caps / sizeof caps[0])

/* The 1.1 ops struct ends with sakke_decap. */
#define OPS_SIZE_1_1 (offsetof(seal_crypto_ops_t, sakke_decap) + sizeof(void *))

static int has_op(const seal_crypto_ops_t *ops, size_t off)
{
    void *fn;
    memcpy(&fn, (const char *)ops + off, sizeof fn);
    return fn != NULL;
}

seal_status_t seal_crypto_backend_register(seal_plugin_t *self, const seal_crypto_ops_t *ops,
                                           void *ctx, seal_user_free_fn ctx_free)
{
    seal_crypto_backend_t *b = calloc(1, sizeof *b);
    if (!b) { if (ctx_free) ctx_free(ctx); return SEAL_E_NOMEM; }
    b->ctx = ctx;
    b->ctx_free = ctx_free;
    seal_status_t st = SEAL_OK;
    if (!self || self->host->phase != SEAL_PHASE_INIT) st = SEAL_E_STATE;
    else if (!ops || ops->struct_size < OPS_SIZE_1_1) st = SEAL_E_INVAL;
    else {
        for (size_t i = 0; i < NCAPS && st == SEAL_OK; i++)
            if (ops->caps & caps[i].bit)
                for (size_t j = 0; j < 8 && caps[i].ops[j]; j++)
                    if (!has_op(ops, caps[i].ops[j])) st = SEAL_E_INVAL;
        for (size_t i = 0; i < self->host->cryptos.n && st == SEAL_OK; i++)
            if (((seal_crypto_backend_t *)self->host->cryptos.v[i])->owner == self)
                st = SEAL_E_EXISTS;
    }
    if (st == SEAL_OK) {
        b->ops = ops;
        b->owner = self;
        if (seal_vec_push(&self->host->cryptos, b)) st = SEAL_E_NOMEM;
    }
    if (st != SEAL_OK) {
        if (b->ctx_free) b->ctx_free(b->ctx);
        free(b);
    }
    return st;
}

/* The backend named by "crypto", else the only one registered. */
seal_status_t seal_crypto_select(seal_host_t *host, char *why, size_t why_len)
{
    const seal_conf_t *root = seal_conf_doc_root(host->conf);
    const char *want = NULL;
    if (seal_conf_string(root, "crypto", NULL, &want) != SEAL_OK) {
        snprintf(why, why_len, "\"crypto\" must be a plugin name");
        return SEAL_E_CONFIG;
    }
    host->crypto = NULL;
    if (want && strcmp(want, "none") == 0) return SEAL_OK;   /* explicitly without crypto */
    for (size_t i = 0; i < host->cryptos.n; i++) {
        seal_crypto_backend_t *b = host->cryptos.v[i];
        if (want ? strcmp(b->owner->name, want) == 0 : host->cryptos.n == 1) host->crypto = b;
    }
    if (want && !host->crypto) {
        snprintf(why, why_len, "the configured crypto \"%s\" registered no crypto backend", want);
        return SEAL_E_CONFIG;
    }
    if (!want && host->cryptos.n > 1) {
        snprintf(why, why_len, "%zu crypto backends are loaded: name one with \"crypto\"",
                 host->cryptos.n);
        return SEAL_E_CONFIG;
    }
    return SEAL_OK;
}

void seal_crypto_free_backends(seal_host_t *host)
{
    for (size_t i = 0; i < host->cryptos.n; i++) {
        seal_crypto_backend_t *b = host->cryptos.v[i];
        if (b->ctx_free) b->ctx_free(b->ctx);
        free(b);
    }
    seal_vec_free(&host->cryptos);
    host->crypto = NULL;
}

/* `seald --version` only loads plugins: run the init of loaded crypto_*
 * plugins (which only registers their backend) to learn the capabilities.
 * They are fini'd and their backends freed with the host. */
static void probe(seal_host_t *host)
{
    if (host->phase != SEAL_PHASE_NEW) return;
    const seal_conf_t *pl = host->conf ? seal_conf_get(seal_conf_doc_root(host->conf), "plugins")
                                       : NULL;
    if (pl && seal_conf_type(pl) != SEAL_CONF_OBJECT) pl = NULL;
    host->phase = SEAL_PHASE_INIT;
    for (size_t i = 0; i < host->plugins.n; i++) {
        seal_plugin_t *p = host->plugins.v[i];
        if (strncmp(p->name, "crypto_", 7) != 0 || p->inited || !p->desc->init) continue;
        p->conf = pl ? seal_conf_get(pl, p->name) : NULL;
        if (!p->conf) {
            char err[64];
            if (!host->empty && !(host->empty = seal_conf_doc_parse("{}", "(defaults)", err,
                                                                     sizeof err)))
                continue;
            p->conf = seal_conf_doc_root(host->empty);
        }
        p->inited = 1;
        if (p->desc->init(p) != SEAL_OK)
            seal_log(NULL, SEAL_LOG_WARN, "plugin %s: init failed (%s)", p->name, p->file);
    }
    host->phase = SEAL_PHASE_NEW;
}

void seal_crypto_print(const seal_host_t *chost, FILE *out)
{
    if (!chost) return;
    /* The host is ours (seal_host_print_version's); the const is the
     * listing's promise to its caller, not to this probe. */
    probe((seal_host_t *)chost);
    if (chost->cryptos.n == 0) return;
    fprintf(out, "crypto backends:\n");
    for (size_t i = 0; i < chost->cryptos.n; i++) {
        const seal_crypto_backend_t *b = chost->cryptos.v[i];
        fprintf(out, "  %s:", b->owner->name);
        for (size_t c = 0; c < NCAPS; c++)
            if (b->ops->caps & caps[c].bit) fprintf(out, " %s", caps[c].name);
        fprintf(out, "%s\n", b == chost->crypto ? " (selected)" : "");
    }
}

/* ---- consumer side ---- */

/* The selected backend if it has cap, else the status to return. */
static seal_status_t pick(seal_plugin_t *self, uint64_t cap, seal_crypto_backend_t **out)
{
    *out = NULL;
    if (!self) return SEAL_E_INVAL;
    if (self->host->phase < SEAL_PHASE_FROZEN) return SEAL_E_STATE;
    seal_crypto_backend_t *b = self->host->crypto;
    if (!b || !(b->ops->caps & cap)) return SEAL_E_UNSUPPORTED;
    *out = b;
    return SEAL_OK;
}

/* Calls into a backend serialised when its plugin is not thread-safe. */
#define CALL(b, st, expr) SEAL_PLUGIN_CALL((b)->owner, st = (expr))

static void zero(void *p, size_t n)
{
    if (p && n) explicit_bzero(p, n);
}

uint64_t seal_crypto_caps(seal_plugin_t *self, const char **backend)
{
    seal_crypto_backend_t *b = self && self->host->phase >= SEAL_PHASE_FROZEN
                               ? self->host->crypto : NULL;
    if (backend) *backend = b ? b->owner->name : NULL;
    return b ? b->ops->caps : 0;
}

seal_status_t seal_crypto_random(seal_plugin_t *self, void *buf, size_t len)
{
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, SEAL_CRYPTO_CAP_RANDOM, &b);
    if (st != SEAL_OK) return st;
    if (!buf && len) return SEAL_E_INVAL;
    if (len == 0) return SEAL_OK;
    CALL(b, st, b->ops->random(b->ctx, buf, len));
    if (st != SEAL_OK) zero(buf, len);
    return st;
}

size_t seal_crypto_hash_len(int alg)
{
    switch (alg) {
    case SEAL_CRYPTO_SHA256: return 32;
    case SEAL_CRYPTO_SHA384: return 48;
    case SEAL_CRYPTO_SHA512: return 64;
    default: return 0;
    }
}

static uint64_t hash_cap(int alg)
{
    switch (alg) {
    case SEAL_CRYPTO_SHA256: return SEAL_CRYPTO_CAP_SHA256;
    case SEAL_CRYPTO_SHA384: return SEAL_CRYPTO_CAP_SHA384;
    case SEAL_CRYPTO_SHA512: return SEAL_CRYPTO_CAP_SHA512;
    default: return 0;
    }
}

seal_status_t seal_crypto_hash(seal_plugin_t *self, int alg, const void *data, size_t len,
                               uint8_t *out, size_t out_size)
{
    size_t hl = seal_crypto_hash_len(alg);
    if (!hl || !out || out_size < hl || (!data && len)) return SEAL_E_INVAL;
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, hash_cap(alg), &b);
    if (st == SEAL_OK) CALL(b, st, b->ops->hash(b->ctx, alg, data ? data : "", len, out));
    if (st != SEAL_OK) zero(out, hl);
    return st;
}

seal_status_t seal_crypto_hmac(seal_plugin_t *self, int alg, const void *key, size_t key_len,
                               const void *data, size_t len, uint8_t *out, size_t out_size)
{
    size_t hl = seal_crypto_hash_len(alg);
    if (!hl || !out || out_size < hl || (!data && len) || (!key && key_len))
        return SEAL_E_INVAL;
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, hash_cap(alg) | SEAL_CRYPTO_CAP_HMAC, &b);
    if (st == SEAL_OK && (b->ops->caps & (hash_cap(alg) | SEAL_CRYPTO_CAP_HMAC))
                         != (hash_cap(alg) | SEAL_CRYPTO_CAP_HMAC))
        st = SEAL_E_UNSUPPORTED;
    if (st == SEAL_OK)
        CALL(b, st, b->ops->hmac(b->ctx, alg, key ? key : "", key_len, data ? data : "", len,
                                 out));
    if (st != SEAL_OK) zero(out, hl);
    return st;
}

static int gcm_args(const uint8_t *key, size_t key_len, const uint8_t *iv, size_t iv_len,
                    const void *aad, size_t aad_len)
{
    return key && (key_len == 16 || key_len == 24 || key_len == 32)
           && iv && iv_len == SEAL_CRYPTO_GCM_IV_LEN && (aad || !aad_len);
}

seal_status_t seal_crypto_aes_gcm_seal(seal_plugin_t *self, const uint8_t *key, size_t key_len,
                                       const uint8_t *iv, size_t iv_len,
                                       const void *aad, size_t aad_len,
                                       const void *pt, size_t pt_len,
                                       uint8_t *out, size_t out_size)
{
    if (!out || pt_len > SIZE_MAX - SEAL_CRYPTO_GCM_TAG_LEN) return SEAL_E_INVAL;
    size_t n = pt_len + SEAL_CRYPTO_GCM_TAG_LEN;
    if (out_size < n || !gcm_args(key, key_len, iv, iv_len, aad, aad_len) || (!pt && pt_len))
        return SEAL_E_INVAL;
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, SEAL_CRYPTO_CAP_AES_GCM, &b);
    if (st == SEAL_OK)
        CALL(b, st, b->ops->aes_gcm_seal(b->ctx, key, key_len, iv, iv_len, aad ? aad : "",
                                         aad_len, pt ? pt : "", pt_len, out));
    if (st != SEAL_OK) zero(out, n);
    return st;
}

seal_status_t seal_crypto_aes_gcm_open(seal_plugin_t *self, const uint8_t *key, size_t key_len,
                                       const uint8_t *iv, size_t iv_len,
                                       const void *aad, size_t aad_len,
                                       const void *ct, size_t ct_len,
                                       uint8_t *out, size_t out_size)
{
    if (!gcm_args(key, key_len, iv, iv_len, aad, aad_len) || !ct) return SEAL_E_INVAL;
    if (ct_len < SEAL_CRYPTO_GCM_TAG_LEN) return SEAL_E_CRYPTO;   /* no room for a tag */
    size_t n = ct_len - SEAL_CRYPTO_GCM_TAG_LEN;
    if ((!out && n) || out_size < n) return SEAL_E_INVAL;
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, SEAL_CRYPTO_CAP_AES_GCM, &b);
    uint8_t dummy[1];
    if (st == SEAL_OK)
        CALL(b, st, b->ops->aes_gcm_open(b->ctx, key, key_len, iv, iv_len, aad ? aad : "",
                                         aad_len, ct, ct_len, out ? out : dummy));
    if (st != SEAL_OK) zero(out, n);
    return st;
}

#define KDF_PARAMS_MAX 32

seal_status_t seal_crypto_kdf_33220(seal_plugin_t *self, const uint8_t *key, size_t key_len,
                                    uint8_t fc, const seal_crypto_buf_t *params, size_t nparams,
                                    uint8_t *out, size_t out_len)
{
    if (!out || out_len == 0 || out_len > 32) return SEAL_E_INVAL;
    memset(out, 0, out_len);
    if ((!key && key_len) || (!params && nparams) || nparams > KDF_PARAMS_MAX)
        return SEAL_E_INVAL;
    size_t s_len = 1;
    for (size_t i = 0; i < nparams; i++) {
        if (params[i].len > 0xFFFF || (!params[i].data && params[i].len)) return SEAL_E_INVAL;
        s_len += params[i].len + 2;
    }
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, SEAL_CRYPTO_CAP_KDF_33220, &b);
    if (st != SEAL_OK) return st;
    /* S = FC || P0 || L0 || ... || Pn || Ln (TS 33.220 B.2.0) */
    uint8_t *s = malloc(s_len);
    if (!s) return SEAL_E_NOMEM;
    size_t o = 0;
    s[o++] = fc;
    for (size_t i = 0; i < nparams; i++) {
        if (params[i].len) memcpy(s + o, params[i].data, params[i].len);
        o += params[i].len;
        s[o++] = (uint8_t)(params[i].len >> 8);
        s[o++] = (uint8_t)params[i].len;
    }
    uint8_t full[32];
    CALL(b, st, b->ops->kdf_33220(b->ctx, key ? key : (const uint8_t *)"", key_len, s, s_len,
                                  full));
    if (st == SEAL_OK) memcpy(out, full + 32 - out_len, out_len);   /* least significant */
    zero(full, sizeof full);
    seal_crypto_secret_free(s, s_len);   /* S may hold secret parameters */
    return st;
}

seal_status_t seal_crypto_mikey_prf(seal_plugin_t *self, const uint8_t *inkey, size_t inkey_len,
                                    const uint8_t *label, size_t label_len,
                                    uint8_t *out, size_t out_len)
{
    if (!out || out_len == 0 || out_len > 4096) return SEAL_E_INVAL;
    memset(out, 0, out_len);
    if (!inkey || inkey_len == 0 || (!label && label_len)) return SEAL_E_INVAL;
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, SEAL_CRYPTO_CAP_MIKEY_PRF, &b);
    if (st == SEAL_OK)
        CALL(b, st, b->ops->mikey_prf(b->ctx, inkey, inkey_len, label ? label : (const uint8_t *)"",
                                      label_len, out, out_len));
    if (st != SEAL_OK) zero(out, out_len);
    return st;
}

/* ---- keys ---- */

static uint64_t key_cap(int type)
{
    switch (type) {
    case SEAL_CRYPTO_KEY_ES256: return SEAL_CRYPTO_CAP_ES256;
    case SEAL_CRYPTO_KEY_EDDSA: return SEAL_CRYPTO_CAP_EDDSA;
    case SEAL_CRYPTO_KEY_ECCSI_KMS: case SEAL_CRYPTO_KEY_ECCSI_USER: return SEAL_CRYPTO_CAP_ECCSI;
    case SEAL_CRYPTO_KEY_SAKKE_KMS: case SEAL_CRYPTO_KEY_SAKKE_USER: return SEAL_CRYPTO_CAP_SAKKE;
    default: return 0;
    }
}

static void free_key(seal_crypto_backend_t *b, void *k)
{
    SEAL_PLUGIN_CALL(b->owner, b->ops->key_free(b->ctx, k));
}

/* Wraps a backend key; frees it through the backend when out of memory. */
static seal_status_t wrap(seal_crypto_backend_t *b, void *k, int type, int priv,
                          seal_crypto_key_t **out)
{
    seal_crypto_key_t *key = malloc(sizeof *key);
    if (!key) {
        free_key(b, k);
        return SEAL_E_NOMEM;
    }
    key->b = b;
    key->k = k;
    key->type = type;
    key->priv = priv ? 1 : 0;
    *out = key;
    return SEAL_OK;
}

seal_status_t seal_crypto_key_generate(seal_plugin_t *self, int type, seal_crypto_key_t **key)
{
    if (!key) return SEAL_E_INVAL;
    *key = NULL;
    if (type != SEAL_CRYPTO_KEY_ES256 && type != SEAL_CRYPTO_KEY_EDDSA
        && type != SEAL_CRYPTO_KEY_ECCSI_KMS && type != SEAL_CRYPTO_KEY_SAKKE_KMS)
        return SEAL_E_INVAL;
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, key_cap(type), &b);
    if (st != SEAL_OK) return st;
    void *k = NULL;
    CALL(b, st, b->ops->key_generate(b->ctx, type, &k));
    if (st != SEAL_OK) return st;
    return wrap(b, k, type, 1, key);
}

seal_status_t seal_crypto_key_import(seal_plugin_t *self, int type, int format,
                                     const void *data, size_t len, seal_crypto_key_t **key)
{
    if (!key) return SEAL_E_INVAL;
    *key = NULL;
    if (!data || len == 0) return SEAL_E_INVAL;
    if (format < SEAL_CRYPTO_FMT_RAW_SECRET || format > SEAL_CRYPTO_FMT_PKCS8) return SEAL_E_INVAL;
    if (type == SEAL_CRYPTO_KEY_ECCSI_USER || type == SEAL_CRYPTO_KEY_SAKKE_USER)
        return SEAL_E_INVAL;   /* made by the validate calls, which check them */
    if (type == 0 && format != SEAL_CRYPTO_FMT_JWK && format != SEAL_CRYPTO_FMT_PKCS8)
        return SEAL_E_INVAL;
    if (type != 0 && !key_cap(type)) return SEAL_E_INVAL;
    /* With the type left to the data, the backend needs a JOSE capability. */
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, type ? key_cap(type) : SEAL_CRYPTO_CAP_ES256, &b);
    if (st == SEAL_E_UNSUPPORTED && !type) st = pick(self, SEAL_CRYPTO_CAP_EDDSA, &b);
    if (st != SEAL_OK) return st;
    int t = type, priv = 0;
    void *k = NULL;
    CALL(b, st, b->ops->key_import(b->ctx, &t, format, data, len, &priv, &k));
    if (st != SEAL_OK) return st;
    if (!key_cap(t) || (type && t != type) || !(b->ops->caps & key_cap(t))) {
        free_key(b, k);
        return SEAL_E_INVAL;
    }
    return wrap(b, k, t, priv, key);
}

int seal_crypto_key_type(const seal_crypto_key_t *key)
{
    return key ? key->type : 0;
}

int seal_crypto_key_is_private(const seal_crypto_key_t *key)
{
    return key ? key->priv : 0;
}

seal_status_t seal_crypto_key_export_public(const seal_crypto_key_t *key, int format,
                                            const char *kid, uint8_t **out, size_t *len)
{
    if (!out || !len) return SEAL_E_INVAL;
    *out = NULL;
    *len = 0;
    if (!key) return SEAL_E_INVAL;
    if (format != SEAL_CRYPTO_FMT_RAW_PUBLIC && format != SEAL_CRYPTO_FMT_JWK)
        return SEAL_E_INVAL;
    seal_crypto_backend_t *b = key->b;
    seal_status_t st;
    CALL(b, st, b->ops->key_export_public(b->ctx, key->k, key->type, format, kid, out, len));
    if (st != SEAL_OK) { free(*out); *out = NULL; *len = 0; }
    return st;
}

seal_status_t seal_crypto_key_export_secret(const seal_crypto_key_t *key, int format,
                                            uint8_t **out, size_t *len)
{
    if (!out || !len) return SEAL_E_INVAL;
    *out = NULL;
    *len = 0;
    if (!key) return SEAL_E_INVAL;
    if (format != SEAL_CRYPTO_FMT_RAW_SECRET && format != SEAL_CRYPTO_FMT_JWK
        && format != SEAL_CRYPTO_FMT_PKCS8)
        return SEAL_E_INVAL;
    if (!key->priv) return SEAL_E_INVAL;
    seal_crypto_backend_t *b = key->b;
    if (!b->ops->key_export_secret) return SEAL_E_UNSUPPORTED;
    seal_status_t st;
    CALL(b, st, b->ops->key_export_secret(b->ctx, key->k, key->type, format, out, len));
    if (st != SEAL_OK) { free(*out); *out = NULL; *len = 0; }
    return st;
}

void seal_crypto_secret_free(void *p, size_t len)
{
    if (!p) return;
    explicit_bzero(p, len);
    free(p);
}

void seal_crypto_key_free(seal_crypto_key_t *key)
{
    if (!key) return;
    free_key(key->b, key->k);
    explicit_bzero(key, sizeof *key);
    free(key);
}

static int jose(const seal_crypto_key_t *key)
{
    return key && (key->type == SEAL_CRYPTO_KEY_ES256 || key->type == SEAL_CRYPTO_KEY_EDDSA);
}

seal_status_t seal_crypto_sign(const seal_crypto_key_t *key, const void *msg, size_t len,
                               uint8_t *sig, size_t sig_size, size_t *sig_len)
{
    if (sig_len) *sig_len = 0;
    if (!sig || !sig_len || sig_size < SEAL_CRYPTO_SIG_MAX) return SEAL_E_INVAL;
    memset(sig, 0, SEAL_CRYPTO_SIG_MAX);
    if (!jose(key) || !key->priv || (!msg && len)) return SEAL_E_INVAL;
    seal_crypto_backend_t *b = key->b;
    seal_status_t st;
    size_t n = 0;
    CALL(b, st, b->ops->sign(b->ctx, key->k, msg ? msg : "", len, sig, &n));
    if (st != SEAL_OK || n > SEAL_CRYPTO_SIG_MAX) {
        memset(sig, 0, SEAL_CRYPTO_SIG_MAX);
        return st != SEAL_OK ? st : SEAL_E_GENERIC;
    }
    *sig_len = n;
    return SEAL_OK;
}

seal_status_t seal_crypto_verify(const seal_crypto_key_t *key, const void *msg, size_t len,
                                 const uint8_t *sig, size_t sig_len)
{
    if (!jose(key) || (!msg && len)) return SEAL_E_INVAL;
    if (!sig || sig_len != 64) return SEAL_E_CRYPTO;   /* both JOSE algorithms: 64 octets */
    seal_crypto_backend_t *b = key->b;
    seal_status_t st;
    CALL(b, st, b->ops->verify(b->ctx, key->k, msg ? msg : "", len, sig, sig_len));
    return st == SEAL_OK ? SEAL_OK : st == SEAL_E_NOMEM ? st : SEAL_E_CRYPTO;
}

/* ---- ECCSI ---- */

static int id_ok(const uint8_t *id, size_t id_len)
{
    return id && id_len >= 1 && id_len <= ID_MAX;
}

seal_status_t seal_crypto_eccsi_issue(const seal_crypto_key_t *kms,
                                      const uint8_t *id, size_t id_len, const uint8_t *v,
                                      uint8_t ssk[SEAL_CRYPTO_ECCSI_SSK_LEN],
                                      uint8_t pvt[SEAL_CRYPTO_ECCSI_PVT_LEN])
{
    if (!ssk || !pvt) return SEAL_E_INVAL;
    memset(ssk, 0, SEAL_CRYPTO_ECCSI_SSK_LEN);
    memset(pvt, 0, SEAL_CRYPTO_ECCSI_PVT_LEN);
    if (!kms || kms->type != SEAL_CRYPTO_KEY_ECCSI_KMS || !kms->priv || !id_ok(id, id_len))
        return SEAL_E_INVAL;
    seal_crypto_backend_t *b = kms->b;
    seal_status_t st;
    CALL(b, st, b->ops->eccsi_issue(b->ctx, kms->k, id, id_len, v, ssk, pvt));
    if (st != SEAL_OK) {
        zero(ssk, SEAL_CRYPTO_ECCSI_SSK_LEN);
        zero(pvt, SEAL_CRYPTO_ECCSI_PVT_LEN);
    }
    return st;
}

seal_status_t seal_crypto_eccsi_validate(seal_plugin_t *self,
                                         const uint8_t *kpak, size_t kpak_len,
                                         const uint8_t *id, size_t id_len,
                                         const uint8_t *ssk, size_t ssk_len,
                                         const uint8_t *pvt, size_t pvt_len,
                                         seal_crypto_key_t **signer)
{
    if (signer) *signer = NULL;
    if (!kpak || kpak_len != SEAL_CRYPTO_ECCSI_KPAK_LEN || !id_ok(id, id_len)) return SEAL_E_INVAL;
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, SEAL_CRYPTO_CAP_ECCSI, &b);
    if (st != SEAL_OK) return st;
    if (!ssk || ssk_len != SEAL_CRYPTO_ECCSI_SSK_LEN || !pvt || pvt_len != SEAL_CRYPTO_ECCSI_PVT_LEN)
        return SEAL_E_CRYPTO;
    void *k = NULL;
    CALL(b, st, b->ops->eccsi_validate(b->ctx, kpak, id, id_len, ssk, pvt, signer ? &k : NULL));
    if (st != SEAL_OK || !signer) return st;
    return wrap(b, k, SEAL_CRYPTO_KEY_ECCSI_USER, 1, signer);
}

seal_status_t seal_crypto_eccsi_sign(const seal_crypto_key_t *signer, const void *msg, size_t len,
                                     const uint8_t *j, uint8_t sig[SEAL_CRYPTO_ECCSI_SIG_LEN])
{
    if (!sig) return SEAL_E_INVAL;
    memset(sig, 0, SEAL_CRYPTO_ECCSI_SIG_LEN);
    if (!signer || signer->type != SEAL_CRYPTO_KEY_ECCSI_USER || (!msg && len))
        return SEAL_E_INVAL;
    seal_crypto_backend_t *b = signer->b;
    seal_status_t st;
    CALL(b, st, b->ops->eccsi_sign(b->ctx, signer->k, msg ? msg : "", len, j, sig));
    if (st != SEAL_OK) zero(sig, SEAL_CRYPTO_ECCSI_SIG_LEN);
    return st;
}

seal_status_t seal_crypto_eccsi_verify(seal_plugin_t *self, const uint8_t *kpak, size_t kpak_len,
                                       const uint8_t *id, size_t id_len,
                                       const void *msg, size_t len,
                                       const uint8_t *sig, size_t sig_len)
{
    if (!kpak || kpak_len != SEAL_CRYPTO_ECCSI_KPAK_LEN || !id_ok(id, id_len) || (!msg && len))
        return SEAL_E_INVAL;
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, SEAL_CRYPTO_CAP_ECCSI, &b);
    if (st != SEAL_OK) return st;
    if (!sig || sig_len != SEAL_CRYPTO_ECCSI_SIG_LEN) return SEAL_E_CRYPTO;
    CALL(b, st, b->ops->eccsi_verify(b->ctx, kpak, id, id_len, msg ? msg : "", len, sig));
    return st;
}

/* ---- SAKKE ---- */

seal_status_t seal_crypto_sakke_issue_rsk(const seal_crypto_key_t *kms,
                                          const uint8_t *id, size_t id_len,
                                          uint8_t rsk[SEAL_CRYPTO_SAKKE_RSK_LEN])
{
    if (!rsk) return SEAL_E_INVAL;
    memset(rsk, 0, SEAL_CRYPTO_SAKKE_RSK_LEN);
    if (!kms || kms->type != SEAL_CRYPTO_KEY_SAKKE_KMS || !kms->priv || !id_ok(id, id_len))
        return SEAL_E_INVAL;
    seal_crypto_backend_t *b = kms->b;
    seal_status_t st;
    CALL(b, st, b->ops->sakke_issue_rsk(b->ctx, kms->k, id, id_len, rsk));
    if (st != SEAL_OK) zero(rsk, SEAL_CRYPTO_SAKKE_RSK_LEN);
    return st;
}

seal_status_t seal_crypto_sakke_validate_rsk(seal_plugin_t *self, const uint8_t *Z, size_t Z_len,
                                             const uint8_t *id, size_t id_len,
                                             const uint8_t *rsk, size_t rsk_len,
                                             seal_crypto_key_t **receiver)
{
    if (receiver) *receiver = NULL;
    if (!Z || Z_len != SEAL_CRYPTO_SAKKE_Z_LEN || !id_ok(id, id_len)) return SEAL_E_INVAL;
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, SEAL_CRYPTO_CAP_SAKKE, &b);
    if (st != SEAL_OK) return st;
    if (!rsk || rsk_len != SEAL_CRYPTO_SAKKE_RSK_LEN) return SEAL_E_CRYPTO;
    void *k = NULL;
    CALL(b, st, b->ops->sakke_validate_rsk(b->ctx, Z, id, id_len, rsk, receiver ? &k : NULL));
    if (st != SEAL_OK || !receiver) return st;
    return wrap(b, k, SEAL_CRYPTO_KEY_SAKKE_USER, 1, receiver);
}

seal_status_t seal_crypto_sakke_encap(seal_plugin_t *self, const uint8_t *Z, size_t Z_len,
                                      const uint8_t *id, size_t id_len, const uint8_t *ssv_in,
                                      uint8_t ssv[SEAL_CRYPTO_SAKKE_SSV_LEN],
                                      uint8_t ed[SEAL_CRYPTO_SAKKE_ED_LEN])
{
    if (!ssv || !ed) return SEAL_E_INVAL;
    memset(ed, 0, SEAL_CRYPTO_SAKKE_ED_LEN);
    if (!Z || Z_len != SEAL_CRYPTO_SAKKE_Z_LEN || !id_ok(id, id_len)) {
        memset(ssv, 0, SEAL_CRYPTO_SAKKE_SSV_LEN);
        return SEAL_E_INVAL;
    }
    seal_crypto_backend_t *b;
    seal_status_t st = pick(self, SEAL_CRYPTO_CAP_SAKKE, &b);
    if (st == SEAL_OK) CALL(b, st, b->ops->sakke_encap(b->ctx, Z, id, id_len, ssv_in, ssv, ed));
    if (st != SEAL_OK) {
        zero(ssv, SEAL_CRYPTO_SAKKE_SSV_LEN);
        zero(ed, SEAL_CRYPTO_SAKKE_ED_LEN);
    }
    return st;
}

seal_status_t seal_crypto_sakke_decap(const seal_crypto_key_t *receiver,
                                      const uint8_t *ed, size_t ed_len,
                                      uint8_t ssv[SEAL_CRYPTO_SAKKE_SSV_LEN])
{
    if (!ssv) return SEAL_E_INVAL;
    memset(ssv, 0, SEAL_CRYPTO_SAKKE_SSV_LEN);
    if (!receiver || receiver->type != SEAL_CRYPTO_KEY_SAKKE_USER) return SEAL_E_INVAL;
    if (!ed || ed_len != SEAL_CRYPTO_SAKKE_ED_LEN) return SEAL_E_CRYPTO;
    seal_crypto_backend_t *b = receiver->b;
    seal_status_t st;
    CALL(b, st, b->ops->sakke_decap(b->ctx, receiver->k, ed, ssv));
    if (st != SEAL_OK) zero(ssv, SEAL_CRYPTO_SAKKE_SSV_LEN);
    return st;
}
