#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Durability of group documents across kill -9: a burst of concurrent
creates (8 connections x 50) against the real seald, SIGKILL in the middle,
restart on the same store. Every create answered 201 must be there, equal
to what was answered; nothing may be half-written (every document parses
and validates against the official YAML, and the valGroupId uniqueness
claims agree with the documents: a group whose create was lost can be
created again, one that exists cannot)."""
import os
import sys
import threading
import time

sys.dont_write_bytecode = True   # no __pycache__ in the (maybe read-only) source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as H  # noqa: E402

H.need_modules()
import openapi_check as OC  # noqa: E402

YAML = "TS29549_SS_GroupManagement.yaml"
BASE = "/ss-gm/v1/group-documents"
THREADS, PER_THREAD, KILL_AFTER = 8, 50, 100

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)
    return cond


def body_for(t, i):
    return {"valGroupId": "crash-%d-%d" % (t, i),
            "grpDesc": "burst %d/%d " % (t, i) + "x" * (i * 13 % 200),
            "members": [{"valUserId": "user-%d-%d-%d" % (t, i, k)} for k in range(1 + i % 5)]
            + [{"valUeId": "ue-%d-%d" % (t, i)}],
            "valServiceIds": ["svc-%d" % (i % 3)]}


class Burst:
    def __init__(self, seald):
        self.seald = seald
        self.lock = threading.Lock()
        self.answered = {}      # valGroupId -> (groupDocId, 201 body)
        self.sent = {}          # valGroupId -> body
        self.errors = []

    def worker(self, t):
        conn = self.seald.connection(timeout=20)
        try:
            for i in range(PER_THREAD):
                body = body_for(t, i)
                with self.lock:
                    self.sent[body["valGroupId"]] = body
                try:
                    r = H.request(conn, "POST", BASE, body)
                except (OSError, ConnectionError, H.http.client.HTTPException):
                    return   # seald was killed
                if r.status == 201:
                    with self.lock:
                        self.answered[body["valGroupId"]] = (
                            r.headers["location"].rsplit("/", 1)[-1], r.json())
                else:
                    with self.lock:
                        self.errors.append("POST %s: %r" % (body["valGroupId"], r))
        finally:
            conn.close()


def main():
    spec = OC.find_spec_dir()
    if not spec:
        print("SKIP: the official YAMLs were not found (set SEAL_OPENAPI_DIR)")
        return H.SKIP
    api = OC.OpenApi(spec)
    seald = H.Seald().start()
    b = Burst(seald)
    threads = [threading.Thread(target=b.worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    deadline = time.time() + 120
    while time.time() < deadline:
        with b.lock:
            n = len(b.answered)
        if n >= KILL_AFTER or not any(th.is_alive() for th in threads):
            break
        time.sleep(0.002)
    seald.kill()   # SIGKILL by PID, mid-burst
    for th in threads:
        th.join(30)
    answered, sent = dict(b.answered), dict(b.sent)
    check(not b.errors, "creates refused before the kill: %s" % b.errors[:3])
    in_flight = len(sent) - len(answered)
    print("sent %d, answered 201: %d, unanswered at kill: %d" % (len(sent), len(answered),
                                                                   in_flight))
    check(len(answered) >= KILL_AFTER, "burst reached %d answers" % len(answered))
    check(len(answered) < THREADS * PER_THREAD, "seald was killed mid-burst")

    seald.start()   # same store, new port
    conn = seald.connection()

    # Every answered create is there, exactly as answered.
    for gid, (doc_id, doc) in answered.items():
        r = H.request(conn, "GET", BASE + "/" + doc_id)
        if check(r.status == 200, "answered %s (%s) lost after kill -9: %r" % (gid, doc_id, r)):
            check(r.json() == doc and r.headers.get("etag") == '"1"',
                  "%s differs after restart: %r" % (gid, r.json()))

    # Nothing half-written: every stored document parses, validates against
    # the YAML and is one of the documents sent, whole.
    r = H.request(conn, "GET", BASE)
    docs = []
    try:
        docs = api.check_response(YAML, "GET", BASE, r.status, r.headers, r.body) or []
    except OC.CheckError as e:
        check(False, "collection after restart: %s" % e)
    seen = {}
    for d in docs:
        gid = d.get("valGroupId")
        check(gid in sent, "unexpected document %r" % d)
        check(gid not in seen, "two documents for %s" % gid)
        seen[gid] = d
        if gid in sent:
            want = dict(sent[gid], resUri=d.get("resUri"))
            check(d == want, "%s is not whole: %r" % (gid, d))
    check(set(answered) <= set(seen), "collection misses answered documents")
    print("stored after restart: %d (answered %d, in flight %d)"
          % (len(seen), len(answered), in_flight))

    # Claims and documents agree: a stored group cannot be created twice, a
    # lost one can be created now.
    for gid in sorted(sent):
        r = H.request(conn, "POST", BASE, sent[gid])
        if gid in seen:
            check(r.status == 409, "%s stored but POST gave %r" % (gid, r))
        else:
            check(r.status == 201, "%s not stored but its valGroupId is taken: %r" % (gid, r))
            if r.status == 201:
                try:
                    api.check_response(YAML, "POST", BASE, r.status, r.headers, r.body)
                except OC.CheckError as e:
                    check(False, str(e))
    conn.close()
    check(seald.stop() == 0, "seald exits 0 after the restart")
    if failures:
        print("---- seald log ----\n" + seald.log_text()[-4000:])
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
