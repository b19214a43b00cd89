/* SPDX-License-Identifier: Apache-2.0 */
/* libmikey: MIKEY-SAKKE for mission-critical group keys, shared by the
 * server plugins and the client tools (one copy of each algorithm).
 *
 *   UID          TS 33.180 F.2.1 ("3GPP MCX hashed UID", ID scheme 2)
 *   key periods  TS 33.180 F.2.1 P5 / UserKeyPeriod, UserKeyOffset
 *   GUK-ID       TS 33.180 F.1.3 / TS 33.179 E.2 (CSB ID of a GMK I_MESSAGE)
 *   I_MESSAGE    RFC 3830, RFC 6043 (IDR, GENERIC-ID, PRF-HMAC-SHA-256),
 *                RFC 6509 (SAKKE payload, data type 26), TS 33.180 Annex E
 *   SRTP keys    RFC 3830 4.1.2-4.1.4 (MIKEY-1 or PRF-HMAC-SHA-256)
 *
 * Internal library (never installed): link lib/mikey/libmikey.la,
 * lib/ibc/libibc.la, $(NETTLE_LIBS) and $(GMP_LIBS).  ECCSI and SAKKE come
 * from lib/ibc; only imessage_ibc.c calls it, so a program that only
 * decodes does not pull lib/ibc in.
 *
 * Every function returns MIKEY_OK (0) or a negative enum mikey_status;
 * nothing aborts, logs or keeps global state.  Byte strings come with their
 * length.  Secret outputs are zeroed on error and secret intermediates are
 * wiped before returning. */
#ifndef MIKEY_MIKEY_H
#define MIKEY_MIKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mikey_status {
    MIKEY_OK = 0,
    MIKEY_EINVAL = -1,    /* bad argument (NULL, zero period, bad length) */
    MIKEY_ETRUNC = -2,    /* the message ends inside a payload */
    MIKEY_ETRAILING = -3, /* bytes after the SIGN payload */
    MIKEY_EVERSION = -4,  /* common header version is not 1 */
    MIKEY_EDATATYPE = -5, /* common header data type is not SAKKE (26) */
    MIKEY_EPAYLOAD = -6,  /* unknown or unsupported next-payload type */
    MIKEY_EORDER = -7,    /* payload out of the I_MESSAGE order */
    MIKEY_EDUP = -8,      /* payload (or IDR role, SP policy, extension,
                             SP parameter) given twice */
    MIKEY_EMISSING = -9,  /* a required payload is absent */
    MIKEY_EFIELD = -10,   /* a field holds a value we must not ignore:
                             TS type, PRF, ID role/type, SAKKE params,
                             signature type/length, CS map type... */
    MIKEY_ELIMIT = -11,   /* more entries than this decoder holds */
    MIKEY_ESIGN = -12,    /* the ECCSI signature does not verify */
    MIKEY_ESAKKE = -13,   /* SAKKE decapsulation or key validation failed */
    MIKEY_ECRYPTO = -14,  /* crypto back end refused an input (bad key
                             encoding, point off the curve...) */
    MIKEY_ENOMEM = -15,
    MIKEY_ESPACE = -16,   /* output buffer too small */
    MIKEY_ERANGE = -17,   /* time before the first key period, or an
                             arithmetic overflow */
    MIKEY_EIDENTITY = -18 /* IDR URI differs from the one expected */
};

/* A short English description of a status code (never NULL). */
const char *mikey_strerror(int status);

/* Fills out[0..len) with cryptographically secure random bytes; same shape
 * as lib/ibc's ibc_random_fn so one callback serves both. */
typedef void mikey_random_fn(void *ctx, size_t len, uint8_t *out);

/* ------------------------------------------------------ time, key periods */
/* Seconds between the NTP epoch (1900-01-01) and the Unix epoch. */
#define MIKEY_NTP_UNIX_OFFSET UINT64_C(2208988800)

/* UserKeyPeriod and UserKeyOffset of a KMS certificate, in seconds. */
struct mikey_kp {
    uint64_t period; /* > 0 */
    uint64_t offset; /* < period */
};

/* Key period number no covers NTP seconds [start, end). */
struct mikey_kp_span {
    uint64_t no;
    uint64_t start;
    uint64_t end;
};

