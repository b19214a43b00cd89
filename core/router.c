/* SPDX-License-Identifier: Apache-2.0 */
/* core/router.c: templated path routing and URL decoding (RFC 3986 2.1
 * percent-encoding, 3.3 path segments, 3.4 query).
 *
 * Routes live in a segment trie. A node has literal children and at most one
 * parameter child; leaves hang a (method, target, parameter names) list on the
 * node where a template ends. Matching walks the trie depth first, literal
 * before parameter, so a literal wins at each depth but a failed literal
 * branch still falls back to the parameter one (GET /a/b/c and GET /a/{x}/d
 * both serve). Since the trie is a tree, one match visits each node at most
 * once: the cost is bounded by the routes, never by the request.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "http-private.h"

#define SEAL_ROUTER_MAX_METHOD 16
#define SEAL_ROUTER_MAX_NAME 64

typedef struct rleaf {
    char method[SEAL_ROUTER_MAX_METHOD + 1];
    void *target;
    size_t nparams;
    char *names[SEAL_ROUTER_MAX_PARAMS];
    struct rleaf *next;
} rleaf_t;

typedef struct rnode {
    char *lit;                /* NULL for a parameter node */
    struct rnode **kids;      /* literal children */
    size_t nkids, capkids;
    struct rnode *param;
    rleaf_t *leaves;          /* in registration order */
} rnode_t;

struct seal_router {
    rnode_t root;
};

seal_router_t *seal_router_new(void)
{
    return calloc(1, sizeof(seal_router_t));
}

