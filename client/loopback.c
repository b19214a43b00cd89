/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 8252 7.3: the loopback interface redirect. The listener binds
 * 127.0.0.1 (not "localhost", 8.3) on a port the OS picks; the redirect URI
 * is http://127.0.0.1:<port>/callback. It answers one request per
 * connection, reads at most 8 KiB of request head, and keeps waiting when a
 * request carries the wrong state (another local program cannot end the
 * login by guessing). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sc_int.h"

#define HEAD_MAX 8192

int sc_loopback_open(sealclient_t *c)
{
    sc_loopback_close(c);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sc_fail(c, SEALCLIENT_E_IO, "loopback listener: %s", strerror(errno));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
        int rc = sc_fail(c, SEALCLIENT_E_IO, "loopback listener: %s", strerror(errno));
        close(fd);
        return rc;
    }
    c->listen_fd = fd;
    c->port = ntohs(a.sin_port);
    char uri[64];
    snprintf(uri, sizeof uri, "http://127.0.0.1:%u/callback", c->port);
    sc_set(&c->redirect_uri, uri);
    return c->redirect_uri ? SEALCLIENT_OK : sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
}

void sc_loopback_close(sealclient_t *c)
{
    if (c->listen_fd >= 0)
        close(c->listen_fd);
    c->listen_fd = -1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void answer(int fd, int status, const char *title, const char *text)
{
    char body[512], head[256];
    int bl = snprintf(body, sizeof body,
                      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title></head>"
                      "<body><h1>%s</h1><p>%s</p></body></html>\n", title, title, text);
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
                      "Content-Length: %d\r\nCache-Control: no-store\r\n"
                      "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n",
                      status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request", bl);
    /* best effort: the login result does not depend on the browser reading this */
    if (send(fd, head, (size_t)hl, MSG_NOSIGNAL) == hl)
        (void)send(fd, body, (size_t)bl, MSG_NOSIGNAL);
}

/* Reads the request head until CRLFCRLF, the size cap or the deadline. */
static int read_head(int fd, char *buf, size_t cap, int64_t deadline)
{
    size_t len = 0;
    while (len + 1 < cap) {
        int left = (int)(deadline - now_ms());
        if (left <= 0)
            return -1;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = poll(&p, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t k = recv(fd, buf + len, cap - 1 - len, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        len += (size_t)k;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
            return (int)len;
    }
    return -1;
}

int sc_loopback_wait(sealclient_t *c, int timeout_ms, sc_pairs_t *q)
{
    memset(q, 0, sizeof *q);
    if (c->listen_fd < 0 || !c->state)
        return sc_fail(c, SEALCLIENT_E_STATE, "no login in progress (call login_begin first)");
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 300000);
    char *buf = malloc(HEAD_MAX);
    if (!buf)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    int rc = SEALCLIENT_E_TIMEOUT;
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0)
            break;
        struct pollfd p = { .fd = c->listen_fd, .events = POLLIN };
        int pr = poll(&p, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            rc = sc_fail(c, SEALCLIENT_E_IO, "loopback listener: %s", strerror(errno));
            goto out;
        }
        if (pr == 0)
            break;
        int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        /* one slow or silent connection may hold the wait for 5 s at most */
        int64_t conn_deadline = now_ms() + 5000;
        if (conn_deadline > deadline)
            conn_deadline = deadline;
        int len = read_head(fd, buf, HEAD_MAX, conn_deadline);
        if (len <= 0) {
            close(fd);
            continue;
        }
        /* request line: GET /callback?query HTTP/1.x */
        char *sp1 = strchr(buf, ' ');
        char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        char *eol = strpbrk(buf, "\r\n");
        if (!sp1 || !sp2 || (eol && sp2 > eol) || (size_t)(sp1 - buf) != 3 ||
            memcmp(buf, "GET", 3) != 0) {
            answer(fd, 400, "Bad request", "This address only takes the login redirect.");
            close(fd);
            continue;
        }
        char *target = sp1 + 1;
        *sp2 = '\0';
        char *qm = strchr(target, '?');
        size_t plen = qm ? (size_t)(qm - target) : strlen(target);
        if (plen != 9 || memcmp(target, "/callback", 9) != 0) {
            answer(fd, 404, "Not found", "This address only takes the login redirect.");
            close(fd);
            continue;
        }
        sc_pairs_t got;
        if (!qm || sc_query_parse(qm + 1, strlen(qm + 1), &got) < 0) {
            answer(fd, 400, "Bad request", "The redirect carries no readable parameters.");
            close(fd);
            continue;
        }
        const char *st = sc_pairs_get(&got, "state");
        if (!st || sc_pairs_count(&got, "state") != 1 || strcmp(st, c->state) != 0) {
            /* RFC 6749 10.12: not our request; keep waiting for the real one */
            answer(fd, 400, "Bad request", "The state does not match the login in progress.");
            close(fd);
            sc_pairs_free(&got);
            continue;
        }
        if (sc_pairs_get(&got, "error"))
            answer(fd, 200, "Login failed", "The server refused the login. You may close this window.");
        else
            answer(fd, 200, "Logged in", "You may close this window and return to seal-client.");
        close(fd);
        *q = got;
        rc = SEALCLIENT_OK;
        goto out;
    }
    rc = sc_fail(c, SEALCLIENT_E_TIMEOUT, "no login redirect came to %s in time", c->redirect_uri);
out:
    explicit_bzero(buf, HEAD_MAX);
    free(buf);
    return rc;
}
