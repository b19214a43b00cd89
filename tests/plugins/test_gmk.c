/* SPDX-License-Identifier: Apache-2.0 */
/* Group master keys in the gm service (TS 33.180 5.7, Annex E/F) through an
 * in-process host: store_sqlite, crypto_gnutls, seal_x1 in process and gm,
 * with a small KMS standing in for the km plugin (same "seal.km.v1"
 * contract, real ECCSI/SAKKE issuing through the crypto ABI). Every member
 * decodes its I_MESSAGE with lib/mikey and its own RSK and finds the same
 * GMK; a removed member gets nothing for the new GMK and cannot decrypt
 * the others' messages; acknowledgements; superseded generations; a job
 * stopped half way resumes in a new host on the same database with exactly
 * one message per member. The distribution's fair queue (gm_fairq.c): the
 * order in which it hands out the chunks of several groups. */
#include <check.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <seal/seal.h>
#include <seal/services/gm.h>
#include <seal/services/km.h>
#include <seal/services/x1.h>
#include "host.h"
#include "mikey/mikey.h"
#include "gm_fairq.h"

#define KMS_URI "kms.test.example"
#define GMS_URI "sip:gms@test.example"
#define PERIOD 2592000u

/* ---- a stand-in KMS: "km" providing seal.km.v1 ---- */

typedef struct fake_km {
    seal_plugin_t *self;
    seal_crypto_key_t *eccsi, *sakke;
    uint8_t kpak[65], z[257];
    int keyset_calls;
} fake_km_t;

static fake_km_t K;

/* UserKeyPeriod of the stand-in KMS (short in the key-period test). */
static struct mikey_kp KP = { PERIOD, 0 };

static seal_status_t fk_cert(void *user, int which, seal_km_cert_t *c)
{
    (void)user;
    if (which != SEAL_KM_CURRENT)
        return SEAL_E_NOTFOUND;
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    c->generation = 1;
    snprintf(c->kms_uri, sizeof c->kms_uri, "%s", KMS_URI);
    c->user_id_format = SEAL_KM_USER_ID_FORMAT;
    c->user_key_period = KP.period;
    c->user_key_offset = 0;
    memcpy(c->pub_enc_key, K.z, 257);
    memcpy(c->pub_auth_key, K.kpak, 65);
    c->parameter_set = 1;
    return SEAL_OK;
}

static seal_status_t fk_period_at(void *user, int which, int64_t t, uint64_t *no)
{
    (void)user; (void)which;
    return mikey_kp_number(&KP, (uint64_t)t + MIKEY_NTP_UNIX_OFFSET, no) == 0 ? SEAL_OK
                                                                              : SEAL_E_INVAL;
}

static seal_status_t fk_uid(void *user, int which, const char *id, uint64_t no, uint8_t uid[32])
{
    (void)user; (void)which;
    return mikey_uid((const uint8_t *)id, strlen(id), (const uint8_t *)KMS_URI,
                     strlen(KMS_URI), &KP, no, uid) == 0 ? SEAL_OK : SEAL_E_INVAL;
}

static seal_status_t fk_keyset(void *user, int which, const char *id, uint64_t no,
                               seal_km_keyset_t *ks)
{
    (void)user;
    if (which != SEAL_KM_CURRENT)
        return SEAL_E_NOTFOUND;
    __atomic_add_fetch(&K.keyset_calls, 1, __ATOMIC_SEQ_CST);
    memset(ks, 0, sizeof *ks);
    ks->struct_size = sizeof *ks;
    ks->generation = 1;
    snprintf(ks->kms_uri, sizeof ks->kms_uri, "%s", KMS_URI);
    snprintf(ks->user_uri, sizeof ks->user_uri, "%s", id);
    ks->key_period_no = no;
    seal_status_t st = fk_uid(NULL, which, id, no, ks->uid);
    if (st == SEAL_OK)
        st = seal_crypto_eccsi_issue(K.eccsi, ks->uid, 32, NULL, ks->ssk, ks->pvt);
    if (st == SEAL_OK)
        st = seal_crypto_sakke_issue_rsk(K.sakke, ks->uid, 32, ks->rsk);
    return st;
}

static const seal_km_v1_t fk_iface = {
    .struct_size = sizeof(seal_km_v1_t),
    .cert = fk_cert,
    .period_at = fk_period_at,
    .keyset = fk_keyset,
    .uid = fk_uid,
};

static seal_status_t fk_init(seal_plugin_t *self)
{
    K.self = self;
    return seal_iface_provide(self, SEAL_KM_IFACE_V1, &fk_iface, NULL, NULL);
}

/* The master secrets outlive a host, so a restarted host is the same KMS. */
static uint8_t ksak[32], zsec[128];
static size_t zsec_len;

