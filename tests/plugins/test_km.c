/* SPDX-License-Identifier: Apache-2.0 */
/* The km service (TS 33.434 5.3, TS 33.180 5.3) through an in-process host
 * with store_sqlite and crypto_gnutls: the "seal.km.v1" contract as the
 * bindings see it. Issued key material validates against the certificate
 * (SSK/PVT against KPAK, RSK against Z, through the crypto ABI); key sets
 * are issued once, survive a restart, never reach the store in clear; the
 * key period policy, revocation, entitlement, the KEK file rules and the
 * master-key rollover with its overlap. */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <seal/seal.h>
#include <seal/services/km.h>
#include "host.h"

/* ---- a consumer plugin: resolves the interface, records events ---- */

#define MAX_EVENTS 32

typedef struct probe {
    seal_plugin_t *self;
    const seal_km_v1_t *km;
    void *km_user;
    pthread_mutex_t mu;
    size_t n;
    char topic[MAX_EVENTS][40];
    char json[MAX_EVENTS][256];
} probe_t;

static probe_t P;

static void on_event(const char *topic, const char *json, size_t len, void *user)
{
    probe_t *p = user;
    pthread_mutex_lock(&p->mu);
    if (p->n < MAX_EVENTS) {
        snprintf(p->topic[p->n], sizeof p->topic[0], "%s", topic);
        snprintf(p->json[p->n], sizeof p->json[0], "%.*s", (int)len, json);
        p->n++;
    }
    pthread_mutex_unlock(&p->mu);
}

static seal_status_t t_init(seal_plugin_t *self)
{
    P.self = self;
    return seal_event_subscribe(self, "km.", on_event, &P, NULL);
}

static seal_status_t t_start(seal_plugin_t *self)
{
    P.km = seal_iface_get(self, SEAL_KM_IFACE_V1, &P.km_user);
    return P.km ? SEAL_OK : SEAL_E_NOTFOUND;
}

static const seal_plugin_desc_t t_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "kmtest",
    .version = "0",
    .description = "km test consumer",
    .init = t_init,
    .start = t_start,
};

/* Waits (bounded) until an event of topic has arrived; its JSON or NULL. */
static const char *wait_event(const char *topic)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&P.mu);
        for (size_t k = 0; k < P.n; k++)
            if (strcmp(P.topic[k], topic) == 0) {
                pthread_mutex_unlock(&P.mu);
                return P.json[k];
            }
        pthread_mutex_unlock(&P.mu);
        usleep(10000);
    }
    return NULL;
}

/* ---- host ---- */

static char tmpdir[64];
static char kekfile[128];
static seal_host_t *host;

