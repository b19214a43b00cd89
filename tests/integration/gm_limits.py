#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Issue 9 item 2, "Sizes and fairness", through one real seald over HTTPS
(store_sqlite, im, im_uu, authz_jwt, km, km_uu, seal_x1, gm with group
master keys, seal_s, gm_uu), every SS_GroupManagement answer validated
against the official Rel-18 YAML:

  - members per group: a POST, PUT or PATCH with more than gm's
    max_members members is a 400 naming /members ("at most N members"),
    also for an owner at its quota (the members are checked first);
  - groups per owner: with max_groups_per_owner 6, the 7th POST is a 403
    GROUP_LIMIT_REACHED naming the limit; a DELETE frees a place;
  - the bounded list: with seal_s max_list 5, five groups are listed, a
    sixth makes the unfiltered GET /group-documents a 403 TOO_MANY_RESULTS
    while a filtered query still answers;
  - fairness of the GMK distribution (one worker, chunks of 8): while a
    group of thousands of VAL users is being keyed (SAKKE, ~3 ms a member),
    a one-member group's member has its GMK message over GM-UU within
    seconds, and the big group is still "distributing" then; a group
    changed 20 times in a row does not keep a third group's key waiting
    either, and its own last GMK goes out too.
seald's VmRSS is printed before and after. GM_LIMITS_BIG=<n> sets the big
group's size (default 4000)."""
import json
import os
import sqlite3
import sys
import time
import traceback

sys.dont_write_bytecode = True   # no __pycache__ in the (maybe read-only) source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

h.need_modules()
import gmk_harness as g  # noqa: E402
import openapi_check as OC  # noqa: E402

YAML = "TS29549_SS_GroupManagement.yaml"
GM = "/ss-gm/v1/group-documents"
MERGE = {"Content-Type": "application/merge-patch+json"}
GMS = "sip:gms@example.org"
N_BIG = int(os.environ.get("GM_LIMITS_BIG", "4000"))
MAX_GROUPS = 6
MAX_LIST = 5
SMALL, THIRD = "sip:small@example.org", "sip:third@example.org"
ARRIVES_WITHIN = 5.0   # seconds: "within seconds"


def plugins():
    return [("store_sqlite", g.store_conf), ("crypto_gnutls", {}),
            ("im", g.im_conf), ("im_uu", g.im_uu_conf),
            ("authz_jwt", lambda s: g.authz_conf(s)(s)),
            ("km", lambda s: {"kms_uri": "kms.example.org",
                              "master_key_file": os.path.join(s.tmp, "km.kek")}),
            ("km_uu", {}),
            ("seal_x1", {"gms_uri": GMS}),
            # One worker and small chunks: the contention is the point.
            ("gm", lambda s: {"max_members": N_BIG, "max_groups_per_owner": MAX_GROUPS,
                              "gmk": {"kek_file": os.path.join(s.tmp, "gmk.kek"),
                                      "workers": 1, "chunk": 8}}),
            ("seal_s", {"max_list": MAX_LIST}), ("gm_uu", {})]


api = srv = None
VS = None          # a VAL server's client credentials token: the limits' owner
T = {}             # members' tokens


