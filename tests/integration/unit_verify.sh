#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The systemd unit (etc/seald.service.in) rendered with this build's paths
# (ExecStart: the built seald): systemd-analyze verify finds nothing to say
# (an unknown key, a bad value, a missing binary), the unit runs seald as
# its own user with umask 0077, private state and log directories, no core
# dumps, no capability, and systemd-analyze security rates its exposure
# "OK" or better; systemd-sysusers creates that user from
# etc/sysusers.d/seal.conf. Skips (77) without systemd-analyze.
set -u
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: no systemd-analyze"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/seald-unit-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM PIPE
unit=$tmp/seald.service
sed -e "s|@sbindir@|$top_builddir/core|g" -e "s|@sealconfdir@|$tmp|g" \
    -e "s|@statedir@|$tmp|g" "$top_srcdir/etc/seald.service.in" > "$unit" || exit 1
fail=0

# A unit with nothing wrong first: where even that draws remarks (no
# systemd manager to ask, say), this test cannot tell anything.
printf '[Service]\nExecStart=/bin/true\n' > "$tmp/control.service"
out=$(systemd-analyze verify --man=no "$tmp/control.service" 2>&1)
if [ $? -ne 0 ] || [ -n "$out" ]; then
    echo "SKIP: systemd-analyze verify does not work here: $out"
    exit 77
fi

out=$(systemd-analyze verify --man=no "$unit" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
    echo "FAIL: systemd-analyze verify (exit $rc):"
    echo "$out"
    fail=1
else
    echo "ok systemd-analyze verify: nothing to say"
fi

for want in "User=seal" "Group=seal" "UMask=0077" "StateDirectory=seal" \
            "StateDirectoryMode=0700" "LogsDirectoryMode=0700" "LimitCORE=0" \
            "CapabilityBoundingSet=" "NoNewPrivileges=yes" "ProtectSystem=strict" \
            "ProtectHome=yes" "PrivateTmp=yes" \
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
            "SystemCallFilter=@system-service"; do
    if ! grep -qx "$want" "$unit"; then
        echo "FAIL: the unit lacks the line $want"
        fail=1
    fi
done
[ $fail -eq 0 ] && echo "ok own user, umask, private directories, no core dumps, no capability"

# The exposure score (systemd 250 and later: --offline).
sec=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | grep "Overall exposure level")
if [ -n "$sec" ]; then
    score=$(echo "$sec" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
    if awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
        echo "ok exposure $score"
    else
        echo "FAIL: $sec"
        fail=1
    fi
else
    echo "skip exposure: this systemd-analyze has no security --offline"
fi

if command -v systemd-sysusers >/dev/null 2>&1; then
    mkdir -p "$tmp/root/etc"
    if systemd-sysusers --root="$tmp/root" "$top_srcdir/etc/sysusers.d/seal.conf" \
            >"$tmp/sysusers.out" 2>&1; then
        if grep -q '^seal:' "$tmp/root/etc/passwd" && grep -q '^seal:' "$tmp/root/etc/group"; then
            echo "ok systemd-sysusers creates user and group seal"
        else
            echo "FAIL: systemd-sysusers made no user seal"
            cat "$tmp/sysusers.out"
            fail=1
        fi
    else
        echo "skip sysusers: systemd-sysusers --root failed here:"
        cat "$tmp/sysusers.out"
    fi
fi
exit $fail
