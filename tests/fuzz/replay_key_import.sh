#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Replays the key_import fuzz corpus through the target built with replay.c.
exec "${top_builddir:-.}/tests/fuzz/replay_key_import" "${top_srcdir:-.}/tests/fuzz/corpus/key_import"
