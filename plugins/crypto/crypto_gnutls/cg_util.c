/* SPDX-License-Identifier: Apache-2.0 */
/* Status mapping, fixed-length base64url values (JWK members), the random
 * source lib/ibc draws from, and a small output buffer for the exports. */
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

int cg_b64url_decode(const char *in, size_t in_len, uint8_t *out, size_t want)
{
    size_t got = 0;
    if (in_len != b64url_encoded_len(want) || b64url_decode(in, in_len, out, want, &got) != 0
        || got != want) {
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
