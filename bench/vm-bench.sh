#!/bin/sh
# SPDX-License-Identifier: MIT
# vm-bench.sh: how long ptscope takes to show a QEMU guest's page tables,
# beside gdb-pt-dump (github.com/martinradev/gdb-pt-dump, run by hand
# from a checkout: its code is not part of ptscope).
#
# usage: bench/vm-bench.sh BUILDDIR [ROUNDS [ARCH]]
#
# Boots Debian's ARCH kernel (x86_64, the default, or arm64) with a busybox
# initramfs under TCG (tests/lib/guest.py, downloads cached in
# BUILDDIR/vm-cache or $PTS_VM_CACHE), starts BUILDDIR/ptscope serve on
# ephemeral ports, then ROUNDS times (default 5), interleaved, against the
# same running guest:
#   gdb-pt-dump  gdb -batch: start, connect, `pt` (the whole dump, user and
#                kernel), detach; only when GDB_PT_DUMP names a checkout
#                (gdb for x86_64, gdb-multiarch for arm64; $GDB_BIN overrides)
#   attach       POST /api/v1/spaces {"kind":"vm",...}: connect, registers,
#                the root tables (the daemon reads lazily)
#   walk         GET .../walk of a kernel address (the tables on its path)
#   tree2-cold   GET .../tree?node=pgd:KERNEL&depth=2, the first: the
#                kernel's root to depth 2, reading the kernel half's tables
#   ranges       GET .../ranges (reads the rest: every table)
#   ranges-ptdump  GET .../ranges?format=ptdump (the same as text)
#   tree2        GET .../tree?node=pgd:KERNEL&depth=2 again (a refresh:
#                registers and every held table read again, then the answer)
#   detach       DELETE the space (gdb-pt-dump needs the gdbstub next)
# and prints each one's median and its spread (min..max) in milliseconds,
# with the range count and bytes of the answer.  Times are wall-clock from
# curl (-w %{time_total}) and date +%s%N.  The daemon runs with its
# default --min-interval (100 ms): requests closer than that share a
# refresh, as a viewer's do.
# Exit status 77 when qemu-system-ARCH, curl or python3 is missing.
set -eu

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 BUILDDIR [ROUNDS [x86_64|arm64]]" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
ROUNDS=${2:-5}
ARCH=${3:-x86_64}
SRC=$(cd "$(dirname "$0")/.." && pwd)
case $ARCH in
x86_64) QEMU=qemu-system-x86_64 KERNEL=0xffff800000000000
	GDBBIN=${GDB_BIN:-gdb} ;;
arm64) QEMU=qemu-system-aarch64 KERNEL=0xffff000000000000
	GDBBIN=${GDB_BIN:-gdb-multiarch} ;;
*) echo "$0: ARCH is x86_64 or arm64" >&2; exit 2 ;;
esac

. "$SRC/bench/lib.sh"
pts_need "$QEMU" curl python3
if [ -n "${GDB_PT_DUMP:-}" ]; then
	pts_need "$GDBBIN"
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
	python3 - "$TMP/guest" "$ARCH" <<'EOF' >"$TMP/guest.log" 2>&1 &
import signal, sys, time
import guest
g = guest.Guest(sys.argv[2], boot_timeout=600)
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
	if [ $i -gt 6000 ] || ! kill -0 "$GUEST" 2>/dev/null; then
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
TREE="tree?node=pgd:$KERNEL&depth=2"

ms() {	# curl's time_total of a request, in ms
	pts_curl -o "$TMP/body" -w '%{time_total}\n' "$@" |
		awk '{ printf "%.1f\n", $1 * 1000 }'
}

# the address walked: the middle kernel range's start (a kernel leaf)
ID=$(pts_curl -X POST -H 'Content-Type: application/json' -d "$BODY" "$API" |
	sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
WALK=$(pts_curl "$API/$ID/ranges" | grep -o '"start":"0xffff[0-9a-f]*"' |
	sed 's/.*"\(0x[0-9a-f]*\)"/\1/' |
	awk '{ a[NR] = $0 } END { print a[int(NR / 2) + 1] }')
pts_curl -o /dev/null -X DELETE "$API/$ID"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	if [ -n "${GDB_PT_DUMP:-}" ]; then
		t0=$(date +%s%N)
		"$GDBBIN" -nx -q -batch -ex "source $GDB_PT_DUMP/pt.py" \
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
	echo "attach-tables $(grep -o '"tables":[0-9]*' "$TMP/body")" \
		>>"$TMP/sizes"
	echo "walk $(ms "$API/$ID/walk?va=$WALK")" >>"$TMP/times"
	echo "tree2-cold $(ms "$API/$ID/$TREE")" >>"$TMP/times"
	echo "ranges $(ms "$API/$ID/ranges")" >>"$TMP/times"
	echo "ranges-count $(grep -o '"start"' "$TMP/body" | wc -l)" \
		>>"$TMP/sizes"
	echo "ranges-bytes $(wc -c <"$TMP/body")" >>"$TMP/sizes"
	echo "ranges-ptdump $(ms "$API/$ID/ranges?format=ptdump")" \
		>>"$TMP/times"
	sleep 0.2	# past --min-interval: this request refreshes
	echo "tree2 $(ms "$API/$ID/$TREE")" >>"$TMP/times"
	echo "tree2-again $(ms "$API/$ID/$TREE")" >>"$TMP/times"
	pts_curl -o "$TMP/space" "$API/$ID"
	echo "tables $(grep -o '"tables":[0-9]*' "$TMP/space")" >>"$TMP/sizes"
	echo "detach $(ms -X DELETE "$API/$ID")" >>"$TMP/times"
done

echo "vm-bench: $ROUNDS rounds, $ARCH guest (512 MiB, TCG), $(date -u +%FT%TZ), load $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "  walked $WALK"
for k in gdb-pt-dump attach walk tree2-cold ranges ranges-ptdump tree2 \
    tree2-again detach; do
	grep "^$k " "$TMP/times" | cut -d' ' -f2 | sort -n | awk -v k="$k" '
		{ v[NR] = $1 }
		END { if (NR) printf "%-14s median %8.1f ms  (%.1f..%.1f)\n", k,
			v[int((NR + 1) / 2)], v[1], v[NR] }'
done
sort -u "$TMP/sizes" | awk '{ print "  " $1 ": " $2 }'
