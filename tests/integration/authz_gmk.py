# SPDX-License-Identifier: Apache-2.0
"""A user cannot obtain the group master key of a group that its owner did
not put them in: end to end with seal-client, through one real seald over
HTTPS (im, im_uu, authz_jwt, km, km_uu, seal_x1, gm with GMKs, seal_s,
gm_uu).

vs-a (a VAL server, client_credentials token) creates group "ops" with
alice. mallory, a VAL user with the same UE client and scopes as alice,
then tries every way in that the model (doc/authorization.md) closes:
  - with her own token: create a group, list groups, read, PATCH herself
    into vs-a's group, PUT a document with herself, delete it;
  - through vs-b, another VAL server (client certificate) that is
    friendly to her: read, PATCH, PUT or delete vs-a's group, list it;
    vs-b may create its own "ops" with mallory, which gives her that
    group's key and no other;
  - through a certificate of the same CA that seald.conf does not list;
  - over GM-UU: alice's messages, by query or by acknowledging them.
seal-client gmk then opens alice's GMK for alice, and mallory's run gets
only vs-b's group key (another GMK-ID, another group)."""
import os
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import e2e_gmk  # noqa: E402
import kmclient_fakesrv as fs  # noqa: E402
from authz_matrix import cert_dn, messages  # noqa: E402

SKIP = 77
ALICE, MALLORY = "sip:alice@example.org", "sip:mallory@example.org"
PW = {"alice": "alice's long password 1", "mallory": "mallory's long password 2"}
PUBLIC = "seal-ue"
GM = "/ss-gm/v1/group-documents"
GMUU = "/gm-uu/v1/gmk-messages"
check = e2e_gmk.check


class GmkAuthzSeald(e2e_gmk.E2ESeald):
    def __init__(self, dirs):
        super().__init__(dirs)
        h.im_add_client_cert(self.certs, self.tmp, "vsb", "val-server-b")
        h.im_add_client_cert(self.certs, self.tmp, "stranger", "stranger")

    def config(self, port):
        c = super().config(port)

        def cert(name):
            pem = self.certs[name][1]
            return {"subject": cert_dn(pem, "Subject"), "issuer": cert_dn(pem, "Issuer")}
        c["principals"] = [
            {"name": "operator", "certificate": cert("admin"), "roles": ["operator"]},
            {"name": "vs-b", "certificate": cert("vsb"), "roles": ["val_server"],
             "scopes": ["seal.gm"]},
        ]
        return c


def main():
    top = os.environ.get("top_builddir")
    if not top or not os.environ.get("SEALD"):
        print("SKIP: run through make check")
        return SKIP
    missing, dirs = e2e_gmk.plugin_dirs(top)
    sc = [os.path.join(top, "client", "seal-client")]
    if not os.access(sc[0], os.X_OK):
        missing.append("seal-client")
    if missing:
        print("SKIP: not built: " + ", ".join(missing))
        return SKIP
    sc = os.environ.get("SEAL_CLIENT_WRAPPER", "").split() + sc
    s = GmkAuthzSeald(dirs)
    rc = 1
    try:
        s.start()
        scenario(s, sc)
        rc = 1 if e2e_gmk.fails else 0
    except h.StartError as e:
        print("FAIL: seald did not start:\n" + e.log[-6000:])
    finally:
        status = s.stop()
        if status not in (0, None):
            print("FAIL: seald exited with status %s\n%s" % (status, s.log_text()[-4000:]))
            rc = 1
    print("%d failed" % e2e_gmk.fails)
    return rc


