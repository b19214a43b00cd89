#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The real seald refuses broken plugins with one line naming the plugin, the
# reason and the file, and a non-zero exit.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${SEALD:?}"
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/plugins" "$tmp/future"
fail=0 pass=0

cc_plugin() {   # name, extra flags...
    name=$1; shift
    $CC -shared -fPIC -I"$top_srcdir/include" -DNAME="\"$name\"" \
        -o "$tmp/plugins/$name.so" "$top_srcdir/tests/unit/loader_plugin.c" "$@" -Wl,-z,now
}

# expect <case> <plugin> <regex of the reason>
expect() {
    case_name=$1 plugin=$2 reason=$3
    cat > "$tmp/seald.conf" <<CONF
{ "plugin_dir": "$tmp/plugins", "plugins": { "$plugin": {} } }
CONF
    "$SEALD" --check-config -c "$tmp/seald.conf" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    errors=$(grep -c ' error ' "$tmp/err")
    if [ "$rc" -ne 0 ] && [ "$errors" -eq 1 ] &&
       grep ' error ' "$tmp/err" | grep -Eq "plugin $plugin: .*$reason.*\\($tmp/plugins/[a-z0-9_]+\\.so\\)\$"; then
        pass=$((pass + 1)); echo "PASS: $case_name"
    else
        fail=$((fail + 1)); echo "FAIL: $case_name (exit $rc)"; cat "$tmp/err"
    fi
}

cc_plugin badmagic -DMAGIC=0x12345678u
expect "bad magic" badmagic "bad magic 0x12345678: not a seald plugin"

cc_plugin major2 -DMAJOR=2
expect "other ABI major" major2 "built for plugin ABI 2\\.[0-9]+, this host has 1\\.[0-9]+ \\(major differs\\)"

cc_plugin minor99 -DMINOR=99
expect "newer ABI minor" minor99 "built for plugin ABI 1\\.99, this host has 1\\.[0-9]+ \\(needs a newer host\\)"

cc_plugin misnamed
mv "$tmp/plugins/misnamed.so" "$tmp/plugins/renamed.so"
expect "name differs from file" renamed "declares name \"misnamed\" but its file is named \"renamed\""

$CC -shared -fPIC -Wl,-soname,libseal.so.1 -Wl,--version-script="$top_srcdir/tests/unit/loader_future.sym" \
    -o "$tmp/future/libseal.so.1" "$top_srcdir/tests/unit/loader_future.c"
ln -s libseal.so.1 "$tmp/future/libseal.so"
cc_plugin future -DCALL_FUTURE -L"$tmp/future" -lseal
expect "symbol version the host lacks" future "version .SEAL_1\\.99. not found"

cc_plugin unresolved -DCALL_MISSING
expect "unresolved symbol" unresolved "undefined symbol: seal_no_such_function"

cc_plugin initfail -DINIT_FAIL
expect "init fails" initfail "init failed: failure"

# A missing plugin names the config file and JSON path.
cat > "$tmp/seald.conf" <<CONF
{ "plugin_dir": "$tmp/plugins", "plugins": { "nosuch": {} } }
CONF
if ! "$SEALD" --check-config -c "$tmp/seald.conf" 2> "$tmp/err" >/dev/null &&
   grep -q "$tmp/seald.conf: \$.plugins.nosuch: plugin \"nosuch\" is not installed" "$tmp/err"; then
    pass=$((pass + 1)); echo "PASS: not installed"
else
    fail=$((fail + 1)); echo "FAIL: not installed"; cat "$tmp/err"
fi

# The same plugin named in the main file and in an included one.
cc_plugin good
mkdir -p "$tmp/enabled"
echo '{ "plugins": { "good": {} } }' > "$tmp/enabled/good.conf"
cat > "$tmp/seald.conf" <<CONF
{ "plugin_dir": "$tmp/plugins", "include": "$tmp/enabled/*.conf", "plugins": { "good": {} } }
CONF
if ! "$SEALD" --check-config -c "$tmp/seald.conf" 2> "$tmp/err" >/dev/null &&
   grep -q "\$.plugins.good: plugin configured twice" "$tmp/err"; then
    pass=$((pass + 1)); echo "PASS: duplicate name"
else
    fail=$((fail + 1)); echo "FAIL: duplicate name"; cat "$tmp/err"
fi

# And a good one loads, and --version lists it.
cat > "$tmp/seald.conf" <<CONF
{ "plugin_dir": "$tmp/plugins", "plugins": { "good": {} } }
CONF
if "$SEALD" --check-config -c "$tmp/seald.conf" >/dev/null 2>"$tmp/err" &&
   "$SEALD" --version -c "$tmp/seald.conf" 2>/dev/null | grep -Eq '^  good +0\.0\.1 +ABI 1\.'; then
    pass=$((pass + 1)); echo "PASS: good plugin loads and is listed"
else
    fail=$((fail + 1)); echo "FAIL: good plugin"; cat "$tmp/err"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
