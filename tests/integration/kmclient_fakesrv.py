# SPDX-License-Identifier: Apache-2.0
"""A fake KMS (TS 33.180 Annex D over HTTPS) and GMS (GM-UU, doc/gm-uu.md)
for the seal-client keys / gmk tests: it serves what client/tests/kmc_fixture
made (a KMS and a GMS of the test's own, built with lib/ibc and lib/mikey),
or any body a test sets, checks the Bearer token and records every request.
It runs in a thread of the test process on 127.0.0.1:<free port>.

Also: the RFC 3830 / TS 33.180 derivations of the SRTP master key and salt,
written here independently of lib/mikey (Python's hmac), checked against
the Etherstack vectors (shared/vectors/mcx_gukid_srtp.txt) by self_test()."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import ssl
import threading
import urllib.parse

KM_ROOT = "/keymanagement/identity/v1"
GM_ROOT = "/gm-uu/v1/gmk-messages"


class Fake:
    def __init__(self, world, certs):
        """world: the kmc_fixture directory; certs: gm_harness.make_certs."""
        self.world = world
        with open(os.path.join(world, "manifest.json")) as f:
            self.manifest = json.load(f)
        self.users = self.manifest["users"]
        self.tokens = {}          # access token -> user index
        self.kms_case = "good"    # kms-<case> directory
        self.override = {}        # path -> (status, content type, body bytes)
        self.messages = {}        # user index -> [(id, bytes)]
        self.requests = []        # (method, path, user index or None)
        self.deleted = []         # (user index, id)
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _reply(self, status, ctype, body):
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                auth = self.headers.get("Authorization", "")
                user = fake.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
                path = urllib.parse.urlsplit(self.path).path
                with fake.lock:
                    fake.requests.append((method, path, user))
                if user is None:
                    return self._reply(401, "application/problem+json",
                                       b'{"status":401,"title":"Unauthorized"}')
                if path in fake.override:
                    status, ctype, body = fake.override[path]
                    return self._reply(status, ctype, body)
                if path.startswith(KM_ROOT + "/") and method == "POST":
                    return self._kms(path[len(KM_ROOT) + 1:], user)
                if path == GM_ROOT and method == "GET":
                    msgs = [{"id": i, "valGroupId": "group-1",
                             "iMessage": base64.b64encode(b).decode()}
                            for i, b in fake.messages.get(user, [])]
                    return self._reply(200, "application/json",
                                       json.dumps({"messages": msgs}).encode())
                if path.startswith(GM_ROOT + "/") and method == "DELETE":
                    mid = path[len(GM_ROOT) + 1:]
                    with fake.lock:
                        have = fake.messages.get(user, [])
                        keep = [(i, b) for i, b in have if i != mid]
                        if len(keep) == len(have):
                            return self._reply(404, None, b"")
                        fake.messages[user] = keep
                        fake.deleted.append((user, mid))
                    return self._reply(204, None, b"")
                return self._reply(404, None, b"")

            def _kms(self, rest, user):
                parts = rest.split("/")
                d = os.path.join(fake.world, "kms-" + fake.kms_case)
                if parts == ["init"]:
                    name = "init.xml"
                elif parts == ["keyprov"]:
                    name = "keyprov-%d.xml" % user
                elif parts[0] == "keyprov" and len(parts) in (2, 3):
                    uri = urllib.parse.unquote(parts[1])
                    if uri not in fake.users:
                        return self._reply(403, None, b"")
                    i = fake.users.index(uri)
                    if len(parts) == 2:
                        name = "keyprov-%d.xml" % i
                    elif parts[2] == fake.manifest["next_time_hex"]:
                        name = "keyprov-%d-next.xml" % i
                    else:
                        return self._reply(400, None, b"")
                else:
                    return self._reply(404, None, b"")
                try:
                    with open(os.path.join(d, name), "rb") as f:
                        body = f.read()
                except OSError:
                    return self._reply(500, None, b"")
                return self._reply(200, "application/xml", body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_DELETE(self):
                self._handle("DELETE")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certs["server"][1], certs["server"][0])
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.base = "https://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- independent derivations (RFC 3830 4.1.2-4.1.4, RFC 6043, TS 33.180) ----

def prf(inkey, label, out_len):
    """RFC 3830 4.1.2 PRF with PRF-HMAC-SHA-256 (RFC 6043 6.1): inkey cut
    into 256-bit pieces, P(s, label, m) per piece, XORed."""
    m = (out_len * 8 + 255) // 256
    out = bytes(m * 32)
    for k in range(0, max(len(inkey), 1), 32):
        s = inkey[k:k + 32]
        a, p = label, b""
        for _ in range(m):
            a = hmac.new(s, a, hashlib.sha256).digest()
            p += hmac.new(s, a + label, hashlib.sha256).digest()
        out = bytes(x ^ y for x, y in zip(out, p))
    return out[:out_len]


def guk_id(gmk, gmk_id, uri):
    """TS 33.180 F.1.3: GUK-ID = GMK-ID XOR the 28 LSB of
    KDF(GMK, FC 0x50, P0 = uri) (TS 33.220 B.2)."""
    p0 = uri.encode()
    d = hmac.new(gmk, b"\x50" + p0 + len(p0).to_bytes(2, "big"), hashlib.sha256).digest()
    salt = int.from_bytes(d[-4:], "big") & 0x0FFFFFFF
    return gmk_id ^ salt


def srtp_master(gmk, cs_id, csb_id, rand, key_len=16, salt_len=12):
    """TS 33.180 7.4.2 / RFC 3830 4.1.3: label = const || CS-ID || CSB ID || RAND."""
    tail = bytes([cs_id]) + csb_id.to_bytes(4, "big") + rand
    return (prf(gmk, bytes.fromhex("2AD01C64") + tail, key_len),
            prf(gmk, bytes.fromhex("39A2C14B") + tail, salt_len))


def self_test():
    """The derivations above against shared/vectors/mcx_gukid_srtp.txt."""
    gmk = bytes.fromhex("FCFE65CD967C58D260B603CCB9A887A9")
    rand = bytes.fromhex("6819E679461120E10AC458CCE67B8024")
    g = guk_id(gmk, 0x09BF9D37, "sip:p25user01@etherstack.com")
    assert g == 0x01C8DE7B, hex(g)
    key, salt = srtp_master(gmk, 4, g, rand)
    assert key.hex().upper() == "64837D2B4D69A266E4489D3807353AD9", key.hex()
    assert salt.hex().upper() == "8B2F081CE8E8BDAB1F8D9EB8", salt.hex()
    assert guk_id(gmk, 0x09BF9D37, "sip:p25user02@etherstack.co.jp") == 0x0ABE69D0


def parse_gmk_output(text):
    """seal-client gmk's output: blocks of "name: value" lines."""
    blocks, cur = [], {}
    for line in text.splitlines():
        if not line.strip():
            if cur:
                blocks.append(cur)
            cur = {}
            continue
        k, _, v = line.partition(": ")
        cur[k.strip()] = v.strip()
    if cur:
        blocks.append(cur)
    return blocks
