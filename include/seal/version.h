/* SPDX-License-Identifier: Apache-2.0 */
/* seal/version.h: the plugin ABI version (set by hand, never the package version). */
#ifndef SEAL_VERSION_H
#define SEAL_VERSION_H

/* A plugin built against ABI major M, minor m loads into a host of the same
 * major and a minor >= m. Bump MINOR when appending (functions in a new
 * version-script node, fields at the end of a size-tagged struct); bump MAJOR
 * only for an incompatible change (see doc/plugin-abi.md). */
#define SEAL_ABI_MAJOR 1
#define SEAL_ABI_MINOR 1

/* True when the headers being compiled against offer at least ABI maj.min. */
#define SEAL_ABI_AT_LEAST(maj, min) \
    (SEAL_ABI_MAJOR == (maj) && SEAL_ABI_MINOR >= (min))

#ifdef __cplusplus
extern "C" {
#endif

/* The package version of the running libseal, e.g. "0.1.0". */
const char *seal_version_string(void);
/* The ABI version of the running libseal. */
void seal_abi_version(unsigned *major, unsigned *minor);

#ifdef __cplusplus
}
#endif
#endif