static const char *builddir(void)
{
    const char *b = getenv("top_builddir");
    return b && *b ? b : ".";
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

/* Starts a host over tmpdir with extra km config members (JSON text after
 * the mandatory ones, e.g. ", \"rollover_overlap\": 2"). */
static seal_status_t host_up(const char *extra)
{
    char conf[4096];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": [\"%s/plugins/stores/store_sqlite/.libs\","
             " \"%s/plugins/services/km/.libs\", \"%s/plugins/crypto/crypto_gnutls/.libs\"],"
             " \"log\": {\"level\": \"warning\"},"
             " \"plugins\": {\"store_sqlite\": {\"path\": \"%s/t.db\", \"synchronous\": \"normal\"},"
             " \"km\": {\"kms_uri\": \"kms.example.org\", \"master_key_file\": \"%s\"%s}},"
             " \"http\": {\"listen\": [\"127.0.0.1:0\"]}}",
             builddir(), builddir(), builddir(), tmpdir, kekfile, extra ? extra : "");
    memset(&P.km, 0, sizeof P.km);
    P.km = NULL;
    host = seal_host_new();
    ck_assert_ptr_nonnull(host);
    ck_assert_int_eq(seal_host_configure_string(host, conf, "test.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(host, &t_desc, "kmtest"), SEAL_OK);
    ck_assert_int_eq(seal_host_load(host), SEAL_OK);
    seal_status_t st = seal_host_init(host);
    if (st == SEAL_OK)
        st = seal_host_start(host);
    return st;
}

static void host_down(void)
{
    if (host) {
        seal_host_shutdown(host);
        seal_host_free(host);
        host = NULL;
    }
}

static void setup_dir(void)
{
    memset(&P, 0, sizeof P);
    pthread_mutex_init(&P.mu, NULL);
    strcpy(tmpdir, "/tmp/seal-km-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(kekfile, sizeof kekfile, "%s/km.kek", tmpdir);
}

static void setup(void)
{
    setup_dir();
    ck_assert_int_eq(host_up(NULL), SEAL_OK);
    ck_assert_ptr_nonnull(P.km);
}

static void teardown(void)
{
    host_down();
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    pthread_mutex_destroy(&P.mu);
}

/* ---- helpers ---- */

/* Seconds of the timed tests (rollover), times SEAL_TEST_TIME_SCALE (e.g.
 * 20 under valgrind, where every issue is much slower). */
static int scaled(int secs)
{
    const char *s = getenv("SEAL_TEST_TIME_SCALE");
    int k = s ? atoi(s) : 1;
    return secs * (k > 0 && k < 1000 ? k : 1);
}

static const char *overlap_conf(int overlap, int lifetime, char *buf, size_t cap)
{
    if (lifetime)
        snprintf(buf, cap, ", \"rollover_overlap\": %d, \"master_key_lifetime\": %d", overlap,
                 lifetime);
    else
        snprintf(buf, cap, ", \"rollover_overlap\": %d", overlap);
    return buf;
}

static seal_km_cert_t cert_of(int which)
{
    seal_km_cert_t c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    ck_assert_int_eq(P.km->cert(P.km_user, which, &c), SEAL_OK);
    return c;
}

static uint64_t period_now(int which)
{
    uint64_t no = 0;
    ck_assert_int_eq(P.km->period_at(P.km_user, which, (int64_t)time(NULL), &no), SEAL_OK);
    return no;
}

static seal_status_t keyset(int which, const char *id, uint64_t no, seal_km_keyset_t *ks)
{
    memset(ks, 0, sizeof *ks);
    ks->struct_size = sizeof *ks;
    return P.km->keyset(P.km_user, which, id, no, ks);
}

/* SSK/PVT against KPAK and RSK against Z, for the key set's UID. */
static void assert_valid(const seal_km_keyset_t *ks, const seal_km_cert_t *c)
{
    ck_assert_int_eq(seal_crypto_eccsi_validate(P.self, c->pub_auth_key, SEAL_KM_KPAK_LEN,
                                                ks->uid, SEAL_KM_UID_LEN, ks->ssk,
                                                SEAL_KM_SSK_LEN, ks->pvt, SEAL_KM_PVT_LEN,
                                                NULL), SEAL_OK);
    ck_assert_int_eq(seal_crypto_sakke_validate_rsk(P.self, c->pub_enc_key, SEAL_KM_Z_LEN,
                                                    ks->uid, SEAL_KM_UID_LEN, ks->rsk,
                                                    SEAL_KM_RSK_LEN, NULL), SEAL_OK);
}

/* True if the file holds the bytes (or their lowercase/uppercase hex). */
static int file_holds(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 22];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char lo[2 * 300 + 1], up[2 * 300 + 1];
    ck_assert_uint_le(n, 300);
    for (size_t i = 0; i < n; i++) {
        sprintf(lo + 2 * i, "%02x", b[i]);
        sprintf(up + 2 * i, "%02X", b[i]);
    }
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, b, n) == 0 || (i + 2 * n <= len && (memcmp(buf + i, lo, 2 * n) == 0
                                                              || memcmp(buf + i, up, 2 * n) == 0)))
            return 1;
    return 0;
}

/* ---- tests ---- */

