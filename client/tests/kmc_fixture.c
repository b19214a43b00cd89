/* SPDX-License-Identifier: Apache-2.0 */
/* Test fixtures for seal-client keys / gmk, made with lib/ibc and lib/mikey
 * (the algorithms of the servers) and a KMS of our own:
 *
 *   kmc_fixture world DIR UNIX_NOW KMS_URI GMS_URI USER_URI...
 *     DIR/manifest.json       what was made (identities, GMK, RAND, ids)
 *     DIR/kms-<case>/...xml   TS 33.180 Annex D answers of a KMS for the
 *                             fake server (tests/integration/kmclient_fake.py):
 *                             init.xml, keyprov.xml (every user, current
 *                             period), keyprov-<i>.xml, keyprov-<i>-next.xml;
 *                             <case> "good" or a defect (see CASES below)
 *     DIR/msg/....bin         I_MESSAGEs: gmk-<i> (one GMK to each user,
 *                             one RAND), gmk2-0 (a second GMK to user 0
 *                             only), and messages to user 0 a member must
 *                             refuse: forged-* (flipped bits, a GMS key from
 *                             another KMS), wrong-gms (a member's genuine
 *                             keys), wrong-kms, not-gmk (a PCK),
 *                             no-keys-period, malformed-*
 *
 *   kmc_fixture decap KEYS_JSON IDENTITY MESSAGE
 *     SAKKE-decapsulates MESSAGE's payload with IDENTITY's RSK from a
 *     seal-client key file, whatever the message's IDRr says (the key
 *     period from its timestamp).  Exit 0 and "decapsulated <GMK-ID>", or
 *     exit 1 and the reason.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "ibc/ibc.h"
#include "mikey/mikey.h"

#include "kmc_int.h"

#define PERIOD 2592000u
#define MAX_USERS 8

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kmc_fixture: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void rnd(void *ctx, size_t len, uint8_t *out)
{
    (void)ctx;
    while (len) {
        ssize_t k = getrandom(out, len, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            die("getrandom failed");
        out += k;
        len -= (size_t)k;
    }
}

typedef struct kms {
    const char *uri;
    uint8_t ksak[32], kpak[65], z[128], Z[257];
    struct mikey_kp kp;
} kms_t;

typedef struct keyset {
    const char *uri;
    uint64_t period;
    uint8_t uid[32], ssk[32], pvt[65], rsk[257];
} keyset_t;

static void kms_new(kms_t *k, const char *uri)
{
    k->uri = uri;
    k->kp = (struct mikey_kp){ PERIOD, 0 };
    if (ibc_eccsi_kms_keygen(rnd, NULL, k->ksak, k->kpak) != IBC_OK ||
        ibc_sakke_kms_keygen(rnd, NULL, k->z, k->Z) != IBC_OK)
        die("KMS key generation failed");
}

static void issue(const kms_t *k, const char *uri, uint64_t period, keyset_t *ks)
{
    ks->uri = uri;
    ks->period = period;
    if (mikey_uid((const uint8_t *)uri, strlen(uri), (const uint8_t *)k->uri, strlen(k->uri),
                  &k->kp, period, ks->uid) != MIKEY_OK ||
        ibc_eccsi_issue(k->ksak, 32, k->kpak, 65, ks->uid, 32, NULL, rnd, NULL, ks->ssk, ks->pvt,
                        NULL) != IBC_OK ||
        ibc_sakke_issue_rsk(k->z, sizeof k->z, ks->uid, 32, ks->rsk) != IBC_OK)
        die("issuing keys for %s failed", uri);
}

static void hexs(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02X", p[i]);
}

static FILE *create(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: %s", path, strerror(errno));
    return f;
}

static void header(FILE *f, const kms_t *k, const char *user, const char *url)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" "
               "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" Id=\"resp\" "
               "Version=\"1.0.0\">\n"
               "  <UserUri>%s</UserUri>\n  <KmsUri>%s</KmsUri>\n"
               "  <Time>2026-01-01T00:00:00Z</Time>\n  <ClientReqUrl>%s</ClientReqUrl>\n",
            user, k->uri, url);
}

enum defect { D_NONE, D_SSK, D_PVT, D_RSK, D_UID, D_PERIOD, D_KMSURI, D_SHORT, D_ENCRYPTED };

static void keyset_xml(FILE *f, const kms_t *k, const keyset_t *ks, enum defect d)
{
    uint8_t ssk[32], pvt[65], rsk[257], uid[32];
    memcpy(ssk, ks->ssk, 32);
    memcpy(pvt, ks->pvt, 65);
    memcpy(rsk, ks->rsk, 257);
    memcpy(uid, ks->uid, 32);
    uint64_t period = ks->period;
    switch (d) {
    case D_SSK: ssk[31] ^= 1; break;
    case D_PVT: {
        /* another valid point: a PVT from a fresh issue */
        keyset_t other;
        issue(k, "sip:someone-else@example.org", ks->period, &other);
        memcpy(pvt, other.pvt, 65);
        break;
    }
    case D_RSK: {
        keyset_t other;
        issue(k, "sip:someone-else@example.org", ks->period, &other);
        memcpy(rsk, other.rsk, 257);
        break;
    }
    case D_UID: uid[0] ^= 0x80; break;
    case D_PERIOD: period += 5; break;
    default: break;
    }
    fprintf(f, "      <KmsKeySet Version=\"1.1.0\">\n        <KmsUri>%s</KmsUri>\n"
               "        <UserUri>%s</UserUri>\n        <UserID>",
            d == D_KMSURI ? "kms.rogue.example.org" : k->uri, ks->uri);
    hexs(f, uid, 32);
    fprintf(f, "</UserID>\n        <KeyPeriodNo>%" PRIu64 "</KeyPeriodNo>\n", period);
    if (d == D_ENCRYPTED) {
        fprintf(f, "        <UserDecryptKey xsi:type=\"EncKeyContentType\"><xenc:EncryptedKey "
                   "xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></UserDecryptKey>\n");
    } else {
        fprintf(f, "        <UserDecryptKey>");
        hexs(f, rsk, d == D_SHORT ? 256 : 257);
        fprintf(f, "</UserDecryptKey>\n");
    }
    fprintf(f, "        <UserSigningKeySSK>");
    hexs(f, ssk, 32);
    fprintf(f, "</UserSigningKeySSK>\n        <UserPubTokenPVT>");
    hexs(f, pvt, 65);
    fprintf(f, "</UserPubTokenPVT>\n      </KmsKeySet>\n");
}

