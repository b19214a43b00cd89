#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Replays the form fuzz target's seed corpus (make check).
exec "$top_builddir/tests/fuzz/fuzz_form_replay" "$top_srcdir/tests/fuzz/corpus/form"
