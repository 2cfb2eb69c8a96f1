#!/bin/sh
# SPDX-License-Identifier: MIT
# ws-bench.sh: WebSocket fan-out latency of `ptscope serve`, side by side.
#
# usage: bench/ws-bench.sh BUILDDIR [SECONDS] [CLIENTS]
#
# Starts BUILDDIR/ptscope on ephemeral ports and runs BUILDDIR/bench/ws-fanout
# (build it with `make bench/ws-fanout`) three times in the same run, each on
# a fresh x86_64-4l sim space with the process scenario, every client
# subscribed to pgd:0x0 at depth 1:
#   1 client at 10 map ops/s, CLIENTS (default 200) at 10/s, CLIENTS at 50/s.
# Each run lasts SECONDS (default 30); before its ops, the CLIENTS-at-10/s
# run holds its subscribed clients idle for 10 s.  The daemon's CPU is read
# by ws-fanout (--daemon-pid) over the ops alone (per delivered delta) and
# over the idle phase.  Prints each run's report and a table of delivery
# latency percentiles with the ratios to the 1-client run.
# PTS_CLIENT_CPU=N runs ws-fanout on CPU N alone (with PTS_DAEMON_CPU,
# bench/lib.sh; bench/ws-bench-split.sh sets both).
# Exit status 1 if a run lost or coalesced a delta or a client failed.
set -eu

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 BUILDDIR [SECONDS] [CLIENTS]" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
SECS=${2:-30}
CLIENTS=${3:-200}
SRC=$(cd "$(dirname "$0")/.." && pwd)

. "$SRC/bench/lib.sh"
pts_need curl
for f in ptscope bench/ws-fanout; do
	if [ ! -x "$B/$f" ]; then
		echo "$0: $B/$f not built: make ptscope bench/ws-fanout in $B" >&2
		exit 2
	fi
done
pts_start "$B" --max-ws-clients 4096
URL=$PTS_URL
WS=$PTS_WS
TMP=$PTS_TMP

# One ws-fanout run on a new space: run CLIENTS RATE.
status=0
run() {
	space=$(pts_new_sim_space)
	if [ -z "$space" ]; then
		echo "$0: could not create a sim space" >&2
		exit 1
	fi
	cpu0=$(pts_daemon_cpu_ms)
	${PTS_CLIENT_CPU:+taskset -c "$PTS_CLIENT_CPU"} \
	"$B/bench/ws-fanout" --http "$URL" --ws "$WS" --space "$space" \
		-n "$1" -r "$2" -d "$SECS" --daemon-pid "$PTS_PID" \
		${3:+--idle "$3"} >"$TMP/run" || status=1
	cpu=$(($(pts_daemon_cpu_ms) - cpu0))
	grep -v '^RESULT ' "$TMP/run"
	echo "  daemon CPU during the run: $cpu ms"
	echo "$(grep '^RESULT ' "$TMP/run") daemon_cpu_ms=$cpu" >>"$TMP/results"
	pts_curl -X DELETE "${URL}api/v1/spaces/$space" >/dev/null || true
}

echo "ptscope WebSocket fan-out: ${SECS}s per run on loopback," \
	"$(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo |
	head -1)); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
run 1 10
run "$CLIENTS" 10 10
run "$CLIENTS" 50
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

awk "$PTS_AWK_VAL"'
NR == 1 { b50 = val("p50_ms"); b99 = val("p99_ms") }
{
	rows[NR] = sprintf("| %7d | %5d | %5d | %7.3f | %7.3f | %7.3f | %7.3f | %5.2f | %5.2f | %d/%d | %d | %d | %.2f | %s |",
	    val("clients"), val("rate"), val("ops"), val("p50_ms"),
	    val("p90_ms"), val("p99_ms"), val("max_ms"),
	    b50 ? val("p50_ms") / b50 : 0, b99 ? val("p99_ms") / b99 : 0,
	    val("exact"), val("expected"), val("coalesced") + val("lost"),
	    val("failed_clients"),
	    val("exact") ? val("ops_cpu_ms") * 1000 / val("exact") : 0,
	    val("idle_ms") ? sprintf("%.2f", 100 * val("idle_cpu_ms") / val("idle_ms")) : "-")
}
END {
	print ""
	print "| clients | ops/s | ops | p50 ms | p90 ms | p99 ms | max ms | p50 vs 1 | p99 vs 1 | exact deltas | missing | failed clients | daemon CPU µs/delta (ops phase) | idle: % of a CPU |"
	print "|--------:|------:|----:|-------:|-------:|-------:|-------:|------:|------:|------:|----:|----:|----:|----:|"
	for (i = 1; i <= NR; i++)
		print rows[i]
}' "$TMP/results"
exit $status
