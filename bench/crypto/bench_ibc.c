/* SPDX-License-Identifier: Apache-2.0 */
/* Single-threaded throughput of lib/ibc: ECCSI sign/verify/validate and
 * SAKKE encapsulation/decapsulation (one-shot and precomputed), RSK issue
 * and validation.  Each figure is the best of three timed runs, timed in
 * process CPU time so that other load on a shared machine (time slicing)
 * does not distort the single-threaded rate.
 *   bench_ibc [seconds-per-run]        (default 0.3)
 * The last line is machine-readable name=value pairs (ops/s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ibc.h"

static void rnd(void *ctx, size_t len, uint8_t *out)
{
    (void)ctx;
    while (len) {
        ssize_t n = getrandom(out, len, 0);
        if (n <= 0) {
            perror("getrandom");
            exit(1);
        }
        out += n;
        len -= (size_t)n;
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Key material shared by the operations. */
static struct {
    uint8_t ksak[32], kpak[65], ssk[32], pvt[65], sig[129], msg[100];
    uint8_t z[128], Z[257], rsk[257], ed[273], ssv[16];
    uint8_t id[32];
    ibc_sakke_sender *sender;
    ibc_sakke_receiver *recv;
} K;

static void check(int rc, const char *what)
{
    if (rc != IBC_OK) {
        fprintf(stderr, "%s: %s\n", what, ibc_strerror(rc));
        exit(1);
    }
}

static void op_sign(void)
{
    check(ibc_eccsi_sign(K.kpak, 65, K.id, sizeof K.id, K.ssk, 32, K.pvt, 65, K.msg, sizeof K.msg,
                         NULL, rnd, NULL, K.sig), "sign");
}
static void op_verify(void)
{
    check(ibc_eccsi_verify(K.kpak, 65, K.id, sizeof K.id, K.msg, sizeof K.msg, K.sig, 129),
          "verify");
}
static void op_validate(void)
{
    check(ibc_eccsi_validate(K.kpak, 65, K.id, sizeof K.id, K.ssk, 32, K.pvt, 65, NULL),
          "validate");
}
static void op_encap(void)
{
    check(ibc_sakke_encap(K.Z, 257, K.id, sizeof K.id, NULL, rnd, NULL, K.ssv, K.ed), "encap");
}
static void op_encap_pre(void)
{
    check(ibc_sakke_sender_encap(K.sender, NULL, rnd, NULL, K.ssv, K.ed), "encap_pre");
}
static void op_decap(void)
{
    uint8_t ssv[16];
    check(ibc_sakke_decap(K.Z, 257, K.id, sizeof K.id, K.rsk, 257, K.ed, 273, ssv), "decap");
}
static void op_decap_pre(void)
{
    uint8_t ssv[16];
    check(ibc_sakke_receiver_decap(K.recv, K.ed, 273, ssv), "decap_pre");
}
static void op_rsk_issue(void)
{
    check(ibc_sakke_issue_rsk(K.z, sizeof K.z, K.id, sizeof K.id, K.rsk), "rsk_issue");
}
static void op_rsk_validate(void)
{
    check(ibc_sakke_validate_rsk(K.Z, 257, K.id, sizeof K.id, K.rsk, 257), "rsk_validate");
}
static void op_sender_new(void)
{
    ibc_sakke_sender *s;
    check(ibc_sakke_sender_new(&s, K.Z, 257, K.id, sizeof K.id), "sender_new");
    ibc_sakke_sender_free(s);
}
static void op_receiver_new(void)
{
    ibc_sakke_receiver *r;
    check(ibc_sakke_receiver_new(&r, K.Z, 257, K.id, sizeof K.id, K.rsk, 257), "receiver_new");
    ibc_sakke_receiver_free(r);
}

static double run_time = 0.3;

static double bench(const char *name, void (*op)(void))
{
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        unsigned n = 0;
        double t0 = now(), t;
        do {
            op();
            n++;
            t = now() - t0;
        } while (t < run_time || n < 3);
        if (n / t > best)
            best = n / t;
    }
    printf("%-28s %10.1f ops/s  %9.1f us/op\n", name, best, 1e6 / best);
    fflush(stdout);
    return best;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        run_time = atof(argv[1]);
    if (run_time <= 0)
        run_time = 0.3;

    rnd(NULL, sizeof K.id, K.id);
    rnd(NULL, sizeof K.msg, K.msg);
    check(ibc_eccsi_kms_keygen(rnd, NULL, K.ksak, K.kpak), "eccsi keygen");
    check(ibc_eccsi_issue(K.ksak, 32, K.kpak, 65, K.id, sizeof K.id, NULL, rnd, NULL, K.ssk, K.pvt,
                          NULL), "eccsi issue");
    check(ibc_sakke_kms_keygen(rnd, NULL, K.z, K.Z), "sakke keygen");
    check(ibc_sakke_issue_rsk(K.z, sizeof K.z, K.id, sizeof K.id, K.rsk), "rsk");
    check(ibc_sakke_sender_new(&K.sender, K.Z, 257, K.id, sizeof K.id), "sender");
    check(ibc_sakke_receiver_new(&K.recv, K.Z, 257, K.id, sizeof K.id, K.rsk, 257), "receiver");

    printf("lib/ibc single-threaded throughput (best of 3 x %.2fs CPU time)\n", run_time);
    double sign = bench("eccsi sign", op_sign);
    double verify = bench("eccsi verify", op_verify);
    bench("eccsi validate (SSK/PVT)", op_validate);
    double encap = bench("sakke encap", op_encap);
    double encap_pre = bench("sakke encap (precomputed)", op_encap_pre);
    double decap = bench("sakke decap", op_decap);
    double decap_pre = bench("sakke decap (precomputed)", op_decap_pre);
    double issue = bench("sakke rsk issue", op_rsk_issue);
    double validate = bench("sakke rsk validate", op_rsk_validate);
    bench("sakke sender precompute", op_sender_new);
    bench("sakke receiver precompute", op_receiver_new);
    printf("sakke_encap=%.0f sakke_decap=%.0f eccsi_sign=%.0f eccsi_verify=%.0f rsk_issue=%.0f "
           "sakke_encap_pre=%.0f sakke_decap_pre=%.0f rsk_validate=%.0f\n",
           encap, decap, sign, verify, issue, encap_pre, decap_pre, validate);
    ibc_sakke_sender_free(K.sender);
    ibc_sakke_receiver_free(K.recv);
    return 0;
}
