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
import traceback

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


def cert_names(cert):
    """(subject DN, issuer DN) of a PEM certificate as seald sees them: the
    GnuTLS RFC 4514 form that certtool -i prints."""
    out = subprocess.run([shutil.which("certtool"), "-i", "--infile", cert], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    names = {}
    for line in out.splitlines():
        line = line.strip()
        for k in ("Subject:", "Issuer:"):
            if line.startswith(k) and k not in names:
                names[k] = line[len(k):].strip()
    if len(names) != 2:
        raise RuntimeError("no subject or issuer in " + cert)
    return names["Subject:"], names["Issuer:"]


def principals_for(cert, roles, scopes=("seal.gm", "seal.km"), name=None, **extra):
    """A seald.conf "principals" entry (doc/authorization.md) for the client
    certificate file cert: named after the file unless name is given, with
    roles, scopes and any other key (e.g. val_service_id)."""
    subject, issuer = cert_names(cert)
    e = {"name": name or os.path.basename(cert).rsplit(".", 1)[0],
         "certificate": {"subject": subject, "issuer": issuer}, "roles": list(roles)}
    if scopes:
        e["scopes"] = list(scopes)
    e.update(extra)
    return e


def run_tests(tests):
    """Runs each test function in turn; a failure is reported with its
    traceback and the rest still run. Returns the number that failed."""
    failed = 0
    for fn in tests:
        t0 = time.time()
        try:
            fn()
            print("ok   %s (%.1fs)" % (fn.__name__, time.time() - t0))
        except Exception:
            failed += 1
            print("FAIL %s" % fn.__name__)
            traceback.print_exc()
    return failed


def check_config(srv, config):
    """seald --check-config on a configuration (a dict) written beside
    srv's: (exit status, standard error)."""
    conf = os.path.join(srv.tmp, "check.conf")
    with open(conf, "w") as f:
        json.dump(config, f)
    p = subprocess.run([srv.seald, "--check-config", "-c", conf], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stderr


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
        # The client certificate is a VAL server (seald.conf "principals").
        self.principals = [principals_for(self.certs["client"][1], ["val_server"])]
        self.proc = None
        self.port = None
        self.runs = 0
        Seald._all.append(self)

    def add_principal(self, cert_name, roles, scopes=("seal.gm", "seal.km"), **extra):
        """Maps certificate self.certs[cert_name] in "principals" (from the
        next start on)."""
        self.principals.append(principals_for(self.certs[cert_name][1], roles, scopes,
                                              name=cert_name, **extra))

    def config(self, port):
        return {
            "plugin_dir": self.plugin_dirs,
            "principals": self.principals,
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

    def _launch(self, port, last=True):
        """One start on port: True once ready; False when the port was in
        use (EADDRINUSE) and this is not the last try; else StartError."""
        self.runs += 1
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
            return True
        text = self.log_text()
        self.kill()
        if "in use" not in text.lower() or last:
            raise StartError("seald did not start:\n" + text, text)
        return False

    def start(self, tries=5):
        """Starts seald on a free port; retries when the port was taken in
        between (EADDRINUSE)."""
        for _ in range(tries):
            if self._launch(free_port(), last=False):
                return self
        raise RuntimeError("no free port after %d tries" % tries)

    def start_at(self, port, tries=20):
        """Starts on a given port (one chosen beforehand with free_port, when
        another server's configuration must name it, or a restart on the
        port that the issuer URL names). While another process holds the
        port for a moment (a client's ephemeral port), it tries again."""
        for attempt in range(tries):
            if self._launch(port, last=attempt + 1 == tries):
                return self
            time.sleep(0.5)

    def _wait_ready(self, timeout=60.0):
        """True once this seald says it serves (a listener on the port could
        be another process's) and accepts a connection."""
        end = time.time() + timeout
        serving = "serving (port %d)" % self.port
        quiet = getattr(self, "log_level", "info") not in ("debug", "info", "notice")
        while time.time() < end:
            if self.proc.poll() is not None:
                return False
            if quiet or serving in self.log_text():
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                        return True
                except OSError:
                    pass
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


# ---- identity management (im + im_uu), for tests/integration/im_*.py ----
# Appended by the im work; the functions above are unchanged.

import base64
import hashlib
import html.parser
import urllib.parse

IM_PLUGINS = (("plugins/stores/store_sqlite", "store_sqlite"), ("plugins/services/im", "im"),
              ("plugins/refpoints/im_uu", "im_uu"), ("plugins/crypto/crypto_gnutls", "crypto_gnutls"))


def im_build_paths():
    """seald and the plugin directories of store_sqlite, im, im_uu and
    crypto_gnutls (plus authz_jwt's when it is built); skips when one of
    the four is missing."""
    top_build = os.environ.get("top_builddir")
    seald = os.environ.get("SEALD")
    if not top_build or not seald:
        print("SKIP: run through `make check` (top_builddir and SEALD unset)")
        sys.exit(SKIP)
    dirs = []
    for d, so in IM_PLUGINS:
        path = os.path.join(top_build, d, ".libs")
        if not os.path.exists(os.path.join(path, so + ".so")):
            print("SKIP: %s not built" % os.path.join(path, so + ".so"))
            sys.exit(SKIP)
        dirs.append(path)
    authz = os.path.join(top_build, "plugins/auth/authz_jwt/.libs")
    if os.path.exists(os.path.join(authz, "authz_jwt.so")):
        dirs.append(authz)
    return seald, dirs


def im_have_authz_jwt(plugin_dirs):
    return any(os.path.exists(os.path.join(d, "authz_jwt.so")) for d in plugin_dirs)


def im_add_client_cert(certs, d, name, cn):
    """Another client certificate from the test CA; returns (key, cert)."""
    certtool = shutil.which("certtool")
    key, cert, tf = (os.path.join(d, name + s) for s in (".key", ".pem", ".tmpl"))
    with open(tf, "w") as f:
        f.write('cn = "%s"\ntls_www_client\nsigning_key\nexpiration_days = 2\n' % cn)
    _run([certtool, "--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1",
          "--outfile", key])
    _run([certtool, "--generate-certificate", "--load-privkey", key,
          "--load-ca-certificate", certs["ca"][1], "--load-ca-privkey", certs["ca"][0],
          "--template", tf, "--outfile", cert])
    certs[name] = (key, cert)
    return key, cert


def im_cert_dn(cert):
    """The subject DN as seald sees it (GnuTLS RFC 4514 form)."""
    return cert_names(cert)[0]


class ImSeald(Seald):
    """seald with store_sqlite, im and im_uu over HTTPS (client certificates
    optional, so OAuth clients need none); the issuer is
    https://127.0.0.1:<port>. An "admin" client certificate is made and
    mapped in "principals" as the operator (the "client" one as a VAL
    server). im_conf / im_uu_conf / authz_conf are merged into the plugin
    blocks."""

    def __init__(self, tmp=None, im_conf=None, im_uu_conf=None, authz_conf=None,
                 log_level="info", listen_v6=False, auth_mtls=True, authz="auto"):
        self.seald, self.plugin_dirs = im_build_paths()
        self.im_conf = im_conf or {}
        self.im_uu_conf = im_uu_conf or {}
        self.authz_conf = authz_conf or {}
        # authz_jwt (bearer tokens on protected routes, e.g. userinfo): True,
        # False, or "auto" (when it is built), trusting this server's issuer.
        self.use_authz = authz is True or (authz == "auto" and im_have_authz_jwt(self.plugin_dirs))
        self.log_level = log_level
        self.listen_v6 = listen_v6
        self.auth_mtls = auth_mtls
        self.seal_s_conf = {}
        self.tmp = tmp or tempfile.mkdtemp(prefix="seald-im-")
        self.certs = make_certs(self.tmp)
        im_add_client_cert(self.certs, self.tmp, "admin", "seal admin")
        self.admin_dn = im_cert_dn(self.certs["admin"][1])
        # Without authz_jwt, userinfo (scope openid) is reached with the
        # client certificate (the mutual-TLS-only mode).
        self.principals = [principals_for(self.certs["client"][1], ["val_server"],
                                          ("openid", "seal.gm", "seal.km")),
                           principals_for(self.certs["admin"][1], ["operator"], ())]
        self.proc = None
        self.port = None
        self.runs = 0
        self.access_log = os.path.join(self.tmp, "access.log")
        Seald._all.append(self)

    @property
    def issuer(self):
        return "https://127.0.0.1:%d" % self.port

    def config(self, port):
        self.port = port
        listen = ["127.0.0.1:%d" % port]
        if self.listen_v6:
            listen.append("[::1]:%d" % port)
        im = {"issuer": "https://127.0.0.1:%d" % port,
              "kek_file": os.path.join(self.tmp, "im.kek"),
              # Cheaper than the defaults so the suite stays quick; the
              # algorithm (argon2id) is the same.
              "argon2_m_kib": 1024, "argon2_t": 1}
        im.update(self.im_conf)
        uu = dict(self.im_uu_conf)
        plugins = {"store_sqlite": {"path": os.path.join(self.tmp, "seal.db"),
                                    "synchronous": "normal"},
                   "im": im, "im_uu": uu}
        if self.use_authz:
            # A loaded test machine may take seconds for seald's first
            # fetch of its own JWKS: let requests wait for it.
            a = {"issuers": [{"issuer": im["issuer"], "jwks_uri": im["issuer"] + "/oidc/v1/jwks",
                              "ca_file": self.certs["ca"][1]}], "jwks_wait_ms": 10000}
            a.update(self.authz_conf)
            plugins["authz_jwt"] = a
        return {
            "plugin_dir": self.plugin_dirs,
            "principals": self.principals,
            "log": {"level": self.log_level, "access_file": self.access_log},
            "http": {
                "listen": listen,
                "tls": {"cert": self.certs["server"][1], "key": self.certs["server"][0],
                        "client_ca": self.certs["ca"][1], "verify_client": "optional"},
                "auth": {"mtls": self.auth_mtls},
            },
            "plugins": plugins,
        }

    def ssl_context(self, client_cert=False, cert_name="client"):
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.certs["ca"][1])
        if client_cert:
            ctx.load_cert_chain(self.certs[cert_name][1], self.certs[cert_name][0])
        return ctx

    def connection(self, client_cert=False, timeout=30, cert_name="client", host="127.0.0.1"):
        ctx = self.ssl_context(client_cert, cert_name)
        if host != "127.0.0.1":
            ctx.check_hostname = False   # the test certificate names 127.0.0.1; chain still checked
        return http.client.HTTPSConnection(host, self.port, timeout=timeout, context=ctx)

    def admin(self, method, path, body=None):
        """One request to the administration endpoint with the admin
        certificate."""
        c = self.connection(client_cert=True, cert_name="admin")
        try:
            return request(c, method, path, body)
        finally:
            c.close()

    def add_user(self, user_id, password, val_user_ids=None):
        body = {"user_id": user_id, "password": password}
        if val_user_ids is not None:
            body["val_user_ids"] = val_user_ids
        r = self.admin("POST", "/admin/v1/users", body)
        assert r.status == 201, r
        return r.json()

    def add_client(self, **spec):
        r = self.admin("POST", "/admin/v1/clients", spec)
        assert r.status == 201, r
        return r.json()

    def access_log_text(self):
        try:
            with open(self.access_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def pkce_pair():
    """(code_verifier, code_challenge) for S256 (RFC 7636 4.1, 4.2)."""
    verifier = b64url(os.urandom(32))
    return verifier, b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def form_request(conn, method, path, form=None, headers=None):
    """A request with an application/x-www-form-urlencoded body."""
    h = dict(headers or {})
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        h.setdefault("Content-Type", "application/x-www-form-urlencoded")
    return request(conn, method, path, body, h)


def basic_auth(client_id, secret):
    """RFC 6749 2.3.1: each part form-urlencoded, then base64."""
    raw = "%s:%s" % (urllib.parse.quote_plus(client_id), urllib.parse.quote_plus(secret))
    return "Basic " + base64.b64encode(raw.encode("utf-8")).decode("ascii")


class _FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.method = None
        self.fields = {}
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action, self.method = a.get("action"), (a.get("method") or "get").upper()
        elif tag == "input":
            self.inputs.append(a)
            if a.get("type") == "hidden":
                self.fields[a.get("name")] = a.get("value", "")


def parse_login_form(body):
    """The login page's form: (action, method, hidden fields, input names)."""
    p = _FormParser()
    p.feed(body.decode("utf-8"))
    return p.action, p.method, p.fields, [i.get("name") for i in p.inputs if i.get("name")]


def jwt_parts(token):
    h, p, s = token.split(".")
    return (json.loads(b64url_decode(h)), json.loads(b64url_decode(p)),
            (h + "." + p).encode("ascii"), b64url_decode(s))


def jwt_verify_es256(token, jwks):
    """Verifies an ES256 JWS with the key of its kid in jwks (python3-
    cryptography); returns (header, claims). Raises on any failure."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    header, claims, signing_input, sig = jwt_parts(token)
    if header.get("alg") != "ES256":
        raise ValueError("alg %r" % header.get("alg"))
    keys = [k for k in jwks["keys"] if k.get("kid") == header.get("kid")]
    if len(keys) != 1:
        raise ValueError("kid %r not in the JWKS" % header.get("kid"))
    k = keys[0]
    if k.get("kty") != "EC" or k.get("crv") != "P-256" or len(sig) != 64:
        raise ValueError("not an ES256 key or signature")
    pub = ec.EllipticCurvePublicNumbers(int.from_bytes(b64url_decode(k["x"]), "big"),
                                        int.from_bytes(b64url_decode(k["y"]), "big"),
                                        ec.SECP256R1()).public_key()
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    pub.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    return header, claims


def need_cryptography():
    """Re-runs under /usr/bin/python3 (Debian's python3-cryptography) when
    this interpreter lacks it; skips when none has it."""
    try:
        import cryptography  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") \
            and os.access("/usr/bin/python3", os.X_OK):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-cryptography is needed")
    sys.exit(SKIP)


def im_authorize(srv, conn, client_id, redirect_uri, username, password, scope="openid",
                 state="st-1", nonce="n-1", challenge=None, extra=None):
    """The browser part of the code flow: GET the authorization endpoint,
    read the login form, POST the credentials. Returns the final response
    (a 302 to redirect_uri on success)."""
    q = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
         "scope": scope, "state": state, "code_challenge_method": "S256"}
    if nonce is not None:
        q["nonce"] = nonce
    if challenge is not None:
        q["code_challenge"] = challenge
    q.update(extra or {})
    q = {k: v for k, v in q.items() if v is not None}
    r = request(conn, "GET", "/oidc/v1/authorize?" + urllib.parse.urlencode(q))
    if r.status != 200:
        return r
    action, method, fields, names = parse_login_form(r.body)
    assert action == "/oidc/v1/authorize" and method == "POST", (action, method)
    assert "username" in names and "password" in names, names
    fields.update({"username": username, "password": password})
    return form_request(conn, "POST", action, fields)


def redirect_params(r):
    """The query parameters of a 302's Location."""
    loc = r.headers.get("location", "")
    return loc, dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))


def request_joined(conn, method, path, body=None, headers=None):
    """Like request(), but a header sent several times (WWW-Authenticate
    from a hook and from the host) is kept whole: its values joined with
    ", " (RFC 9110 5.3)."""
    h = dict(headers or {})
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    joined = {}
    for k, v in r.getheaders():
        k = k.lower()
        joined[k] = joined[k] + ", " + v if k in joined else v
    return Response(r.status, joined, data)
