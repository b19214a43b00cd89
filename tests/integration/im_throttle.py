# SPDX-License-Identifier: Apache-2.0
"""Failed logins are throttled per user name and per client address, through
the real seald: after login_max_failures wrong passwords for one user, that
user's next attempt is answered 429 with Retry-After even with the right
password, while another user from the same address still logs in; after
login_max_failures_address failures from one address (spread over user
names), every login from that address is answered 429, while the same user
from another address (IPv6 loopback, when available) still logs in."""
import os
import socket
import sys
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


def attempt(user, password, host="127.0.0.1"):
    c = srv.connection(host=host)
    try:
        v, ch = h.pkce_pair()
        return h.im_authorize(srv, c, "app", RU, user, password, challenge=ch)
    finally:
        c.close()


def is_code(r):
    return r.status == 302 and "code" in h.redirect_params(r)[1]


failed = 0
try:
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
