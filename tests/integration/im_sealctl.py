# SPDX-License-Identifier: Apache-2.0
"""sealctl against a real seald over mutual TLS: users (password on standard
input) and clients are added, listed and disabled, the signing key rotated,
and each action shows in the OAuth endpoints (a login works with the new
password, a client secret printed once works at the token endpoint, a
disabled client or user is refused, the JWKS keeps the previous key). Only
an operator administers (a certificate seald.conf "principals" maps with
role operator): a VAL server's certificate, a valid certificate the table
does not list, or none, gets 403; the retired im_uu admin_dns is a
configuration error. A missing kek_file stops the start once the store
holds what was wrapped under it."""
import os
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

h.need_cryptography()
sealctl = os.path.join(os.environ.get("top_builddir", "."), "tools/sealctl/sealctl")
if not os.access(sealctl, os.X_OK):
    print("SKIP: %s not built" % sealctl)
    sys.exit(h.SKIP)

RU = "http://127.0.0.1:4711/cb"
srv = h.ImSeald()
h.im_add_client_cert(srv.certs, srv.tmp, "stranger", "seal stranger")
srv.start()


def ctl(*args, stdin="", cert="admin"):
    cmd = [sealctl, "--url", srv.issuer, "--cacert", srv.certs["ca"][1],
           "--cert", srv.certs[cert][1], "--key", srv.certs[cert][0]] + list(args)
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def token(form, headers=None):
    c = srv.connection()
    try:
        return h.form_request(c, "POST", "/oidc/v1/token", form, headers)
    finally:
        c.close()


def login(user, pw):
    c = srv.connection()
    try:
        v, ch = h.pkce_pair()
        r = h.im_authorize(srv, c, "app", RU, user, pw, challenge=ch)
        if r.status != 302:
            return r, None
        code = h.redirect_params(r)[1]["code"]
        return r, h.form_request(c, "POST", "/oidc/v1/token", {
            "grant_type": "authorization_code", "code": code, "redirect_uri": RU,
            "client_id": "app", "code_verifier": v}).json()
    finally:
        c.close()