/* KeyPeriodNo = floor((ntp_secs - offset) / period) (TS 33.180 F.2.1 P5).
 * The offset is subtracted: MIKEY_ERANGE before the first period. */
int mikey_kp_number(const struct mikey_kp *kp, uint64_t ntp_secs, uint64_t *no);
/* Start and end (exclusive) of period number no. */
int mikey_kp_span_of(const struct mikey_kp *kp, uint64_t no, struct mikey_kp_span *out);
/* The period holding ntp_secs, and the one after it. */
int mikey_kp_current(const struct mikey_kp *kp, uint64_t ntp_secs, struct mikey_kp_span *out);
int mikey_kp_next(const struct mikey_kp *kp, uint64_t ntp_secs, struct mikey_kp_span *out);

/* NTP-UTC 64-bit timestamp (RFC 3830 6.6, TS type 0) for NTP seconds: the
 * seconds (mod 2^32) in the high 32 bits, fraction 0. */
uint64_t mikey_ntp64_from_seconds(uint64_t ntp_secs);

/* Accept a T payload whose high 32 bits are 0 and whose low 32 bits hold
 * the NTP seconds (an interoperability quirk seen in the wild).  Off by default: such a T strictly means an
 * instant at the very start of an NTP era. */
#define MIKEY_F_T_LOW32 0x1u

/* NTP seconds of a 64-bit NTP timestamp.  The 32-bit seconds field is
 * unwrapped as RFC 4330 section 3 says: a value with its top bit clear is
 * in era 1 (from 2036-02-07), so the result may exceed 2^32. */
uint64_t mikey_ntp64_to_seconds(uint64_t ts, unsigned flags);

/* ------------------------------------------------------------------- UID */
#define MIKEY_UID_LEN 32

/* TS 33.180 F.2.1: UID = SHA-256(S), S = 0x00 || P0 || L0 || ... || P5 || L5
 * with P0 = "MIKEY-SAKKE-UID", P1 = user URI, P2 = KMS URI, P3 = key period
 * length, P4 = key period offset, P5 = key period number (integers as
 * minimal big-endian octets, 0 as one 0x00 octet; Li 2 octets). */
int mikey_uid(const uint8_t *uri, size_t uri_len,
              const uint8_t *kms_uri, size_t kms_uri_len,
              const struct mikey_kp *kp, uint64_t period_no,
              uint8_t uid[MIKEY_UID_LEN]);

/* The string S hashed by mikey_uid (for tests and diagnostics).  *s_len
 * gets the length; MIKEY_ESPACE if it does not fit in cap. */
int mikey_uid_input(const uint8_t *uri, size_t uri_len,
                    const uint8_t *kms_uri, size_t kms_uri_len,
                    const struct mikey_kp *kp, uint64_t period_no,
                    uint8_t *s, size_t cap, size_t *s_len);

/* UID for the key period holding ntp_secs. */
int mikey_uid_at(const uint8_t *uri, size_t uri_len,
                 const uint8_t *kms_uri, size_t kms_uri_len,
                 const struct mikey_kp *kp, uint64_t ntp_secs,
                 uint8_t uid[MIKEY_UID_LEN]);

/* ------------------------------------------------- key IDs, GUK-ID, CSB-ID */
/* Purpose tag: the 4 most significant bits of a 32-bit key ID (GMK-ID,
 * PCK-ID, CSK-ID, ...), TS 33.180 E.6.11 / clause 5. */
enum mikey_purpose {
    MIKEY_PURPOSE_GMK = 0,
    MIKEY_PURPOSE_PCK = 1,
    MIKEY_PURPOSE_CSK = 2,
    MIKEY_PURPOSE_SPK = 3,
    MIKEY_PURPOSE_MKFC = 4,
    MIKEY_PURPOSE_MSCCK = 5,
    MIKEY_PURPOSE_MUSIK = 6
};
#define MIKEY_KEY_LEN 16 /* GMK, PCK, ... (TS 33.179 E.1.0) */

static inline unsigned mikey_key_id_purpose(uint32_t key_id) { return key_id >> 28; }

/* A fresh key ID: purpose tag (0..15) in the top 4 bits, 28 random bits. */
int mikey_key_id_new(unsigned purpose, mikey_random_fn *rnd, void *rctx,
                     uint32_t *key_id);

