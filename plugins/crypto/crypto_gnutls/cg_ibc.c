/* SPDX-License-Identifier: Apache-2.0 */
/* ECCSI (RFC 6507) and SAKKE (RFC 6508, RFC 6509 parameter set 1) keys and
 * operations: thin wrappers over lib/ibc, the one copy of both algorithms,
 * with GnuTLS's generator as its random source. */
#include <stdlib.h>
#include <string.h>
#include "cg.h"

/* Errors on the KMS's own material or the caller's arguments. */
static seal_status_t st_local(int rc)
{
    return rc == IBC_OK ? SEAL_OK : rc == IBC_ENOMEM ? SEAL_E_NOMEM : SEAL_E_INVAL;
}

/* The ibc call's status, unless the random source failed. */
static seal_status_t with_rng(seal_status_t st, int rng_failed)
{
    return rng_failed ? SEAL_E_CRYPTO : st;
}

seal_status_t cg_ibc_generate(int type, cg_key **out)
{
    *out = NULL;
    if (type != SEAL_CRYPTO_KEY_ECCSI_KMS && type != SEAL_CRYPTO_KEY_SAKKE_KMS)
        return SEAL_E_INVAL;
    cg_key *k = cg_key_new(type);
    if (!k) return SEAL_E_NOMEM;
    k->priv = 1;
    int fail = 0, rc;
    if (type == SEAL_CRYPTO_KEY_ECCSI_KMS) {
        k->sec_len = IBC_ECCSI_SCALAR_LEN;
        k->pub_len = IBC_ECCSI_POINT_LEN;
        rc = ibc_eccsi_kms_keygen(cg_ibc_random, &fail, k->sec, k->pub);
    } else {
        k->sec_len = IBC_SAKKE_SCALAR_LEN;
        k->pub_len = IBC_SAKKE_POINT_LEN;
        rc = ibc_sakke_kms_keygen(cg_ibc_random, &fail, k->sec, k->pub);
    }
    seal_status_t st = with_rng(st_local(rc), fail);
    if (st != SEAL_OK) {
        cg_key_free(NULL, k);
        return st;
    }
    *out = k;
    return SEAL_OK;
}

seal_status_t cg_ibc_import(int type, const uint8_t *data, size_t len, cg_key **out)
{
    *out = NULL;
    if (type == SEAL_CRYPTO_KEY_ECCSI_KMS ? len != IBC_ECCSI_SCALAR_LEN
        : type == SEAL_CRYPTO_KEY_SAKKE_KMS ? len == 0 || len > IBC_SAKKE_SCALAR_LEN
        : 1)
        return SEAL_E_INVAL;
    cg_key *k = cg_key_new(type);
    if (!k) return SEAL_E_NOMEM;
    k->priv = 1;
    int rc;
    if (type == SEAL_CRYPTO_KEY_ECCSI_KMS) {
        k->sec_len = IBC_ECCSI_SCALAR_LEN;
        k->pub_len = IBC_ECCSI_POINT_LEN;
        memcpy(k->sec, data, len);
        rc = ibc_eccsi_kms_public(k->sec, k->sec_len, k->pub);   /* KSAK in [1, q-1] */
    } else {
        /* z is kept as 128 octets, so that exports have one length. */
        k->sec_len = IBC_SAKKE_SCALAR_LEN;
        k->pub_len = IBC_SAKKE_POINT_LEN;
        memcpy(k->sec + k->sec_len - len, data, len);
        rc = ibc_sakke_kms_public(k->sec, k->sec_len, k->pub);   /* z in [2, q-1] */
    }
    if (rc != IBC_OK) {
        cg_key_free(NULL, k);
        return st_local(rc);
    }
    *out = k;
    return SEAL_OK;
}

/* A user key: the validated secret, its public part, the KMS key and the
 * identity it belongs to. */
static cg_key *user_key(int type, const uint8_t *kms, size_t kms_len, const uint8_t *id,
                        size_t id_len, const uint8_t *sec, size_t sec_len,
                        const uint8_t *pub, size_t pub_len)
{
    cg_key *k = cg_key_new(type);
    if (!k) return NULL;
    k->priv = 1;
    if (!(k->id = malloc(id_len))) {
        free(k);
        return NULL;
    }
    memcpy(k->id, id, id_len);
    k->id_len = id_len;
    memcpy(k->kms, kms, kms_len);
    k->kms_len = kms_len;
    memcpy(k->sec, sec, sec_len);
    k->sec_len = sec_len;
    if (pub) memcpy(k->pub, pub, pub_len);
    k->pub_len = pub ? pub_len : 0;
    return k;
}

seal_status_t cg_eccsi_issue(void *ctx, const void *kms, const uint8_t *id, size_t id_len,
                             const uint8_t *v, uint8_t *ssk, uint8_t *pvt)
{
    (void)ctx;
    const cg_key *k = kms;
    int fail = 0;
    int rc = ibc_eccsi_issue(k->sec, k->sec_len, k->pub, k->pub_len, id, id_len, v,
                             cg_ibc_random, &fail, ssk, pvt, NULL);
    return with_rng(st_local(rc), fail);
}