failed = 0
try:
    rc, out, err = ctl("user", "add", "alice", "--val-user-id", "alice@val", "--val-user-id",
                       "a2@val", stdin="s3cret-from-stdin\n")
    assert rc == 0 and "user alice added" in out and "alice@val,a2@val" in out, (rc, out, err)
    rc, out, err = ctl("user", "add", "alice", stdin="another-password\n")
    assert rc == 1 and "409" in err, (rc, out, err)
    rc, out, err = ctl("user", "add", "bob", stdin="short\n")
    assert rc == 1 and "400" in err and "password" in err, (rc, out, err)
    rc, out, err = ctl("user", "add", "bob", stdin="")
    assert rc == 1 and "no password" in err, (rc, out, err)
    rc, out, err = ctl("user", "list")
    assert rc == 0 and "alice" in out and "argon2" not in out and "bob" not in out, out
    rc, out, err = ctl("--json", "user", "list")
    assert rc == 0 and '"user_id":"alice"' in out.replace(" ", ""), out
    print("ok users")

    rc, out, err = ctl("client", "add", "app", "--type", "public", "--redirect-uri", RU,
                       "--scope", "openid", "--scope", "seal.km", "--scope", "seal.gm")
    assert rc == 0 and "client_id: app" in out and "client_secret" not in out, (rc, out, err)
    assert "scopes: openid,seal.km,seal.gm\n" in out and "redirect_uris: %s\n" % RU in out, out
    rc, out, err = ctl("client", "add", "vs1", "--type", "confidential", "--scope", "seal.gm",
                       "--name", "VAL server 1")
    assert rc == 0 and "client_secret: " in out and "only this once" in out, (rc, out, err)
    assert "scopes: seal.gm\n" in out and "grant_types: client_credentials\n" in out, out
    secret = [ln.split(": ", 1)[1] for ln in out.splitlines() if ln.startswith("client_secret:")][0]
    rc, out, err = ctl("client", "list")
    assert rc == 0 and "vs1" in out and "confidential" in out and secret not in out, out
    rc, out, err = ctl("client", "add", "--type", "secret")
    assert rc == 1 and "400" in err, (rc, out, err)
    r = token({"grant_type": "client_credentials"}, {"Authorization": h.basic_auth("vs1", secret)})
    assert r.status == 200 and r.json()["scope"] == "seal.gm", r
    print("ok clients")

    r, t = login("alice", "s3cret-from-stdin")
    assert r.status == 302 and t and "id_token" in t, r
    old_access = t["access_token"]

    rc, out, err = ctl("key", "rotate")
    assert rc == 0 and "is current" in out, (rc, out, err)
    c = srv.connection()
    jwks = h.request(c, "GET", "/oidc/v1/jwks").json()
    c.close()
    assert len(jwks["keys"]) == 2, jwks
    h.jwt_verify_es256(old_access, jwks)   # tokens of the previous key still verify
    r = token({"grant_type": "client_credentials"}, {"Authorization": h.basic_auth("vs1", secret)})
    new_kid = h.jwt_parts(r.json()["access_token"])[0]["kid"]
    assert new_kid != h.jwt_parts(old_access)[0]["kid"] and new_kid == jwks["keys"][0]["kid"]
    print("ok key rotation")

    rc, out, err = ctl("client", "disable", "vs1")
    assert rc == 0 and "client vs1 disabled" in out, (rc, out, err)
    r = token({"grant_type": "client_credentials"}, {"Authorization": h.basic_auth("vs1", secret)})
    assert r.status == 401 and r.json()["error"] == "invalid_client", r
    rc, out, err = ctl("client", "disable", "nosuch")
    assert rc == 1 and "404" in err, (rc, out, err)
    rc, out, err = ctl("user", "disable", "alice")
    assert rc == 0, (rc, out, err)
    r = token({"grant_type": "refresh_token", "refresh_token": t["refresh_token"],
               "client_id": "app"})
    assert r.status == 400 and r.json()["error"] == "invalid_grant", r
    r, _ = login("alice", "s3cret-from-stdin")
    assert r.status == 200 and b"wrong user name or password" in r.body, r
    rc, out, err = ctl("user", "list")
    assert "alice" in out and "false" in out, out
    print("ok disable")

    # only an operator may administer
    for cert in ("client", "stranger"):
        rc, out, err = ctl("user", "list", cert=cert)
        assert rc == 1 and "403" in err, (cert, rc, out, err)
    c = srv.connection(client_cert=False)
    r = h.request(c, "GET", "/admin/v1/users")
    c.close()
    assert r.status == 403 and r.headers["content-type"] == "application/problem+json", r
    c = srv.connection(client_cert=True, cert_name="client")
    r = h.request(c, "POST", "/admin/v1/keys/rotate")
    c.close()
    assert r.status == 403, r
    c = srv.config(srv.port)       # (the port is only rendered, not bound)
    c["plugins"]["im_uu"]["admin_dns"] = [srv.admin_dn]
    rc, err = h.check_config(srv, c)
    assert rc != 0 and "$.plugins.im_uu.admin_dns: admin_dns is no longer read" in err, err
    print("ok refusals")

    # A lost or mis-pointed kek_file stops the start instead of making a new
    # key, which would orphan every signing key and client secret; once the
    # file is back, everything works as before.
    rc, out, err = ctl("client", "add", "vs2", "--type", "confidential", "--scope", "seal.gm")
    assert rc == 0, (rc, out, err)
    secret2 = [ln.split(": ", 1)[1] for ln in out.splitlines()
               if ln.startswith("client_secret:")][0]
    port = srv.port
    assert srv.stop() == 0
    kek = os.path.join(srv.tmp, "im.kek")
    os.rename(kek, kek + ".away")
    try:
        srv.start_at(port)
        raise AssertionError("seald started without its kek_file")
    except h.StartError as e:
        assert "im.kek is missing but the store holds signing keys and client secrets" in e.log \
            and "restore the file from its backup" in e.log, e.log
    assert not os.path.exists(kek), "a new kek_file was made"
    os.rename(kek + ".away", kek)
    srv.start_at(port)
    r = token({"grant_type": "client_credentials"}, {"Authorization": h.basic_auth("vs2", secret2)})
    assert r.status == 200, r
    print("ok kek_file missing")
except Exception:
    failed = 1
    traceback.print_exc()
    print(srv.log_text()[-3000:])
if srv.stop() != 0:
    failed = 1
sys.exit(failed)
