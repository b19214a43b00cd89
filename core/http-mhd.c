/* SPDX-License-Identifier: Apache-2.0 */
/* core/http-mhd.c: the HTTP(S) front on libmicrohttpd (>= 0.9.71), the only
 * file that includes microhttpd.h. It reads the "http"
 * configuration block, listens, applies the limits, checks client
 * certificates, routes, runs the authorization hook (and, around it, the
 * certificate principals of core/principals.c) and calls handlers.
 *
 * Configuration ("http" block of seald.conf; every key is optional):
 *
 *   listen             array of "host:port" strings (or one string):
 *                      "127.0.0.1:8080", "[::1]:8443", "0.0.0.0:8443",
 *                      "*:8443" (all IPv4 addresses). Port 0 binds an
 *                      ephemeral port (seal_host_port tells which). IPv6
 *                      listeners are IPv6-only: list both families if needed.
 *                      Default ["127.0.0.1:8080"] without tls,
 *                      ["0.0.0.0:8443"] with tls.
 *   tls                object; present: HTTPS on every listener, absent:
 *                      plain HTTP (tests, benchmarks, behind a TLS proxy).
 *     cert             PEM certificate chain file (required); ECDSA P-256
 *                      or Ed25519 recommended.
 *     key              PEM private key file (required).
 *     client_ca        PEM file of the CAs that issue client certificates.
 *     verify_client    "off": never ask for a client certificate;
 *                      "optional": ask, accept none, refuse (403) one whose
 *                      chain does not verify against client_ca;
 *                      "required": refuse (401) a request without a valid one.
 *                      Default "optional" with client_ca, "off" without.
 *     priorities       GnuTLS priority string; default
 *                      "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"
 *                      SEAL_TLS_AEAD_ONLY: TLS 1.2 and 1.3, TLS 1.2 with
 *                      AEAD suites and ephemeral key exchange only
 *                      (RFC 9325 4.1, 4.2).
 *   auth               object:
 *     mtls             bool, default true: certificate principals. A verified
 *                      client certificate whose subject and issuer DNs the
 *                      top-level "principals" table maps (core/principals.c,
 *                      doc/authorization.md) marks every request (attributes
 *                      "cert_principal", "cert_roles"); on a protected route
 *                      where no seal.http.authorize hook approves nor vetoes,
 *                      it is the caller when its "scopes" hold the route's
 *                      service scope, else 403; a verified certificate the
 *                      table does not map gets 403 there. false: certificates
 *                      are never principals (such requests get 401, and the
 *                      administration routes refuse everyone).
 *   limits             object:
 *     max_body_bytes   largest request body, default 1048576; larger: 413
 *                      (at once when Content-Length says so). Bodies are
 *                      read as they arrive, never allocated from what
 *                      Content-Length announces.
 *     max_body_bytes_by_service  {"<service>": bytes}: the limit for the
 *                      routes of one service instead of max_body_bytes.
 *     max_connections  connections served at once over all listeners,
 *                      default 512. When full, a new connection makes room
 *                      by closing the oldest connection idle between
 *                      requests, else the oldest one still in its head;
 *                      only when every one is being served does the new
 *                      one get 503 with Retry-After and close
 *                      (core/http-conns.c). The engine itself refuses
 *                      sockets only past max_connections + max(16,
 *                      max_connections / 4).
 *     max_connections_per_client  connections one client may hold (an IPv4
 *                      address, an IPv6 /64), default 64, 0 = no cap; past
 *                      it a connection is closed unanswered at once.
 *     rate_per_client  requests per second per client address (IPv4
 *                      address, IPv6 /64), token bucket; 0 (default) = off.
 *                      Past it: 429 with Retry-After.
 *     rate_burst       bucket size, default max(1, rate_per_client).
 *   threads            worker threads per listener, default 2 x CPUs
 *                      (2..64).
 *   connection_timeout_s  idle connection timeout, default 60 (0 = none).
 *   head_timeout_s     the TLS handshake and each request head (request
 *                      line and header fields) must arrive within this many
 *                      seconds of their first byte, however slowly they
 *                      trickle; default 10 (0 = none). Kept-alive
 *                      connections idle between requests are not counted.
 *
 * Framing (RFC 9112): conflicting Content-Length values, Content-Length with
 * Transfer-Encoding, whitespace before a header field's colon, a missing or
 * repeated Host, and a control character or space in the request-target get
 * 400, a transfer coding other than chunked 501; the connection is then
 * closed, so what follows on it is never taken for a request. HEAD is
 * served wherever GET is.
 *   drain_timeout_s    at shutdown, how long in-flight and suspended
 *                      requests may take before suspended ones get 503;
 *                      default 10.
 *
 * Every request writes one access-log line (seal_log_access):
 *   <peer> <method> <path> <status> <bytes> <microseconds> <principal|->
 * with the path as received, without the query string (it may carry
 * secrets), bytes outside printable ASCII percent-encoded. Headers and bodies
 * are never logged.
 *
 * libmicrohttpd 0.9.75 notes: a response is queued only
 * from the second access-handler call on (queuing on the first closes
 * keep-alive connections), except for refusals that close the connection
 * anyway; MHD only requests a client certificate, so the verification result
 * is checked here; suspend/resume needs MHD_ALLOW_SUSPEND_RESUME, and every
 * suspended connection must be resumed before MHD_stop_daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http-conns.h"
#include "http-private.h"
#include "principals.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

#define DEFAULT_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" SEAL_TLS_AEAD_ONLY
#define MAX_PEM_BYTES (1024 * 1024)

enum verify_mode { VERIFY_OFF = 0, VERIFY_OPTIONAL, VERIFY_REQUIRED };
enum cert_state { CERT_UNCHECKED = 0, CERT_NONE, CERT_VALID, CERT_INVALID };

typedef struct listener {
    char *spec;                     /* as configured, for messages */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int fd;
    unsigned port;
    struct MHD_Daemon *d;
} listener_t;

/* Token buckets per client address: a fixed set-associative table, so an
 * address flood costs no memory; a full set forgets its least recent entry. */
#define RL_SETS 256
#define RL_WAYS 4
typedef struct rl_entry {
    uint8_t key[17];
    uint8_t used;
    double tokens;
    uint64_t last_ns;
} rl_entry_t;
typedef struct rl_set {
    pthread_mutex_t mu;
    rl_entry_t e[RL_WAYS];
} rl_set_t;

/* Per connection (MHD socket context). */
typedef struct conn_ctx {
    char peer[INET6_ADDRSTRLEN];
    uint8_t key[SEAL_CONN_KEY_LEN]; /* family + address (IPv6: /64): limits per client */
    enum cert_state cert;
    char *dn, *issuer;              /* subject and issuer DNs of a verified certificate */
    int over_limit;                 /* no room even after evictions: answer 503 and close */
    seal_conn_t *slot;              /* in the connection table */
    unsigned requests;              /* heads begun on this connection */
} conn_ctx_t;

