#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/replay-hard.sh: make check's part of the hard area's fuzzing:
# every kept corpus input and crasher goes through the harnesses built
# without libFuzzer (tests/fuzz/fuzz-{maps,request,simops,wsmsg}, linked
# with tests/fuzz/replay.c), under whatever sanitizers the build uses.
set -eu
src=${PTS_SRCDIR:-.}
build=${PTS_BUILDDIR:-.}
for name in maps request simops wsmsg; do
	set -- "$src/tests/fuzz/corpus-$name"
	if [ -d "$src/tests/fuzz/crashers-$name" ]; then
		set -- "$@" "$src/tests/fuzz/crashers-$name"
	fi
	"$build/tests/fuzz/fuzz-$name" "$@"
done
