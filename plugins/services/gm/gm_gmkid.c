/* SPDX-License-Identifier: Apache-2.0 */
/* GMK message ids (see gm_gmkid.h): parsed strictly, because an id comes
 * from a GM-UU request path and names a store key. */
#include <string.h>
#include "gm_gmkid.h"

static int id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

int gm_gmk_msg_id_parse(const char *id, char gid[GMK_GROUP_ID_MAX + 1], uint64_t *gen,
                        char hash[GMK_ID_HASH + 1])
{
    size_t n = id ? strnlen(id, GMK_MSG_ID_MAX + 1) : 0;
    if (n == 0 || n > GMK_MSG_ID_MAX)
        return -1;
    const char *d1 = memchr(id, '.', n);
    const char *d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - id)) : NULL;
    if (!d1 || !d2 || d1 == id || (size_t)(d1 - id) > GMK_GROUP_ID_MAX)
        return -1;
    for (const char *s = id; s < d1; s++)
        if (!id_char(*s))
            return -1;
    size_t glen = (size_t)(d2 - d1 - 1);
    if (glen == 0 || glen > 20 || d1[1] == '0')
        return -1;
    uint64_t v = 0;
    for (const char *s = d1 + 1; s < d2; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        uint64_t dgt = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            return -1;
        v = v * 10 + dgt;
    }
    const char *h = d2 + 1;
    if ((size_t)(id + n - h) != GMK_ID_HASH)
        return -1;
    for (size_t i = 0; i < GMK_ID_HASH; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return -1;
    memcpy(gid, id, (size_t)(d1 - id));
    gid[d1 - id] = '\0';
    *gen = v;
    memcpy(hash, h, GMK_ID_HASH);
    hash[GMK_ID_HASH] = '\0';
    return 0;
}
