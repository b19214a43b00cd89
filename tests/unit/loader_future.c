/* SPDX-License-Identifier: Apache-2.0 */
/* A stand-in for a newer libseal (soname libseal.so.1) that defines a
 * function in version node SEAL_1.99: a plugin linked against it needs
 * SEAL_1.99, which the real libseal lacks, so the host must refuse it at
 * load time with the dynamic linker's reason. */
void seal_future_api(void);
void seal_future_api(void) {}
