/* SPDX-License-Identifier: Apache-2.0 */
/* The key-encryption key (KEK) of the key management server and the
 * wrapping of every secret the KMS stores: the master secrets (KSAK, z) and
 * the issued SSKs and RSKs. AES-256-GCM through the crypto ABI, a fresh
 * random 96-bit IV per blob, and the record's identity as additional data so
 * a blob cannot be moved to another record.
 *
 * The KEK file ("master_key_file") holds 64 hex digits. It is created with
 * mode 0600 at the first start only (when the store holds no master key
 * yet); a KMS whose store has master keys refuses to start without it,
 * rather than making a new KEK that cannot unwrap them. A file that group
 * or others may access is refused.
 *
 * With master_key_pkcs11 the KEK is instead an AES-256 key inside a PKCS#11
 * token (lib/p11kek): the token wraps and unwraps, and the key never
 * leaves it. It is generated in the token under the same rule as the file
 * (first start only). The blobs have the same layout either way. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kekfile/kekfile.h"
#ifdef HAVE_P11KIT
#include "p11kek/p11kek.h"
#endif
#include "km_int.h"

#ifdef HAVE_P11KIT
static seal_status_t token_load(km_ctx_t *c, int may_create)
{
    seal_p11kek_conf_t pc = { c->p11_module, c->p11_token, c->p11_pin_file, c->p11_key_label };
    seal_status_t st = seal_p11kek_open(c->self, "master_key_pkcs11", &pc, may_create,
                                        &c->p11kek);
    if (st == SEAL_E_NOTFOUND) {
        seal_log(c->self, SEAL_LOG_ERR, "master_key_pkcs11: token \"%s\" has no key "
                 "\"%s\" but the store holds wrapped master keys: restore the token from its "
                 "backup", c->p11_token, c->p11_key_label);
        return SEAL_E_IO;
    }
    return st;
}
#endif

seal_status_t km_kek_load(km_ctx_t *c, int may_create)
{
#ifdef HAVE_P11KIT
    if (c->p11_module)
        return token_load(c, may_create);
#endif
    seal_status_t st = seal_kekfile_load(c->self, "master_key_file", c->master_key_file,
                                         may_create, c->kek);
    if (st == SEAL_E_NOTFOUND) {
        seal_log(c->self, SEAL_LOG_ERR, "master_key_file %s is missing but the store holds "
                 "wrapped master keys: restore the file from its backup", c->master_key_file);
        return SEAL_E_IO;
    }
    return st;
}

void km_kek_free(km_ctx_t *c)
{
#ifdef HAVE_P11KIT
    seal_p11kek_close(c->p11kek);
#endif
    c->p11kek = NULL;
    explicit_bzero(c->kek, sizeof c->kek);
}

static seal_status_t kek_seal(km_ctx_t *c, const uint8_t *iv, const char *aad,
                              const uint8_t *pt, size_t len, uint8_t *out, size_t out_size)
{
#ifdef HAVE_P11KIT
    if (c->p11kek)
        return seal_p11kek_seal(c->p11kek, iv, SEAL_CRYPTO_GCM_IV_LEN, aad, strlen(aad), pt,
                                len, out);
#endif
    return seal_crypto_aes_gcm_seal(c->self, c->kek, KM_KEK_LEN, iv, SEAL_CRYPTO_GCM_IV_LEN,
                                    aad, strlen(aad), pt, len, out, out_size);
}

static seal_status_t kek_open(km_ctx_t *c, const uint8_t *iv, const char *aad,
                              const uint8_t *ct, size_t ct_len, uint8_t *pt, size_t len)
{
#ifdef HAVE_P11KIT
    if (c->p11kek)
        return seal_p11kek_unseal(c->p11kek, iv, SEAL_CRYPTO_GCM_IV_LEN, aad, strlen(aad), ct,
                                  ct_len, pt);
#endif
    return seal_crypto_aes_gcm_open(c->self, c->kek, KM_KEK_LEN, iv, SEAL_CRYPTO_GCM_IV_LEN,
                                    aad, strlen(aad), ct, ct_len, pt, len);
}

seal_status_t km_wrap(km_ctx_t *c, const char *aad, const uint8_t *pt, size_t len, char **hex)
{
    size_t blob_len = SEAL_CRYPTO_GCM_IV_LEN + len + SEAL_CRYPTO_GCM_TAG_LEN;
    uint8_t *blob = malloc(blob_len);
    *hex = malloc(2 * blob_len + 1);
    seal_status_t st = blob && *hex ? SEAL_OK : SEAL_E_NOMEM;
    if (st == SEAL_OK)
        st = seal_crypto_random(c->self, blob, SEAL_CRYPTO_GCM_IV_LEN);
    if (st == SEAL_OK)
        st = kek_seal(c, blob, aad, pt, len, blob + SEAL_CRYPTO_GCM_IV_LEN,
                      blob_len - SEAL_CRYPTO_GCM_IV_LEN);
    if (st == SEAL_OK)
        km_hex(blob, blob_len, *hex);
    if (blob)
        explicit_bzero(blob, blob_len);
    free(blob);
    if (st != SEAL_OK) {
        free(*hex);
        *hex = NULL;
    }
    return st;
}

seal_status_t km_unwrap(km_ctx_t *c, const char *aad, const char *hex, uint8_t *pt, size_t len)
{
    size_t blob_len = SEAL_CRYPTO_GCM_IV_LEN + len + SEAL_CRYPTO_GCM_TAG_LEN;
    uint8_t *blob = malloc(blob_len);
    if (!blob)
        return SEAL_E_NOMEM;
    seal_status_t st = km_unhex(hex, blob, blob_len) == 0 ? SEAL_OK : SEAL_E_IO;
    if (st == SEAL_OK)
        st = kek_open(c, blob, aad, blob + SEAL_CRYPTO_GCM_IV_LEN,
                      blob_len - SEAL_CRYPTO_GCM_IV_LEN, pt, len);
    explicit_bzero(blob, blob_len);
    free(blob);
    return st;
}
