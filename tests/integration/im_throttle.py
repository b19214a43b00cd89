# SPDX-License-Identifier: Apache-2.0
"""Failed logins are throttled per user name and per client address, through
the real seald: after login_max_failures wrong passwords for one user, that
user's next attempt is answered 429 with Retry-After even with the right
password, while another user from the same address still logs in; after
login_max_failures_address failures from one address (spread over user
names), every login from that address is answered 429, while the same user
from another address (IPv6 loopback, when available) still logs in.

No lockout (OWASP ASVS 2.2.1, NIST SP 800-63B 5.2.2): a burst of wrong
passwords for dave from other addresses (127.0.0.3.., each under its own
limits) does not delay dave's right password from the address he logged in
from before (127.0.0.2); the burst itself, and dave from a new address, are
slowed (the user-wide counter)."""
import os
import socket
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

RU = "http://127.0.0.1:4711/cb"


def have_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


v6 = have_ipv6_loopback()
srv = h.ImSeald(im_conf={"login_max_failures": 3, "login_max_failures_address": 8,
                         "login_delay_s": 30, "login_max_delay_s": 120}, listen_v6=v6)
srv.start()
for u in ("alice", "bob", "carol"):
    srv.add_user(u, "pw-of-" + u + "-123")
srv.add_client(client_id="app", type="public", redirect_uris=[RU], scopes=["openid"])


def attempt(user, password, host="127.0.0.1", source=None):
    c = srv.connection(host=host)
    if source:
        c.source_address = (source, 0)   # the peer address seald sees
    try:
        v, ch = h.pkce_pair()
        return h.im_authorize(srv, c, "app", RU, user, password, challenge=ch)
    finally:
        c.close()


def is_code(r):
    return r.status == 302 and "code" in h.redirect_params(r)[1]


failed = 0
try:
    # no lockout: dave logs in from 127.0.0.2, strangers then guess his
    # password from 127.0.0.3..6, two each (none of the addresses over a
    # limit of its own); past 3 failures for dave they are slowed
    srv.add_user("dave", "pw-of-dave-123")
    assert is_code(attempt("dave", "pw-of-dave-123", source="127.0.0.2"))
    answers = []
    for i in range(8):
        r = attempt("dave", "guess-%d" % i, source="127.0.0.%d" % (3 + i // 2))
        assert r.status in (200, 429) and not is_code(r), r
        answers.append(r.status)
    assert answers == [200] * 3 + [429] * 5, answers
    t0 = time.monotonic()
    r = attempt("dave", "pw-of-dave-123", source="127.0.0.2")
    took = time.monotonic() - t0
    assert is_code(r), r
    assert took < 5, took
    # a new address is slowed by dave's failures (login_delay_s)
    r = attempt("dave", "pw-of-dave-123", source="127.0.0.7")
    assert r.status == 429 and not is_code(r), r
    assert 25 <= int(r.headers["retry-after"]) <= 30, r.headers
    assert "login throttled (user, new address)" in srv.log_text()
    print("ok no lockout: dave's own address answered in %.2f s" % took)

    # per user: 3 failures for alice
    for i in range(3):
        r = attempt("alice", "wrong-%d" % i)
        assert r.status == 200 and b"wrong user name or password" in r.body, r
    r = attempt("alice", "pw-of-alice-123")
    assert r.status == 429, r
    assert 25 <= int(r.headers["retry-after"]) <= 30, r.headers
    assert b"too many failed logins" in r.body
    assert not is_code(r)
    # bob, same address (3 failures < 8), is not affected
    assert is_code(attempt("bob", "pw-of-bob-123"))
    print("ok per user")

    # per address: 5 more failures over other names reach 8 for 127.0.0.1
    for i in range(5):
        r = attempt("nobody-%d" % i, "x")
        assert r.status == 200, r
    # carol's right password is refused before it is checked (the throttle
    # answers first, as its log line says, and no login is logged)
    n0 = srv.log_text().count("login throttled (address)")
    r = attempt("carol", "pw-of-carol-123")
    assert r.status == 429 and not is_code(r), r
    log = srv.log_text()
    assert log.count("login throttled (address)") == n0 + 1, log[-2000:]
    assert "user carol logged in" not in log, log[-2000:]
    r = attempt("bob", "pw-of-bob-123")
    assert r.status == 429, r
    print("ok per address")
    if v6:
        r = attempt("carol", "pw-of-carol-123", host="::1")
        assert is_code(r), r
        print("ok another address is not throttled")
    else:
        print("skip IPv6 part: no ::1")
except Exception:
    failed = 1
    traceback.print_exc()
    print(srv.log_text()[-4000:])
rc = srv.stop()
if rc != 0:
    print("seald exited with", rc)
    failed = 1
sys.exit(failed)
