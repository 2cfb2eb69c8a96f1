#!/bin/sh
# SPDX-License-Identifier: MIT
# http-bench.sh: HTTP requests per second of `ptscope serve` on loopback.
#
# usage: bench/http-bench.sh BUILDDIR [SECONDS]
#
# Starts BUILDDIR/ptscope on ephemeral ports, creates a sim space
# (x86_64-4l, process scenario) and runs wrk against, in this order and in
# the same run: nginx serving the space's depth-2 tree answer (the same
# bytes) as a static file (the baseline; skipped when nginx is not
# installed: apt-get install nginx-light), ptscope's static file
# /index.html, /api/v1/info and /api/v1/spaces/ID/tree?depth=2 (an
# unchanged space: served from the rendered copy).  Prints requests/s,
# latency p50/p99 and the ratios to the first row, then stops the daemons.
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

. "$SRC/bench/lib.sh"
pts_need wrk curl
TMP=$PTS_TMP
NGINX=
bench_cleanup() {
	if [ -n "$NGINX" ]; then
		kill "$NGINX" 2>/dev/null || true
		wait "$NGINX" 2>/dev/null || true
	fi
}
pts_start "$B"
URL=$PTS_URL
SPACE=$(pts_new_sim_space)
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

# nginx serving the same bytes as the tree answer, as a static file.
NGINX_URL=
if command -v nginx >/dev/null 2>&1; then
	mkdir -p "$TMP/www" "$TMP/nginx"
	pts_curl "${URL}api/v1/spaces/$SPACE/tree?depth=2" >"$TMP/www/tree.json"
	# (nginx's workers run as another user)
	chmod 755 "$TMP" "$TMP/www"
	chmod 644 "$TMP/www/tree.json"
	NPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$TMP/nginx/nginx.conf" <<NGINXCONF
worker_processes $(nproc);
error_log $TMP/nginx/error.log;
pid $TMP/nginx/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	types { application/json json; }
	server {
		listen 127.0.0.1:$NPORT;
		root $TMP/www;
	}
}
NGINXCONF
	nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' \
	    2>>"$TMP/nginx/error.log" &
	NGINX=$!
	i=0
	while ! curl -sf -o /dev/null "http://127.0.0.1:$NPORT/tree.json"; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "$0: nginx did not start" >&2
			cat "$TMP/nginx/error.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	NGINX_URL="http://127.0.0.1:$NPORT/"
fi

echo "ptscope HTTP benchmark: wrk -t$THREADS -c$CONNS -d${SECS}s on" \
	"loopback, $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' \
	/proc/cpuinfo | head -1)), space $SPACE," \
	"load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$NGINX_URL" ]; then
	PURL=$URL
	URL=$NGINX_URL
	run nginx /tree.json
	URL=$PURL
else
	echo "(nginx not installed: apt-get install nginx-light; the static" \
	    "file of ptscope is the baseline)"
fi
run static /index.html
run info /api/v1/info
run tree "/api/v1/spaces/$SPACE/tree?depth=2"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

awk "$PTS_AWK_VAL"'
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
	print "| name   | path                                 |     req/s | p50 ms  | p99 ms  | B/resp  | errors | req/s vs row 1 | p99 vs row 1 |"
	print "|--------|--------------------------------------|----------:|--------:|--------:|--------:|-------:|------:|------:|"
	for (i = 1; i <= NR; i++)
		print rows[i]
}' "$TMP/results"
bad=$(awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^(sock_errors|non2xx)=[1-9]/) n++ } END { print n + 0 }' "$TMP/results")
if [ "$bad" -ne 0 ]; then
	echo "$0: some requests failed (see the errors column)" >&2
	exit 1
fi