START_TEST(test_certificate)
{
    seal_km_cert_t c = cert_of(SEAL_KM_CURRENT);
    ck_assert_uint_eq(c.generation, 1);
    ck_assert_str_eq(c.kms_uri, "kms.example.org");
    ck_assert_str_eq(c.cert_uri, "kms.example.org/cert/1");
    ck_assert_str_eq(c.id, "kms-cert-1");
    ck_assert_uint_eq(c.user_id_format, 2);
    ck_assert_uint_eq(c.user_key_period, 2592000);
    ck_assert_uint_eq(c.user_key_offset, 0);
    ck_assert_uint_eq(c.parameter_set, 1);
    ck_assert_uint_eq(c.pub_enc_key[0], 0x04);
    ck_assert_uint_eq(c.pub_auth_key[0], 0x04);
    ck_assert_int_eq(c.revoked, 0);
    ck_assert_int_le(c.valid_from, (int64_t)time(NULL));
    ck_assert_int_eq(c.valid_to, 0);   /* no automatic rollover configured */
    seal_km_cert_t p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    ck_assert_int_eq(P.km->cert(P.km_user, SEAL_KM_PREVIOUS, &p), SEAL_E_NOTFOUND);
    /* The KEK file was made 0600 at the first start. */
    struct stat sb;
    ck_assert_int_eq(stat(kekfile, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0600);
}
END_TEST

/* TS 33.180 F.2.1.2's worked example, through the interface. */
START_TEST(test_uid_vector)
{
    static const uint8_t want[32] = {
        0x3A, 0x81, 0xFB, 0x14, 0xC3, 0xB1, 0xD0, 0xFE, 0x43, 0xC9, 0xC5, 0x77, 0x10, 0x4D,
        0x55, 0xA6, 0xD8, 0x17, 0x88, 0xBF, 0xD2, 0xF0, 0x97, 0x43, 0xC4, 0x55, 0x77, 0x46,
        0xA5, 0xA0, 0x35, 0x3B };
    uint8_t uid[32];
    ck_assert_int_eq(P.km->uid(P.km_user, SEAL_KM_CURRENT, "sip:user@example.org", 1388, uid),
                     SEAL_OK);
    ck_assert_mem_eq(uid, want, 32);
    /* 2014-01-26T10:07:14Z is in period 1388. */
    uint64_t no = 0;
    ck_assert_int_eq(P.km->period_at(P.km_user, SEAL_KM_CURRENT, 1390730834, &no), SEAL_OK);
    ck_assert_uint_eq(no, 1388);
}
END_TEST

START_TEST(test_keyset_valid_current_and_next)
{
    seal_km_cert_t c = cert_of(SEAL_KM_CURRENT);
    uint64_t now = period_now(SEAL_KM_CURRENT);
    for (uint64_t no = now; no <= now + 1; no++) {
        seal_km_keyset_t ks;
        ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", no, &ks), SEAL_OK);
        ck_assert_uint_eq(ks.key_period_no, no);
        ck_assert_uint_eq(ks.generation, 1);
        ck_assert_str_eq(ks.user_uri, "sip:alice@example.org");
        ck_assert_str_eq(ks.kms_uri, "kms.example.org");
        ck_assert_str_eq(ks.cert_uri, c.cert_uri);
        uint8_t uid[32];
        ck_assert_int_eq(P.km->uid(P.km_user, SEAL_KM_CURRENT, "sip:alice@example.org", no,
                                   uid), SEAL_OK);
        ck_assert_mem_eq(ks.uid, uid, 32);
        /* ValidFrom/To: the period's span in Unix time. */
        ck_assert_int_eq(ks.valid_to - ks.valid_from, 2592000);
        ck_assert_int_eq((ks.valid_from + SEAL_KM_NTP_UNIX_OFFSET) % 2592000, 0);
        if (no == now)
            ck_assert(ks.valid_from <= time(NULL) && time(NULL) < ks.valid_to);
        assert_valid(&ks, &c);
        /* A key set for another identity does not validate as this one's. */
        uint8_t other[32];
        ck_assert_int_eq(P.km->uid(P.km_user, SEAL_KM_CURRENT, "sip:bob@example.org", no,
                                   other), SEAL_OK);
        ck_assert_int_eq(seal_crypto_eccsi_validate(P.self, c.pub_auth_key, 65, other, 32,
                                                    ks.ssk, 32, ks.pvt, 65, NULL),
                         SEAL_E_CRYPTO);
        explicit_bzero(&ks, sizeof ks);
    }
}
END_TEST

START_TEST(test_period_policy)
{
    uint64_t now = period_now(SEAL_KM_CURRENT);
    seal_km_keyset_t ks;
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now - 1, &ks),
                     SEAL_E_PERM);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now + 2, &ks),
                     SEAL_E_PERM);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", 0, &ks), SEAL_E_PERM);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", UINT64_MAX, &ks),
                     SEAL_E_PERM);
    /* Nothing was issued for the refused periods. */
    ck_assert_int_eq(keyset(SEAL_KM_PREVIOUS, "sip:alice@example.org", now, &ks),
                     SEAL_E_NOTFOUND);
}
END_TEST

