#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `seald --version` lists crypto_gnutls and its capabilities: loaded by
# default when the configuration names no crypto plugin, and when named.
set -u
: "${top_builddir:?}" "${SEALD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }
dir="$top_builddir/plugins/crypto/crypto_gnutls/.libs"
want='^  crypto_gnutls: random sha256 sha384 sha512 hmac aes-gcm kdf-33220 mikey-prf es256 eddsa eccsi sakke$'

printf '{ "plugin_dir": "%s", "store": "none" }\n' "$dir" > "$tmp/default.conf"
if "$SEALD" --version -c "$tmp/default.conf" > "$tmp/out" 2> "$tmp/err" \
   && grep -q '^crypto backends:$' "$tmp/out" && grep -Eq "$want" "$tmp/out" \
   && grep -Eq '^  crypto_gnutls +[^ ]+ +ABI 1\.1 ' "$tmp/out"; then
    ok "--version lists the default backend's capabilities"
else
    cat "$tmp/out" "$tmp/err"; ko "--version with the default backend"
fi

printf '{ "plugin_dir": "%s", "store": "none", "crypto": "crypto_gnutls",\n  "plugins": { "crypto_gnutls": {} } }\n' \
    "$dir" > "$tmp/named.conf"
if "$SEALD" --version -c "$tmp/named.conf" > "$tmp/out" 2> "$tmp/err" && grep -Eq "$want" "$tmp/out"; then
    ok "--version lists a named backend"
else
    cat "$tmp/out" "$tmp/err"; ko "--version with a named backend"
fi
if "$SEALD" --check-config -c "$tmp/named.conf" > "$tmp/out" 2> "$tmp/err"; then
    ok "--check-config loads and inits crypto_gnutls"
else
    cat "$tmp/out" "$tmp/err"; ko "--check-config with crypto_gnutls"
fi

printf '{ "plugin_dir": "%s", "store": "none", "crypto": "none" }\n' "$dir" > "$tmp/none.conf"
if "$SEALD" --version -c "$tmp/none.conf" > "$tmp/out" 2> "$tmp/err" \
   && ! grep -q 'crypto' "$tmp/out"; then
    ok "\"crypto\": \"none\" loads no backend"
else
    cat "$tmp/out" "$tmp/err"; ko "--version with crypto none"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
