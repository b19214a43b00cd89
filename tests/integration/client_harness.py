# SPDX-License-Identifier: Apache-2.0
"""Runs a command against a real seald acting as the SEAL identity
management server (plugins im + im_uu), with token checks (authz_jwt) on
the group management API (gm + seal_s), over HTTPS on 127.0.0.1:<free port>.
Used by tests/integration/client_*.sh and bench/idm/run.sh.

    client_harness.py [--plugin SO]... [--threads N] [--seald PATH]
                      [--at-ttl S] [--log-level L] -- COMMAND [ARG]...

It starts seald (through gm_harness.Seald: certificates, free port, stop by
PID), registers a VAL user, a public native client and a confidential
client with sealctl, runs COMMAND with the environment below, stops seald,
and fails when seald's logs contain the user's password or the client
secret. Its exit status is COMMAND's (77 stays a skip).

    SEAL_BASE, SEAL_ISSUER   https://127.0.0.1:<port>
    SEAL_CACERT, NODE_EXTRA_CA_CERTS   the test CA (PEM)
    SEAL_CLIENT_CERT, SEAL_CLIENT_KEY  a client certificate of that CA
    SEAL_TMP                 a scratch directory (removed afterwards)
    SEALD_PID, SEALD_LOG     the server process and its log
    RP_USER, RP_PASSWORD, RP_PASSWORD_FILE, RP_VAL_USER_ID
    RP_PUBLIC_CLIENT, RP_REDIRECT_URI  (registered as http://127.0.0.1/callback:
                             any port matches, RFC 8252 7.3)
    RP_CONF_CLIENT, RP_CONF_SECRET, RP_CONF_SECRET_FILE
    SEALCTL                  a shell prefix running sealctl against this seald
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness  # noqa: E402

SKIP = 77
USER, PASSWORD, VAL_ID = "alice", "correct horse battery staple 42", "alice@val.example"
PUBLIC, CONF = "seal-ue", "val-server-1"


def plugin_dir(top_build, sub, name):
    d = os.path.join(top_build, sub, ".libs")
    if not os.path.exists(os.path.join(d, name + ".so")):
        print("SKIP: %s.so is not built (%s)" % (name, d))
        sys.exit(SKIP)
    return d


class IdmSeald(gm_harness.Seald):
    def __init__(self, extra_plugins=(), threads=None, seald=None, at_ttl=None,
                 log_level="info"):
        super().__init__()
        self.log_level = log_level
        top = os.environ["top_builddir"]
        self.plugin_dirs = list(self.plugin_dirs) + [
            plugin_dir(top, "plugins/services/im", "im"),
            plugin_dir(top, "plugins/refpoints/im_uu", "im_uu"),
            plugin_dir(top, "plugins/auth/authz_jwt", "authz_jwt"),
        ]
        self.extra = {}
        for so in extra_plugins:
            d, name = os.path.dirname(os.path.abspath(so)), os.path.basename(so)[:-3]
            if d not in self.plugin_dirs:
                self.plugin_dirs.append(d)
            self.extra[name] = {}
        self.threads = threads
        self.at_ttl = at_ttl
        if seald:
            self.seald = seald
        self.admin_socket = os.path.join(self.tmp, "admin.sock")

    def config(self, port):
        c = super().config(port)
        issuer = "https://127.0.0.1:%d" % port
        self.issuer = issuer
        c["log"] = {"level": self.log_level, "file": os.path.join(self.tmp, "seald.log"),
                    "access_file": os.path.join(self.tmp, "access.log")}
        # tokens or client certificates: a client certificate is optional
        c["http"]["tls"]["verify_client"] = "optional"
        if self.threads:
            c["http"]["threads"] = self.threads
        im = {"issuer": issuer, "kek_file": os.path.join(self.tmp, "im.kek")}
        if self.at_ttl:
            im["access_token_ttl"] = self.at_ttl
        c["plugins"]["im"] = im
        c["plugins"]["im_uu"] = {"admin_socket": self.admin_socket}
        c["plugins"]["authz_jwt"] = {"issuers": [{
            "issuer": issuer, "jwks_uri": issuer + "/oidc/v1/jwks",
            "ca_file": self.certs["ca"][1]}]}
        c["plugins"].update(self.extra)
        return c

    def log_text(self):
        text = super().log_text()
        for f in ("seald.log", "access.log"):
            try:
                with open(os.path.join(self.tmp, f), errors="replace") as fh:
                    text += fh.read()
            except OSError:
                pass
        return text


def sealctl_prefix(s):
    top = os.environ["top_builddir"]
    exe = os.path.join(top, "tools", "sealctl", "sealctl")
    if not os.path.exists(exe):
        print("SKIP: tools/sealctl/sealctl is not built")
        sys.exit(SKIP)
    return [exe, "--socket", s.admin_socket]


def sealctl(s, *args, stdin=None):
    r = subprocess.run(sealctl_prefix(s) + list(args), input=stdin, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("sealctl %s: exit %d: %s%s" % (" ".join(args), r.returncode,
                                                          r.stdout, r.stderr))
    return r.stdout


def register(s):
    """The user and the two clients; returns the confidential secret."""
    sealctl(s, "user", "add", USER, "--val-user-id", VAL_ID, "--password-file", "-",
            stdin=PASSWORD + "\n")
    sealctl(s, "client", "add", PUBLIC, "--public", "--redirect-uri",
            "http://127.0.0.1/callback", "--scope", "openid seal.gm",
            "--grant-type", "authorization_code", "--grant-type", "refresh_token")
    out = sealctl(s, "client", "add", CONF, "--confidential", "--scope", "seal.gm",
                  "--grant-type", "client_credentials", "--json")
    return json.loads(out)["client_secret"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin", action="append", default=[])
    ap.add_argument("--threads", type=int)
    ap.add_argument("--seald")
    ap.add_argument("--at-ttl", type=int)
    ap.add_argument("--log-level", default="info")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command")
    gm_harness.build_paths()    # skips outside `make check`
    s = IdmSeald(a.plugin, a.threads, a.seald, a.at_ttl, a.log_level)
    try:
        s.start()
    except gm_harness.StartError as e:
        print("FAIL: seald did not start:\n" + e.log)
        return 1
    secret = register(s)
    pwfile = os.path.join(s.tmp, "password")
    secfile = os.path.join(s.tmp, "client_secret")
    for path, text in ((pwfile, PASSWORD), (secfile, secret)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text + "\n")
    scratch = os.path.join(s.tmp, "scratch")
    os.mkdir(scratch, 0o700)
    env = dict(os.environ)
    env.update({
        "SEAL_BASE": s.issuer, "SEAL_ISSUER": s.issuer,
        "SEAL_CACERT": s.certs["ca"][1], "NODE_EXTRA_CA_CERTS": s.certs["ca"][1],
        "SEAL_CLIENT_CERT": s.certs["client"][1], "SEAL_CLIENT_KEY": s.certs["client"][0],
        "SEAL_TMP": scratch, "SEALD_PID": str(s.proc.pid),
        "SEALD_LOG": os.path.join(s.tmp, "seald.log"),
        "RP_USER": USER, "RP_PASSWORD": PASSWORD, "RP_PASSWORD_FILE": pwfile,
        "RP_VAL_USER_ID": VAL_ID, "RP_PUBLIC_CLIENT": PUBLIC,
        "RP_REDIRECT_URI": "http://127.0.0.1:8765/callback",
        "RP_CONF_CLIENT": CONF, "RP_CONF_SECRET": secret, "RP_CONF_SECRET_FILE": secfile,
        "SEALCTL": " ".join(shlex.quote(x) for x in sealctl_prefix(s)),
    })
    sys.stdout.flush()
    rc = subprocess.call(cmd, env=env)
    status = s.stop()
    logs = s.log_text()
    if status not in (0, None):
        print("FAIL: seald exited with status %s\n%s" % (status, logs[-4000:]))
        rc = rc or 1
    for what, secret_text in (("the user's password", PASSWORD),
                              ("the client secret", secret)):
        if secret_text in logs:
            print("FAIL: seald's logs contain %s" % what)
            rc = rc or 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