def scenario(s, sc):
    tmp = s.tmp
    s.add_user("alice", PW["alice"], [ALICE])
    s.add_user("mallory", PW["mallory"], [MALLORY])
    s.add_client(client_id=PUBLIC, type="public", name="seal-client",
                 redirect_uris=["http://127.0.0.1/callback"],
                 grant_types=["authorization_code", "refresh_token"],
                 scopes=["openid", "seal.km", "seal.gm"])
    secret = s.add_client(client_id="vs-a", type="confidential", name="VAL server A",
                          grant_types=["client_credentials"],
                          scopes=["seal.gm"])["client_secret"]

    def run_sc(user, *args, stdin=None):
        home = os.path.join(tmp, "home-" + user)
        os.makedirs(home, mode=0o700, exist_ok=True)
        env = dict(os.environ, XDG_CONFIG_HOME=home, SEAL_CACERT=s.certs["ca"][1],
                   SEAL_ISSUER=s.issuer, SEAL_CLIENT_ID=PUBLIC, SEAL_GM_URL=s.issuer)
        for k in ("SEAL_KMS_URL", "SEAL_GMS_URI"):
            env.pop(k, None)
        p = subprocess.run(sc + list(args), env=env, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    for user in ("alice", "mallory"):
        rc, _, err = run_sc(user, "-s", "openid seal.km seal.gm", "-u", user,
                            "--password-file", "-", "login", stdin=PW[user] + "\n")
        if not check("%s logs in with the UE client (openid seal.km seal.gm)" % user,
                     rc == 0, err):
            return
        rc, out, err = run_sc(user, "keys")
        if not check("%s fetches her key material (KM-UU)" % user, rc == 0, err + out):
            return

    def call(method, path, body=None, token=None, cert=None, headers=None):
        conn = s.connection(client_cert=cert is not None, cert_name=cert or "client")
        hd = dict(headers or {})
        if token:
            hd["Authorization"] = "Bearer " + token
        try:
            return h.request(conn, method, path, body, hd)
        finally:
            conn.close()

    def user_token(user):
        rc, tok, err = run_sc(user, "token")
        assert rc == 0, err
        return tok.strip()

    conn = s.connection()
    r = h.form_request(conn, "POST", "/oidc/v1/token",
                       {"grant_type": "client_credentials", "scope": "seal.gm"},
                       {"Authorization": h.basic_auth("vs-a", secret)})
    conn.close()
    vsa = r.json()["access_token"]
    r = call("POST", GM, {"valGroupId": "ops", "members": [{"valUserId": ALICE}]}, token=vsa)
    if not check("vs-a creates group ops with alice", r.status == 201, r):
        return
    ga = urllib.parse.urlsplit(r.headers["location"]).path.rsplit("/", 1)[-1]
    path_a = GM + "/" + ga
    with_mallory = {"valGroupId": "ops",
                    "members": [{"valUserId": ALICE}, {"valUserId": MALLORY}]}
    patch = {"members": [{"valUserId": ALICE}, {"valUserId": MALLORY}]}
    mp = {"Content-Type": "application/merge-patch+json"}

    # ---- mallory's own token ----
    mt = user_token("mallory")
    attempts = [
        ("create a group with herself", "POST", GM,
         {"valGroupId": "mine", "members": [{"valUserId": MALLORY}]}, None),
        ("list the groups", "GET", GM, None, None),
        ("read vs-a's group", "GET", path_a, None, None),
        ("PATCH herself into vs-a's group", "PATCH", path_a, patch, mp),
        ("PUT vs-a's group with herself", "PUT", path_a, with_mallory, None),
        ("delete vs-a's group", "DELETE", path_a, None, None),
    ]
    for what, method, path, body, hd in attempts:
        r = call(method, path, body, token=mt, headers=hd)
        check("mallory's token may not %s (403)" % what, r.status == 403, r)

    # ---- a friendly VAL server, and an unlisted certificate ----
    for what, method, path, body, hd in attempts[2:]:
        r = call(method, path, body, cert="vsb", headers=hd)
        check("vs-b may not %s (404, as if absent)" % what.replace("herself", "mallory"),
              r.status == 404, r)
        r = call(method, path, body, cert="stranger", headers=hd)
        check("an unlisted certificate may not %s (403)" % what.replace("herself", "mallory"),
              r.status == 403, r)
    r = call("GET", GM, cert="vsb")
    check("vs-b's list does not show vs-a's group",
          r.status == 200 and all(ga not in d.get("resUri", "") for d in r.json()), r)
    r = call("POST", GM, {"valGroupId": "ops", "members": [{"valUserId": MALLORY}]},
             cert="vsb")
    if not check("vs-b creates its own group ops with mallory (its own name space)",
                 r.status == 201, r):
        return
    gb = urllib.parse.urlsplit(r.headers["location"]).path.rsplit("/", 1)[-1]
    r = call("GET", path_a, token=vsa)
    check("vs-a's group still holds alice alone",
          r.status == 200 and r.json()["members"] == [{"valUserId": ALICE}], r)

    # ---- the keys: each member gets their own group's GMK only ----
    def wait_pending(user, timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            r = call("GET", GMUU, token=user_token(user))
            if r.status == 200 and messages(r):
                return messages(r)
            time.sleep(0.3)
        return None

    a_msgs = wait_pending("alice")
    m_msgs = wait_pending("mallory")
    if not check("the GMKs of both groups are out", a_msgs and m_msgs, (a_msgs, m_msgs)):
        return
    check("alice's messages are of vs-a's group",
          all(m["groupDocId"] == ga for m in a_msgs), a_msgs)
    check("mallory's messages are of vs-b's group only",
          all(m["groupDocId"] == gb for m in m_msgs), m_msgs)
    r = call("GET", GMUU + "?valUserId=" + urllib.parse.quote(ALICE, safe=""),
             token=user_token("mallory"))
    check("mallory may not list alice's messages (403)", r.status == 403, r)
    r = call("DELETE", GMUU + "/" + a_msgs[0]["id"], token=user_token("mallory"))
    check("mallory may not acknowledge alice's message (404)", r.status == 404, r)

    rc, aout, err = run_sc("alice", "gmk", "--gms", e2e_gmk.GMS_URI)
    a = fs.parse_gmk_output(aout)
    check("alice opens the GMK of ops (seal-client gmk)", rc == 0 and len(a) == 1, aout + err)
    rc, mout, err = run_sc("mallory", "gmk", "--gms", e2e_gmk.GMS_URI)
    m = fs.parse_gmk_output(mout)
    check("mallory's seal-client gmk opens one GMK", rc == 0 and len(m) == 1, mout + err)
    if a and m:
        check("mallory's GMK is not alice's (another GMK-ID)",
              a[0]["gmk-id"] != m[0]["gmk-id"], (a, m))
    rc, mout, err = run_sc("mallory", "gmk", "--gms", e2e_gmk.GMS_URI)
    check("nothing more for mallory", rc == 0 and mout == "", mout + err)


if __name__ == "__main__":
    if not shutil.which("certtool"):
        print("SKIP: certtool (gnutls-bin) is needed")
        sys.exit(SKIP)
    sys.exit(main())
