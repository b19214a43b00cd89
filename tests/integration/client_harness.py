# SPDX-License-Identifier: Apache-2.0
"""Runs a command against a real seald acting as the SEAL identity
management server (plugins im + im_uu), with token checks (authz_jwt) on
the group management API (gm + seal_s), over HTTPS on 127.0.0.1:<free port>.
Used by tests/integration/client_*.sh and bench/idm/run.sh.

    client_harness.py [--plugin SO]... [--threads N] [--seald PATH]
                      [--at-ttl S] [--log-level L] -- COMMAND [ARG]...

It starts seald (through gm_harness.ImSeald: certificates, free port, stop
by PID), registers a VAL user, a public native client and a confidential
client at im_uu's administration endpoint, runs COMMAND with the environment below, stops seald,
and fails when seald's logs contain the user's password or the client
secret. Its exit status is COMMAND's (77 stays a skip).

    SEAL_BASE, SEAL_ISSUER   https://127.0.0.1:<port>
    SEAL_CACERT, NODE_EXTRA_CA_CERTS   the test CA (PEM)
    SEAL_CLIENT_CERT, SEAL_CLIENT_KEY  a client certificate of that CA
    SEAL_TMP                 a scratch directory (removed afterwards)
    SEALD_PID, SEALD_LOG, SEALD_ACCESS_LOG  the server process and its logs
    RP_USER, RP_PASSWORD, RP_PASSWORD_FILE, RP_VAL_USER_ID
    RP_PUBLIC_CLIENT, RP_REDIRECT_URI  (registered as http://127.0.0.1/callback:
                             any port matches, RFC 8252 7.3)
    RP_CONF_CLIENT, RP_CONF_SECRET, RP_CONF_SECRET_FILE
"""
import argparse
import json
import os
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


class IdmSeald(gm_harness.ImSeald):
    """gm_harness.ImSeald (store_sqlite, im, im_uu, an admin certificate)
    plus authz_jwt trusting this server's issuer, gm and seal_s (ss-gm
    protected by tokens), and any extra plugin."""

    def __init__(self, extra_plugins=(), threads=None, seald=None, at_ttl=None,
                 log_level="info"):
        im_conf = {"access_token_ttl": at_ttl} if at_ttl else {}
        super().__init__(im_conf=im_conf, authz_conf={}, log_level=log_level)
        top = os.environ["top_builddir"]
        for sub, name in (("plugins/auth/authz_jwt", "authz_jwt"),
                          ("plugins/services/gm", "gm"), ("plugins/refpoints/seal_s", "seal_s")):
            d = plugin_dir(top, sub, name)
            if d not in self.plugin_dirs:
                self.plugin_dirs.append(d)
        self.extra = {}
        for so in extra_plugins:
            d, name = os.path.dirname(os.path.abspath(so)), os.path.basename(so)[:-3]
            if d not in self.plugin_dirs:
                self.plugin_dirs.append(d)
            self.extra[name] = {}
        self.threads = threads
        if seald:
            self.seald = seald

    def config(self, port):
        c = super().config(port)
        issuer = "https://127.0.0.1:%d" % port
        if self.threads:
            c["http"]["threads"] = self.threads
        c["plugins"]["authz_jwt"] = {"issuers": [{
            "issuer": issuer, "jwks_uri": issuer + "/oidc/v1/jwks",
            "ca_file": self.certs["ca"][1]}], "jwks_wait_ms": 10000}
        c["plugins"]["gm"] = {}
        c["plugins"]["seal_s"] = {}
        c["plugins"].update(self.extra)
        return c

    def log_text(self):
        return super().log_text() + self.access_log_text()


def register(s):
    """The user and the two clients (im_uu's administration endpoint, with
    the admin certificate); returns the confidential client's secret."""
    s.add_user(USER, PASSWORD, [VAL_ID])
    s.add_client(client_id=PUBLIC, type="public", name="seal-client tests",
                 redirect_uris=["http://127.0.0.1/callback"],
                 grant_types=["authorization_code", "refresh_token"],
                 scopes=["openid", "seal.gm"])
    out = s.add_client(client_id=CONF, type="confidential", name="a VAL server",
                       grant_types=["client_credentials"], scopes=["seal.gm"])
    return out["client_secret"]


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
        "SEALD_LOG": s.log, "SEALD_ACCESS_LOG": s.access_log,
        "RP_USER": USER, "RP_PASSWORD": PASSWORD, "RP_PASSWORD_FILE": pwfile,
        "RP_VAL_USER_ID": VAL_ID, "RP_PUBLIC_CLIENT": PUBLIC,
        "RP_REDIRECT_URI": "http://127.0.0.1:8765/callback",
        "RP_CONF_CLIENT": CONF, "RP_CONF_SECRET": secret, "RP_CONF_SECRET_FILE": secfile,
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