static seal_status_t fk_start(seal_plugin_t *self)
{
    uint8_t *p = NULL;
    size_t n = 0;
    seal_status_t st;
    if (!zsec_len) {
        st = seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_ECCSI_KMS, &K.eccsi);
        if (st == SEAL_OK)
            st = seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_SAKKE_KMS, &K.sakke);
        if (st == SEAL_OK && (st = seal_crypto_key_export_secret(K.eccsi, SEAL_CRYPTO_FMT_RAW_SECRET,
                                                                 &p, &n)) == SEAL_OK) {
            memcpy(ksak, p, 32);
            seal_crypto_secret_free(p, n);
        }
        if (st == SEAL_OK && (st = seal_crypto_key_export_secret(K.sakke, SEAL_CRYPTO_FMT_RAW_SECRET,
                                                                 &p, &n)) == SEAL_OK) {
            memcpy(zsec, p, n);
            zsec_len = n;
            seal_crypto_secret_free(p, n);
        }
    } else {
        st = seal_crypto_key_import(self, SEAL_CRYPTO_KEY_ECCSI_KMS, SEAL_CRYPTO_FMT_RAW_SECRET,
                                    ksak, 32, &K.eccsi);
        if (st == SEAL_OK)
            st = seal_crypto_key_import(self, SEAL_CRYPTO_KEY_SAKKE_KMS,
                                        SEAL_CRYPTO_FMT_RAW_SECRET, zsec, zsec_len, &K.sakke);
    }
    if (st == SEAL_OK && (st = seal_crypto_key_export_public(K.eccsi, SEAL_CRYPTO_FMT_RAW_PUBLIC,
                                                             NULL, &p, &n)) == SEAL_OK) {
        memcpy(K.kpak, p, 65);
        seal_free(p);
    }
    if (st == SEAL_OK && (st = seal_crypto_key_export_public(K.sakke, SEAL_CRYPTO_FMT_RAW_PUBLIC,
                                                             NULL, &p, &n)) == SEAL_OK) {
        memcpy(K.z, p, 257);
        seal_free(p);
    }
    return st;
}

static void fk_fini(seal_plugin_t *self)
{
    (void)self;
    seal_crypto_key_free(K.eccsi);
    seal_crypto_key_free(K.sakke);
    K.eccsi = K.sakke = NULL;
}

static const seal_plugin_desc_t fk_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "km",
    .version = "0",
    .description = "stand-in KMS",
    .init = fk_init,
    .start = fk_start,
    .fini = fk_fini,
};

/* ---- a consumer: the gm interface ---- */

static const seal_gm_v1_t *GM;
static void *GM_USER;
static seal_plugin_t *T_SELF;

static seal_status_t t_start(seal_plugin_t *self)
{
    T_SELF = self;
    GM = seal_iface_get(self, SEAL_GM_IFACE_V1, &GM_USER);
    return GM && GM->struct_size >= sizeof(seal_gm_v1_t) ? SEAL_OK : SEAL_E_NOTFOUND;
}

static const seal_plugin_desc_t t_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "gmktest",
    .version = "0",
    .description = "gmk test consumer",
    .start = t_start,
};

/* ---- host ---- */

static char tmpdir[64];
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

/* Starts a host on tmpdir's database; chunk members per chunk, workers
 * threads (0: per CPU). */
