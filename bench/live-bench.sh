#!/bin/sh
# SPDX-License-Identifier: MIT
# live-bench.sh: time `ptscope dump --pid P --depth 2` against pmap -X, a
# plain full read of pagemap and a PAGEMAP_SCAN-only loop (the floor), on a
# target with 64 GiB reserved and 4 GiB touched in 64 chunks.
#   usage: bench/live-bench.sh [BUILDDIR] [RUNS]
# (BUILDDIR holds ptscope and, after `make bench/live-bench-expand`, the
# in-process expansion timer.)
set -eu
B=${1:-.}
N=${2:-10}
SRC=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'kill $TPID 2>/dev/null || true; rm -rf "$T"' EXIT
cc -O2 -o "$T/target" "$SRC/live-bench-target.c"
cc -O2 -o "$T/floor" "$SRC/live-bench-floor.c"
"$T/target" > "$T/out" &
TPID=$!
while [ ! -s "$T/out" ]; do sleep 0.2; done
read -r P START LEN < "$T/out"
ms() {	# mean ms of N runs of a command
	s=$(date +%s%N)
	i=0
	while [ $i -lt "$N" ]; do "$@" > /dev/null; i=$((i + 1)); done
	e=$(date +%s%N)
	echo "scale=3; ($e - $s) / 1000000 / $N" | bc
}
floor=$("$T/floor" scan "$P" "$START" "$LEN" "$N")
readall=$("$T/floor" read "$P" "$START" "$LEN" "$N")
dump=$(ms "$B/ptscope" dump --pid "$P" --depth 2)
pmapx=$(ms pmap -X "$P")
node=$(printf 'pte:0x%x' $((START + 32 * 1024 * 1024)))
pte=$(ms "$B/ptscope" dump --pid "$P" --node "$node" --depth 1)
exp="n/a n/a"
[ -x "$B/bench/live-bench-expand" ] &&
    exp=$("$B/bench/live-bench-expand" "$P" "$(printf '0x%x' $((START + 32 * 1024 * 1024)))" 200)
echo "target pid $P: 64 GiB reserved at $START, 4 GiB touched in 64 chunks"
echo "runs per command: $N (mean ms each)"
printf '%-40s %10s %8s\n' command ms "x floor"
for row in "PAGEMAP_SCAN loop (floor):$floor" \
    "plain pread of the 64 GiB pagemap:$readall" \
    "ptscope dump --depth 2:$dump" "pmap -X:$pmapx" \
    "ptscope dump one pte table (process):$pte"; do
	name=${row%:*}
	v=${row##*:}
	printf '%-40s %10s %8s\n' "$name" "$v" \
	    "$(echo "scale=2; $v / $floor" | bc)"
done
echo "in-daemon expansion of one pte table (no rescan): ${exp% *} ms"
echo "in-daemon refresh (maps + PAGEMAP_SCAN + model): ${exp#* } ms"
