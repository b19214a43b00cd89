#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Issue 4 "Must show" 1: an independent, OpenID Certified relying-party
# library that no one here wrote (openid-client 5.7.1 by panva, pinned with
# its package-lock.json) drives the real seald: discovery, login with the
# code flow and PKCE, ID token verification against the JWKS, userinfo,
# refresh, client_credentials (tests/integration/rp/rp_test.mjs).
#
# Needs node and npm (Debian: nodejs, npm). The packages are installed into
# the build tree with `npm ci --offline` when npm's cache has them, else
# `npm ci` (the npm registry). Skips (77) only when node is absent.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
PYTHON3=${PYTHON3:-python3}

if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed (Debian: apt-get install nodejs npm)"
    exit 77
fi
command -v npm >/dev/null 2>&1 || { echo "FAIL: node is installed but npm is not"; exit 1; }

src=$top_srcdir/tests/integration/rp
rp=$top_builddir/tests/integration/rp-run
mkdir -p "$rp"
# The RP runs from the build tree (the source tree may be read-only); its
# node_modules is kept there between runs while the lock file is unchanged.
if ! cmp -s "$src/package-lock.json" "$rp/package-lock.json" || [ ! -d "$rp/node_modules/openid-client" ]; then
    rm -rf "$rp/node_modules"
    cp "$src/package.json" "$src/package-lock.json" "$rp/"
    if ! (cd "$rp" && npm ci --offline --no-audit --no-fund >npm.log 2>&1); then
        (cd "$rp" && npm ci --no-audit --no-fund >npm.log 2>&1) || {
            echo "FAIL: npm ci could not install openid-client:"; cat "$rp/npm.log"; exit 1; }
    fi
fi
cp "$src/rp_test.mjs" "$rp/"
ver=$(node -p 'require(process.argv[1]).version' "$rp/node_modules/openid-client/package.json")
echo "openid-client $ver, node $(node --version)"
[ "$ver" = 5.7.1 ] || { echo "FAIL: openid-client $ver installed, 5.7.1 pinned"; exit 1; }

exec "$PYTHON3" "$top_srcdir/tests/integration/client_harness.py" -- node "$rp/rp_test.mjs"
