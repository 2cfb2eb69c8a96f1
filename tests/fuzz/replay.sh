#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/replay.sh: make check's part of fuzzing: every kept corpus
# input and crasher goes through its harness (tests/fuzz/fuzz-NAME.c, each
# built without libFuzzer as tests/fuzz/fuzz-NAME, linked with
# tests/fuzz/replay.c), under whatever sanitizers the build uses.  A crash
# or abort fails the test; so does a harness with no program or no inputs.
set -eu
src=${PTS_SRCDIR:-.}
build=${PTS_BUILDDIR:-.}
for f in "$src"/tests/fuzz/fuzz-*.c; do
	name=${f##*/fuzz-}
	name=${name%.c}
	set -- "$src/tests/fuzz/corpus-$name"
	if [ -d "$src/tests/fuzz/crashers-$name" ]; then
		set -- "$@" "$src/tests/fuzz/crashers-$name"
	fi
	"$build/tests/fuzz/fuzz-$name" "$@"
done
