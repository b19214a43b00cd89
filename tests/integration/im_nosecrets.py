# SPDX-License-Identifier: Apache-2.0
"""No secret in any log, nor in clear in the database: runs the whole flow
through seald at log level debug (admin set-up, a failed and a good login,
code + PKCE, token, userinfo, refresh, code reuse, client_credentials with
Basic and with the secret in the body, introspection, revocation, a wrong
client secret), then searches seald's log, its access log and the SQLite
database file for every password, code, code_verifier, token and client
secret the run used, whole and as 16-character pieces. The access log must
still have one line per request (so the search covers something)."""
import os
import sys
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

RU = "http://127.0.0.1:4711/cb"
PW = "Sup3r-secret-passw0rd!"
WRONG = "Wr0ng-but-still-secret"

srv = h.ImSeald(log_level="debug")
srv.start()
conn = srv.connection()
authz = srv.use_authz
secrets = {"password": PW, "wrong password": WRONG}
requests_made = 0


def post(path, form, headers=None):
    global requests_made
    requests_made += 1
    return h.form_request(conn, "POST", path, form, headers)


failed = 0
try:
    srv.add_user("dave", PW, ["dave@val"])
    srv.add_client(client_id="app", type="public", redirect_uris=[RU], scopes=["openid", "seal.gm"])
    vs = srv.add_client(client_id="vs1", type="confidential", scopes=["seal.gm"])
    secrets["client secret"] = vs["client_secret"]

    v, c = h.pkce_pair()
    r = h.im_authorize(srv, conn, "app", RU, "dave", WRONG, challenge=c)
    assert r.status == 200, r
    r = h.im_authorize(srv, conn, "app", RU, "dave", PW, challenge=c, state="state-xyz")
    assert r.status == 302, r
    code = h.redirect_params(r)[1]["code"]
    secrets.update({"code": code, "code_verifier": v})
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": RU,
            "client_id": "app", "code_verifier": v}
    t = post("/oidc/v1/token", form).json()
    secrets.update({"access token": t["access_token"], "refresh token": t["refresh_token"],
                    "id token": t["id_token"]})
    uc = srv.connection(client_cert=not authz)
    r = h.request(uc, "GET", "/oidc/v1/userinfo",
                  headers={"Authorization": "Bearer " + t["access_token"]})
    uc.close()
    assert r.status == 200, r
    t2 = post("/oidc/v1/token", {"grant_type": "refresh_token", "client_id": "app",
                                 "refresh_token": t["refresh_token"]}).json()
    secrets.update({"access token 2": t2["access_token"], "refresh token 2": t2["refresh_token"]})
    assert post("/oidc/v1/token", form).status == 400            # code reuse
    r = post("/oidc/v1/token", {"grant_type": "client_credentials"},
             {"Authorization": h.basic_auth("vs1", vs["client_secret"])})
    assert r.status == 200, r
    secrets["server token"] = r.json()["access_token"]
    r = post("/oidc/v1/token", {"grant_type": "client_credentials", "client_id": "vs1",
                                "client_secret": vs["client_secret"]})
    assert r.status == 200, r
    r = post("/oidc/v1/introspect", {"token": secrets["server token"]},
             {"Authorization": h.basic_auth("vs1", vs["client_secret"])})
    assert r.status == 200 and r.json()["active"], r
    r = post("/oidc/v1/revoke", {"token": secrets["server token"], "client_id": "vs1",
                                 "client_secret": vs["client_secret"]})
    assert r.status == 200, r
    bad = vs["client_secret"][:20] + "x" * 23
    secrets["wrong client secret"] = bad
    assert post("/oidc/v1/token", {"grant_type": "client_credentials"},
                {"Authorization": h.basic_auth("vs1", bad)}).status == 401
    conn.close()
    rc = srv.stop()
    assert rc == 0, "seald exited with %r" % rc

    with open(os.path.join(srv.tmp, "seal.db"), "rb") as f:
        db = f.read()
    for ext in ("-wal",):
        try:
            with open(os.path.join(srv.tmp, "seal.db" + ext), "rb") as f:
                db += f.read()
        except OSError:
            pass
    logs = {"seald log": srv.log_text(), "access log": srv.access_log_text()}
    assert logs["access log"].count(" POST /oidc/v1/token ") >= 6, logs["access log"]
    assert "/oidc/v1/authorize" in logs["access log"]
    # The query string is never logged, so neither is the authorization request.
    assert "code_challenge" not in logs["access log"] and "state-xyz" not in logs["access log"]
    for name, secret in secrets.items():
        pieces = {secret} | {secret[i:i + 16] for i in range(0, max(1, len(secret) - 15), 8)}
        # urlencoded forms of the secret, as a careless log of a body would show
        pieces |= {urllib.parse.quote_plus(secret)}
        for where, text in logs.items():
            for p in pieces:
                assert p not in text, "%s (piece %r) found in the %s" % (name, p, where)
        # the database holds hashes, wrapped keys and tokens' jti only
        if name not in ("id token", "access token", "access token 2", "server token"):
            for p in pieces:
                assert p.encode() not in db, "%s (piece %r) found in the database" % (name, p)
    print("ok no secret in %d log bytes, %d access lines, %d database bytes (%d secrets)" %
          (len(logs["seald log"]), logs["access log"].count("\n"), len(db), len(secrets)))
except Exception:
    failed = 1
    traceback.print_exc()
    print(srv.log_text()[-3000:])
srv.stop()
sys.exit(failed)
