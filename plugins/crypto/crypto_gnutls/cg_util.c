/* SPDX-License-Identifier: Apache-2.0 */
/* Status mapping, base64url (RFC 4648 section 5, no padding, as JOSE uses
 * it: RFC 7515 section 2), the random source lib/ibc draws from, and a
 * small output buffer for the exports. */
#include <stdlib.h>
#include <string.h>
#include <gnutls/crypto.h>
#include "cg.h"

void cg_wipe(void *p, size_t n)
{
    if (p && n) gnutls_memset(p, 0, n);
}

seal_status_t cg_status_gnutls(int rc)
{
    switch (rc) {
    case GNUTLS_E_SUCCESS: return SEAL_OK;
    case GNUTLS_E_MEMORY_ERROR: return SEAL_E_NOMEM;
    case GNUTLS_E_DECRYPTION_FAILED:
    case GNUTLS_E_PK_SIG_VERIFY_FAILED: return SEAL_E_CRYPTO;
    case GNUTLS_E_INVALID_REQUEST:
    case GNUTLS_E_ASN1_DER_ERROR:
    case GNUTLS_E_BASE64_DECODING_ERROR:
    case GNUTLS_E_ECC_UNSUPPORTED_CURVE:
    case GNUTLS_E_UNKNOWN_PK_ALGORITHM:
    case GNUTLS_E_UNKNOWN_HASH_ALGORITHM: return SEAL_E_INVAL;
    case GNUTLS_E_UNIMPLEMENTED_FEATURE: return SEAL_E_UNSUPPORTED;
    default: return SEAL_E_CRYPTO;
    }
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t cg_b64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

void cg_b64url_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64url[v >> 18];
        out[o++] = b64url[(v >> 12) & 63];
        out[o++] = b64url[(v >> 6) & 63];
        out[o++] = b64url[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64url[v >> 18];
        out[o++] = b64url[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64url[v >> 18];
        out[o++] = b64url[(v >> 12) & 63];
        out[o++] = b64url[(v >> 6) & 63];
    }
    out[o] = '\0';
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

int cg_b64url_decode(const char *in, size_t in_len, uint8_t *out, size_t want)
{
    if (in_len != cg_b64url_len(want)) return -1;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < in_len; i++) {
        int v = b64val((unsigned char)in[i]);
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* The unused low bits of the last character must be zero, so that one
     * value has one encoding. */
    if (acc != 0 || o != want) {
        cg_wipe(out, want);
        return -1;
    }
    return 0;
}

void cg_ibc_random(void *ctx, size_t len, uint8_t *out)
{
    if (gnutls_rnd(GNUTLS_RND_KEY, out, len) != 0) {
        cg_wipe(out, len);
        if (ctx) *(int *)ctx = 1;
    }
}

static void grow(cg_buf *b, size_t n)
{
    if (b->err) return;
    if (b->len + n + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + n + 1) cap *= 2;
    /* Not realloc: the old buffer may hold a secret and must be wiped. */
    char *p = malloc(cap);
    if (!p) { b->err = 1; return; }
    if (b->p) {
        memcpy(p, b->p, b->len);
        cg_wipe(b->p, b->cap);
        free(b->p);
    }
    b->p = p;
    b->cap = cap;
}

void cg_buf_add(cg_buf *b, const char *s, size_t n)
{
    grow(b, n);
    if (b->err) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void cg_buf_str(cg_buf *b, const char *s)
{
    cg_buf_add(b, s, strlen(s));
}

void cg_buf_json_str(cg_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    cg_buf_add(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            char e[2] = { '\\', (char)*c };
            cg_buf_add(b, e, 2);
        } else if (*c < 0x20) {
            char e[6] = { '\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 15] };
            cg_buf_add(b, e, 6);
        } else {
            cg_buf_add(b, (const char *)c, 1);
        }
    }
    cg_buf_add(b, "\"", 1);
}
