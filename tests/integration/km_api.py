# SPDX-License-Identifier: Apache-2.0
"""KM-UU (TS 33.180 Annex D) through the real seald over HTTPS, with the
store on disk and tokens from the real IdM (im, im_uu, authz_jwt). Every
KmsResponse, errors included, is validated with xmllint against
kms-interface.xsd.

- init: the KMS certificate (UserIdFormat 2, period, offset, Z, KPAK);
- keyprov for the current and the next period; the UID is F.2.1's
  (recomputed here), SSK/PVT validate against KPAK and RSK against Z
  (lib/ibc, as a receiving client would);
- issued once: a second request gets the same keys; a restart of seald
  keeps the certificate and the keys;
- certcache;
- client_credentials tokens get the identities configured for their
  client; an mTLS caller without a token those of its certificate DN;
- with a TrK and an InK configured for a caller: key material as
  xenc:EncryptedKey, the answer a SignedKmsResponse;
- refused, each on its own: keyprov for another user's identity (403 +
  KmsError), a token without the key-management scope (403), no
  credentials (401), malformed XML (400), a DTD (400), oversized XML (413),
  a key period outside policy (403: past, two ahead), a revoked identity
  is not modelled here (test_km), a signature from a client that must sign.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import km_harness as k  # noqa: E402

PW = "correct horse battery staple"
TRK = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
INK = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

srv = None
tokens = {}
VS_SECRET = None

tests = []


def test(fn):
    tests.append(fn)
    return fn


def setup():
    global srv, VS_SECRET
    srv = k.KmSeald(km_conf={"clients": {"vs1": ["sip:vs1@example.org",
                                                 "sip:gms@example.org"]}},
                    km_uu_conf={"clients": {"carol": {"trk_id": "trk.1.carol", "trk": TRK,
                                                      "ink_id": "ink.1.carol", "ink": INK}}})
    # A certificate VAL server (no token): seald.conf "principals" maps it;
    # km's "certs" names it by its subject DN.
    h.im_add_client_cert(srv.certs, srv.tmp, "gms", "gms-1")
    srv.add_principal("gms", ["val_server"], ["seal.km"])
    gms_dn = h.im_cert_dn(srv.certs["gms"][1])
    srv.km_conf["certs"] = {gms_dn: ["sip:gms@example.org"]}
    srv.start()
    srv.add_user("alice", PW, ["sip:alice@example.org"])
    srv.add_user("bob", PW, ["sip:bob@example.org"])
    srv.add_user("carol", PW, ["sip:carol@example.org"])
    srv.add_client(client_id="app", type="public", redirect_uris=[k.RU],
                   scopes=["openid", "seal.gm", "seal.km"])
    VS_SECRET = srv.add_client(client_id="vs1", type="confidential",
                               scopes=["seal.km", "seal.gm"])["client_secret"]
    tokens["alice"] = k.user_token(srv, "alice", PW)
    tokens["bob"] = k.user_token(srv, "bob", PW)
    tokens["carol"] = k.user_token(srv, "carol", PW)
    tokens["alice_gm"] = k.user_token(srv, "alice", PW, scope="openid seal.gm")
    tokens["vs1"] = k.client_token(srv, "vs1", VS_SECRET)
    k.wait_authz(srv, tokens["alice"])


def init_cert():
    root = k.kms_doc(k.kms_post(srv, "/init", tokens["alice"]), srv)
    return k.cert_of(root)


state = {}


@test
def init():
    root = k.kms_doc(k.kms_post(srv, "/init", tokens["alice"]), srv)
    assert k.text(root, "KmsUri") == "kms.example.org"
    assert k.text(root, "ClientReqUrl").endswith(k.BASE + "/init"), k.text(root, "ClientReqUrl")
    c = k.cert_of(root)
    assert c.get("Role") == "Root" and c.get("Version") == "1.1.0"
    assert k.text(c, "KmsUri") == "kms.example.org"
    assert k.text(c, "UserIdFormat") == "2"
    assert k.text(c, "UserKeyPeriod") == "2592000"
    assert k.text(c, "UserKeyOffset") == "0"
    assert k.text(c, "ParameterSet") == "1"
    z, kpak = k.text(c, "PubEncKey"), k.text(c, "PubAuthKey")
    assert len(z) == 514 and z.startswith("04"), z
    assert len(kpak) == 130 and kpak.startswith("04"), kpak
    state["cert"] = c


def check_keyset(ks, identity, period_no):
    c = state["cert"]
    assert k.text(ks, "UserUri") == identity
    assert k.text(ks, "KmsUri") == "kms.example.org"
    assert k.text(ks, "CertUri") == k.text(c, "CertUri")
    assert k.text(ks, "KeyPeriodNo") == str(period_no), k.text(ks, "KeyPeriodNo")
    assert k.text(ks, "UserID") == k.uid(identity, "kms.example.org", period_no)
    for name in ("UserDecryptKey", "UserSigningKeySSK", "UserPubTokenPVT"):
        assert ks.find(k.q(name)).get("{%s}type" % k.XSI) == "KeyContentType"
    ok, out = k.keycheck(c, ks)
    assert ok, out


@test
def keyprov_current_and_next():
    now = int(time.time())
    cur = k.period_of(now)
    root = k.kms_doc(k.kms_post(srv, "/keyprov", tokens["alice"]), srv)
    sets = k.keysets(root)
    assert len(sets) == 1, len(sets)
    check_keyset(sets[0], "sip:alice@example.org", cur)
    state["alice_cur"] = k.text(sets[0], "UserSigningKeySSK")
    # The next period, by time in the path (NTP-UTC hex).
    nxt_time = (cur + 1) * 2592000 - k.NTP_UNIX + 10
    path = "/keyprov/%s/%s" % (k.quote("sip:alice@example.org"), k.ntp_hex(nxt_time))
    root = k.kms_doc(k.kms_post(srv, path, tokens["alice"]), srv)
    sets = k.keysets(root)
    assert len(sets) == 1
    check_keyset(sets[0], "sip:alice@example.org", cur + 1)
    assert k.text(sets[0], "UserSigningKeySSK") != state["alice_cur"]
    state["alice_next"] = k.text(sets[0], "UserSigningKeySSK")
    # The explicit URI of the current period and a request body naming it.
    root = k.kms_doc(k.kms_post(srv, "/keyprov/" + k.quote("sip:alice@example.org"),
                                tokens["alice"]), srv)
    assert k.text(k.keysets(root)[0], "UserSigningKeySSK") == state["alice_cur"]
    body = ('<KmsRequest xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0" Version="1.0.0">'
            "<UserUri>sip:alice@example.org</UserUri><KmsUri>kms.example.org</KmsUri>"
            "<Time>2024-05-10T11:23:02</Time><ClientReqUrl>https://kms.example.org"
            "/keymanagement/identity/v1/keyprov</ClientReqUrl></KmsRequest>")
    root = k.kms_doc(k.kms_post(srv, "/keyprov", tokens["alice"], body), srv)
    assert k.text(root, "ClientReqUrl") == ("https://kms.example.org"
                                            "/keymanagement/identity/v1/keyprov")
    assert k.text(k.keysets(root)[0], "UserSigningKeySSK") == state["alice_cur"]


@test
def issued_once():
    for _ in range(2):
        root = k.kms_doc(k.kms_post(srv, "/keyprov", tokens["alice"]), srv)
        assert k.text(k.keysets(root)[0], "UserSigningKeySSK") == state["alice_cur"]


@test
def certcache():
    root = k.kms_doc(k.kms_post(srv, "/certcache", tokens["alice"]), srv)
    cc = root.find(k.q("KmsMessage")).find(k.q("KmsCertCache"))
    assert cc.get("CacheNum") == "2", cc.attrib   # generation 1, no overlap: 2 x 1
    assert not cc.findall(k.q("KmsCertificate"))
    root = k.kms_doc(k.kms_post(srv, "/certcache/2", tokens["alice"]), srv)
    assert root.find(k.q("KmsMessage")).find(k.q("KmsCertCache")).get("CacheNum") == "2"
    k.kms_error(k.kms_post(srv, "/certcache/x1", tokens["alice"]), srv, 400)


@test
def client_credentials_identities():
    root = k.kms_doc(k.kms_post(srv, "/keyprov", tokens["vs1"]), srv)
    got = sorted(k.text(s, "UserUri") for s in k.keysets(root))
    assert got == ["sip:gms@example.org", "sip:vs1@example.org"], got
    cur = k.period_of(int(time.time()))
    for s in k.keysets(root):
        check_keyset(s, k.text(s, "UserUri"), cur)
    msg = k.kms_error(k.kms_post(srv, "/keyprov/" + k.quote("sip:alice@example.org"),
                                 tokens["vs1"]), srv, 403)
    assert "not entitled" in msg, msg


@test
def mtls_caller():
    root = k.kms_doc(k.kms_post(srv, "/keyprov", cert="gms"), srv)
    sets = k.keysets(root)
    assert [k.text(s, "UserUri") for s in sets] == ["sip:gms@example.org"]
    # Same key set as the VAL server got for the GMS identity (issued once).
    root2 = k.kms_doc(k.kms_post(srv, "/keyprov/" + k.quote("sip:gms@example.org"),
                                 tokens["vs1"]), srv)
    assert (k.text(k.keysets(root2)[0], "UserSigningKeySSK")
            == k.text(sets[0], "UserSigningKeySSK"))
    # A certificate the KMS does not know: nothing.
    k.kms_error(k.kms_post(srv, "/keyprov", cert="client"), srv, 403)


@test
def trk_ink_protected():
    r = k.kms_post(srv, "/keyprov", tokens["carol"])
    root = k.kms_doc(r, srv)
    assert b"<SignedKmsResponse" in r.body and b"hmac-sha256" in r.body, r
    assert b"ink.1.carol" in r.body
    ks = k.keysets(root)[0]
    for name in ("UserDecryptKey", "UserSigningKeySSK"):
        e = ks.find(k.q(name))
        assert e.get("{%s}type" % k.XSI) == "EncKeyContentType", name
        assert e.find("{http://www.w3.org/2001/04/xmlenc#}EncryptedKey") is not None
    assert ks.find(k.q("UserPubTokenPVT")).get("{%s}type" % k.XSI) == "KeyContentType"
    # Errors are signed as well.
    r = k.kms_post(srv, "/keyprov/" + k.quote("sip:bob@example.org"), tokens["carol"])
    k.kms_error(r, srv, 403)
    assert b"<SignedKmsResponse" in r.body


# ---- refusals ----

@test
def refused_other_users_identity():
    for path in ("/keyprov/" + k.quote("sip:bob@example.org"),
                 "/keyprov/%s/%s" % (k.quote("sip:bob@example.org"), k.ntp_hex(int(time.time())))):
        msg = k.kms_error(k.kms_post(srv, path, tokens["alice"]), srv, 403)
        assert "not entitled" in msg and "sip:bob@example.org" in msg, msg
    # Naming bob in the request body: refused too.
    body = ('<KmsRequest xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0">'
            "<UserUri>sip:bob@example.org</UserUri><KmsUri>kms.example.org</KmsUri>"
            "<Time>2024-05-10T11:23:02Z</Time><ClientReqUrl>/x</ClientReqUrl></KmsRequest>")
    k.kms_error(k.kms_post(srv, "/keyprov", tokens["alice"], body), srv, 403)
    # bob still gets his own.
    root = k.kms_doc(k.kms_post(srv, "/keyprov", tokens["bob"]), srv)
    assert k.text(k.keysets(root)[0], "UserUri") == "sip:bob@example.org"


@test
def refused_without_km_scope():
    for path in ("/init", "/keyprov", "/certcache"):
        r = k.kms_post(srv, path, tokens["alice_gm"])
        assert r.status == 403, r
        assert 'insufficient_scope' in r.headers.get("www-authenticate", ""), r.headers
        assert b"UserSigningKeySSK" not in r.body


@test
def refused_without_credentials():
    r = k.kms_post(srv, "/keyprov")
    assert r.status == 401, r
    r = k.kms_post(srv, "/keyprov", "not-a-token")
    assert r.status == 401, r


@test
def refused_malformed_xml():
    for body in ("<KmsRequest", "<KmsRequest xmlns='urn:3gpp:ns:mcsecKMSInterface:1.0'>"
                 "<Time>x</Time></KmsRequest>", "<x/>",
                 '<!DOCTYPE KmsRequest [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                 "<KmsRequest xmlns='urn:3gpp:ns:mcsecKMSInterface:1.0'>"
                 "<UserUri>&e;</UserUri></KmsRequest>"):
        msg = k.kms_error(k.kms_post(srv, "/keyprov", tokens["alice"], body), srv, 400)
        assert "malformed request" in msg, msg
        assert "root:" not in msg
    # Not XML as declared: 415.
    k.kms_error(k.kms_post(srv, "/init", tokens["alice"], "<x/>",
                           headers={"Content-Type": "text/plain"}), srv, 415)


@test
def refused_oversized_xml():
    body = ("<KmsRequest xmlns='urn:3gpp:ns:mcsecKMSInterface:1.0'><UserUri>"
            + "a" * 20000 + "</UserUri></KmsRequest>")
    k.kms_error(k.kms_post(srv, "/keyprov", tokens["alice"], body), srv, 413)


@test
def refused_period_outside_policy():
    cur = k.period_of(int(time.time()))
    uri = k.quote("sip:alice@example.org")
    for no in (cur - 1, cur + 2, cur + 1000):
        t = no * 2592000 - k.NTP_UNIX + 5
        msg = k.kms_error(k.kms_post(srv, "/keyprov/%s/%s" % (uri, k.ntp_hex(t)),
                                     tokens["alice"]), srv, 403)
        assert "outside policy" in msg, msg
    k.kms_error(k.kms_post(srv, "/keyprov/%s/12345" % uri, tokens["alice"]), srv, 400)


@test
def restart_keeps_keys():
    kpak = k.text(state["cert"], "PubAuthKey")
    port = srv.port
    assert srv.stop() == 0, srv.log_text()
    srv.start_at(port)   # the same issuer URL, so the tokens stay valid
    k.wait_authz(srv, tokens["alice"])
    assert k.text(init_cert(), "PubAuthKey") == kpak
    root = k.kms_doc(k.kms_post(srv, "/keyprov", tokens["alice"]), srv)
    assert k.text(k.keysets(root)[0], "UserSigningKeySSK") == state["alice_cur"]
    cur = k.period_of(int(time.time()))
    path = "/keyprov/%s/%s" % (k.quote("sip:alice@example.org"),
                               k.ntp_hex((cur + 1) * 2592000 - k.NTP_UNIX + 10))
    root = k.kms_doc(k.kms_post(srv, path, tokens["alice"]), srv)
    assert k.text(k.keysets(root)[0], "UserSigningKeySSK") == state["alice_next"]
    # The KEK file stayed 0600 and no SSK is in the database in clear.
    assert os.stat(os.path.join(srv.tmp, "km.kek")).st_mode & 0o777 == 0o600
    with open(os.path.join(srv.tmp, "seal.db"), "rb") as f:
        db = f.read()
    for ssk in (state["alice_cur"], state["alice_next"]):
        assert ssk.encode() not in db and ssk.lower().encode() not in db
        assert bytes.fromhex(ssk) not in db


def main():
    setup()
    failed = h.run_tests(tests)
    rc = srv.stop()
    if rc != 0:
        failed += 1
        print("FAIL: seald exited with %r on SIGTERM" % rc)
    if failed:
        print(srv.log_text()[-4000:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
