/* SPDX-License-Identifier: Apache-2.0 */
/* Blinding factors for inversions of secret values (see mont.h): a
 * SHA-256 keyed stream, key = SHA-256(tag || secret || public input). */
#include "config.h"

#include <nettle/sha2.h>
#include <string.h>

#include "mont.h"

void blind_init(ibc_blind *b, const char *tag, const void *secret, size_t slen,
                const void *pub, size_t plen)
{
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, strlen(tag) + 1, (const uint8_t *)tag);
    sha256_update(&h, slen, secret);
    if (plen)
        sha256_update(&h, plen, pub);
    sha256_digest(&h, sizeof b->key, b->key);
    b->ctr = 0;
    ibc_wipe(&h, sizeof h);
}

void blind_draw(ibc_blind *b, const mont_ctx *c, mp_limb_t *beta)
{
    uint8_t buf[8 * MONT_MAXN];
    size_t len = (size_t)c->n * 8;
    uint32_t ctr = b->ctr++;

    for (size_t off = 0, blk = 0; off < len; off += SHA256_DIGEST_SIZE, blk++) {
        struct sha256_ctx h;
        uint8_t in[8] = { (uint8_t)(ctr >> 24), (uint8_t)(ctr >> 16), (uint8_t)(ctr >> 8),
                          (uint8_t)ctr, 0, 0, 0, (uint8_t)blk };
        sha256_init(&h);
        sha256_update(&h, sizeof b->key, b->key);
        sha256_update(&h, sizeof in, in);
        sha256_digest(&h, SHA256_DIGEST_SIZE, buf + off);
    }
    limbs_from_be(beta, c->n, buf, len);
    /* keep bits(m) - 1 bits so that beta < m */
    unsigned top = (c->bits - 1) % 64;
    mp_size_t tl = (mp_size_t)((c->bits - 1) / 64);
    if (tl < c->n) {
        beta[tl] &= top ? (((mp_limb_t)1 << top) - 1) : 0;
        for (mp_size_t i = tl + 1; i < c->n; i++)
            beta[i] = 0;
    }
    beta[0] |= mpn_zero_p(beta, c->n); /* never 0 */
    ibc_wipe(buf, sizeof buf);
}