static seal_status_t host_try(int chunk, int workers)
{
    char conf[4096];
    const char *b = builddir();
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": [\"%s/plugins/stores/store_sqlite/.libs\","
             " \"%s/plugins/crypto/crypto_gnutls/.libs\","
             " \"%s/plugins/refpoints/seal_x1/.libs\", \"%s/plugins/services/gm/.libs\"],"
             " \"plugins\": {\"store_sqlite\": {\"path\": \"%s/t.db\", \"synchronous\": \"normal\"},"
             " \"crypto_gnutls\": {},"
             " \"seal_x1\": {\"gms_uri\": \"" GMS_URI "\"},"
             " \"gm\": {\"gmk\": {\"kek_file\": \"%s/gmk.kek\", \"chunk\": %d, \"workers\": %d}}},"
             " \"http\": {\"listen\": [\"127.0.0.1:0\"]}}",
             b, b, b, b, tmpdir, tmpdir, chunk, workers);
    host = seal_host_new();
    ck_assert_ptr_nonnull(host);
    ck_assert_int_eq(seal_host_configure_string(host, conf, "test.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(host, &fk_desc, "km"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(host, &t_desc, "gmktest"), SEAL_OK);
    ck_assert_int_eq(seal_host_load(host), SEAL_OK);
    ck_assert_int_eq(seal_host_init(host), SEAL_OK);
    return seal_host_start(host);
}

static void host_up(int chunk, int workers)
{
    ck_assert_int_eq(host_try(chunk, workers), SEAL_OK);
}

static void host_down(void)
{
    seal_host_shutdown(host);
    seal_host_free(host);
    host = NULL;
}

static void setup(void)
{
    strcpy(tmpdir, "/tmp/seal-gmk-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    host_up(2, 2);
}

static void teardown(void)
{
    if (host)
        host_down();
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- helpers ---- */

static char *create(const char *json)
{
    char *id = NULL;
    seal_status_t st = GM->create(GM_USER, json, strlen(json), &id, NULL, NULL, NULL);
    ck_assert_msg(st == SEAL_OK, "create: %s", seal_strerror(st));
    return id;
}

static json_object *state(const char *id)
{
    char *json = NULL;
    size_t len = 0;
    seal_status_t st = GM->gmk_state(GM_USER, id, &json, &len);
    if (st != SEAL_OK)
        return NULL;
    json_object *o = json_tokener_parse(json);
    seal_free(json);
    return o;
}

static int64_t jint(json_object *o, const char *k)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, k, &v), "no %s", k);
    return json_object_get_int64(v);
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

/* Waits until the group's GMK generation gen is distributed. */
static void wait_done(const char *id, int64_t gen)
{
    for (int i = 0; i < 6000; i++) {
        json_object *s = state(id);
        int done = s && jint(s, "generation") == gen && strcmp(jstr(s, "state"), "done") == 0;
        json_object_put(s);
        if (done)
            return;
        usleep(10000);
    }
    ck_abort_msg("GMK generation %lld of %s not distributed in time", (long long)gen, id);
}

typedef struct msgs {
    size_t n;
    json_object *m[16];
} msgs_t;

static int collect(const char *mid, const char *json, size_t len, uint64_t gen, void *ctx)
{
    msgs_t *m = ctx;
    (void)mid; (void)len; (void)gen;
    if (m->n < 16)
        m->m[m->n++] = json_tokener_parse(json);
    return 0;
}

static void msgs_free(msgs_t *m)
{
    for (size_t i = 0; i < m->n; i++)
        json_object_put(m->m[i]);
    m->n = 0;
}

static size_t messages(const char *who, const char *vgid, msgs_t *m)
{
    memset(m, 0, sizeof *m);
    ck_assert_int_eq(GM->gmk_messages(GM_USER, who, vgid, collect, m), SEAL_OK);
    return m->n;
}

static size_t unb64(const char *s, uint8_t *out, size_t cap)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    uint32_t v = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        const char *p = strchr(a, *s);
        ck_assert_ptr_nonnull(p);
        v = v << 6 | (uint32_t)(p - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            ck_assert_uint_lt(o, cap);
            out[o++] = (uint8_t)(v >> bits);
        }
    }
    return o;
}

/* The member's RSK for the key period of ntp seconds. */
static void rsk_of(const char *who, uint64_t period_no, uint8_t rsk[257])
{
    uint8_t uid[32];
    ck_assert_int_eq(mikey_uid((const uint8_t *)who, strlen(who), (const uint8_t *)KMS_URI,
                               strlen(KMS_URI), &KP, period_no, uid), 0);
    ck_assert_int_eq(seal_crypto_sakke_issue_rsk(K.sakke, uid, 32, rsk), SEAL_OK);
}

/* Decodes msg for who: verifies, decapsulates; returns the GMK. */
static int receive(const char *who, json_object *msg, uint8_t gmk[16], uint32_t *gmk_id,
                   struct mikey_imsg *m, uint8_t *buf, size_t *len)
{
    *len = unb64(jstr(msg, "iMessage"), buf, 2048);
    uint8_t rsk[257];
    rsk_of(who, (uint64_t)jint(msg, "keyPeriodNo"), rsk);
    struct mikey_kms kms = { (const uint8_t *)KMS_URI, strlen(KMS_URI), KP, K.kpak, 65, K.z, 257 };
    struct mikey_gmk_recv rp = { (const uint8_t *)who, strlen(who), &kms, rsk, 257, &kms, 0 };
    struct mikey_gmk_result res;
    int rc = mikey_gmk_imessage_receive(buf, *len, &rp, m, &res);
    if (rc == 0) {
        memcpy(gmk, res.key, 16);
        *gmk_id = res.key_id;
    }
    return rc;
}

#define ALICE "sip:alice@test.example"
#define BOB "sip:bob@test.example"
#define CAROL "sip:carol@test.example"

/* ---- tests ---- */

