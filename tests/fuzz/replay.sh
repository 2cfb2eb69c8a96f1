#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/replay.sh: make check's part of fuzzing: replay every kept
# corpus input and crasher through the harnesses built without libFuzzer
# (tests/fuzz-ptdump, tests/fuzz-zones), under whatever sanitizers the
# build uses.  A crash or abort fails the test.
set -eu
src=${PTS_SRCDIR:-.}
build=${PTS_BUILDDIR:-.}
for name in ptdump zones; do
	"$build/tests/fuzz-$name" "$src/tests/fuzz/corpus-$name" \
	    "$src/tests/fuzz/crashers-$name"
done