/* A body limit for the routes of one service (http.limits.max_body_bytes_by_service). */
typedef struct body_limit {
    const char *service;
    int64_t max;
} body_limit_t;

struct seal_http_server {
    seal_host_t *host;
    /* configuration */
    listener_t *ls;
    size_t nls;
    int tls;
    char *cert_pem, *key_pem, *ca_pem, *priorities;
    size_t key_len;
    enum verify_mode verify;
    bool mtls;
    int64_t max_body, max_conns, rate, burst, threads, conn_timeout, drain_timeout;
    int64_t max_per_client, head_timeout_ms;
    body_limit_t *body_limits;
    size_t n_body_limits;
    /* state */
    _Atomic long nconns, inflight;
    _Atomic int draining;
    int started, drained;
    pthread_mutex_t susp_mu;        /* the two lists below */
    seal_request_t *susp_head;      /* suspended requests */
    seal_request_t *zombies;        /* host-answered at shutdown, freed last */
    rl_set_t *rl;
    seal_conns_t *conns;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- config */

/* Reads a whole PEM file with read(2): no stdio buffer keeps a copy of a key. */
static char *read_pem(const seal_conf_t *node, const char *file, size_t *len)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        seal_conf_error(NULL, node, "cannot open %s: %s", file, strerror(errno));
        return NULL;
    }
    struct stat sb;
    const char *why = NULL;
    char *buf = NULL;
    size_t n = 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        why = "not a regular file";
    else if (sb.st_size == 0)
        why = "empty";
    else if (sb.st_size > MAX_PEM_BYTES)
        why = "too large";
    else if (!(buf = malloc((size_t)sb.st_size + 1)))
        why = "out of memory";
    while (!why && n < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)sb.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            why = "read error";
        else
            n += (size_t)r;
    }
    close(fd);
    if (why) {
        if (buf) {
            explicit_bzero(buf, (size_t)sb.st_size);   /* it may be a key */
            free(buf);
        }
        seal_conf_error(NULL, node, "cannot read %s: %s", file, why);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static seal_status_t parse_listen(seal_http_server_t *srv, const seal_conf_t *node,
                                  const char *spec, listener_t *l)
{
    char host[256];
    const char *port;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (!end || end[1] != ':' || (size_t)(end - spec - 1) >= sizeof host)
            return seal_conf_error(NULL, node, "\"%s\" is not \"[address]:port\"", spec);
        memcpy(host, spec + 1, (size_t)(end - spec - 1));
        host[end - spec - 1] = '\0';
        port = end + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= sizeof host || memchr(spec, ':', (size_t)(colon - spec)))
            return seal_conf_error(NULL, node, "\"%s\" is not \"host:port\"", spec);
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535)
        return seal_conf_error(NULL, node, "\"%s\": the port must be 0..65535", spec);
    struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                              .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    const char *h = (host[0] == '\0' || strcmp(host, "*") == 0) ? NULL : host;
    if (!h)
        hints.ai_family = AF_INET;
    int rc = getaddrinfo(h, port, &hints, &res);
    if (rc != 0 || !res)
        return seal_conf_error(NULL, node, "\"%s\": %s", spec, gai_strerror(rc));
    memcpy(&l->addr, res->ai_addr, res->ai_addrlen);
    l->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    l->fd = -1;
    if (!(l->spec = strdup(spec)))
        return SEAL_E_NOMEM;
    (void)srv;
    return SEAL_OK;
}

static seal_status_t read_listen(seal_http_server_t *srv, const seal_conf_t *http)
{
    const seal_conf_t *node = http ? seal_conf_get(http, "listen") : NULL;
    const char *def = srv->tls ? "0.0.0.0:8443" : "127.0.0.1:8080";
    size_t n = 1;
    if (node) {
        seal_conf_type_t t = seal_conf_type(node);
        if (t == SEAL_CONF_ARRAY)
            n = seal_conf_array_len(node);
        else if (t != SEAL_CONF_STRING)
            return seal_conf_error(NULL, node, "expected an array of \"host:port\" strings");
        if (n == 0)
            return seal_conf_error(NULL, node, "at least one listen address is needed");
        if (n > 64)
            return seal_conf_error(NULL, node, "at most 64 listen addresses");
    }
    if (!(srv->ls = calloc(n, sizeof *srv->ls)))
        return SEAL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const seal_conf_t *el = node;
        if (node && seal_conf_type(node) == SEAL_CONF_ARRAY)
            el = seal_conf_array_at(node, i);
        const char *spec = el ? seal_conf_as_string(el) : def;
        if (!spec)
            return seal_conf_error(NULL, el, "expected a \"host:port\" string");
        seal_status_t st = parse_listen(srv, el ? el : http, spec, &srv->ls[i]);
        srv->nls = i + 1;                     /* so free releases what was parsed */
        if (st != SEAL_OK)
            return st;
    }
    return SEAL_OK;
}

/* Loads the TLS material once now, so a bad file or a key that does not
 * match its certificate is a configuration error naming the key, not a
 * vague failure at start. */
