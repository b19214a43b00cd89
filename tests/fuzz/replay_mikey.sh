#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Replays the mikey fuzz target's seed corpus (make check).
exec "$top_builddir/tests/fuzz/fuzz_mikey_replay" "$top_srcdir/tests/fuzz/corpus/mikey"
