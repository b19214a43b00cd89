#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Strict JSON on SS_GroupManagement bodies (issue 9) through the real
seald (gm + seal_s + store_sqlite, mutual TLS): POST, PUT and PATCH bodies
that are not RFC 8259 JSON -- bytes that are not UTF-8 (overlong forms,
encoded surrogates, code points past U+10FFFF, truncated sequences), lone
surrogate escapes, NaN and Infinity, duplicate member names at the top and
inside a member object -- are refused with 400 and the field named in
invalidParams, and change nothing; valid JSON that only looks odd
(surrogate pairs, 4-byte UTF-8, \\u0000 in a value) is kept. Then the
stored list read back is valid JSON for a strict reader: UTF-8 decoded
with errors="strict", no duplicate names, no NaN/Infinity, no lone
surrogate."""
import json
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the (maybe read-only) source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as H  # noqa: E402

BASE = "/ss-gm/v1/group-documents"
JSON = {"Content-Type": "application/json"}
MERGE = {"Content-Type": "application/merge-patch+json"}

failures = []
CONN = None     # the keep-alive connection to seald


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)
    return cond


def start_seald():
    """The one place that sets seald up (gm + seal_s + store_sqlite, the
    harness's client certificate)."""
    return H.Seald().start()


def strict_loads(body):
    """Parses bytes as RFC 8259 JSON or raises ValueError."""
    text = body.decode("utf-8", errors="strict")

    def pairs(kv):
        d = {}
        for k, v in kv:
            if k in d:
                raise ValueError("duplicate member name %r" % k)
            d[k] = v
        return d

    def constant(name):
        raise ValueError("%s is not JSON" % name)

    value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)

    def walk(v):
        # A lone surrogate escape reads into a str that has no UTF-8 form.
        if isinstance(v, str):
            v.encode("utf-8", errors="strict")
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(k)
                walk(x)
    walk(value)
    return value


def params(r):
    try:
        return {p["param"]: p.get("reason", "") for p in r.json().get("invalidParams", [])}
    except (ValueError, AttributeError):
        return {}


# (what, body, pointer, a word of the reason). The body is a whole
# VALGroupDocument; {G} is where the valGroupId goes.
DOC_CASES = (
    ("overlong form", b'{"valGroupId":"{G}\xc0\xaf"}', "/valGroupId", "overlong"),
    ("overlong form (3 bytes)", b'{"valGroupId":"{G}","grpDesc":"\xe0\x80\xaf"}', "/grpDesc",
     "overlong"),
    ("encoded surrogate", b'{"valGroupId":"{G}","grpDesc":"a\xed\xa0\x80"}', "/grpDesc",
     "surrogate"),
    ("past U+10FFFF", b'{"valGroupId":"{G}","members":[{"valUserId":"\xf4\x90\x80\x80"}]}',
     "/members/0/valUserId", "U+10FFFF"),
    ("truncated sequence", b'{"valGroupId":"{G}","grpDesc":"\xe2\x82"}', "/grpDesc",
     "truncated"),
    ("NaN", b'{"valGroupId":"{G}","locInfo":{"ageOfLocationInfo":NaN}}',
     "/locInfo/ageOfLocationInfo", "NaN"),
    ("Infinity", b'{"valGroupId":"{G}","locInfo":{"geographicArea":{"shape":"POINT",'
     b'"point":{"lon":Infinity,"lat":0}}}}', "/locInfo/geographicArea/point/lon", "Infinity"),
    ("-Infinity", b'{"valGroupId":"{G}","addLocInfo":{"geographicAreas":[{"shape":"POINT",'
     b'"point":{"lon":0,"lat":-Infinity}}]}}', "/addLocInfo/geographicAreas/0/point/lat",
     "Infinity"),
    ("duplicate valGroupId", b'{"valGroupId":"{G}","valGroupId":"{G}-other"}', "/valGroupId",
     "duplicate"),
    ("duplicate in a member", b'{"valGroupId":"{G}","members":[{"valUserId":"a"},'
     b'{"valUserId":"b","valUserId":"c"}]}', "/members/1/valUserId", "duplicate"),
    ("lone high surrogate escape", b'{"valGroupId":"{G}","grpDesc":"x\\ud800"}', "/grpDesc",
     "surrogate"),
    ("lone low surrogate escape", b'{"valGroupId":"{G}","members":[{"valUserId":"\\udc00"}]}',
     "/members/0/valUserId", "surrogate"),
)

