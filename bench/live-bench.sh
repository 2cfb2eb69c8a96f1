#!/bin/sh
# SPDX-License-Identifier: MIT
# live-bench.sh: `ptscope dump --pid P --depth 2` against the floor (the
# cheapest PAGEMAP_SCAN that gives the same summary: category_mask PRESENT,
# return_mask PRESENT|HUGE), the one-pass scanner's call, a plain read of
# pagemap and pmap -X, on a target with 64 GiB reserved and 4 GiB touched
# in 64 chunks.  The commands run interleaved (one of each per round, RUNS
# rounds); the table gives medians and the peak RSS of the dumps.
#   usage: bench/live-bench.sh [BUILDDIR] [RUNS]
# (BUILDDIR holds ptscope and, after `make bench/live-bench-expand`, the
# in-process expansion timer.)
set -eu
B=${1:-.}
N=${2:-11}
SRC=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'kill $TPID 2>/dev/null || true; rm -rf "$T"' EXIT
cc -O2 -o "$T/target" "$SRC/live-bench-target.c"
cc -O2 -o "$T/floor" "$SRC/live-bench-floor.c"
cc -O2 -o "$T/run" "$SRC/live-bench-run.c"
"$T/target" > "$T/out" &
TPID=$!
while [ ! -s "$T/out" ]; do sleep 0.2; done
read -r P START LEN < "$T/out"
node=$(printf 'pte:0x%x' $((START + 32 * 1024 * 1024)))

# one round: every command once, in the same order
round() {
	"$T/floor" scan "$P" "$START" "$LEN" 1 >> "$T/floor.ms"
	"$T/floor" full "$P" "$START" "$LEN" 1 >> "$T/full.ms"
	"$T/floor" read "$P" "$START" "$LEN" 1 >> "$T/read.ms"
	"$T/run" "$B/ptscope" dump --pid "$P" --depth 2 >> "$T/dump.ms"
	PTSCOPE_ONE_PASS=1 "$T/run" "$B/ptscope" dump --pid "$P" --depth 2 \
	    >> "$T/onepass.ms"
	"$T/run" pmap -X "$P" >> "$T/pmap.ms"
	"$T/run" "$B/ptscope" dump --pid "$P" --node "$node" --depth 1 \
	    >> "$T/pte.ms"
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
i=0
while [ $i -lt "$N" ]; do round; i=$((i + 1)); done

med() {	# median of column 1 of a file
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
maxrss() {	# largest column 2 (KiB) of a file
	sort -n -k2 "$1" | tail -1 | awk '{ print $2 }'
}
floor=$(med "$T/floor.ms")
echo "target pid $P: 64 GiB reserved at $START, 4 GiB touched in 64 chunks"
echo "rounds: $N, interleaved; medians; load average before: $LOAD0"
printf '%-44s %9s %8s %9s\n' command "ms" "x floor" "peak RSS"
for row in "floor (PAGEMAP_SCAN PRESENT -> PRESENT|HUGE):floor:" \
    "one-pass scanner's PAGEMAP_SCAN call:full:" \
    "plain pread of the 64 GiB pagemap:read:" \
    "ptscope dump --depth 2 (two-pass):dump:rss" \
    "ptscope dump --depth 2 (PTSCOPE_ONE_PASS):onepass:rss" \
    "pmap -X:pmap:rss" \
    "ptscope dump one pte table (process):pte:rss"; do
	name=${row%%:*}
	rest=${row#*:}
	f=${rest%%:*}
	v=$(med "$T/$f.ms")
	rss=-
	[ "${rest#*:}" = rss ] && rss="$(maxrss "$T/$f.ms") KiB"
	printf '%-44s %9s %8s %9s\n' "$name" "$v" \
	    "$(echo "scale=2; $v / $floor" | bc)" "$rss"
done
echo "dump / pmap -X: $(echo "scale=3; $(med "$T/dump.ms") / $(med "$T/pmap.ms")" | bc)"
if [ -x "$B/bench/live-bench-expand" ]; then
	exp=$("$B/bench/live-bench-expand" "$P" \
	    "$(printf '0x%x' $((START + 32 * 1024 * 1024)))" 200)
	echo "in-daemon expansion of one pte table (no rescan): ${exp% *} ms"
	echo "in-daemon refresh (maps + PAGEMAP_SCAN + model): ${exp#* } ms"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
