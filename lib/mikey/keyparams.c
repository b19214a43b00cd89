/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 E.6.1 Table E.6.1-1: content of the "Key Parameters" payload,
 * information elements in the MONP format of TS 24.379 Annex I:
 *   Key Type        V      1   (E.6.11)
 *   Status          V      4   (E.6.9)
 *   Activation Time V      5   (E.6.4)
 *   Expiry Time     V      5   (E.6.10)
 *   Text            LV-E   2+x (E.6.5)
 *   Group IDs       LV-E   2+x (E.6.3, kept opaque)
 * Anything after Group IDs is kept as opaque further elements, as MONP
 * receivers skip elements they do not know. */
#include "mikey_int.h"

#define FIXED_LEN (1 + 4 + 5 + 5)

static uint64_t get40(const uint8_t *p)
{
    return (uint64_t)p[0] << 32 | mk_get32(p + 1);
}

static void put40(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t)(v >> 32);
    mk_put32(p + 1, (uint32_t)v);
}

int mikey_key_params_decode(const uint8_t *buf, size_t len, struct mikey_key_params *kp)
{
    if (!kp)
        return MIKEY_EINVAL;
    memset(kp, 0, sizeof *kp);
    if (!buf && len)
        return MIKEY_EINVAL;
    struct mk_reader r = {buf, len, 0};
    struct mikey_view fixed;
    uint32_t n;
    int rc = mk_bytes(&r, FIXED_LEN, &fixed);
    if (rc == MIKEY_OK)
        rc = mk_u16(&r, &n);
    if (rc == MIKEY_OK)
        rc = mk_bytes(&r, n, &kp->text);
    if (rc == MIKEY_OK)
        rc = mk_u16(&r, &n);
    if (rc == MIKEY_OK)
        rc = mk_bytes(&r, n, &kp->group_ids);
    if (rc != MIKEY_OK) {
        memset(kp, 0, sizeof *kp);
        return rc;
    }
    kp->key_type = fixed.p[0];
    kp->status = mk_get32(fixed.p + 1);
    kp->activation = get40(fixed.p + 5);
    kp->expiry = get40(fixed.p + 10);
    kp->extra.p = buf + r.off;
    kp->extra.len = mk_left(&r);
    return MIKEY_OK;
}

size_t mikey_key_params_encoded_len(const struct mikey_key_params *kp)
{
    if (!kp || kp->text.len > 0xFFFF || kp->group_ids.len > 0xFFFF ||
        kp->activation > MIKEY_KP_TIME_MAX || kp->expiry > MIKEY_KP_TIME_MAX ||
        (kp->text.len && !kp->text.p) || (kp->group_ids.len && !kp->group_ids.p) ||
        (kp->extra.len && !kp->extra.p))
        return 0;
    return FIXED_LEN + 2 + kp->text.len + 2 + kp->group_ids.len + kp->extra.len;
}

int mikey_key_params_encode(const struct mikey_key_params *kp, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    if (!out_len)
        return MIKEY_EINVAL;
    *out_len = 0;
    size_t n = mikey_key_params_encoded_len(kp);
    if (n == 0)
        return MIKEY_EINVAL;
    if (!out || cap < n)
        return MIKEY_ESPACE;
    uint8_t fixed[FIXED_LEN];
    fixed[0] = kp->key_type;
    mk_put32(fixed + 1, kp->status);
    put40(fixed + 5, kp->activation);
    put40(fixed + 10, kp->expiry);
    struct mk_writer w = {out, cap, 0, 0};
    mk_wbytes(&w, fixed, sizeof fixed);
    mk_w16(&w, (uint32_t)kp->text.len);
    mk_wbytes(&w, kp->text.p, kp->text.len);
    mk_w16(&w, (uint32_t)kp->group_ids.len);
    mk_wbytes(&w, kp->group_ids.p, kp->group_ids.len);
    mk_wbytes(&w, kp->extra.p, kp->extra.len);
    if (w.err)
        return w.err;
    *out_len = w.off;
    return MIKEY_OK;
}