/* User salt: the 28 least significant bits of
 * KDF(GMK, FC = 0x50, P0 = receiving user's MC service ID / VAL user URI),
 * KDF = TS 33.220 B.2 (HMAC-SHA-256). */
int mikey_user_salt(const uint8_t *gmk, size_t gmk_len,
                    const uint8_t *uri, size_t uri_len, uint32_t *salt);

/* GUK-ID = GMK-ID XOR salt on the 28 LSB, purpose tag kept.  The same
 * operation turns a received GUK-ID back into the GMK-ID. */
int mikey_guk_id(const uint8_t *gmk, size_t gmk_len, uint32_t gmk_id,
                 const uint8_t *uri, size_t uri_len, uint32_t *guk_id);
int mikey_gmk_id_from_guk(const uint8_t *gmk, size_t gmk_len, uint32_t guk_id,
                          const uint8_t *uri, size_t uri_len, uint32_t *gmk_id);

/* CSB ID of the I_MESSAGE carrying key_id to uri: the GUK-ID for a GMK
 * (TS 33.179 E.2), the key ID itself for the other purposes (E.3: PCK-ID;
 * TS 36.579-1: CSK-ID). */
int mikey_csb_id(const uint8_t *key, size_t key_len, uint32_t key_id,
                 const uint8_t *uri, size_t uri_len, uint32_t *csb_id);

/* ------------------------------------------------------ PRF and SRTP keys */
enum mikey_prf_func {
    MIKEY_PRF_MIKEY1 = 0,     /* RFC 3830 4.1.2, HMAC-SHA-1 */
    MIKEY_PRF_HMAC_SHA256 = 1 /* RFC 6043 6.1, used by MC/SEAL */
};

/* RFC 3830 4.1.2 PRF(inkey, label) of out_len octets: inkey is cut into
 * 256-bit pieces, P(piece, label, m) is computed for each and the results
 * XORed. */
int mikey_prf(enum mikey_prf_func f, const uint8_t *inkey, size_t inkey_len,
              const uint8_t *label, size_t label_len,
              uint8_t *out, size_t out_len);

/* RFC 3830 4.1.3 / 4.1.4 constants (label prefixes). */
#define MIKEY_KDF_TEK UINT32_C(0x2AD01C64)
#define MIKEY_KDF_SALT UINT32_C(0x39A2C14B)
#define MIKEY_KDF_ENCR UINT32_C(0x15798CEF)
#define MIKEY_KDF_AUTH UINT32_C(0x1B5C7973)
#define MIKEY_KDF_TRANS_ENCR UINT32_C(0x150533E1)
#define MIKEY_KDF_TRANS_SALT UINT32_C(0x29B88916)
#define MIKEY_KDF_TRANS_AUTH UINT32_C(0x2D22AC75)

/* PRF(tgk, const || cs_id || csb_id || rand) (RFC 3830 4.1.3). */
int mikey_derive(enum mikey_prf_func f, const uint8_t *tgk, size_t tgk_len,
                 uint32_t constant, uint8_t cs_id, uint32_t csb_id,
                 const uint8_t *rand, size_t rand_len,
                 uint8_t *out, size_t out_len);

/* SRTP master key (TEK constant) and master salt (salt constant) of crypto
 * session cs_id from the GMK (or PCK...) and the I_MESSAGE's CSB ID and
 * RAND (TS 33.179 7.3 / RFC 3830 4.1.4).  MC: key 16, salt 12 octets. */
int mikey_srtp_master(enum mikey_prf_func f, const uint8_t *key, size_t key_len,
                      uint8_t cs_id, uint32_t csb_id,
                      const uint8_t *rand, size_t rand_len,
                      uint8_t *master_key, size_t master_key_len,
                      uint8_t *master_salt, size_t master_salt_len);

/* -------------------------------------------------------------- I_MESSAGE */
#define MIKEY_VERSION 1
#define MIKEY_DATA_TYPE_SAKKE 26

