#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Configuration errors name the file and the JSON path (or the line, for
# syntax), and seald exits non-zero, through the real seald --check-config.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${SEALD:?}"
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/plugins" "$tmp/enabled"
$CC -shared -fPIC -I"$top_srcdir/include" -DNAME='"good"' -o "$tmp/plugins/good.so" \
    "$top_srcdir/tests/unit/loader_plugin.c"
fail=0 pass=0
conf="$tmp/seald.conf"

# check <case> <expected fixed string in stderr>; the config is in $conf
check() {
    if "$SEALD" --check-config -c "$conf" >/dev/null 2>"$tmp/err"; then
        fail=$((fail + 1)); echo "FAIL: $1 (accepted)"; return
    fi
    if grep -qF -- "$2" "$tmp/err"; then
        pass=$((pass + 1)); echo "PASS: $1"
    else
        fail=$((fail + 1)); echo "FAIL: $1: expected '$2' in:"; cat "$tmp/err"
    fi
}

printf '{ "plugin_dir": "%s/plugins", "bogus": 1, "plugins": { "good": {} } }\n' "$tmp" > "$conf"
check "unknown top-level key" "$conf: \$.bogus: unknown key"

printf '{ "plugin_dir": "%s/plugins", "plugins": { "good": { "typo": { "x": 1 } } } }\n' "$tmp" > "$conf"
check "unknown key in a plugin block" "$conf: \$.plugins.good.typo: unknown key"

printf '{ "plugin_dir": "%s/plugins",\n  "plugins": {\n    "good": { },\n    "good": { } } }\n' "$tmp" > "$conf"
check "plugin configured twice in one file" "$conf: \$.plugins.good"

printf '{ "plugins": { "good": {} } }\n' > "$tmp/enabled/a.conf"
printf '{ "plugins": { "good": {} } }\n' > "$tmp/enabled/b.conf"
printf '{ "plugin_dir": "%s/plugins", "include": "%s/enabled/*.conf" }\n' "$tmp" "$tmp" > "$conf"
check "plugin configured in two included files" "$tmp/enabled/b.conf: \$.plugins.good: plugin configured twice"
rm -f "$tmp/enabled/"*.conf

printf '{ "plugin_dir": "%s/plugins", "plugins": { "absent": {} } }\n' "$tmp" > "$conf"
check "block for a plugin that is not installed" "$conf: \$.plugins.absent: plugin \"absent\" is not installed"

printf '{\n  // a comment\n  "plugin_dir": "x",\n  "plugins": { "good": { ] }\n}\n' > "$conf"
check "malformed JSON names the line" "$conf:4:"

printf '{ "plugin_dir": 5 }\n' > "$conf"
check "wrong type (plugin_dir)" "$conf: \$.plugin_dir: expected"

printf '{ "plugin_dir": "%s/plugins", "log": { "level": 3 }, "plugins": { "good": {} } }\n' "$tmp" > "$conf"
check "wrong type (log.level)" "$conf: \$.log.level: expected string"

printf '{ "plugin_dir": "%s/plugins", "plugins": { "good": 7 } }\n' "$tmp" > "$conf"
check "wrong type (plugin block)" "$conf: \$.plugins.good: expected an object"

check_missing() {
    if "$SEALD" --check-config -c "$tmp/nope.conf" >/dev/null 2>"$tmp/err" ||
       ! grep -qF "$tmp/nope.conf" "$tmp/err"; then
        fail=$((fail + 1)); echo "FAIL: missing file"; cat "$tmp/err"
    else
        pass=$((pass + 1)); echo "PASS: missing file"
    fi
}
check_missing

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
