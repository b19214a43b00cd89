# SPDX-License-Identifier: Apache-2.0
"""Identifiers and scopes through the real seald and the real sealctl
(doc/authorization.md; "Identifiers" in plugins/services/im/README):

- a user id, a VAL user id or a client id that an administration route
  could not address (a '/', a space) is refused at creation with 400
  naming the field; so is a KMS identity outside the grammar in km's
  configuration or in km_uu's revocation route;
- identifiers with sub-delims, ':' and '@' round-trip through sealctl: a
  user "alice+ops@example.org;x=1" is added, signs in and is disabled; a
  KMS identity "sip:alice+ops@example.org;x=1" is revoked and restored;
- user ids and client ids share one name space (409 either way);
- a client gets exactly the scopes registered for it: sealctl prints them;
  one registered without scopes gets none (client_credentials is
  invalid_scope with or without a scope parameter), a public client asks
  only for a subset of its own.

Administration access is the harness's: ImSeald maps its "admin"
certificate as the operator in seald.conf "principals"."""
import os
import subprocess
import sys
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import km_harness as k  # noqa: E402

PW = "correct horse battery staple"
SPECIAL_USER = "alice+ops@example.org;x=1"
SPECIAL_IDENTITY = "sip:alice+ops@example.org;x=1"
UE_SCOPES = ["openid", "seal.km", "seal.gm"]
sealctl = os.path.join(os.environ.get("top_builddir", "."), "tools/sealctl/sealctl")