static void write_init(const char *dir, const kms_t *k, int bad_format)
{
    FILE *f = create(dir, "init.xml");
    header(f, k, "", "https://kms/keymanagement/identity/v1/init");
    fprintf(f, "  <KmsMessage>\n    <KmsInit Version=\"1.0.0\">\n"
               "      <KmsCertificate Version=\"1.1.0\" Role=\"Root\">\n"
               "        <KmsUri>%s</KmsUri>\n        <UserIdFormat>%d</UserIdFormat>\n"
               "        <UserKeyPeriod>%u</UserKeyPeriod>\n        <UserKeyOffset>0</UserKeyOffset>\n"
               "        <PubEncKey>",
            k->uri, bad_format ? 1 : 2, PERIOD);
    hexs(f, k->Z, 257);
    fprintf(f, "</PubEncKey>\n        <PubAuthKey>");
    hexs(f, k->kpak, 65);
    fprintf(f, "</PubAuthKey>\n        <ParameterSet>1</ParameterSet>\n"
               "      </KmsCertificate>\n    </KmsInit>\n  </KmsMessage>\n</KmsResponse>\n");
    fclose(f);
}

static void write_keyprov(const char *dir, const char *name, const kms_t *k,
                          const keyset_t *sets, size_t n, int defect_first, enum defect d)
{
    FILE *f = create(dir, name);
    header(f, k, sets[0].uri, "https://kms/keymanagement/identity/v1/keyprov");
    fprintf(f, "  <KmsMessage>\n    <KmsKeyProv Version=\"1.0.0\">\n");
    for (size_t i = 0; i < n; i++)
        keyset_xml(f, k, &sets[i], i == 0 && defect_first ? d : D_NONE);
    fprintf(f, "    </KmsKeyProv>\n  </KmsMessage>\n</KmsResponse>\n");
    fclose(f);
}

static const struct { const char *name; enum defect d; } CASES[] = {
    { "good", D_NONE }, { "bad-ssk", D_SSK }, { "bad-pvt", D_PVT }, { "bad-rsk", D_RSK },
    { "bad-uid", D_UID }, { "bad-period", D_PERIOD }, { "bad-kmsuri", D_KMSURI },
    { "bad-size", D_SHORT }, { "bad-encrypted", D_ENCRYPTED },
};

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    FILE *f = create(dir, name);
    if (fwrite(p, 1, n, f) != n)
        die("%s: short write", name);
    fclose(f);
}