static seal_status_t read_tls(seal_http_server_t *srv, const seal_conf_t *tls)
{
    const char *cert, *key, *ca, *verify, *prio;
    seal_status_t st;
    if ((st = seal_conf_string(tls, "cert", NULL, &cert)) ||
        (st = seal_conf_string(tls, "key", NULL, &key)) ||
        (st = seal_conf_string(tls, "client_ca", NULL, &ca)) ||
        (st = seal_conf_string(tls, "verify_client", NULL, &verify)) ||
        (st = seal_conf_string(tls, "priorities", DEFAULT_PRIORITIES, &prio)))
        return st;
    if (!cert)
        return seal_conf_error(NULL, tls, "\"cert\" is required with \"tls\"");
    if (!key)
        return seal_conf_error(NULL, tls, "\"key\" is required with \"tls\"");
    if (!verify)
        srv->verify = ca ? VERIFY_OPTIONAL : VERIFY_OFF;
    else if (strcmp(verify, "off") == 0)
        srv->verify = VERIFY_OFF;
    else if (strcmp(verify, "optional") == 0)
        srv->verify = VERIFY_OPTIONAL;
    else if (strcmp(verify, "required") == 0)
        srv->verify = VERIFY_REQUIRED;
    else
        return seal_conf_error(NULL, seal_conf_get(tls, "verify_client"),
                               "expected \"off\", \"optional\" or \"required\", not \"%s\"", verify);
    if (srv->verify != VERIFY_OFF && !ca)
        return seal_conf_error(NULL, seal_conf_get(tls, "verify_client"),
                               "verifying client certificates needs \"client_ca\"");
    if (!(srv->cert_pem = read_pem(seal_conf_get(tls, "cert"), cert, NULL)) ||
        !(srv->key_pem = read_pem(seal_conf_get(tls, "key"), key, &srv->key_len)))
        return SEAL_E_CONFIG;
    if (ca && srv->verify != VERIFY_OFF &&
        !(srv->ca_pem = read_pem(seal_conf_get(tls, "client_ca"), ca, NULL)))
        return SEAL_E_CONFIG;
    if (!(srv->priorities = strdup(prio)))
        return SEAL_E_NOMEM;

    gnutls_certificate_credentials_t cred = NULL;
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return SEAL_E_NOMEM;
    gnutls_datum_t c = { (unsigned char *)srv->cert_pem, (unsigned)strlen(srv->cert_pem) };
    gnutls_datum_t k = { (unsigned char *)srv->key_pem, (unsigned)srv->key_len };
    int rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rc < 0) {
        gnutls_certificate_free_credentials(cred);
        return seal_conf_error(NULL, seal_conf_get(tls, "key"),
                               "%s with %s: %s", key, cert, gnutls_strerror(rc));
    }
    if (srv->ca_pem) {
        gnutls_datum_t a = { (unsigned char *)srv->ca_pem, (unsigned)strlen(srv->ca_pem) };
        rc = gnutls_certificate_set_x509_trust_mem(cred, &a, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            gnutls_certificate_free_credentials(cred);
            return seal_conf_error(NULL, seal_conf_get(tls, "client_ca"), "%s: %s", ca,
                                   rc == 0 ? "no certificate found" : gnutls_strerror(rc));
        }
    }
    gnutls_certificate_free_credentials(cred);
    gnutls_priority_t pc;
    const char *errpos = NULL;
    rc = gnutls_priority_init(&pc, srv->priorities, &errpos);
    if (rc < 0)
        return seal_conf_error(NULL, seal_conf_get(tls, "priorities"), "%s (at \"%s\")",
                               gnutls_strerror(rc), errpos ? errpos : "");
    gnutls_priority_deinit(pc);
    return SEAL_OK;
}

/* "max_body_bytes_by_service": {"<service>": bytes, ...}: a tighter (or
 * looser) body limit for the routes of one service, so that a route that
 * takes a small XML or form body does not accept what the largest one may. */
static seal_status_t read_body_limits(seal_http_server_t *srv, const seal_conf_t *limits)
{
    const seal_conf_t *node = limits ? seal_conf_get(limits, "max_body_bytes_by_service") : NULL, *v;
    if (!node)
        return SEAL_OK;
    if (seal_conf_type(node) != SEAL_CONF_OBJECT)
        return seal_conf_error(NULL, node, "expected an object of service name to bytes");
    size_t n = 0;
    while (seal_conf_key_at(node, n, &v))
        n++;
    if (n && !(srv->body_limits = calloc(n, sizeof *srv->body_limits)))
        return SEAL_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        body_limit_t *b = &srv->body_limits[i];
        b->service = seal_conf_key_at(node, i, &v);
        seal_status_t st = seal_conf_int(node, b->service, 0, 0, (int64_t)1 << 30, &b->max);
        if (st != SEAL_OK)
            return st;
        srv->n_body_limits = i + 1;
    }
    return SEAL_OK;
}

static long cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

seal_status_t seal_http_server_new(seal_host_t *host, const seal_conf_t *http,
                                   seal_http_server_t **out)
{
    if (!out)
        return SEAL_E_INVAL;
    *out = NULL;
    if (http && seal_conf_type(http) != SEAL_CONF_OBJECT)
        return seal_conf_error(NULL, http, "expected an object");
    seal_http_server_t *srv = calloc(1, sizeof *srv);
    if (!srv)
        return SEAL_E_NOMEM;
    srv->host = host;
    pthread_mutex_init(&srv->susp_mu, NULL);
    seal_status_t st = SEAL_OK;
    const seal_conf_t *tls = http ? seal_conf_get(http, "tls") : NULL;
    const seal_conf_t *auth = http ? seal_conf_get(http, "auth") : NULL;
    const seal_conf_t *limits = http ? seal_conf_get(http, "limits") : NULL;
    const seal_conf_t *objs[] = { tls, auth, limits };
    for (size_t i = 0; i < 3; i++)
        if (objs[i] && seal_conf_type(objs[i]) != SEAL_CONF_OBJECT) {
            st = seal_conf_error(NULL, objs[i], "expected an object");
            goto fail;
        }
    srv->tls = tls != NULL;
    if ((st = read_listen(srv, http)) != SEAL_OK)
        goto fail;
    if (tls && (st = read_tls(srv, tls)) != SEAL_OK)
        goto fail;
    srv->mtls = true;
    long defthreads = 2 * cpu_count();
    if (defthreads < 2) defthreads = 2;
    if (defthreads > 64) defthreads = 64;
    if ((auth && (st = seal_conf_bool(auth, "mtls", true, &srv->mtls))) ||
        (st = seal_conf_int(limits, "max_body_bytes", 1048576, 0, (int64_t)1 << 30, &srv->max_body)) ||
        (st = seal_conf_int(limits, "max_connections", 512, 1, 65536, &srv->max_conns)) ||
        (st = seal_conf_int(limits, "max_connections_per_client", 64, 0, 65536,
                            &srv->max_per_client)) ||
        (st = seal_conf_int(http, "head_timeout_s", 10, 0, 3600, &srv->head_timeout_ms)) ||
        (st = seal_conf_int(limits, "rate_per_client", 0, 0, 1000000, &srv->rate)) ||
        (st = seal_conf_int(limits, "rate_burst", srv->rate > 1 ? srv->rate : 1, 1, 10000000,
                            &srv->burst)) ||
        (st = seal_conf_int(http, "threads", defthreads, 1, 256, &srv->threads)) ||
        (st = seal_conf_int(http, "connection_timeout_s", 60, 0, 86400, &srv->conn_timeout)) ||
        (st = seal_conf_int(http, "drain_timeout_s", 10, 0, 3600, &srv->drain_timeout)) ||
        (st = read_body_limits(srv, limits)))
        goto fail;
    srv->head_timeout_ms *= 1000;
    if (srv->rate > 0) {
        if (!(srv->rl = calloc(RL_SETS, sizeof *srv->rl))) {
            st = SEAL_E_NOMEM;
            goto fail;
        }
        for (size_t i = 0; i < RL_SETS; i++)
            pthread_mutex_init(&srv->rl[i].mu, NULL);
    }
    *out = srv;
    return SEAL_OK;
fail:
    seal_http_server_free(srv);
    return st;
}

