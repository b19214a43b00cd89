/* SPDX-License-Identifier: Apache-2.0 */
/* Single-threaded throughput of the crypto ABI (seal/crypto.h) with the
 * crypto_gnutls backend, through an in-process host exactly as a service
 * plugin calls it: ES256 and EdDSA sign/verify, and ECCSI sign/verify and
 * SAKKE encap/decap to show what the ABI adds over bench_ibc. Each figure
 * is the best of three timed runs.
 *   bench_crypto [seconds-per-run]     (default 0.3)
 * The plugin is looked up in $top_builddir (default: this build tree).
 * The last line is machine-readable name=value pairs (ops/s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <seal/seal.h>
#include "host.h"

static seal_plugin_t *self;

static seal_status_t b_init(seal_plugin_t *p)
{
    self = p;
    return SEAL_OK;
}

static const seal_plugin_desc_t b_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "cryptobench",
    .version = "0",
    .description = "crypto ABI benchmark",
    .init = b_init,
};

static struct {
    seal_crypto_key_t *es, *ed, *signer, *recv;
    uint8_t msg[100], es_sig[64], ed_sig[64], kpak[65], Z[257], id[32], ecsig[129], ed_sakke[273];
} K;

static void check(seal_status_t st, const char *what)
{
    if (st != SEAL_OK) {
        fprintf(stderr, "bench_crypto: %s: %s\n", what, seal_strerror(st));
        exit(1);
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void op_es_sign(void)
{
    size_t n;
    check(seal_crypto_sign(K.es, K.msg, sizeof K.msg, K.es_sig, 64, &n), "es256 sign");
}
static void op_es_verify(void)
{
    check(seal_crypto_verify(K.es, K.msg, sizeof K.msg, K.es_sig, 64), "es256 verify");
}
static void op_ed_sign(void)
{
    size_t n;
    check(seal_crypto_sign(K.ed, K.msg, sizeof K.msg, K.ed_sig, 64, &n), "eddsa sign");
}
static void op_ed_verify(void)
{
    check(seal_crypto_verify(K.ed, K.msg, sizeof K.msg, K.ed_sig, 64), "eddsa verify");
}
static void op_eccsi_sign(void)
{
    check(seal_crypto_eccsi_sign(K.signer, K.msg, sizeof K.msg, NULL, K.ecsig), "eccsi sign");
}
static void op_eccsi_verify(void)
{
    check(seal_crypto_eccsi_verify(self, K.kpak, 65, K.id, 32, K.msg, sizeof K.msg, K.ecsig, 129),
          "eccsi verify");
}
static void op_encap(void)
{
    uint8_t ssv[16];
    check(seal_crypto_sakke_encap(self, K.Z, 257, K.id, 32, NULL, ssv, K.ed_sakke), "sakke encap");
}
static void op_decap(void)
{
    uint8_t ssv[16];
    check(seal_crypto_sakke_decap(K.recv, K.ed_sakke, 273, ssv), "sakke decap");
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
        if (n / t > best) best = n / t;
    }
    printf("%-28s %10.1f ops/s  %9.1f us/op\n", name, best, 1e6 / best);
    fflush(stdout);
    return best;
}

int main(int argc, char **argv)
{
    if (argc > 1) run_time = atof(argv[1]);
    if (run_time <= 0) run_time = 0.3;
    const char *b = getenv("top_builddir");
    char conf[1024];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": \"%s/plugins/crypto/crypto_gnutls/.libs\", \"store\": \"none\","
             " \"http\": {\"listen\": [\"127.0.0.1:0\"]}, \"log\": {\"level\": \"warning\"}}",
             b && *b ? b : SEAL_BUILDDIR);
    seal_host_t *host = seal_host_new();
    if (!host) return 1;
    check(seal_host_configure_string(host, conf, "bench.conf"), "configure");
    check(seal_host_add_builtin(host, &b_desc, "cryptobench"), "builtin");
    check(seal_host_load(host), "load");
    check(seal_host_init(host), "init");
    check(seal_host_start(host), "start");
    const char *backend = NULL;
    if (!(seal_crypto_caps(self, &backend) & SEAL_CRYPTO_CAP_ES256)) {
        fprintf(stderr, "bench_crypto: no ES256 backend loaded\n");
        return 1;
    }

    check(seal_crypto_random(self, K.msg, sizeof K.msg), "random");
    check(seal_crypto_random(self, K.id, sizeof K.id), "random");
    check(seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_ES256, &K.es), "es256 keygen");
    check(seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_EDDSA, &K.ed), "eddsa keygen");
    seal_crypto_key_t *ekms, *skms;
    uint8_t *pub, ssk[32], pvt[65], rsk[257];
    size_t len;
    check(seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_ECCSI_KMS, &ekms), "eccsi kms");
    check(seal_crypto_key_export_public(ekms, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL, &pub, &len), "kpak");
    memcpy(K.kpak, pub, 65);
    seal_free(pub);
    check(seal_crypto_eccsi_issue(ekms, K.id, 32, NULL, ssk, pvt), "eccsi issue");
    check(seal_crypto_eccsi_validate(self, K.kpak, 65, K.id, 32, ssk, 32, pvt, 65, &K.signer),
          "eccsi validate");
    check(seal_crypto_key_generate(self, SEAL_CRYPTO_KEY_SAKKE_KMS, &skms), "sakke kms");
    check(seal_crypto_key_export_public(skms, SEAL_CRYPTO_FMT_RAW_PUBLIC, NULL, &pub, &len), "Z");
    memcpy(K.Z, pub, 257);
    seal_free(pub);
    check(seal_crypto_sakke_issue_rsk(skms, K.id, 32, rsk), "rsk issue");
    check(seal_crypto_sakke_validate_rsk(self, K.Z, 257, K.id, 32, rsk, 257, &K.recv), "rsk validate");
    op_es_sign();
    op_ed_sign();
    op_eccsi_sign();
    op_encap();

    printf("seal/crypto.h through %s, single-threaded (best of 3 x %.2fs)\n", backend, run_time);
    double es_sign = bench("es256 sign", op_es_sign);
    double es_verify = bench("es256 verify", op_es_verify);
    double ed_sign = bench("eddsa sign", op_ed_sign);
    double ed_verify = bench("eddsa verify", op_ed_verify);
    double ec_sign = bench("eccsi sign (ABI)", op_eccsi_sign);
    double ec_verify = bench("eccsi verify (ABI)", op_eccsi_verify);
    double encap = bench("sakke encap (ABI)", op_encap);
    double decap = bench("sakke decap (ABI, receiver)", op_decap);
    printf("es256_sign=%.0f es256_verify=%.0f eddsa_sign=%.0f eddsa_verify=%.0f "
           "abi_eccsi_sign=%.0f abi_eccsi_verify=%.0f abi_sakke_encap=%.0f abi_sakke_decap=%.0f\n",
           es_sign, es_verify, ed_sign, ed_verify, ec_sign, ec_verify, encap, decap);

    seal_crypto_key_free(K.es);
    seal_crypto_key_free(K.ed);
    seal_crypto_key_free(K.signer);
    seal_crypto_key_free(K.recv);
    seal_crypto_key_free(ekms);
    seal_crypto_key_free(skms);
    seal_host_shutdown(host);
    seal_host_free(host);
    return 0;
}
