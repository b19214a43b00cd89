# SPDX-License-Identifier: Apache-2.0
"""kill -9 during a 5,000-member GMK distribution, then a restart: every
member ends with exactly one message for that GMK (TS 33.180 5.7; issue 5
"Must show").

One real seald (IdM, KMS, SEAL-X1 in process, gm with GMKs, ss-gm, GM-UU;
store_sqlite with synchronous "full"). A VAL server creates a group of 5,000
VAL users over ss-gm. Once a good part of the messages is out, a sampling
member (a user whose token names 16 of the members, spread over the list)
fetches its messages over GM-UU, opens them with its RSKs (KM-UU) and
acknowledges them; then seald is killed with SIGKILL in the middle of the
distribution and started again on the same database. Checked after the
restart, in the database and over GM-UU:
  - the GMK is the one made before the crash (generation 1, one GMK-ID and
    GMK in the messages opened before and after the crash, one RAND);
  - every member that did not acknowledge has exactly one pending message,
    the acknowledging members none (no chunk served twice);
  - the restarted seald built exactly the messages that were not committed
    at the kill (its own count), and the job is done (no chunk left, the
    wrapped GMK gone).
Takes about a minute on 2 cores (the SAKKE encapsulations: ~3.3 ms each);
the whole test is bounded by ~3 minutes of waiting."""
import json
import os
import re
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gmk_harness as g  # noqa: E402