/* -------------------------------------------------------- rate limiting */

static uint32_t key_hash(const uint8_t *k)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < 17; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

/* Takes a token for the client; else returns the seconds to wait (>= 1). */
static uint32_t rl_take(seal_http_server_t *srv, const uint8_t *key)
{
    rl_set_t *set = &srv->rl[key_hash(key) % RL_SETS];
    uint64_t now = now_ns();
    uint32_t wait = 0;
    pthread_mutex_lock(&set->mu);
    rl_entry_t *e = NULL, *victim = &set->e[0];
    for (size_t i = 0; i < RL_WAYS; i++) {
        rl_entry_t *x = &set->e[i];
        if (x->used && memcmp(x->key, key, sizeof x->key) == 0) {
            e = x;
            break;
        }
        if (!x->used || (victim->used && x->last_ns < victim->last_ns))
            victim = x;
    }
    if (!e) {
        e = victim;
        memcpy(e->key, key, sizeof e->key);
        e->used = 1;
        e->tokens = (double)srv->burst;
        e->last_ns = now;
    }
    e->tokens += (double)(now - e->last_ns) * 1e-9 * (double)srv->rate;
    if (e->tokens > (double)srv->burst)
        e->tokens = (double)srv->burst;
    e->last_ns = now;
    if (e->tokens >= 1.0)
        e->tokens -= 1.0;
    else
        wait = (uint32_t)ceil((1.0 - e->tokens) / (double)srv->rate);
    pthread_mutex_unlock(&set->mu);
    return wait ? wait : 0;
}

/* ------------------------------------------------------------ responses */

static void add_header_nocopy(seal_request_t *req, const char *name, const char *value)
{
    /* Host headers on early answers; a failure only loses the header. */
    seal_response_header(req, name, value);
}

static int has_resp_header(seal_request_t *req, const char *name)
{
    int found = 0;
    pthread_mutex_lock(&req->mu);
    for (const seal_resp_header_t *h = req->resp_headers; h && !found; h = h->next)
        found = strcasecmp(h->name, name) == 0;
    pthread_mutex_unlock(&req->mu);
    return found;
}

/* Host-made answers: ProblemDetails from the adapter itself. */
static void problem(seal_request_t *req, unsigned status, const char *cause, const char *detail)
{
    seal_response_problem(req, status, cause, detail, NULL, 0);
}

/* Answers may carry tokens, passwords or key material (OAuth,
 * KM-UU, administration): the engine's copy is wiped once it is sent. */
typedef struct wiped {
    char *p;
    size_t n;
} wiped_t;

static void wipe_free(void *cls)
{
    wiped_t *w = cls;
    explicit_bzero(w->p, w->n);
    free(w->p);
    free(w);
}

static MHD_RESULT queue(seal_http_server_t *srv, struct MHD_Connection *c, seal_request_t *req)
{
    struct MHD_Response *r;
    pthread_mutex_lock(&req->mu);
    req->state = SEAL_REQ_QUEUED;
    char *body = req->resp_body;
    size_t len = req->resp_len;
    req->resp_body = NULL;
    pthread_mutex_unlock(&req->mu);
    wiped_t *w = body ? malloc(sizeof *w) : NULL;
    if (w) {
        *w = (wiped_t){ body, len };
        r = MHD_create_response_from_buffer_with_free_callback_cls(len, body, wipe_free, w);
    } else {
        r = body ? NULL : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (!r) {
        if (w)
            wipe_free(w);
        else if (body) {
            explicit_bzero(body, len);
            free(body);
        }
        return MHD_NO;
    }
    if (req->resp_ctype)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->resp_ctype);
    for (const seal_resp_header_t *h = req->resp_headers; h; h = h->next)
        MHD_add_response_header(r, h->name, h->value);
    if (req->close_after || atomic_load(&srv->draining))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_RESULT ret = MHD_queue_response(c, req->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ------------------------------------------------- client certificates */

/* The subject and issuer DNs, both in GnuTLS's RFC 4514 form (flags 0, as
 * certtool -i prints them): core/principals.c matches both. 0 or -1. */
static int cert_dns(const gnutls_datum_t *der, char **dn, char **issuer)
{
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return -1;
    gnutls_datum_t d = { NULL, 0 }, i = { NULL, 0 };
    if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) >= 0 &&
        gnutls_x509_crt_get_dn3(crt, &d, 0) >= 0 &&
        gnutls_x509_crt_get_issuer_dn3(crt, &i, 0) >= 0) {
        *dn = strdup((const char *)d.data);
        *issuer = strdup((const char *)i.data);
    }
    gnutls_free(d.data);
    gnutls_free(i.data);
    gnutls_x509_crt_deinit(crt);
    return *dn && *issuer ? 0 : -1;
}

/* Verifies the peer's chain against client_ca once per connection (MHD
 * asks for a certificate but accepts any, or none). */
static void check_cert(struct MHD_Connection *c, conn_ctx_t *ctx)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
    unsigned n = 0;
    const gnutls_datum_t *peers = s ? gnutls_certificate_get_peers(s, &n) : NULL;
    if (!peers || n == 0) {
        ctx->cert = CERT_NONE;
        return;
    }
    gnutls_typed_vdata_st purpose = { .type = GNUTLS_DT_KEY_PURPOSE_OID,
                                      .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT };
    unsigned status = 0;
    int rc = gnutls_certificate_verify_peers(s, &purpose, 1, &status);
    if (rc < 0 || status != 0) {
        ctx->cert = CERT_INVALID;
        return;
    }
    ctx->cert = cert_dns(&peers[0], &ctx->dn, &ctx->issuer) == 0 ? CERT_VALID : CERT_INVALID;
}

/* ------------------------------------------------------------ dispatch */

static void log_escape(char *out, size_t outlen, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    if (!s || !*s)
        s = "-";
    for (; *s && o + 4 < outlen; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        } else {
            out[o++] = (char)ch;
        }
    }
    if (*s && o + 4 >= outlen && outlen > 4) {
        o = outlen - 4;                       /* truncated: say so */
        out[o++] = '.';
        out[o++] = '.';
        out[o++] = '.';
    }
    out[o] = '\0';
}

static void access_log(const seal_request_t *req)
{
    char path[512], who[256], method[32], line[1024];
    log_escape(path, sizeof path, req->raw_path);
    log_escape(who, sizeof who, req->principal);
    log_escape(method, sizeof method, req->head ? "HEAD" : req->method);
    uint64_t us = (now_ns() - req->start_ns) / 1000;
    char status[8] = "-";
    if (req->state == SEAL_REQ_QUEUED)
        snprintf(status, sizeof status, "%u", req->status);
    snprintf(line, sizeof line, "%s %s %s %s %zu %llu %s", req->peer ? req->peer : "-",
             method, path, status, req->resp_len, (unsigned long long)us, who);
    seal_log_access(line);
}

