# SPDX-License-Identifier: Apache-2.0
"""bench/idm's seald: tests/integration/client_harness.py's (same options,
same environment for the command), with authz_jwt polling the IdM's
revocation list as the sample configuration does, and that list not empty:
a disabled user and a disabled client are on it, so every checked request
pays the whole revocation check (a read lock, the jti bisection and the
SHA-256 of its sub and of its client_id); run.sh adds revoked jtis.
BENCH_REVOCATION=0: no revocation_uri, nobody disabled (the set-up before
revocation lists)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "integration"))
import client_harness as ch  # noqa: E402

REVOKING = os.environ.get("BENCH_REVOCATION", "1") != "0"


class Seald(ch.IdmSeald):
    def config(self, port):
        c = super().config(port)
        if REVOKING:
            iss = c["plugins"]["authz_jwt"]["issuers"][0]
            iss["revocation_uri"] = iss["issuer"] + "/oidc/v1/revocations"
        return c


_register = ch.register


def register(s):
    secret = _register(s)
    if REVOKING:
        s.add_user("bench-gone", ch.PASSWORD, ["gone@val.example"])
        s.add_client(client_id="bench-gone-client", type="confidential",
                     grant_types=["client_credentials"], scopes=["seal.gm"])
        for path in ("/admin/v1/users/bench-gone/disable",
                     "/admin/v1/clients/bench-gone-client/disable"):
            r = s.admin("POST", path)
            assert r.status in (200, 204), r
    return secret


ch.IdmSeald = Seald
ch.register = register

if __name__ == "__main__":
    sys.exit(ch.main())
