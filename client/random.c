/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 7636 4.1 (code_verifier: 43..128 characters of [A-Za-z0-9-._~]) and
 * 4.2 (S256: BASE64URL(SHA256(ASCII(code_verifier))), no padding); state
 * and nonce are random values of the same kind. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/base64.h>

#include "sc_int.h"

char *sc_b64url(const uint8_t *data, size_t len)
{
    struct base64_encode_ctx ctx;
    char *out = malloc(BASE64_ENCODE_LENGTH(len) + BASE64_ENCODE_FINAL_LENGTH + 1);
    if (!out)
        return NULL;
    base64url_encode_init(&ctx);
    size_t n = base64_encode_update(&ctx, out, len, data);
    n += base64_encode_final(&ctx, out + n);
    while (n > 0 && out[n - 1] == '=')   /* base64url without padding */
        n--;
    out[n] = '\0';
    return out;
}

char *sc_random_b64url(size_t nbytes)
{
    uint8_t buf[64];
    if (nbytes > sizeof buf)
        return NULL;
    /* GNUTLS_RND_KEY: the strongest level; the verifier is a secret. */
    if (gnutls_rnd(GNUTLS_RND_KEY, buf, nbytes) < 0)
        return NULL;
    char *s = sc_b64url(buf, nbytes);
    explicit_bzero(buf, sizeof buf);
    return s;
}

char *sc_pkce_s256(const char *verifier)
{
    uint8_t digest[32];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, verifier, strlen(verifier), digest) < 0)
        return NULL;
    return sc_b64url(digest, sizeof digest);
}
