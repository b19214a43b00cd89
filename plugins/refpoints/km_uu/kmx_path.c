/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 D.2.1: the optional path segments of the KMS resources,
 * keyprov/<urlencoded user or group URI>/<time> and certcache/<n>. The
 * router has split and percent-decoded the segments; these check them. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "kmx.h"
#include "mikey/mikey.h"

int kmx_uri_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SEAL_KM_URI_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* The MIKEY NTP-UTC form (RFC 3830 6.6): seconds in the high 32 bits. The
 * fraction is ignored; the era follows RFC 4330 3 (lib/mikey). */
int kmx_parse_ntp_hex(const char *s, int64_t *t)
{
    if (!s || strlen(s) != 16)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < 16; i++) {
        int c = (unsigned char)s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v << 4 | (uint64_t)d;
    }
    uint64_t secs = mikey_ntp64_to_seconds(v, 0);
    *t = (int64_t)secs - SEAL_KM_NTP_UNIX_OFFSET;
    return 0;
}

int kmx_parse_cache_num(const char *s, uint64_t *n)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > 20)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *n = v;
    return 0;
}
