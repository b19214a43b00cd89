/* SPDX-License-Identifier: Apache-2.0 */
/* The store's consumer side (seal/store.h): dispatch to the backend chosen
 * at freeze, and the backends' registration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host-private.h"

struct seal_store_txn {
    seal_store_backend_t *backend;
    void *txn;
};

seal_status_t seal_store_backend_register(seal_plugin_t *self, const seal_store_ops_t *ops,
                                          void *ctx, seal_user_free_fn ctx_free)
{
    seal_store_backend_t *b = calloc(1, sizeof *b);
    if (!b) { if (ctx_free) ctx_free(ctx); return SEAL_E_NOMEM; }
    b->ctx = ctx;
    b->ctx_free = ctx_free;
    seal_status_t st = SEAL_OK;
    if (!self || self->host->phase != SEAL_PHASE_INIT) st = SEAL_E_STATE;
    else if (!ops || ops->struct_size < offsetof(seal_store_ops_t, txn_abort) + sizeof(void *)
             || !ops->get || !ops->put || !ops->del || !ops->scan || !ops->lookup
             || !ops->txn_begin || !ops->txn_commit || !ops->txn_abort)
        st = SEAL_E_INVAL;
    if (st == SEAL_OK) {
        b->ops = ops;
        b->owner = self;
        if (seal_vec_push(&self->host->stores, b)) st = SEAL_E_NOMEM;
    }
    if (st != SEAL_OK) {
        if (b->ctx_free) b->ctx_free(b->ctx);
        free(b);
    }
    return st;
}

/* The backend named by "store", else the only one registered. */
seal_status_t seal_store_select(seal_host_t *host, char *why, size_t why_len)
{
    const seal_conf_t *root = seal_conf_doc_root(host->conf);
    const char *want = NULL;
    if (seal_conf_string(root, "store", NULL, &want) != SEAL_OK) {
        snprintf(why, why_len, "\"store\" must be a plugin name");
        return SEAL_E_CONFIG;
    }
    host->store = NULL;
    if (want && strcmp(want, "none") == 0) return SEAL_OK;   /* explicitly store-less */
    for (size_t i = 0; i < host->stores.n; i++) {
        seal_store_backend_t *b = host->stores.v[i];
        if (want ? strcmp(b->owner->name, want) == 0 : host->stores.n == 1) host->store = b;
    }
    if (want && !host->store) {
        snprintf(why, why_len, "the configured store \"%s\" registered no store backend", want);
        return SEAL_E_CONFIG;
    }
    if (!want && host->stores.n > 1) {
        snprintf(why, why_len, "%zu store backends are loaded: name one with \"store\"",
                 host->stores.n);
        return SEAL_E_CONFIG;
    }
    return SEAL_OK;
}

void seal_store_free_backends(seal_host_t *host)
{
    for (size_t i = 0; i < host->stores.n; i++) {
        seal_store_backend_t *b = host->stores.v[i];
        if (b->ctx_free) b->ctx_free(b->ctx);
        free(b);
    }
    seal_vec_free(&host->stores);
    host->store = NULL;
}

static seal_store_backend_t *backend(seal_plugin_t *self, seal_store_txn_t *txn)
{
    if (txn) return txn->backend;
    return self ? self->host->store : NULL;
}

#define TXN(t) ((t) ? (t)->txn : NULL)

seal_status_t seal_store_get(seal_plugin_t *self, seal_store_txn_t *txn,
                             const char *ns, const char *key,
                             char **json, size_t *len, uint64_t *rev)
{
    seal_store_backend_t *b = backend(self, txn);
    if (!b) return SEAL_E_UNSUPPORTED;
    if (!ns || !key) return SEAL_E_INVAL;
    size_t l = 0;
    uint64_t r = 0;
    seal_status_t st = b->ops->get(b->ctx, TXN(txn), ns, key, json, &l, &r);
    if (len) *len = l;
    if (rev) *rev = r;
    return st;
}

seal_status_t seal_store_put(seal_plugin_t *self, seal_store_txn_t *txn,
                             const char *ns, const char *key,
                             const char *json, size_t len, uint64_t expect_rev,
                             const seal_store_term_t *terms, size_t nterms,
                             uint64_t *new_rev)
{
    seal_store_backend_t *b = backend(self, txn);
    if (!b) return SEAL_E_UNSUPPORTED;
    if (!ns || !key || !json || (nterms && !terms)) return SEAL_E_INVAL;
    uint64_t r = 0;
    seal_status_t st = b->ops->put(b->ctx, TXN(txn), ns, key, json, len, expect_rev,
                                   terms, nterms, &r);
    if (new_rev) *new_rev = r;
    return st;
}

seal_status_t seal_store_delete(seal_plugin_t *self, seal_store_txn_t *txn,
                                const char *ns, const char *key, uint64_t expect_rev)
{
    seal_store_backend_t *b = backend(self, txn);
    if (!b) return SEAL_E_UNSUPPORTED;
    if (!ns || !key) return SEAL_E_INVAL;
    return b->ops->del(b->ctx, TXN(txn), ns, key, expect_rev);
}

seal_status_t seal_store_scan(seal_plugin_t *self, seal_store_txn_t *txn,
                              const char *ns, const char *prefix,
                              seal_store_visit_fn fn, void *ctx)
{
    seal_store_backend_t *b = backend(self, txn);
    if (!b) return SEAL_E_UNSUPPORTED;
    if (!ns || !fn) return SEAL_E_INVAL;
    return b->ops->scan(b->ctx, TXN(txn), ns, prefix ? prefix : "", fn, ctx);
}

seal_status_t seal_store_lookup(seal_plugin_t *self, seal_store_txn_t *txn,
                                const char *ns, const char *index, const char *value,
                                seal_store_visit_fn fn, void *ctx)
{
    seal_store_backend_t *b = backend(self, txn);
    if (!b) return SEAL_E_UNSUPPORTED;
    if (!ns || !index || !value || !fn) return SEAL_E_INVAL;
    return b->ops->lookup(b->ctx, TXN(txn), ns, index, value, fn, ctx);
}

seal_status_t seal_store_txn_begin(seal_plugin_t *self, seal_store_txn_t **txn)
{
    seal_store_backend_t *b = backend(self, NULL);
    if (!txn) return SEAL_E_INVAL;
    *txn = NULL;
    if (!b) return SEAL_E_UNSUPPORTED;
    seal_store_txn_t *t = calloc(1, sizeof *t);
    if (!t) return SEAL_E_NOMEM;
    t->backend = b;
    seal_status_t st = b->ops->txn_begin(b->ctx, &t->txn);
    if (st != SEAL_OK) { free(t); return st; }
    *txn = t;
    return SEAL_OK;
}

seal_status_t seal_store_txn_commit(seal_store_txn_t *txn)
{
    if (!txn) return SEAL_E_INVAL;
    seal_status_t st = txn->backend->ops->txn_commit(txn->backend->ctx, txn->txn);
    free(txn);
    return st;
}

void seal_store_txn_abort(seal_store_txn_t *txn)
{
    if (!txn) return;
    txn->backend->ops->txn_abort(txn->backend->ctx, txn->txn);
    free(txn);
}
