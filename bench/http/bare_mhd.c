/* SPDX-License-Identifier: Apache-2.0 */
/* bench/http/bare_mhd.c: the baseline of bench/http/run.sh, a bare
 * libmicrohttpd server answering every request with fixed bytes (the body,
 * Content-Type and ETag seald sends for one group document), in the same
 * threading mode as seald (internal thread pool, epoll). It queues the
 * answer on the second access-handler call, as seald does, so both keep
 * connections alive.
 *
 *   bare_mhd <threads> <body-file> <content-type> <etag|-> [<cert.pem> <key.pem>]
 *
 * Prints "port <n>" once listening on 127.0.0.1:<ephemeral>, then serves
 * until SIGTERM or SIGINT. */
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

static struct MHD_Response *resp;

static MHD_RESULT answer(void *cls, struct MHD_Connection *c, const char *url,
                         const char *method, const char *version, const char *data,
                         size_t *data_size, void **con_cls)
{
    static int first_call_marker;
    (void)cls; (void)url; (void)method; (void)version; (void)data;
    if (*con_cls == NULL) {
        *con_cls = &first_call_marker;
        return MHD_YES;
    }
    if (*data_size) {
        *data_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(c, MHD_HTTP_OK, resp);
}

static char *slurp(const char *file, size_t *len)
{
    FILE *f = fopen(file, "rb");
    if (!f) { perror(file); exit(1); }
    char *buf = malloc((1 << 20) + 1);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 7) {
        fprintf(stderr, "usage: %s threads body-file content-type etag [cert key]\n", argv[0]);
        return 2;
    }
    unsigned threads = (unsigned)atoi(argv[1]);
    size_t len;
    char *body = slurp(argv[2], &len);
    resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, argv[3]);
    if (strcmp(argv[4], "-") != 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, argv[4]);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    size_t certlen, keylen;
    char *cert = NULL, *key = NULL;
    if (argc == 7) {
        flags |= MHD_USE_TLS;
        cert = slurp(argv[5], &certlen);
        key = slurp(argv[6], &keylen);
    }
    struct MHD_OptionItem tls[] = {
        { MHD_OPTION_HTTPS_MEM_CERT, 0, cert },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, key },
        { MHD_OPTION_HTTPS_PRIORITIES, 0, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" },
        { MHD_OPTION_END, 0, NULL },
    };
    struct MHD_OptionItem none[] = { { MHD_OPTION_END, 0, NULL } };
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 1,
        MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_ARRAY, cert ? tls : none,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "cannot start\n");
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u\n", di ? di->port : 0);
    fflush(stdout);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    while (!stop)
        pause();
    MHD_stop_daemon(d);
    MHD_destroy_response(resp);
    free(body);
    free(cert);
    free(key);
    return 0;
}
