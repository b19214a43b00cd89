/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 7636 (PKCE): code_verifier / code_challenge syntax (4.1, 4.2) and the
 * S256 transformation, the only one this server accepts (plain is refused:
 * it protects nothing when the authorization request leaks). */
#include <string.h>
#include "im_int.h"

int im_pkce_valid(const char *v)
{
    size_t n = v ? strlen(v) : 0;
    if (n < 43 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = v[i];
        /* unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
              || ch == '-' || ch == '.' || ch == '_' || ch == '~'))
            return 0;
    }
    return 1;
}

int im_pkce_s256_check(seal_plugin_t *self, const char *verifier, const char *challenge)
{
    if (!im_pkce_valid(verifier) || !challenge || strlen(challenge) != 43)
        return 0;
    uint8_t h[32];
    char enc[48];
    if (seal_crypto_hash(self, SEAL_CRYPTO_SHA256, verifier, strlen(verifier), h, sizeof h)
        != SEAL_OK)
        return 0;
    b64url_encode(h, sizeof h, enc);
    return im_ct_equal(enc, challenge, 43);
}
