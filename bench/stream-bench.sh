#!/bin/sh
# SPDX-License-Identifier: MIT
# stream-bench.sh: the daemon's memory for one big answer, streamed against
# built whole, side by side.
#
# usage: bench/stream-bench.sh BUILDDIR [MIB]
#
# For each mode (streamed, the default; PTSCOPE_STREAM_BYTES=off, the whole
# cJSON answer as before streaming existed) a daemon is started, a x86_64-4l
# sim space gets MIB (default 2048) MiB of 4 KiB pages, the daemon's peak
# RSS is reset (/proc/PID/clear_refs 5) and one GET .../tree?depth=5 is
# read by curl.  Prints the answer's bytes, the time and how much the peak
# RSS (VmHWM) grew over the RSS before the request.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILDDIR [MIB]" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
MIB=${2:-2048}
SRC=$(cd "$(dirname "$0")/.." && pwd)

. "$SRC/bench/lib.sh"
pts_need curl

kb() {
	sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$PTS_PID/status"
}

# One mode: a daemon with PTSCOPE_STREAM_BYTES=$1 ("" for the default).
run() {
	if [ -n "$1" ]; then
		export PTSCOPE_STREAM_BYTES="$1"
	else
		unset PTSCOPE_STREAM_BYTES
	fi
	# (the last daemon's URLs must not be read as this one's)
	rm -f "$PTS_TMP/daemon.out"
	pts_start "$B"
	space=$(pts_curl -X POST -H 'Content-Type: application/json' \
		-d '{"kind":"sim","arch":"x86_64-4l","scenario":"empty","ram_mb":4096}' \
		"${PTS_URL}api/v1/spaces" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
	pts_curl -X POST -H 'Content-Type: application/json' \
		-d "{\"op\":\"map\",\"va\":\"0x7f0000000000\",\"size\":\"$(printf '0x%x' $((MIB << 20)))\",\"prot\":\"rw\",\"page_size\":\"4k\"}" \
		"${PTS_URL}api/v1/spaces/$space/ops" >/dev/null
	rss=$(kb VmRSS)
	echo 5 >"/proc/$PTS_PID/clear_refs"
	out=$(pts_curl -o /dev/null -w '%{size_download} %{time_total}' \
		"${PTS_URL}api/v1/spaces/$space/tree?depth=5")
	hwm=$(kb VmHWM)
	echo "| ${1:-streamed (default)} | ${out% *} | ${out#* } | $((rss / 1024)) | $(((hwm - rss) / 1024)) |" >>"$PTS_TMP/rows"
	kill "$PTS_PID"
	wait "$PTS_PID" || true
	PTS_PID=
}

echo "one GET tree?depth=5 of $MIB MiB of 4 KiB pages; $(nproc) CPUs," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
run ""
run off
echo "| mode | bytes | seconds | RSS before (MB) | peak RSS growth (MB) |"
echo "|---|---:|---:|---:|---:|"
cat "$PTS_TMP/rows"
