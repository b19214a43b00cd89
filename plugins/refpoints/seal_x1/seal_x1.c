/* SPDX-License-Identifier: Apache-2.0 */
/* SEAL-X1, KMS -> GMS (TS 33.434 5.1.1.1; TS 33.180 5.7.1: "the GMS is
 * provisioned by the KMS with key material for its GMS server URI"). Gives
 * the gm service "seal.x1.v1" (seal/services/x1.h): the KMS certificate and
 * the GMS's SSK/PVT for a key period, fetched in process through
 * "seal.km.v1" or from a remote KMS over HTTPS (x1_remote.c), checked
 * (UserUri, KmsUri, KeyPeriodNo, the F.2.1 UID, RFC 6507 5.1.2 validation
 * against the KPAK) and cached per key period. The next period's key set is
 * fetched ahead so the boundary costs nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxml/parser.h>
#include "mikey/mikey.h"
#include "x1.h"

/* ---- key periods (TS 33.180 F.2.1) ---- */

seal_status_t x1_period_of(const x1_cert_t *c, int64_t t, uint64_t *no)
{
    if (t < 0)
        return SEAL_E_INVAL;
    struct mikey_kp kp = { c->period, c->offset };
    return mikey_kp_number(&kp, (uint64_t)t + MIKEY_NTP_UNIX_OFFSET, no) == MIKEY_OK
               ? SEAL_OK : SEAL_E_INVAL;
}

int64_t x1_period_start(const x1_cert_t *c, uint64_t no)
{
    struct mikey_kp kp = { c->period, c->offset };
    struct mikey_kp_span sp;
    if (mikey_kp_span_of(&kp, no, &sp) != MIKEY_OK)
        return -1;
    return (int64_t)(sp.start - MIKEY_NTP_UNIX_OFFSET);
}

/* ---- fetching and checking ---- */

static seal_status_t get_cert(x1_t *x, x1_cert_t *cert)
{
    return x->remote ? x1_remote_cert(x->rem, cert) : x1_local_cert(x, cert);
}

/* The key set for period no, checked against the certificate; fills the
 * cache slot's keys. */
static seal_status_t fetch_keys(x1_t *x, const x1_cert_t *cert, uint64_t no,
                                seal_x1_keys_t *k)
{
    x1_keyset_t ks;
    seal_status_t st;
    int64_t start = x1_period_start(cert, no), end = x1_period_start(cert, no + 1);
    if (start < 0 || end < 0)
        return SEAL_E_INVAL;
    if (x->remote)
        st = x1_remote_keyset(x->rem, x->gms_uri, (uint64_t)start + MIKEY_NTP_UNIX_OFFSET, &ks);
    else
        st = x1_local_keyset(x, no, &ks);
    if (st != SEAL_OK) {
        seal_log(x->self, SEAL_LOG_WARN, "no key set for %s, key period %llu: %s", x->gms_uri,
                 (unsigned long long)no, seal_strerror(st));
        return st;
    }
    uint8_t uid[MIKEY_UID_LEN];
    struct mikey_kp kp = { cert->period, cert->offset };
    const char *why = NULL;
    if (strcmp(ks.user_uri, x->gms_uri) != 0)
        why = "its UserUri is not our GMS URI";
    else if (strcmp(ks.kms_uri, cert->kms_uri) != 0)
        why = "its KmsUri is not the certificate's";
    else if (ks.period_no != no)
        why = "it is for another key period";
    else if (mikey_uid((const uint8_t *)x->gms_uri, strlen(x->gms_uri),
                       (const uint8_t *)cert->kms_uri, strlen(cert->kms_uri), &kp, no,
                       uid) != MIKEY_OK || memcmp(uid, ks.uid, sizeof uid) != 0)
        why = "its UserID is not the TS 33.180 F.2.1 UID of our GMS URI";
    else if (seal_crypto_eccsi_validate(x->self, cert->kpak, sizeof cert->kpak, uid,
                                        sizeof uid, ks.ssk, sizeof ks.ssk, ks.pvt,
                                        sizeof ks.pvt, NULL) != SEAL_OK)
        why = "its SSK/PVT does not validate against the KMS's KPAK (RFC 6507 5.1.2)";
    if (why) {
        seal_log(x->self, SEAL_LOG_ERR, "refused the key set for %s, key period %llu: %s",
                 x->gms_uri, (unsigned long long)no, why);
        explicit_bzero(&ks, sizeof ks);
        return SEAL_E_CRYPTO;
    }
    memset(k, 0, sizeof *k);
    k->struct_size = sizeof *k;
    memcpy(k->kms_uri, cert->kms_uri, sizeof k->kms_uri);
    k->user_key_period = cert->period;
    k->user_key_offset = cert->offset;
    memcpy(k->z, cert->z, sizeof k->z);
    memcpy(k->kpak, cert->kpak, sizeof k->kpak);
    snprintf(k->gms_uri, sizeof k->gms_uri, "%s", x->gms_uri);
    k->period_no = no;
    k->valid_from = start;
    k->valid_to = end;
    memcpy(k->uid, uid, sizeof uid);
    memcpy(k->ssk, ks.ssk, sizeof k->ssk);
    memcpy(k->pvt, ks.pvt, sizeof k->pvt);
    explicit_bzero(&ks, sizeof ks);
    seal_log(x->self, SEAL_LOG_INFO, "key set for %s, key period %llu (%s)", x->gms_uri,
             (unsigned long long)no, x->remote ? "remote KMS" : "in process");
    return SEAL_OK;
}

