# SPDX-License-Identifier: Apache-2.0
"""Revocation reaches the resource servers (authz_jwt revocation_uri, the
im's revocation list), through two real seald processes over HTTPS:

  IDM  im + im_uu, and resource servers in the same process: authz_jwt,
       km + km_uu (KM-UU), gm + seal_s (SS-GM), gm_uu (GM-UU);
  RS   the same resource servers without im, trusting IDM's tokens and
       polling IDM's revocation list (revocation_poll_s 1,
       revocation_max_age_s 5).

Still-unexpired access tokens are used on an SS-GM, a KM-UU and a GM-UU
route of both, then:
  (a) their user is disabled: IDM's KMS refuses the user's key provisioning
      at once (the in-process hook), IDM's three routes at once too, RS's
      three within the bound (the delay is measured and printed);
  (b) RFC 7009 revocation of an access token: the same;
  (c) an authorization code redeemed twice: the first redemption's access
      token is refused likewise;
  (e) a client is disabled: its client_credentials token is refused;
  (d) fail closed: with IDM stopped, RS refuses every token of IDM (503,
      Retry-After) once its last list is revocation_max_age_s old, and
      serves them again when IDM is back.
Also the list itself: public, no-store, advertised in discovery, naming
nobody (hashes), and a user untouched by all this keeps working."""
import base64
import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import gmk_harness as g  # noqa: E402

POLL_S, MAX_AGE_S = 1, 5
GMS = "sip:gms@example.org"
SSGM = ("GET", "/ss-gm/v1/group-documents")
KMUU = ("POST", "/keymanagement/identity/v1/init")
KEYPROV = ("POST", "/keymanagement/identity/v1/keyprov")
GMUU = ("GET", "/gm-uu/v1/gmk-messages")
ROUTES = (SSGM, KMUU, GMUU)
LIST = "/oidc/v1/revocations"
USERS = ("alice", "bob", "carol", "erin", "frank")


def authz(issuer):
    """authz_jwt trusting IDM's tokens and polling its revocation list."""
    return lambda s: {"issuers": [{"issuer": issuer.url,
                                   "jwks_uri": issuer.url + "/oidc/v1/jwks",
                                   "revocation_uri": issuer.url + LIST,
                                   "ca_file": issuer.certs["ca"][1]}],
                      "jwks_wait_ms": 10000, "revocation_poll_s": POLL_S,
                      "revocation_max_age_s": MAX_AGE_S}


def resource_plugins(issuer):
    return [("authz_jwt", authz(issuer)),
            ("km", lambda s: {"kms_uri": "kms.example.org",
                              "master_key_file": os.path.join(s.tmp, "km.kek"),
                              "clients": {"vs1": ["sip:vs1@example.org"],
                                          "vs2": ["sip:vs2@example.org"]}}),
            ("km_uu", {}), ("seal_x1", {"gms_uri": GMS}),
            ("gm", lambda s: {"gmk": {"kek_file": os.path.join(s.tmp, "gmk.kek")}}),
            ("seal_s", {}), ("gm_uu", {})]


class Idm(g.GmkSeald):
    """The IdM with resource servers beside it; authz_jwt polls itself."""

    def __init__(self):
        super().__init__([("store_sqlite", g.store_conf), ("crypto_gnutls", {}),
                          ("im", lambda s: dict(g.im_conf(s), access_token_ttl=600)),
                          ("im_uu", g.im_uu_conf)] + resource_plugins(self))


idm = Idm()
idm.start()
rs = g.GmkSeald([("store_sqlite", g.store_conf), ("crypto_gnutls", {})] + resource_plugins(idm),
                certs=idm.certs)
rs.start()

for u in USERS:
    idm.add_user(u, ["sip:%s@example.org" % u])
idm.add_client(client_id="app", type="public", redirect_uris=[g.RU],
               scopes=["openid", "seal.gm", "seal.km"])
SECRET = {c: idm.add_client(client_id=c, type="confidential",
                            scopes=["seal.gm", "seal.km"])["client_secret"]
          for c in ("vs1", "vs2")}


def call(srv, route, token):
    c = srv.connection()
    try:
        return h.request_joined(c, route[0], route[1], b"" if route[0] == "POST" else None,
                                {"Authorization": "Bearer " + token})
    finally:
        c.close()