def rss_kib():
    with open("/proc/%d/status" % srv.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def log_rss(when):
    print("seald VmRSS %s: %d KiB" % (when, rss_kib()), flush=True)


def call(method, path, body=None, token=None, cert=False, headers=None):
    """One SS-GM request (a token's bearer, or the "client" certificate: a
    VAL server principal), its answer checked against the YAML."""
    r = srv.call(method, path, body, token=token, cert=cert, headers=headers)
    api.check_response(YAML, method, path, r.status, r.headers, r.body)
    return r


def doc(vgid, members):
    return {"valGroupId": vgid, "members": [{"valUserId": m} for m in members]}


def create(vgid, members, token=None, cert=False):
    r = call("POST", GM, doc(vgid, members), token=token, cert=cert)
    assert r.status == 201, r
    return r.headers["location"].rsplit("/", 1)[-1]


def listed(query=""):
    r = call("GET", GM + query, token=VS)
    assert r.status == 200, r
    return sorted(d["valGroupId"] for d in r.json())


def gmk_state(gid):
    """The group's GMK state as gm keeps it (seal.gm.v1 gmk_state), read
    from the database without writing."""
    c = sqlite3.connect("file:%s?mode=ro" % srv.db(), uri=True, timeout=10)
    try:
        rows = c.execute("SELECT json FROM docs WHERE ns = 'gm.gmk' AND key = ?",
                         (gid,)).fetchall()
    finally:
        c.close()
    return json.loads(rows[0][0]) if rows else None


def chunks_left(gid):
    c = sqlite3.connect("file:%s?mode=ro" % srv.db(), uri=True, timeout=10)
    try:
        return c.execute("SELECT count(*) FROM docs WHERE ns = 'gm.gmkchunks' AND key LIKE ?",
                         (gid + "/%",)).fetchall()[0][0]
    finally:
        c.close()


def wait_key(who, gid, timeout):
    """Seconds until who has a GMK message of group gid over GM-UU, polling
    every 20 ms; None after timeout."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if any(m["groupDocId"] == gid for m in srv.messages(T[who])):
            return time.time() - t0
        time.sleep(0.02)
    return None


def setup():
    global api, srv, VS
    spec = OC.find_spec_dir()
    if not spec:
        print("SKIP: the official YAMLs were not found (set SEAL_OPENAPI_DIR)")
        sys.exit(h.SKIP)
    api = OC.OpenApi(spec)
    srv = g.GmkSeald(plugins())
    srv.start()
    log_rss("after start")
    srv.add_client(client_id="app", type="public", redirect_uris=[g.RU],
                   scopes=["openid", "seal.gm", "seal.km"])
    for name, uri in (("small", SMALL), ("third", THIRD)):
        srv.add_user(name, [uri])
        T[uri] = srv.user_token(name)
    srv.wait_authz(T[SMALL])
    secret = srv.add_client(client_id="vs1", type="confidential",
                            scopes=["seal.gm"])["client_secret"]
    c = srv.connection()
    try:
        r = h.form_request(c, "POST", "/oidc/v1/token",
                           {"grant_type": "client_credentials", "scope": "seal.gm"},
                           {"Authorization": h.basic_auth("vs1", secret)})
    finally:
        c.close()
    assert r.status == 200, r
    VS = r.json()["access_token"]


tests = []


def test(fn):
    tests.append(fn)
    return fn


state = {}


@test
def the_list_is_bounded_and_an_owner_has_a_quota():
    ids = {}
    for i in range(1, MAX_LIST + 1):
        ids[i] = create("L%d" % i, ["sip:l%d@example.org" % i], token=VS)
    assert listed() == ["L%d" % i for i in range(1, MAX_LIST + 1)], listed()
    # One more than an answer holds: refused with a cause, not cut short.
    ids[6] = create("L6", ["sip:l6@example.org"], token=VS)
    r = call("GET", GM, token=VS)
    assert r.status == 403, r
    p = r.json()
    assert p["cause"] == "TOO_MANY_RESULTS", p
    assert str(MAX_LIST) in p["detail"] and "val-group-id" in p["detail"], p
    # A narrower query still answers.
    assert listed("?val-group-id=L6") == ["L6"]
    assert listed("?member=sip:l2@example.org") == ["L2"]
    # The owner's 7th group: 403 naming the limit.
    r = call("POST", GM, doc("L7", ["sip:l7@example.org"]), token=VS)
    assert r.status == 403, r
    p = r.json()
    assert p["cause"] == "GROUP_LIMIT_REACHED" and str(MAX_GROUPS) in p["detail"], p
    assert listed("?val-group-id=L7") == []
    # Another owner (the certificate's VAL server) has its own places.
    other = create("L7", ["sip:l7@example.org"], cert=True)
    r = call("DELETE", GM + "/" + other, cert=True)
    assert r.status == 204, r
    # A delete frees a place; the list answers again.
    r = call("DELETE", GM + "/" + ids[6], token=VS)
    assert r.status == 204, r
    assert len(listed()) == MAX_LIST
    ids[7] = create("L7", ["sip:l7@example.org"], token=VS)
    state["ids"] = ids
    log_rss("after the list and quota checks")


@test
def too_many_members_are_a_400_naming_members():
    too_many = ["sip:m%05d@example.org" % i for i in range(N_BIG + 1)]
    reason = "at most %d members" % N_BIG
    gid = state["ids"][7]

    def check(r):
        assert r.status == 400, r
        p = r.json()
        assert p["cause"] == "INVALID_MSG_FORMAT", p
        assert p["invalidParams"] == [{"param": "/members", "reason": reason}], p
    # The owner is at its quota: the members are what is wrong.
    check(call("POST", GM, doc("big", too_many), token=VS))
    check(call("PUT", GM + "/" + gid, doc("L7", too_many), token=VS))
    check(call("PATCH", GM + "/" + gid, {"members": [{"valUserId": m} for m in too_many]},
               token=VS, headers=MERGE))
    r = call("GET", GM + "/" + gid, token=VS)
    assert r.status == 200 and r.headers.get("etag") == '"1"', r
    assert len(r.json()["members"]) == 1, r.json()
    # The certificate's VAL server, far from its quota, gets the same 400.
    check(call("POST", GM, doc("big", too_many), cert=True))


@test
def a_small_groups_key_is_not_stuck_behind_a_large_group():
    big_members = ["sip:b%05d@example.org" % i for i in range(N_BIG)]
    log_rss("before the group of %d" % N_BIG)
    t = time.time()
    big = create("big", big_members, cert=True)
    print("group of %d members created in %.2fs" % (N_BIG, time.time() - t), flush=True)
    st = gmk_state(big)
    assert st and st["state"] == "distributing", st
    time.sleep(0.5)   # let the worker be well into the big group's chunks
    small = create("small", [SMALL], cert=True)
    dt = wait_key(SMALL, small, 120)
    st, left = gmk_state(big), chunks_left(big)
    print("one-member group's GMK over GM-UU after %s s; the big group then: %s, %d of %d "
          "chunks left" % ("%.2f" % dt if dt is not None else "(none in 120)",
                           st["state"], left, st["chunks"]), flush=True)
    assert dt is not None and dt < ARRIVES_WITHIN, dt
    assert st["state"] == "distributing", st
    state["big"] = big
    log_rss("while the group of %d is keyed" % N_BIG)


@test
def a_group_changed_again_and_again_does_not_keep_others_waiting():
    # Its own load, so that this holds whatever came before.
    load = create("load", ["sip:c%05d@example.org" % i for i in range(N_BIG)], cert=True)
    a = ["sip:r%03d@example.org" % i for i in range(40)]
    again = create("again", a, cert=True)
    for i in range(20):   # every PUT changes the VAL users: a rekey each
        r = call("PUT", GM + "/" + again, doc("again", a[: 39 - i % 2]), cert=True)
        assert r.status == 200, r
    third = create("third", [THIRD], cert=True)
    dt = wait_key(THIRD, third, 120)
    st = gmk_state(load)
    print("third group's GMK after 20 changes of another: %s s; the other big group then: %s, "
          "%d of %d chunks left" % ("%.2f" % dt if dt is not None else "(none in 120)",
                                    st["state"], chunks_left(load), st["chunks"]), flush=True)
    assert dt is not None and dt < ARRIVES_WITHIN, dt
    assert st["state"] == "distributing", st
    # The changed group's last GMK (generation 21) goes out too, meanwhile.
    end = time.time() + 60
    while True:
        s = gmk_state(again)
        if s["generation"] == 21 and s["state"] == "done":
            break
        assert time.time() < end, s
        time.sleep(0.1)
    print("the changed group's generation 21 distributed; the big groups: %s, %s"
          % (gmk_state(load)["state"], gmk_state(state["big"])["state"] if "big" in state
             else "-"), flush=True)
    log_rss("at the end")


failed = 0
setup()
for t in tests:
    try:
        t()
        print("ok", t.__name__, flush=True)
    except Exception:
        failed += 1
        print("FAIL", t.__name__)
        traceback.print_exc()
if failed:
    print("---- seald log ----")
    print(srv.log_text()[-6000:])
rc = srv.stop()
if rc != 0:
    print("seald exited with", rc)
    print(srv.log_text()[-3000:])
    failed += 1
sys.exit(1 if failed else 0)
