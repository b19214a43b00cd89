# SPDX-License-Identifier: Apache-2.0
"""SS_KeyInfoRetrieval (TS 29.549, {apiRoot}/ss-kir/v1) through the real
seald with the KMS and IdM tokens; every answer (errors included) is
validated against the official Rel-18 YAML (openapi_check.py).

- a VAL server (client_credentials token with seal.km) gets ValKeyInfo for
  a target given as JSON text or form-exploded (valUserId / valUeId), or
  without a target its own record; keyInfo holds the KMS certificate (the
  same as KM-UU's init) and the target's current and next key periods with
  their F.2.1 UIDs, and no key material;
- an mTLS caller (client certificate, no token) is served too;
- refused: a user's token (403), a token without seal.km (403), no
  credentials (401), missing or repeated val-service-id, a target given
  twice, a malformed ValTargetUe (400)."""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

h.need_modules()
import km_harness as k  # noqa: E402
import openapi_check as OC  # noqa: E402

YAML = "TS29549_SS_KeyInfoRetrieval.yaml"
PATH = "/ss-kir/v1/key-records"
PW = "correct horse battery staple"

srv = api = None
tok = {}
tests = []


def test(fn):
    tests.append(fn)
    return fn


def get(query, token=None, cert=None):
    """GET key-records with the query (a list of pairs or a raw string),
    checked against the YAML."""
    qs = query if isinstance(query, str) else urllib.parse.urlencode(query)
    path = PATH + ("?" + qs if qs else "")
    conn = srv.connection(client_cert=cert is not None, cert_name=cert or "client")
    hd = {"Accept": "application/json"}
    if token:
        hd["Authorization"] = "Bearer " + token
    try:
        r = h.request_joined(conn, "GET", path, None, hd)
    finally:
        conn.close()
    api.check_response(YAML, "GET", path, r.status, r.headers, r.body)
    return r


def key_info(r):
    assert r.status == 200, r
    v = r.json()
    return v, json.loads(v["keyInfo"])


def setup():
    global srv, api
    spec = OC.find_spec_dir()
    if not spec:
        print("SKIP: the official YAMLs were not found (set SEAL_OPENAPI_DIR)")
        sys.exit(h.SKIP)
    api = OC.OpenApi(spec)
    srv = k.KmSeald(km_conf={"clients": {"vs1": ["sip:vs1@example.org"]}})
    h.im_add_client_cert(srv.certs, srv.tmp, "vs2", "val-server-2")
    srv.add_principal("vs2", ["val_server"], ["seal.km"])
    srv.km_conf["certs"] = {h.im_cert_dn(srv.certs["vs2"][1]): ["sip:vs2@example.org"]}
    srv.start()
    srv.add_user("alice", PW, ["sip:alice@example.org"])
    srv.add_client(client_id="app", type="public", redirect_uris=[k.RU],
                   scopes=["openid", "seal.km", "seal.gm"])
    secret = srv.add_client(client_id="vs1", type="confidential",
                            scopes=["seal.km", "seal.gm"])["client_secret"]
    tok["vs1"] = k.client_token(srv, "vs1", secret)
    tok["vs1_gm"] = k.client_token(srv, "vs1", secret, scope="seal.gm")
    tok["alice"] = k.user_token(srv, "alice", PW)
    k.wait_authz(srv, tok["alice"])