START_TEST(test_bad_identities)
{
    seal_km_keyset_t ks;
    uint64_t now = period_now(SEAL_KM_CURRENT);
    char longid[300];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    const char *bad[] = { "", "sip:a b@example.org", "sip:\x01@x", "sip:\xc3\xa9@x", longid };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(keyset(SEAL_KM_CURRENT, bad[i], now, &ks), SEAL_E_INVAL);
    ck_assert_int_eq(P.km->keyset(P.km_user, SEAL_KM_CURRENT, NULL, now, &ks), SEAL_E_INVAL);
    ck_assert_int_eq(keyset(7, "sip:alice@example.org", now, &ks), SEAL_E_INVAL);
}
END_TEST

START_TEST(test_issued_once_and_not_in_clear)
{
    uint64_t now = period_now(SEAL_KM_CURRENT);
    seal_km_keyset_t a, b;
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now, &a), SEAL_OK);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now, &b), SEAL_OK);
    ck_assert_mem_eq(a.ssk, b.ssk, 32);
    ck_assert_mem_eq(a.pvt, b.pvt, 65);
    ck_assert_mem_eq(a.rsk, b.rsk, 257);
    ck_assert_int_eq(a.issued_at, b.issued_at);
    /* The store holds neither the SSK nor the RSK (raw or hex), but the
     * public PVT is there: the search itself works. */
    char db[128];
    snprintf(db, sizeof db, "%s/t.db", tmpdir);
    host_down();
    ck_assert(file_holds(db, a.pvt, 65));
    ck_assert(!file_holds(db, a.ssk, 32));
    ck_assert(!file_holds(db, a.rsk, 257));
    explicit_bzero(&a, sizeof a);
    explicit_bzero(&b, sizeof b);
}
END_TEST

typedef struct race {
    uint64_t no;
    seal_status_t st;
    seal_km_keyset_t ks;
} race_t;

static void *race_one(void *arg)
{
    race_t *r = arg;
    r->st = keyset(SEAL_KM_CURRENT, "sip:carol@example.org", r->no, &r->ks);
    return NULL;
}

START_TEST(test_issued_once_concurrently)
{
    enum { N = 6 };
    pthread_t th[N];
    race_t r[N];
    uint64_t now = period_now(SEAL_KM_CURRENT);
    for (int i = 0; i < N; i++) {
        r[i].no = now;
        ck_assert_int_eq(pthread_create(&th[i], NULL, race_one, &r[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(r[i].st, SEAL_OK);
        ck_assert_mem_eq(r[i].ks.ssk, r[0].ks.ssk, 32);
        ck_assert_mem_eq(r[i].ks.rsk, r[0].ks.rsk, 257);
    }
}
END_TEST

START_TEST(test_restart_keeps_keys)
{
    uint64_t now = period_now(SEAL_KM_CURRENT);
    seal_km_cert_t c1 = cert_of(SEAL_KM_CURRENT);
    seal_km_keyset_t a, b;
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now + 1, &a), SEAL_OK);
    host_down();
    ck_assert_int_eq(host_up(NULL), SEAL_OK);
    seal_km_cert_t c2 = cert_of(SEAL_KM_CURRENT);
    ck_assert_mem_eq(c1.pub_enc_key, c2.pub_enc_key, SEAL_KM_Z_LEN);
    ck_assert_mem_eq(c1.pub_auth_key, c2.pub_auth_key, SEAL_KM_KPAK_LEN);
    ck_assert_int_eq(c1.valid_from, c2.valid_from);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now + 1, &b), SEAL_OK);
    ck_assert_mem_eq(a.ssk, b.ssk, 32);
    ck_assert_mem_eq(a.rsk, b.rsk, 257);
    ck_assert_int_eq(a.issued_at, b.issued_at);
    assert_valid(&b, &c2);
}
END_TEST

