# SPDX-License-Identifier: Apache-2.0
"""Certificate principals (doc/authorization.md, the seald.conf "principals"
table) through the real seald with im, im_uu, authz_jwt, km, km_uu, gm and
seal_s over HTTPS; the listener trusts two CAs.

- a certificate the table maps is served on a route of its scopes, under
  its principal's name (access log), and refused 403 naming the scope on a
  route of another scope;
- a certificate of the same CA that the table does not list: 403;
- the listed subject issued by the other trusted CA: 403;
- im_uu's and km_uu's administration routes: an operator's certificate
  administers; a user's and a VAL server's bearer token, a VAL server's
  certificate, an unlisted certificate and the operator's subject from the
  other CA get 403;
- http.auth.mtls false: no certificate is a principal (401, and nobody
  administers);
- configuration errors name the JSON path: an unknown role, a missing
  issuer, a certificate listed twice, admin_dns left in im_uu or km_uu."""
import copy
import os
import shutil
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import km_harness as k  # noqa: E402

PW = "correct horse battery staple"
ALICE = "sip:alice@example.org"
GM = "/ss-gm/v1/group-documents"
KM_INIT = k.BASE + "/init"
IM_ADMIN = "/admin/v1/users"
KM_ADMIN = "/admin/v1/km/rollover"


