/* SPDX-License-Identifier: Apache-2.0 */
/* seal/services/km.h: "seal.km.v1", the C interface of the SEAL key
 * management server (SKM-S, TS 33.434 5.3 after TS 33.180 5.3 and Annex D):
 * the KMS certificate, MIKEY-SAKKE user key material (TS 33.180 F.2.1 UID,
 * ECCSI SSK/PVT of RFC 6507, SAKKE RSK of RFC 6508), revocation, the
 * entitlement rule, and the master-key rollover state. Provided by the "km"
 * plugin; used by the bindings km_uu (KM-UU/KM-S, Annex D XML), seal_s's
 * ss_kir (TS 29.549 SS_KeyInfoRetrieval) and seal_x1 (KMS -> GMS).
 *
 * Get it in start:
 *   void *km_user;
 *   const seal_km_v1_t *km = seal_iface_get(self, SEAL_KM_IFACE_V1, &km_user);
 * and pass km_user as the first argument of every operation.
 *
 * Certificates and key sets cross the interface as structs the caller
 * provides (struct_size set to sizeof by the caller; the service fills the
 * fields that fit, so an older caller keeps working when fields are
 * appended). Bindings render them (XML KmsCertificate / KmsKeySet, JSON).
 *
 * Times are Unix seconds (int64). Key periods follow TS 33.180:
 * KeyPeriodNo = floor((NTP seconds - UserKeyOffset) / UserKeyPeriod),
 * NTP seconds = Unix seconds + SEAL_KM_NTP_UNIX_OFFSET; the period and offset
 * are those of the certificate the key set belongs to.
 *
 * Which certificate: during a master-key rollover the KMS has two
 * certificates. SEAL_KM_CURRENT names the one that issues new key sets;
 * SEAL_KM_PREVIOUS the one it replaced, served only while the configured
 * overlap runs (afterwards: SEAL_E_NOTFOUND). A rollover creates fresh
 * master secrets; key sets issued earlier stay valid under the previous
 * certificate until the overlap ends.
 *
 * Policy (the "key period outside policy" rule): key sets are issued for the
 * current key period and the next one only. A period in the past or more
 * than one ahead is SEAL_E_PERM. Each key set is issued once per (identity,
 * certificate, period) and stored (secrets wrapped under the key-encryption
 * key); asking again returns the same keys.
 *
 * Identities are URIs ("sip:alice@example.org", a GMS URI), 1 to
 * SEAL_KM_URI_MAX octets of letters, digits and - . _ ~ ! $ & ' ( ) * + , ;
 * = : @ (RFC 3986 pchar without percent-encoding: what an administration
 * route can address, so no space and no '/'); anything else is
 * SEAL_E_INVAL.
 *
 * Status codes: SEAL_OK; SEAL_E_INVAL (bad identity, bad argument);
 * SEAL_E_PERM (key period outside policy; for entitled: not entitled);
 * SEAL_E_STATE (the identity is revoked: nothing is issued or served for
 * it); SEAL_E_NOTFOUND (no previous certificate: no overlap running);
 * SEAL_E_NOMEM, SEAL_E_IO, SEAL_E_AGAIN (store), SEAL_E_CRYPTO (backend).
 *
 * Output strings are malloc'd and NUL-terminated: free with seal_free.
 * Every operation is thread-safe.
 *
 * Events (seal/event.h, topic prefix "km."), JSON objects published after
 * the change is durable:
 *   km.identity.revoked   {"identity"}
 *   km.identity.restored  {"identity"}
 *   km.rollover           {"generation","previousGeneration","overlapUntil"}
 */
#ifndef SEAL_SERVICES_KM_H
#define SEAL_SERVICES_KM_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEAL_KM_IFACE_V1 "seal.km.v1"

#define SEAL_KM_EVENT_REVOKED  "km.identity.revoked"
#define SEAL_KM_EVENT_RESTORED "km.identity.restored"
#define SEAL_KM_EVENT_ROLLOVER "km.rollover"

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define SEAL_KM_NTP_UNIX_OFFSET INT64_C(2208988800)