static void node_clear(rnode_t *n)
{
    for (size_t i = 0; i < n->nkids; i++) {
        node_clear(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
    if (n->param) {
        node_clear(n->param);
        free(n->param);
    }
    rleaf_t *l = n->leaves;
    while (l) {
        rleaf_t *next = l->next;
        for (size_t i = 0; i < l->nparams; i++)
            free(l->names[i]);
        free(l);
        l = next;
    }
    free(n->lit);
}

void seal_router_free(seal_router_t *r)
{
    if (!r)
        return;
    node_clear(&r->root);
    free(r);
}

static int valid_method(const char *m)
{
    size_t n = 0;
    for (; m[n]; n++)
        if (!(m[n] >= 'A' && m[n] <= 'Z'))
            return 0;
    return n > 0 && n <= SEAL_ROUTER_MAX_METHOD;
}

/* RFC 3986 pchar without pct-encoded: templates are written in plain text. */
static int literal_char(unsigned char c)
{
    return isalnum(c) || strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

static int name_char(unsigned char c, int first)
{
    return isalpha(c) || c == '_' || (!first && isdigit(c));
}

static rnode_t *kid_find(const rnode_t *n, const char *lit, size_t len)
{
    for (size_t i = 0; i < n->nkids; i++) {
        const char *k = n->kids[i]->lit;
        if (strncmp(k, lit, len) == 0 && k[len] == '\0')
            return n->kids[i];
    }
    return NULL;
}

static rnode_t *kid_add(rnode_t *n, const char *lit, size_t len)
{
    if (n->nkids == n->capkids) {
        size_t cap = n->capkids ? n->capkids * 2 : 4;
        rnode_t **k = realloc(n->kids, cap * sizeof *k);
        if (!k)
            return NULL;
        n->kids = k;
        n->capkids = cap;
    }
    rnode_t *kid = calloc(1, sizeof *kid);
    if (!kid || !(kid->lit = strndup(lit, len))) {
        free(kid);
        return NULL;
    }
    n->kids[n->nkids++] = kid;
    return kid;
}

/* One parsed template segment. */
typedef struct tseg {
    const char *s;
    size_t len;
    int param;
} tseg_t;

static seal_status_t parse_template(const char *tmpl, tseg_t *segs, size_t *nsegs,
                                    size_t *nparams)
{
    if (tmpl[0] != '/')
        return SEAL_E_INVAL;
    *nsegs = *nparams = 0;
    if (tmpl[1] == '\0')
        return SEAL_OK;                       /* "/" */
    const char *p = tmpl + 1;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || *nsegs == SEAL_ROUTER_MAX_SEGMENTS)
            return SEAL_E_INVAL;              /* "//", trailing '/', too deep */
        tseg_t *t = &segs[(*nsegs)++];
        if (p[0] == '{') {
            if (len < 3 || p[len - 1] != '}' || len - 2 > SEAL_ROUTER_MAX_NAME)
                return SEAL_E_INVAL;
            for (size_t i = 1; i < len - 1; i++)
                if (!name_char((unsigned char)p[i], i == 1))
                    return SEAL_E_INVAL;
            if (*nparams == SEAL_ROUTER_MAX_PARAMS)
                return SEAL_E_INVAL;
            for (size_t j = 0; j + 1 < *nsegs; j++)
                if (segs[j].param && segs[j].len == len - 2 &&
                    memcmp(segs[j].s, p + 1, len - 2) == 0)
                    return SEAL_E_INVAL;      /* the same name twice */
            t->s = p + 1;
            t->len = len - 2;
            t->param = 1;
            (*nparams)++;
        } else {
            for (size_t i = 0; i < len; i++)
                if (!literal_char((unsigned char)p[i]))
                    return SEAL_E_INVAL;
            t->s = p;
            t->len = len;
            t->param = 0;
        }
        if (!end)
            return SEAL_OK;
        p = end + 1;
    }
}

seal_status_t seal_router_add(seal_router_t *r, const char *method,
                              const char *tmpl, void *target)
{
    if (!r || !method || !tmpl || !valid_method(method))
        return SEAL_E_INVAL;
    tseg_t segs[SEAL_ROUTER_MAX_SEGMENTS];
    size_t nsegs, nparams;
    seal_status_t st = parse_template(tmpl, segs, &nsegs, &nparams);
    if (st != SEAL_OK)
        return st;

    /* Check for a duplicate before changing anything, so a refused route
     * leaves the trie as it was (no half-built branches to match). */
    rnode_t *n = &r->root;
    size_t i = 0;
    for (; i < nsegs && n; i++)
        n = segs[i].param ? n->param : kid_find(n, segs[i].s, segs[i].len);
    if (n && i == nsegs)
        for (const rleaf_t *l = n->leaves; l; l = l->next)
            if (strcmp(l->method, method) == 0)
                return SEAL_E_EXISTS;

    rleaf_t *leaf = calloc(1, sizeof *leaf);
    if (!leaf)
        return SEAL_E_NOMEM;
    strcpy(leaf->method, method);
    leaf->target = target;
    for (i = 0; i < nsegs; i++) {
        if (!segs[i].param)
            continue;
        if (!(leaf->names[leaf->nparams] = strndup(segs[i].s, segs[i].len)))
            goto nomem;
        leaf->nparams++;
    }
    n = &r->root;
    for (i = 0; i < nsegs; i++) {
        rnode_t *next;
        if (segs[i].param) {
            if (!n->param && !(n->param = calloc(1, sizeof *n->param)))
                goto nomem;
            next = n->param;
        } else if (!(next = kid_find(n, segs[i].s, segs[i].len)) &&
                   !(next = kid_add(n, segs[i].s, segs[i].len))) {
            goto nomem;
        }
        n = next;
    }
    rleaf_t **tail = &n->leaves;
    while (*tail)
        tail = &(*tail)->next;
    *tail = leaf;
    return SEAL_OK;
nomem:
    /* Empty nodes left behind match nothing: no leaf hangs on them. */
    for (i = 0; i < leaf->nparams; i++)
        free(leaf->names[i]);
    free(leaf);
    return SEAL_E_NOMEM;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int seal_percent_decode(char *s, int plus_is_space)
{
    char *w = s;
    for (const char *p = s; *p; p++) {
        if (*p == '%') {
            int hi = hexval((unsigned char)p[1]);
            int lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
            if (lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *w++ = (char)(hi << 4 | lo);
            p += 2;
        } else if (*p == '+' && plus_is_space) {
            *w++ = ' ';
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return 0;
}

/* The state of one match. */
typedef struct mstate {
    const char *method;
    char **seg;
    size_t nseg;
    size_t pidx[SEAL_ROUTER_MAX_SEGMENTS];   /* segment index of each parameter */
    size_t np;
    const rleaf_t *found;
    size_t found_pidx[SEAL_ROUTER_MAX_PARAMS];
    int path_exists;
    char *allow;
    size_t allow_len, allow_used;
} mstate_t;

static void allow_add(mstate_t *m, const char *method)
{
    if (!m->allow || m->allow_len == 0)
        return;
    size_t ml = strlen(method);
    for (const char *p = m->allow; (p = strstr(p, method)); p += ml)
        if ((p == m->allow || p[-1] == ' ') && (p[ml] == ',' || p[ml] == '\0'))
            return;
    size_t need = ml + (m->allow_used ? 2 : 0);
    if (m->allow_used + need + 1 > m->allow_len)
        return;
    if (m->allow_used) {
        memcpy(m->allow + m->allow_used, ", ", 2);
        m->allow_used += 2;
    }
    memcpy(m->allow + m->allow_used, method, ml + 1);
    m->allow_used += ml;
}

/* Returns 1 once a leaf for the method is found (search stops). */
static int walk(mstate_t *m, const rnode_t *n, size_t depth)
{
    if (depth == m->nseg) {
        if (!n->leaves)
            return 0;
        for (const rleaf_t *l = n->leaves; l; l = l->next) {
            if (strcmp(l->method, m->method) == 0) {
                m->found = l;
                memcpy(m->found_pidx, m->pidx, m->np * sizeof m->pidx[0]);
                return 1;
            }
        }
        m->path_exists = 1;
        for (const rleaf_t *l = n->leaves; l; l = l->next)
            allow_add(m, l->method);
        return 0;
    }
    const char *seg = m->seg[depth];
    for (size_t i = 0; i < n->nkids; i++)
        if (strcmp(n->kids[i]->lit, seg) == 0) {
            if (walk(m, n->kids[i], depth + 1))
                return 1;
            break;
        }
    if (n->param && m->np < SEAL_ROUTER_MAX_PARAMS) {
        m->pidx[m->np++] = depth;
        int r = walk(m, n->param, depth + 1);
        m->np--;
        if (r)
            return 1;
    }
    return 0;
}

void *seal_router_match(const seal_router_t *r, const char *method, const char *path,
                        seal_path_params_t *params, unsigned *status,
                        char *allow, size_t allow_len)
{
    unsigned dummy;
    if (!status)
        status = &dummy;
    if (params)
        params->n = 0;
    if (allow && allow_len)
        allow[0] = '\0';
    if (!r || !method || !path || path[0] != '/') {
        *status = 400;
        return NULL;
    }
    *status = 404;
    char *copy = strdup(path + 1);
    if (!copy) {
        *status = 500;
        return NULL;
    }
    char *seg[SEAL_ROUTER_MAX_SEGMENTS];
    size_t nseg = 0;
    void *target = NULL;
    if (copy[0] != '\0') {
        /* Split first and decode afterwards: an encoded '/' must not make a
         * new segment. */
        char *p = copy;
        for (;;) {
            if (nseg == SEAL_ROUTER_MAX_SEGMENTS)
                goto out;                     /* deeper than any template */
            seg[nseg++] = p;
            char *slash = strchr(p, '/');
            if (!slash)
                break;
            *slash = '\0';
            p = slash + 1;
        }
        for (size_t i = 0; i < nseg; i++) {
            if (seal_percent_decode(seg[i], 0) != 0 || strchr(seg[i], '/')) {
                *status = 400;
                goto out;
            }
            if (seg[i][0] == '\0')
                goto out;                     /* "//" or a trailing '/' */
        }
    }
    mstate_t m = { .method = method, .seg = seg, .nseg = nseg,
                   .allow = allow, .allow_len = allow_len };
    if (walk(&m, &r->root, 0)) {
        if (params) {
            for (size_t i = 0; i < m.found->nparams; i++) {
                params->name[i] = m.found->names[i];
                params->value[i] = strdup(seg[m.found_pidx[i]]);
                if (!params->value[i]) {
                    params->n = i;
                    seal_path_params_clear(params);
                    *status = 500;
                    goto out;
                }
            }
            params->n = m.found->nparams;
        }
        *status = 200;
        target = m.found->target;
    } else if (m.path_exists) {
        *status = 405;
    }
out:
    free(copy);
    return target;
}

void seal_path_params_clear(seal_path_params_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->value[i]);
        p->value[i] = NULL;
    }
    p->n = 0;
}

/* ---- Query strings (application/x-www-form-urlencoded pairs) ---- */

int seal_query_parse(const char *raw, seal_query_t *q)
{
    memset(q, 0, sizeof *q);
    if (!raw || !*raw)
        return 0;
    size_t len = strlen(raw);
    if (len > SEAL_QUERY_MAX_LEN)
        return -1;
    size_t pieces = 1;
    for (const char *p = raw; *p; p++)
        if (*p == '&')
            pieces++;
    if (pieces > SEAL_QUERY_MAX_PARAMS)
        pieces = SEAL_QUERY_MAX_PARAMS + 1;   /* only to detect the excess */
    if (!(q->buf = malloc(len + 1)) ||
        !(q->name = malloc(pieces * sizeof *q->name)) ||
        !(q->value = malloc(pieces * sizeof *q->value))) {
        seal_query_clear(q);
        return -2;
    }
    memcpy(q->buf, raw, len + 1);
    char *p = q->buf;
    while (p) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        if (*p) {                             /* "a=1&&b=2": skip empties */
            if (q->n == SEAL_QUERY_MAX_PARAMS)
                goto bad;
            char *eq = strchr(p, '=');
            char *val = p + strlen(p);        /* "flag" alone: value "" */
            if (eq) {
                *eq = '\0';
                val = eq + 1;
            }
            if (seal_percent_decode(p, 1) != 0 || seal_percent_decode(val, 1) != 0)
                goto bad;
            q->name[q->n] = p;
            q->value[q->n] = val;
            q->n++;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
bad:
    seal_query_clear(q);
    return -1;
}

const char *seal_query_get(const seal_query_t *q, const char *name)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->name[i], name) == 0)
            return q->value[i];
    return NULL;
}

void seal_query_clear(seal_query_t *q)
{
    free(q->buf);
    free(q->name);
    free(q->value);
    memset(q, 0, sizeof *q);
}
