# SPDX-License-Identifier: Apache-2.0
"""SEAL-X1 to a remote KMS (TS 33.434 5.1.1.1) through two real seald
processes: A is the IdM and the KMS (im, im_uu, authz_jwt, km, km_uu); B is
the GMS (seal_x1 in remote mode, gm with its gmk block, seal_s, gm_uu) and
has no km. B gets an OAuth client_credentials token from A's token endpoint
and its key material from A's KM-UU; members log in at A and fetch their
GMK messages at B: each opens its message with the RSK A gave it and the
signature verifies under A's KPAK. A GMS whose client secret is wrong gets
no token and distributes nothing (its chunks wait for a retry)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import gmk_harness as g  # noqa: E402

GMS = "sip:gms@example.org"
ALICE, BOB = "sip:alice@example.org", "sip:bob@example.org"

kms = g.GmkSeald([("store_sqlite", g.store_conf), ("crypto_gnutls", {}),
                  ("im", g.im_conf), ("im_uu", g.im_uu_conf),
                  ("authz_jwt", lambda s: g.authz_conf(s)(s)),
                  ("km", lambda s: {"kms_uri": "kms.example.org",
                                    "master_key_file": os.path.join(s.tmp, "km.kek"),
                                    "clients": {"gms": [GMS]}}),
                  ("km_uu", {})])
kms.start()
kms.add_user("alice", [ALICE])
kms.add_user("bob", [BOB])
kms.add_client(client_id="app", type="public", redirect_uris=[g.RU],
               scopes=["openid", "seal.gm", "seal.km"])
secret = kms.add_client(client_id="gms", type="confidential", scopes=["seal.km"])["client_secret"]


def gms_plugins(secret_file):
    return [("store_sqlite", g.store_conf), ("crypto_gnutls", {}),
            ("authz_jwt", g.authz_conf(kms)),
            ("seal_x1", {"gms_uri": GMS, "kms_url": kms.url,
                         "token_url": kms.url + "/oidc/v1/token", "client_id": "gms",
                         "client_secret_file": secret_file, "ca_file": kms.certs["ca"][1]}),
            ("gm", lambda s: {"gmk": {"kek_file": os.path.join(s.tmp, "gmk.kek"),
                                      "retry_s": 1}}),
            ("seal_s", {}), ("gm_uu", {})]


def secret_file(name, value):
    p = os.path.join(kms.tmp, name)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (value + "\n").encode())
    os.close(fd)
    return p


gms = g.GmkSeald(gms_plugins(secret_file("gms.secret", secret)), certs=kms.certs)
gms.start()
T = {ALICE: kms.user_token("alice"), BOB: kms.user_token("bob")}
kms.wait_authz(T[ALICE], path="/keymanagement/identity/v1/init")
gms.wait_authz(T[ALICE])
KMS = kms.kms_cert(T[ALICE])
RSK = {who: kms.rsk(who, T[who]) for who in T}
tests = []


def test(fn):
    tests.append(fn)
    return fn


@test
def the_gms_uses_the_remote_kms():
    gid = gms.create_group("remote-1", [ALICE, BOB])
    got = {}
    for who in (ALICE, BOB):
        m = gms.wait_messages(T[who], lambda ms: len(ms) == 1, timeout=60)[0]
        assert m["groupDocId"] == gid, m
        rsk, period = RSK[who]
        assert m["keyPeriodNo"] == period, m
        d = g.decode(who, KMS, rsk, m["iMessage"])
        assert "error" not in d, d
        assert d["idri"] == GMS, d
        got[who] = d
    assert got[ALICE]["gmk"] == got[BOB]["gmk"], got
    log = gms.log_text()
    assert "gets its key material from a remote KMS" in log, log
    assert "(remote KMS)" in log, log
    assert secret not in log and secret not in kms.log_text()
    # The KMS saw the GMS's client_credentials token at KM-UU.
    state["gid"] = gid


state = {}


@test
def a_rekey_reuses_the_cached_key_set():
    before = gms.log_text().count("key set for " + GMS)
    gms.set_members(state["gid"], [ALICE])
    m = gms.wait_messages(T[ALICE], lambda ms: len(ms) == 1 and ms[0]["generation"] == 2)[0]
    d = g.decode(ALICE, KMS, RSK[ALICE][0], m["iMessage"])
    assert "error" not in d, d
    assert gms.messages(T[BOB]) == []
    assert gms.log_text().count("key set for " + GMS) == before   # no new fetch


@test
def a_gms_with_a_wrong_secret_distributes_nothing():
    bad = g.GmkSeald(gms_plugins(secret_file("bad.secret", "not-the-secret")), certs=kms.certs)
    bad.start()
    try:
        bad.wait_authz(T[ALICE])
        gid = bad.create_group("remote-2", [ALICE])
        end = time.time() + 60            # a token request and its retry
        while True:
            log = bad.log_text()
            if ("refused the client_credentials grant" in log and "distribution retried" in log) \
                    or time.time() > end:
                break
            time.sleep(0.2)
        assert bad.messages(T[ALICE]) == []
        assert "refused the client_credentials grant" in log, log
        assert "distribution retried" in log, log
        assert "not-the-secret" not in log
        r = bad.call("GET", "/ss-gm/v1/group-documents/" + gid, cert=True)
        assert r.status == 200, r
    finally:
        bad.stop()


failed = g.run_tests(tests)
for s in (gms, kms):
    rc = s.stop()
    if rc != 0:
        print("seald exited with %r" % rc)
        failed += 1
if failed:
    print("--- GMS log\n" + gms.log_text()[-5000:])
    print("--- KMS log\n" + kms.log_text()[-3000:])
sys.exit(1 if failed else 0)
