# SPDX-License-Identifier: Apache-2.0
"""The identity management server through the real seald over HTTPS, with
a plain Python client (http.client, no OAuth library): discovery, JWKS, the
authorization code flow with PKCE (login form, code, token, ID token
signature and claims, userinfo, refresh with rotation), client_credentials,
introspection, revocation, and each refusal with its OAuth error: code
reuse (the tokens it gave are revoked), wrong code_verifier, missing PKCE,
redirect_uri mismatch, wrong client secret, unknown client, a replayed
refresh token (its family is revoked, the rotated successor too).

Runs twice when authz_jwt is built: once without it (userinfo reachable in
the mutual-TLS-only mode, checked by im alone) and once with it (the hook
checks the bearer token first)."""
import json
import os
import sys
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

h.need_cryptography()

RU = "http://127.0.0.1:4711/cb"      # a loopback redirect URI (RFC 8252 7.3)
PW = "correct horse battery staple"

srv = conn = None
authz = False
VS_SECRET = RS_SECRET = None


def post(path, form, headers=None):
    return h.form_request(conn, "POST", path, form, headers)


def oauth_error(r, status, error):
    assert r.status == status, r
    assert r.headers.get("cache-control") == "no-store", r.headers
    assert r.headers.get("pragma") == "no-cache", r.headers
    assert r.json()["error"] == error, r


def login(client_id="app", scope="openid seal.gm", nonce="n-1", verifier=None, state="st-1"):
    verifier, challenge = (verifier, None) if verifier else h.pkce_pair()
    if challenge is None:
        import hashlib
        challenge = h.b64url(hashlib.sha256(verifier.encode()).digest())
    r = h.im_authorize(srv, conn, client_id, RU, "alice", PW, scope=scope, state=state,
                       nonce=nonce, challenge=challenge)
    assert r.status == 302, r
    loc, q = h.redirect_params(r)
    assert loc.startswith(RU + "?"), loc
    assert q["state"] == state and q["iss"] == srv.issuer, q
    assert len(q["code"]) == 43, q
    return q["code"], verifier


def code_grant(code, verifier, client_id="app", redirect_uri=RU):
    return post("/oidc/v1/token", {"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": redirect_uri, "client_id": client_id,
                                   "code_verifier": verifier})


def userinfo(token):
    """GET userinfo with the bearer token; without authz_jwt the route is
    reachable only with a client certificate (mTLS-only mode)."""
    c = srv.connection(client_cert=not authz)
    try:
        return h.request_joined(c, "GET", "/oidc/v1/userinfo",
                                headers={"Authorization": "Bearer " + token})
    finally:
        c.close()


def introspect(token):
    return post("/oidc/v1/introspect", {"token": token},
                {"Authorization": h.basic_auth("rs1", RS_SECRET)})


def setup(with_authz):
    """A fresh seald, set up through the admin endpoint."""
    global srv, conn, authz, VS_SECRET, RS_SECRET
    srv = h.ImSeald(authz=with_authz)
    srv.start()
    conn = srv.connection()
    authz = srv.use_authz
    srv.add_user("alice", PW, ["alice@val.example", "alice-2@val.example"])
    srv.add_client(client_id="app", type="public", redirect_uris=[RU],
                   scopes=["openid", "seal.gm", "seal.km"])
    VS_SECRET = srv.add_client(client_id="vs1", type="confidential",
                               scopes=["seal.gm", "seal.km"])["client_secret"]
    RS_SECRET = srv.add_client(client_id="rs1", type="confidential",
                               scopes=["seal.gm"])["client_secret"]


jwks = None
tests = []


def test(fn):
    tests.append(fn)
    return fn


