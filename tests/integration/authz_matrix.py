# SPDX-License-Identifier: Apache-2.0
"""The authorization model (doc/authorization.md) over every SEAL-S, GM-UU,
KM-UU and administration route, through one real seald over HTTPS (im,
im_uu, authz_jwt, km, km_uu, seal_x1 in process, gm with group master
keys, seal_s, gm_uu, store_sqlite on disk).

The principals:
  vs-a      a VAL server by its client_credentials token
  vs-b      a VAL server by its client certificate (seald.conf principals)
  vs-admin  a VAL server whose client the configuration makes group_admin
  alice     a VAL user (token of the UE's public client), in vs-a's group
  mallory   a VAL user, in vs-b's group only
  stranger  a client certificate from the configured CA that principals
            does not list
  operator  the administrator's certificate (role operator)
  anonymous no credentials

Each cell is one request; the expected status is what the model says. Both
VAL servers own a group called "g1"; after every attempt of the others,
each owner still reads, changes and deletes its own."""
import os
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import e2e_gmk  # noqa: E402
import km_harness as k  # noqa: E402
import openapi_check as OC  # noqa: E402

SKIP = 77
ALICE, MALLORY = "sip:alice@example.org", "sip:mallory@example.org"
VSA_URI, VSB_URI = "sip:vs-a@example.org", "sip:vs-b@example.org"
PW = {"alice": "alice's long password 1", "mallory": "mallory's long password 2"}
GM = "/ss-gm/v1/group-documents"
KIR = "/ss-kir/v1/key-records"
GMUU = "/gm-uu/v1/gmk-messages"
KMUU = "/keymanagement/identity/v1"
YAMLS = {"ss-gm": "TS29549_SS_GroupManagement.yaml",
         "ss-kir": "TS29549_SS_KeyInfoRetrieval.yaml"}

check = e2e_gmk.check


def messages(r):
    """The GM-UU list's messages (doc/gm-uu.md)."""
    body = r.json()
    return body["messages"] if isinstance(body, dict) else body


