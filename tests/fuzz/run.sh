#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/run.sh [SECONDS] [WORKDIR]: build every libFuzzer harness
# (tests/fuzz/fuzz-NAME.c; FUZZ_NAMES="ptdump zones ..." picks some) with
# clang -fsanitize=fuzzer,address,undefined against the whole library,
# replay each one's kept corpus and crashers (any failure there is a
# regression), then fuzz each for SECONDS (default 60).  New crashers are
# written to tests/fuzz/crashers-NAME/ so they can be committed and
# replayed by `make check` (tests/fuzz/replay.sh, the same harnesses linked
# with tests/fuzz/replay.c) from then on.  Exit status is non-zero when any
# harness crashed; 77 when clang is missing.  `make fuzz` runs this.
set -eu

secs=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${2:-${TMPDIR:-/tmp}/ptscope-fuzz}
cc=${CC_FUZZ:-clang}
if [ -z "${FUZZ_NAMES:-}" ]; then
	FUZZ_NAMES=
	for f in "$src"/tests/fuzz/fuzz-*.c; do
		f=${f##*/fuzz-}
		FUZZ_NAMES="$FUZZ_NAMES ${f%.c}"
	done
fi
mkdir -p "$work/obj"

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run.sh: $cc not found: cannot build libFuzzer harnesses" >&2
	exit 77
fi
if [ -n "${PTS_BUILDDIR:-}" ] && [ -f "$PTS_BUILDDIR/config.h" ]; then
	cp "$PTS_BUILDDIR/config.h" "$work/config.h"
else
	# no configured build (CI calls this from the source tree): what the
	# sources use from config.h
	printf '#define PACKAGE_NAME "ptscope"\n#define PACKAGE_VERSION "fuzz"\n' \
	    >"$work/config.h"
fi

pc="libmicrohttpd libcjson libwebsockets sqlite3"
cflags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined"
cflags="$cflags -fno-sanitize-recover=undefined -I$work"
for d in lib model "$src"/backends/* server; do
	d=${d#"$src"/}
	cflags="$cflags -I$src/$d"
done
cflags="$cflags -DPTS_WEB_ROOT=\"/nonexistent\""
cflags="$cflags -DSYSCONFDIR=\"/nonexistent\" -DPTS_BINDIR=\"/nonexistent\""
cflags="$cflags -DPTS_PKGLIBDIR=\"/nonexistent\" $(pkg-config --cflags $pc)"
# (-lev: server/ws.c runs lws on a libev loop; libev has no .pc)
libs="$(pkg-config --libs $pc) -lev -lpthread -lm"

# The library once (everything but server/main.c), instrumented; every
# file below lib/, model/, backends/ and server/ is picked up without a
# list to keep in step.
echo "== fuzz: build the library"
objs=""
for f in "$src"/lib/*.c "$src"/model/*.c "$src"/backends/*/*.c \
    "$src"/server/*.c; do
	case $f in */server/main.c) continue ;; esac
	o=$work/obj/$(basename "$(dirname "$f")")-$(basename "$f" .c).o
	# shellcheck disable=SC2086
	"$cc" $cflags -c -o "$o" "$f"
	objs="$objs $o"
done

status=0
for name in $FUZZ_NAMES; do
	echo "== fuzz-$name: build"
	# shellcheck disable=SC2086
	"$cc" $cflags -fsanitize=fuzzer -o "$work/fuzz-$name" \
	    "$src/tests/fuzz/fuzz-$name.c" $objs $libs
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
	    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashers/" \
	    -print_final_stats=1 "$work/corpus-$name" "$corpus"; then
		echo "fuzz-$name: crashed; the input is in $crashers/" >&2
		status=1
	fi
done
exit $status
