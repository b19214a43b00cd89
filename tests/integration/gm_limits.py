# SPDX-License-Identifier: Apache-2.0
"""Sizes and fairness of the group management server, through the real
seald over HTTPS (im, im_uu, authz_jwt, km, km_uu, seal_x1, gm with group
master keys, seal_s, gm_uu):

  - gm "max_members": a document with more members is refused (400, the
    field /members named) on POST, PUT and PATCH;
  - gm "max_groups_per_owner": an owner at its quota gets 403
    GROUP_LIMIT_REACHED, and a delete frees a place; another owner is not
    affected;
  - seal_s "max_list": a list answer that would pass it is refused (403
    TOO_MANY_RESULTS) rather than built whole, while a narrower query
    still answers;
  - fairness: while one worker keys a group of thousands, and that group is
    changed again and again, a one-member group's key reaches its member
    within seconds. seald's VmRSS is printed before and after.

Every SS-GM answer is checked against the official YAML."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import gmk_harness as g  # noqa: E402
import openapi_check as OC  # noqa: E402

GMS = "sip:gms@example.org"
ALICE = "sip:alice@example.org"
GM = "/ss-gm/v1/group-documents"
YAML = "TS29549_SS_GroupManagement.yaml"
BIG = 2000


def plugins(gm_conf, seal_s_conf):
    return [("store_sqlite", g.store_conf), ("crypto_gnutls", {}),
            ("im", g.im_conf), ("im_uu", g.im_uu_conf),
            ("authz_jwt", lambda s: g.authz_conf(s)(s)),
            ("km", lambda s: {"kms_uri": "kms.example.org",
                              "master_key_file": os.path.join(s.tmp, "km.kek")}),
            ("km_uu", {}), ("seal_x1", {"gms_uri": GMS}),
            ("gm", lambda s: dict(gm_conf, gmk={"kek_file": os.path.join(s.tmp, "gmk.kek"),
                                                "workers": 1, "chunk": 16})),
            ("seal_s", seal_s_conf), ("gm_uu", {})]


def rss_kb(srv):
    with open("/proc/%d/status" % srv.proc.pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def doc(vgid, n, prefix="m"):
    return {"valGroupId": vgid,
            "members": [{"valUserId": "sip:%s%d@example.org" % (prefix, i)} for i in range(n)]}


def main():
    spec = OC.find_spec_dir()
    api = OC.OpenApi(spec) if spec else None
    srv = g.GmkSeald(plugins({"max_members": BIG, "max_groups_per_owner": 4}, {"max_list": 3}))
    h.im_add_client_cert(srv.certs, srv.tmp, "vs2", "val-server-2")
    srv.principals.append(h.principals_for(srv.certs["vs2"][1], ["val_server"]))
    srv.start()

    def call(method, path, body=None, cert="client", headers=None):
        c = srv.connection(client_cert=True, cert_name=cert)
        try:
            r = h.request(c, method, path, body, headers)
        finally:
            c.close()
        if api:
            api.check_response(YAML, method, path, r.status, r.headers, r.body)
        return r

    def gid(r):
        return r.headers["location"].rsplit("/", 1)[1]

    def test_members_limit():
        r = call("POST", GM, doc("too-big", BIG + 1))
        assert r.status == 400 and r.json()["invalidParams"][0]["param"] == "/members", r
        r = call("POST", GM, doc("small", 1))
        assert r.status == 201, r
        path = GM + "/" + gid(r)
        r = call("PUT", path, doc("small", BIG + 1))
        assert r.status == 400 and r.json()["invalidParams"][0]["param"] == "/members", r
        r = call("PATCH", path, {"members": doc("x", BIG + 1)["members"]},
                 headers={"Content-Type": "application/merge-patch+json"})
        assert r.status == 400 and r.json()["invalidParams"][0]["param"] == "/members", r
        assert call("DELETE", path).status == 204

    def test_groups_per_owner_and_list_bound():
        ids = []
        for i in range(4):
            r = call("POST", GM, doc("q%d" % i, 1))
            assert r.status == 201, r
            ids.append(gid(r))
        r = call("POST", GM, doc("q4", 1))
        assert r.status == 403 and r.json()["cause"] == "GROUP_LIMIT_REACHED", r
        r = call("POST", GM, doc("q4", 1), cert="vs2")
        assert r.status == 201, "another owner is not affected: %r" % r
        # four of its own, max_list 3: refused with a cause, never built
        r = call("GET", GM)
        assert r.status == 403 and r.json()["cause"] == "TOO_MANY_RESULTS", r
        r = call("GET", GM + "?val-group-id=q1")
        assert r.status == 200 and len(r.json()) == 1, r
        assert call("DELETE", GM + "/" + ids[0]).status == 204
        r = call("POST", GM, doc("q5", 1))
        assert r.status == 201, "a delete frees a place: %r" % r
        ids.append(gid(r))
        r = call("GET", GM + "?val-group-id=q0")
        assert r.status == 200 and r.json() == [], r
        for i in ids[1:]:
            assert call("DELETE", GM + "/" + i).status == 204
        r = call("GET", GM)
        assert r.status == 200 and r.json() == [], r

    def test_small_group_not_behind_a_big_one():
        srv.add_user("alice", [ALICE])
        srv.add_client(client_id="app", type="public", redirect_uris=[g.RU],
                       scopes=["openid", "seal.gm", "seal.km"])
        tok = srv.user_token("alice")
        srv.wait_authz(tok)
        before = rss_kb(srv)
        t0 = time.time()
        r = call("POST", GM, doc("big", BIG))
        assert r.status == 201, r
        big = gid(r)
        # the big group changes again and again while it is being keyed
        for i in range(5):
            r = call("PUT", GM + "/" + big, doc("big", BIG, prefix="m%d-" % i))
            assert r.status == 200, r
        t1 = time.time()
        r = call("POST", GM, doc("one", 0) | {"members": [{"valUserId": ALICE}]})
        assert r.status == 201, r
        small = gid(r)
        msgs = srv.wait_messages(tok, lambda m: any(x["groupDocId"] == small for x in m),
                                 timeout=120)
        took = time.time() - t1
        log = srv.log_text()
        big_done = "group %s: GMK generation 6 distributed" % big in log
        print("  the 1-member group's key reached alice %.2f s after its creation, while "
              "one worker keys %d members x 6 generations (big group done: %s)"
              % (took, BIG, big_done))
        assert msgs and not big_done, "the small group waited for the big one"
        assert took < 10, took
        end = time.time() + 600
        while "group %s: GMK generation 6 distributed" % big not in srv.log_text():
            assert time.time() < end, "the big group was never keyed"
            time.sleep(0.5)
        print("  the big group's last generation was keyed %.1f s after its creation; "
              "seald VmRSS %d kB before, %d kB after" % (time.time() - t0, before, rss_kb(srv)))

    failed = h.run_tests([test_members_limit, test_groups_per_owner_and_list_bound,
                          test_small_group_not_behind_a_big_one])
    status = srv.stop()
    if status not in (0, None):
        print("FAIL: seald exited with status %s" % status)
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