seal_status_t cg_eccsi_validate(void *ctx, const uint8_t *kpak, const uint8_t *id, size_t id_len,
                                const uint8_t *ssk, const uint8_t *pvt, void **signer)
{
    (void)ctx;
    int rc = ibc_eccsi_validate(kpak, IBC_ECCSI_POINT_LEN, id, id_len, ssk, IBC_ECCSI_SCALAR_LEN,
                                pvt, IBC_ECCSI_POINT_LEN, NULL);
    if (rc != IBC_OK) return rc == IBC_ENOMEM ? SEAL_E_NOMEM : SEAL_E_CRYPTO;
    if (!signer) return SEAL_OK;
    cg_key *k = user_key(SEAL_CRYPTO_KEY_ECCSI_USER, kpak, IBC_ECCSI_POINT_LEN, id, id_len,
                         ssk, IBC_ECCSI_SCALAR_LEN, pvt, IBC_ECCSI_POINT_LEN);
    *signer = k;
    return k ? SEAL_OK : SEAL_E_NOMEM;
}

seal_status_t cg_eccsi_sign(void *ctx, const void *signer, const void *msg, size_t len,
                            const uint8_t *j, uint8_t *sig)
{
    (void)ctx;
    const cg_key *k = signer;
    int fail = 0;
    int rc = ibc_eccsi_sign(k->kms, k->kms_len, k->id, k->id_len, k->sec, k->sec_len,
                            k->pub, k->pub_len, msg, len, j, cg_ibc_random, &fail, sig);
    return with_rng(st_local(rc), fail);
}

seal_status_t cg_eccsi_verify(void *ctx, const uint8_t *kpak, const uint8_t *id, size_t id_len,
                              const void *msg, size_t len, const uint8_t *sig)
{
    (void)ctx;
    int rc = ibc_eccsi_verify(kpak, IBC_ECCSI_POINT_LEN, id, id_len, msg, len,
                              sig, IBC_ECCSI_SIG_LEN);
    return rc == IBC_OK ? SEAL_OK : rc == IBC_ENOMEM ? SEAL_E_NOMEM : SEAL_E_CRYPTO;
}

seal_status_t cg_sakke_issue_rsk(void *ctx, const void *kms, const uint8_t *id, size_t id_len,
                                 uint8_t *rsk)
{
    (void)ctx;
    const cg_key *k = kms;
    return st_local(ibc_sakke_issue_rsk(k->sec, k->sec_len, id, id_len, rsk));
}

seal_status_t cg_sakke_validate_rsk(void *ctx, const uint8_t *Z, const uint8_t *id,
                                    size_t id_len, const uint8_t *rsk, void **receiver)
{
    (void)ctx;
    if (!receiver) {
        int rc = ibc_sakke_validate_rsk(Z, IBC_SAKKE_POINT_LEN, id, id_len,
                                        rsk, IBC_SAKKE_POINT_LEN);
        return rc == IBC_OK ? SEAL_OK : rc == IBC_ENOMEM ? SEAL_E_NOMEM : SEAL_E_CRYPTO;
    }
    /* The receiver's precomputation validates the RSK first. */
    ibc_sakke_receiver *r = NULL;
    int rc = ibc_sakke_receiver_new(&r, Z, IBC_SAKKE_POINT_LEN, id, id_len,
                                    rsk, IBC_SAKKE_POINT_LEN);
    if (rc != IBC_OK) return rc == IBC_ENOMEM ? SEAL_E_NOMEM : SEAL_E_CRYPTO;
    cg_key *k = user_key(SEAL_CRYPTO_KEY_SAKKE_USER, Z, IBC_SAKKE_POINT_LEN, id, id_len,
                         rsk, IBC_SAKKE_POINT_LEN, NULL, 0);
    if (!k) {
        ibc_sakke_receiver_free(r);
        return SEAL_E_NOMEM;
    }
    k->recv = r;
    *receiver = k;
    return SEAL_OK;
}

seal_status_t cg_sakke_encap(void *ctx, const uint8_t *Z, const uint8_t *id, size_t id_len,
                             const uint8_t *ssv_in, uint8_t *ssv, uint8_t *ed)
{
    (void)ctx;
    int fail = 0;
    int rc = ibc_sakke_encap(Z, IBC_SAKKE_POINT_LEN, id, id_len, ssv_in, cg_ibc_random, &fail,
                             ssv, ed);
    return with_rng(st_local(rc), fail);
}

seal_status_t cg_sakke_decap(void *ctx, const void *receiver, const uint8_t *ed, uint8_t *ssv)
{
    (void)ctx;
    const cg_key *k = receiver;
    int rc = ibc_sakke_receiver_decap(k->recv, ed, IBC_SAKKE_ED_LEN, ssv);
    return rc == IBC_OK ? SEAL_OK : rc == IBC_ENOMEM ? SEAL_E_NOMEM : SEAL_E_CRYPTO;
}