START_TEST(test_kek_file_rules)
{
    host_down();
    /* Group/world access: refused. */
    ck_assert_int_eq(chmod(kekfile, 0640), 0);
    ck_assert_int_ne(host_up(NULL), SEAL_OK);
    host_down();
    ck_assert_int_eq(chmod(kekfile, 0600), 0);
    /* Another KEK cannot unwrap the stored master keys: refused. */
    char saved[160];
    snprintf(saved, sizeof saved, "%s.saved", kekfile);
    ck_assert_int_eq(rename(kekfile, saved), 0);
    int fd = open(kekfile, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    const char *other = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    ck_assert_int_eq(write(fd, other, strlen(other)), (ssize_t)strlen(other));
    close(fd);
    ck_assert_int_ne(host_up(NULL), SEAL_OK);
    host_down();
    /* A missing KEK with master keys in the store: refused, not recreated. */
    ck_assert_int_eq(unlink(kekfile), 0);
    ck_assert_int_ne(host_up(NULL), SEAL_OK);
    host_down();
    ck_assert_int_ne(access(kekfile, F_OK), 0);
    /* The right one again: fine. */
    ck_assert_int_eq(rename(saved, kekfile), 0);
    ck_assert_int_eq(host_up(NULL), SEAL_OK);
    ck_assert_uint_eq(cert_of(SEAL_KM_CURRENT).generation, 1);
}
END_TEST

START_TEST(test_revocation)
{
    uint64_t now = period_now(SEAL_KM_CURRENT);
    seal_km_keyset_t a, b;
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:dave@example.org", now, &a), SEAL_OK);
    int r = -1;
    ck_assert_int_eq(P.km->is_revoked(P.km_user, "sip:dave@example.org", &r), SEAL_OK);
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(P.km->revoke(P.km_user, "sip:dave@example.org"), SEAL_OK);
    ck_assert_int_eq(P.km->revoke(P.km_user, "sip:dave@example.org"), SEAL_OK);  /* idempotent */
    ck_assert_int_eq(P.km->is_revoked(P.km_user, "sip:dave@example.org", &r), SEAL_OK);
    ck_assert_int_eq(r, 1);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:dave@example.org", now, &b), SEAL_E_STATE);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:dave@example.org", now + 1, &b), SEAL_E_STATE);
    /* Others are unaffected. */
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:erin@example.org", now, &b), SEAL_OK);
    const char *ev = wait_event(SEAL_KM_EVENT_REVOKED);
    ck_assert_ptr_nonnull(ev);
    ck_assert_ptr_nonnull(strstr(ev, "sip:dave@example.org"));
    /* Restored: fresh keys (the revoked ones were deleted). */
    ck_assert_int_eq(P.km->restore(P.km_user, "sip:dave@example.org"), SEAL_OK);
    ck_assert_ptr_nonnull(wait_event(SEAL_KM_EVENT_RESTORED));
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:dave@example.org", now, &b), SEAL_OK);
    ck_assert(memcmp(a.ssk, b.ssk, 32) != 0);
    seal_km_cert_t c = cert_of(SEAL_KM_CURRENT);
    assert_valid(&b, &c);
}
END_TEST

static seal_km_caller_t caller(const char *principal, const char *client_id, const char *ids,
                               const char *dn)
{
    return (seal_km_caller_t){ .struct_size = sizeof(seal_km_caller_t), .principal = principal,
                               .client_id = client_id, .val_user_ids = ids, .cert_dn = dn };
}

