/* SPDX-License-Identifier: Apache-2.0 */
/* A member's side of a GMK I_MESSAGE, for the integration tests
 * (tests/integration/gmk_*.py): decodes the message with lib/mikey, checks
 * that it names the member and the KMS, verifies the GMS's ECCSI signature
 * under the KPAK and decapsulates the GMK with the member's RSK (TS 33.180
 * 5.7, RFC 6509). Prints one line
 *   gmk=<hex> gmk_id=<hex> csb_id=<hex> period=<n> idri=<GMS URI>
 * and exits 0, or prints the reason and exits 1.
 *
 * usage: test_gmk_decode MEMBER_URI KMS_URI PERIOD OFFSET Z_HEX KPAK_HEX
 *                        RSK_HEX IMESSAGE_BASE64 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mikey/mikey.h"

static int unhex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static size_t unb64(const char *s, uint8_t *out, size_t cap)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    uint32_t v = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        const char *p = strchr(a, *s);
        if (!p || o >= cap)
            return 0;
        v = v << 6 | (uint32_t)(p - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(v >> bits);
        }
    }
    return o;
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: %s MEMBER_URI KMS_URI PERIOD OFFSET Z_HEX KPAK_HEX RSK_HEX "
                "IMESSAGE_BASE64\n", argv[0]);
        return 2;
    }
    static uint8_t z[257], kpak[65], rsk[257], msg[4096];
    if (unhex(argv[5], z, sizeof z) || unhex(argv[6], kpak, sizeof kpak) ||
        unhex(argv[7], rsk, sizeof rsk)) {
        printf("bad hex argument\n");
        return 2;
    }
    size_t len = unb64(argv[8], msg, sizeof msg);
    if (!len) {
        printf("bad base64 message\n");
        return 1;
    }
    struct mikey_kms kms = {
        (const uint8_t *)argv[2], strlen(argv[2]),
        { strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10) },
        kpak, sizeof kpak, z, sizeof z,
    };
    struct mikey_gmk_recv rp = { (const uint8_t *)argv[1], strlen(argv[1]), &kms, rsk,
                                 sizeof rsk, &kms, 0 };
    struct mikey_imsg m;
    struct mikey_gmk_result res;
    int rc = mikey_gmk_imessage_receive(msg, len, &rp, &m, &res);
    if (rc != MIKEY_OK) {
        printf("refused: %s\n", mikey_strerror(rc));
        return 1;
    }
    printf("gmk=");
    for (size_t i = 0; i < sizeof res.key; i++)
        printf("%02x", res.key[i]);
    printf(" gmk_id=%08x csb_id=%08x period=%llu idri=%.*s\n", res.key_id, res.csb_id,
           (unsigned long long)res.period_no, (int)m.idri.id.len, (const char *)m.idri.id.p);
    mikey_wipe(&res, sizeof res);
    mikey_wipe(rsk, sizeof rsk);
    return 0;
}