typedef struct gms {
    const kms_t *kms;
    const char *uri;
    keyset_t ks;
} gms_t;

static size_t build(const gms_t *g, const kms_t *resp_kms, const char *to, const uint8_t *gmk,
                    uint32_t gmk_id, const uint8_t *rand16, uint64_t ntp, uint8_t *out, size_t cap)
{
    struct mikey_kms ik = { (const uint8_t *)g->kms->uri, strlen(g->kms->uri), g->kms->kp,
                            g->kms->kpak, 65, g->kms->Z, 257 };
    struct mikey_kms rk = { (const uint8_t *)resp_kms->uri, strlen(resp_kms->uri), resp_kms->kp,
                            resp_kms->kpak, 65, resp_kms->Z, 257 };
    /* key parameters (TS 33.180 E.6.1): active now, for one key period */
    struct mikey_key_params kp = { .key_type = 0, .status = 1, .activation = ntp,
                                   .expiry = ntp + PERIOD,
                                   .text = { (const uint8_t *)"group-1", 7 } };
    uint8_t kpbuf[64];
    size_t kplen = 0;
    if (mikey_key_params_encode(&kp, kpbuf, sizeof kpbuf, &kplen) != MIKEY_OK)
        die("key parameters");
    struct mikey_genext ext = { MIKEY_GENEXT_KEY_PARAMS, { kpbuf, kplen } };
    struct mikey_sp sp;
    mikey_sp_default_group(&sp, 0);
    struct mikey_gmk_send p = {
        .key = gmk, .key_len = 16, .key_id = gmk_id, .ntp_secs = ntp,
        .rand = rand16, .rand_len = 16, .sp = &sp, .ext = &ext, .n_ext = 1,
        .init_uri = (const uint8_t *)g->uri, .init_uri_len = strlen(g->uri), .init_kms = &ik,
        .ssk = g->ks.ssk, .ssk_len = 32, .pvt = g->ks.pvt, .pvt_len = 65,
        .resp_uri = (const uint8_t *)to, .resp_uri_len = strlen(to), .resp_kms = &rk,
        .rnd = rnd,
    };
    size_t len = 0;
    int rc = mikey_gmk_imessage_build(&p, out, cap, &len);
    if (rc != MIKEY_OK)
        die("building an I_MESSAGE to %s: %s", to, mikey_strerror(rc));
    return len;
}