START_TEST(same_gmk_for_every_member)
{
    char *id = create("{\"valGroupId\":\"g1\",\"members\":[{\"valUserId\":\"" ALICE "\"},"
                      "{\"valUserId\":\"" BOB "\"},{\"valUserId\":\"" CAROL "\"},"
                      "{\"valUeId\":\"ue-1\"}]}");
    wait_done(id, 1);
    json_object *s = state(id);
    ck_assert_int_eq(jint(s, "members"), 3);
    ck_assert_int_eq(jint(s, "skipped"), 1);   /* the VAL UE has no identity key */
    ck_assert_int_eq(jint(s, "chunksLeft"), 0);
    ck_assert_ptr_null(jstr(s, "key"));         /* the wrapped key never leaves */
    ck_assert_ptr_null(jstr(s, "iv"));
    json_object_put(s);

    const char *who[] = { ALICE, BOB, CAROL };
    uint8_t gmk[3][16], rand[3][16];
    uint32_t gmk_id[3];
    for (int i = 0; i < 3; i++) {
        msgs_t m;
        ck_assert_uint_eq(messages(who[i], NULL, &m), 1);
        ck_assert_str_eq(jstr(m.m[0], "valGroupId"), "g1");
        ck_assert_str_eq(jstr(m.m[0], "groupDocId"), id);
        ck_assert_str_eq(jstr(m.m[0], "valUserId"), who[i]);
        ck_assert_int_eq(jint(m.m[0], "generation"), 1);
        struct mikey_imsg im;
        uint8_t buf[2048];
        size_t len;
        ck_assert_int_eq(receive(who[i], m.m[0], gmk[i], &gmk_id[i], &im, buf, &len), 0);
        /* TS 33.180 5.7: GMS URI in IDRi, the member in IDRr, purpose tag 0,
         * GUK-ID in the CSB ID, default group SRTP policy, key parameters. */
        ck_assert_uint_eq(im.idri.id.len, strlen(GMS_URI));
        ck_assert(memcmp(im.idri.id.p, GMS_URI, strlen(GMS_URI)) == 0);
        ck_assert_uint_eq(mikey_key_id_purpose(gmk_id[i]), MIKEY_PURPOSE_GMK);
        uint32_t guk;
        ck_assert_int_eq(mikey_guk_id(gmk[i], 16, gmk_id[i], (const uint8_t *)who[i],
                                      strlen(who[i]), &guk), 0);
        ck_assert_uint_eq(im.hdr.csb_id, guk);
        ck_assert_uint_eq(im.n_sp, 1);
        ck_assert_uint_eq(im.rand.len, 16);
        memcpy(rand[i], im.rand.p, 16);
        const struct mikey_genext *e = mikey_imsg_ext(&im, MIKEY_GENEXT_KEY_PARAMS);
        ck_assert_ptr_nonnull(e);
        struct mikey_key_params kp;
        ck_assert_int_eq(mikey_key_params_decode(e->data.p, e->data.len, &kp), 0);
        uint64_t now = (uint64_t)time(NULL) + MIKEY_NTP_UNIX_OFFSET;
        ck_assert(kp.activation <= now && kp.activation + 120 > now);
        ck_assert_uint_eq(kp.expiry - kp.activation, 2592000);
        ck_assert_uint_eq(kp.text.len, 2);
        msgs_free(&m);
    }
    ck_assert(memcmp(gmk[0], gmk[1], 16) == 0 && memcmp(gmk[1], gmk[2], 16) == 0);
    ck_assert(gmk_id[0] == gmk_id[1] && gmk_id[1] == gmk_id[2]);
    /* One RAND per GMK (TS 33.180 7.4.2: members derive each other's SRTP
     * keys from the GMK, the sender's GUK-ID and that RAND). */
    ck_assert(memcmp(rand[0], rand[1], 16) == 0 && memcmp(rand[1], rand[2], 16) == 0);
    msgs_t m;
    ck_assert_uint_eq(messages("ue-1", NULL, &m), 0);
    ck_assert_uint_eq(messages("sip:nobody@test.example", NULL, &m), 0);
    /* The GMS key set was fetched once for the period (and once ahead). */
    ck_assert_int_le(K.keyset_calls, 2);
    free(id);
}
END_TEST

