# SPDX-License-Identifier: Apache-2.0
"""The KMS master-key rollover through the real seald (km with
master_key_lifetime 10 s and rollover_overlap 4 s, longer under the
sanitizers; KM-UU with IdM tokens):

- before: certificate 1, key sets under it;
- after the lifetime: init serves certificate 2 (new KPAK and Z); the old
  certificate stays served in the certificate cache during the overlap
  (CacheNum 3 = 2 x 2 - 1), with its ValidTo; key sets are issued under
  certificate 2 and validate against it (lib/ibc), not against the old one;
- after the overlap: the cache is empty (CacheNum 4).
Every answer is validated against kms-interface.xsd."""
import calendar
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import km_harness as k  # noqa: E402

PW = "correct horse battery staple"
# The set-up (log-in, key sets, schema checks, a pairing) must fit in the
# first lifetime, and the overlap checks in the overlap, on a loaded machine.
LIFETIME, OVERLAP = (16, 6) if os.environ.get("SEAL_SANITIZERS") else (10, 4)


def wait_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


def certcache(srv, tok):
    root = k.kms_doc(k.kms_post(srv, "/certcache", tok), srv)
    cc = root.find(k.q("KmsMessage")).find(k.q("KmsCertCache"))
    return cc.get("CacheNum"), cc.findall(k.q("KmsCertificate"))


def main():
    srv = k.KmSeald(km_conf={"master_key_lifetime": LIFETIME, "rollover_overlap": OVERLAP})
    srv.start()
    srv.add_user("alice", PW, ["sip:alice@example.org"])
    srv.add_client(client_id="app", type="public", redirect_uris=[k.RU],
                   scopes=["openid", "seal.km"])
    tok = k.user_token(srv, "alice", PW)
    try:
        k.wait_authz(srv, tok)
        c1 = k.cert_of(k.kms_doc(k.kms_post(srv, "/init", tok), srv))
        assert k.text(c1, "CertUri") == "kms.example.org/cert/1"
        # ValidFrom/ValidTo: the generation's life plus the overlap.
        t1 = calendar.timegm(time.strptime(k.text(c1, "ValidFrom"), "%Y-%m-%dT%H:%M:%SZ"))
        assert k.text(c1, "ValidTo") is not None
        ks1 = k.keysets(k.kms_doc(k.kms_post(srv, "/keyprov", tok), srv))[0]
        assert k.text(ks1, "CertUri") == "kms.example.org/cert/1"
        assert k.keycheck(c1, ks1)[0]
        num, certs = certcache(srv, tok)
        assert num == "2" and not certs, (num, certs)

        wait_until(t1 + LIFETIME + 0.5)
        c2 = k.cert_of(k.kms_doc(k.kms_post(srv, "/init", tok), srv))
        assert k.text(c2, "CertUri") == "kms.example.org/cert/2", k.text(c2, "CertUri")
        assert k.text(c2, "PubAuthKey") != k.text(c1, "PubAuthKey")
        assert k.text(c2, "PubEncKey") != k.text(c1, "PubEncKey")
        # The old certificate stays served during the overlap.
        num, certs = certcache(srv, tok)
        assert num == "3" and len(certs) == 1, (num, certs)
        assert k.text(certs[0], "PubAuthKey") == k.text(c1, "PubAuthKey")
        assert k.text(certs[0], "CertUri") == "kms.example.org/cert/1"
        # The overlap ends at the old certificate's ValidTo: counted from
        # the end of the rollover, which may be a second after c2's ValidFrom.
        overlap_end = calendar.timegm(time.strptime(k.text(certs[0], "ValidTo"),
                                                    "%Y-%m-%dT%H:%M:%SZ"))
        root = k.kms_doc(k.kms_post(srv, "/certcache/3", tok), srv)
        cc = root.find(k.q("KmsMessage")).find(k.q("KmsCertCache"))
        assert cc.get("CacheNum") == "3" and not cc.findall(k.q("KmsCertificate"))
        # New key sets under the new certificate.
        ks2 = k.keysets(k.kms_doc(k.kms_post(srv, "/keyprov", tok), srv))[0]
        assert k.text(ks2, "CertUri") == "kms.example.org/cert/2"
        assert k.text(ks2, "UserSigningKeySSK") != k.text(ks1, "UserSigningKeySSK")
        ok, out = k.keycheck(c2, ks2)
        assert ok, out
        assert not k.keycheck(c1, ks2)[0]

        t2 = calendar.timegm(time.strptime(k.text(c2, "ValidFrom"), "%Y-%m-%dT%H:%M:%SZ"))
        assert t2 + OVERLAP <= overlap_end <= t2 + OVERLAP + 5, (t2, overlap_end)
        wait_until(overlap_end + 0.5)
        num, certs = certcache(srv, tok)
        assert num == "4" and not certs, (num, certs)
        c = k.cert_of(k.kms_doc(k.kms_post(srv, "/init", tok), srv))
        assert k.text(c, "CertUri") == "kms.example.org/cert/2"
        print("PASS: rollover with overlap")
        rc = srv.stop()
        assert rc == 0, "seald exited with %r on SIGTERM" % rc
        return 0
    except Exception:
        traceback.print_exc()
        print(srv.log_text()[-4000:])
        srv.stop()
        return 1


if __name__ == "__main__":
    sys.exit(main())