static int world(int argc, char **argv)
{
    if (argc < 7)
        die("usage: world DIR UNIX_NOW KMS_URI GMS_URI USER_URI...");
    const char *dir = argv[2], *gms_uri = argv[5];
    char *end;
    int64_t now = strtoll(argv[3], &end, 10);
    if (*end || now <= 0)
        die("bad UNIX_NOW");
    size_t n = (size_t)(argc - 6);
    if (n > MAX_USERS)
        die("at most %d users", MAX_USERS);
    const char **users = (const char **)argv + 6;
    uint64_t ntp = (uint64_t)now + MIKEY_NTP_UNIX_OFFSET;
    kms_t kms, rogue;
    kms_new(&kms, argv[4]);
    kms_new(&rogue, argv[4]);  /* same KmsUri, other master keys */
    uint64_t cur;
    if (mikey_kp_number(&kms.kp, ntp, &cur) != MIKEY_OK)
        die("no key period");
    keyset_t sets[MAX_USERS], next[MAX_USERS];
    for (size_t i = 0; i < n; i++) {
        issue(&kms, users[i], cur, &sets[i]);
        issue(&kms, users[i], cur + 1, &next[i]);
    }
    char sub[4096], name[64];
    mkdir(dir, 0700);
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        snprintf(sub, sizeof sub, "%s/kms-%s", dir, CASES[c].name);
        mkdir(sub, 0700);
        write_init(sub, &kms, 0);
        write_keyprov(sub, "keyprov.xml", &kms, sets, n, 1, CASES[c].d);
        for (size_t i = 0; i < n; i++) {
            snprintf(name, sizeof name, "keyprov-%zu.xml", i);
            write_keyprov(sub, name, &kms, &sets[i], 1, i == 0, CASES[c].d);
            snprintf(name, sizeof name, "keyprov-%zu-next.xml", i);
            write_keyprov(sub, name, &kms, &next[i], 1, 0, D_NONE);
        }
    }
    /* a certificate a KM client must refuse: UserIdFormat 1 */
    snprintf(sub, sizeof sub, "%s/kms-bad-cert", dir);
    mkdir(sub, 0700);
    write_init(sub, &kms, 1);
    write_keyprov(sub, "keyprov.xml", &kms, sets, n, 0, D_NONE);

    /* ---- group keys from the GMS (its own key set from the same KMS) ---- */
    gms_t gms = { &kms, gms_uri, { 0 } }, rogue_gms = { &rogue, gms_uri, { 0 } };
    issue(&kms, gms_uri, cur, &gms.ks);
    issue(&rogue, gms_uri, cur, &rogue_gms.ks);
    uint8_t gmk[16], gmk2[16], rand1[16], rand2[16], buf[2048];
    uint32_t gmk_id, gmk2_id;
    rnd(NULL, 16, gmk);
    rnd(NULL, 16, gmk2);
    rnd(NULL, 16, rand1);
    rnd(NULL, 16, rand2);
    if (mikey_key_id_new(MIKEY_PURPOSE_GMK, rnd, NULL, &gmk_id) != MIKEY_OK ||
        mikey_key_id_new(MIKEY_PURPOSE_GMK, rnd, NULL, &gmk2_id) != MIKEY_OK)
        die("key ids");
    snprintf(sub, sizeof sub, "%s/msg", dir);
    mkdir(sub, 0700);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len = build(&gms, &kms, users[i], gmk, gmk_id, rand1, ntp, buf, sizeof buf);
        snprintf(name, sizeof name, "gmk-%zu.bin", i);
        write_file(sub, name, buf, len);
    }
    len = build(&gms, &kms, users[0], gmk2, gmk2_id, rand2, ntp, buf, sizeof buf);
    write_file(sub, "gmk2-0.bin", buf, len);

    /* refusals, all addressed to user 0 */
    size_t l0 = build(&gms, &kms, users[0], gmk, gmk_id, rand1, ntp, buf, sizeof buf);
    buf[l0 - 70] ^= 0x01;                    /* a bit of s in the signature */
    write_file(sub, "forged-flip-sig.bin", buf, l0);
    l0 = build(&gms, &kms, users[0], gmk, gmk_id, rand1, ntp, buf, sizeof buf);
    struct mikey_imsg m;
    if (mikey_imsg_decode(buf, l0, &m) != MIKEY_OK)
        die("decode");
    buf[m.rand.p - buf] ^= 0x40;             /* a bit under the signature */
    write_file(sub, "forged-flip-rand.bin", buf, l0);
    l0 = build(&gms, &kms, users[0], gmk, gmk_id, rand1, ntp, buf, sizeof buf);
    if (mikey_imsg_decode(buf, l0, &m) != MIKEY_OK)
        die("decode");
    buf[m.sakke.data.p - buf + 100] ^= 0x01; /* the encapsulated key */
    write_file(sub, "forged-flip-sakke.bin", buf, l0);
    /* signed by the GMS identity, but with keys of another KMS */
    l0 = build(&rogue_gms, &kms, users[0], gmk, gmk_id, rand1, ntp, buf, sizeof buf);
    write_file(sub, "forged-rogue-kms.bin", buf, l0);
    if (n > 1) {
        /* a member's genuine keys, claiming to be a GMS of its own */
        gms_t member = { &kms, users[1], sets[1] };
        l0 = build(&member, &kms, users[0], gmk, gmk_id, rand1, ntp, buf, sizeof buf);
        write_file(sub, "wrong-gms.bin", buf, l0);
    }
    /* the receiver's KMS named as another one */
    kms_t other = kms;
    other.uri = "kms.other.example.org";
    l0 = build(&gms, &other, users[0], gmk, gmk_id, rand1, ntp, buf, sizeof buf);
    write_file(sub, "wrong-kms.bin", buf, l0);
    /* a PCK, not a GMK */
    uint32_t pck_id;
    if (mikey_key_id_new(MIKEY_PURPOSE_PCK, rnd, NULL, &pck_id) != MIKEY_OK)
        die("key ids");
    l0 = build(&gms, &kms, users[0], gmk, pck_id, rand1, ntp, buf, sizeof buf);
    write_file(sub, "not-gmk.bin", buf, l0);
    /* a key period we hold no keys for (two periods ahead) */
    l0 = build(&gms, &kms, users[0], gmk, gmk_id, rand1, ntp + 2 * (uint64_t)PERIOD, buf,
               sizeof buf);
    write_file(sub, "no-keys-period.bin", buf, l0);
    l0 = build(&gms, &kms, users[0], gmk, gmk_id, rand1, ntp, buf, sizeof buf);
    write_file(sub, "malformed-truncated.bin", buf, l0 - 10);
    buf[l0] = 0;
    write_file(sub, "malformed-trailing.bin", buf, l0 + 1);
    buf[0] = 2;                              /* MIKEY version 2 */
    write_file(sub, "malformed-version.bin", buf, l0);
    write_file(sub, "malformed-empty-ish.bin", (const uint8_t *)"\x01\x1a", 2);

    FILE *f = create(dir, "manifest.json");
    fprintf(f, "{\n  \"kms_uri\": \"%s\",\n  \"gms_uri\": \"%s\",\n  \"now\": %" PRId64
               ",\n  \"period\": %u,\n  \"current_period\": %" PRIu64 ",\n  \"users\": [",
            kms.uri, gms_uri, now, PERIOD, cur);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", users[i]);
    fprintf(f, "],\n  \"next_time_hex\": \"%016" PRIX64 "\",\n  \"gmk\": \"",
            mikey_ntp64_from_seconds((cur + 1) * PERIOD));
    hexs(f, gmk, 16);
    fprintf(f, "\",\n  \"gmk_id\": \"%08" PRIX32 "\",\n  \"rand\": \"", gmk_id);
    hexs(f, rand1, 16);
    fprintf(f, "\",\n  \"gmk2\": \"");
    hexs(f, gmk2, 16);
    fprintf(f, "\",\n  \"gmk2_id\": \"%08" PRIX32 "\",\n  \"rand2\": \"", gmk2_id);
    hexs(f, rand2, 16);
    fprintf(f, "\",\n  \"uids\": [");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s\"", i ? ", " : "");
        hexs(f, sets[i].uid, 32);
        fprintf(f, "\"");
    }
    fprintf(f, "]\n}\n");
    fclose(f);
    return 0;
}

