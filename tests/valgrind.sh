#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/valgrind.sh [BUILDDIR] [TEST...]: run integration tests with the
# daemon under valgrind memcheck (via PTSCOPE_WRAPPER, which
# tests/lib/ptstest.py honours).  Any memory error, or any definitely or
# indirectly lost block at shutdown, makes valgrind exit 1, so the test
# that stopped that daemon fails.  Prints one summary line per daemon run
# from valgrind's logs (kept in $VG_LOGDIR, default a temp directory).
# t-401 test_processes fails under valgrind for a non-memory reason (the
# daemon's comm is valgrind's); the summary line is what counts.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-.}
build=$(cd "$build" && pwd)
[ $# -gt 0 ] && shift
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind.sh: valgrind not installed" >&2
	exit 77
fi
if [ $# -eq 0 ]; then
	set -- t-001-serve t-101-sim t-200-live t-300-ptdump t-301-zones \
	    t-400-ws t-401-api t-800-auth t-801-physical t-802-limits \
	    t-803-wsframes t-804-attach
fi
logs=${VG_LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/ptscope-vg.XXXXXX")}
mkdir -p "$logs"
PTSCOPE_WRAPPER="valgrind --leak-check=full \
--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
--error-exitcode=1 --log-file=$logs/vg.%p.log"
export PTSCOPE_WRAPPER
PTSCOPE=$build/ptscope PTS_SRCDIR=$src PTS_BUILDDIR=$build
PYTHONPATH=$src/tests/lib PYTHONDONTWRITEBYTECODE=1
export PTSCOPE PTS_SRCDIR PTS_BUILDDIR PYTHONPATH PYTHONDONTWRITEBYTECODE
status=0
for t in "$@"; do
	t=${t%.py}
	printf '== %s: ' "$t"
	if python3 "$src/tests/$t.py" >"$logs/$t.out" 2>&1; then
		echo ok
	else
		rc=$?
		if [ $rc -eq 77 ]; then echo skipped; else
			echo "FAILED (see $logs/$t.out)"
			status=1
		fi
	fi
done
runs=$(ls "$logs"/vg.*.log 2>/dev/null | wc -l)
bad=$(grep -l 'ERROR SUMMARY: [1-9]\|definitely lost: [1-9]\|indirectly lost: [1-9]\|Invalid \(read\|write\)\|uninitialised' "$logs"/vg.*.log 2>/dev/null | wc -l)
echo "valgrind: $runs daemon runs, $bad with errors or leaks (logs in $logs)"
[ "$bad" -eq 0 ] || status=1
exit $status
