/* SPDX-License-Identifier: Apache-2.0 */
/* libp11kek: a key-encryption key that never leaves a PKCS#11 token. The
 * wrapping (AES-256-GCM) runs inside the token; the process only ever sees
 * the wrapped blobs and the secrets it asks to wrap or unwrap. For km's
 * master secrets and issued keys (TS 33.434 5.3: "kept in a PKCS#11
 * token"); tested with SoftHSM2. Internal library (never installed).
 *
 * GnuTLS, the crypto backend, reaches PKCS#11 only for private-key
 * signing and decryption, not for symmetric keys, so this talks to the
 * module directly (p11-kit loads it). */
#ifndef SEAL_P11KEK_H
#define SEAL_P11KEK_H

#include <seal/seal.h>

typedef struct seal_p11kek seal_p11kek_t;

typedef struct seal_p11kek_conf {
    const char *module;      /* the PKCS#11 module (a shared object path) */
    const char *token;       /* the token's label */
    const char *pin_file;    /* the user PIN; a file group and others cannot read */
    const char *key_label;   /* the AES key's CKA_LABEL */
} seal_p11kek_conf_t;

/* Loads the module, finds the token by label, logs in with the PIN and
 * finds the AES key by label. When the key is absent: with may_create it is
 * generated in the token (AES-256, CKA_SENSITIVE, not extractable, a token
 * object) and a notice is logged; without, SEAL_E_NOTFOUND and nothing is
 * logged, so the caller can say why it must not be made anew. Other errors
 * are logged, naming "what" (the configuration key). */
seal_status_t seal_p11kek_open(seal_plugin_t *self, const char *what,
                               const seal_p11kek_conf_t *conf, int may_create,
                               seal_p11kek_t **out);

/* AES-256-GCM in the token with a 12-octet iv and a 16-octet tag: out
 * receives ciphertext || tag (pt_len + 16 octets). Thread-safe. */
seal_status_t seal_p11kek_seal(seal_p11kek_t *k, const uint8_t *iv, size_t iv_len,
                               const void *aad, size_t aad_len, const void *pt, size_t pt_len,
                               uint8_t *out);

/* The reverse: ct is ciphertext || tag (ct_len >= 16); out receives
 * ct_len - 16 octets. SEAL_E_CRYPTO when the tag does not verify (out is
 * zeroed). Thread-safe. */
seal_status_t seal_p11kek_unseal(seal_p11kek_t *k, const uint8_t *iv, size_t iv_len,
                                 const void *aad, size_t aad_len, const void *ct, size_t ct_len,
                                 uint8_t *out);

/* Logs out, closes the session and unloads the module (NULL is fine). */
void seal_p11kek_close(seal_p11kek_t *k);

#endif
