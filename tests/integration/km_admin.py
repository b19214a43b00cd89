# SPDX-License-Identifier: Apache-2.0
"""The KMS administration endpoint (km_uu's /admin/v1/km) and sealctl's km
commands against a real seald over mutual TLS:

- revoke an identity: its keyprov is refused (403, "revoked") and its status
  says so; restore it: keyprov works again;
- start a master-key rollover: init serves certificate 2, the state names
  the previous generation and the end of its overlap; a second rollover
  during the overlap is 409;
- only an operator administers (a certificate seald.conf "principals" maps
  with role operator): a VAL server's certificate, a valid certificate the
  table does not list, none, or a bearer token with the KM scope gets 403;
- a malformed identity is 400 with invalidParams naming it;
- sealctl km status / revoke / restore / rollover drive the same, with
  their exit statuses."""
import json
import os
import subprocess
import sys
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import km_harness as k  # noqa: E402

PW = "correct horse battery staple"
ALICE = "sip:alice@example.org"
sealctl = os.path.join(os.environ.get("top_builddir", "."), "tools/sealctl/sealctl")


def main():
    if not os.access(sealctl, os.X_OK):
        print("SKIP: %s not built" % sealctl)
        return h.SKIP
    srv = k.KmSeald(km_conf={"rollover_overlap": 3600})
    h.im_add_client_cert(srv.certs, srv.tmp, "stranger", "seal stranger")
    srv.start()

    def admin(method, identity=None, cert="admin", headers=None):
        path = "/admin/v1/km/" + ("revocations/" + urllib.parse.quote(identity, safe="")
                                  if identity is not None else "rollover")
        c = srv.connection(client_cert=cert is not None, cert_name=cert or "client")
        try:
            return h.request(c, method, path, None, headers or {})
        finally:
            c.close()

    def ctl(*args, cert="admin"):
        cmd = [sealctl, "--url", srv.issuer, "--cacert", srv.certs["ca"][1],
               "--cert", srv.certs[cert][1], "--key", srv.certs[cert][0]] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    try:
        srv.add_user("alice", PW, [ALICE])
        srv.add_client(client_id="app", type="public", redirect_uris=[k.RU],
                       scopes=["openid", "seal.km"])
        tok = k.user_token(srv, "alice", PW)
        k.wait_authz(srv, tok)
        assert k.kms_post(srv, "/keyprov", tok).status == 200

        # who may administer
        r = admin("GET", ALICE)
        assert r.status == 200 and r.json() == {"identity": ALICE, "revoked": False}, r
        for cert, hd in (("client", None), ("stranger", None), (None, None),
                         (None, {"Authorization": "Bearer " + tok})):
            r = admin("PUT", ALICE, cert=cert, headers=hd)
            assert r.status == 403, (cert, r)
            assert r.headers["content-type"].startswith("application/problem+json"), r
        assert admin("GET", ALICE).json()["revoked"] is False
        r = admin("GET", "a b")
        assert r.status == 400 and r.json()["invalidParams"][0]["param"] == "identity", r
        assert "1 to 255 characters" in r.json()["invalidParams"][0]["reason"], r
        assert admin("GET", "sip:" + "a" * 252).status == 400     # 256 characters
        assert admin("GET", "sip:" + "a" * 251).status == 200     # 255
        print("ok only an operator administers; a bad identity is 400")

        # revoke and restore
        r = admin("PUT", ALICE)
        assert r.status == 204, r
        assert admin("PUT", ALICE).status == 204          # idempotent
        assert admin("GET", ALICE).json()["revoked"] is True
        msg = k.kms_error(k.kms_post(srv, "/keyprov", tok), srv, 403)
        assert "revoked" in msg, msg
        assert admin("DELETE", ALICE).status == 204
        assert admin("GET", ALICE).json()["revoked"] is False
        assert k.kms_post(srv, "/keyprov", tok).status == 200
        assert "identity %s revoked by operator admin" % ALICE in srv.log_text()
        print("ok revoke refuses keyprov; restore serves it again")

        # rollover
        r = admin("GET")
        assert r.status == 200 and r.json()["generation"] == 1, r
        assert r.json()["previousGeneration"] == 0, r
        r = admin("POST")
        state = r.json()
        assert r.status == 200 and state["generation"] == 2, r
        assert state["previousGeneration"] == 1, state
        assert time.time() + 3500 < state["overlapUntil"] <= time.time() + 3600, state
        cert = k.cert_of(k.kms_doc(k.kms_post(srv, "/init", tok), srv))
        assert k.text(cert, "CertUri") == "kms.example.org/cert/2"
        r = admin("POST")
        assert r.status == 409 and "overlap" in r.json()["detail"], r
        assert admin("POST", cert="client").status == 403
        print("ok rollover: certificate 2, the overlap, 409 while it runs")

        # sealctl
        rc, out, err = ctl("km", "status", ALICE)
        assert rc == 0 and out.strip() == ALICE + ": not revoked", (rc, out, err)
        rc, out, err = ctl("km", "revoke", ALICE)
        assert rc == 0 and "revoked" in out, (rc, out, err)
        rc, out, err = ctl("--json", "km", "status", ALICE)
        assert rc == 0 and json.loads(out)["revoked"] is True, (rc, out, err)
        rc, out, err = ctl("km", "restore", ALICE)
        assert rc == 0 and "restored" in out, (rc, out, err)
        rc, out, err = ctl("km", "rollover", "--status")
        assert rc == 0 and "generation 2; previous generation 1" in out, (rc, out, err)
        rc, out, err = ctl("km", "rollover")
        assert rc == 1 and "409" in err and "overlap" in err, (rc, out, err)
        rc, out, err = ctl("km", "revoke", ALICE, cert="client")
        assert rc == 1 and "403" in err, (rc, out, err)
        rc, out, err = ctl("km", "frobnicate", ALICE)
        assert rc == 2 and "usage" in err, (rc, out, err)
        print("ok sealctl km status, revoke, restore, rollover")

        # the retired admin_dns is refused, naming its path and what to do
        c = srv.config(h.free_port())
        c["plugins"]["km_uu"]["admin_dns"] = [srv.admin_dn]
        rc, err = h.check_config(srv, c)
        assert rc != 0 and "$.plugins.km_uu.admin_dns: admin_dns is no longer read" in err, err
        assert '"principals" with role operator' in err, err
        print("ok admin_dns is a configuration error naming its path")
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
