# SPDX-License-Identifier: Apache-2.0
"""The KMS key-encryption key in a PKCS#11 token (km's master_key_pkcs11,
lib/p11kek), through the real seald with a SoftHSM2 token:

- the first start makes an AES-256 key in the token, and no KEK file;
- key sets are issued and validate (lib/ibc), and no SSK is in the
  database in clear;
- after a restart the token unwraps the master secrets and the stored key
  sets: the same certificate and the same SSK;
- a wrong PIN, a PIN file others can read, a token without the key while
  the store holds wrapped data (a lost token), a token label that does not
  exist: each stops the start with a line that says why;
- configuration errors name the JSON path (both a file and a token; no
  pin_file).
Skipped when km was built without p11-kit or SoftHSM2 is not installed."""
import os
import shutil
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness as h  # noqa: E402
import km_harness as k  # noqa: E402

PW = "correct horse battery staple"
PIN = "4711-seal"
TOKEN = "seal-kms"
MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")


def skip(why):
    print("SKIP: " + why)
    sys.exit(h.SKIP)


def softhsm(tmp):
    """A SoftHSM2 configuration of our own (tokens under tmp) and an
    initialised token; returns the module path."""
    module = next((m for m in MODULES if os.path.exists(m)), None)
    if not module or not shutil.which("softhsm2-util"):
        skip("SoftHSM2 is not installed (softhsm2)")
    tokens = os.path.join(tmp, "tokens")
    os.makedirs(tokens, exist_ok=True)
    conf = os.path.join(tmp, "softhsm2.conf")
    with open(conf, "w") as f:
        f.write("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n"
                % tokens)
    os.environ["SOFTHSM2_CONF"] = conf     # seald inherits it
    init_token()
    return module


def init_token():
    tokens = os.path.join(os.path.dirname(os.environ["SOFTHSM2_CONF"]), "tokens")
    shutil.rmtree(tokens)
    os.makedirs(tokens)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
                    "--pin", PIN, "--so-pin", "so-" + PIN], check=True,
                   stdout=subprocess.DEVNULL)


def write_pin(path, pin, mode=0o600):
    with open(path, "w") as f:
        f.write(pin + "\n")
    os.chmod(path, mode)


def start_fails(srv, port, needle):
    try:
        srv.start_at(port)
    except h.StartError as e:
        assert needle in e.log, e.log[-3000:]
        return
    srv.stop()
    raise AssertionError("seald started: expected %r" % needle)


def check_config(srv, km_conf, needle):
    c = srv.config(h.free_port())
    c["plugins"]["km"] = dict(c["plugins"]["km"], **km_conf)
    rc, err = h.check_config(srv, c)
    assert rc != 0 and needle in err, (rc, err)


def main():
    top = os.environ.get("top_builddir", ".")
    if not os.path.exists(os.path.join(top, "lib/p11kek/libp11kek.la")):
        skip("km was built without PKCS#11 support (p11-kit)")
    srv = k.KmSeald()
    module = softhsm(srv.tmp)
    pin_file = os.path.join(srv.tmp, "kms.pin")
    write_pin(pin_file, PIN)
    p11 = {"module": module, "token": TOKEN, "pin_file": pin_file}
    srv.km_conf = {"master_key_pkcs11": p11}
    try:
        srv.start()
        log = srv.log_text()
        assert 'created the key-encryption key "seal-km-kek" in the token' in log, log
        assert not os.path.exists(os.path.join(srv.tmp, "km.kek"))
        srv.add_user("alice", PW, ["sip:alice@example.org"])
        srv.add_client(client_id="app", type="public", redirect_uris=[k.RU],
                       scopes=["openid", "seal.km"])
        tok = k.user_token(srv, "alice", PW)
        k.wait_authz(srv, tok)
        c1 = k.cert_of(k.kms_doc(k.kms_post(srv, "/init", tok), srv))
        ks = k.keysets(k.kms_doc(k.kms_post(srv, "/keyprov", tok), srv))[0]
        ok, out = k.keycheck(c1, ks)
        assert ok, out
        ssk = k.text(ks, "UserSigningKeySSK")
        print("ok first start: a key in the token, key sets issued and valid")

        port = srv.port
        assert srv.stop() == 0, srv.log_text()
        with open(os.path.join(srv.tmp, "seal.db"), "rb") as f:
            db = f.read()
        assert ssk.encode() not in db and bytes.fromhex(ssk) not in db
        srv.start_at(port)            # the same issuer URL: the token stays valid
        k.wait_authz(srv, tok)
        c2 = k.cert_of(k.kms_doc(k.kms_post(srv, "/init", tok), srv))
        assert k.text(c2, "PubAuthKey") == k.text(c1, "PubAuthKey")
        ks2 = k.keysets(k.kms_doc(k.kms_post(srv, "/keyprov", tok), srv))[0]
        assert k.text(ks2, "UserSigningKeySSK") == ssk
        assert "created the key-encryption key" not in srv.log_text()
        print("ok restart: the token unwraps the master secrets and the key sets")
        assert srv.stop() == 0, srv.log_text()

        write_pin(pin_file, "not-the-pin")
        start_fails(srv, port, "master_key_pkcs11: C_Login failed")
        write_pin(pin_file, PIN, 0o644)
        start_fails(srv, port, "must be a regular file that group and others cannot access")
        write_pin(pin_file, PIN)
        srv.km_conf = {"master_key_pkcs11": dict(p11, token="no-such-token")}
        start_fails(srv, port, 'no token labelled "no-such-token"')
        srv.km_conf = {"master_key_pkcs11": p11}
        init_token()                  # a new, empty token: the key is lost
        start_fails(srv, port, "has no key \"seal-km-kek\" but the store holds wrapped "
                    "master keys: restore the token")
        print("ok refused starts: wrong PIN, readable PIN file, unknown token, lost key")

        check_config(srv, {"master_key_file": os.path.join(srv.tmp, "km.kek")},
                     "$.plugins.km.master_key_pkcs11: give either master_key_file or "
                     "master_key_pkcs11, not both")
        check_config(srv, {"master_key_pkcs11": {"module": module, "token": TOKEN}},
                     "$.plugins.km.master_key_pkcs11: pin_file is required")
        check_config(srv, {"master_key_pkcs11": dict(p11, slot=1)},
                     "$.plugins.km.master_key_pkcs11.slot: unknown key")
        print("ok configuration errors name the JSON path")
        return 0
    except Exception:
        traceback.print_exc()
        print(srv.log_text()[-4000:])
        return 1
    finally:
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main())