enum mikey_payload_type {
    MIKEY_PT_LAST = 0,
    MIKEY_PT_KEMAC = 1,
    MIKEY_PT_PKE = 2,
    MIKEY_PT_DH = 3,
    MIKEY_PT_SIGN = 4,
    MIKEY_PT_T = 5,
    MIKEY_PT_ID = 6,
    MIKEY_PT_CERT = 7,
    MIKEY_PT_CHASH = 8,
    MIKEY_PT_V = 9,
    MIKEY_PT_SP = 10,
    MIKEY_PT_RAND = 11,
    MIKEY_PT_ERR = 12,
    MIKEY_PT_IDR = 14,
    MIKEY_PT_KEYDATA = 20,
    MIKEY_PT_GENEXT = 21,
    MIKEY_PT_SAKKE = 26
};

enum mikey_cs_map_type {
    MIKEY_MAP_SRTP_ID = 0,   /* RFC 3830 6.1.1 */
    MIKEY_MAP_EMPTY = 1,     /* RFC 4563 */
    MIKEY_MAP_GENERIC_ID = 2 /* RFC 6043 6.1.1 */
};

enum mikey_id_role { /* RFC 6043 6.6, RFC 6509 */
    MIKEY_ROLE_I = 1,
    MIKEY_ROLE_R = 2,
    MIKEY_ROLE_KMSI = 6,
    MIKEY_ROLE_KMSR = 7
};
enum mikey_id_type { MIKEY_IDT_NAI = 0, MIKEY_IDT_URI = 1, MIKEY_IDT_BYTES = 2 };

#define MIKEY_TS_NTP_UTC 0
#define MIKEY_SAKKE_PARAMS_1 1
#define MIKEY_SAKKE_ID_TEL_URI 1  /* RFC 6509 monthly tel URI */
#define MIKEY_SAKKE_ID_3GPP_UID 2 /* TS 33.180 F.2.1 */
#define MIKEY_SAKKE_DATA_LEN 273  /* RFC 6508 encapsulated data, set 1 */
#define MIKEY_SIGN_ECCSI 2
#define MIKEY_SIGN_LEN 129        /* r || s || PVT */
#define MIKEY_GENEXT_SAKKE_TO_SELF 6
#define MIKEY_GENEXT_KEY_PARAMS 7
#define MIKEY_PROT_SRTP 0
#define MIKEY_RAND_MIN 16         /* RAND shorter than 128 bits is refused */

#define MIKEY_MAX_CS 8
#define MIKEY_MAX_SP 4
#define MIKEY_MAX_SP_PARAMS 32
#define MIKEY_MAX_EXT 8

/* A view into the message buffer: decoding copies nothing, so the struct
 * lives only as long as the buffer it was decoded from. */
struct mikey_view {
    const uint8_t *p;
    size_t len;
};

/* One crypto session of the common header's CS ID map. */
struct mikey_cs {
    /* GENERIC-ID (map type 2) */
    uint8_t cs_id;
    uint8_t prot_type;
    uint8_t s_flag;             /* 0 or 1 */
    struct mikey_view policies; /* #P policy numbers, one octet each */
    struct mikey_view session_data;
    struct mikey_view spi;
    /* SRTP-ID (map type 0) */
    uint8_t policy_no;
    uint32_t ssrc;
    uint32_t roc;
};

struct mikey_hdr {
    uint8_t version;   /* 1 */
    uint8_t data_type; /* 26 */
    uint8_t v;         /* verification requested (0 for GMKs) */
    uint8_t prf_func;  /* enum mikey_prf_func */
    uint32_t csb_id;
    uint8_t n_cs;      /* #CS */
    uint8_t map_type;  /* enum mikey_cs_map_type */
    struct mikey_cs cs[MIKEY_MAX_CS]; /* n_cs entries unless map_type is EMPTY */
};

struct mikey_idr {
    uint8_t role; /* enum mikey_id_role */
    uint8_t type; /* enum mikey_id_type */
    struct mikey_view id;
};

struct mikey_sp_param {
    uint8_t type;
    struct mikey_view value; /* 0..255 octets */
};

struct mikey_sp {
    uint8_t policy_no;
    uint8_t prot_type; /* MIKEY_PROT_SRTP */
    size_t n_params;
    struct mikey_sp_param params[MIKEY_MAX_SP_PARAMS];
};

struct mikey_sakke {
    uint8_t params;    /* MIKEY_SAKKE_PARAMS_1 */
    uint8_t id_scheme; /* MIKEY_SAKKE_ID_* */
    struct mikey_view data; /* 273 octets: 04 || Rx || Ry || H */
};

