#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/http/run.sh [BUILD_DIR]: seald's HTTP front against a bare
# libmicrohttpd server (bench/http/bare_mhd.c) answering the same bytes as
# seald's GET /ss-gm/v1/group-documents/{groupDocId}, with wrk on loopback,
# keep-alive, over HTTP and HTTPS (ECDSA P-256). Also seald's start-up time
# to its first answered request and its idle RSS with every built plugin
# loaded. Needs: wrk, curl, certtool (gnutls-bin), python3, cc, pkg-config.
# The last line is:
#   ratio_http=<seald/bare> ratio_https=<seald/bare> startup_ms=<ms> idle_rss_kb=<kB>
# Environment: DURATION (s per run, 5), CONNS (32), WRK_THREADS (2),
# SRV_THREADS (server threads, 2), ROUNDS (2; the best run of each counts).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${BUILD:-$src/build}}" && pwd)
# The plugin is built against the headers of the tree that build came from.
bsrc=$(sed -n 's/^abs_top_srcdir = //p' "$build/Makefile")
[ -n "$bsrc" ] || bsrc=$src
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
WRK_THREADS=${WRK_THREADS:-2}
SRV_THREADS=${SRV_THREADS:-2}
ROUNDS=${ROUNDS:-2}
for tool in wrk curl certtool python3 cc pkg-config; do
    command -v $tool >/dev/null 2>&1 || { echo "run.sh: $tool is needed" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/seal-bench-http.XXXXXX)
pids=""
stop_all() {
    for p in $pids; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    pids=""
}
trap 'stop_all; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

measure="python3 $src/bench/http/measure.py"
seald=$build/core/.libs/seald           # the real binary, not libtool's wrapper
[ -x "$seald" ] || seald=$build/core/seald
LD_LIBRARY_PATH=$build/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH

cc -O2 -o "$tmp/bare_mhd" "$src/bench/http/bare_mhd.c" $(pkg-config --cflags --libs libmicrohttpd)
mkdir "$tmp/plugins"
cc -O2 -shared -fPIC -I"$bsrc/include" -o "$tmp/plugins/bench_allow.so" \
    "$src/bench/http/bench_allow.c" -L"$build/core/.libs" -lseal -Wl,-z,now
