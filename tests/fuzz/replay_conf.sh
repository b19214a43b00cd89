#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Replays the conf fuzz corpus through the target built with replay.c.
exec "${top_builddir:-.}/tests/fuzz/replay_conf" "${top_srcdir:-.}/tests/fuzz/corpus/conf"