struct mikey_genext {
    uint8_t type;
    struct mikey_view data;
};

/* A MIKEY-SAKKE I_MESSAGE.  Payload order (RFC 6509 section 4 with the
 * TS 33.180 E.2 profile): HDR, T, RAND, IDRi, IDRr, IDRkmsi, IDRkmsr,
 * SP*, SAKKE, GENEXT*, SIGN.  The decoder refuses any other order. */
struct mikey_imsg {
    struct mikey_hdr hdr;
    uint8_t ts_type; /* MIKEY_TS_NTP_UTC */
    uint64_t ts;     /* NTP-UTC 64-bit, as received */
    struct mikey_view rand;
    struct mikey_idr idri, idrr, idrkmsi, idrkmsr;
    size_t n_sp;
    struct mikey_sp sp[MIKEY_MAX_SP];
    struct mikey_sakke sakke;
    size_t n_ext;
    struct mikey_genext ext[MIKEY_MAX_EXT];
    bool has_sakke_to_self;        /* a type 6 extension was present */
    struct mikey_sakke sakke_self; /* its SAKKE payload */
    uint8_t sig_type;              /* MIKEY_SIGN_ECCSI */
    struct mikey_view sig;         /* 129 octets */

    /* Set by the decoder: */
    struct mikey_view raw;    /* the whole message */
    size_t signed_len;        /* octets under the signature (RFC 3830 5.2:
                                 through the SIGN payload's 2-octet header) */
    size_t signed_len_nohdr;  /* the same without the SIGN header */
};

/* Decodes an I_MESSAGE into m (views into buf).  Refuses truncation,
 * trailing bytes, unknown payloads, payloads out of order or repeated,
 * missing mandatory payloads and every field value listed under
 * MIKEY_EFIELD; never reads outside buf[0..len).  On error *m is zeroed. */
int mikey_imsg_decode(const uint8_t *buf, size_t len, struct mikey_imsg *m);

/* The extension of the given type, or NULL. */
const struct mikey_genext *mikey_imsg_ext(const struct mikey_imsg *m, uint8_t type);

/* Signs msg[0..len) into sig; returns MIKEY_OK or a negative status. */
typedef int mikey_sign_fn(void *ctx, const uint8_t *msg, size_t len,
                          uint8_t sig[MIKEY_SIGN_LEN]);
/* Returns MIKEY_OK when sig is a valid signature of msg[0..len). */
typedef int mikey_verify_fn(void *ctx, const uint8_t *msg, size_t len,
                            const uint8_t *sig, size_t sig_len);

/* Size of the encoding of m (SIGN payload included), 0 if m cannot be
 * encoded (a field too long for its length field, counts out of range). */
size_t mikey_imsg_encoded_len(const struct mikey_imsg *m);

/* Encodes m into out.  The signature covers everything up to and including
 * the SIGN payload header (RFC 3830 5.2); sign gets exactly those octets.
 * With sign NULL, m->sig (129 octets) is copied instead: re-encoding a
 * decoded message reproduces it bit for bit.  m->raw and the signed_len
 * fields are ignored. */
int mikey_imsg_encode(const struct mikey_imsg *m, mikey_sign_fn *sign, void *sctx,
                      uint8_t *out, size_t cap, size_t *out_len);

/* Also accept a signature made without the SIGN payload's 2-octet header
 * (some third-party stacks sign that way).  The
 * standard coverage is always tried first. */
#define MIKEY_F_SIGN_NO_HDR 0x2u

enum mikey_sig_variant { MIKEY_SIG_STANDARD = 0, MIKEY_SIG_NO_HDR = 1 };

/* Verifies the SIGN payload of a decoded message with verify.  *variant
 * (optional) says which coverage matched. */
int mikey_imsg_verify(const struct mikey_imsg *m, mikey_verify_fn *verify, void *vctx,
                      unsigned flags, enum mikey_sig_variant *variant);

/* NTP seconds of the T payload (see mikey_ntp64_to_seconds and
 * MIKEY_F_T_LOW32). */
uint64_t mikey_imsg_time(const struct mikey_imsg *m, unsigned flags);

