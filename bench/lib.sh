# SPDX-License-Identifier: MIT
# bench/lib.sh: the daemon start-up and teardown every bench script shares.
# Source it (`. "$SRC/bench/lib.sh"`), then:
#   pts_need TOOL...          exit 77 (nothing installed here) if one is missing
#   pts_start BUILDDIR [ARG...]
#                             start BUILDDIR/ptscope serve on ephemeral HTTP
#                             and WebSocket ports (extra serve ARGs appended),
#                             wait until it printed both URLs; sets PTS_PID,
#                             PTS_URL (http://127.0.0.1:PORT/), PTS_WS,
#                             PTS_HOST (127.0.0.1:PORT) and PTS_TMP (a scratch
#                             directory removed at exit)
#   pts_curl ARG...           curl -sf with the daemon's own Host header (the
#                             guard answers 421 to any other Host)
#   pts_new_sim_space         POST a x86_64-4l process sim space, print its id
#   pts_daemon_cpu_ms         CPU time the daemon has used, in milliseconds
#   PTS_AWK_VAL               awk text: val(k), the value of the field k=V
#                             of the current line (0 if none), for the
#                             result tables: awk "$PTS_AWK_VAL"'...'
# PTS_DAEMON_CPU=N in the environment runs the daemon on CPU N alone
# (taskset; bench/ws-bench-split.sh).
# A script that starts more processes defines bench_cleanup() before
# pts_start; it runs first at exit.  The exit trap stops the daemon, reports
# a non-zero exit status and anything it logged beyond info lines.
set -eu

PTS_PID=
PTS_TMP=$(mktemp -d)
PTS_AWK_VAL='
function val(k,   i, kv) {
	for (i = 1; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == k && kv[2] != "")
			return kv[2]
	}
	return 0
}'

pts_need() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "$0: $tool not found: apt-get install $tool" >&2
			exit 77
		fi
	done
}

pts_cleanup() {
	if command -v bench_cleanup >/dev/null 2>&1; then
		bench_cleanup || true
	fi
	if [ -n "$PTS_PID" ]; then
		kill "$PTS_PID" 2>/dev/null || true
		rc=0
		wait "$PTS_PID" 2>/dev/null || rc=$?
		# (serve exits 0 on SIGTERM)
		if [ "$rc" -ne 0 ]; then
			echo "$0: the daemon exited with status $rc" >&2
		fi
		grep -v '^ptscope: info: ' "$PTS_TMP/daemon.err" >&2 || true
	fi
	rm -rf "$PTS_TMP"
}
trap pts_cleanup EXIT
trap 'exit 130' INT TERM

pts_start() {
	b=$1
	shift
	if [ ! -x "$b/ptscope" ]; then
		echo "$0: $b/ptscope not built: make ptscope in $b" >&2
		exit 2
	fi
	${PTS_DAEMON_CPU:+taskset -c "$PTS_DAEMON_CPU"} \
	"$b/ptscope" serve --listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 \
		--web-root "$(cd "$(dirname "$0")/.." && pwd)/web" "$@" \
		>"$PTS_TMP/daemon.out" 2>"$PTS_TMP/daemon.err" &
	PTS_PID=$!
	# The daemon prints "http: URL" then "ws: URL" once both listen.
	i=0
	while ! grep -qs '^ws: ' "$PTS_TMP/daemon.out"; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$PTS_PID" 2>/dev/null; then
			echo "$0: the daemon did not start:" >&2
			cat "$PTS_TMP/daemon.err" >&2
			exit 1
		fi
		sleep 0.1
	done
	PTS_URL=$(sed -n 's/^http: //p' "$PTS_TMP/daemon.out")
	PTS_WS=$(sed -n 's/^ws: //p' "$PTS_TMP/daemon.out")
	PTS_HOST=${PTS_URL#http://}
	PTS_HOST=${PTS_HOST%%/*}
}

pts_curl() {
	curl -sf -H "Host: $PTS_HOST" "$@"
}

pts_new_sim_space() {
	pts_curl -X POST -H 'Content-Type: application/json' \
		-d '{"kind":"sim","arch":"x86_64-4l","scenario":"process"}' \
		"${PTS_URL}api/v1/spaces" |
		sed -n 's/^{"id":"\([^"]*\)".*/\1/p'
}

pts_daemon_cpu_ms() {
	awk -v t="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / t) }' \
		"/proc/$PTS_PID/stat"
}