START_TEST(removal_rekeys_and_excludes)
{
    char *id = create("{\"valGroupId\":\"g2\",\"members\":[{\"valUserId\":\"" ALICE "\"},"
                      "{\"valUserId\":\"" BOB "\"}]}");
    wait_done(id, 1);
    msgs_t a1, b1;
    ck_assert_uint_eq(messages(ALICE, NULL, &a1), 1);
    ck_assert_uint_eq(messages(BOB, NULL, &b1), 1);
    uint8_t k_a1[16], k_b1[16], k_a2[16], buf[2048];
    uint32_t id_a1, id_b1, id_a2;
    size_t len;
    struct mikey_imsg im;
    ck_assert_int_eq(receive(ALICE, a1.m[0], k_a1, &id_a1, &im, buf, &len), 0);
    ck_assert_int_eq(receive(BOB, b1.m[0], k_b1, &id_b1, &im, buf, &len), 0);
    ck_assert(memcmp(k_a1, k_b1, 16) == 0);

    const char *patch = "{\"members\":[{\"valUserId\":\"" ALICE "\"}]}";
    ck_assert_int_eq(GM->patch(GM_USER, id, patch, strlen(patch), SEAL_REV_ANY, NULL, NULL,
                               NULL, NULL, NULL), SEAL_OK);
    /* The removed member's pending message goes with the change itself. */
    msgs_t b2;
    ck_assert_uint_eq(messages(BOB, NULL, &b2), 0);
    wait_done(id, 2);
    ck_assert_uint_eq(messages(BOB, NULL, &b2), 0);
    msgs_t a2;
    ck_assert_uint_eq(messages(ALICE, NULL, &a2), 1);
    ck_assert_int_eq(jint(a2.m[0], "generation"), 2);
    ck_assert_str_ne(jstr(a2.m[0], "id"), jstr(a1.m[0], "id"));
    uint8_t rand1[16];
    ck_assert_int_eq(receive(ALICE, a1.m[0], k_a1, &id_a1, &im, buf, &len), 0);
    memcpy(rand1, im.rand.p, 16);
    ck_assert_int_eq(receive(ALICE, a2.m[0], k_a2, &id_a2, &im, buf, &len), 0);
    ck_assert(memcmp(k_a2, k_a1, 16) != 0);
    ck_assert(memcmp(im.rand.p, rand1, 16) != 0);   /* a new GMK, a new RAND */
    ck_assert_uint_ne(id_a2, id_a1);

    /* Bob holds his RSK but the new message is encapsulated to Alice's UID:
     * he cannot take the GMK out of it, even ignoring the IDRr check. */
    uint8_t rsk[257], uid[32], out[16];
    ck_assert_int_eq(mikey_imsg_decode(buf, len, &im), 0);
    ck_assert_int_eq(mikey_imsg_uid(&im, &im.idrr, &im.idrkmsr, &KP, 0, uid), 0);
    uint64_t no = (uint64_t)jint(a2.m[0], "keyPeriodNo");
    rsk_of(BOB, no, rsk);
    uint8_t bob_uid[32];
    ck_assert_int_eq(mikey_uid((const uint8_t *)BOB, strlen(BOB), (const uint8_t *)KMS_URI,
                               strlen(KMS_URI), &KP, no, bob_uid), 0);
    ck_assert_int_ne(mikey_sakke_decap(&im.sakke, K.z, 257, bob_uid, 32, rsk, 257, out), 0);
    ck_assert_int_ne(mikey_sakke_decap(&im.sakke, K.z, 257, uid, 32, rsk, 257, out), 0);
    struct mikey_kms kms = { (const uint8_t *)KMS_URI, strlen(KMS_URI), KP, K.kpak, 65, K.z, 257 };
    struct mikey_gmk_recv rp = { (const uint8_t *)BOB, strlen(BOB), &kms, rsk, 257, &kms, 0 };
    struct mikey_gmk_result res;
    ck_assert_int_ne(mikey_gmk_imessage_receive(buf, len, &rp, &im, &res), 0);

    /* Adding a member rekeys too: nobody gets an older key. */
    patch = "{\"members\":[{\"valUserId\":\"" ALICE "\"},{\"valUserId\":\"" CAROL "\"}]}";
    ck_assert_int_eq(GM->patch(GM_USER, id, patch, strlen(patch), SEAL_REV_ANY, NULL, NULL,
                               NULL, NULL, NULL), SEAL_OK);
    wait_done(id, 3);
    msgs_t a3, c3;
    ck_assert_uint_eq(messages(ALICE, NULL, &a3), 1);
    ck_assert_uint_eq(messages(CAROL, "g2", &c3), 1);
    ck_assert_int_eq(jint(c3.m[0], "generation"), 3);
    /* A change that keeps the VAL users does not rekey. */
    patch = "{\"valServiceIds\":[\"svc-1\"]}";
    ck_assert_int_eq(GM->patch(GM_USER, id, patch, strlen(patch), SEAL_REV_ANY, NULL, NULL,
                               NULL, NULL, NULL), SEAL_OK);
    json_object *s = state(id);
    ck_assert_int_eq(jint(s, "generation"), 3);
    json_object_put(s);
    msgs_free(&a1); msgs_free(&b1); msgs_free(&a2); msgs_free(&a3); msgs_free(&c3);
    free(id);
}
END_TEST

START_TEST(ack_and_refusals)
{
    char *id = create("{\"valGroupId\":\"g3\",\"members\":[{\"valUserId\":\"" ALICE "\"},"
                      "{\"valUserId\":\"" BOB "\"}]}");
    wait_done(id, 1);
    msgs_t a, b;
    ck_assert_uint_eq(messages(ALICE, NULL, &a), 1);
    ck_assert_uint_eq(messages(BOB, NULL, &b), 1);
    const char *aid = jstr(a.m[0], "id"), *bid = jstr(b.m[0], "id");
    /* Bob's id is not Alice's to acknowledge. */
    ck_assert_int_eq(GM->gmk_ack(GM_USER, ALICE, bid), SEAL_E_NOTFOUND);
    ck_assert_int_eq(GM->gmk_ack(GM_USER, ALICE, "x"), SEAL_E_INVAL);
    ck_assert_int_eq(GM->gmk_ack(GM_USER, ALICE, "a.b.c"), SEAL_E_INVAL);
    ck_assert_int_eq(GM->gmk_ack(GM_USER, ALICE, "../..x.1.0123456789abcdef"), SEAL_E_INVAL);
    ck_assert_int_eq(GM->gmk_ack(GM_USER, ALICE, "g.01.0123456789abcdef"), SEAL_E_INVAL);
    ck_assert_int_eq(GM->gmk_ack(GM_USER, ALICE, "g.1.0123456789ABCDEF"), SEAL_E_INVAL);
    ck_assert_int_eq(GM->gmk_ack(GM_USER, ALICE, "g.99999999999999999999.0123456789abcdef"),
                     SEAL_E_INVAL);
    ck_assert_int_eq(GM->gmk_ack(GM_USER, ALICE, aid), SEAL_OK);
    ck_assert_int_eq(GM->gmk_ack(GM_USER, ALICE, aid), SEAL_E_NOTFOUND);
    msgs_t a2;
    ck_assert_uint_eq(messages(ALICE, NULL, &a2), 0);
    msgs_free(&b);
    ck_assert_uint_eq(messages(BOB, NULL, &b), 1);   /* Bob's is still there */
    msgs_free(&b);
    /* Deleting the group deletes its pending messages and its GMK. */
    ck_assert_int_eq(GM->remove(GM_USER, id, SEAL_REV_ANY), SEAL_OK);
    ck_assert_uint_eq(messages(BOB, NULL, &b), 0);
    char *json = NULL;
    ck_assert_int_eq(GM->gmk_state(GM_USER, id, &json, NULL), SEAL_E_NOTFOUND);
    msgs_free(&a);
    free(id);
}
END_TEST

