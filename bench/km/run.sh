#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/km/run.sh [build-dir]: key management throughput on this machine,
# with bench/crypto's per-operation figures from the same run.
#
#   keyprov   identities/s provisioned through KM-UU keyprov (TS 33.180
#             Annex D) on a real seald over HTTPS with wrk (keep-alive, a
#             client_credentials token, a fresh identity per request:
#             km_bench.py). The TLS handshakes happen once per connection,
#             so the figure is the KMS's work: UID, ECCSI SSK/PVT, SAKKE
#             RSK, wrapping and storing (store_sqlite synchronous=full) and
#             the XML. bench_gmk also prints the same work in process
#             through seal.km.v1 (keyset_rps) for comparison.
#   gmk       members/s of one GMK distribution in process (bench_gmk: a
#             group of MEMBERS VAL users created through seal.gm.v1, timed
#             until every member's I_MESSAGE is stored), gm's default worker
#             pool (one thread per CPU), SEAL-X1 in process.
#   efficiency = gmk members/s / (cores / (SAKKE encapsulation time + ECCSI
#             signing time)), the two times from bench/crypto/run.sh
#             (lib/ibc, single thread, CPU time) in this run. Goal >= 0.8.
#
# The wall-clock figures count what the machine gives: on a machine shared
# with other work they drop with its load (printed). bench_gmk's
# gmk_cpu_members_s (members per CPU-second of the process) and the
# cpu_efficiency derived from it do not depend on the load.
#
# Last line: keyprov_rps=… gmk_members_s=… gmk_efficiency=…
# With SoftHSM2 and a km built with p11-kit, keyprov runs a second time
# with the KEK in a token (keyprov_pkcs11_rps, pkcs11_ratio to the file KEK).
# Environment: MEMBERS (2000), DURATION (wrk seconds, 5), CRYPTO_SECS (0.3).
# Needs: wrk, python3, certtool (gnutls-bin), a built tree (make; the
# plugins km, km_uu, im, im_uu, authz_jwt, seal_x1, gm, store_sqlite,
# crypto_gnutls, and bench/km/bench_gmk).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${top_builddir:-.}}" && pwd)
MEMBERS=${MEMBERS:-2000}
CRYPTO_SECS=${CRYPTO_SECS:-0.3}
[ -x "$build/bench/km/bench_gmk" ] || { echo "run.sh: $build/bench/km/bench_gmk not built" >&2; exit 1; }
command -v wrk >/dev/null || { echo "run.sh: wrk is needed" >&2; exit 1; }
cores=$(nproc)
echo "bench/km on $cores core(s); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "--- bench/crypto (per operation, single thread)"
crypto=$("$src/bench/crypto/run.sh" "$build" "$CRYPTO_SECS")
echo "$crypto"
cline=$(echo "$crypto" | tail -n 1)
get() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
encap=$(get sakke_encap "$cline")
sign=$(get eccsi_sign "$cline")

echo "--- key provisioning over HTTPS (KM-UU keyprov, wrk)"
kp=$(top_builddir=$build SEALD=$build/core/seald python3 "$src/bench/km/km_bench.py")
echo "$kp"
keyprov=$(get keyprov_rps "$(echo "$kp" | tail -n 1)")

# The same with the KEK in a PKCS#11 token (SoftHSM2), when it is there:
# what keeping the KEK in a token costs, as a ratio to the file KEK above.
if [ -f "$build/lib/p11kek/libp11kek.la" ] && command -v softhsm2-util >/dev/null; then
    echo "--- key provisioning with the KEK in a PKCS#11 token (SoftHSM2)"
    kp11=$(KM_KEK=pkcs11 top_builddir=$build SEALD=$build/core/seald python3 "$src/bench/km/km_bench.py")
    echo "$kp11" | tail -n 3
    k11=$(get keyprov_rps "$(echo "$kp11" | tail -n 1)")
    awk -v a="$k11" -v b="$keyprov" 'BEGIN { printf "keyprov_pkcs11_rps=%.0f pkcs11_ratio=%.2f\n", a, b ? a / b : 0 }'
fi

echo "--- in process (seal.km.v1 keyset, GMK distribution of $MEMBERS members)"
gm=$(cd "$build" && top_builddir=$build "$build/bench/km/bench_gmk" "$MEMBERS" 3 2>/dev/null)
echo "$gm"
gline=$(echo "$gm" | tail -n 1)
members_s=$(get gmk_members_s "$gline")
cpu_members_s=$(get gmk_cpu_members_s "$gline")

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v e="$encap" -v s="$sign" -v c="$cores" -v m="$members_s" -v cm="$cpu_members_s" \
    -v kp="$keyprov" 'BEGIN {
    per = 1 / e + 1 / s                  # seconds per member: encapsulate + sign
    ideal = c / per
    printf "per member: encapsulate %.0f us + sign %.0f us = %.0f us; ideal on %d cores: %.1f members/s\n",
           1e6 / e, 1e6 / s, 1e6 * per, c, ideal
    printf "cpu_efficiency=%.2f (members per CPU-second x (encapsulate + sign))\n", cm * per
    printf "keyprov_rps=%.0f gmk_members_s=%.1f gmk_efficiency=%.2f\n", kp, m, m / ideal
}'
