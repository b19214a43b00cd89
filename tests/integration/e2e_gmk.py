# SPDX-License-Identifier: Apache-2.0
"""Issue 5, first "Must show", end to end through a real seald over HTTPS
(store_sqlite, im, im_uu, authz_jwt, km, km_uu, seal_x1, gm with group master
keys, seal_s, gm_uu):

  1. alice and bob log in at the IdM (seal-client login, no browser) with
     the scopes openid seal.km seal.gm;
  2. they fetch their key material over KM-UU (seal-client keys): the KMS
     certificate and the key sets of the current and next key period,
     validated by the client and stored with mode 0600;
  3. a VAL server (client_credentials token, scope seal.gm) creates a group
     with both over ss-gm (TS 29.549 SS_GroupManagement);
  4. both receive the GMK over GM-UU (seal-client gmk: signature, KMS
     identities, GMS identity, SAKKE) and derive the same SRTP master key
     and salt for a member's media (TS 33.180 7.4.2: GMK, GUK-ID of the
     sender, the RAND of the GMK's messages, CS-ID 4);
  5. the VAL server removes bob (PUT); a new GMK reaches alice, and bob
     cannot decrypt it: he has no message for it, and the message addressed
     to alice does not decapsulate with bob's RSK (nor is it accepted by
     seal-client with bob's key file).

TS 33.180 7.4.2 makes the SRTP keys of a member's media a function of the
GMK, that member's GUK-ID and the RAND "transmitted in the MIKEY message
used to distribute the GMK": members can only derive each other's keys when
the GMS puts one RAND in all the I_MESSAGEs of a GMK. Step 4 checks it.

Two layouts: one seald serving everything (SEAL-X1 in process), and, with
--split (tests/integration/e2e_gmk_split.py), two seald processes: the IdM
and the KMS in one, the GMS in the other (authz_jwt trusting the first's
issuer; SEAL-X1 remote: the GMS's key material over the first's KM-UU with a
client_credentials token). seal-client then talks to both.

Runs only when every plugin above is built (else SKIP, naming what is
missing). SEAL_CLIENT_WRAPPER runs seal-client under a tool (valgrind)."""
import base64
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness  # noqa: E402
import kmclient_fakesrv as fs  # noqa: E402

SKIP = 77
KMS_URI = "kms.example.org"
GMS_URI = "sip:gms@example.org"
ALICE, BOB = "sip:alice@example.org", "sip:bob@example.org"
PASSWORDS = {"alice": "alice's long password 1", "bob": "bob's long password 22"}
PUBLIC, VAL_SERVER = "seal-ue", "val-server-1"
EXTRA_PLUGINS = (("plugins/auth/authz_jwt", "authz_jwt"), ("plugins/services/km", "km"),
                 ("plugins/refpoints/km_uu", "km_uu"), ("plugins/refpoints/seal_x1", "seal_x1"),
                 ("plugins/services/gm", "gm"), ("plugins/refpoints/seal_s", "seal_s"),
                 ("plugins/refpoints/gm_uu", "gm_uu"))

fails = 0


def check(name, cond, detail=""):
    global fails
    if cond:
        print("PASS " + name)
    else:
        fails += 1
        print("FAIL " + name + (("\n     " + str(detail).replace("\n", "\n     "))
                                if detail else ""))
    return cond


def plugin_dirs(top):
    """(the names of EXTRA_PLUGINS not built, their .libs directories)."""
    missing, dirs = [], []
    for sub, name in EXTRA_PLUGINS:
        d = os.path.join(top, sub, ".libs")
        if not os.path.exists(os.path.join(d, name + ".so")):
            missing.append(name)
        dirs.append(d)
    return missing, dirs


class E2ESeald(gm_harness.ImSeald):
    """ImSeald (store_sqlite, im, im_uu) plus authz_jwt trusting this
    server's issuer and the KMS (km, km_uu); with gms, also SEAL-X1 in
    process, gm with GMKs, ss-gm and GM-UU."""

    def __init__(self, dirs, gms=True, km_uu_conf=None):
        super().__init__(authz_conf={})
        self.gms = gms
        self.km_uu_conf = km_uu_conf or {}
        for d in dirs:
            if d not in self.plugin_dirs:
                self.plugin_dirs.append(d)

    def config(self, port):
        c = super().config(port)
        issuer = "https://127.0.0.1:%d" % port
        p = c["plugins"]
        p["authz_jwt"] = {"issuers": [{"issuer": issuer, "jwks_uri": issuer + "/oidc/v1/jwks",
                                       "ca_file": self.certs["ca"][1]}], "jwks_wait_ms": 10000}
        p["km"] = {"kms_uri": KMS_URI, "master_key_file": os.path.join(self.tmp, "km.kek"),
                   "clients": {"gms": [GMS_URI]}}
        p["km_uu"] = dict(self.km_uu_conf)
        if self.gms:
            p["seal_x1"] = {"gms_uri": GMS_URI, "mode": "in-process"}
            gms_plugins(p, self.tmp)
        return c


