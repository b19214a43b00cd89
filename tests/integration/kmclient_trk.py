# SPDX-License-Identifier: Apache-2.0
"""seal-client keys with the TS 33.180 D.1 security extension against the
real KMS (seald with im, im_uu, authz_jwt, km, km_uu): km_uu is given a TrK
and an InK for alice and a TrK only for bob; seal-client, given the same
keys (--trk-file, --ink-file), verifies the SignedKmsResponse (HMAC-SHA-256
over c14n) and decrypts the key material (AES-256-CBC xenc:EncryptedKey)
before validating and storing it. Refused: encrypted material without the
TrK, another TrK, another InK, an unsigned answer to a client holding keys;
and, through a fake KMS serving altered copies of the real signed answer, a
changed certificate, a removed signature, a second KmsResponse (wrapping)
and a reference to another Id."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_gmk as e2e  # noqa: E402
import gm_harness  # noqa: E402
import kmclient_fakesrv as fs  # noqa: E402

TRK_A, INK_A, TRK_B = "11" * 32, "22" * 32, "33" * 32
fails = 0


def check(name, cond, detail=""):
    global fails
    if cond:
        print("PASS " + name)
    else:
        fails += 1
        print("FAIL " + name + (("\n     " + str(detail).replace("\n", "\n     "))
                                if detail else ""))
    return cond


def main():
    top = os.environ.get("top_builddir")
    if not top or not os.environ.get("SEALD"):
        print("SKIP: run through make check")
        return e2e.SKIP
    dirs, missing = [], []
    for sub, name in (("plugins/auth/authz_jwt", "authz_jwt"), ("plugins/services/km", "km"),
                      ("plugins/refpoints/km_uu", "km_uu")):
        d = os.path.join(top, sub, ".libs")
        if not os.path.exists(os.path.join(d, name + ".so")):
            missing.append(name)
        dirs.append(d)
    if missing:
        print("SKIP: plugins not built: " + ", ".join(missing))
        return e2e.SKIP
    sc = [os.path.join(top, "client", "seal-client")]
    fixture = os.path.join(top, "client", "tests", "kmc_fixture")
    if not all(os.access(p, os.X_OK) for p in (sc[0], fixture)):
        print("SKIP: seal-client or kmc_fixture is not built")
        return e2e.SKIP
    sc = os.environ.get("SEAL_CLIENT_WRAPPER", "").split() + sc
    conf = {"clients": {"alice": {"trk_id": "trk.1.alice", "trk": TRK_A,
                                  "ink_id": "ink.1.alice", "ink": INK_A},
                        "bob": {"trk_id": "trk.1.bob", "trk": TRK_B}}}
    s = e2e.E2ESeald(dirs, gms=False, km_uu_conf=conf)
    try:
        s.start()
    except gm_harness.StartError as e:
        print("FAIL: seald did not start:\n" + e.log[-6000:])
        return 1
    try:
        rc = scenario(s, sc, fixture)
    finally:
        status = s.stop()
    if status not in (0, None):
        print("FAIL: seald exited with status %s" % status)
        rc = rc or 1
    return rc


def scenario(s, sc, fixture):
    tmp = s.tmp
    users = {"alice": (e2e.ALICE, "alice's long password 1"),
             "bob": (e2e.BOB, "bob's long password 22"),
             "carol": ("sip:carol@example.org", "carol's long password 3")}
    for u, (uri, pw) in users.items():
        s.add_user(u, pw, [uri])
    s.add_client(client_id=e2e.PUBLIC, type="public", name="seal-client",
                 redirect_uris=["http://127.0.0.1/callback"],
                 grant_types=["authorization_code", "refresh_token"],
                 scopes=["openid", "seal.km"])
    files = {}
    for name, hexkey in (("trk-a", TRK_A), ("ink-a", INK_A), ("trk-b", TRK_B),
                         ("other", "44" * 32), ("short", "55" * 16)):
        files[name] = os.path.join(tmp, name + ".key")
        fd = os.open(files[name], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(hexkey + "\n")

    def home(user):
        d = os.path.join(tmp, "home-" + user)
        os.makedirs(d, mode=0o700, exist_ok=True)
        return d

    def run_sc(user, *args, stdin=None, issuer=None):
        env = dict(os.environ, XDG_CONFIG_HOME=home(user), SEAL_CACERT=s.certs["ca"][1],
                   SEAL_ISSUER=issuer or s.issuer, SEAL_CLIENT_ID=e2e.PUBLIC)
        for k in ("SEAL_KMS_URL", "SEAL_GM_URL", "SEAL_GMS_URI"):
            env.pop(k, None)
        p = subprocess.run(sc + list(args), env=env, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    for u, (uri, pw) in users.items():
        rc, _, err = run_sc(u, "-s", "openid seal.km", "-u", u, "--password-file", "-",
                            "login", stdin=pw + "\n")
        if not check("%s logs in" % u, rc == 0, err):
            return 1

    def keyfile(u):
        return os.path.join(home(u), "seal", "keys.json")

    rc, out, err = run_sc("alice", "keys", "--trk-file", files["trk-a"],
                          "--ink-file", files["ink-a"])
    check("alice: signed (InK) and TrK-encrypted key material is verified, decrypted, "
          "validated and stored", rc == 0 and os.path.exists(keyfile("alice")), err)
    if rc == 0:
        k = json.load(open(keyfile("alice")))
        check("alice: two key sets", len(k["key_sets"]) == 2, k["key_sets"])
    with open(keyfile("alice"), "rb") as f:
        before = f.read()
    for args, words, what in (
            ((), "transport key (TrK), which this client does not hold",
             "encrypted material without the TrK"),
            (("--ink-file", files["ink-a"]), "which this client does not hold",
             "the InK alone (material still encrypted)"),
            (("--trk-file", files["other"], "--ink-file", files["ink-a"]),
             "does not decrypt under the TrK", "another TrK"),
            (("--trk-file", files["trk-a"], "--ink-file", files["other"]),
             "does not verify", "another InK")):
        rc, _, err = run_sc("alice", "keys", *args)
        check("alice: refused with %s (exit 5)" % what, rc == 5 and words in err,
              "rc=%d %s" % (rc, err))
        with open(keyfile("alice"), "rb") as f:
            check("alice: key file unchanged after %s" % what, f.read() == before)
    rc, _, err = run_sc("alice", "keys", "--trk-file", files["short"])
    check("a TrK that is not 64 hex digits is a usage error (exit 2)", rc == 2 and
          "64 hex" in err, err)
    rc, _, err = run_sc("bob", "keys", "--trk-file", files["trk-b"])
    check("bob: signed with the TrK (no InK), decrypted, stored", rc == 0, err)
    rc, _, err = run_sc("carol", "keys", "--ink-file", files["ink-a"])
    check("carol (no keys at the KMS) with an InK: an unsigned answer is refused",
          rc == 5 and "not signed" in err, err)
    rc, _, err = run_sc("carol", "keys")
    check("carol without keys: plain key material stored", rc == 0, err)

    # ---- altered copies of the real signed answer, through a fake KMS ----
    rc, tok, _ = run_sc("alice", "token")
    conn = s.connection()
    r = gm_harness.request(conn, "POST", fs.KM_ROOT + "/init", b"",
                           {"Authorization": "Bearer " + tok.strip(),
                            "Content-Type": "application/xml"})
    conn.close()
    if not check("the real KMS signs alice's init answer",
                 r.status == 200 and b"SignedKmsResponse" in r.body, r):
        return 1
    init = r.body.decode()
    world = os.path.join(tmp, "world")
    subprocess.run([fixture, "world", world, str(int(time.time())), e2e.KMS_URI, e2e.GMS_URI,
                    e2e.ALICE], check=True)
    fake = fs.Fake(world, s.certs)
    try:
        fhome = os.path.join(tmp, "home-fake")
        os.makedirs(os.path.join(fhome, "seal"), mode=0o700)
        fake.tokens["tok-fake"] = 0
        path = os.path.join(fhome, "seal", "tokens.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"issuer": fake.base, "client_id": "x", "access_token": "tok-fake",
                       "expires_at": int(time.time()) + 3600}, f)
        kpak = re.search(r"<PubAuthKey>([0-9A-Fa-f]+)</PubAuthKey>", init).group(1)
        flipped = kpak[:-1] + ("0" if kpak[-1] != "0" else "1")
        resp = re.search(r"<KmsResponse\b.*</KmsResponse>", init, re.S).group(0)
        cases = (
            ("the unaltered answer (control)", init, None),
            ("a changed certificate", init.replace(kpak, flipped), "does not verify"),
            ("a removed signature", re.sub(r"<(\w+:)?Signature\b.*</(\w+:)?Signature>", "",
                                           init, flags=re.S), "no ds:Signature"),
            ("a second KmsResponse (wrapping)", init.replace("</KmsResponse>",
                                                             "</KmsResponse>" + resp, 1),
             "unexpected <KmsResponse>"),
            ("a reference to another Id", init.replace('Id="kms-response"', 'Id="other"', 1),
             "does not refer"),
        )
        for what, body, words in cases:
            fake.override[fs.KM_ROOT + "/init"] = (200, "application/xml", body.encode())
            env = dict(os.environ, XDG_CONFIG_HOME=fhome, SEAL_CACERT=s.certs["ca"][1])
            p = subprocess.run(sc + ["keys", "--trk-file", files["trk-a"], "--ink-file",
                                     files["ink-a"]], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=300)
            if words is None:
                # init passes; the fake's own keyprov answer is not signed
                check("fake KMS: %s passes the signature check" % what,
                      p.returncode == 5 and "not signed" in p.stderr and
                      "/keyprov" in p.stderr, p.stderr)
            else:
                check("fake KMS: %s is refused" % what,
                      p.returncode == 5 and words in p.stderr and "/init" in p.stderr, p.stderr)
    finally:
        fake.stop()
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    if not shutil.which("certtool"):
        print("SKIP: certtool (gnutls-bin) is needed")
        sys.exit(e2e.SKIP)
    sys.exit(main())