/* Splits the request-target into the path and the query. 0, or -1 when the
 * target is malformed (400). */
static int parse_target(seal_request_t *req)
{
    const char *t = req->target ? req->target : "";
    const char *q = strchr(t, '?');
    size_t plen = q ? (size_t)(q - t) : strlen(t);
    const char *hash = memchr(t, '#', plen);
    if (hash)
        plen = (size_t)(hash - t);
    if (!(req->raw_path = strndup(t, plen)) || !(req->path = strdup(req->raw_path)))
        return -2;
    if (req->raw_path[0] != '/' || seal_percent_decode(req->path, 0) != 0)
        return -1;
    if (q) {
        char *query = strdup(q + 1);
        if (!query)
            return -2;
        char *h = strchr(query, '#');
        if (h)
            *h = '\0';
        int r = seal_query_parse(query, &req->query);
        free(query);
        if (r != 0)
            return r;
    }
    return 0;
}

/* ---- message framing (RFC 9112 6): what the engine lets through ---- */

typedef struct framing {
    unsigned n_cl, n_te, n_host;
    const char *cl, *te;
    int cl_conflict, ws_name;
} framing_t;

static MHD_RESULT framing_visit(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    framing_t *f = cls;
    (void)kind;
    size_t n = strlen(key);
    if (n && (key[n - 1] == ' ' || key[n - 1] == '\t'))
        f->ws_name = 1;            /* libmicrohttpd keeps "Host " as the name */
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->n_cl++ && (!value || !f->cl || strcmp(value, f->cl) != 0))
            f->cl_conflict = 1;
        f->cl = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->n_te++;
        f->te = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        f->n_host++;
    }
    return MHD_YES;
}

/* 0 when the request's framing is sound; else the status to answer (the
 * connection is then closed: what follows on it cannot be trusted to be
 * the next request) and *why. */
static unsigned framing_check(struct MHD_Connection *c, const seal_request_t *req,
                              const char *version, const char **why)
{
    /* RFC 9112 3.2: a request-target is visible ASCII without spaces; a
     * control character there is a smuggling attempt, not a typo. */
    for (const unsigned char *p = (const unsigned char *)req->target; p && *p; p++)
        if (*p <= 0x20 || *p >= 0x7f) {
            *why = "a control character or space in the request-target";
            return 400;
        }
    framing_t f = { 0 };
    MHD_get_connection_values(c, MHD_HEADER_KIND, framing_visit, &f);
    if (f.ws_name) {
        *why = "whitespace between a header field name and its colon";   /* RFC 9112 5.1 */
        return 400;
    }
    if (f.n_host > 1 || (f.n_host == 0 && version && strcmp(version, "HTTP/1.1") == 0)) {
        *why = f.n_host ? "more than one Host header field"    /* RFC 9112 3.2 */
                        : "an HTTP/1.1 request without Host";
        return 400;
    }
    if (f.n_te && f.n_cl) {
        *why = "both Content-Length and Transfer-Encoding";    /* RFC 9112 6.1 */
        return 400;
    }
    if (f.n_te > 1 || (f.te && strcasecmp(f.te, "chunked") != 0)) {
        *why = "a transfer coding other than chunked";         /* RFC 9112 6.1 */
        return 501;
    }
    if (f.cl_conflict) {
        *why = "conflicting Content-Length values";            /* RFC 9112 6.3 */
        return 400;
    }
    if (f.cl && (!*f.cl || strspn(f.cl, "0123456789") != strlen(f.cl))) {
        *why = "a malformed Content-Length";
        return 400;
    }
    return 0;
}

/* The body limit of the route this request goes to. */
static int64_t body_limit(seal_http_server_t *srv, const seal_request_t *req)
{
    if (!srv->n_body_limits || !srv->host->router || !req->raw_path)
        return srv->max_body;
    seal_path_params_t params = { 0 };
    unsigned status;
    const seal_route_t *r = seal_router_match(srv->host->router, req->method, req->raw_path,
                                              &params, &status, NULL, 0);
    seal_path_params_clear(&params);
    for (size_t i = 0; r && r->service && i < srv->n_body_limits; i++)
        if (strcmp(srv->body_limits[i].service, r->service) == 0)
            return srv->body_limits[i].max;
    return srv->max_body;
}

static conn_ctx_t *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The first call: headers are in, the body not yet. Refusals that close the
 * connection are queued now (413, 503, client certificate); others are
 * remembered and answered once the body is read, keeping the connection. */
static MHD_RESULT first_call(seal_http_server_t *srv, struct MHD_Connection *c,
                             seal_request_t *req, const char *method, const char *version)
{
    conn_ctx_t *ctx = conn_of(c);
    req->peer = ctx ? ctx->peer : NULL;
    if (ctx)
        seal_conns_busy(srv->conns, ctx->slot);
    /* HEAD is served wherever GET is (RFC 9110 9.3.2): the handler sees a
     * GET; the engine sends the answer's header fields without its body. */
    req->head = strcmp(method, "HEAD") == 0;
    if (!(req->method = strdup(req->head ? "GET" : method)))
        return MHD_NO;
    const char *bad = NULL;
    unsigned fs = framing_check(c, req, version, &bad);
    if (fs) {
        req->close_after = 1;
        problem(req, fs, fs == 501 ? "UNSUPPORTED_TRANSFER_CODING" : "MALFORMED_REQUEST", bad);
        return queue(srv, c, req);
    }
    int pr = parse_target(req);
    if (pr == -2)
        return MHD_NO;
    if (pr != 0) {
        req->early_status = 400;
        req->early_detail = "malformed request-target";
    }
    if (srv->tls && srv->verify != VERIFY_OFF && ctx) {
        if (ctx->cert == CERT_UNCHECKED)
            check_cert(c, ctx);
        if (ctx->cert == CERT_INVALID) {
            req->close_after = 1;
            problem(req, 403, "CLIENT_CERT_INVALID",
                    "the client certificate does not verify against the trusted CAs");
            return queue(srv, c, req);
        }
        if (ctx->cert == CERT_NONE && srv->verify == VERIFY_REQUIRED) {
            req->close_after = 1;
            problem(req, 401, "CLIENT_CERT_REQUIRED", "a client certificate is required");
            return queue(srv, c, req);
        }
    }
    if (ctx && ctx->cert == CERT_VALID) {
        req->client_dn = ctx->dn;
        req->client_issuer = ctx->issuer;
    }
    /* The verdict is the connection's, taken when it opened: a request on an
     * older connection is not refused because a newer one is over the limit. */
    if (ctx ? ctx->over_limit : atomic_load(&srv->nconns) > srv->max_conns) {
        req->close_after = 1;
        add_header_nocopy(req, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        problem(req, 503, "TOO_MANY_CONNECTIONS", "the server has too many open connections");
        return queue(srv, c, req);
    }
    /* The body is read as it arrives (body_append), never allocated from
     * what Content-Length announces: a thousand connections announcing a
     * megabyte and sending nothing cost nothing. */
    req->max_body = body_limit(srv, req);
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno == 0 && end != cl && *end == '\0' && n > (unsigned long long)req->max_body) {
            req->close_after = 1;
            problem(req, 413, "BODY_TOO_LARGE", "the request body exceeds the limit");
            return queue(srv, c, req);
        }
    }
    if (srv->rl && !req->early_status && ctx) {
        uint32_t wait = rl_take(srv, ctx->key);
        if (wait) {
            req->early_status = 429;
            req->early_detail = "request rate limit exceeded";
            req->retry_after = wait;
        }
    }
    return MHD_YES;
}

