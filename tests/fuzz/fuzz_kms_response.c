/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target of seal-client's parsers of what servers send: the
 * KmsResponse XML of a KMS (TS 33.180 Annex D.3, client/kms_xml.c) and the
 * GM-UU list of pending I_MESSAGEs (client/gmuu_json.c).  Every input goes
 * through both; each must refuse or accept without a crash, a leak or an
 * unbounded allocation, and an accepted response must hold what the
 * parser promises (exact key sizes, bounded counts). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    kmc_resp_t r;
    /* without keys, then as a client holding a TrK and an InK (the
     * signature and decryption paths of TS 33.180 D.1) */
    static const uint8_t key[KMC_SEC_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    const kmc_seckeys_t sec = { key, key };
    for (int pass = 0; pass < 2; pass++) {
        if (kmc_xml_parse((const char *)data, size, pass ? &sec : NULL, &r, err,
                          sizeof err) == 0) {
            if (!r.kms_uri || r.n_sets > KMC_MAX_KEYSETS ||
                (r.msg == KMC_MSG_INIT && (!r.cert.kms_uri || r.cert.parameter_set > 255)))
                abort();
            for (size_t i = 0; i < r.n_sets; i++)
                if (!r.sets[i].user_uri || !r.sets[i].kms_uri)
                    abort();
            kmc_resp_free(&r);
        } else if (err[0] == '\0') {
            abort();    /* a refusal always says why */
        }
    }
    kmc_gmk_msg_t *m;
    size_t n;
    if (kmc_gmuu_parse((const char *)data, size, &m, &n, err, sizeof err) == 0) {
        if (n > KMC_MAX_MESSAGES)
            abort();
        for (size_t i = 0; i < n; i++)
            if (!m[i].id || !m[i].data || m[i].len == 0 || m[i].len > KMC_IMSG_MAX)
                abort();
        kmc_gmuu_free(m, n);
    } else if (err[0] == '\0') {
        abort();
    }
    return 0;
}
