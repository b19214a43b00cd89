/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for lib/ibc's importers and validators: everything that
 * parses key material or messages received from elsewhere.  The first
 * octet picks the entry point; the rest is its input, at whatever length
 * the fuzzer chooses.  Fixed keys are the RFC 6507 / RFC 6508 community
 * keys and user keys, so mutated copies of valid inputs reach deep. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ibc.h"

static const uint8_t KPAK[65] = {
    0x04, 0x50, 0xD4, 0x67, 0x0B, 0xDE, 0x75, 0x24, 0x4F, 0x28, 0xD2, 0x83, 0x8A, 0x0D, 0x25, 0x55,
    0x8A, 0x7A, 0x72, 0x68, 0x6D, 0x45, 0x22, 0xD4, 0xC8, 0x27, 0x3F, 0xB6, 0x44, 0x2A, 0xEB, 0xFA,
    0x93, 0xDB, 0xDD, 0x37, 0x55, 0x1A, 0xFD, 0x26, 0x3B, 0x5D, 0xFD, 0x61, 0x7F, 0x39, 0x60, 0xC6,
    0x5A, 0x8C, 0x29, 0x88, 0x50, 0xFF, 0x99, 0xF2, 0x03, 0x66, 0xDC, 0xE7, 0xD4, 0x36, 0x72, 0x17,
    0xF4 };
/* "2011-02\0tel:+447700900123\0", the identity of both RFC examples */
static const uint8_t ID[26] = "2011-02\0tel:+447700900123";
static const uint8_t MSG[8] = "message";
static const uint8_t SSV[16] = { 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0,
                                 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0 };
/* RFC 6508 master secret z; Z and the RSK are derived from it once */
static const uint8_t Z_SECRET[20] = { 0xAF, 0xF4, 0x29, 0xD3, 0x5F, 0x84, 0xB1, 0x10, 0xD0, 0x94,
                                      0x80, 0x3B, 0x35, 0x95, 0xA6, 0xE2, 0x99, 0x8B, 0xC9, 0x9F };

struct keys {
    uint8_t Z[IBC_SAKKE_POINT_LEN], rsk[IBC_SAKKE_POINT_LEN];
    ibc_sakke_receiver *recv;
};

static const struct keys *keys(void)
{
    static struct keys k; /* the harness's own cache, not library state */
    static int ready;
    if (!ready) {
        if (ibc_sakke_kms_public(Z_SECRET, sizeof Z_SECRET, k.Z) != IBC_OK ||
            ibc_sakke_issue_rsk(Z_SECRET, sizeof Z_SECRET, ID, sizeof ID, k.rsk) != IBC_OK ||
            ibc_sakke_receiver_new(&k.recv, k.Z, sizeof k.Z, ID, sizeof ID, k.rsk,
                                   sizeof k.rsk) != IBC_OK)
            abort(); /* the library fails its own known answers */
        ready = 1;
    }
    return &k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t hs[IBC_ECCSI_HASH_LEN], ssv[IBC_SAKKE_SSV_LEN], ed[IBC_SAKKE_ED_LEN];
    const struct keys *k;

    if (size < 1)
        return 0;
    const uint8_t *in = data + 1;
    size_t n = size - 1, cut;

    switch (data[0] % 8) {
    case 0: /* signature from the wire */
        (void)ibc_eccsi_verify(KPAK, sizeof KPAK, ID, sizeof ID, MSG, sizeof MSG, in, n);
        break;
    case 1: /* KPAK (first 65 octets) and signature */
        cut = n < 65 ? n : 65;
        (void)ibc_eccsi_verify(in, cut, ID, sizeof ID, MSG, sizeof MSG, in + cut, n - cut);
        break;
    case 2: /* SSK (first 32 octets) and PVT from a KMS */
        cut = n < 32 ? n : 32;
        (void)ibc_eccsi_validate(KPAK, sizeof KPAK, ID, sizeof ID, in, cut, in + cut, n - cut, hs);
        break;
    case 3: /* RSK from a KMS */
        k = keys();
        (void)ibc_sakke_validate_rsk(k->Z, sizeof k->Z, ID, sizeof ID, in, n);
        break;
    case 4: /* encapsulated data, one-shot */
        k = keys();
        (void)ibc_sakke_decap(k->Z, sizeof k->Z, ID, sizeof ID, k->rsk, sizeof k->rsk, in, n, ssv);
        break;
    case 5: /* encapsulated data, precomputed receiver */
        k = keys();
        (void)ibc_sakke_receiver_decap(k->recv, in, n, ssv);
        break;
    case 6: /* KMS public key Z from a certificate, then the identity */
        cut = n < IBC_SAKKE_POINT_LEN ? n : IBC_SAKKE_POINT_LEN;
        if (ibc_sakke_encap(in, cut, in + cut, n - cut, SSV, NULL, NULL, ssv, ed) == IBC_OK) {
            /* whatever Z was, a successful encapsulation is well formed */
            if (ed[0] != 0x04 || memcmp(ssv, SSV, sizeof SSV) != 0)
                abort();
        }
        break;
    default: /* identity of any length for a signature check */
        (void)ibc_eccsi_verify(KPAK, sizeof KPAK, in, n, MSG, sizeof MSG, in, n);
        break;
    }
    return 0;
}