START_TEST(test_entitlement)
{
    host_down();
    ck_assert_int_eq(host_up(", \"clients\": {\"val-server\": [\"sip:vs@example.org\","
                             " \"sip:gms@example.org\"]},"
                             " \"certs\": {\"CN=gms-1\": [\"sip:gms@example.org\"]}"), SEAL_OK);
    /* A user token: its val_user_ids, whole words only. */
    seal_km_caller_t u = caller("alice", "ue-app", "sip:alice@example.org  tel:+100", NULL);
    ck_assert_int_eq(P.km->entitled(P.km_user, &u, "sip:alice@example.org"), SEAL_OK);
    ck_assert_int_eq(P.km->entitled(P.km_user, &u, "tel:+100"), SEAL_OK);
    ck_assert_int_eq(P.km->entitled(P.km_user, &u, "sip:bob@example.org"), SEAL_E_PERM);
    ck_assert_int_eq(P.km->entitled(P.km_user, &u, "sip:alice@example"), SEAL_E_PERM);
    ck_assert_int_eq(P.km->entitled(P.km_user, &u, "tel:+10"), SEAL_E_PERM);
    char *list = NULL;
    size_t len = 0;
    ck_assert_int_eq(P.km->identities(P.km_user, &u, &list, &len), SEAL_OK);
    ck_assert_str_eq(list, "sip:alice@example.org tel:+100");
    ck_assert_uint_eq(len, strlen(list));
    seal_free(list);
    /* A user token without the claim: nothing; a user whose token is for
     * the client "val-server" does not get the client's identities. */
    seal_km_caller_t n = caller("alice", "val-server", NULL, NULL);
    ck_assert_int_eq(P.km->entitled(P.km_user, &n, "sip:vs@example.org"), SEAL_E_PERM);
    ck_assert_int_eq(P.km->identities(P.km_user, &n, &list, NULL), SEAL_OK);
    ck_assert_str_eq(list, "");
    seal_free(list);
    /* client_credentials: the configured list, not a claim it carries. */
    seal_km_caller_t cc = caller("val-server", "val-server", "sip:alice@example.org", NULL);
    ck_assert_int_eq(P.km->entitled(P.km_user, &cc, "sip:gms@example.org"), SEAL_OK);
    ck_assert_int_eq(P.km->entitled(P.km_user, &cc, "sip:alice@example.org"), SEAL_E_PERM);
    ck_assert_int_eq(P.km->identities(P.km_user, &cc, &list, NULL), SEAL_OK);
    ck_assert_str_eq(list, "sip:vs@example.org sip:gms@example.org");
    seal_free(list);
    seal_km_caller_t unknown = caller("other", "other", NULL, NULL);
    ck_assert_int_eq(P.km->entitled(P.km_user, &unknown, "sip:gms@example.org"), SEAL_E_PERM);
    /* mTLS: the DN's list. */
    seal_km_caller_t m = caller("CN=gms-1", NULL, NULL, "CN=gms-1");
    ck_assert_int_eq(P.km->entitled(P.km_user, &m, "sip:gms@example.org"), SEAL_OK);
    ck_assert_int_eq(P.km->entitled(P.km_user, &m, "sip:vs@example.org"), SEAL_E_PERM);
    seal_km_caller_t m2 = caller("CN=other", NULL, NULL, "CN=other");
    ck_assert_int_eq(P.km->entitled(P.km_user, &m2, "sip:gms@example.org"), SEAL_E_PERM);
    /* No caller at all. */
    seal_km_caller_t none = caller(NULL, NULL, "sip:alice@example.org", NULL);
    ck_assert_int_eq(P.km->entitled(P.km_user, &none, "sip:alice@example.org"), SEAL_E_PERM);
    ck_assert_int_eq(P.km->entitled(P.km_user, NULL, "sip:alice@example.org"), SEAL_E_PERM);
}
END_TEST

