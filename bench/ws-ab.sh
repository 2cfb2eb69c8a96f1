#!/bin/sh
# SPDX-License-Identifier: MIT
# ws-ab.sh: two builds' WebSocket fan-out CPU per delta, measured
# alternately in the same session (A, B, A, B, ...), with medians.
#
# usage: bench/ws-ab.sh [--split] BUILD_A BUILD_B [ROUNDS] [SECONDS] [CLIENTS]
#
# Each round starts BUILD_A's daemon, runs one bench/ws-fanout run of
# CLIENTS (default 1000) clients at 10 ops/s for SECONDS (default 10) on a
# fresh x86_64-4l process sim space, stops it, then does the same with
# BUILD_B; ROUNDS (default 5) rounds.  Each build's ws-fanout is its own
# (make ptscope bench/ws-fanout in both).  Prints each run's RESULT line
# with the load average, then per build the median daemon CPU per
# delivered delta (ops phase), p99 latency and the missing deltas.
# --split (root): the runs are made as bench/ws-bench-split.sh makes them,
# in a network namespace whose loopback processes all receive work on
# CPU 1, the daemon on CPU 0 and the clients on CPU 1.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
if [ "${1:-}" = --one ]; then
	# (internal) one run of build $2: CLIENTS $3, SECONDS $4
	pts_need curl
	pts_start "$2" --max-ws-clients 4096
	space=$(pts_new_sim_space)
	${PTS_CLIENT_CPU:+taskset -c "$PTS_CLIENT_CPU"} \
	"$2/bench/ws-fanout" --http "$PTS_URL" --ws "$PTS_WS" --space "$space" \
		-n "$3" -r 10 -d "$4" --daemon-pid "$PTS_PID" >"$PTS_TMP/run" ||
		true
	grep '^RESULT ' "$PTS_TMP/run"
	exit 0
fi

split=
if [ "${1:-}" = --split ]; then
	split=1
	shift
fi
if [ $# -lt 2 ] || [ $# -gt 5 ]; then
	echo "usage: $0 [--split] BUILD_A BUILD_B [ROUNDS] [SECONDS] [CLIENTS]" >&2
	exit 2
fi
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
ROUNDS=${3:-5}
SECS=${4:-10}
CLIENTS=${5:-1000}
for b in "$A" "$B"; do
	for f in ptscope bench/ws-fanout; do
		if [ ! -x "$b/$f" ]; then
			echo "$0: $b/$f not built" >&2
			exit 2
		fi
	done
done
ulimit -n 8192 2>/dev/null || true
T=$(mktemp -d)
NS=
# (lib.sh's exit trap calls it)
bench_cleanup() {
	if [ -n "$NS" ]; then
		ip netns delete "$NS" 2>/dev/null || true
	fi
	rm -rf "$T"
}
RUN="sh $SRC/bench/ws-ab.sh --one"
if [ -n "$split" ]; then
	if [ "$(id -u)" -ne 0 ] || [ "$(nproc)" -lt 2 ]; then
		echo "$0: --split needs root and 2 CPUs" >&2
		exit 77
	fi
	NS=ptscope-ab-$$
	ip netns add "$NS"
	ip netns exec "$NS" sh -c 'ip link set lo up &&
		echo 2 > /sys/class/net/lo/queues/rx-0/rps_cpus'
	RUN="ip netns exec $NS env PTS_DAEMON_CPU=0 PTS_CLIENT_CPU=1 $RUN"
fi

echo "ws-ab: A=$A B=$B, $ROUNDS rounds of $CLIENTS clients at 10 ops/s" \
	"for ${SECS}s${split:+, receive work on CPU 1 (split)}"
r=1
while [ $r -le "$ROUNDS" ]; do
	for x in A B; do
		if [ $x = A ]; then b=$A; else b=$B; fi
		load=$(cut -d' ' -f1 /proc/loadavg)
		line=$($RUN "$b" "$CLIENTS" "$SECS" || true)
		echo "$x round $r load $load: $line"
		echo "$x $load $line" >>"$T/results"
	done
	r=$((r + 1))
done

awk "$PTS_AWK_VAL"'
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$3 == "RESULT" {
	x = $1
	n[x]++
	us[x, n[x]] = val("exact") ? val("ops_cpu_ms") * 1000 / val("exact") : 0
	p99[x, n[x]] = val("p99_ms")
	miss[x] += val("expected") - val("exact")
	load[x, n[x]] = $2
}
END {
	print ""
	print "| build | runs | daemon CPU µs/delta (median) | min | max | p99 ms (median) | missing (all runs) | load (median) |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|"
	for (k = 0; k < 2; k++) {
		x = k ? "B" : "A"
		if (!n[x])
			continue
		lo = hi = us[x, 1]
		for (i = 1; i <= n[x]; i++) {
			u[i] = us[x, i]; p[i] = p99[x, i]; l[i] = load[x, i]
			if (u[i] < lo) lo = u[i]
			if (u[i] > hi) hi = u[i]
		}
		printf "| %s | %d | %.2f | %.2f | %.2f | %.1f | %d | %.2f |\n", x,
		    n[x], median(u, n[x]), lo, hi, median(p, n[x]), miss[x],
		    median(l, n[x])
	}
}' "$T/results"
