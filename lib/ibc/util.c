/* SPDX-License-Identifier: Apache-2.0 */
/* Status strings of libibc. */
#include "config.h"

#include "ibc.h"

const char *ibc_strerror(int status)
{
    switch (status) {
    case IBC_OK: return "success";
    case IBC_EINVAL: return "invalid argument";
    case IBC_EENCODING: return "malformed encoding";
    case IBC_EPOINT: return "point not on the curve or at infinity";
    case IBC_ERANGE: return "scalar out of range";
    case IBC_EVERIFY: return "verification failed";
    case IBC_EDECAP: return "encapsulated data failed its integrity check";
    case IBC_ENOMEM: return "out of memory";
    case IBC_ENONCE: return "unusable nonce";
    default: return "unknown error";
    }
}