/* Several changes in a row: only the last generation reaches the members,
 * each exactly once. */
START_TEST(superseded_generations)
{
    char members[4096] = "";
    for (int i = 0; i < 40; i++) {
        char one[64];
        snprintf(one, sizeof one, "%s{\"valUserId\":\"sip:u%02d@test.example\"}", i ? "," : "", i);
        strcat(members, one);
    }
    char doc[5000];
    snprintf(doc, sizeof doc, "{\"valGroupId\":\"g4\",\"members\":[%s]}", members);
    char *id = create(doc);
    for (int k = 0; k < 3; k++) {
        snprintf(doc, sizeof doc, "{\"valGroupId\":\"g4\",\"members\":[%s,"
                 "{\"valUserId\":\"sip:extra%d@test.example\"}]}", members, k);
        ck_assert_int_eq(GM->replace(GM_USER, id, doc, strlen(doc), SEAL_REV_ANY, NULL, NULL,
                                     NULL), SEAL_OK);
    }
    wait_done(id, 4);
    for (int i = 0; i < 40; i++) {
        char who[64];
        msgs_t m;
        snprintf(who, sizeof who, "sip:u%02d@test.example", i);
        ck_assert_uint_eq(messages(who, NULL, &m), 1);
        ck_assert_int_eq(jint(m.m[0], "generation"), 4);
        msgs_free(&m);
    }
    msgs_t m;
    ck_assert_uint_eq(messages("sip:extra0@test.example", NULL, &m), 0);
    ck_assert_uint_eq(messages("sip:extra1@test.example", NULL, &m), 0);
    ck_assert_uint_eq(messages("sip:extra2@test.example", NULL, &m), 1);
    msgs_free(&m);
    free(id);
}
END_TEST

/* A distribution stopped half way (seald stopped) resumes in the next host
 * on the same database: every member ends with one message, same GMK. */
START_TEST(resumes_after_restart)
{
    host_down();
    host_up(4, 1);
    char *doc = malloc(64 * 400 + 100);
    strcpy(doc, "{\"valGroupId\":\"g5\",\"members\":[");
    for (int i = 0; i < 300; i++) {
        char one[64];
        snprintf(one, sizeof one, "%s{\"valUserId\":\"sip:m%03d@test.example\"}", i ? "," : "", i);
        strcat(doc, one);
    }
    strcat(doc, "]}");
    char *id = create(doc);
    free(doc);
    /* Stop once some but not all chunks are done. */
    for (int i = 0; i < 3000; i++) {
        json_object *s = state(id);
        int64_t left = s ? jint(s, "chunksLeft") : 75;
        json_object_put(s);
        if (left < 70)
            break;
        usleep(2000);
    }
    host_down();
    host_up(4, 2);
    json_object *s = state(id);
    ck_assert_ptr_nonnull(s);
    int64_t left = jint(s, "chunksLeft");
    json_object_put(s);
    ck_assert_int_gt(left, 0);   /* there was work left to resume */
    wait_done(id, 1);
    uint8_t first[16];
    for (int i = 0; i < 300; i++) {
        char who[64];
        msgs_t m;
        snprintf(who, sizeof who, "sip:m%03d@test.example", i);
        ck_assert_uint_eq(messages(who, NULL, &m), 1);
        if (i % 50 == 0) {
            uint8_t gmk[16], buf[2048];
            uint32_t gid;
            size_t len;
            struct mikey_imsg im;
            ck_assert_int_eq(receive(who, m.m[0], gmk, &gid, &im, buf, &len), 0);
            if (i == 0)
                memcpy(first, gmk, 16);
            ck_assert(memcmp(first, gmk, 16) == 0);
        }
        msgs_free(&m);
    }
    free(id);
}
END_TEST

