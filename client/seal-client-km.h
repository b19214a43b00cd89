/* SPDX-License-Identifier: Apache-2.0 */
/* seal-client's "keys" and "gmk" commands (seal-client-km.c), hooked into
 * seal-client.c's option table and dispatch. */
#ifndef SEAL_CLIENT_KM_H
#define SEAL_CLIENT_KM_H

#include <stddef.h>

#include <sealclient/sealclient.h>

/* getopt_long codes of the options (above any short option character) */
enum {
    SC_KM_OPT_KMS = 0x4b00, SC_KM_OPT_KEYS, SC_KM_OPT_IDENTITY, SC_KM_OPT_GM, SC_KM_OPT_GMS,
    SC_KM_OPT_SENDER, SC_KM_OPT_KEEP, SC_KM_OPT_FILE, SC_KM_OPT_CSID, SC_KM_OPT_TRK,
    SC_KM_OPT_INK
};

/* For the struct option table of seal-client.c. */
#define SC_KM_LONG_OPTIONS \
    { "kms", required_argument, NULL, SC_KM_OPT_KMS }, \
    { "keys", required_argument, NULL, SC_KM_OPT_KEYS }, \
    { "identity", required_argument, NULL, SC_KM_OPT_IDENTITY }, \
    { "gm", required_argument, NULL, SC_KM_OPT_GM }, \
    { "gms", required_argument, NULL, SC_KM_OPT_GMS }, \
    { "sender", required_argument, NULL, SC_KM_OPT_SENDER }, \
    { "keep", no_argument, NULL, SC_KM_OPT_KEEP }, \
    { "file", required_argument, NULL, SC_KM_OPT_FILE }, \
    { "cs-id", required_argument, NULL, SC_KM_OPT_CSID }, \
    { "trk-file", required_argument, NULL, SC_KM_OPT_TRK }, \
    { "ink-file", required_argument, NULL, SC_KM_OPT_INK }

#define SC_KM_USAGE \
    "  keys           fetch, validate and store key material (KMS certificate, key sets\n" \
    "                 for the current and the next key period)\n" \
    "  gmk            fetch group key messages, verify, decrypt, print the GMK-ID and the\n" \
    "                 SRTP master key and salt; acknowledge them\n"
#define SC_KM_OPTIONS_USAGE \
    "keys and gmk options:\n" \
    "      --keys FILE             key file (default keys.json beside the tokens file)\n" \
    "      --kms URL               KMS base URL (env SEAL_KMS_URL; default: the issuer's)\n" \
    "      --identity URI          keys: provision this identity (repeatable; default:\n" \
    "                              every identity the KMS provisions for the login)\n" \
    "      --trk-file FILE         keys: the transport key shared with the KMS (64 hex)\n" \
    "      --ink-file FILE         keys: the integrity key shared with the KMS (64 hex)\n" \
    "      --gm URL                GMS base URL (env SEAL_GM_URL; default: the issuer's)\n" \
    "      --gms URI               gmk: the GMS identity to expect (env SEAL_GMS_URI)\n" \
    "      --cs-id N               gmk: crypto session ID (default 4, MCPTT group call)\n" \
    "      --sender URI            gmk: SRTP keys of this member's media (default: own)\n" \
    "      --keep                  gmk: do not acknowledge the messages\n" \
    "      --file FILE             gmk: process one I_MESSAGE (raw or base64) offline\n"

#define SC_KM_MAX_IDS 16

typedef struct sc_km_cli {
    const char *kms_url, *keys_path, *gm_url, *gms_uri, *sender_uri, *file;
    const char *trk_file, *ink_file;
    const char *ids[SC_KM_MAX_IDS];
    size_t n_ids;
    long cs_id;
    int cs_id_set, keep;
} sc_km_cli_t;

/* 1 when ch is one of the options above (stored in k), else 0. */
int sc_km_cli_option(sc_km_cli_t *k, int ch, const char *arg);
/* The commands; return the exit status. */
int sc_km_cli_keys(sealclient_t *c, const sc_km_cli_t *k);
int sc_km_cli_gmk(sealclient_t *c, const sc_km_cli_t *k);

#endif
