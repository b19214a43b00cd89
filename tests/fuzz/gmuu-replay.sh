#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make check`: replays the gmuu seed corpus through the fuzz target
# (linked with tests/fuzz/replay.c, no libFuzzer needed).
exec "${top_builddir:-.}/tests/fuzz/fuzz_gmuu" "${top_srcdir:-.}/tests/fuzz/corpus/gmuu"
