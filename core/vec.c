/* SPDX-License-Identifier: Apache-2.0 */
/* A growable array of pointers for the registry's lists. */
#include <stdlib.h>
#include "host-private.h"

int seal_vec_push(seal_vec_t *vec, void *item)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 8;
        void **v = realloc(vec->v, cap * sizeof *v);
        if (!v) return -1;
        vec->v = v;
        vec->cap = cap;
    }
    vec->v[vec->n++] = item;
    return 0;
}

void seal_vec_free(seal_vec_t *vec)
{
    free(vec->v);
    vec->v = NULL;
    vec->n = vec->cap = 0;
}
