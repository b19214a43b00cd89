# SPDX-License-Identifier: Apache-2.0
"""authz_jwt in the real seald, in front of SS_GroupManagement (GET
/ss-gm/v1/group-documents) and of the IdM's userinfo: tokens from the real
IdM (im + im_uu: client_credentials and the code flow with PKCE) and
tokens minted here -- by a second, test issuer whose JWK Set this script
serves on loopback, and forged ones. Each refusal is checked with its RFC
6750 answer: no token (401 Bearer, unless a client certificate is
presented: the mutual-TLS-only mode), expired, not yet valid, bad
signature, alg none, HS256 keyed with the IdM's public key, unknown kid
(and a key rotated in later is picked up after a refetch), wrong issuer,
wrong audience, missing scope (403 insufficient_scope); the 30 s leeway; an
IdM key rotation picked up by a refetch; the
principal in the access log; and no token in any log."""
import http.server
import json
import os
import sys
import threading
import time
import traceback
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

h.need_cryptography()
from cryptography.hazmat.primitives import hashes, hmac, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: E402

GM = "/ss-gm/v1/group-documents"
USERINFO = "/oidc/v1/userinfo"
RU = "http://127.0.0.1:4711/cb"
PW = "correct horse battery staple"
MINTER = "https://minter.test"


# ---- the test issuer: keys, JWK Set over loopback HTTP, minting ----

def jwk_of(key, kid):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        n = key.public_key().public_numbers()
        return {"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
                "x": h.b64url(n.x.to_bytes(32, "big")), "y": h.b64url(n.y.to_bytes(32, "big"))}
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": h.b64url(raw)}


