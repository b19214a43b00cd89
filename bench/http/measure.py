# SPDX-License-Identifier: Apache-2.0
"""bench/http/measure.py: helpers of bench/http/run.sh.

  measure.py startup <seald> <conf> <port> <runs>
      starts seald <runs> times; prints the median milliseconds from exec to
      the first answered GET /healthz, then the VmRSS (kB) of the last run
      after 0.5 s idle. Each process is stopped by its PID.
  measure.py conf <out> <port> <tmpdir> <threads> <tls: 0|1> <plugin.so>...
      writes a seald configuration loading every plugin given, plain HTTP or
      HTTPS with tmpdir/pki/server.{pem,key}, store and logs in tmpdir; when
      tmpdir/body exists, bench_allow serves it (with tmpdir/body.type and
      tmpdir/body.etag) at /bench/doc.
  measure.py port
      prints a free TCP port on 127.0.0.1.
"""
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def first_answer(port, proc, deadline):
    req = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise SystemExit("seald exited with %d" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(req)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return True
        except OSError:
            time.sleep(0.0005)
    return False


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:  # Linux
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def startup(seald, conf, port, runs):
    times, rss = [], 0
    for i in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen([seald, "-c", conf], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not first_answer(port, proc, t0 + 20):
                raise SystemExit("seald did not answer on port %d" % port)
            times.append((time.perf_counter() - t0) * 1000)
            if i == runs - 1:
                time.sleep(0.5)
                rss = rss_kb(proc.pid)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
    print("%.1f %d" % (statistics.median(times), rss))


def settings(name, port, tmp):
    """The least each plugin needs to start, with its files in tmp."""
    issuer = "https://127.0.0.1:%d" % port
    return {
        "store_sqlite": {"path": os.path.join(tmp, "seal.db")},
        "im": {"issuer": issuer, "kek_file": os.path.join(tmp, "im.kek")},
        "km": {"kms_uri": "kms.bench.example", "master_key_file": os.path.join(tmp, "km.kek")},
        "seal_x1": {"gms_uri": "sip:gms@bench.example"},
        # As the sample configuration: the issuer's own CA, not the system
        # store (whose 400-odd certificates cost about 7.7 MB once loaded).
        "authz_jwt": {"issuers": [{"issuer": issuer, "jwks_uri": issuer + "/oidc/v1/jwks",
                                   "ca_file": os.path.join(tmp, "pki", "ca.pem")}]},
    }.get(name, {})


def conf(out, port, tmp, threads, tls, plugins):
    dirs, blocks = [], {}
    for so in plugins:
        d, name = os.path.dirname(so), os.path.basename(so)[:-3]
        if d not in dirs:
            dirs.append(d)
        blocks[name] = settings(name, port, tmp)
    body = os.path.join(tmp, "body")
    if "bench_allow" in blocks and os.path.exists(body):
        blocks["bench_allow"] = {"body_file": body}
        for key, ext in (("content_type", ".type"), ("etag", ".etag")):
            if os.path.exists(body + ext):
                with open(body + ext) as f:
                    blocks["bench_allow"][key] = f.read().strip()
    http = {"listen": ["127.0.0.1:%d" % port], "threads": threads}
    if tls:
        http["tls"] = {"cert": os.path.join(tmp, "pki", "server.pem"),
                       "key": os.path.join(tmp, "pki", "server.key")}
    c = {"plugin_dir": dirs, "http": http, "plugins": blocks,
         "log": {"level": "notice", "file": os.path.join(tmp, "seald.log"),
                 "access_file": os.path.join(tmp, "access.log")}}
    with open(out, "w") as f:
        json.dump(c, f, indent=1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "startup":
        startup(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif len(sys.argv) > 1 and sys.argv[1] == "conf":
        conf(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6] == "1",
             sys.argv[7:])
    elif len(sys.argv) > 1 and sys.argv[1] == "port":
        print(free_port())
    else:
        raise SystemExit(__doc__)
