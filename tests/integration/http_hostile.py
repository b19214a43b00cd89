# SPDX-License-Identifier: Apache-2.0
"""The HTTP front against hostile clients, through the real seald (store_sqlite,
gm, seal_s) on loopback, with raw sockets:

  - one client holding a thousand idle sockets does not keep another client
    from being served (a cap per client address), nor do many addresses
    filling the server (idle and incomplete connections make room);
  - a request head that trickles in, or a TLS handshake that never comes,
    is closed at the head deadline, counted from its first byte; a kept-alive
    connection idle between requests is not;
  - RFC 9112 framing: conflicting Content-Length values, Content-Length with
    Transfer-Encoding, whitespace before a colon, an unknown transfer coding,
    a missing or repeated Host and control characters in the target each get
    400 (or 501) and the connection closes with a pipelined second request
    unanswered; HEAD is served wherever GET is;
  - a body is read as it arrives: connections announcing a megabyte each and
    sending nothing cost no memory; a service's own body limit holds.

Client addresses are 127.0.0.x: Linux routes all of 127/8 to the loopback."""
import json
import os
import re
import resource
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

HEALTH = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


class FrontSeald(h.Seald):
    """gm + seal_s over plain HTTP (tls=False) or HTTPS, with the "http"
    settings of the test."""

    def __init__(self, http=None, tls=False):
        super().__init__()
        self.http, self.tls = http or {}, tls

    def config(self, port):
        c = super().config(port)
        if not self.tls:
            del c["http"]["tls"]
        c["http"].update(self.http)
        return c

    def vm(self, field):
        """VmRSS / VmSize of seald in kB."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0


def connect(port, src="127.0.0.1", timeout=10):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(src, 0))


def read_all(s, timeout=10):
    """Everything until the server closes (or the timeout: then None)."""
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return out
            out += d
    except socket.timeout:
        return None
    except ConnectionResetError:
        return out


def closed_by_server(s, timeout):
    """True when the server closed s (EOF or reset) within timeout."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def one_request(port, src, req=HEALTH, timeout=10):
    s = connect(port, src, timeout)
    try:
        s.sendall(req.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n", 1))
        return read_all(s, timeout) or b""
    finally:
        s.close()


def status_of(raw):
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else None


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= n


def test_thousand_idle_sockets():
    if not raise_nofile(4096):
        print("  (skipped: cannot open 1,200 sockets)")
        return
    s = FrontSeald().start()   # defaults: 512 connections, 64 per client
    socks = []
    try:
        for _ in range(1000):
            socks.append(connect(s.port, "127.0.0.1"))
        t0 = time.time()
        raw = one_request(s.port, "127.0.0.2")
        took = time.time() - t0
        assert status_of(raw) == 200, raw[:200]
        print("  another client served in %.3f s while 127.0.0.1 holds 1,000 sockets" % took)
        closed = sum(closed_by_server(x, 0.01) for x in socks)
        assert closed >= 1000 - 64, "only %d of the 1,000 were closed" % closed
        print("  %d of 127.0.0.1's sockets closed unanswered, %d kept" % (closed, 1000 - closed))
    finally:
        for x in socks:
            x.close()
        s.stop()


def test_many_addresses_fill_the_server():
    if not raise_nofile(4096):
        return
    s = FrontSeald({"limits": {"max_connections": 100, "max_connections_per_client": 8}}).start()
    socks = []
    try:
        # 30 addresses x 8 idle sockets: far past 100; each new one pushes
        # out an older incomplete one instead of being refused.
        for a in range(30):
            for _ in range(8):
                socks.append(connect(s.port, "127.0.1.%d" % (a + 1)))
        raw = one_request(s.port, "127.0.0.3")
        assert status_of(raw) == 200, raw[:200]
        # A kept-alive client mid-conversation keeps its place no worse.
        k = connect(s.port, "127.0.0.4")
        k.sendall(HEALTH)
        assert status_of(k.recv(4096)) == 200
        k.close()
    finally:
        for x in socks:
            x.close()
        s.stop()


def test_head_deadline():
    s = FrontSeald({"head_timeout_s": 2, "connection_timeout_s": 60}).start()
    try:
        # A kept-alive connection: served, then idle past the deadline.
        keep = connect(s.port, "127.0.0.5")
        keep.sendall(HEALTH)
        assert status_of(keep.recv(4096)) == 200
        # A head that trickles in, one byte every 0.3 s.
        slow = connect(s.port, "127.0.0.6")
        t0 = time.time()
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        closed_at = None
        for i in range(len(head)):
            try:
                slow.sendall(head[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.time() - t0
                break
            if closed_by_server(slow, 0.3):
                closed_at = time.time() - t0
                break
        assert closed_at is not None and closed_at < 6, closed_at
        print("  a trickling head closed after %.1f s (deadline 2 s, idle timeout 60 s)"
              % closed_at)
        time.sleep(max(0, 3 - (time.time() - t0)))
        keep.sendall(HEALTH)
        assert status_of(keep.recv(4096)) == 200, "the idle keep-alive connection was closed"
        keep.close()
        slow.close()
    finally:
        s.stop()


def test_tls_handshake_deadline():
    s = FrontSeald({"head_timeout_s": 2}, tls=True).start()
    try:
        silent = connect(s.port, "127.0.0.7")
        t0 = time.time()
        assert closed_by_server(silent, 8), "a silent TLS connection was kept past 8 s"
        print("  a TLS connection that never says hello closed after %.1f s" % (time.time() - t0))
        silent.close()
        ctx = s.ssl_context()
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as t:
                t.sendall(HEALTH)
                assert status_of(t.recv(4096)) == 200
    finally:
        s.stop()


FRAMING = [
    ("conflicting Content-Length", 400,
     b"POST /ss-gm/v1/group-documents HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
     b"Content-Length: 3\r\n\r\n{}"),
    ("Content-Length with Transfer-Encoding", 400,
     b"POST /ss-gm/v1/group-documents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("whitespace before the colon", 400, b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n"),
    ("an unknown transfer coding", 501,
     b"POST /ss-gm/v1/group-documents HTTP/1.1\r\nHost: x\r\n"
     b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
    ("a missing Host", 400, b"GET /healthz HTTP/1.1\r\n\r\n"),
    ("a repeated Host", 400, b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
    ("a control character in the target", 400, b"GET /heal\x01thz HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("a tab in the target", 400, b"GET /heal\tthz HTTP/1.1\r\nHost: x\r\n\r\n"),
]


def test_framing():
    s = FrontSeald().start()
    try:
        for name, want, req in FRAMING:
            c = connect(s.port, "127.0.0.8")
            c.sendall(req + HEALTH)     # a pipelined second request
            raw = read_all(c, 10)
            c.close()
            assert raw is not None, "%s: the connection was not closed" % name
            assert status_of(raw) == want, "%s: %r" % (name, raw[:120])
            answers = len(re.findall(rb"(?:^|\r\n)HTTP/1\.1 \d{3} ", raw))
            assert answers == 1, "%s: the pipelined request was served: %r" % (name, raw)
            body = raw.split(b"\r\n\r\n", 1)[1]
            assert json.loads(body)["status"] == want, body
            assert b"connection: close" in raw.lower()
            print("  %-36s -> %d, closed, the pipelined request unanswered" % (name, want))
        # HEAD wherever GET: the same status and headers, no body.
        get = one_request(s.port, "127.0.0.8", b"GET /ss-gm/v1/group-documents HTTP/1.1\r\n"
                                               b"Host: x\r\n\r\n")
        head = one_request(s.port, "127.0.0.8", b"HEAD /ss-gm/v1/group-documents HTTP/1.1\r\n"
                                                b"Host: x\r\n\r\n")
        assert status_of(head) == status_of(get) and status_of(head) != 405, (get, head)
        assert head.endswith(b"\r\n\r\n"), head
        head = one_request(s.port, "127.0.0.8", b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(head) == 200 and head.endswith(b"\r\n\r\n"), head
        r = one_request(s.port, "127.0.0.8", b"DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(r) == 405 and b"Allow: GET, HEAD" in r, r
    finally:
        s.stop()


def test_bodies_as_they_arrive():
    if not raise_nofile(4096):
        return
    s = FrontSeald({"limits": {"max_connections_per_client": 0,
                               "max_body_bytes_by_service": {"gm": 1024}}}).start()
    socks = []
    try:
        r = one_request(s.port, "127.0.0.9",
                        b"POST /ss-gm/v1/group-documents HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Type: application/json\r\nContent-Length: 2000\r\n\r\n"
                        + b" " * 2000)
        assert status_of(r) == 413, r[:200]
        s2 = FrontSeald({"limits": {"max_connections_per_client": 0}}).start()
        try:
            before = s2.vm("VmSize")
            for _ in range(300):
                c = connect(s2.port, "127.0.0.10")
                c.sendall(b"POST /ss-gm/v1/group-documents HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{")
                socks.append(c)
            one_request(s2.port, "127.0.0.11")    # every head has been read by now
            time.sleep(0.5)
            grew = s2.vm("VmSize") - before
            print("  300 bodies of 1 MB announced, 1 byte sent: seald's VmSize grew %d kB "
                  "(RSS %d kB)" % (grew, s2.vm("VmRSS")))
            assert grew < 100 * 1024, grew
        finally:
            for c in socks:
                c.close()
            s2.stop()
    finally:
        s.stop()


if __name__ == "__main__":
    tests = [test_thousand_idle_sockets, test_many_addresses_fill_the_server,
             test_head_deadline, test_tls_handshake_deadline, test_framing,
             test_bodies_as_they_arrive]
    sys.exit(1 if h.run_tests(tests) else 0)
