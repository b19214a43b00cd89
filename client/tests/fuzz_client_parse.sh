#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make check: replays the client_parse seed corpus.
#   fuzz_client_parse.sh fuzz [seconds]: builds the target with clang's
#   libFuzzer (+ASan/UBSan) in $BUILD (default ./build-fuzz-client) and fuzzes.
set -eu
if [ "${1:-}" = fuzz ]; then
    src=$(cd "$(dirname "$0")/../.." && pwd)
    out=${BUILD:-$src/build-fuzz-client}
    mkdir -p "$out/corpus"
    printf '#define PACKAGE_VERSION "fuzz"\n' >"$out/config.h"
    c=$src/client
    # shellcheck disable=SC2046
    clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I"$out" -I"$src/include" \
        -I"$c" "$c/tests/fuzz_client_parse.c" "$c/form.c" "$c/html.c" "$c/core.c" "$c/random.c" \
        "$c/http.c" "$c/discovery.c" "$c/jws.c" "$c/idtoken.c" "$c/store.c" "$c/loopback.c" \
        "$c/tokens.c" "$c/login.c" "$c/session.c" -o "$out/fuzz_client_parse" \
        $(pkg-config --libs libcurl json-c gnutls nettle librhonabwy)
    exec "$out/fuzz_client_parse" -max_total_time="${2:-60}" -timeout=10 "$out/corpus" \
        "$src/client/tests/corpus/client_parse"
fi
exec "$top_builddir/client/tests/fuzz_client_parse_replay" "$top_srcdir/client/tests/corpus/client_parse"