static int body_append(seal_request_t *req, const char *data, size_t n)
{
    if (req->body_len + n > (size_t)req->max_body)
        return -1;
    if (req->body_len + n + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap * 2 : 4096;
        while (cap < req->body_len + n + 1)
            cap *= 2;
        if (cap > (size_t)req->max_body + 1)
            cap = (size_t)req->max_body + 1;
        /* Not realloc: it may leave a copy of a secret behind. */
        char *b = malloc(cap);
        if (!b)
            return -2;
        if (req->body) {
            memcpy(b, req->body, req->body_len);
            explicit_bzero(req->body, req->body_cap);
            free(req->body);
        }
        req->body = b;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, n);
    req->body_len += n;
    req->body[req->body_len] = '\0';
    return 0;
}

static void answer_early(seal_request_t *req)
{
    switch (req->early_status) {
    case 429: {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", req->retry_after);
        add_header_nocopy(req, MHD_HTTP_HEADER_RETRY_AFTER, ra);
        problem(req, 429, "TOO_MANY_REQUESTS", req->early_detail);
        break;
    }
    case 413:
        req->close_after = 1;
        problem(req, 413, "BODY_TOO_LARGE", req->early_detail);
        break;
    default:
        problem(req, req->early_status, NULL, req->early_detail);
    }
}

static void refuse(seal_request_t *req, seal_status_t st)
{
    pthread_mutex_lock(&req->mu);
    int answered = req->state == SEAL_REQ_ANSWERED;   /* principals.c's own 403 */
    pthread_mutex_unlock(&req->mu);
    if (answered)
        return;
    if (st == SEAL_E_UNAUTH || st == SEAL_DECLINED) {
        /* A hook that vetoed may have set its own RFC 6750 challenge
         * (error="invalid_token" ...): keep it as the only one. */
        if (!has_resp_header(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE))
            add_header_nocopy(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"seal\"");
        problem(req, 401, NULL, st == SEAL_DECLINED ? "no credentials were accepted"
                                                     : "the credentials were refused");
    } else if (st == SEAL_E_PERM) {
        problem(req, 403, NULL, "the caller may not do this");
    } else if (st == SEAL_E_AGAIN) {
        /* The hook cannot decide now (e.g. authz_jwt's revocation list is out
         * of date); it may have set Retry-After. */
        problem(req, 503, NULL, "the credentials cannot be checked now");
    } else {
        problem(req, 500, NULL, "the authorization check failed");
    }
}

/* HEAD is served wherever GET is (first_call): "GET, PUT" -> "GET, HEAD, PUT". */
static void allow_head(char *allow, size_t cap)
{
    char *get = strstr(allow, "GET");
    size_t len = strlen(allow);
    if (!get || (get[3] != ',' && get[3] != '\0') || len + 7 > cap)
        return;
    memmove(get + 9, get + 3, len - (size_t)(get + 3 - allow) + 1);
    memcpy(get + 3, ", HEAD", 6);
}

