# SPDX-License-Identifier: Apache-2.0
"""Shared by the gm_*.py integration tests: runs the real seald (the
libtool wrapper $SEALD) on 127.0.0.1 with mutual TLS, store_sqlite in a
temporary directory and the gm + seal_s plugins from the build tree, and
talks to it with http.client + ssl.

Every process started here is stopped by its PID (atexit and signals)."""
import atexit
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

SKIP = 77


def need_modules():
    """Re-runs the test under /usr/bin/python3 (Debian's python3-yaml and
    python3-jsonschema) when this interpreter lacks them; skips when none
    has them."""
    try:
        import yaml  # noqa: F401
        import jsonschema  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") \
            and os.access("/usr/bin/python3", os.X_OK):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-yaml and python3-jsonschema are needed")
    sys.exit(SKIP)


def build_paths():
    top_build = os.environ.get("top_builddir")
    seald = os.environ.get("SEALD")
    if not top_build or not seald:
        print("SKIP: run through `make check` (top_builddir and SEALD unset)")
        sys.exit(SKIP)
    dirs = [os.path.join(top_build, d, ".libs") for d in
            ("plugins/stores/store_sqlite", "plugins/services/gm", "plugins/refpoints/seal_s")]
    for d, so in zip(dirs, ("store_sqlite.so", "gm.so", "seal_s.so")):
        if not os.path.exists(os.path.join(d, so)):
            print("SKIP: %s not built" % os.path.join(d, so))
            sys.exit(SKIP)
    return seald, dirs


def _run(args, **kw):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def make_certs(d):
    """An ECDSA P-256 CA, a server certificate for 127.0.0.1 and a client
    certificate, made with certtool (gnutls-bin)."""
    certtool = shutil.which("certtool")
    if not certtool:
        print("SKIP: certtool (gnutls-bin) is needed")
        sys.exit(SKIP)
    tmpl = {
        "ca": 'cn = "seald test CA"\nca\ncert_signing_key\nexpiration_days = 2\n',
        "server": 'cn = "127.0.0.1"\nip_address = "127.0.0.1"\ndns_name = "localhost"\n'
                  'tls_www_server\nsigning_key\nexpiration_days = 2\n',
        "client": 'cn = "val-server-1"\nuid = "val-server-1"\ntls_www_client\nsigning_key\n'
                  'expiration_days = 2\n',
    }
    p = {}
    for name, t in tmpl.items():
        key, cert, tf = (os.path.join(d, name + s) for s in (".key", ".pem", ".tmpl"))
        with open(tf, "w") as f:
            f.write(t)
        _run([certtool, "--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1",
              "--outfile", key])
        if name == "ca":
            _run([certtool, "--generate-self-signed", "--load-privkey", key,
                  "--template", tf, "--outfile", cert])
        else:
            _run([certtool, "--generate-certificate", "--load-privkey", key,
                  "--load-ca-certificate", p["ca"][1], "--load-ca-privkey", p["ca"][0],
                  "--template", tf, "--outfile", cert])
        p[name] = (key, cert)
    return p


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class StartError(RuntimeError):
    def __init__(self, msg, log):
        super().__init__(msg)
        self.log = log


class Seald:
    """One seald process over a persistent temp dir (store, certs, logs)."""
    _all = []

    def __init__(self, tmp=None, seal_s_conf=None):
        self.seald, self.plugin_dirs = build_paths()
        self.seal_s_conf = seal_s_conf or {}
        self.tmp = tmp or tempfile.mkdtemp(prefix="seald-gm-")
        self.certs = make_certs(self.tmp)
        self.proc = None
        self.port = None
        self.runs = 0
        Seald._all.append(self)

    def config(self, port):
        return {
            "plugin_dir": self.plugin_dirs,
            "log": {"level": "info"},
            "http": {
                "listen": ["127.0.0.1:%d" % port],
                "tls": {"cert": self.certs["server"][1], "key": self.certs["server"][0],
                        "client_ca": self.certs["ca"][1], "verify_client": "required"},
            },
            "plugins": {
                "store_sqlite": {"path": os.path.join(self.tmp, "seal.db")},
                "gm": {},
                "seal_s": self.seal_s_conf,
            },
        }

    def start(self, tries=5):
        """Starts seald on a free port; retries when the port was taken in
        between (EADDRINUSE)."""
        for _ in range(tries):
            self.runs += 1
            port = free_port()
            conf = os.path.join(self.tmp, "seald.conf")
            with open(conf, "w") as f:
                json.dump(self.config(port), f, indent=1)
            self.log = os.path.join(self.tmp, "seald-%d.log" % self.runs)
            with open(self.log, "w") as logf:
                # SEAL_TEST_WRAPPER runs seald under a tool, e.g.
                # "libtool --mode=execute valgrind --error-exitcode=99".
                wrap = shlex.split(os.environ.get("SEAL_TEST_WRAPPER", ""))
                self.proc = subprocess.Popen(wrap + [self.seald, "-c", conf],
                                             stdin=subprocess.DEVNULL,
                                             stdout=logf, stderr=subprocess.STDOUT)
            self.port = port
            if self._wait_ready():
                return self
            text = self.log_text()
            self.kill()
            if "in use" not in text.lower():
                raise StartError("seald did not start:\n" + text, text)
        raise RuntimeError("no free port after %d tries" % tries)

    def _wait_ready(self, timeout=60.0):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def ssl_context(self, client_cert=True):
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.certs["ca"][1])
        if client_cert:
            ctx.load_cert_chain(self.certs["client"][1], self.certs["client"][0])
        return ctx

    def connection(self, client_cert=True, timeout=30):
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                           context=self.ssl_context(client_cert))

    def stop(self):
        """SIGTERM, then SIGKILL after 30 s; returns the exit status."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def cleanup(self):
        self.kill()
        if os.environ.get("SEAL_KEEP_TMP"):
            print("kept", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _cleanup_all(*_):
    for s in Seald._all:
        s.cleanup()
    Seald._all.clear()


atexit.register(_cleanup_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, lambda s, f: (_cleanup_all(), os._exit(128 + s)))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<%d %s %r>" % (self.status, self.headers.get("content-type"), self.body[:300])


def request(conn, method, path, body=None, headers=None):
    """One request on a keep-alive connection. body: bytes, str or a JSON
    value (sent as application/json unless headers say otherwise)."""
    h = dict(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
