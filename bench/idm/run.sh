#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/idm/run.sh [BUILD_DIR]: the identity management hot paths of the
# real seald over HTTPS (ECDSA P-256, keep-alive, loopback) with wrk, in one
# invocation:
#   token     POST /oidc/v1/token, client_credentials, HTTP Basic: every
#             request authenticates the client and signs a new ES256 token
#   auth      GET /ss-gm/v1/group-documents/{id} with "Authorization: Bearer"
#             (authz_jwt checks the token: signature, iss, aud, exp/nbf/iat,
#             scope seal.gm; its validated-token cache is part of the path;
#             so is the revocation check: the IdM's revocation list is
#             polled and holds 32 revoked jtis, a disabled user and a
#             disabled client, so each request bisects the jtis and hashes
#             its sub and client_id -- BENCH_REVOCATION=0: no list)
#   baseline  the same GET on the same server and connections without a
#             token: authz_jwt declines (no Authorization header) and
#             bench/http/bench_allow.c, a bench-only plugin, approves. wrk
#             cannot present a client certificate, so the mutual-TLS-only
#             mode cannot be the baseline; this is the same route, handler
#             and TLS work minus the token check.
# auth_ratio = auth / baseline requests per second.
# seald runs through bench/idm/harness.py, tests/integration/client_harness.py
# with the revocation list (the same set-up as the client tests: im, im_uu,
# authz_jwt, gm, seal_s, store_sqlite; a confidential client registered at
# the administration endpoint).
# The last line is:  token_rps=<req/s> auth_ratio=<auth/baseline>
# Goals: token_rps >= 5000, auth_ratio >= 0.8 (2 cores).
# Environment: DURATION (s per run, 5), CONNS (32), WRK_THREADS (2),
# SRV_THREADS (seald HTTP threads, 2), ROUNDS (2; the best run counts),
# BENCH_REVOCATION (1; 0: no revocation list).
# Needs: wrk, curl, python3, cc, certtool (gnutls-bin).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "${BENCH_IDM_INNER:-}" ]; then
    # ---------------- inside the harness: seald is up ----------------
    DURATION=${DURATION:-5}; CONNS=${CONNS:-32}; WRK_THREADS=${WRK_THREADS:-2}; ROUNDS=${ROUNDS:-2}
    curl_() { curl -s --cacert "$SEAL_CACERT" "$@"; }
    BENCH_BASIC=$(python3 -c 'import base64, os, urllib.parse as u
q = lambda s: u.quote(s, safe="")
print(base64.b64encode((q(os.environ["RP_CONF_CLIENT"]) + ":" + q(os.environ["RP_CONF_SECRET"])).encode()).decode())')
    export BENCH_BASIC
    token() {
        curl_ -u "$RP_CONF_CLIENT:$RP_CONF_SECRET" -d grant_type=client_credentials \
            -d scope=seal.gm "$SEAL_BASE/oidc/v1/token" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
    }
    BENCH_TOKEN=$(token)
    export BENCH_TOKEN
    if [ "${BENCH_REVOCATION:-1}" != 0 ]; then
        # other tokens of the client revoked (RFC 7009): jtis on the list
        i=0
        while [ $i -lt 32 ]; do
            curl_ -f -o /dev/null -u "$RP_CONF_CLIENT:$RP_CONF_SECRET" --data-urlencode "token=$(token)" \
                "$SEAL_BASE/oidc/v1/revoke"
            i=$((i + 1))
        done
        curl_ "$SEAL_BASE/oidc/v1/revocations" | python3 -c 'import json, sys
l = json.load(sys.stdin)
print("revocation list: %d jtis, %d users, %d clients" % (len(l["jtis"]), len(l["subjects"]), len(l["clients"])))'
    fi
    # tokens are served once authz_jwt has read the keys and the first
    # revocation list (503 before)
    code() { curl_ -o /dev/null -w '%{http_code}' "$@"; }
    i=0
    while [ "$(code -H "Authorization: Bearer $BENCH_TOKEN" "$SEAL_BASE/ss-gm/v1/group-documents")" != 200 ] &&
        [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    curl_ -f -o /dev/null -D "$SEAL_TMP/created.h" -H "Authorization: Bearer $BENCH_TOKEN" \
        -H 'Content-Type: application/json' \
        --data '{"valGroupId":"bench-group-1","grpDesc":"benchmark group","members":[{"valUserId":"alice@example.com"},{"valUserId":"bob@example.com"}],"valServiceIds":["ptt"]}' \
        "$SEAL_BASE/ss-gm/v1/group-documents"
    loc=$(sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$SEAL_TMP/created.h")
    url="$SEAL_BASE/ss-gm/v1/group-documents/${loc##*/}"
    # the set-up proves that the token is checked on this route
    [ "$(code -H "Authorization: Bearer $BENCH_TOKEN" "$url")" = 200 ] || { echo "run.sh: GET with the token failed" >&2; exit 1; }
    [ "$(code "$url")" = 200 ] || { echo "run.sh: GET without a token failed" >&2; exit 1; }
    [ "$(code -H "Authorization: Bearer ${BENCH_TOKEN%?}A" "$url")" = 401 ] || [ "$(code -H "Authorization: Bearer ${BENCH_TOKEN%?}B" "$url")" = 401 ] ||
        { echo "run.sh: a forged token was not refused: the bench would not measure token checks" >&2; exit 1; }
    echo "GET ${url#$SEAL_BASE}: $(curl_ "$url" | wc -c) bytes; seald pid $SEALD_PID"

    cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SEALD_PID/stat"; }
    # rps <url> [lua]: "<requests/s> <seald CPU us per request>", after a
    # warm-up second; fails on any error answer
    rps() {
        lua=""; [ -n "${2:-}" ] && lua="-s $2"
        # shellcheck disable=SC2086
        wrk -t1 -c4 -d1s $lua "$1" >/dev/null
        t0=$(cpu_ticks)
        # shellcheck disable=SC2086
        out=$(wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" $lua "$1")
        t1=$(cpu_ticks)
        if echo "$out" | grep -Eq 'Non-2xx|Socket errors'; then
            echo "$out" >&2; echo "run.sh: errors from $1" >&2; exit 1
        fi
        echo "$out" | awk -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" '
            / requests in / { n = $1 }
            /^Requests\/sec/ { r = $2 }
            END { printf "%d %.1f\n", r, n ? (t1 - t0) * 1e6 / hz / n : 0 }'
    }
    best() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
    least() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == 0 || a < b) ? a : b }'; }
    tok=0; auth=0; base=0; tokc=0; authc=0; basec=0; r=0
    while [ $r -lt "$ROUNDS" ]; do
        # interleaved, so that a busy moment of the machine hits all three
        set -- $(rps "$url"); base=$(best "$1" $base); basec=$(least "$2" $basec)
        set -- $(rps "$url" "$src/bench/idm/bearer.lua"); auth=$(best "$1" $auth); authc=$(least "$2" $authc)
        set -- $(rps "$SEAL_BASE/oidc/v1/token" "$src/bench/idm/token.lua"); tok=$(best "$1" $tok); tokc=$(least "$2" $tokc)
        r=$((r + 1))
    done
    printf '%-44s %7d req/s %6.1f us seald CPU/req\n' \
        "token endpoint (client_credentials, Basic)" "$tok" "$tokc" \
        "ss-gm GET with a bearer token" "$auth" "$authc" \
        "ss-gm GET without a token (baseline)" "$base" "$basec"
    ratio=$(awk -v a="$auth" -v b="$base" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
    echo "token_rps=$tok auth_ratio=$ratio"
    exit 0
fi

# ---------------- outside: build the helper plugin, start the harness ----------------
build=$(cd "${1:-${BUILD:-$src/build}}" && pwd)
bsrc=$(sed -n 's/^abs_top_srcdir = //p' "$build/Makefile")
[ -n "$bsrc" ] || bsrc=$src
for tool in wrk curl python3 cc certtool; do
    command -v $tool >/dev/null 2>&1 || { echo "run.sh: $tool is needed" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/seal-bench-idm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
seald=$build/core/.libs/seald           # the real binary, not libtool's wrapper
[ -x "$seald" ] || seald=$build/core/seald
LD_LIBRARY_PATH=$build/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
cc -O2 -shared -fPIC -I"$bsrc/include" -o "$tmp/bench_allow.so" \
    "$src/bench/http/bench_allow.c" -L"$build/core/.libs" -lseal -Wl,-z,now
top_builddir=$build top_srcdir=$bsrc SEALD=$seald BENCH_IDM_INNER=1 \
DURATION=${DURATION:-5} CONNS=${CONNS:-32} WRK_THREADS=${WRK_THREADS:-2} ROUNDS=${ROUNDS:-2} \
BENCH_REVOCATION=${BENCH_REVOCATION:-1} \
    python3 "$src/bench/idm/harness.py" --plugin "$tmp/bench_allow.so" \
    --threads "${SRV_THREADS:-2}" --at-ttl 3600 --log-level notice -- sh "$src/bench/idm/run.sh"
