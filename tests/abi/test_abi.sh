#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The ABI gate of doc/plugin-abi.md:
#  1. abidiff of the built libseal against the 1.0 baseline must be clean;
#  2. the same gate must fail on a field inserted in the middle of a struct
#     (a libseal rebuilt from the same sources with such a header);
#  3. a plugin built against the frozen 1.0 headers still loads and serves.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${SEALD:?}"
CC=${CC:-cc}
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }

lib="$top_builddir/core/.libs/libseal.so"
gate() {   # gate <library> <headers dir>
    abidiff --no-added-syms --suppressions "$top_srcdir/tests/abi/seal.abignore" \
        --headers-dir2 "$2" "$top_srcdir/tests/abi/libseal-1.abi" "$1"
}

if ! command -v abidiff >/dev/null 2>&1; then
    skip=$((skip + 2)); echo "SKIP: abidiff not installed"
elif [ -n "${SEAL_SANITIZERS:-}" ]; then
    skip=$((skip + 2)); echo "SKIP: gate runs in the plain build"
else
    if gate "$lib" "$top_srcdir/include/seal" > "$tmp/gate.out" 2>&1; then
        ok "abidiff against tests/abi/libseal-1.abi is clean"
    else
        cat "$tmp/gate.out"; ko "abidiff against the baseline"
    fi

    # A libseal whose seal_route_def_t has a field inserted after "method".
    cp -r "$top_srcdir/include" "$tmp/include"
    sed -i 's|^    const char \*method; .*|&\n    uint32_t inserted;|' "$tmp/include/seal/registry.h"
    grep -q "uint32_t inserted;" "$tmp/include/seal/registry.h" || ko "could not edit registry.h"
    cflags=$(pkg-config --cflags libmicrohttpd json-c gnutls libcurl)
    libs=$(pkg-config --libs libmicrohttpd json-c gnutls libcurl)
    if $CC -g -O0 -shared -fPIC -std=c11 -D_GNU_SOURCE -DSEAL_PACKAGE_VERSION='"abi-test"' \
        -DSEAL_PLUGINDIR='"/nonexistent"' -DSEAL_CONFDIR='"/nonexistent"' -DSEAL_STATEDIR='"/nonexistent"' \
        -I"$tmp/include" -I"$top_srcdir/core" -I"$top_builddir" $cflags \
        -Wl,-soname,libseal.so.1 -Wl,--version-script="$top_srcdir/core/libseal.sym" \
        -o "$tmp/libseal.so" "$top_srcdir"/core/*.c -lltdl -ldl -pthread $libs \
        2> "$tmp/cc.err" && [ -s "$tmp/libseal.so" ]; then
        # seald.c has a main: linking it into a shared object is harmless here.
        gate "$tmp/libseal.so" "$tmp/include/seal" > "$tmp/gate2.out" 2>&1
        rc=$?
        if [ $rc -ne 0 ] && [ $((rc & 4)) -ne 0 ] && grep -q "inserted" "$tmp/gate2.out"; then
            ok "the gate fails (exit $rc) on a field inserted mid-struct"
        else
            cat "$tmp/gate2.out"; ko "the gate did not catch a field inserted mid-struct (exit $rc)"
        fi
    else
        cat "$tmp/cc.err"; ko "could not build the modified libseal"
    fi
fi

# The old plugin loads and serves. Port 0: the kernel's free port, which
# seald's log names.
cat > "$tmp/seald.conf" <<CONF
{ "plugin_dir": "$top_builddir/tests/abi/.libs", "store": "none",
  "http": { "listen": ["127.0.0.1:0"] }, "plugins": { "oldplugin": {} } }
CONF
"$SEALD" -c "$tmp/seald.conf" 2> "$tmp/log" &
pid=$!
i=0 body="" port=""
while [ $i -lt 300 ]; do
    [ -n "$port" ] || port=$(sed -n 's/.*http: listening on .*(port \([0-9]*\),.*/\1/p' "$tmp/log" | head -n 1)
    if [ -n "$port" ]; then
        body=$(curl -fsS "http://127.0.0.1:$port/old/v1/ping" 2>/dev/null) && break
    fi
    i=$((i + 1)); sleep 0.1
done
if [ "$body" = '{"abi":"1.0"}' ]; then ok "a plugin built against the 1.0 headers loads and serves"
else cat "$tmp/log"; ko "old plugin (got '$body')"; fi
kill "$pid"; wait "$pid"; pid=""

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