/* Once GMKs are wrapped under gmk.kek_file, a missing file stops the start
 * (a new key would orphan them); put back, it all works again. */
START_TEST(lost_kek_file_stops_the_start)
{
    char *id = create("{\"valGroupId\":\"g6\",\"members\":[{\"valUserId\":\"sip:a@test.example\"}]}");
    wait_done(id, 1);
    host_down();
    char kek[160], away[170];
    snprintf(kek, sizeof kek, "%s/gmk.kek", tmpdir);
    snprintf(away, sizeof away, "%s.away", kek);
    ck_assert_int_eq(rename(kek, away), 0);
    ck_assert_int_eq(host_try(2, 2), SEAL_E_IO);
    ck_assert_int_ne(access(kek, F_OK), 0);   /* no new key was made */
    host_down();
    ck_assert_int_eq(rename(away, kek), 0);
    host_up(2, 2);
    msgs_t m;
    ck_assert_uint_eq(messages("sip:a@test.example", NULL, &m), 1);
    msgs_free(&m);
    free(id);
}
END_TEST

/* SEAL-X1 at key-period boundaries (KMS periods of 4 s here): the GMS's
 * key set for the next period is fetched ahead, so messages made after the
 * boundary use the new period (T, both UIDs) without waiting for a fetch,
 * and members open them with their RSK of that period. */
START_TEST(key_period_boundary)
{
    host_down();
    KP.period = 4;
    host_up(2, 2);
    char *id = create("{\"valGroupId\":\"g6\",\"members\":[{\"valUserId\":\"" ALICE "\"}]}");
    wait_done(id, 1);
    msgs_t m1;
    ck_assert_uint_eq(messages(ALICE, NULL, &m1), 1);
    int64_t n1 = jint(m1.m[0], "keyPeriodNo");
    int calls = __atomic_load_n(&K.keyset_calls, __ATOMIC_SEQ_CST);
    ck_assert_int_eq(calls, 2);   /* the period's key set and the next one's */
    /* Wait for the next period, then rekey. */
    for (int i = 0; i < 100; i++) {
        uint64_t no;
        fk_period_at(NULL, 0, (int64_t)time(NULL), &no);
        if ((int64_t)no > n1)
            break;
        usleep(100000);
    }
    const char *patch = "{\"members\":[{\"valUserId\":\"" ALICE "\"},{\"valUserId\":\"" BOB "\"}]}";
    ck_assert_int_eq(GM->patch(GM_USER, id, patch, strlen(patch), SEAL_REV_ANY, NULL, NULL,
                               NULL, NULL, NULL), SEAL_OK);
    wait_done(id, 2);
    msgs_t m2;
    ck_assert_uint_eq(messages(ALICE, NULL, &m2), 1);
    int64_t n2 = jint(m2.m[0], "keyPeriodNo");
    ck_assert_int_gt(n2, n1);
    uint8_t gmk[16], buf[2048];
    uint32_t gid;
    size_t len;
    struct mikey_imsg im;
    ck_assert_int_eq(receive(ALICE, m2.m[0], gmk, &gid, &im, buf, &len), 0);
    ck_assert_uint_eq(mikey_imsg_time(&im, 0) / 4, (uint64_t)n2);
    /* The member's RSK of the previous period does not open it. */
    uint8_t rsk[257], uid[32], out[16];
    rsk_of(ALICE, (uint64_t)n1, rsk);
    ck_assert_int_eq(mikey_uid((const uint8_t *)ALICE, strlen(ALICE), (const uint8_t *)KMS_URI,
                               strlen(KMS_URI), &KP, (uint64_t)n1, uid), 0);
    ck_assert_int_ne(mikey_sakke_decap(&im.sakke, K.z, 257, uid, 32, rsk, 257, out), 0);
    if (n2 == n1 + 1)   /* the new period's key set came from the look-ahead */
        ck_assert_int_eq(__atomic_load_n(&K.keyset_calls, __ATOMIC_SEQ_CST), calls + 1);
    msgs_free(&m1);
    msgs_free(&m2);
    free(id);
}
END_TEST

/* ---- the fair queue of chunks (gm_fairq.c), without a host ---- */

/* A chunk key as gm_gmk.c writes it. */
static char *ck(const char *gid, unsigned gen, unsigned n)
{
    char *k = malloc(64);
    ck_assert_ptr_nonnull(k);
    snprintf(k, 64, "%s/%020u/%08u", gid, gen, n);
    return k;
}

static void fq_push(gmk_fq_t *q, const char *gid, unsigned gen, unsigned n)
{
    ck_assert_int_eq(gmk_fq_push(q, ck(gid, gen, n)), 0);
}

/* Pops one key, checks it is gid's chunk n, and marks it done. */
static void fq_expect(gmk_fq_t *q, const char *gid, unsigned gen, unsigned n)
{
    char *want = ck(gid, gen, n), *got = gmk_fq_pop(q);
    ck_assert_msg(got && strcmp(got, want) == 0, "popped %s, wanted %s", got ? got : "nothing",
                  want);
    gmk_fq_done(q, got);
    free(got);
    free(want);
}

