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

# "principals" (core/principals.c, doc/authorization.md): each refusal names
# the entry's JSON path.
principals() {
    printf '{ "plugin_dir": "%s/plugins", "plugins": { "good": {} },\n  "principals": [ %s ] }\n' \
        "$tmp" "$1" > "$conf"
}
CERT='"certificate": { "subject": "CN=vs1", "issuer": "CN=CA" }'
principals "{ \"name\": \"vs1\", $CERT, \"roles\": [\"val_server\", \"admin\"] }"
check "principals: unknown role" "$conf: \$.principals[0].roles[1]: unknown role \"admin\""
principals "{ \"name\": \"vs1\", \"certificate\": { \"subject\": \"CN=vs1\" }, \"roles\": [\"operator\"] }"
check "principals: a certificate without its issuer" "$conf: \$.principals[0].certificate: \"issuer\" is required"
principals "{ \"name\": \"vs1\", \"certificate\": { \"subject\": \"CN=vs1\", \"issuer\": \"\" }, \"roles\": [\"operator\"] }"
check "principals: an empty issuer" "$conf: \$.principals[0].certificate.issuer: \"issuer\" is required"
principals "{ \"name\": \"a\", $CERT, \"roles\": [\"operator\"] }, { \"name\": \"b\", $CERT, \"roles\": [\"val_server\"] }"
check "principals: one certificate twice" "$conf: \$.principals[1]: this certificate (subject and issuer) is already listed at \$.principals[0]"
principals '{ "client": "vs2", "roles": ["group_admin"] }, { "client": "vs2", "val_service_id": "V2X" }'
check "principals: one client twice" "$conf: \$.principals[1]: this client is already listed at \$.principals[0]"
principals '{ "user": "alice", "roles": ["group_manager"] }, { "user": "alice", "roles": ["group_admin"] }'
check "principals: one user twice" "$conf: \$.principals[1]: this user is already listed at \$.principals[0]"
principals "{ \"name\": \"vs1\", $CERT, \"roles\": [\"val_server\"], \"scope\": [\"seal.gm\"] }"
check "principals: unknown key" "$conf: \$.principals[0].scope: unknown key"
principals "{ \"name\": \"vs 1\", $CERT, \"roles\": [\"val_server\"] }"
check "principals: a name with a space" "$conf: \$.principals[0].name: expected 1 to 255 printable"
principals "{ \"name\": \"vs1\", $CERT }"
check "principals: a certificate without roles" "$conf: \$.principals[0]: \"roles\" is required"
principals "{ \"name\": \"vs1\", $CERT, \"roles\": [\"val_server\"], \"scopes\": [\"seal gm\"] }"
check "principals: a scope that is no scope token" "$conf: \$.principals[0].scopes[0]: expected a scope token"
principals '{ "client": "vs2", "roles": ["operator"] }'
check "principals: operator by a token" "$conf: \$.principals[0].roles[0]: role operator is for \"certificate\" entries only"
principals "{ \"name\": \"vs1\", $CERT, \"roles\": [\"group_manager\"] }"
check "principals: group_manager on a certificate" "$conf: \$.principals[0].roles[0]: role group_manager is for \"user\" entries"
principals "{ \"client\": \"vs2\", \"user\": \"vs2\", \"roles\": [\"group_admin\"] }"
check "principals: client and user in one entry" "$conf: \$.principals[0]: an entry has exactly one of"
printf '{ "plugin_dir": "%s/plugins", "plugins": { "good": {} }, "principals": {} }\n' "$tmp" > "$conf"
check "principals: not an array" "$conf: \$.principals: expected an array"
principals "{ \"name\": \"vs1\", $CERT, \"roles\": [\"val_server\", \"operator\"], \"scopes\": [\"seal.gm\", \"seal.km\"], \"val_service_id\": \"V2X\" }, { \"client\": \"vs2\", \"roles\": [\"group_admin\"] }, { \"user\": \"alice\", \"roles\": [\"group_manager\"] }"
if "$SEALD" --check-config -c "$conf" >/dev/null 2>"$tmp/err"; then
    pass=$((pass + 1)); echo "PASS: principals: the documented example is accepted"
else
    fail=$((fail + 1)); echo "FAIL: principals: the documented example is refused:"; cat "$tmp/err"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
