/* SPDX-License-Identifier: Apache-2.0 */
/* core/http-conns.h: the connection table of the HTTP front (private).
 *
 * It knows which client holds how many connections (an IPv4 address, or
 * an IPv6 /64: one machine can have a whole /64), which connections are
 * still in their TLS handshake or request head and since when, and which
 * idle between requests. It decides, engine-free, what a hostile client
 * must not get:
 *   - more than max_per_client connections (refused at once);
 *   - a head (handshake + request line + headers) that takes longer than
 *     head_timeout, however slowly its bytes trickle in: the idle timeout
 *     of an engine counts from the last byte, this deadline from the first;
 *   - a full server: a new client is refused only after the oldest idle
 *     connection, else the oldest incomplete one, was closed for it.
 * The engine reports events and closes what the table hands to its kill
 * callback. kill runs with the table's lock held, and the engine reports a
 * connection closed (seal_conns_close) before it releases the socket, so a
 * socket number is never killed after another connection reused it. */
#ifndef SEAL_HTTP_CONNS_H
#define SEAL_HTTP_CONNS_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_CONN_KEY_LEN 17   /* family (4 or 6) + IPv4 address or IPv6 /64 */

typedef struct seal_conns seal_conns_t;
typedef struct seal_conn seal_conn_t;

typedef struct seal_conns_conf {
    unsigned max_total;        /* connections served at once */
    unsigned max_per_client;   /* per client key; 0: no per-client cap */
    uint64_t head_timeout_ns;  /* 0: no head deadline */
    /* Closes the engine connection behind handle (e.g. shutdown(2) of its
     * socket, so the engine sees it end and reports it closed). */
    void (*kill)(void *handle, void *user);
    void *user;
} seal_conns_conf_t;

/* What seal_conns_open decided. */
typedef enum seal_conn_verdict {
    SEAL_CONN_ADMIT = 0,       /* serve it */
    SEAL_CONN_REFUSE_CLIENT,   /* its client holds max_per_client: close it unanswered */
    SEAL_CONN_FULL             /* full, nothing to close for it: answer 503 and close */
} seal_conn_verdict_t;

/* The head deadline thread starts with the table. NULL: out of memory. */
seal_conns_t *seal_conns_new(const seal_conns_conf_t *conf);
void seal_conns_free(seal_conns_t *t);

/* The key of a socket address (AF_INET/AF_INET6); 0, or -1 for another
 * family (then the connection counts under one shared key). */
int seal_conns_key(const void *sockaddr, uint8_t key[SEAL_CONN_KEY_LEN]);

/* A new connection (in its head from now). Always sets *out, which the
 * engine hands back to seal_conns_close exactly once, whatever the verdict. */
seal_conn_verdict_t seal_conns_open(seal_conns_t *t, const uint8_t key[SEAL_CONN_KEY_LEN],
                                    void *handle, seal_conn_t **out);
/* A request head is being received (after an idle spell). */
void seal_conns_head(seal_conns_t *t, seal_conn_t *c);
/* The head is in: a request is being served (no deadline). */
void seal_conns_busy(seal_conns_t *t, seal_conn_t *c);
/* Answered; the connection waits for the next request. */
void seal_conns_idle(seal_conns_t *t, seal_conn_t *c);
/* The engine is closing it (the socket is released after this returns). */
void seal_conns_close(seal_conns_t *t, seal_conn_t *c);

/* Counters for logs and tests. */
typedef struct seal_conns_stats {
    unsigned open, idle, head;
    uint64_t refused_client, evicted, expired, full;
} seal_conns_stats_t;
void seal_conns_stats(seal_conns_t *t, seal_conns_stats_t *out);

#endif
