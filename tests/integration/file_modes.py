# SPDX-License-Identifier: Apache-2.0
"""Files and process through the real seald (gm + seal_s + store_sqlite),
started under umask 022 with a core size limit of "unlimited":

- the database, its -wal, -shm and -lock files, the log and the access log
  are created 0600 (they hold password hashes, wrapped keys, who did what);
- core dumps are off: /proc/<pid>/limits says 0 for the core file size, and
  a SIGSEGV leaves no core in seald's working directory (when the
  machine's core_pattern writes cores there);
- seald --allow-core-dumps leaves the limit as it was (and, where the
  pattern allows checking, a SIGSEGV does leave a core: the check above
  can fail)."""
import os
import resource
import signal
import stat
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as H  # noqa: E402

BASE = "/ss-gm/v1/group-documents"


class LogSeald(H.Seald):
    """Logs to files in logs/ (not standard error); extra arguments."""

    def __init__(self, args=()):
        super().__init__()
        self.logdir = os.path.join(self.tmp, "logs")
        os.mkdir(self.logdir, 0o700)
        self.logfile = os.path.join(self.logdir, "seald.log")
        self.accessfile = os.path.join(self.logdir, "access.log")
        if args:
            # The same process (exec), with the arguments first.
            wrapper = os.path.join(self.tmp, "seald-args.sh")
            with open(wrapper, "w") as f:
                f.write('#!/bin/sh\nexec "%s" %s "$@"\n' % (self.seald, " ".join(args)))
            os.chmod(wrapper, 0o755)
            self.seald = wrapper

    def config(self, port):
        c = super().config(port)
        c["log"] = {"level": "info", "file": self.logfile, "access_file": self.accessfile}
        return c

    def log_text(self):
        text = ""
        for f in (self.log, self.logfile):
            try:
                with open(f, errors="replace") as fh:
                    text += fh.read()
            except (OSError, AttributeError):
                pass
        return text


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def core_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max core file size"):
                return line.split()[4:6]
    raise AssertionError("no core line in /proc/%d/limits" % pid)


def cores_land_in_cwd():
    """True when a core would be written as core[.pid] in the working
    directory (core_pattern "core", no pipe, no path)."""
    try:
        with open("/proc/sys/kernel/core_pattern") as f:
            pattern = f.read().strip()
    except OSError:
        return False
    return pattern in ("core", "core.%p") and not os.environ.get("SEAL_TEST_WRAPPER") \
        and not os.environ.get("SEAL_SANITIZERS")


def segv_cores(srv):
    """Sends SIGSEGV to seald (run in its temp dir); the core files left."""
    srv.proc.send_signal(signal.SIGSEGV)
    srv.proc.wait(60)
    return [f for f in os.listdir(srv.tmp) if f == "core" or f.startswith("core.")]


def main():
    os.umask(0o022)
    # Whatever seald does, it does itself: the limit it inherits allows cores.
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    inherited = resource.getrlimit(resource.RLIMIT_CORE)[0]
    failed = 0
    srv = LogSeald()
    try:
        os.chdir(srv.tmp)   # where a core would land
        srv.start()
        c = srv.connection()
        r = H.request(c, "POST", BASE, {"valGroupId": "modes", "members": [{"valUeId": "ue-1"}]})
        assert r.status == 201, r
        c.close()
        db = os.path.join(srv.tmp, "seal.db")
        files = [db, db + "-wal", db + "-shm", db + "-lock", srv.logfile, srv.accessfile]
        for f in files:
            assert os.path.exists(f), f
            assert mode(f) == 0o600, "%s: %04o" % (f, mode(f))
        print("ok 0600 under umask 022:", ", ".join(os.path.basename(f) for f in files))

        assert core_limit(srv.proc.pid) == ["0", "0"], core_limit(srv.proc.pid)
        print("ok core file size limit 0")
        if cores_land_in_cwd():
            left = segv_cores(srv)
            assert not left, left
            print("ok SIGSEGV left no core")
        else:
            print("skip SIGSEGV check: core_pattern does not write into the working directory"
                  " here (or a wrapper or sanitizers handle the signal)")
            srv.stop()

        # --allow-core-dumps: the inherited limit stays
        dbg = LogSeald(args=["--allow-core-dumps"])
        os.chdir(dbg.tmp)
        dbg.start()
        want = "unlimited" if inherited == resource.RLIM_INFINITY else str(inherited)
        soft_now, hard_now = core_limit(dbg.proc.pid)
        # (AddressSanitizer sets the soft limit to 0 itself: the hard one tells.)
        assert hard_now == want, (soft_now, hard_now)
        assert soft_now == want or os.environ.get("SEAL_SANITIZERS"), (soft_now, hard_now)
        print("ok --allow-core-dumps keeps the limit (%s)" % want)
        if cores_land_in_cwd() and inherited != 0:
            left = segv_cores(dbg)
            assert left, "no core even with --allow-core-dumps: the check above proves nothing"
            for f in left:
                os.unlink(os.path.join(dbg.tmp, f))
            print("ok a SIGSEGV with --allow-core-dumps does leave a core")
        else:
            dbg.stop()
    except Exception:
        failed = 1
        traceback.print_exc()
        print(srv.log_text()[-3000:])
    finally:
        os.chdir("/")
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))
    return failed


if __name__ == "__main__":
    sys.exit(main())
