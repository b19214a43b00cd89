/* SPDX-License-Identifier: Apache-2.0 */
/* Helper of tests/integration/km_api.py: checks key material received over
 * KM-UU with lib/ibc, as a receiving client would (RFC 6507 5.1.2: SSK/PVT
 * against KPAK; RFC 6508 6.1.2: RSK against Z), for the given UID.
 *   test_km_keycheck <KPAK> <Z> <UID> <SSK> <PVT> <RSK>     (hex)
 * Exit 0: both valid; 1: a check failed; 2: bad arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ibc/ibc.h"

static int unhex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 0;
}

int main(int argc, char **argv)
{
    uint8_t kpak[65], z[257], uid[32], ssk[32], pvt[65], rsk[257];
    size_t kpak_len, z_len, uid_len, ssk_len, pvt_len, rsk_len;
    if (argc != 7 || unhex(argv[1], kpak, sizeof kpak, &kpak_len)
        || unhex(argv[2], z, sizeof z, &z_len) || unhex(argv[3], uid, sizeof uid, &uid_len)
        || unhex(argv[4], ssk, sizeof ssk, &ssk_len) || unhex(argv[5], pvt, sizeof pvt, &pvt_len)
        || unhex(argv[6], rsk, sizeof rsk, &rsk_len)) {
        fprintf(stderr, "usage: %s KPAK Z UID SSK PVT RSK (hex)\n", argv[0]);
        return 2;
    }
    int e = ibc_eccsi_validate(kpak, kpak_len, uid, uid_len, ssk, ssk_len, pvt, pvt_len, NULL);
    int s = ibc_sakke_validate_rsk(z, z_len, uid, uid_len, rsk, rsk_len);
    printf("eccsi %s\nsakke %s\n", e == 0 ? "valid" : ibc_strerror(e),
           s == 0 ? "valid" : ibc_strerror(s));
    return e == 0 && s == 0 ? 0 : 1;
}