@test
def discovery_and_jwks():
    global jwks
    r = h.request(conn, "GET", "/.well-known/openid-configuration")
    assert r.status == 200, r
    d = r.json()
    iss = srv.issuer
    assert d["issuer"] == iss
    for k, p in (("authorization_endpoint", "/oidc/v1/authorize"),
                 ("token_endpoint", "/oidc/v1/token"), ("userinfo_endpoint", "/oidc/v1/userinfo"),
                 ("jwks_uri", "/oidc/v1/jwks"), ("revocation_endpoint", "/oidc/v1/revoke"),
                 ("introspection_endpoint", "/oidc/v1/introspect")):
        assert d[k] == iss + p, (k, d[k])
    assert d["response_types_supported"] == ["code"]
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert d["id_token_signing_alg_values_supported"] == ["ES256"]
    assert d["subject_types_supported"] == ["public"]
    assert d["token_endpoint_auth_methods_supported"] == ["client_secret_basic",
                                                          "client_secret_post", "none"]
    assert set(d["grant_types_supported"]) >= {"authorization_code", "refresh_token",
                                               "client_credentials",
                                               "urn:ietf:params:oauth:grant-type:token-exchange"}
    assert set(d["scopes_supported"]) >= {"openid", "seal.km", "seal.gm", "seal.cm", "seal.val"}
    assert "val_user_ids" in d["claims_supported"]
    r = h.request(conn, "GET", "/oidc/v1/jwks")
    assert r.status == 200, r
    jwks = r.json()
    assert len(jwks["keys"]) == 1
    k = jwks["keys"][0]
    assert k["kty"] == "EC" and k["crv"] == "P-256" and k["alg"] == "ES256" and k["use"] == "sig"
    assert "d" not in k, "the JWKS must not publish the private key"


@test
def login_page_escapes_and_echoes():
    v, c = h.pkce_pair()
    state = '"><script>x</script>'
    q = {"response_type": "code", "client_id": "app", "redirect_uri": RU, "scope": "openid",
         "state": state, "code_challenge": c, "code_challenge_method": "S256"}
    r = h.request(conn, "GET", "/oidc/v1/authorize?" + urllib.parse.urlencode(q))
    assert r.status == 200 and r.headers["content-type"].startswith("text/html"), r
    assert b"<script>" not in r.body
    assert r.headers.get("cache-control") == "no-store"
    action, method, fields, names = h.parse_login_form(r.body)
    assert fields["state"] == state and fields["code_challenge"] == c, fields
    assert {"username", "password"} <= set(names)


