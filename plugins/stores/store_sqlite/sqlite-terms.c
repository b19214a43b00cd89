/* SPDX-License-Identifier: Apache-2.0 */
/* store_sqlite: replacing a document's secondary index terms.
 *
 * A put replaces all the document's terms. Most puts keep the terms they
 * had (a group document's members rarely change with each write), so the
 * old and new sets are compared and only the difference is written: an
 * unchanged set costs one index read instead of rewriting two b-trees.
 * Both sets are compared in byte order (SQLite's BINARY collation, strcmp).
 */
#include <stdlib.h>
#include <string.h>
#include "sqlite-conn.h"

typedef struct old_term {
    char *idx, *value;
} old_term_t;

static int term_cmp(const char *ai, const char *av, const char *bi, const char *bv)
{
    int c = strcmp(ai, bi);
    return c ? c : strcmp(av, bv);
}

static int new_cmp(const void *a, const void *b)
{
    const seal_store_term_t *x = *(const seal_store_term_t *const *)a;
    const seal_store_term_t *y = *(const seal_store_term_t *const *)b;
    return term_cmp(x->index, x->value, y->index, y->value);
}

static void old_free(old_term_t *old, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(old[i].idx);
        free(old[i].value);
    }
    free(old);
}

/* The document's current terms, in (idx, value) order. */
static seal_status_t old_read(ss_store_t *st, ss_conn_t *c, const char *ns, const char *key,
                              old_term_t **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    sqlite3_stmt *s;
    seal_status_t rv = ss_stmt_get(st, c, SS_TERMS_OF, &s);
    if (rv != SEAL_OK)
        return rv;
    old_term_t *v = NULL;
    size_t n = 0, cap = 0;
    int rc = sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            old_term_t *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                rc = SQLITE_NOMEM;
                break;
            }
            v = nv;
            cap = ncap;
        }
        const char *i = (const char *)sqlite3_column_text(s, 0);
        const char *val = (const char *)sqlite3_column_text(s, 1);
        v[n].idx = i ? strdup(i) : NULL;
        v[n].value = val ? strdup(val) : NULL;
        n++;
        if (!v[n - 1].idx || !v[n - 1].value) {
            rc = SQLITE_NOMEM;
            break;
        }
        rc = SQLITE_OK;
    }
    ss_stmt_put(c, SS_TERMS_OF, s);
    if (rc != SQLITE_DONE) {
        old_free(v, n);
        return ss_status(st, c, rc, "reading terms");
    }
    *out = v;
    *nout = n;
    return SEAL_OK;
}

/* Deletes (SS_TERM_DEL) or adds (SS_TERM_ADD) one term of (ns, key). */
static seal_status_t term_write(ss_store_t *st, ss_conn_t *c, ss_stmt_id_t id, const char *ns,
                                const char *key, const char *idx, const char *value)
{
    sqlite3_stmt *s;
    seal_status_t rv = ss_stmt_get(st, c, id, &s);
    if (rv != SEAL_OK)
        return rv;
    int rc = sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(s, 2, idx, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(s, 3, value, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(s, 4, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    rv = rc == SQLITE_DONE ? SEAL_OK : ss_status(st, c, rc, "writing a term");
    ss_stmt_put(c, id, s);
    return rv;
}

seal_status_t ss_terms_replace(ss_store_t *st, ss_conn_t *c, const char *ns, const char *key,
                               const seal_store_term_t *terms, size_t nterms)
{
    /* Read even for a new document: rows left behind by a delete made with
     * foreign keys off (an operator's sqlite3 shell) are cleaned up here
     * instead of being inherited or failing the insert. */
    old_term_t *old = NULL;
    size_t nold = 0;
    seal_status_t rv = old_read(st, c, ns, key, &old, &nold);
    if (rv != SEAL_OK)
        return rv;
    const seal_store_term_t **want = NULL;
    if (nterms) {
        want = malloc(nterms * sizeof *want);
        if (!want) {
            old_free(old, nold);
            return SEAL_E_NOMEM;
        }
        for (size_t j = 0; j < nterms; j++)
            want[j] = &terms[j];
        qsort(want, nterms, sizeof *want, new_cmp);
    }
    /* Merge the two sorted lists: old only -> delete, new only -> add. */
    size_t i = 0, j = 0;
    while (rv == SEAL_OK && (i < nold || j < nterms)) {
        if (j > 0 && j < nterms && new_cmp(&want[j - 1], &want[j]) == 0) {
            j++;  /* the same term given twice */
            continue;
        }
        int cmp = i == nold ? 1
                : j == nterms ? -1
                : term_cmp(old[i].idx, old[i].value, want[j]->index, want[j]->value);
        if (cmp < 0) {
            rv = term_write(st, c, SS_TERM_DEL, ns, key, old[i].idx, old[i].value);
            i++;
        } else if (cmp > 0) {
            rv = term_write(st, c, SS_TERM_ADD, ns, key, want[j]->index, want[j]->value);
            j++;
        } else {
            i++;
            j++;
        }
    }
    free(want);
    old_free(old, nold);
    return rv;
}