# The same classes in a VALGroupDocumentPatch (valGroupId cannot be patched).
PATCH_CASES = (
    ("overlong form", b'{"grpDesc":"\xc0\xaf"}', "/grpDesc", "overlong"),
    ("encoded surrogate", b'{"members":[{"valUserId":"\xed\xa0\x80"}]}',
     "/members/0/valUserId", "surrogate"),
    ("past U+10FFFF", b'{"grpDesc":"\xf4\x90\x80\x80"}', "/grpDesc", "U+10FFFF"),
    ("NaN", b'{"locInfo":{"ageOfLocationInfo":NaN}}', "/locInfo/ageOfLocationInfo", "NaN"),
    ("Infinity", b'{"locInfo":{"ageOfLocationInfo":Infinity}}', "/locInfo/ageOfLocationInfo",
     "Infinity"),
    ("duplicate grpDesc", b'{"grpDesc":"a","grpDesc":"b"}', "/grpDesc", "duplicate"),
    ("duplicate in a member", b'{"members":[{"valUeId":"u","valUeId":"v"}]}',
     "/members/0/valUeId", "duplicate"),
    ("lone high surrogate escape", b'{"grpDesc":"\\ud800"}', "/grpDesc", "surrogate"),
)


def refused(r, what, pointer, word):
    p = params(r)
    return check(r.status == 400
                 and r.headers.get("content-type", "").startswith("application/problem+json")
                 and pointer in p and word.lower() in p[pointer].lower(),
                 "%s: want 400 naming %s (%s), got %r" % (what, pointer, word, r))


def test_post():
    conn = CONN
    for i, (what, body, pointer, word) in enumerate(DOC_CASES):
        r = H.request(conn, "POST", BASE, body.replace(b"{G}", b"post-%d" % i), JSON)
        refused(r, "POST " + what, pointer, word)


def test_put_patch():
    conn = CONN
    good = {"valGroupId": "strict-1", "grpDesc": "kept",
            "members": [{"valUserId": "alice@example.com"}]}
    r = H.request(conn, "POST", BASE, good)
    check(r.status == 201, "POST a valid document: %r" % r)
    path = r.headers.get("location", "")
    tag = r.headers.get("etag")
    for what, body, pointer, word in DOC_CASES:
        r = H.request(conn, "PUT", path, body.replace(b"{G}", b"strict-1"),
                      dict(JSON, **{"If-Match": tag}))
        refused(r, "PUT " + what, pointer, word)
    for what, body, pointer, word in PATCH_CASES:
        r = H.request(conn, "PATCH", path, body, dict(MERGE, **{"If-Match": tag}))
        refused(r, "PATCH " + what, pointer, word)
    r = H.request(conn, "GET", path)
    check(r.status == 200 and r.headers.get("etag") == tag and r.json().get("grpDesc") == "kept",
          "refused writes change nothing: %r" % r)


def test_valid_kept():
    conn = CONN
    # Valid RFC 8259 text that only looks odd: a surrogate pair as escapes,
    # raw 4-byte UTF-8, U+10FFFF, \u0000 inside a value (its length says
    # where it ends).
    body = (b'{"valGroupId":"strict-2","grpDesc":"\\ud83d\\ude00 \xf0\x9f\x98\x80 '
            b'\xf4\x8f\xbf\xbf a\\u0000b"}')
    r = H.request(conn, "POST", BASE, body, JSON)
    check(r.status == 201, "valid exotic JSON accepted: %r" % r)
    want = "\U0001F600 \U0001F600 \U0010FFFF a\x00b"
    if r.status == 201:
        check(strict_loads(r.body).get("grpDesc") == want, "decoded as sent: %r" % r.body)


def test_list_strict():
    conn = CONN
    r = H.request(conn, "GET", BASE)
    check(r.status == 200, "GET list: %r" % r)
    try:
        docs = strict_loads(r.body)
    except ValueError as e:
        check(False, "the stored list is not strict JSON: %s: %r" % (e, r.body[:400]))
        return
    ids = sorted(d.get("valGroupId") for d in docs)
    check(ids == ["strict-1", "strict-2"], "only the valid documents were stored: %r" % ids)


def main():
    global CONN
    seald = start_seald()
    CONN = seald.connection()
    failed = H.run_tests([test_post, test_put_patch, test_valid_kept, test_list_strict])
    CONN.close()
    rc = seald.stop()
    check(rc == 0, "seald exits 0 on SIGTERM (got %r)" % rc)
    if failures or failed:
        print("---- seald log ----\n" + seald.log_text()[-4000:])
    print("%d failures" % (len(failures) + failed))
    return 1 if failures or failed else 0


if __name__ == "__main__":
    sys.exit(main())