static int decap(int argc, char **argv)
{
    if (argc != 5)
        die("usage: decap KEYS_JSON IDENTITY MESSAGE");
    sealclient_options_t o = { .struct_size = sizeof o, .tokens_path = "/nonexistent/t",
                               .leeway_s = -1 };
    sealclient_t *c = NULL;
    if (sealclient_new(&o, &c) != SEALCLIENT_OK)
        die("sealclient_new");
    kmc_store_t s;
    if (kmc_store_load(c, argv[2], &s) || !s.has_cert)
        die("%s: %s", argv[2], sealclient_error(c));
    FILE *f = fopen(argv[4], "rb");
    uint8_t buf[4096];
    size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    struct mikey_imsg m;
    int rc = mikey_imsg_decode(buf, len, &m);
    if (rc != MIKEY_OK) {
        printf("refused: %s\n", mikey_strerror(rc));
        return 1;
    }
    struct mikey_kp kp = { s.cert.period, s.cert.offset };
    uint64_t period;
    if (mikey_kp_number(&kp, mikey_imsg_time(&m, 0), &period) != MIKEY_OK)
        die("no period");
    const kmc_keyset_t *ks = kmc_store_find(&s, argv[3], period);
    if (!ks)
        die("no key set of %s for period %" PRIu64, argv[3], period);
    uint8_t key[16];
    rc = mikey_sakke_decap(&m.sakke, s.cert.z, sizeof s.cert.z, ks->uid, sizeof ks->uid,
                           ks->rsk, sizeof ks->rsk, key);
    int ret = 0;
    if (rc != MIKEY_OK) {
        printf("refused: %s\n", mikey_strerror(rc));
        ret = 1;
    } else {
        uint32_t id;
        mikey_gmk_id_from_guk(key, 16, m.hdr.csb_id, (const uint8_t *)argv[3], strlen(argv[3]),
                              &id);
        printf("decapsulated %08" PRIx32 "\n", id);
    }
    explicit_bzero(key, sizeof key);
    kmc_store_free(&s);
    sealclient_free(c);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "world") == 0)
        return world(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "decap") == 0)
        return decap(argc, argv);
    die("usage: kmc_fixture world|decap ...");
    return 2;
}
