/* SPDX-License-Identifier: Apache-2.0 */
/* SEAL-X1 in process (TS 33.434 5.1.1.1 when the KMS and the GMS share one
 * seald): the KMS certificate and the GMS key set straight from the km
 * service's "seal.km.v1". The same process is the same trust domain, so no
 * token and no entitlement check: the GMS URI comes from our own config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "x1.h"

seal_status_t x1_local_cert(x1_t *x, x1_cert_t *cert)
{
    seal_km_cert_t *c = calloc(1, sizeof *c);
    if (!c)
        return SEAL_E_NOMEM;
    c->struct_size = sizeof *c;
    seal_status_t st = x->km->cert(x->km_user, SEAL_KM_CURRENT, c);
    if (st == SEAL_OK) {
        if (c->user_key_period == 0 || c->user_key_offset >= c->user_key_period ||
            c->user_id_format != SEAL_KM_USER_ID_FORMAT) {
            seal_log(x->self, SEAL_LOG_ERR, "km certificate has unusable key period "
                     "parameters or UserIdFormat");
            st = SEAL_E_INVAL;
        } else {
            memset(cert, 0, sizeof *cert);
            snprintf(cert->kms_uri, sizeof cert->kms_uri, "%s", c->kms_uri);
            cert->period = c->user_key_period;
            cert->offset = c->user_key_offset;
            memcpy(cert->z, c->pub_enc_key, sizeof cert->z);
            memcpy(cert->kpak, c->pub_auth_key, sizeof cert->kpak);
            cert->generation = c->generation;
        }
    }
    free(c);
    return st;
}

seal_status_t x1_local_keyset(x1_t *x, uint64_t period_no, x1_keyset_t *ks)
{
    seal_km_keyset_t *k = calloc(1, sizeof *k);
    if (!k)
        return SEAL_E_NOMEM;
    k->struct_size = sizeof *k;
    seal_status_t st = x->km->keyset(x->km_user, SEAL_KM_CURRENT, x->gms_uri, period_no, k);
    if (st == SEAL_OK) {
        memset(ks, 0, sizeof *ks);
        snprintf(ks->kms_uri, sizeof ks->kms_uri, "%s", k->kms_uri);
        snprintf(ks->user_uri, sizeof ks->user_uri, "%s", k->user_uri);
        memcpy(ks->uid, k->uid, sizeof ks->uid);
        ks->period_no = k->key_period_no;
        memcpy(ks->ssk, k->ssk, sizeof ks->ssk);
        memcpy(ks->pvt, k->pvt, sizeof ks->pvt);
    }
    explicit_bzero(k, sizeof *k);
    free(k);
    return st;
}
