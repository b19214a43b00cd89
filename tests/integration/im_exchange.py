# SPDX-License-Identifier: Apache-2.0
"""Token exchange (RFC 8693) between two seald processes, a primary and a
partner IdM server (TS 33.434 5.2.5/5.2.6 after TS 33.180 B.7 - B.9): the
user logs in at the primary; the client exchanges its access token (and its
ID token) there for a security token aimed at the partner (resource = the
partner's issuer); the partner checks it against the primary's JWKS, fetched
over HTTPS, and issues its own access token. Refused: a replayed security
token, one for another client, a tampered one, a resource that is not a
partner, a subject token of another client. After a key rotation at the
primary, the partner fetches the new key by itself."""
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

h.need_cryptography()

RU = "http://127.0.0.1:4711/cb"
PW = "pw-of-erin-1234"
TX = "urn:ietf:params:oauth:grant-type:token-exchange"
TT_AT = "urn:ietf:params:oauth:token-type:access_token"
TT_ID = "urn:ietf:params:oauth:token-type:id_token"
TT_JWT = "urn:ietf:params:oauth:token-type:jwt"

partner_port = h.free_port()
primary = h.ImSeald(im_conf={"partners": [{
    "issuer": "https://127.0.0.1:%d" % partner_port,
    "jwks_uri": "https://127.0.0.1:%d/oidc/v1/jwks" % partner_port}]})
primary.start()
partner = h.ImSeald(im_conf={"partner_jwks_min_refetch_s": 1, "partners": [{
    "issuer": primary.issuer, "jwks_uri": primary.issuer + "/oidc/v1/jwks",
    "ca_file": primary.certs["ca"][1]}]})
partner.start_at(partner_port)

primary.add_user("erin", PW, ["erin@val-a"])
for s in (primary, partner):
    s.add_client(client_id="app", type="public", redirect_uris=[RU],
                 scopes=["openid", "seal.gm", "seal.km"])
partner.add_client(client_id="app2", type="public", redirect_uris=[RU], scopes=["seal.gm"])
primary.add_client(client_id="other", type="public", redirect_uris=[RU], scopes=["openid"])
pc = primary.connection()
qc = partner.connection()


def tok(conn, form):
    return h.form_request(conn, "POST", "/oidc/v1/token", form)


def jwks(srv):
    c = srv.connection()
    try:
        return h.request(c, "GET", "/oidc/v1/jwks").json()
    finally:
        c.close()


def login(client="app"):
    v, c = h.pkce_pair()
    r = h.im_authorize(primary, pc, client, RU, "erin", PW, challenge=c)
    assert r.status == 302, r
    code = h.redirect_params(r)[1]["code"]
    r = tok(pc, {"grant_type": "authorization_code", "code": code, "redirect_uri": RU,
                 "client_id": client, "code_verifier": v})
    assert r.status == 200, r
    return r.json()


def security_token(subject, tt=TT_AT, client="app"):
    return tok(pc, {"grant_type": TX, "client_id": client, "subject_token": subject,
                    "subject_token_type": tt, "resource": partner.issuer})


def at_partner(st, client="app", scope="seal.gm"):
    return tok(qc, {"grant_type": TX, "client_id": client, "subject_token": st,
                    "subject_token_type": TT_JWT, "scope": scope})


def err(r, status, error):
    assert r.status == status and r.json()["error"] == error, r


failed = 0
try:
    t = login()
    r = security_token(t["access_token"])
    assert r.status == 200, r
    assert r.headers["cache-control"] == "no-store"
    x = r.json()
    assert x["issued_token_type"] == TT_JWT and x["token_type"] == "N_A", x
    hdr, st = h.jwt_verify_es256(x["access_token"], jwks(primary))
    assert st["iss"] == primary.issuer and st["sub"] == "erin", st
    assert st["aud"] == ["app", partner.issuer], st
    assert st["val_user_ids"] == ["erin@val-a"] and st["exp"] - st["iat"] == 120, st
    print("ok security token from the primary")

    r = at_partner(x["access_token"])
    assert r.status == 200, r
    y = r.json()
    assert y["issued_token_type"] == TT_AT and y["token_type"] == "Bearer", y
    hdr, at = h.jwt_verify_es256(y["access_token"], jwks(partner))
    assert hdr["typ"] == "at+jwt"
    assert at["iss"] == partner.issuer and at["sub"] == "erin" and at["client_id"] == "app", at
    assert at["scope"] == "seal.gm" and at["aud"] == "seal" and at["val_user_ids"] == ["erin@val-a"]
    print("ok partner access token")

    err(at_partner(x["access_token"]), 400, "invalid_grant")          # replayed
    x2 = security_token(t["access_token"]).json()["access_token"]
    err(at_partner(x2, client="app2"), 400, "invalid_grant")          # aud lacks app2
    err(at_partner(x2, scope="seal.cm"), 400, "invalid_scope")
    parts = x2.split(".")
    tampered = parts[0] + "." + h.b64url(h.b64url_decode(parts[1]).replace(b"erin", b"eve!")) \
        + "." + parts[2]
    err(at_partner(tampered), 400, "invalid_grant")
    err(tok(pc, {"grant_type": TX, "client_id": "app", "subject_token": t["access_token"],
                 "subject_token_type": TT_AT, "resource": "https://elsewhere.example"}),
        400, "invalid_target")
    other = login("other")
    err(security_token(other["access_token"]), 400, "invalid_grant")  # another client's token
    err(tok(pc, {"grant_type": TX, "client_id": "app", "subject_token": t["access_token"]}),
        400, "invalid_request")
    print("ok refusals")

    # the ID token as subject token works too
    r = security_token(t["id_token"], tt=TT_ID)
    assert r.status == 200, r
    assert at_partner(r.json()["access_token"]).status == 200

    # key rotation at the primary: the partner fetches the new key itself
    r = primary.admin("POST", "/admin/v1/keys/rotate")
    assert r.status == 200, r
    new_kid = r.json()["kid"]
    time.sleep(1.1)   # partner_jwks_min_refetch_s
    r = security_token(t["access_token"])
    assert r.status == 200, r
    assert h.jwt_parts(r.json()["access_token"])[0]["kid"] == new_kid
    r = at_partner(r.json()["access_token"])
    assert r.status == 200, r
    print("ok after a key rotation at the primary")
except Exception:
    failed = 1
    traceback.print_exc()
    print("---- primary ----\n" + primary.log_text()[-3000:])
    print("---- partner ----\n" + partner.log_text()[-3000:])
pc.close()
qc.close()
for s in (partner, primary):
    if s.stop() != 0:
        print("seald exited with an error")
        failed = 1
sys.exit(failed)
