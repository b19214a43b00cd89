/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 F.2.1: MIKEY-SAKKE UID ("3GPP MCX hashed UID", ID scheme 2).
 * S = FC || P0 || L0 || ... || P5 || L5 in the TS 33.220 B.1 layout with the
 * dummy FC 0x00; UID = SHA-256(S).  Only the layout of B.1 is borrowed: the
 * HMAC KDF of B.2 is not applied.  Integers are minimal big-endian octet
 * strings, 0 being a single 0x00 octet. */
#include <stdlib.h>

#include <nettle/sha2.h>

#include "mikey_int.h"

static const char P0[] = "MIKEY-SAKKE-UID";

/* Minimal big-endian octets of v (1..8); 0 is one zero octet. */
static size_t be_min(uint64_t v, uint8_t out[8])
{
    size_t n = 1;
    while (n < 8 && (v >> (8 * n)) != 0)
        n++;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return n;
}

int mikey_uid_input(const uint8_t *uri, size_t uri_len,
                    const uint8_t *kms_uri, size_t kms_uri_len,
                    const struct mikey_kp *kp, uint64_t period_no,
                    uint8_t *s, size_t cap, size_t *s_len)
{
    if (!uri || !kms_uri || !kp || !s_len || (!s && cap) ||
        uri_len == 0 || kms_uri_len == 0 || uri_len > 0xFFFF || kms_uri_len > 0xFFFF)
        return MIKEY_EINVAL;
    uint8_t ints[3][8];
    size_t ilen[3] = {be_min(kp->period, ints[0]), be_min(kp->offset, ints[1]),
                      be_min(period_no, ints[2])};
    const uint8_t *part[6] = {(const uint8_t *)P0, uri, kms_uri, ints[0], ints[1], ints[2]};
    size_t plen[6] = {sizeof P0 - 1, uri_len, kms_uri_len, ilen[0], ilen[1], ilen[2]};
    struct mk_writer w = {s, cap, 0, 0};
    mk_w8(&w, 0x00);
    for (int i = 0; i < 6; i++) {
        mk_wbytes(&w, part[i], plen[i]);
        mk_w16(&w, (uint32_t)plen[i]);
    }
    if (w.err)
        return w.err;
    *s_len = w.off;
    return MIKEY_OK;
}

int mikey_uid(const uint8_t *uri, size_t uri_len,
              const uint8_t *kms_uri, size_t kms_uri_len,
              const struct mikey_kp *kp, uint64_t period_no,
              uint8_t uid[MIKEY_UID_LEN])
{
    if (!uid)
        return MIKEY_EINVAL;
    /* S is at most 1 + 15+2 + 2*(65535+2) + 3*(8+2) octets. */
    size_t cap = 1 + (sizeof P0 - 1) + 2 + uri_len + 2 + kms_uri_len + 2 + 30;
    uint8_t stackbuf[512];
    uint8_t *s = cap <= sizeof stackbuf ? stackbuf : malloc(cap);
    if (!s)
        return MIKEY_ENOMEM;
    size_t n;
    int rc = mikey_uid_input(uri, uri_len, kms_uri, kms_uri_len, kp, period_no, s, cap, &n);
    if (rc == MIKEY_OK) {
        struct sha256_ctx c;
        sha256_init(&c);
        sha256_update(&c, n, s);
        sha256_digest(&c, MIKEY_UID_LEN, uid);
    } else {
        memset(uid, 0, MIKEY_UID_LEN);
    }
    if (s != stackbuf)
        free(s);
    return rc;
}

int mikey_uid_at(const uint8_t *uri, size_t uri_len,
                 const uint8_t *kms_uri, size_t kms_uri_len,
                 const struct mikey_kp *kp, uint64_t ntp_secs,
                 uint8_t uid[MIKEY_UID_LEN])
{
    uint64_t no;
    int rc = mikey_kp_number(kp, ntp_secs, &no);
    if (rc != MIKEY_OK) {
        if (uid)
            memset(uid, 0, MIKEY_UID_LEN);
        return rc;
    }
    return mikey_uid(uri, uri_len, kms_uri, kms_uri_len, kp, no, uid);
}