def revoked(r):
    return r.status == 401 and "the access token was revoked" in \
        r.headers.get("www-authenticate", "")


def served(r):
    """Past authz_jwt: whatever the binding then says of this caller
    (lib/access may refuse a VAL server a user's route), not its token."""
    return r.status not in (401, 500, 503)


def client_token(cid):
    c = idm.connection()
    try:
        r = h.form_request(c, "POST", "/oidc/v1/token",
                           {"grant_type": "client_credentials", "scope": "seal.gm seal.km"},
                           {"Authorization": h.basic_auth(cid, SECRET[cid])})
    finally:
        c.close()
    assert r.status == 200, r
    return r.json()["access_token"]


def code_for(user):
    """A code of the flow with PKCE and its verifier."""
    c = idm.connection()
    try:
        verifier, challenge = h.pkce_pair()
        r = h.im_authorize(idm, c, "app", g.RU, user, g.PW, scope="openid seal.gm seal.km",
                           challenge=challenge)
        assert r.status == 302, r
        return h.redirect_params(r)[1]["code"], verifier
    finally:
        c.close()


def redeem(code, verifier):
    c = idm.connection()
    try:
        return h.form_request(c, "POST", "/oidc/v1/token",
                              {"grant_type": "authorization_code", "code": code,
                               "redirect_uri": g.RU, "client_id": "app",
                               "code_verifier": verifier})
    finally:
        c.close()


def jti_of(token):
    return h.jwt_parts(token)[1]["jti"]


def sha256(text):
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def revocation_list():
    c = idm.connection()
    try:
        r = h.request(c, "GET", LIST)
    finally:
        c.close()
    assert r.status == 200 and r.headers.get("cache-control") == "no-store", r
    return r


def wait_served(srv, token, timeout=60):
    """authz_jwt reads the key set and the first list once seald listens."""
    end = time.time() + timeout
    while True:
        r = call(srv, SSGM, token)
        if served(r):
            return
        assert time.time() < end, "tokens still refused: %r" % r
        time.sleep(0.1)


def all_served(token, servers=(idm, rs)):
    for srv in servers:
        for route in ROUTES:
            r = call(srv, route, token)
            assert served(r), (srv.port, route, r)


def refused_at_once(token):
    for route in ROUTES:
        r = call(idm, route, token)
        assert revoked(r), (route, r)


def refused_within_bound(token, t0, what):
    """Every RS route refuses token as revoked; returns the delay of each
    from t0 (when the revoking call returned). The bound: the next list RS
    reads, at most POLL_S later, and never more than MAX_AGE_S."""
    end = t0 + MAX_AGE_S + 10
    delays = {}
    while len(delays) < len(ROUTES):
        for route in ROUTES:
            if route in delays:
                continue
            r = call(rs, route, token)
            if revoked(r):
                delays[route] = time.time() - t0
            else:
                assert served(r), (route, r)
        assert time.time() < end, "not refused after %.1f s: %r" % (time.time() - t0, delays)
        if len(delays) < len(ROUTES):
            time.sleep(0.05)
    print("  %s: remote resource server refuses within %s s (poll %d s, bound %d s)" % (
        what, ", ".join("%s %.2f" % (p.split("/")[1], d) for (_, p), d in delays.items()),
        POLL_S, MAX_AGE_S))
    for route, d in delays.items():
        assert d <= MAX_AGE_S, (route, d)
    return delays


tokens = {u: idm.user_token(u) for u in USERS}
wait_served(idm, tokens["frank"])
wait_served(rs, tokens["frank"])

tests = []


def test(fn):
    tests.append(fn)
    return fn


@test
def the_list_is_public_no_store_and_names_nobody():
    r = revocation_list()
    lst = r.json()
    assert lst["issuer"] == idm.url, lst
    assert abs(lst["generated"] - time.time()) < 60, lst
    for k in ("jtis", "subjects", "clients"):
        assert isinstance(lst[k], list), lst
    c = idm.connection()
    try:
        d = h.request(c, "GET", "/.well-known/openid-configuration").json()
    finally:
        c.close()
    assert d["seal_revocation_list_uri"] == idm.url + LIST, d