static MHD_RESULT dispatch(seal_http_server_t *srv, struct MHD_Connection *c, seal_request_t *req)
{
    if (req->early_status) {
        answer_early(req);
        return queue(srv, c, req);
    }
    if (strcmp(req->raw_path, "/healthz") == 0) {
        if (strcmp(req->method, "GET") == 0) {   /* HEAD too: first_call */
            static const char ok[] = "{\"status\":\"ok\"}";
            seal_response_send(req, 200, "application/json", ok, sizeof ok - 1);
        } else {
            add_header_nocopy(req, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
            problem(req, 405, NULL, "GET and HEAD only");
        }
        return queue(srv, c, req);
    }
    unsigned status = 404;
    char allow[128];
    const seal_route_t *route = NULL;
    if (srv->host->router)
        route = seal_router_match(srv->host->router, req->method, req->raw_path, &req->params,
                                  &status, allow, sizeof allow);
    if (!route) {
        if (status == 405) {
            allow_head(allow, sizeof allow);
            add_header_nocopy(req, MHD_HTTP_HEADER_ALLOW, allow);
            problem(req, 405, NULL, "the resource does not support this method");
        } else if (status == 400) {
            problem(req, 400, NULL, "malformed path");
        } else if (status == 404) {
            problem(req, 404, NULL, "no such resource");
        } else {
            problem(req, 500, NULL, NULL);
        }
        return queue(srv, c, req);
    }
    req->route = route;
    pthread_mutex_lock(&req->mu);
    req->state = SEAL_REQ_RUNNING;
    pthread_mutex_unlock(&req->mu);

    /* Certificate principals (core/principals.c): marked on every route. */
    seal_status_t st = srv->mtls ? seal_principals_mark(srv->host->principals, req) : SEAL_OK;
    if (st == SEAL_OK && !(route->flags & SEAL_ROUTE_F_PUBLIC)) {
        st = seal_hooks_run(srv->host, SEAL_HOOK_HTTP_AUTHORIZE, req);
        st = seal_principals_authorize(srv->host->principals, req, st, srv->mtls);
    }
    if (st != SEAL_OK) {
        /* A hook may not have suspended: the request is answered here. */
        pthread_mutex_lock(&req->mu);
        req->suspend_requested = 0;
        pthread_mutex_unlock(&req->mu);
        refuse(req, st);
        return queue(srv, c, req);
    }

    seal_status_t hst;
    SEAL_PLUGIN_CALL(route->owner, hst = route->handler(req, route->user));

    pthread_mutex_lock(&req->mu);
    if (req->state == SEAL_REQ_ANSWERED) {
        pthread_mutex_unlock(&req->mu);
        return queue(srv, c, req);
    }
    if (req->suspend_requested && hst >= 0) {
        /* Park the connection; an answer from another thread resumes it.
         * Holding mu, no answer can slip between the check and the park. */
        req->state = SEAL_REQ_SUSPENDED;
        pthread_mutex_lock(&srv->susp_mu);
        req->susp_prev = NULL;
        req->susp_next = srv->susp_head;
        if (srv->susp_head)
            srv->susp_head->susp_prev = req;
        srv->susp_head = req;
        req->in_susp_list = 1;
        pthread_mutex_unlock(&srv->susp_mu);
        MHD_suspend_connection(c);
        pthread_mutex_unlock(&req->mu);
        return MHD_YES;
    }
    req->state = SEAL_REQ_RUNNING;
    pthread_mutex_unlock(&req->mu);
    char detail[160];
    if (hst < 0)
        snprintf(detail, sizeof detail, "the handler failed: %s", seal_strerror(hst));
    else
        snprintf(detail, sizeof detail, "the handler returned without answering");
    seal_log(route->owner, SEAL_LOG_ERR, "%s %s: %s", req->method, route->path, detail);
    problem(req, 500, NULL, detail);
    return queue(srv, c, req);
}

void seal_http_adapter_resume(seal_request_t *req)
{
    seal_http_server_t *srv = req->srv;
    pthread_mutex_lock(&srv->susp_mu);
    if (req->in_susp_list) {
        if (req->susp_prev)
            req->susp_prev->susp_next = req->susp_next;
        else
            srv->susp_head = req->susp_next;
        if (req->susp_next)
            req->susp_next->susp_prev = req->susp_prev;
        req->in_susp_list = 0;
    }
    pthread_mutex_unlock(&srv->susp_mu);
    MHD_resume_connection(req->conn);
}

const char *seal_http_adapter_header(const seal_request_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static MHD_RESULT access_cb(void *cls, struct MHD_Connection *c, const char *url,
                            const char *method, const char *version, const char *upload_data,
                            size_t *upload_data_size, void **con_cls)
{
    seal_http_server_t *srv = cls;
    seal_request_t *req = *con_cls;
    (void)url;
    if (!req)
        return MHD_NO;                        /* out of memory in uri_cb */
    if (!req->first_call_done) {
        req->first_call_done = 1;
        return first_call(srv, c, req, method, version);
    }
    if (*upload_data_size) {
        if (!req->early_status && req->state == SEAL_REQ_RECEIVING) {
            int r = body_append(req, upload_data, *upload_data_size);
            if (r == -2)
                return MHD_NO;
            if (r == -1) {
                /* A chunked body past the limit: the rest is read and dropped,
                 * then answered (MHD cannot answer in the middle of a body). */
                req->early_status = 413;
                req->early_detail = "the request body exceeds the limit";
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&req->mu);
    seal_req_state_t state = req->state;
    pthread_mutex_unlock(&req->mu);
    if (state == SEAL_REQ_ANSWERED)
        return queue(srv, c, req);            /* resumed after an answer */
    if (state == SEAL_REQ_RECEIVING)
        return dispatch(srv, c, req);
    return MHD_NO;
}

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
    seal_http_server_t *srv = cls;
    conn_ctx_t *ctx = conn_of(c);
    /* The first head's deadline runs from the accept (the handshake is
     * part of it); a later one's from its request line. */
    if (ctx && ctx->requests++ > 0)
        seal_conns_head(srv->conns, ctx->slot);
    seal_request_t *req = seal_request_new(srv->host, srv, c, uri);
    if (req)
        atomic_fetch_add(&srv->inflight, 1);
    return req;
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    seal_http_server_t *srv = cls;
    seal_request_t *req = *con_cls;
    (void)toe;
    conn_ctx_t *ctx = conn_of(c);
    if (ctx)
        seal_conns_idle(srv->conns, ctx->slot);
    if (!req)
        return;
    *con_cls = NULL;
    if (req->method && !getenv("NOACCESS"))
        access_log(req);
    /* An answering thread may still be inside seal_request_answer. */
    pthread_mutex_lock(&req->mu);
    pthread_mutex_unlock(&req->mu);
    pthread_mutex_lock(&srv->susp_mu);
    int orphaned = req->orphaned;
    if (orphaned) {
        req->susp_next = srv->zombies;
        srv->zombies = req;
    }
    pthread_mutex_unlock(&srv->susp_mu);
    if (!orphaned)
        seal_request_free(req);
    atomic_fetch_sub(&srv->inflight, 1);
}

static void conn_cb(void *cls, struct MHD_Connection *c, void **socket_context,
                    enum MHD_ConnectionNotificationCode toe)
{
    seal_http_server_t *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&srv->nconns, 1);
        const union MHD_ConnectionInfo *fi =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        int fd = fi ? fi->connect_fd : -1;
        conn_ctx_t *ctx = calloc(1, sizeof *ctx);
        *socket_context = ctx;
        if (!ctx) {
            if (fd >= 0)
                shutdown(fd, SHUT_RDWR);
            return;
        }
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;
        seal_conns_key(sa, ctx->key);
        if (sa && sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ctx->peer,
                      sizeof ctx->peer);
        else if (sa && sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ctx->peer,
                      sizeof ctx->peer);
        else
            strcpy(ctx->peer, "-");
        switch (seal_conns_open(srv->conns, ctx->key, (void *)(intptr_t)fd, &ctx->slot)) {
        case SEAL_CONN_ADMIT:
            break;
        case SEAL_CONN_REFUSE_CLIENT:
            /* Before the handshake: the client learns nothing and costs
             * nothing more; the engine sees the socket end and closes it. */
            seal_log(NULL, SEAL_LOG_DEBUG, "http: %s holds %lld connections: refused",
                     ctx->peer, (long long)srv->max_per_client);
            if (fd >= 0)
                shutdown(fd, SHUT_RDWR);
            break;
        case SEAL_CONN_FULL:
            ctx->over_limit = 1;
            break;
        }
    } else {
        conn_ctx_t *ctx = *socket_context;
        if (ctx) {
            /* Before the engine releases the socket (http-conns.h). */
            seal_conns_close(srv->conns, ctx->slot);
            free(ctx->dn);
            free(ctx->issuer);
            free(ctx);
            *socket_context = NULL;
        }
        atomic_fetch_sub(&srv->nconns, 1);
    }
}

static size_t unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
    /* Keep MHD from decoding: the raw target is parsed here (uri_cb). */
    (void)cls;
    (void)c;
    return strlen(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char buf[512];
    (void)cls;
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    seal_log(NULL, SEAL_LOG_DEBUG, "http: %s", buf);
}

/* ----------------------------------------------------------- lifecycle */

static seal_status_t open_listener(listener_t *l)
{
    int fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return SEAL_E_IO;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l->addr.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&l->addr, l->addrlen) != 0 || listen(fd, 1024) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return SEAL_E_IO;
    }
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &salen) == 0)
        l->port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                                 : ((struct sockaddr_in *)&sa)->sin_port);
    l->fd = fd;
    return SEAL_OK;
}