def main():
    if not os.access(sealctl, os.X_OK):
        print("SKIP: %s not built" % sealctl)
        return h.SKIP
    h.need_cryptography()
    srv = k.KmSeald()
    srv.start()

    def ctl(*args, stdin=""):
        cmd = [sealctl, "--url", srv.issuer, "--cacert", srv.certs["ca"][1],
               "--cert", srv.certs["admin"][1], "--key", srv.certs["admin"][0]] + list(args)
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def token(form, headers=None):
        c = srv.connection()
        try:
            return h.form_request(c, "POST", "/oidc/v1/token", form, headers)
        finally:
            c.close()

    def authorize(client_id, scope, user=SPECIAL_USER):
        c = srv.connection()
        try:
            _, challenge = h.pkce_pair()
            r = h.im_authorize(srv, c, client_id, k.RU, user, PW, scope=scope,
                               challenge=challenge)
            assert r.status == 302, r
            return h.redirect_params(r)[1]
        finally:
            c.close()

    def secret_of(out):
        return [ln.split(": ", 1)[1] for ln in out.splitlines()
                if ln.startswith("client_secret:")][0]

    def refused_400(rc, err, field):
        assert rc == 1 and "HTTP 400" in err and field in err, (rc, err)

    try:
        # -- identifiers an administration route could not address
        for bad in ("a/b", "a b", "a%2Fb"):
            rc, out, err = ctl("user", "add", bad, stdin=PW + "\n")
            refused_400(rc, err, "user_id")
        for bad in ("sip:a b@example.org", "sip:a/b@example.org"):
            rc, out, err = ctl("user", "add", "carol", "--val-user-id", bad, stdin=PW + "\n")
            refused_400(rc, err, "val_user_ids/0")
        r = srv.admin("POST", "/admin/v1/users",
                      {"user_id": "carol", "password": PW, "val_user_ids": ["sip:" + "a" * 252]})
        assert r.status == 400 and "val_user_ids/0" in r.json()["detail"], r   # 256 octets
        # strict JSON: a duplicate member is refused, naming it (lib/sjson)
        for path in ("/admin/v1/users", "/admin/v1/clients"):
            c = srv.connection(client_cert=True, cert_name="admin")
            r = h.request(c, "POST", path, b'{"user_id":"carol","user_id":"eve","type":"public",'
                                           b'"client_id":"x","client_id":"y"}',
                          {"Content-Type": "application/json"})
            c.close()
            assert r.status == 400 and "duplicate member name" in r.json()["detail"] \
                and ("/user_id" in r.json()["detail"] or "/client_id" in r.json()["detail"]), r
        rc, out, err = ctl("client", "add", "vs/1", "--type", "confidential")
        refused_400(rc, err, "client_id")
        rc, out, err = ctl("user", "list")
        assert rc == 0 and "carol" not in out and "a b" not in out, out
        print("ok ids with '/' or a space are refused at creation, naming the field")

        # -- specials round-trip through sealctl
        rc, out, err = ctl("user", "add", SPECIAL_USER, "--val-user-id", SPECIAL_IDENTITY,
                           stdin=PW + "\n")
        assert rc == 0 and "user %s added" % SPECIAL_USER in out, (rc, out, err)
        rc, out, err = ctl("client", "add", "ue", "--type", "public", "--redirect-uri", k.RU,
                           *[a for s in UE_SCOPES for a in ("--scope", s)])
        assert rc == 0 and "scopes: openid,seal.km,seal.gm\n" in out, (rc, out, err)
        qs = authorize("ue", "openid seal.km")
        assert "code" in qs, qs
        tok = k.user_token(srv, SPECIAL_USER, PW, client_id="ue")
        k.wait_authz(srv, tok)
        assert k.kms_post(srv, "/keyprov", tok).status == 200
        rc, out, err = ctl("km", "revoke", SPECIAL_IDENTITY)
        assert rc == 0 and "revoked" in out, (rc, out, err)
        rc, out, err = ctl("km", "status", SPECIAL_IDENTITY)
        assert rc == 0 and out.strip() == SPECIAL_IDENTITY + ": revoked", (rc, out, err)
        assert "revoked" in k.kms_error(k.kms_post(srv, "/keyprov", tok), srv, 403)
        for bad in ("sip:a<b>@example.org", "sip:a\"b@example.org", "sip:a b@example.org"):
            r = srv.admin("GET", "/admin/v1/km/revocations/" + urllib.parse.quote(bad, safe=""))
            assert r.status == 400 and r.json()["invalidParams"][0]["param"] == "identity", r
        rc, out, err = ctl("km", "restore", SPECIAL_IDENTITY)
        assert rc == 0 and "restored" in out, (rc, out, err)
        assert k.kms_post(srv, "/keyprov", tok).status == 200
        rc, out, err = ctl("user", "disable", SPECIAL_USER)
        assert rc == 0 and "user %s disabled" % SPECIAL_USER in out, (rc, out, err)
        c = srv.connection()
        r = h.im_authorize(srv, c, "ue", k.RU, SPECIAL_USER, PW, challenge=h.pkce_pair()[1])
        c.close()
        assert r.status == 200 and b"wrong user name or password" in r.body, r
        print("ok %s and %s round-trip: signed in, revoked, restored, disabled"
              % (SPECIAL_USER, SPECIAL_IDENTITY))

        # -- one name space for user ids and client ids
        rc, out, err = ctl("user", "add", "ue", stdin=PW + "\n")
        assert rc == 1 and "HTTP 409" in err and "user_id" in err and "client id" in err, err
        rc, out, err = ctl("user", "add", "dave", stdin=PW + "\n")
        assert rc == 0, (rc, out, err)
        rc, out, err = ctl("client", "add", "dave", "--type", "confidential", "--scope",
                           "seal.gm")
        assert rc == 1 and "HTTP 409" in err and "client_id" in err and "user id" in err, err
        rc, out, err = ctl("client", "list")
        assert rc == 0 and "dave" not in out, out
        print("ok a user id equal to a client id, or the reverse, is refused (409)")

        # -- scopes are granted, not assumed
        rc, out, err = ctl("client", "add", "vs0", "--type", "confidential")
        assert rc == 0 and "scopes: -\n" in out, (rc, out, err)
        basic = {"Authorization": h.basic_auth("vs0", secret_of(out))}
        r = token({"grant_type": "client_credentials", "scope": "seal.gm"}, basic)
        assert r.status == 400 and r.json()["error"] == "invalid_scope", r
        r = token({"grant_type": "client_credentials"}, basic)
        assert r.status == 400 and r.json()["error"] == "invalid_scope", r
        rc, out, err = ctl("client", "add", "vs1", "--type", "confidential", "--scope",
                           "seal.gm")
        assert rc == 0 and "scopes: seal.gm\n" in out, (rc, out, err)
        basic = {"Authorization": h.basic_auth("vs1", secret_of(out))}
        r = token({"grant_type": "client_credentials"}, basic)
        assert r.status == 200 and r.json()["scope"] == "seal.gm", r
        r = token({"grant_type": "client_credentials", "scope": "seal.km"}, basic)
        assert r.status == 400 and r.json()["error"] == "invalid_scope", r
        # a public client: only a subset of its own scopes
        rc, out, err = ctl("user", "add", "erin", stdin=PW + "\n")
        assert rc == 0, (rc, out, err)
        rc, out, err = ctl("client", "add", "bare", "--type", "public", "--redirect-uri", k.RU)
        assert rc == 0 and "scopes: -\n" in out, (rc, out, err)
        assert authorize("bare", "openid", user="erin").get("error") == "invalid_scope"
        for scope in ("openid seal.cm", "openid seal.val", "seal.gm seal.km openid seal.cm"):
            assert authorize("ue", scope, user="erin").get("error") == "invalid_scope", scope
        assert "code" in authorize("ue", "openid seal.km seal.gm", user="erin")
        rc, out, err = ctl("--json", "client", "list")
        assert rc == 0 and '"scopes":[]' in out.replace(" ", ""), out
        print("ok a client gets exactly its registered scopes, none by default")

        # km's configuration: an identity no route could revoke (last: config()
        # takes the port it is given)
        bad = srv.config(h.free_port())
        bad["plugins"]["km"]["clients"] = {"vs1": ["sip:a/b@example.org"]}
        rc, err = h.check_config(srv, bad)
        assert rc != 0 and "$.plugins.km.clients.vs1[0]" in err \
            and "must be an identity URI" in err, err
        print("ok an identity URI with '/' in km's configuration is refused, naming its path")

        rc = srv.stop()
        assert rc == 0, "seald exited with %r" % rc
        return 0
    except Exception:
        traceback.print_exc()
        print(srv.log_text()[-4000:])
        return 1
    finally:
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main())
