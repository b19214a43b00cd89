/* SPDX-License-Identifier: Apache-2.0 */
/* seal/services/x1.h: "seal.x1.v1", the GMS side of SEAL-X1 (TS 33.434
 * 5.1.1.1, KMS -> GMS): the KMS certificate and the GMS's own MIKEY-SAKKE
 * key material (ECCSI SSK/PVT for its GMS URI, TS 33.180 5.7.1) for a key
 * period. Provided by the "seal_x1" plugin, used by the gm service to sign
 * the GMK I_MESSAGEs it sends to group members.
 *
 * The plugin gets the material in process through "seal.km.v1" when the km
 * plugin runs in the same seald, else over HTTPS from a remote KMS's KM-UU
 * interface (TS 33.180 Annex D) with an OAuth client_credentials token; the
 * caller does not see the difference.
 *
 * Get it in start:
 *   void *x1_user;
 *   const seal_x1_v1_t *x1 = seal_iface_get(self, SEAL_X1_IFACE_V1, &x1_user);
 *
 * Every operation is thread-safe. keys_at may block while it fetches from a
 * remote KMS (bounded by the plugin's timeout): call it from a background
 * thread, never from an HTTP handler nor from an outbound-call callback.
 *
 * Status codes: SEAL_OK; SEAL_E_INVAL (bad argument); SEAL_E_PERM (the KMS
 * refused: not entitled, period outside policy); SEAL_E_STATE (the GMS
 * identity is revoked); SEAL_E_UNAUTH (no token from the IdM);
 * SEAL_E_TIMEOUT, SEAL_E_IO, SEAL_E_AGAIN (the KMS or the IdM is not
 * reachable); SEAL_E_CRYPTO (the key material does not validate against
 * the KMS certificate: refused, never used); SEAL_E_NOMEM.
 */
#ifndef SEAL_SERVICES_X1_H
#define SEAL_SERVICES_X1_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEAL_X1_IFACE_V1 "seal.x1.v1"

#define SEAL_X1_URI_MAX  255   /* octets, without the NUL */
#define SEAL_X1_UID_LEN  32
#define SEAL_X1_Z_LEN    257
#define SEAL_X1_KPAK_LEN 65
#define SEAL_X1_SSK_LEN  32
#define SEAL_X1_PVT_LEN  65

/* The KMS certificate and the GMS's key set for one key period. Holds a
 * secret (ssk): the caller zeroises it (explicit_bzero) after use. */
typedef struct seal_x1_keys {
    uint32_t struct_size;                 /* sizeof(seal_x1_keys_t), set by the caller */
    /* KMS certificate (TS 33.180 D.3.4) */
    char kms_uri[SEAL_X1_URI_MAX + 1];    /* KmsUri */
    uint64_t user_key_period;             /* UserKeyPeriod, seconds (> 0) */
    uint64_t user_key_offset;             /* UserKeyOffset, seconds (< period) */
    uint8_t z[SEAL_X1_Z_LEN];             /* PubEncKey (SAKKE Z) */
    uint8_t kpak[SEAL_X1_KPAK_LEN];       /* PubAuthKey (ECCSI KPAK) */
    /* the GMS's key set (TS 33.180 D.3.6), validated against the KPAK */
    char gms_uri[SEAL_X1_URI_MAX + 1];    /* UserUri: config "gms_uri" */
    uint64_t period_no;                   /* KeyPeriodNo */
    int64_t valid_from;                   /* Unix seconds: start of the period */
    int64_t valid_to;                     /* Unix seconds: start of the next one */
    uint8_t uid[SEAL_X1_UID_LEN];         /* UserID (F.2.1) of the GMS for the period */
    uint8_t ssk[SEAL_X1_SSK_LEN];         /* UserSigningKeySSK (secret) */
    uint8_t pvt[SEAL_X1_PVT_LEN];         /* UserPubTokenPVT */
} seal_x1_keys_t;

typedef struct seal_x1_v1 {
    uint32_t struct_size;   /* sizeof(seal_x1_v1_t) */

    /* The KMS certificate and the GMS key set for the key period holding
     * Unix time t (normally now). Served from a cache; the plugin fetches a
     * period's keys once and the next period's ahead of the boundary. */
    seal_status_t (*keys_at)(void *user, int64_t t, seal_x1_keys_t *out);

    /* The GMS URI (config "gms_uri"); valid until the plugin's fini. */
    const char *(*gms_uri)(void *user);

    /* "in-process" or "remote": where the material comes from. */
    const char *(*mode)(void *user);
    /* Version 1 ends here; fields are only appended. */
} seal_x1_v1_t;

#ifdef __cplusplus
}
#endif
#endif