@test
def a_disabled_users_tokens_are_refused():
    tok = tokens["alice"]
    all_served(tok)
    assert call(idm, KEYPROV, tok).status == 200
    assert call(rs, KEYPROV, tok).status == 200
    r = idm.admin("POST", "/admin/v1/users/alice/disable")
    t0 = time.time()
    assert r.status in (200, 204), r
    # The KMS in the IdM's seald issues nothing more at once.
    r = call(idm, KEYPROV, tok)
    assert revoked(r), r
    print("  user disabled: the in-process KMS refused key provisioning %.3f s after the "
          "disable returned" % (time.time() - t0))
    refused_at_once(tok)
    refused_within_bound(tok, t0, "user disabled")
    assert revoked(call(rs, KEYPROV, tok))
    lst = revocation_list()
    assert any(e["sha256"] == sha256("alice") for e in lst.json()["subjects"]), lst
    assert b"alice" not in lst.body, lst
    # A user untouched by this keeps working.
    all_served(tokens["frank"])


@test
def a_token_revoked_by_its_client_is_refused():
    tok = tokens["bob"]
    all_served(tok)
    c = idm.connection()
    try:
        r = h.form_request(c, "POST", "/oidc/v1/revoke",
                           {"token": tok, "token_type_hint": "access_token", "client_id": "app"})
    finally:
        c.close()
    t0 = time.time()
    assert r.status == 200, r
    assert revoked(call(idm, KEYPROV, tok))
    refused_at_once(tok)
    refused_within_bound(tok, t0, "RFC 7009 revocation")
    assert any(e["jti"] == jti_of(tok) for e in revocation_list().json()["jtis"])
    # Only that token: bob's next one works.
    all_served(idm.user_token("bob"))


@test
def a_replayed_codes_first_token_is_refused():
    code, verifier = code_for("carol")
    r = redeem(code, verifier)
    assert r.status == 200, r
    tok = r.json()["access_token"]
    all_served(tok)
    r = redeem(code, verifier)
    t0 = time.time()
    assert r.status == 400 and r.json()["error"] == "invalid_grant", r
    assert revoked(call(idm, KEYPROV, tok))
    refused_at_once(tok)
    refused_within_bound(tok, t0, "authorization code replayed")


@test
def a_disabled_clients_tokens_are_refused():
    tok = client_token("vs2")
    all_served(tok)
    r = idm.admin("POST", "/admin/v1/clients/vs2/disable")
    t0 = time.time()
    assert r.status in (200, 204), r
    refused_at_once(tok)
    refused_within_bound(tok, t0, "client disabled")
    lst = revocation_list()
    assert any(e["sha256"] == sha256("vs2") for e in lst.json()["clients"]), lst
    assert b"vs2" not in lst.body, lst
    all_served(client_token("vs1"))


@test
def without_the_idm_tokens_are_refused_after_max_age():
    tok = tokens["erin"]
    all_served(tok, servers=(rs,))
    idm.stop()
    t0 = time.time()
    end = t0 + MAX_AGE_S + POLL_S + 10
    while True:
        r = call(rs, SSGM, tok)
        if r.status == 503:
            break
        assert served(r), r
        assert time.time() < end, "still served %.1f s after the IdM stopped" % (
            time.time() - t0)
        time.sleep(0.1)
    delay = time.time() - t0
    print("  IdM stopped: its tokens refused (503) %.2f s later (max age %d s)" % (
        delay, MAX_AGE_S))
    assert r.headers.get("retry-after") == str(POLL_S), r.headers
    assert r.headers.get("content-type") == "application/problem+json", r.headers
    # Refused once the last list read (before the stop) is max_age old, not
    # later (plus a request's time).
    assert delay <= MAX_AGE_S + 1, delay
    for route in ROUTES:
        assert call(rs, route, tok).status == 503, route
    # Said in the log (by the refresher, at its next turn).
    end = time.time() + POLL_S + 10
    while "no revocation list read" not in rs.log_text():
        assert time.time() < end, rs.log_text()[-2000:]
        time.sleep(0.1)
    # The IdM back: served again.
    idm.start_at(idm.port)
    wait_served(rs, tok)
    all_served(tok, servers=(rs,))


sys.exit(1 if g.run_tests(tests) else 0)