/* UID of the identity in idr (IDRi or IDRr) with the KMS URI of kms_idr
 * (IDRkmsi or IDRkmsr) for the key period of the T payload. */
int mikey_imsg_uid(const struct mikey_imsg *m, const struct mikey_idr *idr,
                   const struct mikey_idr *kms_idr, const struct mikey_kp *kp,
                   unsigned flags, uint8_t uid[MIKEY_UID_LEN]);

/* ---------------------------------------------------- SRTP security policy */
/* SRTP policy parameter types (RFC 3830 6.10.1, RFC 7714 for AEAD). */
enum mikey_srtp_param {
    MIKEY_SRTP_ENC_ALG = 0,
    MIKEY_SRTP_ENC_KEY_LEN = 1,
    MIKEY_SRTP_AUTH_ALG = 2,
    MIKEY_SRTP_AUTH_KEY_LEN = 3,
    MIKEY_SRTP_SALT_LEN = 4,
    MIKEY_SRTP_PRF = 5,
    MIKEY_SRTP_KDR = 6,
    MIKEY_SRTP_SRTP_ENC = 7,
    MIKEY_SRTP_SRTCP_ENC = 8,
    MIKEY_SRTP_FEC_ORDER = 9,
    MIKEY_SRTP_SRTP_AUTH = 10,
    MIKEY_SRTP_AUTH_TAG_LEN = 11,
    MIKEY_SRTP_PREFIX_LEN = 12,
    MIKEY_SRTP_ROC_RATE = 13,
    MIKEY_SRTP_AUTH_TAG_LEN_SRTP = 18,
    MIKEY_SRTP_AUTH_TAG_LEN_SRTCP = 19,
    MIKEY_SRTP_AEAD_TAG_LEN = 20
};

/* Fills sp with the default group-call SRTP profile of TS 33.179
 * Table E.2-1 (AES-GCM 16, RCCm3, salt 12, AES-CM PRF, KDR 0, ROC rate 1,
 * SRTP tag 4, SRTCP tag 0, AEAD tag 16).  Values point to static data. */
void mikey_sp_default_group(struct mikey_sp *sp, uint8_t policy_no);
/* The private-call (PCK) profile of Table E.3-1. */
void mikey_sp_default_private(struct mikey_sp *sp, uint8_t policy_no);
/* The value of parameter type in sp, or NULL. */
const struct mikey_view *mikey_sp_param(const struct mikey_sp *sp, uint8_t type);

/* ------------------------------------------------ key parameters (E.6.1) */
/* Content of the TS 33.180 E.6.1 "Key Parameters" payload (Table E.6.1-1,
 * MONP encoding of TS 24.379 Annex I).  In Rel-15+ this content travels
 * inside an MCData protected payload (TS 33.180 8.5.4) encrypted with the
 * key the message carries; that wrapping is not done here: the type 7
 * extension is exposed as raw octets. */
struct mikey_key_params {
    uint8_t key_type;        /* E.6.11 */
    uint32_t status;         /* E.6.9 */
    uint64_t activation;     /* E.6.4, 5 octets (40 bits) */
    uint64_t expiry;         /* E.6.10, 5 octets */
    struct mikey_view text;  /* E.6.5, LV-E */
    struct mikey_view group_ids; /* E.6.3, LV-E value, kept opaque */
    struct mikey_view extra; /* further information elements, kept opaque */
};
#define MIKEY_KP_TIME_MAX UINT64_C(0xFFFFFFFFFF)

int mikey_key_params_decode(const uint8_t *buf, size_t len, struct mikey_key_params *kp);
size_t mikey_key_params_encoded_len(const struct mikey_key_params *kp);
int mikey_key_params_encode(const struct mikey_key_params *kp, uint8_t *out, size_t cap,
                            size_t *out_len);

/* ------------------------------------------------ ECCSI / SAKKE (lib/ibc) */
/* Context for mikey_eccsi_sign: the signer's UID, its KMS's KPAK and its
 * SSK/PVT for the key period; j fixed only for known-answer tests. */
