# SPDX-License-Identifier: Apache-2.0
"""Group master keys end to end through one real seald over HTTPS (TS 33.180
5.7, TS 33.434 5.1.1.1 in process): the IdM issues the members' tokens, the
KMS their key material (KM-UU), a VAL server creates a group (SS-GM), the
GMS (gm with its gmk block, SEAL-X1 in process) sends each member a
MIKEY-SAKKE I_MESSAGE that the member fetches over GM-UU and opens with its
own RSK: every member finds the same GMK. A removal rekeys: the removed
member loses its pending message at once, gets nothing for the new GMK and
cannot open the others' messages. GM-UU refusals: no token, a token without
seal.gm, another member's identity or message, malformed ids and queries."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gmk_harness as g  # noqa: E402

GMS = "sip:gms@example.org"
ALICE, BOB, CAROL = ("sip:%s@example.org" % n for n in ("alice", "bob", "carol"))


def plugins():
    return [("store_sqlite", g.store_conf), ("crypto_gnutls", {}),
            ("im", g.im_conf), ("im_uu", g.im_uu_conf),
            ("authz_jwt", lambda s: g.authz_conf(s)(s)),
            ("km", lambda s: {"kms_uri": "kms.example.org",
                              "master_key_file": os.path.join(s.tmp, "km.kek")}),
            ("km_uu", {}),
            ("seal_x1", {"gms_uri": GMS}),
            ("gm", lambda s: {"gmk": {"kek_file": os.path.join(s.tmp, "gmk.kek")}}),
            ("seal_s", {}), ("gm_uu", {})]


srv = g.GmkSeald(plugins())
srv.start()
srv.add_user("alice", [ALICE])
srv.add_user("bob", [BOB])
srv.add_user("carol", [CAROL])
srv.add_client(client_id="app", type="public", redirect_uris=[g.RU],
               scopes=["openid", "seal.gm", "seal.km"])
T = {who: srv.user_token(name) for who, name in ((ALICE, "alice"), (BOB, "bob"), (CAROL, "carol"))}
srv.wait_authz(T[ALICE])
KMS = srv.kms_cert(T[ALICE])
RSK = {who: srv.rsk(who, T[who]) for who in T}
state = {}
tests = []


def test(fn):
    tests.append(fn)
    return fn


def open_msg(who, m, rsk_of=None):
    rsk, period = RSK[rsk_of or who]
    assert m["keyPeriodNo"] == period, (m["keyPeriodNo"], period)
    return g.decode(who, KMS, rsk, m["iMessage"])


@test
def every_member_gets_the_same_gmk():
    gid = srv.create_group("fire-1", [ALICE, BOB, CAROL])
    state["gid"] = gid
    got = {}
    for who in (ALICE, BOB, CAROL):
        ms = srv.wait_messages(T[who], lambda m: len(m) == 1)
        m = ms[0]
        assert m["valUserId"] == who and m["valGroupId"] == "fire-1", m
        assert m["groupDocId"] == gid and m["generation"] == 1, m
        for k in ("id", "created", "activationTime", "expiryTime", "iMessage"):
            assert k in m, (k, m)
        d = open_msg(who, m)
        assert "error" not in d, d
        assert d["idri"] == GMS, d                      # signed by the GMS's own key
        assert int(d["gmk_id"], 16) >> 28 == 0, d       # purpose tag 0: a GMK
        got[who] = d
    assert len({d["gmk"] for d in got.values()}) == 1, got
    assert len({d["gmk_id"] for d in got.values()}) == 1, got
    assert len({d["csb_id"] for d in got.values()}) == 3, got   # GUK-ID per member
    state["gmk1"] = got[ALICE]["gmk"]
    state["gmk_id1"] = got[ALICE]["gmk_id"]
    state["msg1"] = {who: srv.messages(T[who])[0] for who in (ALICE, BOB, CAROL)}


@test
def a_member_cannot_open_another_members_message():
    m = state["msg1"][ALICE]
    d = g.decode(BOB, KMS, RSK[BOB][0], m["iMessage"])
    assert "error" in d, d                              # IDRr is Alice
    # Bob pretending to be Alice still lacks Alice's RSK.
    d = open_msg(ALICE, m, rsk_of=BOB)
    assert "error" in d, d


@test
def gmuu_refusals():
    r = srv.call("GET", "/gm-uu/v1/gmk-messages")
    assert r.status == 401, r
    assert r.headers.get("www-authenticate", "").startswith("Bearer"), r.headers
    no_gm = srv.user_token("alice", scope="openid seal.km")
    r = srv.call("GET", "/gm-uu/v1/gmk-messages", token=no_gm)
    assert r.status == 403 and "insufficient_scope" in r.headers.get("www-authenticate", ""), r
    r = srv.call("GET", "/gm-uu/v1/gmk-messages?valUserId=" + BOB.replace(":", "%3A"),
                 token=T[ALICE])
    assert r.status == 403, r
    assert srv.messages(T[ALICE], "?valUserId=" + ALICE.replace(":", "%3A").replace("@", "%40"))
    assert srv.messages(T[ALICE], "?valGroupId=fire-1&limit=1")
    assert srv.messages(T[ALICE], "?valGroupId=other") == []
    for q in ("?limit=0", "?limit=257", "?limit=x", "?foo=1", "?valGroupId=a&valGroupId=b",
              "?valUserId=", "?limit=1&limit=2"):
        r = srv.call("GET", "/gm-uu/v1/gmk-messages" + q, token=T[ALICE])
        assert r.status == 400 and r.headers["content-type"] == "application/problem+json", (q, r)
    bob_id = state["msg1"][BOB]["id"]
    r = srv.call("DELETE", "/gm-uu/v1/gmk-messages/" + bob_id, token=T[ALICE])
    assert r.status == 404, r
    for bad in ("x", "a.b.c", "%2e%2e", "g.01.0123456789abcdef", "g.1.0123456789ABCDEF",
                "a" * 200):
        r = srv.call("DELETE", "/gm-uu/v1/gmk-messages/" + bad, token=T[ALICE])
        assert r.status == 400, (bad, r)
    r = srv.call("DELETE", "/gm-uu/v1/gmk-messages/" + bob_id)
    assert r.status == 401, r
    # A VAL server admitted by its certificate (mTLS mode) is no member.
    r = srv.call("GET", "/gm-uu/v1/gmk-messages", cert=True)
    assert r.status == 403, r
    r = srv.call("DELETE", "/gm-uu/v1/gmk-messages/" + bob_id, cert=True)
    assert r.status == 403, r
    assert len(srv.messages(T[BOB])) == 1          # still there


@test
def removal_rekeys_and_locks_the_member_out():
    gid = state["gid"]
    srv.set_members(gid, [ALICE, CAROL])
    # The removed member's pending message goes with the change itself.
    assert srv.messages(T[BOB]) == []
    new = {}
    for who in (ALICE, CAROL):
        ms = srv.wait_messages(T[who], lambda m: len(m) == 1 and m[0]["generation"] == 2)
        d = open_msg(who, ms[0])
        assert "error" not in d, d
        new[who] = (ms[0], d)
    assert new[ALICE][1]["gmk"] == new[CAROL][1]["gmk"]
    assert new[ALICE][1]["gmk"] != state["gmk1"]
    assert new[ALICE][1]["gmk_id"] == new[CAROL][1]["gmk_id"] != state["gmk_id1"]
    assert new[ALICE][0]["id"] != state["msg1"][ALICE]["id"]
    # Bob has nothing for the new GMK and cannot open Alice's message.
    time.sleep(0.5)
    assert srv.messages(T[BOB]) == []
    d = g.decode(BOB, KMS, RSK[BOB][0], new[ALICE][0]["iMessage"])
    assert "error" in d, d
    d = open_msg(ALICE, new[ALICE][0], rsk_of=BOB)
    assert "error" in d, d
    state["msg2"] = new


@test
def acknowledged_messages_are_gone():
    m = state["msg2"][ALICE][0]
    r = srv.call("DELETE", "/gm-uu/v1/gmk-messages/" + m["id"], token=T[ALICE])
    assert r.status == 204, r
    assert srv.messages(T[ALICE]) == []
    r = srv.call("DELETE", "/gm-uu/v1/gmk-messages/" + m["id"], token=T[ALICE])
    assert r.status == 404, r
    # A superseded id (generation 1) is no longer Carol's to acknowledge.
    r = srv.call("DELETE", "/gm-uu/v1/gmk-messages/" + state["msg1"][CAROL]["id"],
                 token=T[CAROL])
    assert r.status == 404, r
    assert len(srv.messages(T[CAROL])) == 1


@test
def deleting_the_group_drops_its_messages():
    r = srv.call("DELETE", "/ss-gm/v1/group-documents/" + state["gid"], cert=True)
    assert r.status == 204, r
    assert srv.messages(T[CAROL]) == []


failed = g.run_tests(tests)
rc = srv.stop()
if rc != 0:
    print("seald exited with %r" % rc)
    failed += 1
if failed:
    print(srv.log_text()[-6000:])
sys.exit(1 if failed else 0)