sh "$src/tests/unit/http_certs.sh" "$tmp/pki"
plugins=$(ls "$build"/plugins/*/*/.libs/*.so 2>/dev/null || true)
[ -n "$plugins" ] || { echo "run.sh: no plugin built in $build" >&2; exit 1; }
case "$plugins" in *"/gm.so"*) ;; *) echo "run.sh: the gm plugin is not built" >&2; exit 1;; esac
echo "plugins: $(for p in $plugins; do basename "$p" .so; done | tr '\n' ' ')"

# seald_up <tls 0|1>: starts seald on a free port; sets seald_pid, base.
seald_up() {
    port=$($measure port)
    # shellcheck disable=SC2086
    $measure conf "$tmp/seald.conf" "$port" "$tmp" "$SRV_THREADS" "$1" $plugins "$tmp/plugins/bench_allow.so"
    "$seald" -c "$tmp/seald.conf" </dev/null >>"$tmp/seald.out" 2>&1 &
    seald_pid=$!
    pids="$pids $seald_pid"
    scheme=http; [ "$1" = 1 ] && scheme=https
    base="$scheme://127.0.0.1:$port"
    i=0
    until curl -ksf -o /dev/null "$base/healthz"; do
        i=$((i + 1))
        [ $i -lt 200 ] || { echo "seald did not start:" >&2; cat "$tmp/seald.out" "$tmp/seald.log" >&2; exit 1; }
        sleep 0.05
    done
}

# bare_up <tls 0|1>: starts bare_mhd; sets bare_pid, bare.
bare_up() {
    if [ "$1" = 1 ]; then tlsargs="$tmp/pki/server.pem $tmp/pki/server.key"; scheme=https
    else tlsargs=""; scheme=http; fi
    # shellcheck disable=SC2086
    "$tmp/bare_mhd" "$SRV_THREADS" "$tmp/body" "$ctype" "$etag" $tlsargs >"$tmp/bare.out" 2>&1 &
    bare_pid=$!
    pids="$pids $bare_pid"
    i=0
    until grep -qs '^port ' "$tmp/bare.out"; do
        i=$((i + 1)); [ $i -lt 200 ] || { cat "$tmp/bare.out" >&2; exit 1; }
        sleep 0.05
    done
    bare="$scheme://127.0.0.1:$(sed -n 's/^port //p' "$tmp/bare.out")$path"
}

# rps <pid> <url>: "<requests/s> <server CPU microseconds per request>" (a
# warm-up second first); fails on errors. CPU per request is steadier than
# requests/s on a loaded machine.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rps() {
    wrk -t1 -c4 -d1s "$2" >/dev/null
    t0=$(cpu_ticks "$1")
    out=$(wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" "$2")
    t1=$(cpu_ticks "$1")
    if echo "$out" | grep -q 'Non-2xx'; then echo "$out" >&2; echo "run.sh: errors from $2" >&2; exit 1; fi
    echo "$out" | awk -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" '
        / requests in / { n = $1 }
        /^Requests\/sec/ { r = $2 }
        END { printf "%d %.2f\n", r, n ? (t1 - t0) * 1e6 / hz / n : 0 }'
}

best() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
least() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == 0 || a < b) ? a : b }'; }

# ---- start-up time and idle RSS (plain HTTP, every built plugin) ----
port=$($measure port)
# shellcheck disable=SC2086
$measure conf "$tmp/seald.conf" "$port" "$tmp" "$SRV_THREADS" 0 $plugins "$tmp/plugins/bench_allow.so"
set -- $($measure startup "$seald" "$tmp/seald.conf" "$port" 5)
startup_ms=$1
idle_rss_kb=$2

# ---- one group document, and the bytes seald answers with ----
seald_up 0
curl -sf -o "$tmp/created" -D "$tmp/created.h" -H 'Content-Type: application/json' \
    --data '{"valGroupId":"bench-group-1","grpDesc":"benchmark group","members":[{"valUserId":"alice@example.com"},{"valUserId":"bob@example.com"}],"valServiceIds":["ptt"]}' \
    "$base/ss-gm/v1/group-documents"
loc=$(sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$tmp/created.h")
path="/ss-gm/v1/group-documents/${loc##*/}"
curl -sf -o "$tmp/body" -D "$tmp/body.h" "$base$path"
ctype=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\([^[:space:]]*\).*/\1/p' "$tmp/body.h")
etag=$(sed -n 's/^[Ee][Tt]ag: *\([^[:space:]]*\).*/\1/p' "$tmp/body.h")
[ -n "$etag" ] || etag=-
printf '%s\n' "$ctype" >"$tmp/body.type"
[ "$etag" = - ] || printf '%s\n' "$etag" >"$tmp/body.etag"
echo "GET $path: $(wc -c <"$tmp/body") bytes of $ctype"
stop_all       # restarted below with /bench/doc serving the same bytes

# line <name> <seald req/s> <seald us> <bare req/s> <bare us>: prints, sets ratio
line() {
    ratio=$(awk -v s="$2" -v b="$4" 'BEGIN { printf "%.2f", (b ? s / b : 0) }')
    cratio=$(awk -v s="$3" -v b="$5" 'BEGIN { printf "%.2f", (s > 0 ? b / s : 0) }')
    printf '%-12s seald %7d req/s %5.1f us CPU/req | bare %7d req/s %5.1f us CPU/req | ratio %s (CPU %s)\n' \
        "$1" "$2" "$3" "$4" "$5" "$ratio" "$cratio"
}

results=""
for tls in 0 1; do
    seald_up "$tls"
    bare_up "$tls"
    s=0; b=0; f=0; sc=0; bc=0; fc=0; r=0
    while [ $r -lt "$ROUNDS" ]; do
        set -- $(rps "$seald_pid" "$base$path")
        s=$(best "$1" $s); sc=$(least "$2" $sc)
        set -- $(rps "$bare_pid" "$bare")
        b=$(best "$1" $b); bc=$(least "$2" $bc)
        set -- $(rps "$seald_pid" "$base/bench/doc")
        f=$(best "$1" $f); fc=$(least "$2" $fc)
        r=$((r + 1))
    done
    stop_all
    name=http; [ "$tls" = 1 ] && name=https
    line "$name front" "$f" "$fc" "$b" "$bc"
    line "$name gm GET" "$s" "$sc" "$b" "$bc"
    results="$results ratio_$name=$ratio"
done
echo "(front: GET /bench/doc, the same bytes from a trivial handler: the HTTP front's own cost;"
echo " gm GET: GET $path through seal_s, gm and store_sqlite)"
printf 'startup to first answer: %s ms; idle RSS: %s kB\n' "$startup_ms" "$idle_rss_kb"
echo "${results# } startup_ms=$startup_ms idle_rss_kb=$idle_rss_kb"
