#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The vendor path: build hello out of tree with `pkg-config seal` against
# the INSTALLED headers, install it into the installed pluginsdir, start the
# installed seald on a free loopback port and ask it for the greeting.
#   test-installed.sh <installed seald> <dir holding seal.pc>
set -eu
seald=$1
export PKG_CONFIG_PATH="$2${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cp "$src/hello.c" "$src/Makefile" "$tmp/"
make -s -C "$tmp"
make -s -C "$tmp" install
plugins=$(pkg-config --variable=pluginsdir seal)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/seald.conf" <<CONF
{ "plugin_dir": "$plugins", "store": "none",
  "http": { "listen": ["127.0.0.1:$port"] },
  "plugins": { "hello": { "greeting": "hello from a vendor" } } }
CONF
"$seald" -c "$tmp/seald.conf" 2>"$tmp/log" &
pid=$!
i=0
until body=$(curl -fsS "http://127.0.0.1:$port/hello/v1/greeting" 2>/dev/null); do
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$tmp/log"; echo "FAIL: seald did not answer"; exit 1; }
    sleep 0.1
done
"$seald" --version -c "$tmp/seald.conf" | grep -q "hello .*1.0.0" || { echo "FAIL: --version"; exit 1; }
rm -f "$plugins/hello.so"
[ "$body" = '{"greeting":"hello from a vendor"}' ] || { echo "FAIL: got $body"; exit 1; }
echo "PASS: out-of-tree plugin built with pkg-config seal, loaded by the installed seald"
