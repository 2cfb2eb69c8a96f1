#!/bin/sh
# SPDX-License-Identifier: MIT
# vm-bench.sh: how long ptscope takes to show a QEMU guest's page tables,
# beside gdb-pt-dump (github.com/martinradev/gdb-pt-dump, run by hand
# from a checkout: its code is not part of ptscope).
#
# usage: bench/vm-bench.sh BUILDDIR [ROUNDS]
#
# Boots Debian's amd64 kernel with a busybox initramfs under TCG
# (tests/lib/guest.py, downloads cached in BUILDDIR/vm-cache or
# $PTS_VM_CACHE), starts BUILDDIR/ptscope serve on ephemeral ports, then
# ROUNDS times (default 5), interleaved, against the same running guest:
#   gdb-pt-dump  gdb -batch: start, connect, `pt` (the whole dump, user and
#                kernel), detach; only when GDB_PT_DUMP names a checkout
#   attach       POST /api/v1/spaces {"kind":"vm",...}: connect, registers,
#                root tables, and the history's first capture (every table)
#   ranges       GET .../ranges of the attached space (a refresh: registers
#                and every held table read again, then the answer)
#   tree2        GET .../tree?depth=2 (the kernel's root to depth 2)
#   walk         GET .../walk of a kernel address
#   detach       DELETE the space (gdb-pt-dump needs the gdbstub next)
# and prints each one's median and its spread (min..max) in milliseconds,
# with the range count and bytes of the answer.  Times are wall-clock from
# curl (-w %{time_total}) and date +%s%N.
# Exit status 77 when qemu-system-x86_64, curl or python3 is missing.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILDDIR [ROUNDS]" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
ROUNDS=${2:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)

. "$SRC/bench/lib.sh"
pts_need qemu-system-x86_64 curl python3
if [ -n "${GDB_PT_DUMP:-}" ]; then
	pts_need gdb
fi
TMP=$PTS_TMP
GUEST=
bench_cleanup() {
	if [ -n "$GUEST" ]; then
		kill "$GUEST" 2>/dev/null || true
		wait "$GUEST" 2>/dev/null || true
	fi
}

# The guest: a python process that boots it, writes its addresses and
# keeps it until killed.
PTS_VM_CACHE=${PTS_VM_CACHE:-$B/vm-cache} PYTHONPATH="$SRC/tests/lib" \
	python3 - "$TMP/guest" <<'EOF' >"$TMP/guest.log" 2>&1 &
import signal, sys, time
import guest
g = guest.Guest('x86_64')
signal.signal(signal.SIGTERM, lambda *a: (g.stop(), sys.exit(0)))
g.start()
with open(sys.argv[1] + '.tmp', 'w') as f:
    f.write('%s %s\n' % (g.gdb_addr, g.qmp_spare))
import os
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
while True:
    time.sleep(1)
EOF
GUEST=$!
i=0
while [ ! -s "$TMP/guest" ]; do
	i=$((i + 1))
	if [ $i -gt 3000 ] || ! kill -0 "$GUEST" 2>/dev/null; then
		echo "$0: the guest did not boot:" >&2
		cat "$TMP/guest.log" >&2
		exit 1
	fi
	sleep 0.1
done
read -r GDB QMP <"$TMP/guest"

pts_start "$B"
API=${PTS_URL}api/v1/spaces
BODY="{\"kind\":\"vm\",\"gdb\":\"$GDB\",\"qmp\":\"$QMP\"}"

ms() {	# curl's time_total of a request, in ms
	pts_curl -o "$TMP/body" -w '%{time_total}\n' "$@" |
		awk '{ printf "%.1f\n", $1 * 1000 }'
}

r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	if [ -n "${GDB_PT_DUMP:-}" ]; then
		t0=$(date +%s%N)
		gdb -nx -q -batch -ex "source $GDB_PT_DUMP/pt.py" \
			-ex "target remote $GDB" -ex pt -ex detach \
			>"$TMP/gpd.out" 2>&1
		t1=$(date +%s%N)
		echo "gdb-pt-dump $(( (t1 - t0) / 100000 ))" |
			awk '{ printf "%s %.1f\n", $1, $2 / 10 }' >>"$TMP/times"
		echo "gdb-pt-dump-ranges $(grep -c ' : ' "$TMP/gpd.out")" \
			>>"$TMP/sizes"
	fi
	echo "attach $(ms -X POST -H 'Content-Type: application/json' \
		-d "$BODY" "$API")" >>"$TMP/times"
	ID=$(sed -n 's/^{"id":"\([^"]*\)".*/\1/p' "$TMP/body")
	echo "ranges $(ms "$API/$ID/ranges")" >>"$TMP/times"
	echo "ranges-count $(grep -o '"start"' "$TMP/body" | wc -l)" \
		>>"$TMP/sizes"
	echo "ranges-bytes $(wc -c <"$TMP/body")" >>"$TMP/sizes"
	echo "tree2 $(ms "$API/$ID/tree?depth=2")" >>"$TMP/times"
	echo "walk $(ms "$API/$ID/walk?va=0xffffffff81000000")" >>"$TMP/times"
	echo "detach $(ms -X DELETE "$API/$ID")" >>"$TMP/times"
done

echo "vm-bench: $ROUNDS rounds, x86_64 guest (512 MiB, TCG), load $(cut -d' ' -f1-3 /proc/loadavg)"
for k in gdb-pt-dump attach ranges tree2 walk detach; do
	grep "^$k " "$TMP/times" | cut -d' ' -f2 | sort -n | awk -v k="$k" '
		{ v[NR] = $1 }
		END { if (NR) printf "%-12s median %8.1f ms  (%.1f..%.1f)\n", k,
			v[int((NR + 1) / 2)], v[1], v[NR] }'
done
sort -u "$TMP/sizes" | awk '{ print "  " $1 ": " $2 }'