#define SEAL_KM_URI_MAX 255          /* octets, without the NUL */
#define SEAL_KM_UID_LEN 32           /* TS 33.180 F.2.1: SHA-256 */
#define SEAL_KM_Z_LEN   257          /* PubEncKey: 04 || x || y (SAKKE set 1) */
#define SEAL_KM_KPAK_LEN 65          /* PubAuthKey: 04 || x || y (P-256) */
#define SEAL_KM_RSK_LEN 257
#define SEAL_KM_SSK_LEN 32
#define SEAL_KM_PVT_LEN 65

#define SEAL_KM_USER_ID_FORMAT 2     /* "3GPP MCX hashed UID" (F.2.1) */
#define SEAL_KM_PARAMETER_SET  1     /* SAKKE parameter set 1 (RFC 6509) */

/* Which certificate (see above). */
#define SEAL_KM_CURRENT  0
#define SEAL_KM_PREVIOUS 1

/* A KMS certificate (TS 33.180 D.3.4 KmsCertificate, Role "Root"). */
typedef struct seal_km_cert {
    uint32_t struct_size;                    /* sizeof(seal_km_cert_t) */
    uint32_t generation;                     /* 1 at first start, +1 per rollover */
    char id[SEAL_KM_URI_MAX + 1];            /* the Id attribute (an XML NCName):
                                              * "kms-cert-<generation>" */
    char cert_uri[SEAL_KM_URI_MAX + 1];      /* CertUri: "<kms_uri>/cert/<generation>" */
    char kms_uri[SEAL_KM_URI_MAX + 1];       /* KmsUri: config "kms_uri" */
    char issuer[SEAL_KM_URI_MAX + 1];        /* Issuer: config "issuer" ("" = none) */
    int64_t valid_from;                      /* ValidFrom: creation of this generation */
    int64_t valid_to;                        /* ValidTo: 0 while current and no rollover
                                              * is scheduled; else the end of its overlap */
    int revoked;                             /* Revoked: always 0 for served certificates */
    uint32_t user_id_format;                 /* UserIdFormat: SEAL_KM_USER_ID_FORMAT */
    uint64_t user_key_period;                /* UserKeyPeriod, seconds (> 0) */
    uint64_t user_key_offset;                /* UserKeyOffset, seconds (< period) */
    uint8_t pub_enc_key[SEAL_KM_Z_LEN];      /* PubEncKey: Z */
    uint8_t pub_auth_key[SEAL_KM_KPAK_LEN];  /* PubAuthKey: KPAK */
    uint32_t parameter_set;                  /* ParameterSet: SEAL_KM_PARAMETER_SET */
} seal_km_cert_t;

/* One user key set (TS 33.180 D.3.6 KmsKeySet). Holds secrets (SSK, RSK):
 * the caller zeroises it (explicit_bzero) once rendered or used. */
typedef struct seal_km_keyset {
    uint32_t struct_size;                    /* sizeof(seal_km_keyset_t) */
    uint32_t generation;                     /* certificate it was issued under */
    char kms_uri[SEAL_KM_URI_MAX + 1];       /* KmsUri */
    char cert_uri[SEAL_KM_URI_MAX + 1];      /* CertUri of that certificate */
    char issuer[SEAL_KM_URI_MAX + 1];        /* Issuer ("" = none) */
    char user_uri[SEAL_KM_URI_MAX + 1];      /* UserUri: the identity */
    uint8_t uid[SEAL_KM_UID_LEN];            /* UserID (F.2.1) */
    uint64_t key_period_no;                  /* KeyPeriodNo */
    int64_t valid_from;                      /* ValidFrom: start of the period */
    int64_t valid_to;                        /* ValidTo: start of the next period */
    int revoked;                             /* Revoked: 0 (revoked identities get nothing) */
    uint8_t rsk[SEAL_KM_RSK_LEN];            /* UserDecryptKey (secret) */
    uint8_t ssk[SEAL_KM_SSK_LEN];            /* UserSigningKeySSK (secret) */
    uint8_t pvt[SEAL_KM_PVT_LEN];            /* UserPubTokenPVT */
    int64_t issued_at;                       /* when the KMS issued it (first request) */
} seal_km_keyset_t;

