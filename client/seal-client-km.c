/* SPDX-License-Identifier: Apache-2.0 */
/* seal-client keys / gmk: the KM client (TS 33.434 5.3, TS 33.180 Annex D)
 * and the group key receiver (TS 33.180 5.7, 7.4.2) on the command line,
 * over libsealclient.  See seal-client(1). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sealclient/sealclient.h>

#include "seal-client-km.h"

#define MAX_FILE (64 * 1024)

int sc_km_cli_option(sc_km_cli_t *k, int ch, const char *arg)
{
    char *end;
    switch (ch) {
    case SC_KM_OPT_KMS: k->kms_url = arg; return 1;
    case SC_KM_OPT_KEYS: k->keys_path = arg; return 1;
    case SC_KM_OPT_IDENTITY:
        if (k->n_ids >= SC_KM_MAX_IDS) {
            fprintf(stderr, "seal-client: at most %d --identity\n", SC_KM_MAX_IDS);
            exit(2);
        }
        k->ids[k->n_ids++] = arg;
        return 1;
    case SC_KM_OPT_GM: k->gm_url = arg; return 1;
    case SC_KM_OPT_GMS: k->gms_uri = arg; return 1;
    case SC_KM_OPT_SENDER: k->sender_uri = arg; return 1;
    case SC_KM_OPT_KEEP: k->keep = 1; return 1;
    case SC_KM_OPT_FILE: k->file = arg; return 1;
    case SC_KM_OPT_TRK: k->trk_file = arg; return 1;
    case SC_KM_OPT_INK: k->ink_file = arg; return 1;
    case SC_KM_OPT_CSID:
        errno = 0;
        k->cs_id = strtol(arg, &end, 0);
        if (errno || end == arg || *end || k->cs_id < 0 || k->cs_id > 255) {
            fprintf(stderr, "seal-client: --cs-id: a crypto session ID is 0..255: %s\n", arg);
            exit(2);
        }
        k->cs_id_set = 1;
        return 1;
    default:
        return 0;
    }
}

static void when(char *buf, size_t n, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, n, "-");
}

static void on_keyset(void *ctx, const sealclient_keyset_info_t *ks)
{
    char from[32], to[32];
    (void)ctx;
    when(from, sizeof from, ks->valid_from);
    when(to, sizeof to, ks->valid_to);
    printf("%s key-period %" PRIu64 " (%s .. %s) kms %s\n", ks->user_uri, ks->key_period_no,
           from, to, ks->kms_uri);
}

/* A TS 33.180 D.1 key: 64 hex digits on the first line of path. */
static int read_key(const char *path, const char *what, uint8_t key[32])
{
    FILE *f = fopen(path, "re");
    char line[130] = "";
    if (!f) {
        fprintf(stderr, "seal-client: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    size_t n = strcspn(line, "\r\n");
    line[n] = '\0';
    for (size_t i = 0; ok && i < 32; i++) {
        unsigned v;
        ok = n == 64 && sscanf(line + 2 * i, "%2x", &v) == 1 &&
             strchr("0123456789abcdefABCDEF", line[2 * i]) &&
             strchr("0123456789abcdefABCDEF", line[2 * i + 1]);
        key[i] = (uint8_t)v;
    }
    explicit_bzero(line, sizeof line);
    if (!ok) {
        explicit_bzero(key, 32);
        fprintf(stderr, "seal-client: %s: the %s must be 64 hex digits\n", path, what);
        return -1;
    }
    return 0;
}

int sc_km_cli_keys(sealclient_t *c, const sc_km_cli_t *k)
{
    sealclient_km_options_t o = { .struct_size = sizeof o };
    uint8_t trk[32], ink[32];
    if (k->trk_file) {
        if (read_key(k->trk_file, "TrK", trk))
            return 2;
        o.trk = trk;
    }
    if (k->ink_file) {
        if (read_key(k->ink_file, "InK", ink)) {
            explicit_bzero(trk, sizeof trk);
            return 2;
        }
        o.ink = ink;
    }
    o.kms_url = k->kms_url ? k->kms_url : getenv("SEAL_KMS_URL");
    if (o.kms_url && !*o.kms_url)
        o.kms_url = NULL;
    o.keys_path = k->keys_path;
    o.user_uris = k->ids;
    o.n_user_uris = k->n_ids;
    int rc = sealclient_keys_provision(c, &o, on_keyset, NULL);
    explicit_bzero(trk, sizeof trk);
    explicit_bzero(ink, sizeof ink);
    if (rc) {
        fprintf(stderr, "seal-client: keys: %s\n", sealclient_error(c));
        return rc == SEALCLIENT_E_NOSESSION ? 3 : rc == SEALCLIENT_E_PROTOCOL ? 5 : 1;
    }
    return 0;
}

static void hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
}

static void on_gmk(void *ctx, const sealclient_gmk_t *g)
{
    int *acks_failed = ctx;
    if (g->status) {
        /* one line per refused message of a fetch; a single message's
         * refusal is the command's error line */
        if (g->message_id)
            fprintf(stderr, "seal-client: gmk: message %s refused: %s\n", g->message_id,
                    g->error ? g->error : "(no reason)");
        return;
    }
    if (g->message_id)
        printf("message: %s\n", g->message_id);
    if (g->val_group_id)
        printf("group: %s\n", g->val_group_id);
    char t[32];
    when(t, sizeof t, g->time);
    printf("gms: %s\nidentity: %s\nkey-period: %" PRIu64 "\ntime: %s\n"
           "gmk-id: %08" PRIx32 "\nguk-id: %08" PRIx32 "\n"
           "cs-id: %u\nsender: %s\nsender-guk-id: %08" PRIx32 "\n",
           g->gms_uri, g->user_uri, g->key_period_no, t, g->gmk_id, g->guk_id,
           (unsigned)g->cs_id, g->sender_uri, g->sender_guk_id);
    printf("srtp-master-key: ");
    hex(g->master_key, sizeof g->master_key);
    printf("\nsrtp-master-salt: ");
    hex(g->master_salt, sizeof g->master_salt);
    printf("\nmki: ");
    hex(g->mki, sizeof g->mki);
    printf("\n");
    if (g->activation) {
        when(t, sizeof t, g->activation);
        printf("activation: %s\n", t);
    }
    if (g->expiry) {
        when(t, sizeof t, g->expiry);
        printf("expiry: %s\n", t);
    }
    if (g->message_id)
        printf("acknowledged: %s\n", g->acknowledged ? "yes" : "no");
    printf("\n");
    if (g->message_id && !g->acknowledged && acks_failed)
        (*acks_failed)++;
}

/* An I_MESSAGE file: raw octets, or base64 text (as GM-UU carries it). */
static uint8_t *read_message(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "seal-client: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = malloc(MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_FILE + 1, f) : 0;
    if (f != stdin)
        fclose(f);
    if (!buf || n == 0 || n > MAX_FILE) {
        fprintf(stderr, "seal-client: %s: empty or larger than %d octets\n", path, MAX_FILE);
        free(buf);
        return NULL;
    }
    *len = n;
    /* MIKEY starts with version 1; base64 text never does */
    if (buf[0] != 1) {
        size_t k = 0;
        int b64 = 1;
        for (size_t i = 0; i < n && b64; i++) {
            uint8_t ch = buf[i];
            if (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t')
                continue;
            b64 = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=';
            buf[k++] = ch;
        }
        if (b64) {
            static const char tbl[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            size_t o = 0;
            uint32_t acc = 0;
            int bits = 0;
            for (size_t i = 0; i < k && buf[i] != '='; i++) {
                acc = acc << 6 | (uint32_t)(strchr(tbl, buf[i]) - tbl);
                bits += 6;
                if (bits >= 8) {
                    bits -= 8;
                    buf[o++] = (uint8_t)(acc >> bits);
                }
            }
            *len = o;
        }
    }
    return buf;
}

int sc_km_cli_gmk(sealclient_t *c, const sc_km_cli_t *k)
{
    sealclient_gmk_options_t o = { .struct_size = sizeof o };
    o.gm_url = k->gm_url ? k->gm_url : getenv("SEAL_GM_URL");
    if (o.gm_url && !*o.gm_url)
        o.gm_url = NULL;
    o.gms_uri = k->gms_uri ? k->gms_uri : getenv("SEAL_GMS_URI");
    if (!o.gms_uri || !*o.gms_uri) {
        fprintf(stderr, "seal-client: gmk: the GMS identity is required: --gms URI "
                "(or SEAL_GMS_URI)\n");
        return 2;
    }
    o.keys_path = k->keys_path;
    o.cs_id = k->cs_id_set ? (unsigned)k->cs_id : 4;   /* MCPTT group call */
    o.sender_uri = k->sender_uri;
    o.keep = k->keep;
    int rc, acks_failed = 0;
    if (k->file) {
        size_t len;
        uint8_t *msg = read_message(k->file, &len);
        if (!msg)
            return 1;
        rc = sealclient_gmk_receive(c, &o, msg, len, on_gmk, NULL);
        free(msg);
    } else {
        size_t n = 0;
        rc = sealclient_gmk_fetch(c, &o, on_gmk, &acks_failed, &n);
        if (!rc && n == 0)
            fprintf(stderr, "seal-client: gmk: no pending group key message\n");
    }
    if (rc) {
        fprintf(stderr, "seal-client: gmk: %s\n", sealclient_error(c));
        return rc == SEALCLIENT_E_NOSESSION ? 3 : rc == SEALCLIENT_E_PROTOCOL ? 5
               : rc == SEALCLIENT_E_ARG ? 2 : 1;
    }
    if (acks_failed)
        fprintf(stderr, "seal-client: gmk: %d message(s) could not be acknowledged; they "
                "will be fetched again\n", acks_failed);
    return 0;
}