static x1_slot_t *find_slot(x1_t *x, uint32_t gen, uint64_t no)
{
    for (size_t i = 0; i < X1_SLOTS; i++)
        if (x->slot[i].used && x->slot[i].generation == gen && x->slot[i].keys.period_no == no)
            return &x->slot[i];
    return NULL;
}

/* A slot to fill: a free one, else the one of the oldest period. */
static x1_slot_t *victim(x1_t *x)
{
    x1_slot_t *v = &x->slot[0];
    for (size_t i = 0; i < X1_SLOTS; i++) {
        if (!x->slot[i].used)
            return &x->slot[i];
        if (x->slot[i].keys.period_no < v->keys.period_no)
            v = &x->slot[i];
    }
    return v;
}

static void flush_slots(x1_t *x)
{
    explicit_bzero(x->slot, sizeof x->slot);
}

static seal_status_t fill(x1_t *x, uint64_t no, x1_slot_t **out)
{
    seal_x1_keys_t k;
    seal_status_t st = fetch_keys(x, &x->cert, no, &k);
    if (st != SEAL_OK)
        return st;
    x1_slot_t *s = victim(x);
    explicit_bzero(s, sizeof *s);
    s->used = 1;
    s->generation = x->cert.generation;
    s->keys = k;
    explicit_bzero(&k, sizeof k);
    *out = s;
    return SEAL_OK;
}

static int cert_same(const x1_cert_t *a, const x1_cert_t *b)
{
    return strcmp(a->kms_uri, b->kms_uri) == 0 && a->period == b->period &&
           a->offset == b->offset && memcmp(a->kpak, b->kpak, sizeof a->kpak) == 0 &&
           memcmp(a->z, b->z, sizeof a->z) == 0;
}

/* The certificate: in process asked every time (km answers from memory and
 * runs a due rollover); remote refreshed every cert_refresh_s. A changed
 * certificate drops the cached key sets. Under x->mu. */
static seal_status_t refresh_cert(x1_t *x, int64_t now)
{
    if (x->remote && x->have_cert && now - x->cert_at < x->cert_refresh_s)
        return SEAL_OK;
    x1_cert_t c;
    seal_status_t st = get_cert(x, &c);
    if (st != SEAL_OK) {
        /* A remote KMS that is briefly away: keep serving the cached
         * certificate and keys. */
        if (x->remote && x->have_cert) {
            x->cert_at = now - x->cert_refresh_s + 60;
            return SEAL_OK;
        }
        return st;
    }
    int same = x->have_cert && cert_same(&c, &x->cert);
    if (x->remote)   /* a remote KMS's generation is counted here */
        c.generation = x->have_cert ? x->cert.generation + !same : 1;
    if (!same || c.generation != x->cert.generation) {
        if (x->have_cert)
            seal_log(x->self, SEAL_LOG_NOTICE, "the KMS certificate changed: key sets "
                     "fetched again");
        flush_slots(x);
    }
    x->cert = c;
    x->have_cert = 1;
    x->cert_at = now;
    return SEAL_OK;
}