/* The master-key rollover state. */
typedef struct seal_km_rollover {
    uint32_t struct_size;          /* sizeof(seal_km_rollover_t) */
    uint32_t generation;           /* current certificate */
    uint32_t previous_generation;  /* 0 when no overlap runs */
    int64_t current_since;         /* the current generation's creation */
    int64_t overlap_until;         /* end of the previous certificate's overlap (0: none) */
    int64_t next_rollover;         /* when the next automatic rollover happens
                                    * (config "master_key_lifetime"; 0: never) */
    uint64_t overlap_s;            /* config "rollover_overlap" */
} seal_km_rollover_t;

/* Who is asking: facts the binding took from the request (seal/http.h). A
 * token's caller: principal = the token's sub, client_id = attr
 * "client_id", val_user_ids = attr "val_user_ids" (space-separated),
 * cert_dn = NULL. An mTLS caller without a token: principal = cert_dn = the
 * verified client certificate DN, the rest NULL. */
typedef struct seal_km_caller {
    uint32_t struct_size;          /* sizeof(seal_km_caller_t) */
    const char *principal;
    const char *client_id;
    const char *val_user_ids;
    const char *cert_dn;
} seal_km_caller_t;

typedef struct seal_km_v1 {
    uint32_t struct_size;   /* sizeof(seal_km_v1_t) */

    /* The certificate SEAL_KM_CURRENT or SEAL_KM_PREVIOUS (SEAL_E_NOTFOUND
     * outside an overlap). Runs a due automatic rollover first. */
    seal_status_t (*cert)(void *user, int which, seal_km_cert_t *cert);

    /* The key period number at Unix time t under certificate which. */
    seal_status_t (*period_at)(void *user, int which, int64_t t, uint64_t *period_no);

    /* The key set of identity for period_no under certificate which: the
     * stored one, or issued now (once) and stored. SEAL_E_PERM for a
     * period outside policy, SEAL_E_STATE for a revoked identity. The
     * caller checks entitlement first (entitled). */
    seal_status_t (*keyset)(void *user, int which, const char *identity, uint64_t period_no,
                            seal_km_keyset_t *ks);

    /* The UID of any identity for period_no under certificate which
     * (public: a sender encapsulates to it, a verifier checks with it). */
    seal_status_t (*uid)(void *user, int which, const char *identity, uint64_t period_no,
                         uint8_t uid[SEAL_KM_UID_LEN]);

    /* Entitlement (ISSUE 5): SEAL_OK when caller may get key material for
     * identity, else SEAL_E_PERM. Rules, in order: a client_credentials
     * token (client_id set and equal to principal) gets the identities of
     * km config "clients"[client_id]; a user token gets its val_user_ids; an
     * mTLS caller without a token gets km config "certs"[cert_dn]. */
    seal_status_t (*entitled)(void *user, const seal_km_caller_t *caller, const char *identity);

    /* The identities caller is entitled to, space-separated, in the order
     * of its list ("" when none). For keyprov without a URI. */
    seal_status_t (*identities)(void *user, const seal_km_caller_t *caller,
                                char **list, size_t *len);

    /* Revocation of an identity: nothing more is issued or served for it
     * (keyset gives SEAL_E_STATE) until restore. Stored key sets are
     * deleted. Idempotent. */
    seal_status_t (*revoke)(void *user, const char *identity);
    seal_status_t (*restore)(void *user, const char *identity);
    /* *revoked = 1 or 0. */
    seal_status_t (*is_revoked)(void *user, const char *identity, int *revoked);

    /* Rollover now: fresh master secrets become the current certificate;
     * the old one becomes SEAL_KM_PREVIOUS for config "rollover_overlap"
     * seconds. SEAL_E_AGAIN when an overlap still runs (one previous
     * certificate at a time). */
    seal_status_t (*rollover)(void *user);
    seal_status_t (*rollover_state)(void *user, seal_km_rollover_t *st);
    /* Version 1 ends here; fields are only appended. */
} seal_km_v1_t;

#ifdef __cplusplus
}
#endif
#endif
