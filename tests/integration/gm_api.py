#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""TS 29.549 SS_GroupManagement through the real seald (gm + seal_s +
store_sqlite, behind im, im_uu and authz_jwt) as one VAL server (a client
credentials token, so every group here is its own: see gm_owner.py for
several owners): every operation, ETag / If-Match, every bad field named
in invalidParams, 404, 405, 409 (valGroupId is unique within its owner's
groups), 412, 415, the group-members / group-configuration flags and the
query filters. Every answer (errors included) is validated against the
official Rel-18 YAML."""
import json
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the (maybe read-only) source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as H  # noqa: E402

H.need_modules()
import gm_tokens as T  # noqa: E402
import openapi_check as OC  # noqa: E402

YAML = "TS29549_SS_GroupManagement.yaml"
BASE = "/ss-gm/v1/group-documents"
MERGE = {"Content-Type": "application/merge-patch+json"}

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)
    return cond


class Client:
    """Requests as the VAL server whose token is given."""

    def __init__(self, seald, api, token):
        self.seald = seald
        self.api = api
        self.token = token
        self.conn = seald.connection()
        self.count = 0

    def __call__(self, method, path, body=None, headers=None):
        headers = dict(headers or {}, Authorization="Bearer " + self.token)
        try:
            r = H.request(self.conn, method, path, body, headers)
        except (ConnectionError, OSError):
            self.conn.close()
            self.conn = self.seald.connection()
            r = H.request(self.conn, method, path, body, headers)
        self.count += 1
        try:
            self.api.check_response(YAML, method, path, r.status, r.headers, r.body)
        except OC.CheckError as e:
            check(False, "schema: %s" % e)
        return r


def problem_params(r):
    return {p["param"]: p.get("reason") for p in r.json().get("invalidParams", [])}


def etag(r):
    return r.headers.get("etag")


FULL = {
    "valGroupId": "fire-brigade-1",
    "grpDesc": "Fire brigade, north",
    "members": [{"valUserId": "alice@example.com"}, {"valUeId": "ue-0001"}],
    "valGrpConf": "<conf/>",
    "valServiceIds": ["mcptt", "mcdata"],
    "valSvcInf": "info",
    "suppFeat": "0F",
    "resUri": "https://client.example/ignored",
    "locInfo": {"ageOfLocationInfo": 5, "cellId": "cell-1",
                "geographicArea": {"shape": "POINT", "point": {"lon": 2.35, "lat": 48.85}}},
    "addLocInfo": {"geographicAreas": [{"shape": "POINT", "point": {"lon": 0, "lat": 0}}],
                   "civicAddresses": [{"country": "FR", "A1": "IDF"}]},
    "valSvcAreaId": "area-7",
    "extGrpId": "brigade@example.com",
    "com5GLanType": "IPV4",
    "rel19Attribute": {"unknown": True},
}


def test_create(c, api):
    r = c("POST", BASE, FULL)
    check(r.status == 201, "POST full: %r" % r)
    loc = r.headers.get("location", "")
    check(loc.startswith(BASE + "/") and len(loc) == len(BASE) + 23, "Location %r" % loc)
    doc_id = loc.rsplit("/", 1)[-1]
    check(etag(r) == '"1"', "POST ETag %r" % etag(r))
    d = r.json()
    check(d.get("resUri") == loc, "resUri %r != Location %r" % (d.get("resUri"), loc))
    check(d.get("suppFeat") == "0", "suppFeat negotiated to 0: %r" % d.get("suppFeat"))
    check("rel19Attribute" not in d, "unknown attribute dropped")
    expect = {k: v for k, v in FULL.items() if k not in ("rel19Attribute", "resUri", "suppFeat")}
    check(all(d.get(k) == v for k, v in expect.items()), "POST echoes the document: %r" % d)

    r2 = c("POST", BASE, {"valGroupId": "minimal"})
    check(r2.status == 201 and r2.json() == {"valGroupId": "minimal",
                                             "resUri": r2.headers.get("location")},
          "POST minimal: %r" % r2)
    check(r2.headers.get("location") != loc, "distinct groupDocIds")

    r3 = c("POST", BASE, {"valGroupId": "fire-brigade-1", "grpDesc": "again"})
    check(r3.status == 409, "second document for one valGroupId: 409, got %r" % r3)
    return doc_id, r2.headers["location"].rsplit("/", 1)[-1]


def test_invalid_bodies(c):
    bad = {
        "valGroupId": 17,
        "grpDesc": ["not", "a", "string"],
        "members": [{"valUserId": "a", "valUeId": "b"}, {}, {"valUserId": 5},
                    "alice", {"valUeId": ""}, {"valUserId": "dup"}, {"valUserId": "dup"}],
        "valServiceIds": [],
        "suppFeat": "xyz",
        "locInfo": {"ageOfLocationInfo": -3, "geographicArea": {"point": {}}},
        "addLocInfo": {"civicAddresses": "FR"},
        "extGrpId": "no-domain",
        "valGrpConf": None,
        "com5GLanType": 4,
    }
    r = c("POST", BASE, bad)
    check(r.status == 400, "invalid POST: %r" % r)
    got = problem_params(r)
    want = {"/valGroupId", "/grpDesc", "/members/0", "/members/1", "/members/2/valUserId",
            "/members/3", "/members/4/valUeId", "/valServiceIds", "/suppFeat",
            "/locInfo/ageOfLocationInfo", "/locInfo/geographicArea/shape",
            "/addLocInfo/civicAddresses", "/extGrpId", "/valGrpConf", "/com5GLanType"}
    check(set(got) == want, "invalidParams: missing %s, unexpected %s"
          % (sorted(want - set(got)), sorted(set(got) - want)))
    check(all(got.values()), "every invalid param has a reason")

    # Duplicates are reported once the items themselves are fine.
    r = c("POST", BASE, {"valGroupId": "d", "members": [{"valUserId": "x"}, {"valUeId": "x"},
                                                       {"valUserId": "x"}],
                         "valServiceIds": ["s", "s"]})
    check(r.status == 400 and set(problem_params(r)) == {"/members/2", "/valServiceIds/1"},
          "duplicates: %r" % r)

    r = c("POST", BASE, {"grpDesc": "no id"})
    check(r.status == 400 and set(problem_params(r)) == {"/valGroupId"}, "required: %r" % r)

    for body, what in ((b"{not json", "not JSON"), (b"[1,2]", "array"), (b'"x"', "string"),
                       (b'{"valGroupId":"a"} {}', "trailing data"),
                       (b'{"valGroupId":"\xff"}', "invalid UTF-8"),
                       (b'{"valGroupId":"a",}', "trailing comma"),
                       (b"[" * 100 + b"]" * 100, "deep nesting"), (b"", "empty")):
        r = c("POST", BASE, body, {"Content-Type": "application/json"})
        check(r.status == 400 and r.headers.get("content-type", "").startswith(
            "application/problem+json"), "%s: %r" % (what, r))

    for ct in ("text/plain", "application/merge-patch+json", None):
        h = {"Content-Type": ct} if ct else {}
        r = c("POST", BASE, b'{"valGroupId":"ct"}', h)
        check(r.status == 415, "POST Content-Type %s: %r" % (ct, r))
    r = c("POST", BASE, b'{"valGroupId":"ct-ok"}',
          {"Content-Type": "Application/JSON; charset=utf-8"})
    check(r.status == 201, "media type parameters and case ignored: %r" % r)


def test_location(c):
    """GAD shapes are checked member by member, so what is accepted is what
    the YAML allows, and it comes back unchanged."""
    loc = {"valGroupId": "located",
           "locInfo": {"geographicArea": {"shape": "POLYGON", "pointList": [
               {"lon": 1, "lat": 2}, {"lon": 3.5, "lat": -4}, {"lon": -179.9, "lat": 89.9}]},
               "civicAddress": {"country": "DE", "A1": "Berlin"}, "positionMethod": "CELLID"},
           "addLocInfo": {"geographicAreas": [
               {"shape": "POINT_UNCERTAINTY_CIRCLE", "point": {"lon": 0, "lat": 0},
                "uncertainty": 12.5},
               {"shape": "POINT_ALTITUDE_UNCERTAINTY", "point": {"lon": 10, "lat": 20},
                "altitude": -30, "uncertaintyEllipse": {"semiMajor": 1, "semiMinor": 0.5,
                                                        "orientationMajor": 90},
                "uncertaintyAltitude": 3, "confidence": 68},
               {"shape": "ELLIPSOID_ARC", "point": {"lon": 1, "lat": 1}, "innerRadius": 100,
                "uncertaintyRadius": 5, "offsetAngle": 0, "includedAngle": 360,
                "confidence": 95}]}}
    r = c("POST", BASE, loc)
    check(r.status == 201 and {k: v for k, v in r.json().items() if k != "resUri"} == loc,
          "location round trip: %r" % r)
    bad = {"valGroupId": "bad-location",
           "locInfo": {"geographicArea": {"shape": "POLYGON", "pointList": [
               {"lon": 181, "lat": 0}, {"lat": 0}]}},
           "addLocInfo": {"geographicAreas": [
               {"shape": "POINT_UNCERTAINTY_ELLIPSE", "point": {"lon": 0, "lat": 0},
                "uncertaintyEllipse": {"semiMajor": -1, "semiMinor": 1, "orientationMajor": 1},
                "confidence": 101},
               {"shape": "SOMETHING_NEW"}, {"shape": "POINT"}]}}
    r = c("POST", BASE, bad)
    want = {"/locInfo/geographicArea/pointList", "/locInfo/geographicArea/pointList/0/lon",
            "/locInfo/geographicArea/pointList/1/lon",
            "/addLocInfo/geographicAreas/0/uncertaintyEllipse/semiMajor",
            "/addLocInfo/geographicAreas/0/confidence",
            "/addLocInfo/geographicAreas/1/shape", "/addLocInfo/geographicAreas/2/point"}
    check(r.status == 400 and set(problem_params(r)) == want,
          "bad location: missing %s, unexpected %s" % (
              sorted(want - set(problem_params(r))), sorted(set(problem_params(r)) - want)))
    # json-c would clamp this integer silently: refused instead.
    r = c("POST", BASE, b'{"valGroupId":"big","locInfo":{"userLocation":'
          b'{"x":123456789012345678901234567890}}}', {"Content-Type": "application/json"})
    check(r.status == 400 and "64-bit" in problem_params(r).get("/locInfo/userLocation/x", ""),
          "integer overflow: %r" % r)


def test_get(c, doc_id):
    r = c("GET", BASE + "/" + doc_id)
    check(r.status == 200 and etag(r) == '"1"', "GET: %r" % r)
    d = r.json()
    check(d.get("valGroupId") == "fire-brigade-1" and d.get("resUri") == BASE + "/" + doc_id,
          "GET body: %r" % d)
    # The GET answer is spliced into the stored text (seal_s' fast path): it
    # must be exactly the compact rendering, resUri last.
    check(list(d)[-1] == "resUri" and
          r.body == json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode(),
          "GET body is compact JSON with resUri last: %r" % r.body)

    r = c("GET", BASE + "/" + doc_id + "?group-members=true")
    check(r.status == 200 and r.json() == {"valGroupId": "fire-brigade-1",
                                           "members": FULL["members"]},
          "group-members: %r" % r)
    r = c("GET", BASE + "/" + doc_id + "?group-configuration=true")
    check(r.status == 200 and r.json() == {"valGroupId": "fire-brigade-1",
                                           "valGrpConf": FULL["valGrpConf"]},
          "group-configuration: %r" % r)
    r = c("GET", BASE + "/" + doc_id + "?group-members=true&group-configuration=true")
    check(r.status == 200 and set(r.json()) == {"valGroupId", "members", "valGrpConf"},
          "both flags: %r" % r)
    r = c("GET", BASE + "/" + doc_id + "?group-members=false&group-configuration=false")
    check(r.status == 200 and r.json() == d, "flags false: whole document")
    r = c("GET", BASE + "/" + doc_id + "?group-members=yes")
    check(r.status == 400 and "group-members" in problem_params(r), "bad flag: %r" % r)
    r = c("GET", BASE + "/" + doc_id + "?colour=blue")
    check(r.status == 400 and "colour" in problem_params(r), "unknown parameter: %r" % r)

    r = c("GET", BASE + "/AAAAAAAAAAAAAAAAAAAAAA")
    check(r.status == 404, "unknown id: %r" % r)
    r = c("GET", BASE + "/with%20space")
    check(r.status == 404, "odd id: %r" % r)


def test_query(c, doc_id):
    made = {}
    for i, (gid, svcs, members) in enumerate((
            ("q-a", ["svc-1"], ["bob"]), ("q-b", ["svc-1", "svc-2"], ["bob", "carol"]),
            ("q-c", ["svc-2"], ["carol"]))):
        body = {"valGroupId": gid, "valServiceIds": svcs,
                "members": [{"valUserId": m} for m in members]}
        r = c("POST", BASE, body)
        check(r.status == 201, "POST %s: %r" % (gid, r))
        made[gid] = r.headers.get("location")

    def ids(r):
        return sorted(d["valGroupId"] for d in r.json())

    r = c("GET", BASE)
    check(r.status == 200 and {"q-a", "q-b", "q-c", "fire-brigade-1"} <= set(ids(r)),
          "all documents: %r" % r)
    check(all(d.get("resUri", "").startswith(BASE + "/") for d in r.json()), "resUri in list")
    r = c("GET", BASE + "?val-group-id=q-b")
    check(r.status == 200 and ids(r) == ["q-b"] and r.json()[0]["resUri"] == made["q-b"],
          "by group: %r" % r)
    r = c("GET", BASE + "?val-service-id=svc-1")
    check(ids(r) == ["q-a", "q-b"], "by service: %r" % r)
    r = c("GET", BASE + "?val-service-id=svc-2&val-group-id=q-c")
    check(ids(r) == ["q-c"], "group and service: %r" % r)
    r = c("GET", BASE + "?val-service-id=svc-1&val-group-id=q-c")
    check(r.status == 200 and r.json() == [], "no match: %r" % r)
    r = c("GET", BASE + "?member=carol")
    check(ids(r) == ["q-b", "q-c"], "by member: %r" % r)
    r = c("GET", BASE + "?member=carol&val-service-id=svc-1")
    check(ids(r) == ["q-b"], "member and service: %r" % r)
    r = c("GET", BASE + "?member=ue-0001")
    check(ids(r) == ["fire-brigade-1"], "member by valUeId: %r" % r)
    r = c("GET", BASE + "?val-group-id=nobody")
    check(r.status == 200 and r.json() == [], "unknown group: %r" % r)
    for q, p in (("?val-groupid=q-a", "val-groupid"), ("?val-group-id=", "val-group-id"),
                 ("?val-group-id=q-a&val-group-id=q-b", "val-group-id")):
        r = c("GET", BASE + q)
        check(r.status == 400 and p in problem_params(r), "query %s: %r" % (q, r))
    return made


def test_put(c, doc_id, other_id):
    path = BASE + "/" + doc_id
    new = dict(FULL, grpDesc="replaced", members=[{"valUserId": "dave"}])
    del new["suppFeat"]
    r = c("PUT", path, new, {"If-Match": '"1"'})
    check(r.status == 200 and etag(r) == '"2"', "PUT If-Match 1: %r" % r)
    check(r.status == 200 and r.json().get("members") == [{"valUserId": "dave"}]
          and "suppFeat" not in r.json(), "PUT body: %r" % r)
    r = c("PUT", path, new, {"If-Match": '"1"'})
    check(r.status == 412, "PUT stale If-Match: %r" % r)
    r = c("PUT", path, new, {"If-Match": 'W/"2"'})
    check(r.status == 412, "weak tag never matches: %r" % r)
    r = c("PUT", path, new, {"If-Match": '"7", "2"'})
    check(r.status == 200 and etag(r) == '"3"', "tag list: %r" % r)
    r = c("PUT", path, new, {"If-Match": "*"})
    check(r.status == 200 and etag(r) == '"4"', "If-Match *: %r" % r)
    r = c("PUT", path, new)
    check(r.status == 200 and etag(r) == '"5"', "unconditional PUT: %r" % r)
    r = c("PUT", path, new, {"If-Match": "5"})
    check(r.status == 400 and "If-Match" in problem_params(r), "malformed If-Match: %r" % r)
    r = c("GET", path)
    check(etag(r) == '"5"' and r.json()["grpDesc"] == "replaced", "GET after PUT: %r" % r)

    r = c("PUT", path, {"valGroupId": 1, "members": []})
    check(r.status == 400 and set(problem_params(r)) == {"/valGroupId", "/members"},
          "PUT invalid: %r" % r)
    r = c("PUT", path, b'{"valGroupId":"x"}', {"Content-Type": "application/merge-patch+json"})
    check(r.status == 415, "PUT media type: %r" % r)
    r = c("PUT", BASE + "/AAAAAAAAAAAAAAAAAAAAAA", new)
    check(r.status == 404, "PUT unknown id: %r" % r)
    r = c("PUT", BASE + "/AAAAAAAAAAAAAAAAAAAAAA", new, {"If-Match": '"1"'})
    check(r.status == 404, "PUT unknown id with If-Match: %r" % r)

    # valGroupId stays unique across renames; a rename frees the old id.
    r = c("PUT", BASE + "/" + other_id, {"valGroupId": "fire-brigade-1"})
    check(r.status == 409, "rename onto a taken valGroupId: %r" % r)
    r = c("PUT", BASE + "/" + other_id, {"valGroupId": "minimal-renamed"})
    check(r.status == 200 and etag(r) == '"2"', "rename: %r" % r)
    r = c("GET", BASE + "?val-group-id=minimal")
    check(r.json() == [], "old valGroupId no longer found: %r" % r)
    r = c("POST", BASE, {"valGroupId": "minimal"})
    check(r.status == 201, "old valGroupId is free again: %r" % r)


def test_patch(c, doc_id):
    path = BASE + "/" + doc_id
    r = c("GET", path)
    rev = int(etag(r).strip('"'))
    patch = {"grpDesc": None, "members": [{"valUserId": "erin"}, {"valUeId": "ue-9"}],
             "locInfo": {"cellId": "cell-2"}, "ignoredUnknown": 1}
    r = c("PATCH", path, patch, dict(MERGE, **{"If-Match": '"%d"' % rev}))
    check(r.status == 200 and etag(r) == '"%d"' % (rev + 1), "PATCH: %r" % r)
    d = r.json() if r.status == 200 else {}
    check("grpDesc" not in d, "null removes grpDesc")
    check(d.get("members") == patch["members"], "members replaced")
    check(d.get("locInfo", {}).get("cellId") == "cell-2"
          and d.get("locInfo", {}).get("ageOfLocationInfo") == 5
          and "geographicArea" in d.get("locInfo", {}), "locInfo merged: %r" % d.get("locInfo"))
    check("ignoredUnknown" not in d, "unknown patch member dropped")
    r2 = c("GET", path)
    check(r2.json() == d and etag(r2) == etag(r), "GET after PATCH")

    r = c("PATCH", path, patch, dict(MERGE, **{"If-Match": '"%d"' % rev}))
    check(r.status == 412, "PATCH stale: %r" % r)
    r = c("PATCH", path, {"valGroupId": "x", "suppFeat": "1", "resUri": "u", "valSvcInf": None,
                          "members": [], "valServiceIds": [3]}, MERGE)
    check(r.status == 400 and set(problem_params(r)) == {
        "/valGroupId", "/suppFeat", "/resUri", "/valSvcInf", "/members", "/valServiceIds/0"},
        "PATCH invalid: %r" % r)
    r = c("PATCH", path, {"grpDesc": "x"})
    check(r.status == 415, "PATCH as application/json: %r" % r)
    r = c("PATCH", path, b"[]", MERGE)
    check(r.status == 400, "PATCH not an object: %r" % r)
    r = c("PATCH", BASE + "/AAAAAAAAAAAAAAAAAAAAAA", {"grpDesc": "x"}, MERGE)
    check(r.status == 404, "PATCH unknown id: %r" % r)
    r = c("PATCH", path, {"members": None, "valServiceIds": None}, MERGE)
    check(r.status == 200 and "members" not in r.json() and "valServiceIds" not in r.json(),
          "PATCH removes members: %r" % r)
    r = c("GET", BASE + "?member=erin")
    check(r.json() == [], "removed members are no longer indexed: %r" % r)


def test_delete(c, doc_id):
    path = BASE + "/" + doc_id
    r = c("DELETE", path, headers={"If-Match": '"1"'})
    check(r.status == 412, "DELETE stale: %r" % r)
    r = c("GET", path)
    r = c("DELETE", path, headers={"If-Match": etag(r)})
    check(r.status == 204 and r.body == b"", "DELETE: %r" % r)
    r = c("GET", path)
    check(r.status == 404, "GET after DELETE: %r" % r)
    r = c("DELETE", path)
    check(r.status == 404, "DELETE again: %r" % r)
    r = c("POST", BASE, {"valGroupId": "fire-brigade-1"})
    check(r.status == 201, "valGroupId free after DELETE: %r" % r)


def test_methods(c, doc_id):
    for m, p in (("DELETE", BASE), ("PUT", BASE), ("PATCH", BASE), ("POST", BASE + "/" + doc_id)):
        r = c(m, p, b"{}", {"Content-Type": "application/json"})
        check(r.status == 405 and r.headers.get("allow"), "%s %s: %r %r" % (m, p, r, r.headers))
    r = c("GET", "/ss-gm/v1/nothing-here")
    check(r.status == 404, "unknown path: %r" % r)


def test_no_credential(seald):
    """No token and no client certificate: no service."""
    conn = seald.connection(timeout=10)
    try:
        r = H.request(conn, "GET", BASE)
        check(r.status == 401, "no credential: %r" % r)
    finally:
        conn.close()


def test_api_root(api):
    """With api_root configured, Location and resUri are absolute URIs."""
    root = "https://gms.example.com:8443/seal"
    s2 = T.GmSeald(seal_s_conf={"api_root": root + "/"}).start()
    c2 = Client(s2, api, s2.val_server_token("vs1"))
    r = c2("POST", BASE, {"valGroupId": "rooted"})
    loc = r.headers.get("location", "")
    check(r.status == 201 and loc.startswith(root + BASE + "/") and r.json().get("resUri") == loc,
          "api_root Location %r: %r" % (loc, r))
    r = c2("GET", BASE)
    check(r.status == 200 and r.json()[0]["resUri"] == loc, "api_root in list: %r" % r)
    c2.conn.close()
    check(s2.stop() == 0, "second seald exits 0")
    s2.cleanup()

    bad = H.Seald(seal_s_conf={"api_root": "gms.example.com"})
    try:
        bad.start(tries=1)
        check(False, "a bad api_root must stop start-up")
    except H.StartError as e:
        check("$.plugins.seal_s.api_root" in e.log, "error names the setting: %s" % e.log[-500:])
    bad.cleanup()


def main():
    spec = OC.find_spec_dir()
    if not spec:
        print("SKIP: the official YAMLs were not found (set SEAL_OPENAPI_DIR)")
        return H.SKIP
    api = OC.OpenApi(spec)
    seald = T.GmSeald().start()
    c = Client(seald, api, seald.val_server_token("vs1"))
    doc_id, other_id = test_create(c, api)
    test_invalid_bodies(c)
    test_location(c)
    test_get(c, doc_id)
    test_query(c, doc_id)
    test_put(c, doc_id, other_id)
    test_patch(c, doc_id)
    test_methods(c, doc_id)
    test_delete(c, doc_id)
    test_no_credential(seald)
    test_api_root(api)
    c.conn.close()
    rc = seald.stop()
    check(rc == 0, "seald exits 0 on SIGTERM (got %r)" % rc)
    if failures:
        print("---- seald log ----\n" + seald.log_text()[-4000:])
    print("%d requests, %d failures" % (c.count, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
