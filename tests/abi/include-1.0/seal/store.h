/* SPDX-License-Identifier: Apache-2.0 */
/* seal/store.h: JSON documents by namespace and key, with revisions.
 *
 * Consumer side (seal_store_*): services keep their state here. Each document
 * has a revision, 1 on creation and +1 on every write, for compare-and-set.
 * A call that returns SEAL_OK for a write has made it durable.
 * Every call takes an optional transaction (NULL: the call is its own).
 *
 * Provider side (seal_store_ops_t): a backend plugin registers its ops in
 * init; the host dispatches to the backend named by the top-level config key
 * "store" (default "store_sqlite", loaded automatically when the
 * configuration names no store).
 */
#ifndef SEAL_STORE_H
#define SEAL_STORE_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* expect_rev values for writes. */
#define SEAL_REV_ANY    UINT64_MAX   /* write whatever the current state */
#define SEAL_REV_ABSENT 0            /* create: SEAL_E_EXISTS if present */

/* A secondary index term: the document is found by (index, value). A put
 * replaces all the document's terms with the ones given. */
typedef struct seal_store_term {
    const char *index;  /* e.g. "member" */
    const char *value;  /* e.g. "alice@example.com" */
} seal_store_term_t;

/* Scan and lookup callback: return 0 to go on, non-zero to stop. The
 * arguments are valid during the call only. */
typedef int (*seal_store_visit_fn)(const char *key, const char *json, size_t len,
                                   uint64_t rev, void *ctx);

/* ---- Consumer side ---- */

/* *json is NUL-terminated, free it with seal_free. SEAL_E_NOTFOUND if absent.
 * json, len and rev may each be NULL (e.g. to test existence or read a revision). */
seal_status_t seal_store_get(seal_plugin_t *self, seal_store_txn_t *txn,
                             const char *ns, const char *key,
                             char **json, size_t *len, uint64_t *rev);

/* Create, replace or compare-and-set (expect_rev). SEAL_E_CONFLICT when the
 * revision differs, SEAL_E_EXISTS when creating over a document,
 * SEAL_E_NOTFOUND when a CAS targets a missing one. new_rev may be NULL. */
seal_status_t seal_store_put(seal_plugin_t *self, seal_store_txn_t *txn,
                             const char *ns, const char *key,
                             const char *json, size_t len, uint64_t expect_rev,
                             const seal_store_term_t *terms, size_t nterms,
                             uint64_t *new_rev);

/* expect_rev: SEAL_REV_ANY or the current revision (CAS); SEAL_REV_ABSENT
 * makes no sense here and is SEAL_E_INVAL. SEAL_E_NOTFOUND if absent. */
seal_status_t seal_store_delete(seal_plugin_t *self, seal_store_txn_t *txn,
                                const char *ns, const char *key, uint64_t expect_rev);

/* Visits the documents of ns whose key starts with prefix, in key order. */
seal_status_t seal_store_scan(seal_plugin_t *self, seal_store_txn_t *txn,
                              const char *ns, const char *prefix,
                              seal_store_visit_fn fn, void *ctx);

/* Visits the documents of ns that carry the term (index, value), in key order. */
seal_status_t seal_store_lookup(seal_plugin_t *self, seal_store_txn_t *txn,
                                const char *ns, const char *index, const char *value,
                                seal_store_visit_fn fn, void *ctx);

/* Multi-document transactions: all writes in it become durable together at
 * commit, or none. A transaction belongs to one thread; keep it short. */
seal_status_t seal_store_txn_begin(seal_plugin_t *self, seal_store_txn_t **txn);
seal_status_t seal_store_txn_commit(seal_store_txn_t *txn);   /* frees txn */
void          seal_store_txn_abort(seal_store_txn_t *txn);    /* frees txn */

/* ---- Provider side ---- */

/* "ctx" is the backend's instance data (the user given at registration);
 * "txn" is the backend's transaction (NULL: autocommit). Memory returned
 * through json must come from malloc (consumers free it with seal_free). */
typedef struct seal_store_ops {
    uint32_t struct_size;   /* sizeof(seal_store_ops_t) */
    seal_status_t (*get)(void *ctx, void *txn, const char *ns, const char *key,
                         char **json, size_t *len, uint64_t *rev);
    seal_status_t (*put)(void *ctx, void *txn, const char *ns, const char *key,
                         const char *json, size_t len, uint64_t expect_rev,
                         const seal_store_term_t *terms, size_t nterms, uint64_t *new_rev);
    seal_status_t (*del)(void *ctx, void *txn, const char *ns, const char *key,
                         uint64_t expect_rev);
    seal_status_t (*scan)(void *ctx, void *txn, const char *ns, const char *prefix,
                          seal_store_visit_fn fn, void *fn_ctx);
    seal_status_t (*lookup)(void *ctx, void *txn, const char *ns, const char *index,
                            const char *value, seal_store_visit_fn fn, void *fn_ctx);
    seal_status_t (*txn_begin)(void *ctx, void **txn);
    seal_status_t (*txn_commit)(void *ctx, void *txn);  /* frees txn, also on failure */
    void          (*txn_abort)(void *ctx, void *txn);   /* frees txn */
} seal_store_ops_t;

/* Init phase only; ops must stay valid until fini. */
seal_status_t seal_store_backend_register(seal_plugin_t *self, const seal_store_ops_t *ops,
                                          void *ctx, seal_user_free_fn ctx_free);

#ifdef __cplusplus
}
#endif
#endif
