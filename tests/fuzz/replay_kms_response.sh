#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Replays the kms_response fuzz corpus through the target built with replay.c.
exec "${top_builddir:-.}/tests/fuzz/replay_kms_response" "${top_srcdir:-.}/tests/fuzz/corpus/kms_response"