static seal_status_t x1_keys_at(void *user, int64_t t, seal_x1_keys_t *out)
{
    x1_t *x = user;
    if (!out || out->struct_size < sizeof *out || t < 0)
        return SEAL_E_INVAL;
    int64_t now = (int64_t)time(NULL);
    pthread_mutex_lock(&x->mu);
    uint64_t no = 0;
    x1_slot_t *s = NULL;
    seal_status_t st = refresh_cert(x, now);
    if (st == SEAL_OK)
        st = x1_period_of(&x->cert, t, &no);
    if (st == SEAL_OK && !(s = find_slot(x, x->cert.generation, no)))
        st = fill(x, no, &s);
    if (st == SEAL_OK) {
        uint32_t size = out->struct_size;
        memcpy(out, &s->keys, sizeof *out);
        out->struct_size = size;
        /* Ahead of the boundary: the next period's key set (km issues the
         * current and the next). A failure only delays the next try. */
        if (!find_slot(x, x->cert.generation, no + 1) && now >= x->next_retry) {
            x1_slot_t *n;
            if (fill(x, no + 1, &n) != SEAL_OK) {
                x->next_retry = now + 60;
                /* fill may have reused the slot we copied from: harmless,
                 * out already holds the keys. */
            }
        }
    }
    pthread_mutex_unlock(&x->mu);
    if (st != SEAL_OK)
        explicit_bzero(out->ssk, sizeof out->ssk);
    return st;
}

static const char *x1_gms_uri(void *user)
{
    return ((x1_t *)user)->gms_uri;
}

static const char *x1_mode(void *user)
{
    return ((x1_t *)user)->remote ? "remote" : "in-process";
}

static const seal_x1_v1_t x1_iface = {
    .struct_size = sizeof(seal_x1_v1_t),
    .keys_at = x1_keys_at,
    .gms_uri = x1_gms_uri,
    .mode = x1_mode,
};

/* ---- plugin ---- */

static int uri_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SEAL_X1_URI_MAX)
        return 0;
    for (; *s; s++)
        if (*s <= 0x20 || *s >= 0x7f)
            return 0;
    return 1;
}