def gms_plugins(p, tmp):
    p["gm"] = {"gmk": {"kek_file": os.path.join(tmp, "gm-gmk.kek"), "workers": 2,
                       "retry_s": 1}}
    p["seal_s"] = {}
    p["gm_uu"] = {}


class GmsSeald(gm_harness.ImSeald):
    """The GMS alone (store_sqlite, authz_jwt, seal_x1 remote, gm, seal_s,
    gm_uu), with the certificates of the IdM/KMS seald idm."""

    def __init__(self, dirs, idm, secret_file):
        super().__init__(authz_conf={})
        self.certs = idm.certs
        self.idm = idm
        self.secret_file = secret_file
        for d in dirs:
            if d not in self.plugin_dirs:
                self.plugin_dirs.append(d)

    def config(self, port):
        c = super().config(port)
        iss = self.idm.issuer
        ca = self.certs["ca"][1]
        p = {"store_sqlite": c["plugins"]["store_sqlite"],
             "authz_jwt": {"issuers": [{"issuer": iss, "jwks_uri": iss + "/oidc/v1/jwks",
                                        "ca_file": ca}], "jwks_wait_ms": 10000},
             "seal_x1": {"gms_uri": GMS_URI, "mode": "remote", "kms_url": iss,
                         "token_url": iss + "/oidc/v1/token", "client_id": "gms",
                         "client_secret_file": self.secret_file, "ca_file": ca}}
        gms_plugins(p, self.tmp)
        c["plugins"] = p
        return c


def main(split=False):
    top = os.environ.get("top_builddir")
    if not top or not os.environ.get("SEALD"):
        print("SKIP: run through make check")
        return SKIP
    missing, dirs = plugin_dirs(top)
    if missing:
        print("SKIP: plugins not built: " + ", ".join(missing))
        return SKIP
    sc = [os.path.join(top, "client", "seal-client")]
    fixture = os.path.join(top, "client", "tests", "kmc_fixture")
    if not os.access(sc[0], os.X_OK) or not os.access(fixture, os.X_OK):
        print("SKIP: seal-client or client/tests/kmc_fixture is not built")
        return SKIP
    sc = os.environ.get("SEAL_CLIENT_WRAPPER", "").split() + sc
    s = E2ESeald(dirs, gms=not split)
    servers = [s]
    rc = 1
    try:
        s.start()
        gms = s
        if split:
            # the GMS's own OAuth client at the IdM, entitled to its URI at the KMS
            out = s.add_client(client_id="gms", type="confidential", name="the GMS",
                               grant_types=["client_credentials"], scopes=["seal.km"])
            secret_file = os.path.join(s.tmp, "gms.secret")
            fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(out["client_secret"] + "\n")
            gms = GmsSeald(dirs, s, secret_file)
            servers.append(gms)
            gms.start()
        rc = scenario(s, gms, sc, fixture)
    except gm_harness.StartError as e:
        print("FAIL: seald did not start:\n" + e.log[-6000:])
        rc = 1
    finally:
        for srv in reversed(servers):
            status = srv.stop()
            if status not in (0, None):
                print("FAIL: seald exited with status %s\n%s" % (status,
                                                                 srv.log_text()[-4000:]))
                rc = rc or 1
    for srv in servers:
        logs = srv.log_text() + srv.access_log_text()
        for who, pw in PASSWORDS.items():
            if pw in logs:
                print("FAIL: seald's logs contain %s's password" % who)
                rc = rc or 1
    return rc


