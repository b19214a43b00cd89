/* SPDX-License-Identifier: Apache-2.0 */
/* Key IDs and their purpose tags (TS 33.180 E.6.11), GUK-ID (TS 33.180 F.1.3,
 * TS 33.179 E.2) and the CSB ID of an I_MESSAGE.
 *
 * User salt = the 28 least significant bits of KDF(GMK, S) with
 * S = FC || P0 || L0, FC = 0x50, P0 = the receiving user's MC service ID,
 * KDF = TS 33.220 B.2 (HMAC-SHA-256 keyed with the GMK).  Truncating the KDF
 * output to 128 bits first (as the spec does for a 16-octet GMK) keeps the
 * same 28 low bits, so the full output's last octets are used directly. */
#include <stdlib.h>

#include <nettle/hmac.h>

#include "mikey_int.h"

#define GUK_FC 0x50
#define ID_MASK UINT32_C(0x0FFFFFFF)

void mk_hmac_sha256(const uint8_t *key, size_t key_len,
                    const uint8_t *msg, size_t msg_len, uint8_t out[32])
{
    struct hmac_sha256_ctx c;
    hmac_sha256_set_key(&c, key_len, key);
    hmac_sha256_update(&c, msg_len, msg);
    hmac_sha256_digest(&c, SHA256_DIGEST_SIZE, out);
    mikey_wipe(&c, sizeof c);
}

int mikey_key_id_new(unsigned purpose, mikey_random_fn *rnd, void *rctx, uint32_t *key_id)
{
    if (!key_id)
        return MIKEY_EINVAL;
    *key_id = 0;
    if (!rnd || purpose > 15)
        return MIKEY_EINVAL;
    uint8_t b[4];
    rnd(rctx, sizeof b, b);
    *key_id = (uint32_t)purpose << 28 | (mk_get32(b) & ID_MASK);
    return MIKEY_OK;
}

int mikey_user_salt(const uint8_t *gmk, size_t gmk_len,
                    const uint8_t *uri, size_t uri_len, uint32_t *salt)
{
    if (!salt)
        return MIKEY_EINVAL;
    *salt = 0;
    if (!gmk || gmk_len == 0 || !uri || uri_len == 0 || uri_len > 0xFFFF)
        return MIKEY_EINVAL;
    uint8_t stackbuf[256];
    size_t n = 1 + uri_len + 2;
    uint8_t *s = n <= sizeof stackbuf ? stackbuf : malloc(n);
    if (!s)
        return MIKEY_ENOMEM;
    s[0] = GUK_FC;
    memcpy(s + 1, uri, uri_len);
    mk_put16(s + 1 + uri_len, (uint32_t)uri_len);
    uint8_t mac[32];
    mk_hmac_sha256(gmk, gmk_len, s, n, mac);
    *salt = mk_get32(mac + 28) & ID_MASK;
    mikey_wipe(mac, sizeof mac);
    if (s != stackbuf)
        free(s);
    return MIKEY_OK;
}

int mikey_guk_id(const uint8_t *gmk, size_t gmk_len, uint32_t gmk_id,
                 const uint8_t *uri, size_t uri_len, uint32_t *guk_id)
{
    if (!guk_id)
        return MIKEY_EINVAL;
    uint32_t salt;
    int rc = mikey_user_salt(gmk, gmk_len, uri, uri_len, &salt);
    *guk_id = rc == MIKEY_OK ? gmk_id ^ salt : 0;
    return rc;
}

int mikey_gmk_id_from_guk(const uint8_t *gmk, size_t gmk_len, uint32_t guk_id,
                          const uint8_t *uri, size_t uri_len, uint32_t *gmk_id)
{
    /* XOR with the salt is its own inverse; the purpose tag is untouched. */
    return mikey_guk_id(gmk, gmk_len, guk_id, uri, uri_len, gmk_id);
}

int mikey_csb_id(const uint8_t *key, size_t key_len, uint32_t key_id,
                 const uint8_t *uri, size_t uri_len, uint32_t *csb_id)
{
    if (!csb_id)
        return MIKEY_EINVAL;
    if (mikey_key_id_purpose(key_id) == MIKEY_PURPOSE_GMK)
        return mikey_guk_id(key, key_len, key_id, uri, uri_len, csb_id);
    *csb_id = key_id;
    return MIKEY_OK;
}
