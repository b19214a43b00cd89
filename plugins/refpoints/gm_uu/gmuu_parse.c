/* SPDX-License-Identifier: Apache-2.0 */
/* GM-UU request inputs (doc/gm-uu.md): identities, query, message id. */
#include <stdint.h>
#include <string.h>
#include "gmuu_parse.h"

static int printable_uri(const char *s, size_t n)
{
    if (n == 0 || n > GMUU_URI_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return 0;
    return 1;
}

void gmuu_identities(const char *val_user_ids, const char *principal, gmuu_ids_t *out)
{
    size_t used = 0;
    out->n = 0;
    const char *s = val_user_ids ? val_user_ids : principal;
    if (!s)
        return;
    /* A principal is one identity (it may hold spaces: then it is none). */
    if (!val_user_ids) {
        size_t n = strlen(s);
        if (printable_uri(s, n)) {
            memcpy(out->buf, s, n + 1);
            out->id[out->n++] = out->buf;
        }
        return;
    }
    while (*s && out->n < GMUU_MAX_IDS) {
        while (*s == ' ')
            s++;
        size_t n = strcspn(s, " ");
        if (n == 0)
            break;
        if (printable_uri(s, n) && used + n + 1 <= sizeof out->buf) {
            char *d = out->buf + used;
            memcpy(d, s, n);
            d[n] = '\0';
            if (!gmuu_has_id(out, d)) {
                out->id[out->n++] = d;
                used += n + 1;
            }
        }
        s += n;
    }
}

int gmuu_has_id(const gmuu_ids_t *ids, const char *id)
{
    for (size_t i = 0; id && i < ids->n; i++)
        if (strcmp(ids->id[i], id) == 0)
            return 1;
    return 0;
}

static int no_controls(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int gmuu_query(const char *const *names, const char *const *values, size_t n,
               gmuu_query_t *q, const char **bad, const char **why)
{
    memset(q, 0, sizeof *q);
    q->limit = GMUU_LIMIT_MAX;
    int seen_limit = 0;
    *bad = *why = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *k = names[i], *v = values[i] ? values[i] : "";
        if (!k) {
            *bad = "(query)";
            *why = "a parameter without a name";
            return -1;
        }
        *bad = k;
        if (strcmp(k, "valUserId") == 0) {
            if (q->val_user_id) {
                *why = "given twice";
                return -1;
            }
            if (!printable_uri(v, strlen(v))) {
                *why = "not a VAL user identity (1..255 printable characters, no spaces)";
                return -1;
            }
            q->val_user_id = v;
        } else if (strcmp(k, "valGroupId") == 0) {
            if (q->val_group_id) {
                *why = "given twice";
                return -1;
            }
            if (!no_controls(v, GMUU_GROUP_MAX)) {
                *why = "not a VAL group id (1..1024 characters, no control characters)";
                return -1;
            }
            q->val_group_id = v;
        } else if (strcmp(k, "limit") == 0) {
            if (seen_limit++) {
                *why = "given twice";
                return -1;
            }
            size_t len = strlen(v), lim = 0;
            if (len == 0 || len > 3 || v[0] == '0') {
                *why = "must be an integer from 1 to 256";
                return -1;
            }
            for (size_t j = 0; j < len; j++) {
                if (v[j] < '0' || v[j] > '9') {
                    *why = "must be an integer from 1 to 256";
                    return -1;
                }
                lim = lim * 10 + (size_t)(v[j] - '0');
            }
            if (lim > GMUU_LIMIT_MAX) {
                *why = "must be an integer from 1 to 256";
                return -1;
            }
            q->limit = lim;
        } else {
            *why = "unknown query parameter";
            return -1;
        }
    }
    *bad = NULL;
    return 0;
}

int gmuu_msg_id_ok(const char *id)
{
    /* The shape only (the gm service parses its own ids strictly): what
     * may sit in a path segment and a log line. */
    size_t n = id ? strnlen(id, GMUU_MSG_ID_MAX + 1) : 0;
    if (n == 0 || n > GMUU_MSG_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '~'))
            return 0;
    }
    return 1;
}
