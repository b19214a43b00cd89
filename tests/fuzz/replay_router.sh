#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Replays the router fuzz target's seed corpus (make check).
exec "$top_builddir/tests/fuzz/fuzz_router_replay" "$top_srcdir/tests/fuzz/corpus/router"
