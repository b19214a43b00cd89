/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto backends (seal/crypto.h): placeholder until the crypto ABI lands.
 * No backend can register yet, so the host runs without one. */
#include "host-private.h"

seal_status_t seal_crypto_select(seal_host_t *host, char *why, size_t why_len)
{
    (void)why; (void)why_len;
    host->crypto = NULL;
    return SEAL_OK;
}

void seal_crypto_free_backends(seal_host_t *host)
{
    seal_vec_free(&host->cryptos);
    host->crypto = NULL;
}

void seal_crypto_print(const seal_host_t *host, FILE *out)
{
    (void)host; (void)out;
}
