/* SPDX-License-Identifier: Apache-2.0 */
/* Header parsing for SEAL-S: Content-Type (RFC 9110 8.3), ETag / If-Match
 * (RFC 9110 8.8.3, 13.1.1). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "ss_http.h"

int ss_media_type_is(const char *ct, const char *want)
{
    if (!ct || !want)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == strlen(want) && strncasecmp(ct, want, n) == 0;
}

void ss_etag(uint64_t rev, char out[SS_ETAG_MAX])
{
    snprintf(out, SS_ETAG_MAX, "\"%" PRIu64 "\"", rev);
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int ss_if_match(const char *value, int *star, uint64_t *revs, size_t max, size_t *n)
{
    *star = 0;
    *n = 0;
    if (!value)
        return -1;
    const char *p = skip_ows(value);
    if (*p == '*') {
        p = skip_ows(p + 1);
        if (*p)
            return -1;
        *star = 1;
        return 0;
    }
    int tags = 0;
    for (;;) {
        p = skip_ows(p);
        if (*p == ',') {   /* empty list elements are allowed (RFC 9110 5.6.1) */
            p++;
            continue;
        }
        if (!*p)
            break;
        int weak = 0;
        if (p[0] == 'W' && p[1] == '/') {
            weak = 1;
            p += 2;
        }
        if (*p != '"')
            return -1;
        const char *start = ++p;
        /* etagc = %x21 / %x23-7E / obs-text */
        while (*p && *p != '"') {
            unsigned char c = (unsigned char)*p;
            if (c < 0x21 || c == 0x7f)
                return -1;
            p++;
        }
        if (*p != '"')
            return -1;
        size_t len = (size_t)(p - start);
        p++;
        tags++;
        uint64_t rev = 0;
        int ok = !weak && len > 0 && len <= 20;
        for (size_t i = 0; ok && i < len; i++) {
            if (!isdigit((unsigned char)start[i])) {
                ok = 0;
                break;
            }
            unsigned d = (unsigned)(start[i] - '0');
            if (rev > (UINT64_MAX - d) / 10)
                ok = 0;
            else
                rev = rev * 10 + d;
        }
        if (ok && rev > 0 && *n < max)
            revs[(*n)++] = rev;
        p = skip_ows(p);
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return tags > 0 ? 0 : -1;
}