def second_ca(tmp):
    """Another CA ("seald test CA 2"): (key, cert)."""
    key, cert, tf = (os.path.join(tmp, "ca2" + s) for s in (".key", ".pem", ".tmpl"))
    with open(tf, "w") as f:
        f.write('cn = "seald test CA 2"\nca\ncert_signing_key\nexpiration_days = 2\n')
    certtool = shutil.which("certtool")
    for args in (["--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1", "--outfile", key],
                 ["--generate-self-signed", "--load-privkey", key, "--template", tf,
                  "--outfile", cert]):
        subprocess.run([certtool] + args, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return key, cert


class PrincipalsSeald(k.KmSeald):
    """KmSeald plus gm (SS-GM); client_ca holds both test CAs."""

    def __init__(self, **kw):
        super().__init__(**kw)
        top = os.environ["top_builddir"]
        gm = os.path.join(top, "plugins/services/gm/.libs")
        if not os.path.exists(os.path.join(gm, "gm.so")):
            print("SKIP: gm.so not built")
            sys.exit(h.SKIP)
        self.plugin_dirs.append(gm)
        self.client_ca = os.path.join(self.tmp, "cas.pem")

    def config(self, port):
        c = super().config(port)
        c["plugins"]["gm"] = {}
        c["http"]["tls"]["client_ca"] = self.client_ca
        return c


def main():
    srv = PrincipalsSeald()
    certs, tmp = srv.certs, srv.tmp
    # From the test CA: vs (a VAL server for seal.gm), vskm (for seal.km),
    # stranger (not listed); admin is the operator.
    for name, cn in (("vs", "seal vs"), ("vskm", "seal vs km"), ("stranger", "seal stranger")):
        h.im_add_client_cert(certs, tmp, name, cn)
    # From the other CA: the very subjects of vs and admin.
    other = {"ca": second_ca(tmp)}
    h.im_add_client_cert(other, tmp, "vs_twin", "seal vs")
    h.im_add_client_cert(other, tmp, "admin_twin", "seal admin")
    certs.update({n: other[n] for n in ("vs_twin", "admin_twin")})
    assert h.cert_names(certs["vs_twin"][1])[0] == h.cert_names(certs["vs"][1])[0]
    with open(srv.client_ca, "w") as out:
        for f in (certs["ca"][1], other["ca"][1]):
            with open(f) as src:
                out.write(src.read())
    srv.principals = []
    srv.add_principal("vs", ["val_server"], ["seal.gm"])
    srv.add_principal("vskm", ["val_server"], ["seal.km"])
    srv.add_principal("admin", ["operator"], ())
    srv.start()

    def call(method, path, cert=None, token=None, body=None):
        c = srv.connection(client_cert=cert is not None, cert_name=cert or "client")
        hd = {"Authorization": "Bearer " + token} if token else {}
        if path.startswith(k.BASE):
            hd["Accept"] = "application/xml"
            body = b""
        try:
            return h.request(c, method, path, body, hd)
        finally:
            c.close()

    def refused(r, status, words):
        assert r.status == status, r
        assert r.headers["content-type"].startswith("application/problem+json"), r
        assert words in r.json().get("detail", ""), r

    failed = 0
    try:
        srv.add_user("alice", PW, [ALICE])
        srv.add_client(client_id="app", type="public", redirect_uris=[k.RU],
                       scopes=["openid", "seal.km"])
        vs1 = srv.add_client(client_id="vs1", type="confidential",
                             scopes=["seal.km", "seal.gm"])["client_secret"]
        user_tok = k.user_token(srv, "alice", PW)
        k.wait_authz(srv, user_tok)
        server_tok = k.client_token(srv, "vs1", vs1, scope="seal.km seal.gm")

        # A mapped certificate, on routes of its scope: served as its principal.
        r = call("POST", GM, "vs", body={"valGroupId": "g1", "members": [{"valUserId": ALICE}]})
        assert r.status == 201, r
        assert call("GET", GM, "vs").status == 200
        assert call("POST", KM_INIT, "vskm").status == 200
        # ...and refused, naming the scope, on a route of another scope.
        refused(call("GET", GM, "vskm"), 403, "does not have scope seal.gm")
        refused(call("POST", KM_INIT, "vs"), 403, "does not have scope seal.km")
        # Same CA, not listed; the listed subject from the other CA.
        for cert in ("stranger", "vs_twin"):
            refused(call("GET", GM, cert), 403, "this client certificate is not mapped to a "
                    "principal (seald.conf principals)")
        # No certificate, no token: 401 as ever.
        assert call("GET", GM).status == 401
        print("ok a certificate is a principal only when listed, for its scopes")

        # Administration: operators only.
        for path in (IM_ADMIN, KM_ADMIN):
            assert call("GET", path, "admin").status == 200, path
            for cert, tok in ((None, user_tok), (None, server_tok), ("vs", None),
                              ("vs", server_tok), ("stranger", None), ("admin_twin", None),
                              (None, None)):
                r = call("GET", path, cert, tok)
                assert r.status == 403, (path, cert, tok is not None, r)
                assert r.headers["content-type"].startswith("application/problem+json"), r
        r = call("POST", "/admin/v1/users", "admin",
                 body={"user_id": "bob", "password": PW, "val_user_ids": ["sip:bob@example.org"]})
        assert r.status == 201, r
        assert call("POST", KM_ADMIN, "vs").status == 403
        print("ok only an operator administers im_uu and km_uu")

        # Configuration errors name the JSON path.
        base = srv.config(srv.port)        # (the port is only rendered, not bound)
        cases = []
        c = copy.deepcopy(base)
        c["principals"][0]["roles"] = ["val_server", "superuser"]
        cases.append((c, '$.principals[0].roles[1]: unknown role "superuser"'))
        c = copy.deepcopy(base)
        del c["principals"][1]["certificate"]["issuer"]
        cases.append((c, '$.principals[1].certificate: "issuer" is required'))
        c = copy.deepcopy(base)
        twin = copy.deepcopy(c["principals"][0])
        twin["name"] = "vs-again"
        c["principals"].append(twin)
        cases.append((c, "$.principals[3]: this certificate (subject and issuer) is already "
                         "listed at $.principals[0]"))
        for plugin in ("im_uu", "km_uu"):
            c = copy.deepcopy(base)
            c["plugins"][plugin]["admin_dns"] = [srv.admin_dn]
            cases.append((c, "$.plugins.%s.admin_dns: admin_dns is no longer read" % plugin))
        for c, words in cases:
            rc, err = h.check_config(srv, c)
            assert rc != 0 and words in err, (words, err)
        rc, err = h.check_config(srv, base)
        assert rc == 0, err
        print("ok configuration errors name the JSON path")

        # The access log (written out at the latest at stop) names the principal.
        assert srv.stop() == 0
        line = [ln for ln in srv.access_log_text().splitlines() if " POST %s 201 " % GM in ln]
        assert line and line[-1].endswith(" vs"), srv.access_log_text()[-2000:]

        # http.auth.mtls false: certificates are never principals.
        srv.auth_mtls = False
        srv.start()
        assert call("GET", GM, "vs").status == 401
        assert call("GET", IM_ADMIN, "admin").status == 403
        assert call("GET", KM_ADMIN, "admin").status == 403
        print("ok http.auth.mtls false: no certificate principal")
    except Exception:
        failed = 1
        traceback.print_exc()
        print(srv.log_text()[-4000:])
    if srv.stop() != 0:
        failed = 1
    srv.cleanup()
    return failed


if __name__ == "__main__":
    sys.exit(main())
