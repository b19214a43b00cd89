/* SPDX-License-Identifier: Apache-2.0 */
/* bench_gmk: key management throughput in process (an in-process host with
 * store_sqlite, crypto_gnutls, km, seal_x1 and gm with its gmk block, the
 * plugins from the build tree):
 *
 *   keyset   identities/s provisioned through "seal.km.v1" keyset (each a
 *            fresh identity: UID, ECCSI SSK/PVT, SAKKE RSK, wrapped and
 *            stored), with as many threads as CPUs;
 *   gmk      members/s of a GMK distribution: a group of M VAL users is
 *            created through "seal.gm.v1" and the time until its GMK state
 *            is "done" is measured (every member's I_MESSAGE built, signed
 *            and stored), with gm's default worker pool (one per CPU).
 *
 *   bench_gmk [members, default 2000] [keyset seconds, default 3]
 *
 * Run from the build tree (top_builddir, default ".", locates the plugins).
 * Prints a report and last a line
 *   keyset_rps=<n> gmk_members_s=<n> gmk_cpu_members_s=<n> cpus=<n>
 * where gmk_cpu_members_s is members per second of this process's CPU time
 * (the figure a shared, loaded machine does not distort). */
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <seal/seal.h>
#include <seal/services/gm.h>
#include <seal/services/km.h>
#include "host.h"

static const seal_km_v1_t *KM;
static void *KM_USER;
static const seal_gm_v1_t *GM;
static void *GM_USER;

static seal_plugin_t *B_SELF;

static seal_status_t b_start(seal_plugin_t *self)
{
    B_SELF = self;
    return SEAL_OK;
}

static const seal_plugin_desc_t b_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "kmbench",
    .version = "0",
    .description = "key management benchmark consumer",
    .start = b_start,
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

/* ---- keyset: fresh identities, one thread per CPU ---- */

typedef struct ks_run {
    int thread;
    double until;
    uint64_t period;
    unsigned long done;
    int failed;
} ks_run_t;

static void *ks_runner(void *p)
{
    ks_run_t *r = p;
    seal_km_keyset_t ks;
    while (now() < r->until) {
        char id[64];
        snprintf(id, sizeof id, "sip:k%d-%lu@bench.example", r->thread, r->done);
        memset(&ks, 0, sizeof ks);
        ks.struct_size = sizeof ks;
        if (KM->keyset(KM_USER, SEAL_KM_CURRENT, id, r->period, &ks) != SEAL_OK) {
            r->failed = 1;
            break;
        }
        r->done++;
    }
    explicit_bzero(&ks, sizeof ks);
    return NULL;
}

static double keyset_rate(int threads, double seconds)
{
    pthread_t th[64];
    ks_run_t r[64];
    uint64_t period = 0;
    if (KM->period_at(KM_USER, SEAL_KM_CURRENT, (int64_t)time(NULL), &period) != SEAL_OK) {
        fprintf(stderr, "km period_at failed\n");
        exit(1);
    }
    double t0 = now();
    for (int i = 0; i < threads; i++) {
        r[i] = (ks_run_t){ i, t0 + seconds, period, 0, 0 };
        pthread_create(&th[i], NULL, ks_runner, &r[i]);
    }
    unsigned long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        if (r[i].failed) {
            fprintf(stderr, "km keyset failed\n");
            exit(1);
        }
        total += r[i].done;
    }
    return (double)total / (now() - t0);
}

/* ---- gmk: a group of m members, until its GMK is distributed ---- */

static int gmk_done(const char *id)
{
    char *json = NULL;
    if (GM->gmk_state(GM_USER, id, &json, NULL) != SEAL_OK)
        return 0;
    struct json_object *o = json_tokener_parse(json), *v;
    int done = o && json_object_object_get_ex(o, "state", &v) &&
               strcmp(json_object_get_string(v), "done") == 0;
    json_object_put(o);
    seal_free(json);
    return done;
}