START_TEST(test_bad_config)
{
    host_down();
    ck_assert_int_ne(host_up(", \"user_key_offset\": 2592000"), SEAL_OK);
    host_down();
    ck_assert_int_ne(host_up(", \"clients\": {\"x\": [\"sip:a b\"]}"), SEAL_OK);
    host_down();
    ck_assert_int_ne(host_up(", \"master_key_lifetime\": 10, \"rollover_overlap\": 10"),
                     SEAL_OK);
    host_down();
    ck_assert_int_ne(host_up(", \"unknown_key\": 1"), SEAL_OK);
    host_down();
    ck_assert_int_eq(host_up(", \"user_key_period\": 86400, \"user_key_offset\": 3600"),
                     SEAL_OK);
}
END_TEST

START_TEST(test_rollover_overlap)
{
    host_down();
    /* Everything up to the check after the restart (a key set, two
     * pairings, a restart) must fit in the overlap, on a loaded sanitizer
     * build too; the test waits for its end anyway. */
    const int ov = scaled(8);
    char extra[128];
    ck_assert_int_eq(host_up(overlap_conf(ov, 0, extra, sizeof extra)), SEAL_OK);
    uint64_t now = period_now(SEAL_KM_CURRENT);
    seal_km_cert_t c1 = cert_of(SEAL_KM_CURRENT);
    seal_km_keyset_t old, again, fresh;
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now, &old), SEAL_OK);

    ck_assert_int_eq(P.km->rollover(P.km_user), SEAL_OK);
    const char *ev = wait_event(SEAL_KM_EVENT_ROLLOVER);
    ck_assert_ptr_nonnull(ev);
    ck_assert_ptr_nonnull(strstr(ev, "\"generation\":2"));
    seal_km_cert_t c2 = cert_of(SEAL_KM_CURRENT), p = cert_of(SEAL_KM_PREVIOUS);
    ck_assert_uint_eq(c2.generation, 2);
    ck_assert_str_eq(c2.cert_uri, "kms.example.org/cert/2");
    ck_assert(memcmp(c2.pub_auth_key, c1.pub_auth_key, 65) != 0);
    ck_assert(memcmp(c2.pub_enc_key, c1.pub_enc_key, 257) != 0);
    /* The old certificate stays served during the overlap, with its end. */
    ck_assert_uint_eq(p.generation, 1);
    ck_assert_mem_eq(p.pub_auth_key, c1.pub_auth_key, 65);
    ck_assert_int_gt(p.valid_to, 0);
    ck_assert_int_le(p.valid_to, (int64_t)time(NULL) + ov);
    seal_km_rollover_t rs = { .struct_size = sizeof rs };
    ck_assert_int_eq(P.km->rollover_state(P.km_user, &rs), SEAL_OK);
    ck_assert_uint_eq(rs.generation, 2);
    ck_assert_uint_eq(rs.previous_generation, 1);
    ck_assert_int_eq(rs.overlap_until, p.valid_to);
    ck_assert_uint_eq(rs.overlap_s, (uint64_t)ov);
    /* One overlap at a time. */
    ck_assert_int_eq(P.km->rollover(P.km_user), SEAL_E_AGAIN);

    /* Old key sets are still served under the old certificate; new ones
     * are issued under the new one. */
    ck_assert_int_eq(keyset(SEAL_KM_PREVIOUS, "sip:alice@example.org", now, &again), SEAL_OK);
    ck_assert_mem_eq(again.ssk, old.ssk, 32);
    ck_assert_uint_eq(again.generation, 1);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now, &fresh), SEAL_OK);
    ck_assert_uint_eq(fresh.generation, 2);
    ck_assert(memcmp(fresh.ssk, old.ssk, 32) != 0);
    assert_valid(&fresh, &c2);
    assert_valid(&again, &c1);

    /* Across a restart the overlap state is kept. */
    ck_assert_msg(time(NULL) + 1 < p.valid_to, "the checks took longer than the %d s overlap",
                  ov);
    host_down();
    ck_assert_int_eq(host_up(extra), SEAL_OK);
    ck_assert_uint_eq(cert_of(SEAL_KM_PREVIOUS).generation, 1);
    ck_assert_uint_eq(cert_of(SEAL_KM_CURRENT).generation, 2);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now, &again), SEAL_OK);
    ck_assert_mem_eq(again.ssk, fresh.ssk, 32);

    /* After the overlap the old certificate and its keys are gone. */
    while (time(NULL) <= p.valid_to)
        sleep(1);
    seal_km_cert_t gone = { .struct_size = sizeof gone };
    ck_assert_int_eq(P.km->cert(P.km_user, SEAL_KM_PREVIOUS, &gone), SEAL_E_NOTFOUND);
    ck_assert_int_eq(keyset(SEAL_KM_PREVIOUS, "sip:alice@example.org", now, &again),
                     SEAL_E_NOTFOUND);
    ck_assert_int_eq(P.km->rollover_state(P.km_user, &rs), SEAL_OK);
    ck_assert_uint_eq(rs.previous_generation, 0);
    ck_assert_int_eq(keyset(SEAL_KM_CURRENT, "sip:alice@example.org", now, &again), SEAL_OK);
    ck_assert_mem_eq(again.ssk, fresh.ssk, 32);
    char db[128];
    snprintf(db, sizeof db, "%s/t.db", tmpdir);
    host_down();
    ck_assert(!file_holds(db, old.pvt, 65));   /* generation 1's key sets deleted */
    ck_assert(file_holds(db, fresh.pvt, 65));
}
END_TEST

