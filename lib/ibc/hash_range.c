/* SPDX-License-Identifier: Apache-2.0 */
/* HashToIntegerRange(s, n, SHA-256) of RFC 6508 5.1:
 *   A = H(s); h_0 = 0^256; for i = 1..l: h_i = H(h_{i-1}), v_i = H(h_i || A);
 *   v = (v_1 || ... || v_l) mod n, l = ceil(lg(n) / 256).
 * For n = q (1022 bits) l = 4; for n = 2^128 l = 1 and v is the low 16
 * octets of v_1.  The inputs (SSV || b, g^r) are secret, so the reduction
 * mod q uses masked subtractions only. */
#include "config.h"

#include <nettle/sha2.h>
#include <string.h>

#include "sakke_int.h"

static void h2ir(uint8_t *v, unsigned l, const uint8_t *s1, size_t l1,
                 const uint8_t *s2, size_t l2)
{
    struct sha256_ctx ctx;
    uint8_t A[SHA256_DIGEST_SIZE], h[SHA256_DIGEST_SIZE];

    sha256_init(&ctx);
    sha256_update(&ctx, l1, s1);
    if (l2)
        sha256_update(&ctx, l2, s2);
    sha256_digest(&ctx, sizeof A, A);
    memset(h, 0, sizeof h);
    for (unsigned i = 0; i < l; i++) {
        sha256_init(&ctx);
        sha256_update(&ctx, sizeof h, h);
        sha256_digest(&ctx, sizeof h, h);
        sha256_init(&ctx);
        sha256_update(&ctx, sizeof h, h);
        sha256_update(&ctx, sizeof A, A);
        sha256_digest(&ctx, SHA256_DIGEST_SIZE, v + (size_t)i * SHA256_DIGEST_SIZE);
    }
    ibc_wipe(A, sizeof A);
    ibc_wipe(&ctx, sizeof ctx);
}

void sakke_hash_q(const sakke_params *sp, mp_limb_t r[SN],
                  const uint8_t *s1, size_t l1, const uint8_t *s2, size_t l2)
{
    uint8_t v[4 * SHA256_DIGEST_SIZE];
    mp_limb_t t[SN], u[SN], qs[SN];

    /* lg(q) is 1021.3, so l = 4 blocks = 1024 bits.  q > 2^1021, so
     * v < 2^1024 < 8q: three masked subtractions of 4q, 2q, q reduce it. */
    h2ir(v, 4, s1, l1, s2, l2);
    limbs_from_be(t, SN, v, sizeof v);
    for (unsigned sh = 3; sh-- > 0;) {
        if (sh)
            mpn_lshift(qs, sp->q, SN, sh); /* 4q < 2^1024: no overflow */
        else
            mpn_copyi(qs, sp->q, SN);
        mp_limb_t bw = mpn_sub_n(u, t, qs, SN);
        ct_cmov(t, u, SN, bw - 1);
    }
    mpn_copyi(r, t, SN);
    ibc_wipe(v, sizeof v);
    ibc_wipe(t, sizeof t);
    ibc_wipe(u, sizeof u);
}

void sakke_hash_mask(uint8_t mask[16], const uint8_t *s, size_t len)
{
    uint8_t v[SHA256_DIGEST_SIZE];

    h2ir(v, 1, s, len, NULL, 0);
    /* v_1 mod 2^128: the least significant 16 octets */
    memcpy(mask, v + 16, 16);
    ibc_wipe(v, sizeof v);
}
