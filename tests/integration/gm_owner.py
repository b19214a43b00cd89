#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Group ownership on SEAL-S SS_GroupManagement through the real seald (gm +
seal_s + store_sqlite behind im, im_uu and authz_jwt), with real IdM tokens
(doc/authorization.md): two VAL servers (client credentials tokens) and a
VAL user (the code flow). Each server lists only its own groups, the
query filters applying within them; another's group is answered on
GET/PUT/PATCH/DELETE exactly as a group that does not exist (404) and is
left unchanged; both may have a group "g1" (409 only for the same owner);
a VAL user without role group_manager, and a client certificate nobody
maps, get 403 on every route. Every answer is validated against the
official Rel-18 YAML.

Not here: group_admin and group_manager need the host's "principals"
table; tests/plugins/test_gm.c (tcase seal_s) covers them in process."""
import os
import sys
import traceback

sys.dont_write_bytecode = True   # no __pycache__ in the (maybe read-only) source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402

h.need_modules()
import gm_tokens as T  # noqa: E402
import openapi_check as OC  # noqa: E402

YAML = "TS29549_SS_GroupManagement.yaml"
GM = T.GM
NONE = GM + "/AAAAAAAAAAAAAAAAAAAAAA"   # a groupDocId nobody has

api = srv = None
VS1 = VS2 = USER = None


def call(token, method, path, body=None, headers=None, cert=None):
    """One request as token's bearer (or with client certificate cert),
    its answer checked against the YAML."""
    hd = dict(headers or {})
    if token:
        hd["Authorization"] = "Bearer " + token
    c = srv.connection(client_cert=cert is not None, cert_name=cert or "client")
    try:
        r = h.request(c, method, path, body, hd)
    finally:
        c.close()
    api.check_response(YAML, method, path, r.status, r.headers, r.body)
    return r


def create(token, body):
    r = call(token, "POST", GM, body)
    assert r.status == 201, r
    return r.headers["location"].rsplit("/", 1)[-1], r.json()


def listed(token, query=""):
    r = call(token, "GET", GM + query)
    assert r.status == 200, r
    return sorted((d["valGroupId"], d["resUri"].rsplit("/", 1)[-1]) for d in r.json())


# (method, path suffix, body, headers) of every route on one document
MERGE = {"Content-Type": "application/merge-patch+json"}
ROUTES = (("GET", "", None, None), ("GET", "?group-members=true", None, None),
          ("PUT", "", {"valGroupId": "taken-over"}, None),
          ("PUT", "", {"valGroupId": "taken-over"}, {"If-Match": '"1"'}),
          ("PATCH", "", {"grpDesc": "taken over"}, MERGE),
          ("DELETE", "", None, None), ("DELETE", "", None, {"If-Match": '"1"'}))


def setup():
    global api, srv, VS1, VS2, USER
    spec = OC.find_spec_dir()
    if not spec:
        print("SKIP: the official YAMLs were not found (set SEAL_OPENAPI_DIR)")
        sys.exit(h.SKIP)
    api = OC.OpenApi(spec)
    srv = T.GmSeald()
    srv.start()
    VS1 = srv.val_server_token("vs1")
    VS2 = srv.val_server_token("vs2")
    USER = srv.val_user_token("alice", ["alice@val.example"])
    h.im_add_client_cert(srv.certs, srv.tmp, "stranger", "nobody maps me")


tests = []


def test(fn):
    tests.append(fn)
    return fn


state = {}


@test
def both_servers_may_have_g1_and_each_lists_its_own():
    a1, d = create(VS1, {"valGroupId": "g1", "members": [{"valUserId": "bob@val.example"}],
                         "valServiceIds": ["svc"]})
    a2, _ = create(VS1, {"valGroupId": "g2", "valServiceIds": ["svc"]})
    b1, _ = create(VS2, {"valGroupId": "g1", "members": [{"valUserId": "bob@val.example"}],
                         "valServiceIds": ["svc"]})
    state.update(a1=a1, a2=a2, b1=b1)
    r = call(VS1, "POST", GM, {"valGroupId": "g1"})
    assert r.status == 409 and r.json()["cause"] == "RESOURCE_EXISTS", r
    r = call(VS2, "POST", GM, {"valGroupId": "g1"})
    assert r.status == 409, r
    assert listed(VS1) == [("g1", a1), ("g2", a2)], listed(VS1)
    assert listed(VS2) == [("g1", b1)], listed(VS2)
    # The filters apply within the caller's own groups.
    assert listed(VS1, "?val-group-id=g1") == [("g1", a1)]
    assert listed(VS2, "?val-group-id=g1") == [("g1", b1)]
    assert listed(VS2, "?val-group-id=g2") == []
    assert listed(VS1, "?member=bob@val.example") == [("g1", a1)]
    assert listed(VS2, "?val-service-id=svc") == [("g1", b1)]
    assert listed(VS1, "?val-service-id=svc&val-group-id=g2") == [("g2", a2)]


@test
def anothers_group_is_a_group_that_does_not_exist():
    a1 = state["a1"]
    for method, q, body, hd in ROUTES:
        r = call(VS2, method, GM + "/" + a1 + q, body, hd)
        m = call(VS2, method, NONE + q, body, hd)
        assert r.status == 404 and m.status == 404, (method, r, m)
        # The same answer but for the id in "instance".
        assert r.body.replace(a1.encode(), b"AAAAAAAAAAAAAAAAAAAAAA") == m.body, (r, m)
    # Nothing changed, for its owner.
    r = call(VS1, "GET", GM + "/" + a1)
    assert r.status == 200 and r.headers.get("etag") == '"1"', r
    assert r.json()["valGroupId"] == "g1" and "grpDesc" not in r.json(), r
    assert listed(VS2) == [("g1", state["b1"])]


@test
def owners_write_their_own():
    a2, b1 = state["a2"], state["b1"]
    r = call(VS1, "PATCH", GM + "/" + a2, {"grpDesc": "mine"}, dict(MERGE, **{"If-Match": '"1"'}))
    assert r.status == 200 and r.json()["grpDesc"] == "mine", r
    # A rename stays unique within the owner's groups only.
    r = call(VS1, "PUT", GM + "/" + a2, {"valGroupId": "g1"})
    assert r.status == 409, r
    r = call(VS2, "PUT", GM + "/" + b1, {"valGroupId": "g2"})
    assert r.status == 200 and r.headers.get("etag") == '"2"', r
    r = call(VS2, "DELETE", GM + "/" + b1)
    assert r.status == 204, r
    assert listed(VS2) == []
    assert [g for g, _ in listed(VS1)] == ["g1", "g2"]


@test
def a_val_user_and_a_stranger_are_refused_everywhere():
    a1 = state["a1"]
    for who, tok, cert in (("user", USER, None), ("unmapped certificate", None, "stranger")):
        for method, path, body, hd in (("POST", GM, {"valGroupId": "mine"}, None),
                                       ("GET", GM, None, None),
                                       ("GET", GM + "?val-group-id=g1", None, None)):
            r = call(tok, method, path, body, hd, cert=cert)
            assert r.status == 403, (who, method, path, r)
        for doc in (a1, "AAAAAAAAAAAAAAAAAAAAAA"):
            for method, q, body, hd in ROUTES:
                r = call(tok, method, GM + "/" + doc + q, body, hd, cert=cert)
                assert r.status == 403, (who, method, doc, r)
                assert r.headers.get("content-type") == "application/problem+json", r.headers
    r = call(USER, "GET", GM)
    assert r.json()["cause"] == "OPERATION_PROHIBITED" and "group_manager" in r.json()["detail"], r
    r = call(VS1, "GET", GM + "/" + a1)
    assert r.status == 200 and r.headers.get("etag") == '"1"', r


failed = 0
setup()
for t in tests:
    try:
        t()
        print("ok", t.__name__)
    except Exception:
        failed += 1
        print("FAIL", t.__name__)
        traceback.print_exc()
if failed:
    print("---- seald log ----")
    print(srv.log_text()[-6000:])
rc = srv.stop()
if rc != 0:
    print("seald exited with", rc)
    print(srv.log_text()[-3000:])
    failed += 1
sys.exit(1 if failed else 0)