START_TEST(test_rollover_automatic)
{
    host_down();
    /* The overlap is long enough that a loaded machine still finds the
     * previous generation served right after the rollover. */
    const int life = scaled(4), ov = scaled(3);
    char extra[128];
    ck_assert_int_eq(host_up(overlap_conf(ov, life, extra, sizeof extra)), SEAL_OK);
    seal_km_cert_t c = cert_of(SEAL_KM_CURRENT);
    ck_assert_uint_eq(c.generation, 1);
    ck_assert_int_eq(c.valid_to, c.valid_from + life + ov);
    seal_km_rollover_t rs = { .struct_size = sizeof rs };
    ck_assert_int_eq(P.km->rollover_state(P.km_user, &rs), SEAL_OK);
    ck_assert_int_eq(rs.next_rollover, c.valid_from + life);
    while (time(NULL) <= c.valid_from + life)
        sleep(1);
    ck_assert_uint_eq(cert_of(SEAL_KM_CURRENT).generation, 2);
    ck_assert_uint_eq(cert_of(SEAL_KM_PREVIOUS).generation, 1);
}
END_TEST

/* An older caller's struct (only the first fields) is filled that far. */
START_TEST(test_struct_size)
{
    seal_km_cert_t c;
    memset(&c, 0xAB, sizeof c);
    c.struct_size = (uint32_t)offsetof(seal_km_cert_t, cert_uri);
    ck_assert_int_eq(P.km->cert(P.km_user, SEAL_KM_CURRENT, &c), SEAL_OK);
    ck_assert_uint_eq(c.generation, 1);
    ck_assert_str_eq(c.id, "kms-cert-1");
    ck_assert_uint_eq((uint8_t)c.cert_uri[0], 0xAB);
    c.struct_size = 0;
    ck_assert_int_eq(P.km->cert(P.km_user, SEAL_KM_CURRENT, &c), SEAL_E_INVAL);
}
END_TEST

static Suite *km_suite(void)
{
    Suite *s = suite_create("km");
    TCase *tc = tcase_create("service");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, scaled(60));
    tcase_add_test(tc, test_certificate);
    tcase_add_test(tc, test_uid_vector);
    tcase_add_test(tc, test_keyset_valid_current_and_next);
    tcase_add_test(tc, test_period_policy);
    tcase_add_test(tc, test_bad_identities);
    tcase_add_test(tc, test_issued_once_and_not_in_clear);
    tcase_add_test(tc, test_issued_once_concurrently);
    tcase_add_test(tc, test_restart_keeps_keys);
    tcase_add_test(tc, test_kek_file_rules);
    tcase_add_test(tc, test_revocation);
    tcase_add_test(tc, test_entitlement);
    tcase_add_test(tc, test_bad_config);
    tcase_add_test(tc, test_rollover_overlap);
    tcase_add_test(tc, test_rollover_automatic);
    tcase_add_test(tc, test_struct_size);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(km_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
