#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds one fuzz target with clang's libFuzzer (+ASan/UBSan) and fuzzes it.
#   tests/fuzz/run.sh <target> [seconds]    e.g. tests/fuzz/run.sh conf 600
# Needs a configured build tree at $BUILD (default: ./build-fuzz, created).
set -eu
target=$1; secs=${2:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$src/build-fuzz}
if [ ! -f "$build/Makefile" ]; then
    mkdir -p "$build"
    (cd "$build" && CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined" \
        "$src/configure" --disable-shared --enable-static >/dev/null)
fi
make -C "$build" -j2 core/libsealcore.la >/dev/null
# Each target lists its sources and libraries in tests/fuzz/<target>.flags
. "$src/tests/fuzz/$target.flags"
out="$build/fuzz-$target"
# shellcheck disable=SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -I"$src/include" -I"$src/core" -I"$build" \
    -D_GNU_SOURCE $FUZZ_CFLAGS "$src/tests/fuzz/fuzz_$target.c" $FUZZ_SOURCES \
    -o "$out" $FUZZ_LIBS
mkdir -p "$build/corpus-$target"
exec "$out" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    "$build/corpus-$target" "$src/tests/fuzz/corpus/$target"
