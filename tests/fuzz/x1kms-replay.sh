#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make check`: replays the x1kms seed corpus through the fuzz target
# (linked with tests/fuzz/replay.c, no libFuzzer needed).
exec "${top_builddir:-.}/tests/fuzz/fuzz_x1kms" "${top_srcdir:-.}/tests/fuzz/corpus/x1kms"
