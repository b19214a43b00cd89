# SPDX-License-Identifier: Apache-2.0
"""bench/km, the HTTPS part: key provisioning through KM-UU (TS 33.180
Annex D keyprov) on a real seald (store_sqlite with its default
synchronous=full, crypto_gnutls, im, im_uu, authz_jwt, km, km_uu) with wrk
over keep-alive TLS connections: each request is a fresh identity, so the
KMS computes the UID, issues SSK/PVT and RSK, wraps and stores them, and
renders the KmsResponse XML. The caller is a client_credentials client
("bench", scope seal.km) that km entitles to the identities.
With KM_KEK=pkcs11 the key-encryption key is an AES key in a SoftHSM2
token (master_key_pkcs11), so each key set is wrapped inside the token.
Prints the wrk report and a last line  keyprov_rps=<requests/s> errors=<n>.
Environment: DURATION (s, 5), CONNS (8), WRK_THREADS (2), KM_KEK (file)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "integration"))
import gmk_harness as g  # noqa: E402

DURATION = int(os.environ.get("DURATION", "5"))
CONNS = int(os.environ.get("CONNS", "8"))
THREADS = int(os.environ.get("WRK_THREADS", "2"))
PER = 20000
IDS = ["sip:k%06d@bench.example" % i for i in range(2 * THREADS * PER)]

hsm = None
if os.environ.get("KM_KEK", "file") == "pkcs11":
    import km_pkcs11 as p11       # its SoftHSM2 set-up (tests/integration)
    hsm = tempfile.mkdtemp(prefix="seal-bench-hsm-")
    kek = {"master_key_pkcs11": {"module": p11.softhsm(hsm), "token": p11.TOKEN,
                                 "pin_file": os.path.join(hsm, "pin")}}
    p11.write_pin(kek["master_key_pkcs11"]["pin_file"], p11.PIN)
else:
    kek = {}
srv = g.GmkSeald([("store_sqlite", lambda s: {"path": s.db()}), ("crypto_gnutls", {}),
                  ("im", g.im_conf), ("im_uu", g.im_uu_conf),
                  ("authz_jwt", lambda s: g.authz_conf(s)(s)),
                  ("km", lambda s: dict({"kms_uri": "kms.bench.example",
                                         "clients": {"bench": IDS}},
                                        **(kek or {"master_key_file":
                                                   os.path.join(s.tmp, "km.kek")}))),
                  ("km_uu", {})], log_level="notice")
srv.start()
if hsm:
    assert "in the token" in srv.log_text(), srv.log_text()[-2000:]
secret = srv.add_client(client_id="bench", type="confidential", scopes=["seal.km"])["client_secret"]
c = srv.connection()
r = g.h.form_request(c, "POST", "/oidc/v1/token",
                     {"grant_type": "client_credentials", "scope": "seal.km"},
                     {"Authorization": g.h.basic_auth("bench", secret)})
c.close()
assert r.status == 200, r
token = r.json()["access_token"]
srv.wait_authz(token, path="/keymanagement/identity/v1/init")
# The set-up proves every request issues: a fresh identity answers a key set.
r = srv.call("POST", "/keymanagement/identity/v1/keyprov/sip%3Awarm%40bench.example", b"",
             token=token)
assert r.status == 403, r      # not entitled: the check is on the path
env = dict(os.environ, BENCH_TOKEN=token, BENCH_PER_THREAD=str(PER))
lua = os.path.join(here, "keyprov.lua")
# warm-up on the second half of the identities, then the measured run
subprocess.run(["wrk", "-t1", "-c2", "-d1s", "-s", lua, srv.url],
               env=dict(env, BENCH_BASE=str(THREADS * PER)), stdout=subprocess.DEVNULL, check=True)
out = subprocess.run(["wrk", "-t%d" % THREADS, "-c%d" % CONNS, "-d%ds" % DURATION, "-s", lua,
                      srv.url], env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
print(out.strip())
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
errors = int(m.group(1)) if m else 0
m = re.search(r"Socket errors:.*", out)
srv.stop()
srv.cleanup()
if hsm:
    shutil.rmtree(hsm, ignore_errors=True)
print("keyprov_rps=%.0f errors=%d" % (rps, errors + (1 if m else 0)))
sys.exit(1 if errors else 0)
