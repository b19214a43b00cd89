# SPDX-License-Identifier: Apache-2.0
"""A KMS master-key rollover seen by a member, end to end through a real
seald over HTTPS (the plugins of e2e_gmk.py; km with a short
master_key_lifetime and rollover_overlap):

  1. alice logs in and fetches her key material under certificate 1;
  2. a VAL server creates a group with alice: a GMK is made for her under
     certificate 1 and waits on GM-UU;
  3. the lifetime passes: the KMS serves certificate 2. seal-client keys
     stores it with new key sets, and keeps certificate 1 and its key sets
     as the previous generation, with the end of the overlap that the KMS's
     certificate cache (TS 33.180 D.3.5) gives as its ValidTo;
  4. alice opens the GMK made before the rollover (previous generation);
  5. bob, who has only certificate 2, joins: the new GMK reaches both, made
     under certificate 2, and both open it;
  6. after the overlap, the message made under certificate 1 is refused,
     and seal-client keys drops the previous generation.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_gmk as e  # noqa: E402
import gm_harness  # noqa: E402
import kmclient_fakesrv as fs  # noqa: E402

# The set-up (two logins, key material, the first GMK) must fit in the
# lifetime; the checks of steps 3 to 5 in the overlap.
LIFETIME, OVERLAP = (40, 25) if os.environ.get("SEAL_SANITIZERS") else (20, 12)


class RolloverSeald(e.E2ESeald):
    def config(self, port):
        c = super().config(port)
        c["plugins"]["km"].update(master_key_lifetime=LIFETIME, rollover_overlap=OVERLAP)
        return c


def main():
    top = os.environ.get("top_builddir")
    if not top or not os.environ.get("SEALD"):
        print("SKIP: run through make check")
        return e.SKIP
    dirs = [os.path.join(top, sub, ".libs") for sub, _ in e.EXTRA_PLUGINS]
    missing = [n for (sub, n), d in zip(e.EXTRA_PLUGINS, dirs)
               if not os.path.exists(os.path.join(d, n + ".so"))]
    sc = [os.path.join(top, "client", "seal-client")]
    if missing or not os.access(sc[0], os.X_OK) or not shutil.which("certtool"):
        print("SKIP: needs seal-client, certtool and the plugins " + ", ".join(missing))
        return e.SKIP
    sc = os.environ.get("SEAL_CLIENT_WRAPPER", "").split() + sc   # e.g. valgrind, as e2e_gmk
    s = RolloverSeald(dirs)
    rc = 1
    try:
        s.start()
        rc = scenario(s, sc)
    except gm_harness.StartError as err:
        print("FAIL: seald did not start:\n" + err.log[-6000:])
    finally:
        status = s.stop()
        if status not in (0, None):
            print("FAIL: seald exited with status %s" % status)
            rc = 1
        if rc:
            print(s.log_text()[-5000:])
    return rc


def scenario(s, sc):
    check = e.check
    s.add_user("alice", e.PASSWORDS["alice"], [e.ALICE])
    s.add_user("bob", e.PASSWORDS["bob"], [e.BOB])
    s.add_client(client_id=e.PUBLIC, type="public", name="seal-client",
                 redirect_uris=["http://127.0.0.1/callback"],
                 grant_types=["authorization_code", "refresh_token"],
                 scopes=["openid", "seal.km", "seal.gm"])
    secret = s.add_client(client_id=e.VAL_SERVER, type="confidential", name="a VAL server",
                          grant_types=["client_credentials"], scopes=["seal.gm"])["client_secret"]

    def home(user):
        d = os.path.join(s.tmp, "home-" + user)
        os.makedirs(d, mode=0o700, exist_ok=True)
        return d

    def run_sc(user, *args, stdin=None):
        env = dict(os.environ, XDG_CONFIG_HOME=home(user), SEAL_CACERT=s.certs["ca"][1],
                   SEAL_ISSUER=s.issuer, SEAL_CLIENT_ID=e.PUBLIC, SEAL_GM_URL=s.issuer)
        for k in ("SEAL_KMS_URL", "SEAL_GMS_URI"):
            env.pop(k, None)
        p = subprocess.run(sc + list(args), env=env, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    def keyfile(user):
        with open(os.path.join(home(user), "seal", "keys.json")) as f:
            return json.load(f)

    def login_and_keys(user):
        rc, _, err = run_sc(user, "-s", "openid seal.km seal.gm", "-u", user,
                            "--password-file", "-", "login", stdin=e.PASSWORDS[user] + "\n")
        rc2, out, err2 = run_sc(user, "keys") if rc == 0 else (1, "", "")
        return check("%s logs in and fetches key material" % user, rc == 0 and rc2 == 0,
                     err + out + err2)

    def gmk_blocks(user, *extra):
        rc, out, err = run_sc(user, "gmk", "--gms", e.GMS_URI, *extra)
        return rc, fs.parse_gmk_output(out), out + err

    def wait_gmk(user, not_ids=(), timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            rc, blocks, _ = gmk_blocks(user, "--keep")
            new = [b for b in blocks if b.get("gmk-id") not in not_ids]
            if rc == 0 and new:
                return new
            time.sleep(0.3)
        return []

    # ---- 1. alice under certificate 1 ----
    if not login_and_keys("alice"):
        return 1
    k = keyfile("alice")
    check("alice's key file holds certificate 1 and no previous generation",
          k["kms_certificate"]["cert_uri"].endswith("/cert/1") and "previous" not in k,
          k.get("kms_certificate"))

    # ---- 2. a GMK for alice under certificate 1 ----
    idm = s.connection()
    r = gm_harness.form_request(idm, "POST", "/oidc/v1/token",
                                {"grant_type": "client_credentials", "scope": "seal.gm"},
                                {"Authorization": gm_harness.basic_auth(e.VAL_SERVER, secret)})
    idm.close()
    vs = {"Authorization": "Bearer " + r.json()["access_token"]}
    conn = s.connection()
    doc = {"valGroupId": "rollover-group", "members": [{"valUserId": e.ALICE}]}
    r = gm_harness.request(conn, "POST", "/ss-gm/v1/group-documents", doc, vs)
    if not check("ss-gm creates the group with alice", r.status == 201, r):
        return 1
    gid = r.headers["location"].rstrip("/").rsplit("/", 1)[-1]
    first = wait_gmk("alice")
    if not check("the first GMK reaches alice (certificate 1)", len(first) == 1, first):
        return 1
    gmk1 = first[0]["gmk-id"]
    rc, tok, _ = run_sc("alice", "token")
    c = s.connection()
    r = gm_harness.request(c, "GET", "/gm-uu/v1/gmk-messages", None,
                           {"Authorization": "Bearer " + tok.strip()})
    c.close()
    msgs = r.json()["messages"] if r.status == 200 else []
    m1 = os.path.join(s.tmp, "gmk1.bin")
    with open(m1, "wb") as f:
        f.write(base64.b64decode(msgs[0]["iMessage"]) if msgs else b"")

    # ---- 3. the rollover: certificate 2, certificate 1 kept as previous ----
    end = time.time() + LIFETIME + 60
    while time.time() < end:
        rc, out, err = run_sc("alice", "keys")
        if rc == 0 and keyfile("alice")["kms_certificate"]["cert_uri"].endswith("/cert/2"):
            break
        time.sleep(1)
    k = keyfile("alice")
    prev = k.get("previous", {})
    if not check("after the lifetime alice's keys come under certificate 2",
                 k["kms_certificate"]["cert_uri"].endswith("/cert/2"), k["kms_certificate"]):
        return 1
    check("certificate 1 and its key sets are kept as the previous generation",
          prev.get("kms_certificate", {}).get("cert_uri", "").endswith("/cert/1") and
          any(x["user_uri"] == e.ALICE for x in prev.get("key_sets", [])), prev.keys())
    overlap_end = prev.get("kms_certificate", {}).get("valid_to", 0)
    check("the previous generation ends with the overlap (the cache's ValidTo)",
          time.time() < overlap_end <= time.time() + OVERLAP + 2, overlap_end)
    check("the current key sets are new ones",
          all(x["ssk"] not in {y["ssk"] for y in prev.get("key_sets", [])}
              for x in k["key_sets"]))

    # ---- 4. the GMK made before the rollover still opens ----
    rc, blocks, out = gmk_blocks("alice", "--keep")
    check("alice opens the GMK made under certificate 1 (previous generation)",
          rc == 0 and [b["gmk-id"] for b in blocks] == [gmk1], out)

    # ---- 5. bob joins under certificate 2: a new GMK for both ----
    if not login_and_keys("bob"):
        return 1
    check("bob's key file has certificate 2 only",
          keyfile("bob")["kms_certificate"]["cert_uri"].endswith("/cert/2") and
          "previous" not in keyfile("bob"))
    doc = {"valGroupId": "rollover-group",
           "members": [{"valUserId": e.ALICE}, {"valUserId": e.BOB}]}
    r = gm_harness.request(conn, "PUT", "/ss-gm/v1/group-documents/" + gid, doc, vs)
    check("ss-gm adds bob (PUT)", r.status == 200, r)
    conn.close()
    b_new = wait_gmk("bob")
    a_new = wait_gmk("alice", not_ids=(gmk1,))
    check("the new GMK reaches bob, who holds only certificate 2",
          len(b_new) == 1 and b_new[0]["gmk-id"] != gmk1, b_new)
    check("and alice, with the same GMK-ID",
          len(a_new) == 1 and b_new and a_new[0]["gmk-id"] == b_new[0]["gmk-id"], a_new)

    # ---- 6. after the overlap: certificate 1 is gone ----
    while time.time() < overlap_end + 1:
        time.sleep(0.5)
    rc, blocks, out = gmk_blocks("alice", "--file", m1)
    check("after the overlap the message made under certificate 1 is refused",
          rc == 5 and not blocks, out)
    rc, out, err = run_sc("alice", "keys")
    check("and seal-client keys drops the previous generation",
          rc == 0 and "previous" not in keyfile("alice"), err + out)
    print("%d failed" % e.fails)
    return 1 if e.fails else 0


if __name__ == "__main__":
    sys.exit(main())