class Minter:
    def __init__(self):
        self.keys = {"m-ec": ec.generate_private_key(ec.SECP256R1()),
                     "m-ed": ed25519.Ed25519PrivateKey.generate()}
        self.published = ["m-ec", "m-ed"]
        self.fetches = 0
        self.lock = threading.Lock()
        minter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with minter.lock:
                    minter.fetches += 1
                    body = json.dumps({"keys": [jwk_of(minter.keys[k], k)
                                                for k in minter.published]}).encode()
                self.send_response(200 if self.path == "/jwks" else 404)
                self.send_header("Content-Type", "application/jwk-set+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def jwks_uri(self):
        return "http://127.0.0.1:%d/jwks" % self.port

    def add_key(self, kid, publish):
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        if publish:
            self.publish(kid)

    def publish(self, kid):
        with self.lock:
            self.published.append(kid)

    def claims(self, **over):
        now = int(time.time())
        # sub == client_id: a client credentials token, a VAL server, which
        # SS_GroupManagement serves (a VAL user's token gets its 403).
        c = {"iss": MINTER, "sub": "minted", "aud": "seal", "scope": "openid seal.gm",
             "client_id": "minted", "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
             "exp": now + 300}
        c.update(over)
        return {k: v for k, v in c.items() if v is not None}

    def mint(self, kid="m-ec", header=None, signer=None, **claims):
        """A JWS signed with key kid (or signer's key), header merged over
        {alg, kid, typ}."""
        key = self.keys[signer or kid]
        alg = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "EdDSA"
        hd = {"alg": alg, "kid": kid, "typ": "at+jwt"}
        hd.update(header or {})
        si = (h.b64url(json.dumps(hd).encode()) + "." +
              h.b64url(json.dumps(self.claims(**claims)).encode())).encode()
        if alg == "ES256":
            r, s = decode_dss_signature(key.sign(si, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            sig = key.sign(si)
        return si.decode() + "." + h.b64url(sig)

    def unsigned(self, header, claims, sig=b""):
        return (h.b64url(json.dumps(header).encode()) + "." +
                h.b64url(json.dumps(claims).encode()) + "." + h.b64url(sig))


# ---- seald with gm, seal_s, im, im_uu and authz_jwt ----

# authz_jwt's least interval between JWKS fetches: long enough that the
# rate-limited request of unknown_kid_is_refetched_at_most_once_per_interval
# (a fetch, a publish, a new TLS connection) surely falls inside it.
REFETCH_S = 3

class AuthzSeald(h.ImSeald):
    def __init__(self, minter):
        super().__init__(authz=True, authz_conf={"jwks_min_refetch_s": REFETCH_S})
        if not self.use_authz:
            print("SKIP: authz_jwt not built")
            sys.exit(h.SKIP)
        top = os.environ["top_builddir"]
        for d, so in (("plugins/services/gm", "gm"), ("plugins/refpoints/seal_s", "seal_s")):
            path = os.path.join(top, d, ".libs")
            if not os.path.exists(os.path.join(path, so + ".so")):
                print("SKIP: %s not built" % so)
                sys.exit(h.SKIP)
            self.plugin_dirs.append(path)
        self.minter = minter

    def config(self, port):
        c = super().config(port)
        c["plugins"]["gm"] = {}
        c["plugins"]["seal_s"] = {}
        c["plugins"]["authz_jwt"]["issuers"].append(
            {"issuer": MINTER, "jwks_uri": self.minter.jwks_uri})
        return c


minter = srv = None
VS_SECRET = KM_SECRET = None
USER_TOKEN = None
sent_tokens = []


def get(path, token=None, cert=False, scheme="Bearer"):
    c = srv.connection(client_cert=cert)
    try:
        hd = {}
        if token is not None:
            sent_tokens.append(token)
            hd["Authorization"] = "%s %s" % (scheme, token)
        return h.request_joined(c, "GET", path, headers=hd)
    finally:
        c.close()


def expect_ok(path, token, cert=False):
    r = get(path, token, cert)
    assert r.status == 200, r
    return r


def expect_invalid(path, token, why, cert=False):
    r = get(path, token, cert)
    assert r.status == 401, r
    ch = r.headers.get("www-authenticate", "")
    assert 'Bearer realm="seal"' in ch and 'error="invalid_token"' in ch, ch
    assert why in ch, (why, ch)
    assert ch.count("Bearer") == 1, ch      # the plugin's challenge alone
    assert r.headers.get("content-type") == "application/problem+json", r.headers
    return r


def expect_scope(path, token, scope):
    r = get(path, token)
    assert r.status == 403, r
    ch = r.headers.get("www-authenticate", "")
    assert 'error="insufficient_scope"' in ch and 'scope="%s"' % scope in ch, ch
    assert ch.count("Bearer") == 1, ch


def cc_token(client_id, secret, scope):
    c = srv.connection()
    try:
        r = h.form_request(c, "POST", "/oidc/v1/token",
                           {"grant_type": "client_credentials", "scope": scope},
                           {"Authorization": h.basic_auth(client_id, secret)})
    finally:
        c.close()
    assert r.status == 200, r
    return r.json()["access_token"]


def user_token(scope):
    c = srv.connection()
    try:
        verifier, challenge = h.pkce_pair()
        r = h.im_authorize(srv, c, "app", RU, "alice", PW, scope=scope, challenge=challenge)
        assert r.status == 302, r
        _, q = h.redirect_params(r)
        r = h.form_request(c, "POST", "/oidc/v1/token",
                           {"grant_type": "authorization_code", "code": q["code"],
                            "redirect_uri": RU, "client_id": "app", "code_verifier": verifier})
    finally:
        c.close()
    assert r.status == 200, r
    return r.json()["access_token"]


def setup():
    global minter, srv, VS_SECRET, KM_SECRET, USER_TOKEN
    minter = Minter()
    srv = AuthzSeald(minter)
    srv.start()
    srv.add_user("alice", PW, ["alice@val.example"])
    srv.add_client(client_id="app", type="public", redirect_uris=[RU],
                   scopes=["openid", "seal.gm", "seal.km"])
    VS_SECRET = srv.add_client(client_id="vs1", type="confidential",
                               scopes=["seal.gm", "seal.km"])["client_secret"]
    KM_SECRET = srv.add_client(client_id="km1", type="confidential",
                               scopes=["seal.km"])["client_secret"]
    # The plugin fetches the IdM's key set from this very seald, which
    # listens only after start: wait for it.
    tok = cc_token("vs1", VS_SECRET, "seal.gm")
    for _ in range(100):
        if get(GM, tok).status == 200:
            break
        time.sleep(0.05)
    USER_TOKEN = user_token("openid seal.gm")


tests = []


def test(fn):
    tests.append(fn)
    return fn


@test
def real_tokens_are_served_with_their_subject():
    expect_ok(GM, cc_token("vs1", VS_SECRET, "seal.gm"))
    # A VAL user's token is accepted (no 401) and its subject known; the
    # binding then refuses a VAL user group management (doc/authorization.md).
    r = get(GM, USER_TOKEN)
    assert r.status == 403 and r.json()["cause"] == "OPERATION_PROHIBITED", r
    r = expect_ok(USERINFO, USER_TOKEN)
    assert r.json()["sub"] == "alice", r
    # Principals in the access log (flushed twice a second).
    end = time.time() + 15
    while True:
        log = srv.access_log_text()
        lines = log.splitlines()
        if (any(l.endswith(" vs1") for l in lines) and any(l.endswith(" alice") for l in lines)) \
                or time.time() > end:
            break
        time.sleep(0.1)
    assert " GET %s 200 " % GM in log, log[-2000:]
    assert any(l.endswith(" vs1") and GM in l for l in log.splitlines()), log[-2000:]
    assert any(l.endswith(" alice") and GM in l for l in log.splitlines()), log[-2000:]


@test
def no_token_is_401_bearer_unless_a_client_certificate_is_presented():
    for path in (GM, USERINFO):
        r = get(path)
        assert r.status == 401, r
        assert r.headers.get("www-authenticate", "").startswith("Bearer"), r.headers
        assert "invalid_token" not in r.headers.get("www-authenticate", ""), r.headers
    # Another scheme is not a bearer token: no opinion, so the same.
    r = get(GM, "dmNzMTpzZWNyZXQ=", scheme="Basic")
    assert r.status == 401 and "invalid_token" not in r.headers.get("www-authenticate", ""), r
    # The mutual-TLS-only mode: a verified certificate and no token.
    expect_ok(GM, None, cert=True)
    # A token is judged by itself even with a certificate.
    head, body, sig = USER_TOKEN.split(".")
    bad = "%s.%s.%s" % (head, body, ("B" if sig[0] == "A" else "A") + sig[1:])
    expect_invalid(GM, bad, "signature does not verify", cert=True)


@test
def forged_and_out_of_date_tokens_are_refused():
    now = int(time.time())
    for path in (GM, USERINFO):
        expect_invalid(path, minter.mint(exp=now - 600, iat=now - 900, nbf=now - 900),
                       "expired")
        expect_invalid(path, minter.mint(nbf=now + 600), "not valid yet")
        expect_invalid(path, minter.unsigned({"alg": "none", "kid": "m-ec", "typ": "at+jwt"},
                                             minter.claims()), "algorithm is not accepted")
    # A bad signature on a real IdM token (its first character changed keeps
    # the encoding canonical).
    head, body, sig = USER_TOKEN.split(".")
    forged = "%s.%s.%s" % (head, body, ("B" if sig[0] == "A" else "A") + sig[1:])
    expect_invalid(GM, forged, "signature does not verify")
    # Claims changed under a real signature.
    claims = json.loads(h.b64url_decode(body))
    claims["sub"] = "mallory"
    expect_invalid(GM, "%s.%s.%s" % (head, h.b64url(json.dumps(claims).encode()), sig),
                   "signature does not verify")
    # HS256 keyed with the IdM's public key, as published and as the
    # compact JSON of its JWK.
    c = srv.connection()
    try:
        jwks = h.request(c, "GET", "/oidc/v1/jwks").json()
    finally:
        c.close()
    pub = jwks["keys"][0]
    for secret in (json.dumps(pub).encode(), json.dumps(pub, separators=(",", ":")).encode(),
                   h.b64url_decode(pub["x"]) + h.b64url_decode(pub["y"])):
        hd = {"alg": "HS256", "kid": pub["kid"], "typ": "at+jwt"}
        si = (h.b64url(json.dumps(hd).encode()) + "." +
              h.b64url(json.dumps(minter.claims(iss=srv.issuer)).encode())).encode()
        m = hmac.HMAC(secret, hashes.SHA256())
        m.update(si)
        expect_invalid(GM, si.decode() + "." + h.b64url(m.finalize()),
                       "algorithm is not accepted")


@test
def issuer_audience_and_scope():
    # A key of one issuer cannot sign for another: the IdM's set lacks it.
    expect_invalid(GM, minter.mint(iss=srv.issuer), "signing key is unknown")
    expect_invalid(GM, minter.mint(iss="https://evil.test"), "issuer is not trusted")
    expect_invalid(GM, minter.mint(aud="other"), "not meant for this server")
    expect_invalid(GM, minter.mint(aud=["x", "y"]), "not meant for this server")
    expect_invalid(GM, minter.mint(header={"typ": "JWT"}), "type is not accepted")
    # Missing scope: 403, naming the scope wanted.
    expect_scope(GM, cc_token("km1", KM_SECRET, "seal.km"), "seal.gm")
    expect_scope(GM, minter.mint(scope="openid seal.km"), "seal.gm")
    expect_scope(USERINFO, cc_token("vs1", VS_SECRET, "seal.gm"), "openid")
    expect_scope(USERINFO, minter.mint(scope="seal.gm"), "openid")
    # EdDSA from the test issuer.
    expect_ok(GM, minter.mint(kid="m-ed", sub="ed-server", client_id="ed-server"))


@test
def leeway_is_thirty_seconds():
    now = int(time.time())
    expect_ok(GM, minter.mint(exp=now - 25, iat=now - 100, nbf=now - 100))
    expect_invalid(GM, minter.mint(exp=now - 31, iat=now - 100, nbf=now - 100), "expired")
    expect_ok(GM, minter.mint(nbf=now + 25))
    expect_invalid(GM, minter.mint(nbf=now + 40), "not valid yet")


@test
def unknown_kid_is_refetched_at_most_once_per_interval():
    time.sleep(REFETCH_S + 0.1)         # past the interval of earlier fetches
    minter.add_key("m-new", publish=False)
    f0 = minter.fetches
    tok = minter.mint(kid="m-new")
    expect_invalid(GM, tok, "signing key is unknown")
    assert minter.fetches == f0 + 1, (minter.fetches, f0)
    minter.publish("m-new")
    expect_invalid(GM, tok, "signing key is unknown")
    assert minter.fetches == f0 + 1, (minter.fetches, f0)   # rate-limited
    time.sleep(REFETCH_S + 0.1)
    expect_ok(GM, tok)
    assert minter.fetches == f0 + 2, (minter.fetches, f0)


@test
def an_idm_key_rotation_is_picked_up():
    old = cc_token("vs1", VS_SECRET, "seal.gm")
    expect_ok(GM, old)
    time.sleep(REFETCH_S + 0.1)         # past the refetch interval
    r = srv.admin("POST", "/admin/v1/keys/rotate")
    assert r.status in (200, 201), r
    new = cc_token("vs1", VS_SECRET, "seal.gm")
    kid = lambda t: json.loads(h.b64url_decode(t.split(".")[0]))["kid"]  # noqa: E731
    assert kid(new) != kid(old), (kid(new), kid(old))
    expect_ok(GM, new)                  # an unknown kid: refetched at once
    expect_ok(GM, old)                  # the previous key is still published


@test
def repeated_tokens_are_answered_alike():
    tok = cc_token("vs1", VS_SECRET, "seal.gm")
    km = cc_token("km1", KM_SECRET, "seal.km")
    for _ in range(5):
        expect_ok(GM, tok)
        expect_scope(GM, km, "seal.gm")


@test
def no_token_appears_in_the_logs():
    time.sleep(1.2)                     # access lines are flushed twice a second
    text = srv.log_text() + srv.access_log_text()
    for t in sent_tokens:
        for part in t.split("."):
            if len(part) >= 40:
                assert part not in text, "a token part is in the logs"


failed = 0
setup()
for t in tests:
    try:
        t()
        print("ok", t.__name__)
    except Exception:
        failed += 1
        print("FAIL", t.__name__)
        traceback.print_exc()
if failed:
    print("---- seald log ----")
    print(srv.log_text()[-6000:])
rc = srv.stop()
if rc != 0:
    print("seald exited with", rc)
    print(srv.log_text()[-3000:])
    failed += 1
minter.httpd.shutdown()
sys.exit(1 if failed else 0)
