# SPDX-License-Identifier: Apache-2.0
"""Shared by the km_*.py integration tests: the real seald over HTTPS with
store_sqlite on disk, the IdM (im, im_uu, authz_jwt: tokens with scope
seal.km and val_user_ids), the KMS (km, km_uu), seal_s (ss-kir) and
crypto_gnutls; built on gm_harness.ImSeald (free ports, certificates,
every process stopped by PID).

Also: OAuth helpers (a user's token through the code flow with PKCE, a
client_credentials token), KmsResponse checks with xmllint against
kms-interface.xsd, F.2.1 UIDs and key periods computed independently, and
the lib/ibc key check helper."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

NS = "urn:3gpp:ns:mcsecKMSInterface:1.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NTP_UNIX = 2208988800
RU = "http://127.0.0.1:4711/cb"
BASE = "/keymanagement/identity/v1"

KM_PLUGINS = ("plugins/services/km", "plugins/refpoints/km_uu", "plugins/refpoints/seal_s")


def q(name):
    return "{%s}%s" % (NS, name)


def build_paths():
    """Skips unless km, km_uu, seal_s, authz_jwt, xmllint and the key check
    helper are all there."""
    top = os.environ.get("top_builddir")
    if not top:
        print("SKIP: run through `make check`")
        sys.exit(h.SKIP)
    dirs = []
    for d in KM_PLUGINS + ("plugins/auth/authz_jwt",):
        so = os.path.join(top, d, ".libs", os.path.basename(d) + ".so")
        if not os.path.exists(so):
            print("SKIP: %s not built" % so)
            sys.exit(h.SKIP)
        if d in KM_PLUGINS:   # authz_jwt's directory comes with ImSeald
            dirs.append(os.path.join(top, d, ".libs"))
    if not shutil.which("xmllint"):
        print("SKIP: xmllint (libxml2-utils) is needed")
        sys.exit(h.SKIP)
    return dirs


def keycheck_path():
    top = os.environ.get("top_builddir", ".")
    p = os.path.join(top, "tests/plugins/test_km_keycheck")
    if not os.path.exists(p):
        print("SKIP: %s not built" % p)
        sys.exit(h.SKIP)
    return p


def schema_path():
    src = os.environ.get("top_srcdir", ".")
    return os.path.join(src, "plugins/refpoints/km_uu/kms-interface.xsd")


class KmSeald(h.ImSeald):
    """ImSeald (im, im_uu, authz_jwt) plus km, km_uu, seal_s. km_conf,
    km_uu_conf and seal_s_conf are merged into the plugin blocks; the KMS's
    key-encryption key lives in the temp dir."""

    def __init__(self, km_conf=None, km_uu_conf=None, seal_s_conf=None, **kw):
        extra = build_paths()
        super().__init__(authz=True, **kw)
        self.plugin_dirs = list(self.plugin_dirs) + extra
        self.km_conf = km_conf or {}
        self.km_uu_conf = km_uu_conf or {}
        self.seal_s_conf = seal_s_conf or {}

    def config(self, port):
        c = super().config(port)
        km = {"kms_uri": "kms.example.org",
              "master_key_file": os.path.join(self.tmp, "km.kek")}
        km.update(self.km_conf)
        if "master_key_pkcs11" in km:      # the KEK is in a token instead
            del km["master_key_file"]
        c["plugins"]["km"] = km
        c["plugins"]["km_uu"] = dict(self.km_uu_conf)
        c["plugins"]["seal_s"] = dict(self.seal_s_conf)
        return c


# ---- tokens ----

def user_token(srv, username, password, scope="openid seal.km", client_id="app"):
    """An access token for a user through the code flow with PKCE."""
    conn = srv.connection()
    try:
        verifier, challenge = h.pkce_pair()
        r = h.im_authorize(srv, conn, client_id, RU, username, password, scope=scope,
                           challenge=challenge)
        assert r.status == 302, r
        _, qs = h.redirect_params(r)
        assert "code" in qs, qs
        r = h.form_request(conn, "POST", "/oidc/v1/token",
                           {"grant_type": "authorization_code", "code": qs["code"],
                            "redirect_uri": RU, "client_id": client_id,
                            "code_verifier": verifier})
        assert r.status == 200, r
        return r.json()["access_token"]
    finally:
        conn.close()


def client_token(srv, client_id, secret, scope="seal.km"):
    conn = srv.connection()
    try:
        r = h.form_request(conn, "POST", "/oidc/v1/token",
                           {"grant_type": "client_credentials", "scope": scope},
                           {"Authorization": h.basic_auth(client_id, secret)})
        assert r.status == 200, r
        return r.json()["access_token"]
    finally:
        conn.close()


# ---- KM-UU ----

def wait_authz(srv, token):
    """authz_jwt fetches the IdM's key set once seald listens: wait until
    the KMS accepts token."""
    for _ in range(200):
        r = kms_post(srv, "/init", token)
        if r.status != 401:
            return
        time.sleep(0.05)
    raise AssertionError("authz_jwt never accepted the token: %r" % r)


def kms_post(srv, path, token=None, body=b"", cert=None, headers=None):
    """POST to the KMS interface with a bearer token and/or a client
    certificate (cert: a name in srv.certs)."""
    conn = srv.connection(client_cert=cert is not None, cert_name=cert or "client")
    hd = {"Accept": "application/xml"}
    if body:
        hd["Content-Type"] = "application/xml"
    if token:
        hd["Authorization"] = "Bearer " + token
    hd.update(headers or {})
    try:
        return h.request_joined(conn, "POST", BASE + path, body, hd)
    finally:
        conn.close()


def xsd_valid(body, tmpdir):
    """Validates a KmsResponse with xmllint against kms-interface.xsd;
    raises with xmllint's message when it is not valid."""
    fd, p = tempfile.mkstemp(suffix=".xml", dir=tmpdir)
    with os.fdopen(fd, "wb") as f:
        f.write(body)
    r = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", schema_path(), p],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    os.unlink(p)
    assert r.returncode == 0, "not valid against kms-interface.xsd:\n%s\n%s" % (
        r.stdout, body.decode("utf-8", "replace"))


