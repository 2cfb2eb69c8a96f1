#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/run.sh [SECONDS] [WORKDIR]: build each libFuzzer harness
# (tests/fuzz-*.c) with clang, replay its kept corpus and crashers (any
# failure there is a regression), then fuzz it for SECONDS (default 60).
# New crashers are written to tests/fuzz/crashers-NAME/ so they can be
# committed and replayed by `make check` from then on.  Exit status is
# non-zero when any harness crashed.  `make fuzz` runs this.
set -eu

secs=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${2:-${TMPDIR:-/tmp}/ptscope-fuzz}
cc=${CC_FUZZ:-clang}
mkdir -p "$work"

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run.sh: $cc not found: cannot build libFuzzer harnesses" >&2
	exit 77
fi
if [ -n "${PTS_BUILDDIR:-}" ] && [ -f "$PTS_BUILDDIR/config.h" ]; then
	cp "$PTS_BUILDDIR/config.h" "$work/config.h"
else
	printf '#define PACKAGE_VERSION "fuzz"\n' >"$work/config.h"
fi

flags="-g -O1 -fsanitize=fuzzer,address,undefined"
flags="$flags -fno-sanitize-recover=undefined -I$work -I$src/lib -I$src/model"
flags="$flags -I$src/backends/ptdump"
# everything below lib/ and model/ (model knows only lib): new model files
# are picked up without a list to keep in step
common=""
for f in "$src"/lib/*.c "$src"/model/*.c; do
	common="$common ${f#"$src"/}"
done
status=0
for name in ptdump zones; do
	case $name in
	ptdump)	files="$common"
		for f in attrs debugfs parse render space; do
			files="$files backends/ptdump/ptdump-$f.c"
		done ;;
	zones)	files="$common backends/ptdump/zones-proc.c" ;;
	esac
	srcs=""
	for f in $files; do srcs="$srcs $src/$f"; done
	echo "== fuzz-$name: build"
	# shellcheck disable=SC2086
	"$cc" $flags -o "$work/fuzz-$name" "$src/tests/fuzz-$name.c" $srcs
	corpus=$src/tests/fuzz/corpus-$name
	crashers=$src/tests/fuzz/crashers-$name
	mkdir -p "$work/corpus-$name" "$crashers"
	echo "== fuzz-$name: replay kept inputs"
	if ! "$work/fuzz-$name" -runs=0 "$corpus" "$crashers"; then
		status=1
		continue
	fi
	echo "== fuzz-$name: fuzz for ${secs}s"
	if ! "$work/fuzz-$name" -max_total_time="$secs" -max_len=65536 \
	    -artifact_prefix="$crashers/" -print_final_stats=1 \
	    "$work/corpus-$name" "$corpus"; then
		echo "fuzz-$name: crashed; the input is in $crashers/" >&2
		status=1
	fi
done
# The hard area's harnesses (maps, request, simops, wsmsg) need the server
# code and its libraries: tests/fuzz/run-hard.sh builds and runs them.
rc=0
sh "$(dirname "$0")/run-hard.sh" "$secs" "$work/hard" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || status=1
exit $status
