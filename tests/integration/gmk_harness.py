# SPDX-License-Identifier: Apache-2.0
"""Shared by the gmk_*.py integration tests (group master keys through real
seald processes): a seald with any set of plugins from the build tree over
HTTPS on a free loopback port, the OAuth, KM-UU, SS-GM and GM-UU calls the
tests make, and the member's side of a GMK message (tests/plugins/
test_gmk_decode, lib/mikey). Builds on gm_harness.py (certificates, ports,
process handling: every process is stopped by its PID)."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

SKIP = h.SKIP
KMS_NS = "{urn:3gpp:ns:mcsecKMSInterface:1.0}"
RU = "http://127.0.0.1:4711/cb"
PW = "correct horse battery staple"

PLUGIN_DIRS = {
    "store_sqlite": "plugins/stores/store_sqlite",
    "crypto_gnutls": "plugins/crypto/crypto_gnutls",
    "im": "plugins/services/im",
    "im_uu": "plugins/refpoints/im_uu",
    "authz_jwt": "plugins/auth/authz_jwt",
    "km": "plugins/services/km",
    "km_uu": "plugins/refpoints/km_uu",
    "seal_x1": "plugins/refpoints/seal_x1",
    "gm": "plugins/services/gm",
    "seal_s": "plugins/refpoints/seal_s",
    "gm_uu": "plugins/refpoints/gm_uu",
}


def top_build():
    top = os.environ.get("top_builddir")
    if not top or not os.environ.get("SEALD"):
        print("SKIP: run through `make check` (top_builddir and SEALD unset)")
        sys.exit(SKIP)
    return top


def decoder():
    p = os.path.join(top_build(), "tests/plugins/test_gmk_decode")
    if not os.access(p, os.X_OK):
        print("SKIP: tests/plugins/test_gmk_decode not built")
        sys.exit(SKIP)
    return p


class GmkSeald(h.Seald):
    """One seald. plugins: an ordered list of (name, config dict or a
    function of the server giving it). certs: another server's (shared CA
    and server certificate), else new ones. An "admin" client certificate is
    made for the admin endpoints: "principals" maps it as the operator, and
    the "client" one as a VAL server."""

    def __init__(self, plugins, certs=None, tmp=None, mtls=True, log_level="info"):
        top = top_build()
        self.seald = os.environ["SEALD"]
        self.plugins = plugins
        self.plugin_dirs = []
        for name, _ in plugins:
            d = os.path.join(top, PLUGIN_DIRS[name], ".libs")
            if not os.path.exists(os.path.join(d, name + ".so")):
                print("SKIP: %s not built" % os.path.join(d, name + ".so"))
                sys.exit(SKIP)
            if d not in self.plugin_dirs:
                self.plugin_dirs.append(d)
        self.tmp = tmp or tempfile.mkdtemp(prefix="seald-gmk-")
        if certs is None:
            certs = h.make_certs(self.tmp)
            h.im_add_client_cert(certs, self.tmp, "admin", "seal admin")
        self.certs = certs
        self.admin_dn = h.im_cert_dn(certs["admin"][1])
        self.client_dn = h.im_cert_dn(certs["client"][1])
        self.principals = [h.principals_for(certs["client"][1], ["val_server"]),
                           h.principals_for(certs["admin"][1], ["operator"], ())]
        self.mtls = mtls
        self.log_level = log_level
        self.proc = None
        self.port = None
        self.runs = 0
        self.seal_s_conf = {}
        h.Seald._all.append(self)

    @property
    def url(self):
        return "https://127.0.0.1:%d" % self.port

    def db(self):
        return os.path.join(self.tmp, "seal.db")

    def config(self, port):
        self.port = port
        plugins = {}
        for name, conf in self.plugins:
            plugins[name] = conf(self) if callable(conf) else conf
        return {
            "plugin_dir": self.plugin_dirs,
            "principals": self.principals,
            "log": {"level": self.log_level},
            "http": {
                "listen": ["127.0.0.1:%d" % port],
                "tls": {"cert": self.certs["server"][1], "key": self.certs["server"][0],
                        "client_ca": self.certs["ca"][1], "verify_client": "optional"},
                "auth": {"mtls": self.mtls},
            },
            "plugins": plugins,
        }

    def connection(self, client_cert=False, timeout=60, cert_name="client"):
        return h.ImSeald.connection(self, client_cert, timeout, cert_name)

    def ssl_context(self, client_cert=False, cert_name="client"):
        return h.ImSeald.ssl_context(self, client_cert, cert_name)

    def call(self, method, path, body=None, token=None, cert=False, headers=None):
        c = self.connection(client_cert=cert)
        try:
            hd = dict(headers or {})
            if token:
                hd["Authorization"] = "Bearer " + token
            return h.request(c, method, path, body, hd)
        finally:
            c.close()

    # ---- IdM ----

    def admin(self, method, path, body=None):
        c = self.connection(client_cert=True, cert_name="admin")
        try:
            return h.request(c, method, path, body)
        finally:
            c.close()

    def add_user(self, user_id, val_user_ids):
        r = self.admin("POST", "/admin/v1/users", {"user_id": user_id, "password": PW,
                                                   "val_user_ids": val_user_ids})
        assert r.status == 201, r

    def add_client(self, **spec):
        r = self.admin("POST", "/admin/v1/clients", spec)
        assert r.status == 201, r
        return r.json()

    def user_token(self, user, scope="openid seal.gm seal.km", client_id="app"):
        c = self.connection()
        try:
            verifier, challenge = h.pkce_pair()
            r = h.im_authorize(self, c, client_id, RU, user, PW, scope=scope, challenge=challenge)
            assert r.status == 302, r
            _, q = h.redirect_params(r)
            r = h.form_request(c, "POST", "/oidc/v1/token",
                               {"grant_type": "authorization_code", "code": q["code"],
                                "redirect_uri": RU, "client_id": client_id,
                                "code_verifier": verifier})
        finally:
            c.close()
        assert r.status == 200, r
        return r.json()["access_token"]

    def wait_authz(self, token, path="/gm-uu/v1/gmk-messages", timeout=30):
        """authz_jwt fetches the JWKS after the listeners open: wait for a
        token to be accepted (the route's own method: KM-UU is POST)."""
        method, body = ("POST", b"") if path.startswith("/keymanagement/") else ("GET", None)
        end = time.time() + timeout
        while time.time() < end:
            r = self.call(method, path, body, token=token)
            assert r.status not in (404, 405), r
            if r.status != 401:
                return
            time.sleep(0.1)
        raise AssertionError("tokens are still refused after %ds" % timeout)

    # ---- KM-UU (TS 33.180 Annex D) ----

    def kms_cert(self, token=None, cert=False):
        r = self.call("POST", "/keymanagement/identity/v1/init", b"", token=token, cert=cert)
        assert r.status == 200, r
        c = ET.fromstring(r.body).find(".//" + KMS_NS + "KmsCertificate")

        def t(n):
            return c.find(KMS_NS + n).text.strip()
        return {"kms_uri": t("KmsUri"), "period": int(t("UserKeyPeriod")),
                "offset": int(t("UserKeyOffset")), "z": t("PubEncKey"), "kpak": t("PubAuthKey")}

    def rsk(self, uri, token=None, cert=False):
        """(RSK hex, KeyPeriodNo) of uri for the current period."""
        r = self.call("POST", "/keymanagement/identity/v1/keyprov/" +
                      urllib.parse.quote(uri, safe=""), b"", token=token, cert=cert)
        assert r.status == 200, r
        ks = ET.fromstring(r.body).find(".//" + KMS_NS + "KmsKeySet")
        return ks.find(KMS_NS + "UserDecryptKey").text.strip(), \
            int(ks.find(KMS_NS + "KeyPeriodNo").text)

    # ---- SS-GM and GM-UU ----

    def create_group(self, vgid, members, cert=True, token=None):
        body = {"valGroupId": vgid, "members": [{"valUserId": m} for m in members]}
        r = self.call("POST", "/ss-gm/v1/group-documents", body, token=token, cert=cert)
        assert r.status == 201, r
        return r.json()["groupDocId"] if "groupDocId" in r.json() else \
            r.headers["location"].rsplit("/", 1)[1]

    def set_members(self, gid, members, cert=True, token=None):
        body = {"members": [{"valUserId": m} for m in members]}
        r = self.call("PATCH", "/ss-gm/v1/group-documents/" + gid, json.dumps(body), token=token,
                      cert=cert, headers={"Content-Type": "application/merge-patch+json"})
        assert r.status == 200, r

    def messages(self, token, query=""):
        r = self.call("GET", "/gm-uu/v1/gmk-messages" + query, token=token)
        assert r.status == 200, r
        assert r.headers.get("cache-control") == "no-store", r.headers
        return r.json()["messages"]

    def wait_messages(self, token, pred, query="", timeout=120):
        end = time.time() + timeout
        while True:
            m = self.messages(token, query)
            if pred(m):
                return m
            if time.time() > end:
                raise AssertionError("GM-UU messages not as expected in time: %r" % m)
            time.sleep(0.2)


def decode(member, kms, rsk_hex, imsg_b64):
    """The member's side: dict(gmk, gmk_id, csb_id, period, idri), or None
    with the refusal in ["error"]."""
    p = subprocess.run([decoder(), member, kms["kms_uri"], str(kms["period"]),
                        str(kms["offset"]), kms["z"], kms["kpak"], rsk_hex, imsg_b64],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = p.stdout.strip()
    if p.returncode != 0:
        return {"error": out or p.stderr.strip()}
    return dict(kv.split("=", 1) for kv in out.split(" "))


def im_conf(srv):
    # Tokens that outlive the longest test (gmk_crash waits minutes on a
    # loaded sanitizer build before it uses its tokens again).
    return {"issuer": srv.url, "kek_file": os.path.join(srv.tmp, "im.kek"),
            "argon2_m_kib": 1024, "argon2_t": 1, "access_token_ttl": 3600}


def im_uu_conf(srv):
    return {}


def authz_conf(issuer_srv):
    return lambda srv: {"issuers": [{"issuer": issuer_srv.url,
                                     "jwks_uri": issuer_srv.url + "/oidc/v1/jwks",
                                     "ca_file": issuer_srv.certs["ca"][1]}],
                        "jwks_wait_ms": 10000}


def store_conf(srv):
    return {"path": srv.db(), "synchronous": "normal"}


run_tests = h.run_tests


def b64(b):
    return base64.b64encode(b).decode("ascii")