/* The connection table closes a connection by ending its socket: the
 * engine then sees it closed and reports it (conn_cb) before it releases
 * the descriptor. */
static void kill_conn(void *handle, void *user)
{
    (void)user;
    int fd = (int)(intptr_t)handle;
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
}

/* Draining refuses new connections here rather than with
 * MHD_quiesce_daemon: in libmicrohttpd 0.9.75 a quiesce races with the
 * epoll worker threads removing the listen socket themselves, and the loser
 * panics ("Failed to remove listen FD from epoll set"). */
static MHD_RESULT accept_cb(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    const seal_http_server_t *srv = cls;
    (void)addr;
    (void)addrlen;
    return atomic_load(&srv->draining) ? MHD_NO : MHD_YES;
}

seal_status_t seal_http_server_start(seal_http_server_t *srv)
{
    if (!srv || srv->started)
        return SEAL_E_STATE;
    srv->started = 1;
    seal_conns_conf_t cc = { .max_total = (unsigned)srv->max_conns,
                             .max_per_client = (unsigned)srv->max_per_client,
                             .head_timeout_ns = (uint64_t)srv->head_timeout_ms * 1000000u,
                             .kill = kill_conn };
    if (!(srv->conns = seal_conns_new(&cc)))
        return SEAL_E_NOMEM;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (srv->tls)
        flags |= MHD_USE_TLS;
    unsigned hard = (unsigned)srv->max_conns + (unsigned)(srv->max_conns / 4 > 16 ? srv->max_conns / 4 : 16);
    for (size_t i = 0; i < srv->nls; i++) {
        listener_t *l = &srv->ls[i];
        if (open_listener(l) != SEAL_OK) {
            seal_log(NULL, SEAL_LOG_ERR, "http: cannot listen on %s: %s", l->spec, strerror(errno));
            return SEAL_E_IO;
        }
        struct MHD_OptionItem opts[24];
        size_t n = 0;
#define OPT(o, v, p) opts[n++] = (struct MHD_OptionItem){ (o), (intptr_t)(v), (p) }
        OPT(MHD_OPTION_LISTEN_SOCKET, l->fd, NULL);
        OPT(MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_cb, srv);
        OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, srv);
        OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conn_cb, srv);
        OPT(MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape_cb, NULL);
        OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL);
        OPT(MHD_OPTION_CONNECTION_LIMIT, hard, NULL);
        OPT(MHD_OPTION_CONNECTION_TIMEOUT, srv->conn_timeout, NULL);
        if (srv->threads > 1)
            OPT(MHD_OPTION_THREAD_POOL_SIZE, srv->threads, NULL);
        if (srv->tls) {
            OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, srv->cert_pem);
            OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, srv->key_pem);
            OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, srv->priorities);
            if (srv->ca_pem)
                OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, srv->ca_pem);
        }
        OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
        l->d = MHD_start_daemon(flags, 0, accept_cb, srv, access_cb, srv,
                                MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
        if (!l->d) {
            seal_log(NULL, SEAL_LOG_ERR, "http: cannot start the server on %s", l->spec);
            close(l->fd);
            l->fd = -1;
            return SEAL_E_IO;
        }
        seal_log(NULL, SEAL_LOG_INFO, "http: listening on %s (port %u, %s)", l->spec, l->port,
                 srv->tls ? "https" : "http");
    }
    return SEAL_OK;
}

unsigned seal_http_server_port(const seal_http_server_t *srv, size_t i)
{
    return srv && i < srv->nls ? srv->ls[i].port : 0;
}

/* Answers every suspended request with 503 and keeps the request objects
 * until the server is freed, since their handlers may still hold them. */
static void orphan_suspended(seal_http_server_t *srv)
{
    for (;;) {
        pthread_mutex_lock(&srv->susp_mu);
        seal_request_t *req = srv->susp_head;
        if (req) {
            srv->susp_head = req->susp_next;
            if (srv->susp_head)
                srv->susp_head->susp_prev = NULL;
            req->in_susp_list = 0;
            req->orphaned = 1;
        }
        pthread_mutex_unlock(&srv->susp_mu);
        if (!req)
            return;
        req->close_after = 1;
        seal_response_problem(req, 503, "SHUTTING_DOWN", "the server is shutting down", NULL, 0);
    }
}

static void wait_inflight(seal_http_server_t *srv, uint64_t ms)
{
    uint64_t end = now_ns() + ms * 1000000u;
    while (atomic_load(&srv->inflight) > 0 && now_ns() < end) {
        struct timespec ts = { 0, 5 * 1000000 };
        nanosleep(&ts, NULL);
    }
}

void seal_http_server_drain(seal_http_server_t *srv)
{
    if (!srv || srv->drained)
        return;
    srv->drained = 1;
    atomic_store(&srv->draining, 1);   /* accept_cb refuses from now on */
    wait_inflight(srv, (uint64_t)srv->drain_timeout * 1000);
    if (atomic_load(&srv->inflight) > 0) {
        orphan_suspended(srv);
        wait_inflight(srv, 1000);
    }
}

void seal_http_server_free(seal_http_server_t *srv)
{
    if (!srv)
        return;
    if (srv->started)
        seal_http_server_drain(srv);
    /* MHD_stop_daemon refuses (panics) while a connection is suspended. */
    orphan_suspended(srv);
    for (size_t i = 0; i < srv->nls; i++) {
        listener_t *l = &srv->ls[i];
        if (l->d)
            MHD_stop_daemon(l->d);
        else if (l->fd >= 0)
            close(l->fd);
        free(l->spec);
    }
    free(srv->ls);
    seal_conns_free(srv->conns);          /* every connection is closed now */
    free(srv->body_limits);
    seal_request_t *z = srv->zombies;
    while (z) {
        seal_request_t *next = z->susp_next;
        seal_request_free(z);
        z = next;
    }
    if (srv->rl) {
        for (size_t i = 0; i < RL_SETS; i++)
            pthread_mutex_destroy(&srv->rl[i].mu);
        free(srv->rl);
    }
    if (srv->key_pem) {
        explicit_bzero(srv->key_pem, srv->key_len);
        free(srv->key_pem);
    }
    free(srv->cert_pem);
    free(srv->ca_pem);
    free(srv->priorities);
    pthread_mutex_destroy(&srv->susp_mu);
    free(srv);
}
