/* SPDX-License-Identifier: Apache-2.0 */
/* libmikey status codes and the wipe helper. */
#include "mikey.h"

const char *mikey_strerror(int status)
{
    switch (status) {
    case MIKEY_OK: return "success";
    case MIKEY_EINVAL: return "invalid argument";
    case MIKEY_ETRUNC: return "MIKEY message truncated inside a payload";
    case MIKEY_ETRAILING: return "bytes after the MIKEY SIGN payload";
    case MIKEY_EVERSION: return "unsupported MIKEY version";
    case MIKEY_EDATATYPE: return "MIKEY data type is not a SAKKE I_MESSAGE";
    case MIKEY_EPAYLOAD: return "unknown or unsupported MIKEY payload type";
    case MIKEY_EORDER: return "MIKEY payload out of order";
    case MIKEY_EDUP: return "MIKEY payload or field repeated";
    case MIKEY_EMISSING: return "required MIKEY payload missing";
    case MIKEY_EFIELD: return "unsupported value in a MIKEY field";
    case MIKEY_ELIMIT: return "more MIKEY entries than supported";
    case MIKEY_ESIGN: return "MIKEY signature does not verify";
    case MIKEY_ESAKKE: return "SAKKE decapsulation failed";
    case MIKEY_ECRYPTO: return "key material refused by the crypto back end";
    case MIKEY_ENOMEM: return "out of memory";
    case MIKEY_ESPACE: return "output buffer too small";
    case MIKEY_ERANGE: return "time or value out of range";
    case MIKEY_EIDENTITY: return "MIKEY identity differs from the expected one";
    default: return "unknown MIKEY status";
    }
}

void mikey_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}