@test
def code_flow_pkce_refresh():
    code, verifier = login(nonce="nonce-42")
    r = code_grant(code, verifier)
    assert r.status == 200, r
    assert r.headers.get("cache-control") == "no-store" and r.headers.get("pragma") == "no-cache"
    t = r.json()
    assert t["token_type"] == "Bearer" and t["expires_in"] == 300, t
    assert t["scope"] == "openid seal.gm", t
    now = time.time()
    # ID token: signature with the JWKS, claims (OIDC Core 2, TS 33.180 B.2.1)
    hdr, idt = h.jwt_verify_es256(t["id_token"], jwks)
    assert hdr["typ"] == "JWT"
    assert idt["iss"] == srv.issuer and idt["sub"] == "alice" and idt["aud"] == "app", idt
    assert idt["nonce"] == "nonce-42"
    assert idt["val_user_ids"] == ["alice@val.example", "alice-2@val.example"]
    assert abs(idt["iat"] - now) < 60 and idt["exp"] > now and abs(idt["auth_time"] - now) < 60
    # Access token (RFC 9068)
    hdr, at = h.jwt_verify_es256(t["access_token"], jwks)
    assert hdr["typ"] == "at+jwt" and hdr["kid"] == jwks["keys"][0]["kid"]
    assert at["iss"] == srv.issuer and at["sub"] == "alice" and at["aud"] == "seal"
    assert at["client_id"] == "app" and at["scope"] == "openid seal.gm"
    assert at["nbf"] == at["iat"] and at["exp"] - at["iat"] == 300 and at["jti"]
    assert at["val_user_ids"] == ["alice@val.example", "alice-2@val.example"]
    # userinfo
    r = userinfo(t["access_token"])
    assert r.status == 200, r
    assert r.json() == {"sub": "alice", "val_user_ids": ["alice@val.example",
                                                         "alice-2@val.example"]}
    # refresh: a new access token and a new refresh token
    r = post("/oidc/v1/token", {"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                                "client_id": "app"})
    assert r.status == 200, r
    t2 = r.json()
    assert t2["refresh_token"] != t["refresh_token"] and t2["access_token"] != t["access_token"]
    assert "nonce" not in h.jwt_verify_es256(t2["id_token"], jwks)[1]
    # narrower scope on refresh, and a wider one refused
    r = post("/oidc/v1/token", {"grant_type": "refresh_token", "refresh_token": t2["refresh_token"],
                                "client_id": "app", "scope": "seal.gm"})
    assert r.status == 200 and r.json()["scope"] == "seal.gm", r
    t3 = r.json()
    assert "id_token" not in t3
    r = post("/oidc/v1/token", {"grant_type": "refresh_token", "refresh_token": t3["refresh_token"],
                                "client_id": "app", "scope": "seal.gm seal.km"})
    oauth_error(r, 400, "invalid_scope")
    # introspection by a resource server
    r = introspect(t3["access_token"])
    assert r.status == 200 and r.json()["active"] is True and r.json()["sub"] == "alice", r


@test
def client_credentials():
    for headers, form in (({"Authorization": h.basic_auth("vs1", VS_SECRET)}, {}),
                          ({}, {"client_id": "vs1", "client_secret": VS_SECRET})):
        f = {"grant_type": "client_credentials", "scope": "seal.gm"}
        f.update(form)
        r = post("/oidc/v1/token", f, headers)
        assert r.status == 200, r
        t = r.json()
        assert "refresh_token" not in t and "id_token" not in t
        _, at = h.jwt_verify_es256(t["access_token"], jwks)
        assert at["sub"] == "vs1" and at["client_id"] == "vs1" and at["scope"] == "seal.gm"
        assert "val_user_ids" not in at
    # default scope: all the client's
    r = post("/oidc/v1/token", {"grant_type": "client_credentials"},
             {"Authorization": h.basic_auth("vs1", VS_SECRET)})
    assert r.status == 200 and set(r.json()["scope"].split()) == {"seal.gm", "seal.km"}, r
    # a scope the client may not have, and openid (no user here)
    for s in ("seal.cm", "openid"):
        r = post("/oidc/v1/token", {"grant_type": "client_credentials", "scope": s},
                 {"Authorization": h.basic_auth("vs1", VS_SECRET)})
        oauth_error(r, 400, "invalid_scope")
    # a public client may not use it
    r = post("/oidc/v1/token", {"grant_type": "client_credentials", "client_id": "app"})
    oauth_error(r, 400, "unauthorized_client")


@test
def wrong_client_secret_and_unknown_client():
    # one character changed; never a suffix of a constant, which a random
    # secret ends with now and then (the last two were "AA" in one CI run)
    wrong = VS_SECRET[:10] + ("B" if VS_SECRET[10] == "A" else "A") + VS_SECRET[11:]
    r = post("/oidc/v1/token", {"grant_type": "client_credentials"},
             {"Authorization": h.basic_auth("vs1", wrong)})
    oauth_error(r, 401, "invalid_client")
    assert r.headers["www-authenticate"].startswith("Basic realm="), r.headers
    r = post("/oidc/v1/token", {"grant_type": "client_credentials", "client_id": "vs1",
                                "client_secret": "nope"})
    oauth_error(r, 401, "invalid_client")
    r = post("/oidc/v1/token", {"grant_type": "client_credentials"},
             {"Authorization": h.basic_auth("nobody", "x")})
    oauth_error(r, 401, "invalid_client")
    r = post("/oidc/v1/token", {"grant_type": "authorization_code", "client_id": "nobody",
                                "code": "x" * 43, "redirect_uri": RU, "code_verifier": "v" * 43})
    oauth_error(r, 401, "invalid_client")
    # a confidential client without its secret
    r = post("/oidc/v1/token", {"grant_type": "client_credentials", "client_id": "vs1"})
    oauth_error(r, 401, "invalid_client")
    # two authentication methods at once
    r = post("/oidc/v1/token", {"grant_type": "client_credentials", "client_secret": VS_SECRET},
             {"Authorization": h.basic_auth("vs1", VS_SECRET)})
    oauth_error(r, 400, "invalid_request")
    # unknown client at the authorization endpoint: an error page, never a redirect
    v, c = h.pkce_pair()
    r = h.im_authorize(srv, conn, "nobody", RU, "alice", PW, challenge=c)
    assert r.status == 400 and "location" not in r.headers, r
    assert r.headers["content-type"].startswith("text/html")


@test
def other_token_errors():
    r = post("/oidc/v1/token", {"grant_type": "password", "client_id": "app"})
    oauth_error(r, 400, "unsupported_grant_type")
    r = post("/oidc/v1/token", {"client_id": "app"})
    oauth_error(r, 400, "invalid_request")
    r = h.request(conn, "POST", "/oidc/v1/token", "grant_type=x&grant_type=y&client_id=app",
                  {"Content-Type": "application/x-www-form-urlencoded"})
    oauth_error(r, 400, "invalid_request")
    r = h.request(conn, "POST", "/oidc/v1/token", {"grant_type": "client_credentials"})
    oauth_error(r, 400, "invalid_request")   # JSON body
    r = post("/oidc/v1/token", {"grant_type": "authorization_code", "client_id": "app",
                                "code": "A" * 43, "redirect_uri": RU, "code_verifier": "v" * 43})
    oauth_error(r, 400, "invalid_grant")


@test
def code_reuse_revokes_its_tokens():
    code, verifier = login()
    r = code_grant(code, verifier)
    assert r.status == 200, r
    t = r.json()
    assert userinfo(t["access_token"]).status == 200
    r = code_grant(code, verifier)
    oauth_error(r, 400, "invalid_grant")
    # what the first use gave is revoked
    r = post("/oidc/v1/token", {"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                                "client_id": "app"})
    oauth_error(r, 400, "invalid_grant")
    r = userinfo(t["access_token"])
    assert r.status == 401 and 'error="invalid_token"' in r.headers["www-authenticate"], r
    assert introspect(t["access_token"]).json() == {"active": False}


@test
def wrong_code_verifier():
    code, verifier = login()
    other, _ = h.pkce_pair()
    oauth_error(code_grant(code, other), 400, "invalid_grant")
    # the code is used up by the failed attempt
    oauth_error(code_grant(code, verifier), 400, "invalid_grant")
    # a missing verifier
    code, verifier = login()
    r = post("/oidc/v1/token", {"grant_type": "authorization_code", "code": code,
                                "redirect_uri": RU, "client_id": "app"})
    oauth_error(r, 400, "invalid_request")


@test
def missing_or_plain_pkce():
    for extra in ({"code_challenge": None}, {"code_challenge_method": "plain"},
                  {"code_challenge_method": None}):
        v, c = h.pkce_pair()
        q = {"response_type": "code", "client_id": "app", "redirect_uri": RU, "scope": "openid",
             "state": "s9", "code_challenge": c, "code_challenge_method": "S256"}
        q.update(extra)
        q = {k: x for k, x in q.items() if x is not None}
        r = h.request(conn, "GET", "/oidc/v1/authorize?" + urllib.parse.urlencode(q))
        assert r.status == 302, r
        loc, p = h.redirect_params(r)
        assert loc.startswith(RU + "?") and p["error"] == "invalid_request" and p["state"] == "s9", p
    # other redirected errors
    v, c = h.pkce_pair()
    for extra, err in (({"scope": "openid seal.cm"}, "invalid_scope"),
                       ({"response_type": "token"}, "unsupported_response_type"),
                       ({"prompt": "none"}, "login_required")):
        q = {"response_type": "code", "client_id": "app", "redirect_uri": RU, "scope": "openid",
             "state": "s9", "code_challenge": c, "code_challenge_method": "S256"}
        q.update(extra)
        r = h.request(conn, "GET", "/oidc/v1/authorize?" + urllib.parse.urlencode(q))
        assert r.status == 302 and h.redirect_params(r)[1]["error"] == err, (extra, r)


@test
def redirect_uri_mismatch():
    v, c = h.pkce_pair()
    for ru in ("https://evil.example/cb", RU + "/x", None):
        q = {"response_type": "code", "client_id": "app", "scope": "openid", "state": "s",
             "code_challenge": c, "code_challenge_method": "S256"}
        if ru:
            q["redirect_uri"] = ru
        r = h.request(conn, "GET", "/oidc/v1/authorize?" + urllib.parse.urlencode(q))
        assert r.status == 400 and "location" not in r.headers, r
        assert b"invalid_request" in r.body
    # a loopback redirect URI may use another port (RFC 8252 7.3)
    r = h.im_authorize(srv, conn, "app", "http://127.0.0.1:5999/cb", "alice", PW, challenge=c)
    assert r.status == 302 and r.headers["location"].startswith("http://127.0.0.1:5999/cb?"), r
    code = h.redirect_params(r)[1]["code"]
    # the token request must repeat the same redirect_uri
    oauth_error(code_grant(code, v, redirect_uri=RU), 400, "invalid_grant")


@test
def refresh_replay_revokes_family():
    code, verifier = login()
    t = code_grant(code, verifier).json()
    r = post("/oidc/v1/token", {"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                                "client_id": "app"})
    assert r.status == 200, r
    t2 = r.json()
    # the old one again: a replay
    r = post("/oidc/v1/token", {"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                                "client_id": "app"})
    oauth_error(r, 400, "invalid_grant")
    # the rotated successor stops working too, and so do the access tokens
    r = post("/oidc/v1/token", {"grant_type": "refresh_token", "refresh_token": t2["refresh_token"],
                                "client_id": "app"})
    oauth_error(r, 400, "invalid_grant")
    assert userinfo(t2["access_token"]).status == 401
    assert introspect(t2["access_token"]).json() == {"active": False}
    # another client cannot use someone else's refresh token
    code, verifier = login()
    t = code_grant(code, verifier).json()
    r = post("/oidc/v1/token", {"grant_type": "refresh_token", "refresh_token": t["refresh_token"]},
             {"Authorization": h.basic_auth("vs1", VS_SECRET)})
    oauth_error(r, 400, "unauthorized_client")


@test
def revocation():
    code, verifier = login()
    t = code_grant(code, verifier).json()
    r = post("/oidc/v1/revoke", {"token": t["refresh_token"], "token_type_hint": "refresh_token",
                                 "client_id": "app"})
    assert r.status == 200, r
    r = post("/oidc/v1/token", {"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
                                "client_id": "app"})
    oauth_error(r, 400, "invalid_grant")
    # an access token of a server
    at = post("/oidc/v1/token", {"grant_type": "client_credentials"},
              {"Authorization": h.basic_auth("vs1", VS_SECRET)}).json()["access_token"]
    assert introspect(at).json()["active"] is True
    r = post("/oidc/v1/revoke", {"token": at}, {"Authorization": h.basic_auth("vs1", VS_SECRET)})
    assert r.status == 200, r
    assert introspect(at).json() == {"active": False}
    # unknown tokens are fine (RFC 7009 2.2); a bad client is not
    assert post("/oidc/v1/revoke", {"token": "junk", "client_id": "app"}).status == 200
    r = post("/oidc/v1/revoke", {"token": "junk"}, {"Authorization": h.basic_auth("vs1", "bad")})
    oauth_error(r, 401, "invalid_client")
    # introspection is for confidential clients
    r = post("/oidc/v1/introspect", {"token": at, "client_id": "app"})
    oauth_error(r, 401, "invalid_client")


@test
def userinfo_errors():
    c = srv.connection(client_cert=not authz)
    try:
        r = h.request_joined(c, "GET", "/oidc/v1/userinfo")
        assert r.status == 401 and r.headers["www-authenticate"].startswith("Bearer"), r
        r = h.request_joined(c, "GET", "/oidc/v1/userinfo", headers={"Authorization": "Bearer abc.def.ghi"})
        assert r.status == 401 and 'error="invalid_token"' in r.headers["www-authenticate"], r
        at = post("/oidc/v1/token", {"grant_type": "client_credentials"},
                  {"Authorization": h.basic_auth("vs1", VS_SECRET)}).json()["access_token"]
        r = h.request_joined(c, "GET", "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + at})
        if not authz:   # with authz_jwt the hook refuses it first (no scope openid)
            assert r.status == 403, r
            assert 'error="insufficient_scope"' in r.headers["www-authenticate"], r
        else:
            assert r.status in (401, 403), r
        # forged tokens built from a real one: each refused with invalid_token
        code, verifier = login()
        good = code_grant(code, verifier).json()["access_token"]
        hd, cl, _, sig = h.jwt_parts(good)
        enc = lambda o: h.b64url(json.dumps(o).encode())  # noqa: E731
        import hmac
        import hashlib
        jwk_text = json.dumps(jwks["keys"][0]).encode()
        forged = {
            "alg none": enc(dict(hd, alg="none")) + "." + enc(cl) + ".",
            "HS256 with the public key": (lambda si: si + "." + h.b64url(
                hmac.new(jwk_text, si.encode(), hashlib.sha256).digest()))(
                enc(dict(hd, alg="HS256")) + "." + enc(cl)),
            "payload changed": enc(hd) + "." + enc(dict(cl, sub="mallory")) + "." + h.b64url(sig),
            "unknown kid": enc(dict(hd, kid="nope")) + "." + enc(cl) + "." + h.b64url(sig),
            "zip header": enc(dict(hd, zip="DEF")) + "." + enc(cl) + "." + h.b64url(sig),
            "embedded jwk": enc(dict(hd, jwk=jwks["keys"][0])) + "." + enc(cl) + "." + h.b64url(sig),
        }
        for name, tok in forged.items():
            r = h.request_joined(c, "GET", "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + tok})
            assert r.status == 401, (name, r)
            assert 'error="invalid_token"' in r.headers["www-authenticate"], (name, r.headers)
            assert introspect(tok).json() == {"active": False}, name
        r = h.request_joined(c, "GET", "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + good})
        assert r.status == 200, r
    finally:
        c.close()


@test
def login_failure_shows_form():
    v, c = h.pkce_pair()
    r = h.im_authorize(srv, conn, "app", RU, "alice", "wrong", challenge=c)
    assert r.status == 200 and b"wrong user name or password" in r.body, r
    assert "location" not in r.headers
    r = h.im_authorize(srv, conn, "app", RU, "mallory", "wrong", challenge=c)
    assert r.status == 200 and b"wrong user name or password" in r.body, r


failed = 0
modes = [False]
if h.im_have_authz_jwt(h.im_build_paths()[1]):
    modes.append(True)
for mode in modes:
    setup(mode)
    print("# authz_jwt %s" % ("loaded" if authz else "absent (userinfo over mTLS)"))
    mode_failed = 0
    for t in tests:
        try:
            t()
            print("ok", t.__name__)
        except Exception:
            mode_failed += 1
            print("FAIL", t.__name__)
            traceback.print_exc()
    conn.close()
    if mode_failed:
        print("---- seald log ----")
        print(srv.log_text()[-6000:])
    rc = srv.stop()
    if rc != 0:
        print("seald exited with", rc)
        print(srv.log_text()[-3000:])
        mode_failed += 1
    failed += mode_failed
sys.exit(1 if failed else 0)
