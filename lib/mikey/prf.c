/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3830 4.1.2 PRF, with HMAC-SHA-1 (MIKEY-1) or HMAC-SHA-256
 * (PRF-HMAC-SHA-256, RFC 6043 6.1):
 *   P(s, label, m) = HMAC(s, A_1 || label) || ... || HMAC(s, A_m || label),
 *   A_0 = label, A_i = HMAC(s, A_{i-1});
 *   PRF(inkey, label) = P(s_1, label, m) XOR ... XOR P(s_n, label, m),
 *   inkey = s_1 || ... || s_n cut into 256-bit pieces (the last may be
 *   shorter), m = ceil(outkey_len / hash_len), output truncated. */
#include <nettle/hmac.h>

#include "mikey_int.h"

#define PIECE 32 /* 256-bit inkey pieces, for both hashes */

struct mac {
    enum mikey_prf_func f;
    union {
        struct hmac_sha1_ctx sha1;
        struct hmac_sha256_ctx sha256;
    } u;
};

static size_t mac_len(enum mikey_prf_func f)
{
    return f == MIKEY_PRF_MIKEY1 ? SHA1_DIGEST_SIZE : SHA256_DIGEST_SIZE;
}

static void mac_key(struct mac *m, const uint8_t *k, size_t n)
{
    if (m->f == MIKEY_PRF_MIKEY1)
        hmac_sha1_set_key(&m->u.sha1, n, k);
    else
        hmac_sha256_set_key(&m->u.sha256, n, k);
}

static void mac_update(struct mac *m, const uint8_t *d, size_t n)
{
    if (m->f == MIKEY_PRF_MIKEY1)
        hmac_sha1_update(&m->u.sha1, n, d);
    else
        hmac_sha256_update(&m->u.sha256, n, d);
}

/* Digest and reset to the keyed state (nettle's digest does the reset). */
static void mac_digest(struct mac *m, uint8_t *out)
{
    if (m->f == MIKEY_PRF_MIKEY1)
        hmac_sha1_digest(&m->u.sha1, SHA1_DIGEST_SIZE, out);
    else
        hmac_sha256_digest(&m->u.sha256, SHA256_DIGEST_SIZE, out);
}

int mikey_prf(enum mikey_prf_func f, const uint8_t *inkey, size_t inkey_len,
              const uint8_t *label, size_t label_len,
              uint8_t *out, size_t out_len)
{
    if (!out)
        return MIKEY_EINVAL;
    if (out_len)
        memset(out, 0, out_len);
    if ((f != MIKEY_PRF_MIKEY1 && f != MIKEY_PRF_HMAC_SHA256) ||
        !inkey || inkey_len == 0 || (!label && label_len))
        return MIKEY_EINVAL;
    size_t hl = mac_len(f);
    struct mac m = {.f = f};
    uint8_t a[SHA256_DIGEST_SIZE], blk[SHA256_DIGEST_SIZE];
    for (size_t k = 0; k < inkey_len; k += PIECE) {
        size_t pl = inkey_len - k < PIECE ? inkey_len - k : PIECE;
        mac_key(&m, inkey + k, pl);
        /* A_1 = HMAC(s, label) */
        mac_update(&m, label, label_len);
        mac_digest(&m, a);
        for (size_t done = 0; done < out_len; done += hl) {
            mac_update(&m, a, hl);
            mac_update(&m, label, label_len);
            mac_digest(&m, blk);
            size_t take = out_len - done < hl ? out_len - done : hl;
            for (size_t i = 0; i < take; i++)
                out[done + i] ^= blk[i];
            mac_update(&m, a, hl); /* A_{i+1} = HMAC(s, A_i) */
            mac_digest(&m, a);
        }
    }
    mikey_wipe(&m, sizeof m);
    mikey_wipe(a, sizeof a);
    mikey_wipe(blk, sizeof blk);
    return MIKEY_OK;
}
