#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Replays the kms_request fuzz target's seed corpus (make check).
exec "$top_builddir/tests/fuzz/fuzz_kms_request_replay" "$top_srcdir/tests/fuzz/corpus/kms_request"