struct mikey_eccsi_signer {
    const uint8_t *kpak; size_t kpak_len;
    const uint8_t *uid; size_t uid_len;
    const uint8_t *ssk; size_t ssk_len;
    const uint8_t *pvt; size_t pvt_len;
    const uint8_t *j;   /* 32 octets, or NULL to draw from rnd */
    mikey_random_fn *rnd; void *rctx;
};
struct mikey_eccsi_verifier {
    const uint8_t *kpak; size_t kpak_len;
    const uint8_t *uid; size_t uid_len;
};
/* mikey_sign_fn / mikey_verify_fn over lib/ibc (ctx: the structs above). */
int mikey_eccsi_sign(void *signer, const uint8_t *msg, size_t len,
                     uint8_t sig[MIKEY_SIGN_LEN]);
int mikey_eccsi_verify(void *verifier, const uint8_t *msg, size_t len,
                       const uint8_t *sig, size_t sig_len);

/* Recovers the key (SSV) of the SAKKE payload for the receiver uid holding
 * rsk under KMS public key z (RFC 6508 6.2.2, with its integrity check). */
int mikey_sakke_decap(const struct mikey_sakke *s, const uint8_t *z, size_t z_len,
                      const uint8_t *uid, size_t uid_len,
                      const uint8_t *rsk, size_t rsk_len,
                      uint8_t key[MIKEY_KEY_LEN]);

/* One KMS as seen by a MIKEY-SAKKE endpoint (from its KMS certificate). */
struct mikey_kms {
    const uint8_t *uri; size_t uri_len; /* KmsUri */
    struct mikey_kp kp;                 /* UserKeyPeriod, UserKeyOffset */
    const uint8_t *kpak; size_t kpak_len; /* PubAuthKey (65) */
    const uint8_t *z; size_t z_len;       /* PubEncKey (257) */
};

/* Sender side of a GMK distribution (TS 33.179 E.2 / 33.180 5.7): builds
 * the signed I_MESSAGE carrying key to one receiver. */
struct mikey_gmk_send {
    const uint8_t *key; size_t key_len; /* GMK (16) */
    uint32_t key_id;                    /* GMK-ID (purpose tag 0) */
    uint64_t ntp_secs;                  /* time for T and the key periods */
    const uint8_t *rand; size_t rand_len; /* NULL: 16 random octets */
    uint8_t v;                          /* normally 0 */
    const struct mikey_sp *sp;          /* NULL: no SP payload */
    const struct mikey_genext *ext; size_t n_ext; /* extra extensions */
    /* initiator (the GMS) */
    const uint8_t *init_uri; size_t init_uri_len;
    const struct mikey_kms *init_kms;   /* uri, kp, kpak */
    const uint8_t *ssk; size_t ssk_len; /* for the current key period */
    const uint8_t *pvt; size_t pvt_len;
    const uint8_t *j;                   /* KAT only, else NULL */
    /* receiver */
    const uint8_t *resp_uri; size_t resp_uri_len;
    const struct mikey_kms *resp_kms;   /* uri, kp, z */
    mikey_random_fn *rnd; void *rctx;
};
int mikey_gmk_imessage_build(const struct mikey_gmk_send *p,
                             uint8_t *out, size_t cap, size_t *out_len);

/* Receiver side: decodes, checks that IDRr/IDRkmsr/IDRkmsi name the
 * identities given, verifies the signature of IDRi under init_kms, recovers
 * the key with rsk and the key ID from the CSB ID.  flags: MIKEY_F_*. */
struct mikey_gmk_recv {
    const uint8_t *my_uri; size_t my_uri_len;
    const struct mikey_kms *my_kms;     /* uri, kp, z */
    const uint8_t *rsk; size_t rsk_len; /* for the key period of T */
    const struct mikey_kms *init_kms;   /* uri, kp, kpak */
    unsigned flags;
};
struct mikey_gmk_result {
    uint8_t key[MIKEY_KEY_LEN];
    uint32_t key_id;   /* GMK-ID (or the CSB ID for non-GMK purposes) */
    uint32_t csb_id;
    uint64_t ntp_secs; /* time of T */
    uint64_t period_no; /* receiver's key period used */
    enum mikey_sig_variant sig_variant;
};
int mikey_gmk_imessage_receive(const uint8_t *buf, size_t len,
                               const struct mikey_gmk_recv *p,
                               struct mikey_imsg *m, struct mikey_gmk_result *res);

/* Zeroes n octets so that the compiler cannot drop it. */
void mikey_wipe(void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* MIKEY_MIKEY_H */