@test
def target_as_json():
    r = get([("val-service-id", "mcptt"),
             ("val-tgt-ue", json.dumps({"valUserId": "sip:alice@example.org"}))], tok["vs1"])
    v, ki = key_info(r)
    assert v["userUri"] == "sip:alice@example.org", v
    assert v["valService"] == "mcptt" and v["skmsId"] == "kms.example.org", v
    assert v["valTgtUe"] == {"valUserId": "sip:alice@example.org"}, v
    # keyInfo: the KMS certificate, as KM-UU's init serves it.
    c = k.cert_of(k.kms_doc(k.kms_post(srv, "/init", tok["alice"]), srv))
    assert ki["pubAuthKey"] == k.text(c, "PubAuthKey")
    assert ki["pubEncKey"] == k.text(c, "PubEncKey")
    assert ki["certUri"] == k.text(c, "CertUri") and ki["kmsUri"] == "kms.example.org"
    assert ki["userIdFormat"] == 2 and ki["userKeyPeriod"] == 2592000
    assert ki["userKeyOffset"] == 0 and ki["parameterSet"] == 1 and ki["revoked"] is False
    cur = k.period_of(int(time.time()))
    assert [p["keyPeriodNo"] for p in ki["keyPeriods"]] == [cur, cur + 1], ki["keyPeriods"]
    for p in ki["keyPeriods"]:
        assert p["userId"] == k.uid("sip:alice@example.org", "kms.example.org", p["keyPeriodNo"])
    # No key material: alice's own SSK/RSK are not in it.
    ks = k.keysets(k.kms_doc(k.kms_post(srv, "/keyprov", tok["alice"]), srv))[0]
    text = r.body.decode()
    for name in ("UserSigningKeySSK", "UserDecryptKey"):
        assert k.text(ks, name) not in text and k.text(ks, name).lower() not in text
    assert "ssk" not in text.lower() and "rsk" not in text.lower(), text


@test
def target_form_exploded():
    r1 = get([("val-service-id", "mcptt"), ("valUserId", "sip:alice@example.org")], tok["vs1"])
    v, ki = key_info(r1)
    assert v["userUri"] == "sip:alice@example.org"
    assert v["valTgtUe"] == {"valUserId": "sip:alice@example.org"}
    r2 = get([("val-service-id", "mcptt"), ("valUeId", "imei:490154203237518")], tok["vs1"])
    v, ki = key_info(r2)
    assert v["valTgtUe"] == {"valUeId": "imei:490154203237518"} and \
        v["userUri"] == "imei:490154203237518", v
    r3 = get([("val-service-id", "mcptt"), ("val-tgt-ue", '{"valUeId":"imei:1"}')], tok["vs1"])
    assert key_info(r3)[0]["valTgtUe"] == {"valUeId": "imei:1"}


@test
def own_record_without_target():
    v, ki = key_info(get([("val-service-id", "mcptt")], tok["vs1"]))
    assert v["userUri"] == "sip:vs1@example.org" and "valTgtUe" not in v, v


@test
def mtls_caller():
    v, ki = key_info(get([("val-service-id", "mcptt")], cert="vs2"))
    assert v["userUri"] == "sip:vs2@example.org", v


@test
def refused_user_token():
    r = get([("val-service-id", "mcptt"), ("valUserId", "sip:alice@example.org")],
            tok["alice"])
    assert r.status == 403, r


@test
def refused_without_km_scope():
    r = get([("val-service-id", "mcptt")], tok["vs1_gm"])
    assert r.status == 403 and "insufficient_scope" in r.headers.get("www-authenticate", ""), r


@test
def refused_without_credentials():
    r = get([("val-service-id", "mcptt")])
    assert r.status == 401, r


@test
def refused_bad_queries():
    cases = [
        [],
        [("val-service-id", "")],
        [("val-service-id", "a"), ("val-service-id", "b")],
        [("val-service-id", "a"), ("val-tgt-ue", '{"valUserId":"x"}'), ("valUserId", "x")],
        [("val-service-id", "a"), ("valUserId", "x"), ("valUeId", "y")],
        [("val-service-id", "a"), ("val-tgt-ue", '{"valUserId":"x","valUeId":"y"}')],
        [("val-service-id", "a"), ("val-tgt-ue", '{"valUserId":7}')],
        [("val-service-id", "a"), ("val-tgt-ue", '{}')],
        [("val-service-id", "a"), ("val-tgt-ue", "not json")],
        [("val-service-id", "a"), ("val-tgt-ue", '["x"]')],
        [("val-service-id", "a"), ("valUserId", "")],
        [("val-service-id", "a"), ("valUserId", "sip:a b@example.org")],
    ]
    for q in cases:
        r = get(q, tok["vs1"])
        assert r.status == 400, (q, r)
        assert r.headers.get("content-type") == "application/problem+json", r


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
