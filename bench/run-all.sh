#!/bin/sh
# SPDX-License-Identifier: MIT
# run-all.sh: every benchmark of docs/performance.md in one run, one after
# the other, with the load average before and after each.
#
# usage: bench/run-all.sh BUILDDIR [SECONDS]
#
# BUILDDIR must hold ptscope and `make bench/ws-fanout bench/sim-bench
# bench/live-bench-expand tests/ws-client`.  SECONDS (default 10) is each HTTP path's and
# each WebSocket run's length.  Needs wrk and nginx-light for the HTTP
# baseline and pmap (procps); raises the open-file limit for 1,000 clients.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILDDIR [SECONDS]" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
SECS=${2:-10}
SRC=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ulimit -n 8192

step() {
	echo
	echo "=== $1 (load average before: $(cut -d' ' -f1-3 /proc/loadavg)," \
		"$(date -u +%H:%M:%S) UTC)"
}

echo "ptscope benchmarks: $(nproc) CPUs ($(sed -n \
	's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r)"
step "live: dump against the floor and pmap -X"
"$SRC/live-bench.sh" "$B" 11 || echo "live-bench: exit $?"
step "memory of one big answer"
"$SRC/stream-bench.sh" "$B" 2048 || echo "stream-bench: exit $?"
step "memory of one big WebSocket delta"
"$SRC/ws-delta-bench.py" "$B" 1024 || echo "ws-delta-bench: exit $?"
step "simulator host memory"
"$B/bench/sim-bench" || echo "sim-bench: exit $?"
step "HTTP against nginx"
"$SRC/http-bench.sh" "$B" "$SECS" || echo "http-bench: exit $?"
step "WebSocket fan-out, 1,000 clients"
"$SRC/ws-bench.sh" "$B" "$SECS" 1000 || echo "ws-bench: exit $?"
step "the floor of fan-out: one loopback send() per client and delta"
cc -O2 -o "$T/send-floor" "$SRC/send-floor.c" -lpthread
"$T/send-floor" 1000 10 "$SECS" 400
step "fan-out and its floor with the receivers' TCP work on the other CPU"
"$SRC/ws-bench-split.sh" "$B" "$SECS" 1000 || echo "ws-bench-split: exit $?"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