static void gmk_rate(int members, double *wall_rate, double *cpu_rate)
{
    size_t cap = (size_t)members * 48 + 64;
    char *doc = malloc(cap);
    size_t o = (size_t)snprintf(doc, cap, "{\"valGroupId\":\"bench-%d\",\"members\":[", members);
    for (int i = 0; i < members; i++)
        o += (size_t)snprintf(doc + o, cap - o, "%s{\"valUserId\":\"sip:m%06d@bench.example\"}",
                              i ? "," : "", i);
    snprintf(doc + o, cap - o, "]}");
    char *id = NULL;
    double c0 = cpu_now(), t0 = now();
    if (GM->create(GM_USER, doc, strlen(doc), &id, NULL, NULL, NULL) != SEAL_OK) {
        fprintf(stderr, "gm create failed\n");
        exit(1);
    }
    while (!gmk_done(id)) {
        if (now() - t0 > 600) {
            fprintf(stderr, "distribution not done after 600 s\n");
            exit(1);
        }
        usleep(5000);
    }
    double t = now() - t0, c = cpu_now() - c0;
    *wall_rate = members / t;
    *cpu_rate = members / c;
    printf("gmk distribution: %d members in %.2f s wall, %.2f s CPU\n", members, t, c);
    free(id);
    free(doc);
}

int main(int argc, char **argv)
{
    int members = argc > 1 ? atoi(argv[1]) : 2000;
    double ks_secs = argc > 2 ? atof(argv[2]) : 3.0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const char *b = getenv("top_builddir");
    if (!b || !*b)
        b = ".";
    char tmp[] = "/tmp/seal-bench-km-XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    char conf[4096];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": [\"%s/plugins/stores/store_sqlite/.libs\","
             " \"%s/plugins/crypto/crypto_gnutls/.libs\", \"%s/plugins/services/km/.libs\","
             " \"%s/plugins/refpoints/seal_x1/.libs\", \"%s/plugins/services/gm/.libs\"],"
             " \"log\": {\"level\": \"notice\"},"
             " \"plugins\": {\"store_sqlite\": {\"path\": \"%s/bench.db\"},"
             " \"crypto_gnutls\": {},"
             " \"km\": {\"kms_uri\": \"kms.bench.example\", \"master_key_file\": \"%s/km.kek\"},"
             " \"seal_x1\": {\"gms_uri\": \"sip:gms@bench.example\"},"
             " \"gm\": {\"gmk\": {\"kek_file\": \"%s/gmk.kek\"}}},"
             " \"http\": {\"listen\": [\"127.0.0.1:0\"]}}",
             b, b, b, b, b, tmp, tmp, tmp);
    seal_host_t *host = seal_host_new();
    if (!host || seal_host_configure_string(host, conf, "bench.conf") != SEAL_OK ||
        seal_host_add_builtin(host, &b_desc, "kmbench") != SEAL_OK ||
        seal_host_load(host) != SEAL_OK || seal_host_init(host) != SEAL_OK ||
        seal_host_start(host) != SEAL_OK) {
        fprintf(stderr, "bench_gmk: the host did not start (plugins built? top_builddir?)\n");
        return 1;
    }
    /* The interfaces, through the builtin's handle once everything started. */
    seal_plugin_t *self = B_SELF;
    KM = self ? seal_iface_get(self, SEAL_KM_IFACE_V1, &KM_USER) : NULL;
    GM = self ? seal_iface_get(self, SEAL_GM_IFACE_V1, &GM_USER) : NULL;
    if (!KM || !GM || GM->struct_size < sizeof(seal_gm_v1_t)) {
        fprintf(stderr, "bench_gmk: seal.km.v1 or seal.gm.v1 missing\n");
        return 1;
    }
    printf("key management in process, %ld CPU(s), store_sqlite synchronous=full\n", cpus);
    double ks = keyset_rate((int)cpus, ks_secs);
    printf("km keyset (fresh identities, %ld threads): %.1f identities/s\n", cpus, ks);
    double wall, cpu;
    gmk_rate(members, &wall, &cpu);
    printf("gmk: %.1f members/s wall, %.1f members per CPU-second\n", wall, cpu);
    seal_host_shutdown(host);
    seal_host_free(host);
    nftw(tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    printf("keyset_rps=%.0f gmk_members_s=%.1f gmk_cpu_members_s=%.1f cpus=%ld\n", ks, wall, cpu,
           cpus);
    return 0;
}