def scenario(s, gms, sc, fixture):
    """s: the IdM and KMS; gms: the GMS (s itself, or another seald)."""
    tmp = s.tmp
    gm_url = "https://127.0.0.1:%d" % gms.port
    # ---- the IdM: two users, the UE client, a VAL server ----
    s.add_user("alice", PASSWORDS["alice"], [ALICE])
    s.add_user("bob", PASSWORDS["bob"], [BOB])
    s.add_client(client_id=PUBLIC, type="public", name="seal-client",
                 redirect_uris=["http://127.0.0.1/callback"],
                 grant_types=["authorization_code", "refresh_token"],
                 scopes=["openid", "seal.km", "seal.gm"])
    secret = s.add_client(client_id=VAL_SERVER, type="confidential", name="a VAL server",
                          grant_types=["client_credentials"], scopes=["seal.gm"])["client_secret"]

    def cfg(user):
        d = os.path.join(tmp, "home-" + user)
        os.makedirs(d, mode=0o700, exist_ok=True)
        return d

    def run_sc(user, *args, stdin=None):
        env = dict(os.environ, XDG_CONFIG_HOME=cfg(user), SEAL_CACERT=s.certs["ca"][1],
                   SEAL_ISSUER=s.issuer, SEAL_CLIENT_ID=PUBLIC, SEAL_GM_URL=gm_url)
        for k in ("SEAL_KMS_URL", "SEAL_GMS_URI"):
            env.pop(k, None)
        p = subprocess.run(sc + list(args), env=env, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    # ---- 1. log in ----
    for user in ("alice", "bob"):
        rc, _, err = run_sc(user, "-s", "openid seal.km seal.gm", "-u", user,
                            "--password-file", "-", "login", stdin=PASSWORDS[user] + "\n")
        if not check("%s logs in (IdM, code flow with PKCE)" % user, rc == 0, err):
            return 1

    # ---- 2. key material over KM-UU ----
    keyfiles = {}
    for user, uri in (("alice", ALICE), ("bob", BOB)):
        rc, out, err = run_sc(user, "keys")
        ok = check("%s fetches key material (KM-UU)" % user, rc == 0, err + out)
        path = os.path.join(cfg(user), "seal", "keys.json")
        keyfiles[user] = path
        if not ok:
            return 1
        k = json.load(open(path))
        periods = sorted(x["key_period_no"] for x in k["key_sets"] if x["user_uri"] == uri)
        check("%s: key sets of the current and next period, for %s only" % (user, uri),
              len(periods) == 2 and periods[1] == periods[0] + 1 and
              all(x["user_uri"] == uri for x in k["key_sets"]), repr(k["key_sets"]))
        check("%s: the key file has mode 0600" % user,
              stat.S_IMODE(os.stat(path).st_mode) == 0o600)
        check("%s: the KMS certificate names %s" % (user, KMS_URI),
              k["kms_certificate"]["kms_uri"] == KMS_URI)
    rc, _, err = run_sc("alice", "keys", "--identity", BOB)
    check("alice may not fetch bob's key material", rc != 0 and "not entitled" in err, err)
    rc, _, err = run_sc("alice-gm-only", "-s", "openid seal.gm", "-u", "alice",
                        "--password-file", "-", "login", stdin=PASSWORDS["alice"] + "\n")
    rc2, _, err2 = run_sc("alice-gm-only", "keys")
    check("a login without the scope seal.km gets no key material",
          rc == 0 and rc2 != 0 and "403" in err2 and
          not os.path.exists(os.path.join(cfg("alice-gm-only"), "seal", "keys.json")),
          err + err2)

    # ---- 3. the VAL server puts alice and bob in a group ----
    idm = s.connection()
    r = gm_harness.form_request(idm, "POST", "/oidc/v1/token",
                                {"grant_type": "client_credentials", "scope": "seal.gm"},
                                {"Authorization": gm_harness.basic_auth(VAL_SERVER, secret)})
    idm.close()
    if not check("the VAL server gets a seal.gm token", r.status == 200, r):
        return 1
    conn = gms.connection()
    vs = {"Authorization": "Bearer " + r.json()["access_token"]}
    doc = {"valGroupId": "e2e-group-1", "members": [{"valUserId": ALICE}, {"valUserId": BOB}]}
    r = gm_harness.request(conn, "POST", "/ss-gm/v1/group-documents", doc, vs)
    if not check("ss-gm creates the group with alice and bob", r.status == 201, r):
        return 1
    loc = r.headers.get("location", "")
    gid = urllib.parse.urlsplit(loc).path.rstrip("/").rsplit("/", 1)[-1]

    def pending(user):
        """The GM-UU list of user (raw), with user's access token."""
        rc, tok, err = run_sc(user, "token")
        c = gms.connection()
        try:
            r = gm_harness.request(c, "GET", "/gm-uu/v1/gmk-messages", None,
                                   {"Authorization": "Bearer " + tok.strip()})
        finally:
            c.close()
        if r.status != 200:
            return None
        body = r.json()
        return body["messages"] if isinstance(body, dict) else body

    def wait_for(user, not_gmk_ids=(), timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            msgs = pending(user) or []
            if msgs:
                rc, out, err = run_sc(user, "gmk", "--gms", GMS_URI, "--keep")
                blocks = fs.parse_gmk_output(out)
                if blocks and all(b.get("gmk-id") not in not_gmk_ids for b in blocks):
                    return msgs
            time.sleep(0.3)
        return None

    # ---- 4. both receive the GMK and derive the same SRTP keys ----
    a_msgs = wait_for("alice")
    b_msgs = wait_for("bob")
    if not check("the GMK reaches alice and bob over GM-UU", a_msgs and b_msgs,
                 repr((a_msgs, b_msgs))):
        return 1
    rc, aout, err = run_sc("alice", "gmk", "--gms", GMS_URI)
    check("alice: seal-client gmk accepts her message (exit 0)", rc == 0, err)
    rc, bout, err2 = run_sc("bob", "gmk", "--gms", GMS_URI, "--sender", ALICE)
    check("bob: seal-client gmk accepts his message (exit 0)", rc == 0, err2)
    a = fs.parse_gmk_output(aout)
    b = fs.parse_gmk_output(bout)
    if not check("one GMK each", len(a) == 1 and len(b) == 1, aout + bout):
        return 1
    a, b = a[0], b[0]
    gmk1 = a["gmk-id"]
    check("the same GMK-ID for alice and bob", a["gmk-id"] == b["gmk-id"], (a, b))
    check("the messages come from the GMS, to each member",
          a["gms"] == b["gms"] == GMS_URI and a["identity"] == ALICE and b["identity"] == BOB)
    check("bob derives alice's GUK-ID", b["sender-guk-id"] == a["guk-id"], (a, b))
    ra = base64.b64decode(a_msgs[0]["iMessage"])
    rb = base64.b64decode(b_msgs[0]["iMessage"])
    check("one RAND in all the I_MESSAGEs of a GMK (TS 33.180 7.4.2)",
          rand_of(ra) == rand_of(rb), (rand_of(ra).hex(), rand_of(rb).hex()))
    check("alice and bob derive the same SRTP master key and salt for alice's media",
          a["srtp-master-key"] == b["srtp-master-key"] and
          a["srtp-master-salt"] == b["srtp-master-salt"], (a, b))
    check("messages acknowledged: none pending", pending("alice") == [] and pending("bob") == [])

    # ---- 5. bob is removed: a new GMK for alice only ----
    doc = {"valGroupId": "e2e-group-1", "members": [{"valUserId": ALICE}]}
    r = gm_harness.request(conn, "PUT", "/ss-gm/v1/group-documents/" + gid, doc, vs)
    check("ss-gm removes bob (PUT)", r.status == 200, r)
    a_msgs = wait_for("alice", not_gmk_ids=(gmk1,))
    if not check("a new GMK reaches alice", a_msgs, a_msgs):
        return 1
    m2 = os.path.join(tmp, "alice-gmk2.bin")
    with open(m2, "wb") as f:
        f.write(base64.b64decode(a_msgs[0]["iMessage"]))
    rc, aout, err = run_sc("alice", "gmk", "--gms", GMS_URI)
    a2 = fs.parse_gmk_output(aout)
    check("alice accepts the new GMK", rc == 0 and len(a2) == 1 and a2[0]["gmk-id"] != gmk1,
          aout + err)
    rc, bout, err = run_sc("bob", "gmk", "--gms", GMS_URI)
    check("bob has no message for it", rc == 0 and bout == "" and pending("bob") == [],
          bout + err)
    rc, tok, _ = run_sc("bob", "token")
    r = gm_harness.request(conn, "GET", "/gm-uu/v1/gmk-messages?valUserId=" +
                           urllib.parse.quote(ALICE, safe=""), None,
                           {"Authorization": "Bearer " + tok.strip()})
    check("bob may not list alice's messages (403)", r.status == 403, r)
    p = subprocess.run([fixture, "decap", keyfiles["alice"], ALICE, m2], stdout=subprocess.PIPE,
                       text=True)
    check("alice's RSK decapsulates her message (control)",
          p.returncode == 0 and a2 and a2[0]["gmk-id"] in p.stdout, p.stdout)
    p = subprocess.run([fixture, "decap", keyfiles["bob"], BOB, m2], stdout=subprocess.PIPE,
                       text=True)
    check("bob's RSK does not decapsulate alice's message", p.returncode == 1 and
          "SAKKE" in p.stdout, p.stdout)
    rc, _, err = run_sc("bob", "gmk", "--gms", GMS_URI, "--file", m2)
    check("seal-client refuses alice's message with bob's key file", rc == 5, err)
    conn.close()
    print("%d failed" % fails)
    return 1 if fails else 0


def rand_of(msg):
    """The RAND payload of a GMK I_MESSAGE (RFC 3830 6.11): the common
    header (10 octets with #CS 0 and the empty map of RFC 4563, as the GMS
    sends it), T (next payload, TS type 0, 8 octets), then RAND (next
    payload, length, RAND)."""
    if len(msg) < 40 or msg[2] != 5 or msg[8] != 0 or msg[10] != 11 or msg[11] != 0:
        raise ValueError("not the I_MESSAGE layout of the GMS: %s" % msg[:24].hex())
    n = msg[21]
    return msg[22:22 + n]


if __name__ == "__main__":
    if not shutil.which("certtool"):
        print("SKIP: certtool (gnutls-bin) is needed")
        sys.exit(SKIP)
    sys.exit(main(split="--split" in sys.argv[1:]))
