#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Crypto throughput of issue 3: lib/ibc (bench_ibc: ECCSI, SAKKE, RSK) and
# the crypto ABI with crypto_gnutls (bench_crypto: ES256, EdDSA), both
# single-threaded, from a built tree.
#   bench/crypto/run.sh [build-dir] [seconds-per-run]
# Prints both programs' reports, one line with every name=value pair, and
# last the summary line:
#   sakke_encap=… sakke_decap=… eccsi_sign=… eccsi_verify=… rsk_issue=… es256_sign=… es256_verify=…
set -eu
build=$(cd "${1:-${top_builddir:-.}}" && pwd)
secs=${2:-0.3}
for p in bench_ibc bench_crypto; do
    [ -x "$build/bench/crypto/$p" ] || { echo "run.sh: $build/bench/crypto/$p not built (make $p)" >&2; exit 1; }
done
ibc=$("$build/bench/crypto/bench_ibc" "$secs")
echo "$ibc"
abi=$(top_builddir=$build "$build/bench/crypto/bench_crypto" "$secs")
echo "$abi"
all="$(echo "$ibc" | tail -n 1) $(echo "$abi" | tail -n 1)"
echo "$all"
get() {
    v=$(echo "$all" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1)
    echo "${v:-?}"
}
echo "sakke_encap=$(get sakke_encap) sakke_decap=$(get sakke_decap) eccsi_sign=$(get eccsi_sign)" \
     "eccsi_verify=$(get eccsi_verify) rsk_issue=$(get rsk_issue) es256_sign=$(get es256_sign)" \
     "es256_verify=$(get es256_verify)"
