/* SPDX-License-Identifier: Apache-2.0 */
/* Strict base64url (RFC 4648 section 5, no padding). */
#include "b64url.h"

static int value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

size_t b64url_decoded_len(size_t len)
{
    if (len % 4 == 1)
        return SIZE_MAX;
    return len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
}

int b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n = b64url_decoded_len(len);
    if (n == SIZE_MAX || n > cap)
        return -1;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = value((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* 2 or 4 bits left over must be zero (RFC 4648 3.5). */
    if (acc != 0)
        return -1;
    *out_len = o;
    return 0;
}

size_t b64url_encoded_len(size_t len)
{
    return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

size_t b64url_encode(const uint8_t *in, size_t len, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = a[v >> 18];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        out[o++] = a[v & 63];
    }
    if (len - i == 1) {
        out[o++] = a[in[i] >> 2];
        out[o++] = a[(in[i] & 3) << 4];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
        out[o++] = a[v >> 10];
        out[o++] = a[v >> 4 & 63];
        out[o++] = a[(v & 15) << 2];
    }
    out[o] = '\0';
    return o;
}
