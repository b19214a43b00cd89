/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_gnutls: the default crypto backend of seal/crypto.h. GnuTLS for
 * the standard algorithms (random, SHA-2, HMAC, AES-GCM, ES256, Ed25519),
 * lib/ibc for ECCSI (RFC 6507) and SAKKE (RFC 6508/6509), lib/mikey for the
 * MIKEY PRF (RFC 3830 4.1.2 / RFC 6043 6.1). It keeps no state of its own:
 * every op works on its arguments and the key objects it hands out. */
#include <seal/seal.h>
#include "cg.h"

static const seal_crypto_ops_t ops = {
    .struct_size = sizeof(seal_crypto_ops_t),
    .caps = SEAL_CRYPTO_CAP_RANDOM | SEAL_CRYPTO_CAP_SHA256 | SEAL_CRYPTO_CAP_SHA384
            | SEAL_CRYPTO_CAP_SHA512 | SEAL_CRYPTO_CAP_HMAC | SEAL_CRYPTO_CAP_AES_GCM
            | SEAL_CRYPTO_CAP_KDF_33220 | SEAL_CRYPTO_CAP_MIKEY_PRF | SEAL_CRYPTO_CAP_ES256
            | SEAL_CRYPTO_CAP_EDDSA | SEAL_CRYPTO_CAP_ECCSI | SEAL_CRYPTO_CAP_SAKKE,
    .random = cg_random,
    .hash = cg_hash,
    .hmac = cg_hmac,
    .aes_gcm_seal = cg_gcm_seal,
    .aes_gcm_open = cg_gcm_open,
    .kdf_33220 = cg_kdf_33220,
    .mikey_prf = cg_mikey_prf,
    .key_generate = cg_key_generate,
    .key_import = cg_key_import,
    .key_export_public = cg_key_export_public,
    .key_export_secret = cg_key_export_secret,
    .key_free = cg_key_free,
    .sign = cg_sign,
    .verify = cg_verify,
    .eccsi_issue = cg_eccsi_issue,
    .eccsi_validate = cg_eccsi_validate,
    .eccsi_sign = cg_eccsi_sign,
    .eccsi_verify = cg_eccsi_verify,
    .sakke_issue_rsk = cg_sakke_issue_rsk,
    .sakke_validate_rsk = cg_sakke_validate_rsk,
    .sakke_encap = cg_sakke_encap,
    .sakke_decap = cg_sakke_decap,
};

/* Registers the backend and nothing else: `seald --version` runs this to
 * list the capabilities. */
static seal_status_t cg_init(seal_plugin_t *self)
{
    return seal_crypto_backend_register(self, &ops, NULL, NULL);
}

static const seal_plugin_desc_t desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "crypto_gnutls",
    .version = "0.1.0",
    .description = "GnuTLS/nettle/GMP crypto backend (JOSE, ECCSI, SAKKE)",
    .init = cg_init,
};

SEAL_PLUGIN_EXPORT(desc)
