#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make check`: replays the sjson seed corpus through the fuzz target
# (linked with tests/fuzz/replay.c, no libFuzzer needed).
exec "${top_builddir:-.}/tests/fuzz/fuzz_sjson" "${top_srcdir:-.}/tests/fuzz/corpus/sjson"
