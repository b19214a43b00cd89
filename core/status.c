/* SPDX-License-Identifier: Apache-2.0 */
/* Status texts, seal_free and the version queries of seal/types.h and
 * seal/version.h. */
#include <stdlib.h>
#include <seal/types.h>
#include <seal/version.h>

const char *seal_strerror(seal_status_t st)
{
    switch (st) {
    case SEAL_OK:            return "success";
    case SEAL_DECLINED:      return "declined";
    case SEAL_E_GENERIC:     return "failure";
    case SEAL_E_NOMEM:       return "out of memory";
    case SEAL_E_INVAL:       return "invalid argument or input";
    case SEAL_E_NOTFOUND:    return "not found";
    case SEAL_E_EXISTS:      return "already exists";
    case SEAL_E_CONFLICT:    return "revision conflict";
    case SEAL_E_AGAIN:       return "resource busy, try again";
    case SEAL_E_ABI:         return "plugin ABI mismatch";
    case SEAL_E_IO:          return "input/output error";
    case SEAL_E_PERM:        return "permission denied";
    case SEAL_E_STATE:       return "not allowed in this phase";
    case SEAL_E_UNSUPPORTED: return "not supported";
    case SEAL_E_CRYPTO:      return "cryptographic failure";
    case SEAL_E_TIMEOUT:     return "timed out";
    case SEAL_E_CONFIG:      return "configuration error";
    case SEAL_E_TOOBIG:      return "too big";
    case SEAL_E_UNAUTH:      return "not authenticated";
    default:                 return "unknown status";
    }
}

void seal_free(void *ptr)
{
    free(ptr);
}

const char *seal_version_string(void)
{
    return SEAL_PACKAGE_VERSION;
}

void seal_abi_version(unsigned *major, unsigned *minor)
{
    if (major) *major = SEAL_ABI_MAJOR;
    if (minor) *minor = SEAL_ABI_MINOR;
}
