# SPDX-License-Identifier: Apache-2.0
"""seal-client keys and gmk against a fake KMS and GMS over HTTPS
(kmclient_fakesrv.py), serving key material and I_MESSAGEs made by
client/tests/kmc_fixture with lib/ibc and lib/mikey:

- keys: the KMS certificate and the key sets of the current and next key
  period are stored (mode 0600, beside the tokens file) with the Bearer
  token; a KMS response with invalid key material (SSK, PVT, RSK, UID, key
  period, KmsUri, size, TrK-encrypted), a refused certificate, malformed XML,
  a DTD, an oversized answer and a KmsError are refused: exit 5, a reason,
  and the key file untouched.
- gmk: alice and bob decrypt the GMK; alice's SRTP master key and salt for
  her own media equal bob's for alice's media and the values computed here
  independently (RFC 3830 PRF in Python); messages are acknowledged. A
  malformed I_MESSAGE, a forged one (flipped bits, a GMS key from another
  KMS, a member posing as GMS), other KMS, not a GMK, a period without keys
  are refused (exit 5, a reason, not acknowledged).
- a GMK sent to alice alone does not decapsulate with bob's RSK.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gm_harness  # noqa: E402
import kmclient_fakesrv as fs  # noqa: E402

SKIP = 77
KMS_URI = "kms.example.org"
GMS_URI = "sip:gms@example.org"
ALICE, BOB = "sip:alice@example.org", "sip:bob@example.org"

fails = 0


def check(name, cond, detail=""):
    global fails
    if cond:
        print("PASS " + name)
    else:
        fails += 1
        print("FAIL " + name + (("\n     " + detail.replace("\n", "\n     ")) if detail else ""))


def main():
    top = os.environ.get("top_builddir")
    if not top:
        print("SKIP: run through make check")
        return SKIP
    sc = os.path.join(top, "client", "seal-client")
    fixture = os.path.join(top, "client", "tests", "kmc_fixture")
    for p in (sc, fixture):
        if not os.access(p, os.X_OK):
            print("SKIP: %s is not built" % p)
            return SKIP
    if not shutil.which("certtool"):
        print("SKIP: certtool (gnutls-bin) is needed")
        return SKIP
    wrap = os.environ.get("SEAL_CLIENT_WRAPPER", "").split()
    fs.self_test()

    tmp = tempfile.mkdtemp(prefix="kmclient-")
    try:
        return run(tmp, wrap + [sc], fixture)
    finally:
        if os.environ.get("SEAL_KEEP_TMP"):
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(tmp, sc, fixture):
    certs = gm_harness.make_certs(tmp)
    world = os.path.join(tmp, "world")
    subprocess.run([fixture, "world", world, str(int(time.time())), KMS_URI, GMS_URI,
                    ALICE, BOB], check=True)
    man = json.load(open(os.path.join(world, "manifest.json")))
    fake = fs.Fake(world, certs)
    try:
        return scenario(tmp, sc, fixture, fake, man, certs)
    finally:
        fake.stop()


def home(tmp, name, fake, token, user):
    """A config directory with a stored session (no refresh: none needed)."""
    cfg = os.path.join(tmp, name)
    os.makedirs(os.path.join(cfg, "seal"), mode=0o700, exist_ok=True)
    fake.tokens[token] = user
    path = os.path.join(cfg, "seal", "tokens.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"issuer": fake.base, "client_id": "seal-ue", "token_type": "Bearer",
                   "access_token": token, "expires_at": int(time.time()) + 3600}, f)
    return cfg


def scenario(tmp, sc, fixture, fake, man, certs):
    def run_sc(cfg, *args):
        env = dict(os.environ, XDG_CONFIG_HOME=cfg, SEAL_CACERT=certs["ca"][1])
        for k in ("SEAL_KMS_URL", "SEAL_GM_URL", "SEAL_GMS_URI", "SEAL_ISSUER"):
            env.pop(k, None)
        p = subprocess.run(sc + list(args), env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    cur = man["current_period"]
    alice = home(tmp, "alice", fake, "tok-alice", 0)
    bob = home(tmp, "bob", fake, "tok-bob", 1)
    akeys = os.path.join(alice, "seal", "keys.json")
    bkeys = os.path.join(bob, "seal", "keys.json")

    # ---- keys: the good case ----
    rc, out, err = run_sc(alice, "keys")
    check("keys: exit 0", rc == 0, err)
    check("keys: lists the current and next period",
          "%s key-period %d " % (ALICE, cur) in out and
          "%s key-period %d " % (ALICE, cur + 1) in out, out)
    check("keys: key file mode 0600", os.path.exists(akeys) and
          stat.S_IMODE(os.stat(akeys).st_mode) == 0o600)
    k = json.load(open(akeys)) if os.path.exists(akeys) else {}
    sets = k.get("key_sets", [])
    check("keys: the certificate is stored",
          k.get("kms_certificate", {}).get("kms_uri") == KMS_URI)
    check("keys: two key sets of alice, current and next",
          sorted((s["user_uri"], s["key_period_no"]) for s in sets) ==
          [(ALICE, cur), (ALICE, cur + 1)], repr(sets))
    check("keys: the UID of the current set is TS 33.180 F.2.1's",
          any(s["key_period_no"] == cur and s["uid"] == man["uids"][0].lower() for s in sets))
    reqs = [(m, p) for m, p, u in fake.requests if u == 0]
    check("keys: init, keyprov, keyprov/<uri>/<time> with alice's token",
          reqs == [("POST", fs.KM_ROOT + "/init"), ("POST", fs.KM_ROOT + "/keyprov"),
                   ("POST", fs.KM_ROOT + "/keyprov/sip%3Aalice%40example.org/" +
                    man["next_time_hex"])], repr(reqs))
    rc, out, err = run_sc(alice, "keys", "--identity", ALICE)
    check("keys --identity: exit 0", rc == 0, err)
    rc, _, err = run_sc(bob, "keys")
    check("keys: bob too", rc == 0, err)

    # ---- keys: refusals leave the key file as it was ----
    with open(akeys, "rb") as f:
        before = f.read()
    for case, words in (("bad-ssk", "SSK/PVT fail validation"),
                        ("bad-pvt", "SSK/PVT fail validation"),
                        ("bad-rsk", "RSK fails validation"),
                        ("bad-uid", "UserID is not"),
                        ("bad-period", "key period"),
                        ("bad-kmsuri", "KmsUri"),
                        ("bad-size", "octets of hexBinary"),
                        ("bad-encrypted", "transport key"),
                        ("bad-cert", "UserIdFormat")):
        fake.kms_case = case
        rc, out, err = run_sc(alice, "keys")
        check("keys refuses %s: exit 5 with the reason" % case, rc == 5 and words in err,
              "rc=%d %s" % (rc, err))
        with open(akeys, "rb") as f:
            check("keys refuses %s: key file unchanged" % case, f.read() == before)
    fake.kms_case = "good"
    fresh = home(tmp, "fresh", fake, "tok-fresh", 0)
    fake.kms_case = "bad-rsk"
    rc, _, err = run_sc(fresh, "keys")
    check("keys refuses bad material: no key file is created",
          rc == 5 and not os.path.exists(os.path.join(fresh, "seal", "keys.json")), err)
    fake.kms_case = "good"
    init = fs.KM_ROOT + "/init"
    for name, body, words in (
            ("malformed XML", b"<KmsResponse xmlns='urn:3gpp:ns:mcsecKMSInterface:1.0'><KmsUri>",
             "not well-formed"),
            ("a DTD with entities", b'<?xml version="1.0"?><!DOCTYPE KmsResponse '
             b'[<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
             b"<KmsResponse xmlns='urn:3gpp:ns:mcsecKMSInterface:1.0'><KmsUri>&b;</KmsUri>"
             b"</KmsResponse>", "DTD"),
            ("an external entity", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
             b'"file:///etc/passwd">]><KmsResponse xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0">'
             b"<KmsUri>&x;</KmsUri></KmsResponse>", "DTD"),
            ("another namespace", b"<KmsResponse><KmsUri>k</KmsUri></KmsResponse>",
             "namespace"),
            ("an oversized answer", b"<KmsResponse>" + b" " * (2 << 20), "larger than"),
            ("a KmsError", b"<KmsResponse xmlns='urn:3gpp:ns:mcsecKMSInterface:1.0'>"
             b"<KmsUri>kms.example.org</KmsUri><KmsError><ErrorCode>403</ErrorCode>"
             b"<ErrorMsg>not entitled\n\tto it</ErrorMsg></KmsError></KmsResponse>",
             "error 403: not entitled??to it")):
        fake.override[init] = (200, "application/xml", body)
        rc, _, err = run_sc(alice, "keys")
        check("keys refuses %s: exit 5" % name, rc == 5 and words in err, "rc=%d %s" % (rc, err))
        with open(akeys, "rb") as f:
            check("keys refuses %s: key file unchanged" % name, f.read() == before)
    del fake.override[init]
    rc, _, err = run_sc(home(tmp, "nobody", fake, "tok-nobody", None), "keys")
    check("keys: a refused token is reported (HTTP 401)", rc != 0 and "401" in err, err)

    # ---- gmk: alice and bob ----
    def msg(name):
        with open(os.path.join(fake.world, "msg", name), "rb") as f:
            return f.read()

    fake.messages = {0: [("m-a1", msg("gmk-0.bin"))], 1: [("m-b1", msg("gmk-1.bin"))]}
    rc, aout, err = run_sc(alice, "gmk", "--gms", GMS_URI)
    check("gmk alice: exit 0", rc == 0, err)
    rc, bout, err = run_sc(bob, "gmk", "--gms", GMS_URI, "--sender", ALICE)
    check("gmk bob (alice's media): exit 0", rc == 0, err)
    a = fs.parse_gmk_output(aout)
    b = fs.parse_gmk_output(bout)
    gmk, rand = bytes.fromhex(man["gmk"]), bytes.fromhex(man["rand"])
    gmk_id = int(man["gmk_id"], 16)
    a_guk = fs.guk_id(gmk, gmk_id, ALICE)
    key, salt = fs.srtp_master(gmk, 4, a_guk, rand)
    check("gmk: one message each", len(a) == 1 and len(b) == 1, aout + bout)
    if len(a) == 1 and len(b) == 1:
        a, b = a[0], b[0]
        check("gmk: the GMK-ID is the GMS's", a["gmk-id"] == b["gmk-id"] == man["gmk_id"].lower())
        check("gmk: alice's GUK-ID (the CSB ID)", int(a["guk-id"], 16) == a_guk)
        check("gmk: bob derives alice's GUK-ID", int(b["sender-guk-id"], 16) == a_guk)
        check("gmk: alice and bob derive the same SRTP master key and salt for alice's media",
              a["srtp-master-key"] == b["srtp-master-key"] and
              a["srtp-master-salt"] == b["srtp-master-salt"], repr((a, b)))
        check("gmk: ... equal to RFC 3830's PRF computed independently",
              a["srtp-master-key"] == key.hex() and a["srtp-master-salt"] == salt.hex())
        check("gmk: MKI = GMK-ID || GUK-ID", a["mki"] == "%08x%08x" % (gmk_id, a_guk))
        check("gmk: identities and period", a["gms"] == GMS_URI and a["identity"] == ALICE and
              b["identity"] == BOB and int(a["key-period"]) == man["current_period"])
        t0 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(man["now"]))
        t1 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(man["now"] + man["period"]))
        check("gmk: activation and expiry from the signed key parameters",
              a.get("activation") == t0 and a.get("expiry") == t1, repr(a))
        check("gmk: acknowledged", a["acknowledged"] == "yes" and
              sorted(fake.deleted) == [(0, "m-a1"), (1, "m-b1")], repr(fake.deleted))
    rc, out, err = run_sc(alice, "gmk", "--gms", GMS_URI)
    check("gmk: nothing pending after the acknowledgement", rc == 0 and out == "" and
          "no pending" in err, out + err)
    rc, out, err = run_sc(alice, "gmk", "--gms", GMS_URI, "--cs-id", "5", "--file",
                          os.path.join(fake.world, "msg", "gmk-0.bin"))
    key5, salt5 = fs.srtp_master(gmk, 5, a_guk, rand)
    o = fs.parse_gmk_output(out)
    check("gmk --file --cs-id 5: the MCVideo crypto session's keys",
          rc == 0 and len(o) == 1 and o[0]["srtp-master-key"] == key5.hex() and
          o[0]["srtp-master-salt"] == salt5.hex(), out + err)
    b64 = os.path.join(tmp, "gmk-0.b64")
    with open(b64, "w") as f:
        import base64
        f.write(base64.b64encode(msg("gmk-0.bin")).decode() + "\n")
    rc, out, err = run_sc(alice, "gmk", "--gms", GMS_URI, "--file", b64)
    check("gmk --file: base64 text too", rc == 0 and man["gmk_id"].lower() in out, err)
    rc, out, err = run_sc(alice, "gmk", "--file", b64)
    check("gmk: the GMS identity is required (exit 2)", rc == 2 and "--gms" in err, err)

    # ---- gmk: refusals ----
    fake.deleted.clear()
    for name, words in (("malformed-truncated.bin", "malformed I_MESSAGE"),
                        ("malformed-trailing.bin", "malformed I_MESSAGE"),
                        ("malformed-version.bin", "malformed I_MESSAGE"),
                        ("malformed-empty-ish.bin", "malformed I_MESSAGE"),
                        ("forged-flip-sig.bin", "forged"),
                        ("forged-flip-rand.bin", "forged"),
                        ("forged-flip-sakke.bin", "forged"),
                        ("forged-rogue-kms.bin", "forged"),
                        ("wrong-gms.bin", "is not the expected GMS"),
                        ("wrong-kms.bin", "is not the KMS of the key file"),
                        ("not-gmk.bin", "not a GMK"),
                        ("no-keys-period.bin", "no key set of")):
        fake.messages = {0: [("bad-1", msg(name))]}
        rc, out, err = run_sc(alice, "gmk", "--gms", GMS_URI)
        check("gmk refuses %s: exit 5 with the reason" % name,
              rc == 5 and words in err and "srtp" not in out, "rc=%d %s" % (rc, err))
        check("gmk refuses %s: not acknowledged" % name, not fake.deleted, repr(fake.deleted))
        rc, out, err = run_sc(alice, "gmk", "--gms", GMS_URI, "--file",
                              os.path.join(fake.world, "msg", name))
        check("gmk --file refuses %s" % name, rc == 5 and words in err, err)
    # a good message next to a bad one: the good one is processed
    fake.messages = {0: [("bad-2", msg("forged-flip-sig.bin")), ("good-2", msg("gmk-0.bin"))]}
    rc, out, err = run_sc(alice, "gmk", "--gms", GMS_URI)
    check("gmk: a forged message does not hide a good one", rc == 5 and "good-2" in out and
          fake.deleted == [(0, "good-2")] and "1 of 2" in err, out + err)
    fake.override[fs.GM_ROOT] = (200, "application/json", b'{"messages":[{"id":"../x",'
                                 b'"iMessage":"AQ=="}]}')
    rc, _, err = run_sc(alice, "gmk", "--gms", GMS_URI)
    check("gmk refuses an id that is not URL-safe", rc == 5 and "URL-safe" in err, err)
    fake.override[fs.GM_ROOT] = (200, "application/json", b'[{"id":"x",'
                                 b'"iMessage":"not base64!"}]')
    rc, _, err = run_sc(alice, "gmk", "--gms", GMS_URI)
    check("gmk refuses a message that is not base64", rc == 5 and "base64" in err, err)
    fake.override[fs.GM_ROOT] = (200, "application/json", b'[1,2')
    rc, _, err = run_sc(alice, "gmk", "--gms", GMS_URI)
    check("gmk refuses an answer that is not JSON", rc == 5 and "not JSON" in err, err)
    del fake.override[fs.GM_ROOT]

    # ---- a GMK for alice alone: bob cannot decrypt it ----
    m2 = os.path.join(fake.world, "msg", "gmk2-0.bin")
    p = subprocess.run([fixture, "decap", akeys, ALICE, m2], stdout=subprocess.PIPE, text=True)
    check("alice's RSK decapsulates the second GMK (control)",
          p.returncode == 0 and man["gmk2_id"].lower() in p.stdout, p.stdout)
    p = subprocess.run([fixture, "decap", bkeys, BOB, m2], stdout=subprocess.PIPE, text=True)
    check("bob's RSK does not decapsulate alice's message", p.returncode == 1 and
          "SAKKE" in p.stdout, p.stdout)
    rc, out, err = run_sc(bob, "gmk", "--gms", GMS_URI, "--file", m2)
    check("seal-client gmk refuses alice's message with bob's key file",
          rc == 5 and "addressed to " + ALICE in err, err)

    # ---- the key file: others must not read it ----
    os.chmod(akeys, 0o644)
    rc, _, err = run_sc(alice, "gmk", "--gms", GMS_URI, "--file", m2)
    check("a key file readable by others is refused", rc != 0 and "chmod 600" in err, err)
    os.chmod(akeys, 0o600)

    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