START_TEST(fairq_a_small_group_is_not_stuck_behind_a_large_one)
{
    gmk_fq_t q = {0};
    for (unsigned i = 0; i < 100; i++)   /* a large group, queued first */
        fq_push(&q, "BIG", 1, i);
    fq_expect(&q, "BIG", 1, 0);
    fq_expect(&q, "BIG", 1, 1);
    fq_push(&q, "SMALL", 1, 0);          /* a one-member group arrives */
    fq_expect(&q, "SMALL", 1, 0);        /* next, not after 98 more */
    fq_expect(&q, "BIG", 1, 2);
    /* Two groups never served: the one that arrived first. */
    fq_push(&q, "X", 1, 0);
    fq_push(&q, "Y", 1, 0);
    fq_push(&q, "Y", 1, 1);
    fq_expect(&q, "X", 1, 0);
    fq_expect(&q, "Y", 1, 0);
    /* then round robin by last service: BIG (served before Y) */
    fq_expect(&q, "BIG", 1, 3);
    fq_expect(&q, "Y", 1, 1);
    for (unsigned i = 4; i < 100; i++)
        fq_expect(&q, "BIG", 1, i);
    ck_assert_ptr_null(gmk_fq_pop(&q));
    /* Everything done: nothing is remembered. */
    ck_assert_uint_eq(q.ngroups, 0);
    ck_assert_uint_eq(q.queued, 0);
    gmk_fq_clear(&q);
}
END_TEST

START_TEST(fairq_a_group_changed_again_and_again_takes_turns)
{
    gmk_fq_t q = {0};
    for (unsigned i = 0; i < 5; i++)
        fq_push(&q, "OTHER", 1, i);
    /* AGAIN is rekeyed before every pick (a new generation each time, as
     * 20 PUTs in a row make): OTHER still gets every other chunk. */
    unsigned other = 0;
    for (unsigned gen = 1; gen <= 20; gen++) {
        fq_push(&q, "AGAIN", gen, 0);
        fq_push(&q, "AGAIN", gen, 1);
        char *k = gmk_fq_pop(&q);
        ck_assert_ptr_nonnull(k);
        other += strncmp(k, "OTHER/", 6) == 0;
        gmk_fq_done(&q, k);
        free(k);
        /* the superseded generation's chunks are not kept queued */
        char *old = ck("AGAIN", gen - 1, 1);
        ck_assert(!gmk_fq_queued(&q, old));
        free(old);
        ck_assert_uint_le(q.queued, 2 + 5);
    }
    ck_assert_uint_ge(other, 5);   /* all of OTHER's chunks went out meanwhile */
    /* A scan that read the store before the last rekey brings an older
     * generation: it is superseded, not queued. */
    fq_push(&q, "AGAIN", 19, 0);
    char *stale = ck("AGAIN", 19, 0);
    ck_assert(!gmk_fq_queued(&q, stale));
    free(stale);
    gmk_fq_clear(&q);
}
END_TEST

START_TEST(fairq_keeps_a_group_while_a_chunk_is_in_flight)
{
    gmk_fq_t q = {0};
    fq_push(&q, "A", 1, 0);
    fq_push(&q, "B", 1, 0);
    char *a = gmk_fq_pop(&q);   /* A in flight, not done */
    ck_assert_ptr_nonnull(a);
    fq_expect(&q, "B", 1, 0);
    ck_assert_uint_eq(q.ngroups, 1);   /* B forgotten, A remembered */
    /* A, served before B, comes back with another chunk while B is new
     * again (forgotten groups count as never served): B first. */
    fq_push(&q, "A", 1, 1);
    fq_push(&q, "B", 2, 0);
    fq_expect(&q, "B", 2, 0);
    fq_expect(&q, "A", 1, 1);
    ck_assert_uint_eq(q.ngroups, 1);
    gmk_fq_done(&q, a);
    free(a);
    ck_assert_uint_eq(q.ngroups, 0);
    ck_assert_int_eq(gmk_fq_push(&q, (char *)"no-slash"), -1);
    gmk_fq_clear(&q);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gmk");
    TCase *t = tcase_create("gmk");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, same_gmk_for_every_member);
    tcase_add_test(t, removal_rekeys_and_excludes);
    tcase_add_test(t, ack_and_refusals);
    tcase_add_test(t, superseded_generations);
    tcase_add_test(t, resumes_after_restart);
    tcase_add_test(t, lost_kek_file_stops_the_start);
    tcase_add_test(t, key_period_boundary);
    suite_add_tcase(s, t);
    TCase *f = tcase_create("fairq");
    tcase_add_test(f, fairq_a_small_group_is_not_stuck_behind_a_large_one);
    tcase_add_test(f, fairq_a_group_changed_again_and_again_takes_turns);
    tcase_add_test(f, fairq_keeps_a_group_while_a_chunk_is_in_flight);
    suite_add_tcase(s, f);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