def kms_doc(r, srv, status=200):
    """Checks status, media type and schema validity; returns the
    KmsResponse element."""
    assert r.status == status, r
    assert r.headers.get("content-type", "").startswith("application/xml"), r.headers
    xsd_valid(r.body, srv.tmp)
    root = ET.fromstring(r.body)
    if root.tag == q("SignedKmsResponse"):
        root = root.find(q("KmsResponse"))
    assert root.tag == q("KmsResponse"), root.tag
    return root


def kms_error(r, srv, status):
    """A KmsError answer with that HTTP status as ErrorCode; its message."""
    root = kms_doc(r, srv, status)
    err = root.find(q("KmsError"))
    assert err is not None, r
    assert err.findtext(q("ErrorCode")) == str(status), r
    return err.findtext(q("ErrorMsg"))


def text(e, name):
    return e.findtext(q(name))


def cert_of(root):
    c = root.find(q("KmsMessage")).find(q("KmsInit")).find(q("KmsCertificate"))
    assert c is not None
    return c


def keysets(root):
    kp = root.find(q("KmsMessage")).find(q("KmsKeyProv"))
    assert kp is not None
    return kp.findall(q("KmsKeySet"))


# ---- TS 33.180 arithmetic, independent of the implementation ----

def period_of(unix, period=2592000, offset=0):
    return (unix + NTP_UNIX - offset) // period


def ntp_hex(unix):
    return "%016X" % (((unix + NTP_UNIX) & 0xFFFFFFFF) << 32)


def uid(identity, kms_uri, period_no, period=2592000, offset=0):
    """F.2.1: SHA-256(0x00 || P0 || L0 || ... || P5 || L5)."""
    def be(v):
        n = max(1, (v.bit_length() + 7) // 8)
        return v.to_bytes(n, "big")
    s = b"\x00"
    for p in (b"MIKEY-SAKKE-UID", identity.encode(), kms_uri.encode(), be(period), be(offset),
              be(period_no)):
        s += p + len(p).to_bytes(2, "big")
    return hashlib.sha256(s).hexdigest().upper()


def keycheck(cert, ks):
    """Validates a key set's SSK/PVT against KPAK and RSK against Z with
    lib/ibc (the helper); returns (ok, output)."""
    args = [keycheck_path(), text(cert, "PubAuthKey"), text(cert, "PubEncKey"),
            text(ks, "UserID"), text(ks, "UserSigningKeySSK"), text(ks, "UserPubTokenPVT"),
            text(ks, "UserDecryptKey")]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode == 0, r.stdout


def quote(uri):
    return urllib.parse.quote(uri, safe="")
