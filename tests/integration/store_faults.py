# SPDX-License-Identifier: Apache-2.0
"""Store faults through the real seald (store_sqlite, gm with group master
keys, seal_s, km and seal_x1 in process, im and im_uu).

A full disk: the database lives on a small tmpfs (4 MiB, mounted here; root
only, else SKIP), filled to the last byte while seald runs. Every group
created through SS_GroupManagement is then answered 503 with Retry-After
or, when SQLite still had room in its WAL, 201 -- never 500, never a crash;
the log says "disk full" once, not once per request, and tells of a new
GMK only for the groups answered 201 (its transaction committed). A user
added through the IdM administration gets 503 with Retry-After, and a
login (right password) a 503 temporarily_unavailable page, not the login
throttle's 429. With the
filler deleted, the same seald (no restart) takes writes again and says
so, and every document answered 201 before, during and after is there,
also after a restart.

A corrupt database: a page of a copy of it overwritten with garbage, seald
refuses to start and its log names the file."""
import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as H  # noqa: E402
import gmk_harness as G  # noqa: E402

BASE = "/ss-gm/v1/group-documents"
FULL_MSG = "disk full"
GMK_MSG = re.compile(r": GMK generation \d+ for \d+ member")   # told at commit
DIST_MSG = ": GMK generation 1 distributed"


def can_mount_tmpfs(d):
    if os.geteuid() != 0 or not shutil.which("mount") or not shutil.which("umount"):
        return False
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", d],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def plugins():
    return [("store_sqlite", lambda s: {"path": os.path.join(s.disk, "seal.db")}),
            ("crypto_gnutls", {}),
            ("km", lambda s: {"kms_uri": "kms.example.org",
                              "master_key_file": os.path.join(s.tmp, "km.kek")}),
            ("seal_x1", {"gms_uri": "sip:gms@example.org"}),
            ("gm", lambda s: {"gmk": {"kek_file": os.path.join(s.tmp, "gmk.kek")}}),
            ("seal_s", {}), ("im", G.im_conf), ("im_uu", G.im_uu_conf)]


def body(i):
    return {"valGroupId": "full-%d" % i, "grpDesc": "d" * 400,
            "members": [{"valUserId": "sip:user-%d@example.org" % i}]}


def fill(path):
    """Writes path until the file system has not one byte left."""
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 16, 4096, 512, 64, 1):
            while True:
                try:
                    f.write(b"\0" * size)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    st = os.statvfs(os.path.dirname(path))
    assert st.f_bavail == 0, st


def main():
    tmp = tempfile.mkdtemp(prefix="seald-faults-")
    disk = os.path.join(tmp, "disk")
    os.mkdir(disk)
    if not can_mount_tmpfs(disk):
        shutil.rmtree(tmp, ignore_errors=True)
        print("SKIP: needs root and mount -t tmpfs")
        return H.SKIP
    failed = 0
    srv = None
    try:
        srv = G.GmkSeald(plugins(), tmp=tmp)
        srv.disk = disk
        srv.start()
        conn = srv.connection(client_cert=True)
        acked = {}   # valGroupId -> groupDocId

        def post(i):
            nonlocal conn
            r = H.request(conn, "POST", BASE, body(i))
            if r.status == 201:
                acked["full-%d" % i] = r.headers["location"].rsplit("/", 1)[-1]
            return r

        for i in range(20):
            r = post(i)
            assert r.status == 201, r
        srv.add_user("alice", ["sip:alice@example.org"])
        srv.add_client(client_id="app", type="public", redirect_uris=[G.RU], scopes=["openid"])

        def login():
            c = srv.connection()
            try:
                return H.im_authorize(srv, c, "app", G.RU, "alice", G.PW,
                                      challenge=H.pkce_pair()[1])
            finally:
                c.close()

        # the disk full to the last byte: answers 503 + Retry-After (or
        # 201 while the WAL had room), never 500, one log line
        # The first 20 groups' keys go out in the background: let them, so
        # that their writes do not meet the full disk first.
        for _ in range(1200):
            if srv.log_text().count(DIST_MSG) >= 20:
                break
            time.sleep(0.1)
        n_before = srv.log_text().count(FULL_MSG)
        gmk_before = len(GMK_MSG.findall(srv.log_text()))
        filler = os.path.join(disk, "filler")
        fill(filler)
        statuses = {}
        refused = 0
        for i in range(20, 80):
            r = post(i)
            statuses[r.status] = statuses.get(r.status, 0) + 1
            assert r.status in (201, 503), r
            if r.status == 503:
                refused += 1
                assert r.headers.get("retry-after", "").isdigit(), r.headers
                assert r.json()["status"] == 503, r
        assert refused >= 40, statuses
        assert srv.proc.poll() is None, "seald exited"
        log = srv.log_text()
        assert log.count(FULL_MSG) == n_before + 1, log[-3000:]
        assert "store_sqlite: database \"%s\": disk full" % os.path.join(disk, "seal.db") in log
        assert len(GMK_MSG.findall(log)) == gmk_before + statuses.get(201, 0), log[-3000:]
        print("ok full disk: %s, %d refused, one log line, no GMK told of but committed ones"
              % (statuses, refused))
        r = srv.admin("POST", "/admin/v1/users", {"user_id": "bob", "password": G.PW})
        assert r.status == 503 and r.headers.get("retry-after", "").isdigit(), r
        r = login()
        assert r.status == 503 and b"temporarily_unavailable" in r.body, r
        print("ok IdM: administration 503 with Retry-After, login 503 temporarily_unavailable")

        # space again: the same seald takes writes, no restart
        os.unlink(filler)
        for i in range(80, 90):
            r = post(i)
            assert r.status == 201, r
        assert "writes succeed again" in srv.log_text()
        assert login().status == 302
        print("ok recovery without a restart")

        def check_all(c):
            for gid, doc_id in acked.items():
                r = H.request(c, "GET", BASE + "/" + doc_id)
                assert r.status == 200 and r.json()["valGroupId"] == gid, (gid, r)

        check_all(conn)
        conn.close()
        assert srv.stop() == 0
        srv.start()
        conn = srv.connection(client_cert=True)
        check_all(conn)
        conn.close()
        print("ok %d acknowledged documents all there, also after a restart" % len(acked))
        assert srv.stop() == 0

        # a corrupt copy: refused at start, the file named
        db = os.path.join(disk, "seal.db")
        bad_dir = os.path.join(tmp, "bad")
        os.mkdir(bad_dir)
        bad = os.path.join(bad_dir, "seal.db")
        shutil.copy(db, bad)
        pages = os.path.getsize(bad) // 4096
        assert pages >= 4, pages
        with open(bad, "r+b") as f:
            f.seek((pages // 2) * 4096)
            f.write(os.urandom(4096))
        srv.disk = bad_dir
        try:
            srv.start(tries=1)
            raise AssertionError("seald started on a corrupt database")
        except H.StartError as e:
            assert 'database "%s" is corrupt' % bad in e.log, e.log[-2000:]
        print("ok corrupt database refused, named")
    except Exception:
        failed = 1
        traceback.print_exc()
        if srv:
            print(srv.log_text()[-4000:])
    finally:
        if srv:
            srv.kill()
        subprocess.run(["umount", disk])
    return failed


if __name__ == "__main__":
    sys.exit(main())