def cert_dn(cert, field):
    """Subject or Issuer of a certificate as GnuTLS prints it."""
    out = subprocess.run([shutil.which("certtool"), "-i", "--infile", cert], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    for line in out.splitlines():
        line = line.strip()
        if line.startswith(field + ":"):
            return line[len(field) + 1:].strip()
    raise RuntimeError("no %s in %s" % (field, cert))


class MatrixSeald(e2e_gmk.E2ESeald):
    """Everything in one seald, with the principals table of this test."""

    def __init__(self, dirs):
        super().__init__(dirs)
        h.im_add_client_cert(self.certs, self.tmp, "vsb", "val-server-b")
        h.im_add_client_cert(self.certs, self.tmp, "stranger", "stranger")

    def principal(self, name, cert, roles, scopes=None):
        p = {"name": name, "roles": roles,
             "certificate": {"subject": cert_dn(self.certs[cert][1], "Subject"),
                             "issuer": cert_dn(self.certs[cert][1], "Issuer")}}
        if scopes:
            p["scopes"] = scopes
        return p

    def config(self, port):
        c = super().config(port)
        c["principals"] = [
            self.principal("operator", "admin", ["operator"]),
            self.principal("vs-b", "vsb", ["val_server"], ["seal.gm", "seal.km"]),
            {"client": "vs-admin", "roles": ["group_admin"]},
        ]
        c["plugins"]["km"]["clients"] = {"gms": [e2e_gmk.GMS_URI], "vs-a": [VSA_URI, ALICE]}
        c["plugins"]["km"]["certs"] = {cert_dn(self.certs["vsb"][1], "Subject"): [VSB_URI]}
        return c


class Caller:
    def __init__(self, srv, name, token=None, cert=None):
        self.srv, self.name, self.token, self.cert = srv, name, token, cert

    def call(self, method, path, body=None, headers=None, xml=False):
        conn = self.srv.connection(client_cert=self.cert is not None,
                                   cert_name=self.cert or "client")
        hd = dict(headers or {})
        if self.token:
            hd["Authorization"] = "Bearer " + self.token
        try:
            if xml:
                hd.setdefault("Accept", "application/xml")
                return h.request_joined(conn, method, path, body, hd)
            return h.request(conn, method, path, body, hd)
        finally:
            conn.close()


def main():
    top = os.environ.get("top_builddir")
    if not top or not os.environ.get("SEALD"):
        print("SKIP: run through make check")
        return SKIP
    missing, dirs = e2e_gmk.plugin_dirs(top)
    if missing:
        print("SKIP: plugins not built: " + ", ".join(missing))
        return SKIP
    spec = OC.find_spec_dir()
    api = OC.OpenApi(spec) if spec else None
    s = MatrixSeald(dirs)
    try:
        s.start()
        scenario(s, api)
    except h.StartError as e:
        print("FAIL: seald did not start:\n" + e.log[-6000:])
        return 1
    finally:
        status = s.stop()
        if status not in (0, None):
            print("FAIL: seald exited with status %s\n%s" % (status, s.log_text()[-4000:]))
            return 1
    print("%d failed" % e2e_gmk.fails)
    return 1 if e2e_gmk.fails else 0


def scenario(s, api):
    # ---- the IdM's users and clients ----
    s.add_user("alice", PW["alice"], [ALICE])
    s.add_user("mallory", PW["mallory"], [MALLORY])
    s.add_client(client_id="app", type="public", redirect_uris=[k.RU],
                 grant_types=["authorization_code", "refresh_token"],
                 scopes=["openid", "seal.km", "seal.gm"])
    secrets = {cid: s.add_client(client_id=cid, type="confidential",
                                 grant_types=["client_credentials"],
                                 scopes=["seal.gm", "seal.km"])["client_secret"]
               for cid in ("vs-a", "vs-admin")}
    tok = {cid: k.client_token(s, cid, sec, scope="seal.gm seal.km")
           for cid, sec in secrets.items()}
    for u in ("alice", "mallory"):
        tok[u] = k.user_token(s, u, PW[u], scope="openid seal.gm seal.km")
    k.wait_authz(s, tok["alice"])
    who = {
        "vs-a": Caller(s, "vs-a", token=tok["vs-a"]),
        "vs-b": Caller(s, "vs-b", cert="vsb"),
        "vs-admin": Caller(s, "vs-admin", token=tok["vs-admin"]),
        "alice": Caller(s, "alice", token=tok["alice"]),
        "mallory": Caller(s, "mallory", token=tok["mallory"]),
        "stranger": Caller(s, "stranger", cert="stranger"),
        "operator": Caller(s, "operator", cert="admin"),
        "anonymous": Caller(s, "anonymous"),
    }

    def cell(route, caller, want, method, path, body=None, **kw):
        r = who[caller].call(method, path, body, **kw)
        yaml = YAMLS.get(path.split("/")[1])
        if api and yaml:
            try:
                api.check_response(yaml, method, path.split("?")[0], r.status, r.headers,
                                   r.body)
            except OC.CheckError as e:
                check("%s by %s: the answer follows TS 29.549" % (route, caller), False, e)
        ok = r.status in want if isinstance(want, tuple) else r.status == want
        check("%-34s %-9s -> %s" % (route, caller, want), ok, r)
        return r

    # ---- SS_GroupManagement: creation ----
    def doc(vgid, member):
        return {"valGroupId": vgid, "members": [{"valUserId": member}]}

    ra = cell("POST group-documents", "vs-a", 201, "POST", GM, doc("g1", ALICE))
    rb = cell("POST group-documents", "vs-b", 201, "POST", GM, doc("g1", MALLORY))
    if ra.status != 201 or rb.status != 201:
        return
    ga = urllib.parse.urlsplit(ra.headers["location"]).path.rsplit("/", 1)[-1]
    gb = urllib.parse.urlsplit(rb.headers["location"]).path.rsplit("/", 1)[-1]
    cell("POST a second g1 of its own", "vs-a", 409, "POST", GM, doc("g1", ALICE))
    for c, want in (("alice", 403), ("mallory", 403), ("stranger", 403), ("operator", 403),
                    ("anonymous", 401)):
        cell("POST group-documents", c, want, "POST", GM, doc("g-" + c, MALLORY))

    # ---- listing: each owner its own, group_admin all ----
    def ids(r):
        return sorted(d["resUri"].rsplit("/", 1)[-1] for d in r.json()) if r.status == 200 else None

    for c, want in (("vs-a", [ga]), ("vs-b", [gb]), ("vs-admin", sorted([ga, gb]))):
        r = cell("GET group-documents", c, 200, "GET", GM)
        check("GET group-documents: %s sees exactly %s" % (c, want), ids(r) == want, r)
        r = cell("GET ?val-group-id=g1", c, 200, "GET", GM + "?val-group-id=g1")
        check("GET ?val-group-id=g1: %s sees exactly %s" % (c, want), ids(r) == want, r)
    for c, want in (("alice", 403), ("mallory", 403), ("stranger", 403), ("operator", 403),
                    ("anonymous", 401)):
        cell("GET group-documents", c, want, "GET", GM)

    # ---- one group: the others may neither read nor change it ----
    path_a = GM + "/" + ga
    steal = doc("g1", MALLORY)
    patch = {"members": [{"valUserId": ALICE}, {"valUserId": MALLORY}]}
    for c, want in (("vs-b", 404), ("alice", 403), ("mallory", 403), ("stranger", 403),
                    ("operator", 403), ("anonymous", 401)):
        cell("GET  group-documents/{vs-a's}", c, want, "GET", path_a)
        cell("PUT  group-documents/{vs-a's}", c, want, "PUT", path_a, steal)
        cell("PATCH group-documents/{vs-a's}", c, want, "PATCH", path_a, patch,
             headers={"Content-Type": "application/merge-patch+json"})
        cell("DELETE group-documents/{vs-a's}", c, want, "DELETE", path_a)
    r = cell("GET  group-documents/{vs-a's}", "vs-a", 200, "GET", path_a)
    check("vs-a's group still has alice alone",
          r.status == 200 and r.json().get("members") == [{"valUserId": ALICE}], r)
    cell("GET  group-documents/{vs-a's}", "vs-admin", 200, "GET", path_a)

    # ---- SS_KeyInfoRetrieval: VAL servers, for their own identities ----
    def kir(target):
        return KIR + "?" + urllib.parse.urlencode({"val-service-id": "svc",
                                                   "valUserId": target})
    # keyInfo is public (the KMS certificate, the target's UIDs): what a VAL
    # server needs to send MIKEY-SAKKE to anyone. Key material never.
    for c, target in (("vs-a", ALICE), ("vs-a", MALLORY), ("vs-b", ALICE)):
        r = cell("GET key-records", c, 200, "GET", kir(target))
        info = r.json().get("keyInfo", "") if r.status == 200 else ""
        check("key-records for %s carries no key material" % c,
              not any(k in info for k in ("ssk", "rsk", "SSK", "RSK", "pvt", "PVT")), info)
    for c, want in (("alice", 403), ("mallory", 403), ("stranger", 403), ("operator", 403),
                    ("anonymous", 401)):
        cell("GET key-records", c, want, "GET", kir(ALICE))

    # ---- KM-UU: a user's own identities; servers what km entitles ----
    xml = {"Content-Type": "application/xml"}
    cell("POST km init", "alice", 200, "POST", KMUU + "/init", xml=True)
    cell("POST km keyprov own", "alice", 200, "POST",
         KMUU + "/keyprov/" + urllib.parse.quote(ALICE, safe=""), xml=True)
    cell("POST km keyprov another's", "mallory", 403, "POST",
         KMUU + "/keyprov/" + urllib.parse.quote(ALICE, safe=""), xml=True)
    cell("POST km keyprov entitled", "vs-b", 200, "POST",
         KMUU + "/keyprov/" + urllib.parse.quote(VSB_URI, safe=""), xml=True)
    cell("POST km keyprov not entitled", "vs-b", 403, "POST",
         KMUU + "/keyprov/" + urllib.parse.quote(ALICE, safe=""), xml=True)
    for c, want in (("stranger", 403), ("operator", 403), ("anonymous", 401)):
        cell("POST km init", c, want, "POST", KMUU + "/init", xml=True)
        cell("POST km keyprov", c, want, "POST",
             KMUU + "/keyprov/" + urllib.parse.quote(ALICE, safe=""), xml=True)

    # ---- GM-UU: a member's own messages ----
    msgs = None
    for _ in range(600):
        r = who["alice"].call("GET", GMUU)
        if r.status == 200 and messages(r):
            msgs = messages(r)
            break
        time.sleep(0.2)
    if check("the GMK of vs-a's group reaches alice", msgs, r):
        check("alice's messages are hers, of vs-a's group",
              all(m["valUserId"] == ALICE and m["groupDocId"] == ga for m in msgs), msgs)
        r = cell("GET gmk-messages", "mallory", 200, "GET", GMUU)
        check("mallory sees no message of vs-a's group",
              r.status == 200 and all(m["groupDocId"] != ga for m in messages(r)), r)
        cell("GET gmk-messages?valUserId=alice", "mallory", 403, "GET",
             GMUU + "?valUserId=" + urllib.parse.quote(ALICE, safe=""))
        mid = msgs[0]["id"]
        cell("DELETE gmk-messages/{alice's}", "mallory", 404, "DELETE", GMUU + "/" + mid)
        for c, want in (("vs-a", 403), ("vs-b", 403), ("stranger", 403), ("operator", 403),
                        ("anonymous", 401)):
            cell("GET gmk-messages", c, want, "GET", GMUU)
            cell("DELETE gmk-messages/{alice's}", c, want, "DELETE", GMUU + "/" + mid)
        cell("DELETE gmk-messages/{alice's}", "alice", 204, "DELETE", GMUU + "/" + mid)

    # ---- administration: the operator's certificate only ----
    admin = [("GET", "/admin/v1/users", None), ("GET", "/admin/v1/clients", None),
             ("POST", "/admin/v1/users", {"user_id": "eve", "password": "eve's password 123",
                                          "val_user_ids": ["sip:eve@example.org"]}),
             ("GET", "/admin/v1/km/rollover", None),
             ("GET", "/admin/v1/km/revocations/" + urllib.parse.quote(ALICE, safe=""), None),
             ("PUT", "/admin/v1/km/revocations/" + urllib.parse.quote(MALLORY, safe=""), None)]
    for method, path, body in admin:
        for c in ("vs-a", "vs-b", "vs-admin", "alice", "mallory", "stranger", "anonymous"):
            cell("%s %s" % (method, path.split("/v1")[1][:28]), c, 403, method, path, body)
    for method, path, body in admin:
        cell("%s %s" % (method, path.split("/v1")[1][:28]), "operator", (200, 201, 204),
             method, path, body)
    r = who["mallory"].call("POST", KMUU + "/keyprov/" + urllib.parse.quote(MALLORY, safe=""),
                            xml=True, headers={"Accept": "application/xml"})
    check("the operator's revocation of mallory's identity holds (keyprov 403)",
          r.status == 403, r)

    # ---- the owners still do everything on their own groups ----
    r = cell("PUT  group-documents/{own}", "vs-a", 200, "PUT", path_a,
             doc("g1", ALICE) | {"members": [{"valUserId": ALICE}, {"valUserId": VSA_URI}]})
    r = cell("PATCH group-documents/{own}", "vs-a", 200, "PATCH", path_a,
             {"members": [{"valUserId": ALICE}]},
             headers={"Content-Type": "application/merge-patch+json"})
    cell("DELETE group-documents/{own}", "vs-a", 204, "DELETE", path_a)
    cell("GET  group-documents/{own, deleted}", "vs-a", 404, "GET", path_a)
    cell("DELETE group-documents/{vs-b's}", "vs-admin", 204, "DELETE", GM + "/" + gb)


if __name__ == "__main__":
    if not shutil.which("certtool"):
        print("SKIP: certtool (gnutls-bin) is needed")
        sys.exit(SKIP)
    sys.exit(main())
