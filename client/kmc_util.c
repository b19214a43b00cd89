/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers of the key management client: hex (xsd:hexBinary of
 * TS 33.180 Annex D), base64 (GM-UU), xsd:dateTime. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nettle/base64.h>

#include "kmc_int.h"

char *kmc_hex(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(2 * len + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[data[i] >> 4];
        s[2 * i + 1] = digits[data[i] & 15];
    }
    s[2 * len] = '\0';
    return s;
}

int kmc_unhex(const char *s, size_t slen, uint8_t *out, size_t len)
{
    if (!s || slen != 2 * len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int hi = sc_hexval(s[2 * i]), lo = sc_hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            explicit_bzero(out, len);
            return -1;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

uint8_t *kmc_unbase64(const char *s, size_t slen, size_t *out_len)
{
    *out_len = 0;
    /* base64url is accepted too: translate to the standard alphabet, and
     * refuse anything that is not one of them */
    char *t = malloc(slen + 4);
    if (!t)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < slen; i++) {
        char ch = s[i];
        if (ch == '-')
            ch = '+';
        else if (ch == '_')
            ch = '/';
        else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                   (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '='))
            goto bad;
        if (ch == '=' && i + 2 < slen)
            goto bad;          /* padding only at the end */
        t[n++] = ch;
    }
    while (n % 4)
        t[n++] = '=';
    uint8_t *out = malloc(BASE64_DECODE_LENGTH(n) + 1);
    if (!out)
        goto bad;
    struct base64_decode_ctx ctx;
    size_t got = BASE64_DECODE_LENGTH(n) + 1;
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, &got, out, n, t) || !base64_decode_final(&ctx)) {
        free(out);
        goto bad;
    }
    free(t);
    *out_len = got;
    return out;
bad:
    free(t);
    return NULL;
}

void kmc_clean(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src && *src && i + 1 < n; src++)
        dst[i++] = (unsigned char)*src < 0x20 || *src == 0x7f ? '?' : *src;
    if (n)
        dst[i] = '\0';
}

static int digits(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (**p < '0' || **p > '9')
            return -1;
        *v = *v * 10 + (**p - '0');
        (*p)++;
    }
    return 0;
}

int64_t kmc_parse_datetime(const char *s)
{
    /* YYYY-MM-DDThh:mm:ss[.fff][Z|(+|-)hh:mm] */
    int y, mo, d, h, mi, sec;
    const char *p = s;
    if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || *p++ != 'T' || digits(&p, 2, &h) || *p++ != ':' ||
        digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &sec))
        return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 14 || om > 59)
            return -1;
        off = sign * (oh * 3600L + om * 60L);
    }
    if (*p || y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    /* days from the civil date (proleptic Gregorian), no time zone involved */
    int yy = y - (mo <= 2);
    long era = yy / 400, yoe = yy - era * 400;
    long doy = (153L * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + h * 3600 + mi * 60 + sec - off;
}
