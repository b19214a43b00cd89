/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for lib/mikey: the I_MESSAGE decoder (no signature check),
 * the canonical re-encoding of whatever it accepts, and the derivations a
 * receiver runs on decoded fields with a fixed GMK: T to key period and
 * UIDs, GUK-ID unmasking, SRTP master key/salt, key parameters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mikey/mikey.h"

static const uint8_t GMK[16] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0,
                                0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};

static int refuse(void *ctx, const uint8_t *msg, size_t len, const uint8_t *sig, size_t n)
{
    (void)ctx; (void)msg; (void)len; (void)sig; (void)n;
    return MIKEY_ESIGN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mikey_key_params kp;
    struct mikey_imsg m;
    if (mikey_imsg_decode(data, size, &m) != MIKEY_OK) {
        /* The same bytes as key-parameter content. */
        mikey_key_params_decode(data, size, &kp);
        return 0;
    }

    /* Whatever decodes re-encodes to the same octets. */
    size_t n = mikey_imsg_encoded_len(&m), len = 0;
    uint8_t *out = malloc(n ? n : 1);
    if (!out)
        return 0;
    if (n != size || mikey_imsg_encode(&m, NULL, NULL, out, n, &len) != MIKEY_OK ||
        len != size || memcmp(out, data, size) != 0)
        abort(); /* a codec bug, not an input error */
    free(out);

    enum mikey_sig_variant var;
    if (mikey_imsg_verify(&m, refuse, NULL, MIKEY_F_SIGN_NO_HDR, &var) != MIKEY_ESIGN)
        abort();

    const struct mikey_kp kper = {2592000, 0};
    uint8_t uid[MIKEY_UID_LEN];
    mikey_imsg_uid(&m, &m.idri, &m.idrkmsi, &kper, MIKEY_F_T_LOW32, uid);
    mikey_imsg_uid(&m, &m.idrr, &m.idrkmsr, &kper, 0, uid);

    uint32_t id;
    mikey_gmk_id_from_guk(GMK, sizeof GMK, m.hdr.csb_id, m.idrr.id.p, m.idrr.id.len, &id);
    uint8_t key[16], salt[12];
    for (unsigned i = 0; i <= m.hdr.n_cs && i < MIKEY_MAX_CS; i++) {
        uint8_t cs_id = m.hdr.map_type == MIKEY_MAP_GENERIC_ID && i < m.hdr.n_cs
                            ? m.hdr.cs[i].cs_id : (uint8_t)i;
        mikey_srtp_master(m.hdr.prf_func, GMK, sizeof GMK, cs_id, m.hdr.csb_id, m.rand.p,
                          m.rand.len, key, sizeof key, salt, sizeof salt);
    }
    const struct mikey_genext *e = mikey_imsg_ext(&m, MIKEY_GENEXT_KEY_PARAMS);
    if (e && mikey_key_params_decode(e->data.p, e->data.len, &kp) == MIKEY_OK) {
        uint8_t buf[1024];
        size_t k = mikey_key_params_encoded_len(&kp);
        if (k != e->data.len ||
            (k <= sizeof buf && (mikey_key_params_encode(&kp, buf, sizeof buf, &len) ||
                                 memcmp(buf, e->data.p, k) != 0)))
            abort();
    }
    for (size_t i = 0; i < m.n_sp; i++)
        mikey_sp_param(&m.sp[i], MIKEY_SRTP_ENC_ALG);
    return 0;
}