N = int(os.environ.get("GMK_CRASH_MEMBERS", "5000"))
GMS = "sip:gms@example.org"
MEMBERS = ["sip:m%05d@example.org" % i for i in range(N)]
SAMPLE = [MEMBERS[(i * (N - 1)) // 15] for i in range(16)]


def plugins():
    return [("store_sqlite", lambda s: {"path": s.db()}),   # synchronous "full"
            ("crypto_gnutls", {}),
            ("im", g.im_conf), ("im_uu", g.im_uu_conf),
            ("authz_jwt", lambda s: g.authz_conf(s)(s)),
            ("km", lambda s: {"kms_uri": "kms.example.org",
                              "master_key_file": os.path.join(s.tmp, "km.kek")}),
            ("km_uu", {}),
            ("seal_x1", {"gms_uri": GMS}),
            ("gm", lambda s: {"gmk": {"kek_file": os.path.join(s.tmp, "gmk.kek")}}),
            ("seal_s", {}), ("gm_uu", {})]


def db_query(srv, sql, args=()):
    c = sqlite3.connect("file:%s?mode=ro" % srv.db(), uri=True, timeout=10)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def msg_count(srv):
    return db_query(srv, "SELECT count(*) FROM docs WHERE ns = 'gm.gmkmsgs'")[0][0]


def gmk_state(srv, gid):
    rows = db_query(srv, "SELECT json FROM docs WHERE ns = 'gm.gmk' AND key = ?", (gid,))
    return json.loads(rows[0][0]) if rows else None


def fail(msg):
    print("FAIL " + msg)
    print(srv.log_text()[-4000:])
    sys.exit(1)


t_start = time.time()
srv = g.GmkSeald(plugins())
srv.start()
srv.add_user("sampler", SAMPLE)
srv.add_client(client_id="app", type="public", redirect_uris=[g.RU],
               scopes=["openid", "seal.gm", "seal.km"])
tok = srv.user_token("sampler")
srv.wait_authz(tok)
KMS = srv.kms_cert(tok)
RSK = {m: srv.rsk(m, tok) for m in SAMPLE}

gid = srv.create_group("crash-%d" % N, MEMBERS)
print("group of %d members created in %.1fs" % (N, time.time() - t_start))

# Wait until a good part, not all, of the messages is out.
t0 = time.time()
while msg_count(srv) < N // 4:
    if time.time() - t0 > 90:
        fail("only %d messages after 90s" % msg_count(srv))
    time.sleep(0.05)

# The sampling member opens and acknowledges what reached it so far.
opened = {}
for m in srv.messages(tok):
    d = g.decode(m["valUserId"], KMS, RSK[m["valUserId"]][0], m["iMessage"])
    if "error" in d:
        fail("%s cannot open its message: %s" % (m["valUserId"], d))
    opened[m["valUserId"]] = d
    r = srv.call("DELETE", "/gm-uu/v1/gmk-messages/" + m["id"], token=tok)
    if r.status != 204:
        fail("acknowledgement: %r" % r)
acked = set(opened)

os.kill(srv.proc.pid, signal.SIGKILL)
srv.proc.wait()
at_kill = msg_count(srv)
st = gmk_state(srv, gid)
print("killed after %.1fs of distribution: %d messages pending, %d acknowledged, state %s"
      % (time.time() - t0, at_kill, len(acked), st["state"]))
if at_kill + len(acked) >= N or st["state"] != "distributing":
    fail("the distribution was over before the kill: the test proves nothing")
if not acked:
    fail("no sampled member had its message before the kill")
committed = at_kill + len(acked)

srv.start_at(srv.port)   # same port: the tokens' issuer URL names it
t1 = time.time()
while True:
    st = gmk_state(srv, gid)
    if st and st.get("state") == "done":
        break
    if time.time() - t1 > 150:
        fail("distribution not finished 150s after the restart")
    time.sleep(0.2)
print("restart finished the distribution in %.1fs" % (time.time() - t1))
srv.wait_authz(tok)   # authz_jwt fetches the IdM's key set again

failed = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failed.append(name)
        print("     " + str(detail)[:2000])


rows = db_query(srv, "SELECT key, json FROM docs WHERE ns = 'gm.gmkmsgs'")
msgs = [json.loads(j) for _, j in rows]
by_member = {}
for m in msgs:
    by_member.setdefault(m["valUserId"], []).append(m)
check("the GMK of the crash is the one distributed (generation 1)",
      st["generation"] == 1 and all(m["generation"] == 1 for m in msgs),
      {m["generation"] for m in msgs})
check("the wrapped GMK is gone once done", "key" not in st and "iv" not in st, st)
check("no chunk left",
      db_query(srv, "SELECT count(*) FROM docs WHERE ns = 'gm.gmkchunks'")[0][0] == 0)
check("every member that did not acknowledge has exactly one message",
      all(len(by_member.get(m, [])) == 1 for m in MEMBERS if m not in acked) and
      len(msgs) == N - len(acked),
      (len(msgs), N - len(acked), [m for m in MEMBERS if m not in acked and
                                   len(by_member.get(m, [])) != 1][:10]))
check("acknowledged members got nothing again", all(m not in by_member for m in acked),
      [m for m in acked if m in by_member])
check("only the group's members have messages", set(by_member) <= set(MEMBERS))

after = {}
for m in srv.messages(tok):
    d = g.decode(m["valUserId"], KMS, RSK[m["valUserId"]][0], m["iMessage"])
    check("%s opens its message" % m["valUserId"], "error" not in d, d)
    after[m["valUserId"]] = d
check("the sampled members got their messages after the restart",
      set(after) == set(SAMPLE) - acked, (sorted(after), sorted(acked)))
allmsgs = list(opened.values()) + list(after.values())
check("one GMK and one GMK-ID before and after the crash",
      len({d["gmk"] for d in allmsgs}) == 1 and len({d["gmk_id"] for d in allmsgs}) == 1,
      [(d["gmk"], d["gmk_id"]) for d in allmsgs])

rc = srv.stop()
check("seald stops cleanly", rc == 0, rc)
logs = [open(os.path.join(srv.tmp, f), errors="replace").read()
        for f in sorted(os.listdir(srv.tmp)) if re.match(r"seald-\d+\.log$", f)]
built = [int(x) for x in re.findall(r"gmk: (\d+) message\(s\) built", logs[-1])]
check("the restarted seald built exactly the messages not committed at the kill",
      built == [N - committed], (built, N - committed))
print("%d members, %.0fs in all" % (N, time.time() - t_start))
sys.exit(1 if failed else 0)
