#!/bin/sh
# SPDX-License-Identifier: MIT
# http-bench.sh: HTTP requests per second of `ptscope serve` on loopback.
#
# usage: bench/http-bench.sh BUILDDIR [SECONDS]
#
# Starts BUILDDIR/ptscope on ephemeral ports, creates a sim space
# (x86_64-4l, process scenario) and runs wrk against, in this order and in
# the same run: the static file /index.html (the baseline), /api/v1/info and
# /api/v1/spaces/ID/tree?depth=2.  Prints requests/s, latency p50/p99 and
# the ratios to the baseline, then stops the daemon.
# Environment: WRK_THREADS (default 2), WRK_CONNS (default 32).
# Exit status 77 when wrk or curl is missing (nothing is installed here).
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILDDIR [SECONDS]" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
SECS=${2:-10}
THREADS=${WRK_THREADS:-2}
CONNS=${WRK_CONNS:-32}
SRC=$(cd "$(dirname "$0")/.." && pwd)

for tool in wrk curl; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "$0: $tool not found: apt-get install $tool" >&2
		exit 77
	fi
done
if [ ! -x "$B/ptscope" ]; then
	echo "$0: $B/ptscope not built: make ptscope in $B" >&2
	exit 2
fi

TMP=$(mktemp -d)
PID=
# Stop the daemon, show what it complained about, remove the scratch dir.
cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		rc=0
		wait "$PID" 2>/dev/null || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "$0: the daemon exited with status $rc" >&2
		fi
		grep -v '^ptscope: info: ' "$TMP/err" >&2 || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$B/ptscope" serve --listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 \
	--web-root "$SRC/web" >"$TMP/out" 2>"$TMP/err" &
PID=$!
i=0
while ! grep -qs '^ws: ' "$TMP/out"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$PID" 2>/dev/null; then
		echo "$0: the daemon did not start:" >&2
		cat "$TMP/err" >&2
		exit 1
	fi
	sleep 0.1
done
URL=$(sed -n 's/^http: //p' "$TMP/out")

SPACE=$(curl -sf -X POST -H 'Content-Type: application/json' \
	-d '{"kind":"sim","arch":"x86_64-4l","scenario":"process"}' \
	"${URL}api/v1/spaces" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
if [ -z "$SPACE" ]; then
	echo "$0: could not create the sim space" >&2
	exit 1
fi

# wrk's done() hook prints one machine-readable line per run.
cat >"$TMP/report.lua" <<'EOF'
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"WRK requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d " ..
		"bytes=%d sock_errors=%d non2xx=%d\n",
		summary.requests, summary.duration / 1e6,
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50), latency:percentile(99),
		summary.bytes,
		e.connect + e.read + e.write + e.timeout, e.status))
end
EOF

# Run wrk on one path; append "name rps p50_us p99_us bytes/req errors".
run() {
	name=$1
	path=$2
	wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" -s "$TMP/report.lua" \
		"${URL}${path#/}" >"$TMP/wrk-$name" 2>&1
	line=$(grep '^WRK ' "$TMP/wrk-$name") || {
		cat "$TMP/wrk-$name" >&2
		exit 1
	}
	echo "$name $path $line" >>"$TMP/results"
}

echo "ptscope HTTP benchmark: wrk -t$THREADS -c$CONNS -d${SECS}s on" \
	"loopback, $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' \
	/proc/cpuinfo | head -1)), space $SPACE," \
	"load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
run static /index.html
run info /api/v1/info
run tree "/api/v1/spaces/$SPACE/tree?depth=2"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

awk '
function val(k,   i, kv) {
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == k)
			return kv[2]
	}
	return 0
}
NR == 1 { base_rps = val("rps"); base_p50 = val("p50_us"); base_p99 = val("p99_us") }
{
	rows[NR] = sprintf("| %-6s | %-36s | %9.0f | %7.3f | %7.3f | %7d | %6d | %5.2f | %5.2f |",
	    $1, $2, val("rps"), val("p50_us") / 1000, val("p99_us") / 1000,
	    val("requests") ? val("bytes") / val("requests") : 0,
	    val("sock_errors") + val("non2xx"),
	    val("rps") / base_rps,
	    base_p99 ? val("p99_us") / base_p99 : 0)
}
END {
	print "| name   | path                                 |     req/s | p50 ms  | p99 ms  | B/resp  | errors | req/s vs static | p99 vs static |"
	print "|--------|--------------------------------------|----------:|--------:|--------:|--------:|-------:|------:|------:|"
	for (i = 1; i <= NR; i++)
		print rows[i]
}' "$TMP/results"
bad=$(awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^(sock_errors|non2xx)=[1-9]/) n++ } END { print n + 0 }' "$TMP/results")
if [ "$bad" -ne 0 ]; then
	echo "$0: some requests failed (see the errors column)" >&2
	exit 1
fi
