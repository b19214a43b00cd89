/* SPDX-License-Identifier: Apache-2.0 */
/* libkekfile: the key-encryption key file of the services that keep
 * wrapped secrets in the store (im's signing keys, km's master secrets and
 * key sets, gm's GMKs). Internal library (never installed). */
#ifndef SEAL_KEKFILE_H
#define SEAL_KEKFILE_H

#include <seal/seal.h>

#define SEAL_KEKFILE_LEN 32

/* Reads the 32-octet KEK from path (64 hex digits, trailing white space
 * allowed). The file must be a regular file that group and others cannot
 * access (SEAL_E_PERM otherwise). When it is absent: with may_create, it is
 * created with mode 0600 from seal_crypto_random (and a notice logged);
 * without, SEAL_E_NOTFOUND is returned and nothing logged, so the caller
 * can say why it must not be made anew. "what" names the setting in
 * messages ("kek_file", "gmk.kek_file"). The key is wiped on failure. */
seal_status_t seal_kekfile_load(seal_plugin_t *self, const char *what, const char *path,
                                int may_create, uint8_t kek[SEAL_KEKFILE_LEN]);

/* seal_kekfile_load that creates the file only while the store namespaces
 * in wrapped_ns (NULL-terminated) are all empty: once they hold what was
 * wrapped under a key, a missing file is a lost key or a wrong path, and a
 * fresh key would silently orphan it all. Then the start fails (SEAL_E_IO)
 * with an error saying to restore the file from its backup; "holds" names
 * what is wrapped ("signing keys and client secrets"). */
seal_status_t seal_kekfile_load_guarded(seal_plugin_t *self, const char *what, const char *path,
                                        const char *const *wrapped_ns, const char *holds,
                                        uint8_t kek[SEAL_KEKFILE_LEN]);

#endif
