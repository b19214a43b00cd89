# SPDX-License-Identifier: Apache-2.0
"""tests/integration/e2e_gmk.py with two seald processes: the IdM and the
KMS in one, the GMS (SEAL-X1 remote) in the other."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_gmk  # noqa: E402

if __name__ == "__main__":
    if not shutil.which("certtool"):
        print("SKIP: certtool (gnutls-bin) is needed")
        sys.exit(e2e_gmk.SKIP)
    sys.exit(e2e_gmk.main(split=True))