static seal_status_t x1_init(seal_plugin_t *self)
{
    x1_t *x = calloc(1, sizeof *x);
    if (!x)
        return SEAL_E_NOMEM;
    x->self = self;
    pthread_mutex_init(&x->mu, NULL);
    seal_plugin_set_data(self, x);
    const seal_conf_t *conf = seal_plugin_conf(self);
    const char *gms = NULL, *mode = NULL;
    x1_remote_conf_t rc = {0};
    int64_t refresh = 0;
    seal_status_t st;
    if ((st = seal_conf_string(conf, "gms_uri", NULL, &gms)) ||
        (st = seal_conf_string(conf, "mode", "auto", &mode)) ||
        (st = seal_conf_string(conf, "kms_url", NULL, &rc.kms_url)) ||
        (st = seal_conf_string(conf, "token_url", NULL, &rc.token_url)) ||
        (st = seal_conf_string(conf, "client_id", NULL, &rc.client_id)) ||
        (st = seal_conf_string(conf, "client_secret_file", NULL, &rc.client_secret_file)) ||
        (st = seal_conf_string(conf, "ca_file", NULL, &rc.ca_file)) ||
        (st = seal_conf_string(conf, "scope", "seal.km", &rc.scope)) ||
        (st = seal_conf_int(conf, "timeout_ms", 10000, 100, 600000, &rc.timeout_ms)) ||
        (st = seal_conf_int(conf, "cert_refresh_s", 3600, 10, 86400 * 30, &refresh)))
        return st;
    x->cert_refresh_s = refresh;
    if (!gms || !uri_ok(gms))
        return seal_conf_error(self, seal_conf_get(conf, "gms_uri") ? seal_conf_get(conf, "gms_uri")
                               : conf, "gms_uri is required: the GMS's identity URI, 1..255 "
                               "printable octets without spaces, e.g. \"sip:gms@example.org\"");
    if (!(x->gms_uri = strdup(gms)))
        return SEAL_E_NOMEM;
    if (strcmp(mode, "auto") == 0)
        x->remote = !seal_plugin_loaded(self, "km");
    else if (strcmp(mode, "remote") == 0)
        x->remote = 1;
    else if (strcmp(mode, "in-process") != 0)
        return seal_conf_error(self, seal_conf_get(conf, "mode"),
                               "must be \"auto\", \"in-process\" or \"remote\"");
    if (!x->remote) {
        if (!seal_plugin_loaded(self, "km")) {
            seal_log(self, SEAL_LOG_ERR, "mode \"in-process\" needs the km plugin in this "
                     "seald");
            return SEAL_E_CONFIG;
        }
        /* km provides its interface in its init; the host initialises km
         * first (our "after" list), so it also starts (and is ready) first. */
        if (!seal_iface_get(self, SEAL_KM_IFACE_V1, NULL)) {
            seal_log(self, SEAL_LOG_ERR, "km provides no %s interface", SEAL_KM_IFACE_V1);
            return SEAL_E_CONFIG;
        }
    } else {
        static const char *const need[] = { "kms_url", "token_url", "client_id",
                                             "client_secret_file" };
        const char *have[] = { rc.kms_url, rc.token_url, rc.client_id, rc.client_secret_file };
        for (size_t i = 0; i < 4; i++)
            if (!have[i] || !*have[i])
                return seal_conf_error(self, conf, "%s is required when the KMS is remote "
                                       "(the km plugin is not loaded here)", need[i]);
        if (strncmp(rc.kms_url, "https://", 8) != 0 || strncmp(rc.token_url, "https://", 8) != 0)
            return seal_conf_error(self, conf, "kms_url and token_url must be https:// URLs "
                                   "(SEAL-X1 is HTTPS, TS 33.434 5.1.1.1)");
        xmlInitParser();   /* once, on the main thread, before any parse */
        if ((st = x1_remote_new(self, &rc, &x->rem)) != SEAL_OK)
            return st;
    }
    if ((st = seal_iface_provide(self, SEAL_X1_IFACE_V1, &x1_iface, x, NULL)) != SEAL_OK)
        seal_log(self, SEAL_LOG_ERR, "cannot provide %s: %s", SEAL_X1_IFACE_V1,
                 seal_strerror(st));
    return st;
}

static seal_status_t x1_start(seal_plugin_t *self)
{
    x1_t *x = seal_plugin_data(self);
    if (!(seal_crypto_caps(self, NULL) & SEAL_CRYPTO_CAP_ECCSI)) {
        seal_log(self, SEAL_LOG_ERR, "the crypto backend has no ECCSI: the GMS key set "
                 "cannot be validated");
        return SEAL_E_UNSUPPORTED;
    }
    if (!x->remote) {
        x->km = seal_iface_get(self, SEAL_KM_IFACE_V1, &x->km_user);
        if (!x->km || x->km->struct_size < sizeof(seal_km_v1_t)) {
            seal_log(self, SEAL_LOG_ERR, "interface %s is not provided", SEAL_KM_IFACE_V1);
            return SEAL_E_NOTFOUND;
        }
    }
    seal_log(self, SEAL_LOG_INFO, "GMS %s gets its key material %s", x->gms_uri,
             x->remote ? "from a remote KMS" : "in process from km");
    return SEAL_OK;
}

static void x1_fini(seal_plugin_t *self)
{
    x1_t *x = seal_plugin_data(self);
    if (!x)
        return;
    flush_slots(x);
    x1_remote_free(x->rem);
    free(x->gms_uri);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

/* Initialised after these when they are loaded: in process, seal_x1 reads the KMS through seal.km.v1. */
static const char *const plugin_after[] = { "km", NULL };

static const seal_plugin_desc_t x1_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "seal_x1",
    .version = "0.1.0",
    .description = "SEAL-X1: KMS to GMS key material (TS 33.434 5.1.1.1)",
    .init = x1_init,
    .start = x1_start,
    .fini = x1_fini,
    .after = plugin_after,
};

SEAL_PLUGIN_EXPORT(x1_desc)
