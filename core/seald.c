/* SPDX-License-Identifier: Apache-2.0 */
/* seald: the thin host process. Everything else is in libseal and the
 * plugins. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include "host.h"

/* The signal handlers' only way to the host. */
static seal_host_t *g_host;

static void on_stop(int sig)
{
    (void)sig;
    if (g_host) seal_host_request_stop(g_host);
}

static void on_hup(int sig)
{
    (void)sig;
    if (g_host) seal_host_request_reopen(g_host);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: seald [-c FILE] [--check-config] [--version]\n"
            "  -c, --config FILE   configuration file (default %s/seald.conf)\n"
            "  -t, --check-config  parse the configuration, load and init the plugins, exit\n"
            "  -V, --version       print the package and ABI versions and the plugins of\n"
            "                      the configuration (when it can be read), exit\n"
            "      --allow-core-dumps\n"
            "                      leave core dumps as the environment set them (to\n"
            "                      debug a crash: a core holds keys in clear)\n"
            "  -h, --help          this text\n", SEAL_CONFDIR);
}

/* No core dumps: a core (or systemd-coredump's copy of it) would hold the
 * KEKs, the private keys and the group master keys in clear. The hard limit
 * goes to 0 too, so nothing in the process raises it again; not dumpable
 * also keeps other processes of the same user from ptrace-attaching and
 * from reading /proc/<pid>/mem (Linux). */
static void no_core_dumps(void)
{
    struct rlimit rl = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &rl) != 0)
        fprintf(stderr, "seald: cannot turn core dumps off: %s\n", strerror(errno));
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        fprintf(stderr, "seald: cannot turn core dumps off: %s\n", strerror(errno));
}

static void handle(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "check-config", no_argument, NULL, 't' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { "allow-core-dumps", no_argument, NULL, 'D' },
        { NULL, 0, NULL, 0 }
    };
    const char *file = SEAL_CONFDIR "/seald.conf";
    int check = 0, version = 0, explicit_file = 0, cores = 0, c;
    while ((c = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': file = optarg; explicit_file = 1; break;
        case 't': check = 1; break;
        case 'V': version = 1; break;
        case 'h': usage(stdout); return 0;
        case 'D': cores = 1; break;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) { usage(stderr); return 2; }
    /* Before any configuration is read: plugins read keys at init. */
    if (!cores) no_core_dumps();

    seal_host_t *host = seal_host_new();
    if (!host) { fprintf(stderr, "seald: out of memory\n"); return 1; }

    if (version) {
        /* List the plugins of the configuration when there is one to read. */
        int ok = (explicit_file || access(file, R_OK) == 0)
                 && seal_host_configure(host, file) == SEAL_OK
                 && seal_host_load(host) == SEAL_OK;
        seal_host_print_version(ok ? host : NULL, stdout);
        seal_host_free(host);
        return explicit_file && !ok ? 1 : 0;
    }

    int rc = 1;
    if (seal_host_configure(host, file) != SEAL_OK) goto out;
    if (seal_host_load(host) != SEAL_OK) goto out;
    if (seal_host_init(host) != SEAL_OK) goto out;
    if (check) {
        printf("%s: configuration OK\n", file);
        rc = 0;
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    g_host = host;
    handle(SIGTERM, on_stop);
    handle(SIGINT, on_stop);
    handle(SIGHUP, on_hup);
    if (seal_host_start(host) != SEAL_OK) goto out;
    seal_log(NULL, SEAL_LOG_NOTICE, "seald %s serving (port %u)", seal_version_string(),
             seal_host_port(host, 0));
    if (seal_host_serve(host) == SEAL_OK) rc = 0;
    seal_log(NULL, SEAL_LOG_NOTICE, "stopping");
out:
    g_host = NULL;
    seal_host_free(host);
    return rc;
}
