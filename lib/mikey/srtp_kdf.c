/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3830 4.1.3 / 4.1.4: keys of a crypto session from the TGK (here the
 * GMK or PCK, TS 33.179 7.3): PRF(TGK, const || CS ID || CSB ID || RAND),
 * with the TEK constant for the SRTP master key and the salt constant for
 * the master salt. */
#include "mikey_int.h"

#define RAND_MAX_LEN 255

int mikey_derive(enum mikey_prf_func f, const uint8_t *tgk, size_t tgk_len,
                 uint32_t constant, uint8_t cs_id, uint32_t csb_id,
                 const uint8_t *rand, size_t rand_len,
                 uint8_t *out, size_t out_len)
{
    if (!rand || rand_len == 0 || rand_len > RAND_MAX_LEN) {
        if (out && out_len)
            memset(out, 0, out_len);
        return MIKEY_EINVAL;
    }
    uint8_t label[4 + 1 + 4 + RAND_MAX_LEN];
    mk_put32(label, constant);
    label[4] = cs_id;
    mk_put32(label + 5, csb_id);
    memcpy(label + 9, rand, rand_len);
    return mikey_prf(f, tgk, tgk_len, label, 9 + rand_len, out, out_len);
}

int mikey_srtp_master(enum mikey_prf_func f, const uint8_t *key, size_t key_len,
                      uint8_t cs_id, uint32_t csb_id,
                      const uint8_t *rand, size_t rand_len,
                      uint8_t *master_key, size_t master_key_len,
                      uint8_t *master_salt, size_t master_salt_len)
{
    if (!master_key || !master_salt || master_key_len == 0)
        return MIKEY_EINVAL;
    int rc = mikey_derive(f, key, key_len, MIKEY_KDF_TEK, cs_id, csb_id, rand, rand_len,
                          master_key, master_key_len);
    if (rc == MIKEY_OK)
        rc = mikey_derive(f, key, key_len, MIKEY_KDF_SALT, cs_id, csb_id, rand, rand_len,
                          master_salt, master_salt_len);
    if (rc != MIKEY_OK) {
        mikey_wipe(master_key, master_key_len);
        mikey_wipe(master_salt, master_salt_len);
    }
    return rc;
}
