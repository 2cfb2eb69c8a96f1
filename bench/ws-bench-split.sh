#!/bin/sh
# SPDX-License-Identifier: MIT
# ws-bench-split.sh: the WebSocket fan-out bench (bench/ws-bench.sh) and
# its send() floor (bench/send-floor.c) with the receivers' TCP work off
# the sender's CPU, as when the clients are on other machines.
#
# usage: bench/ws-bench-split.sh BUILDDIR [SECONDS] [CLIENTS]   (as root)
#
# On loopback the kernel processes what a send() delivers in the sender's
# context, so the daemon's CPU per delta includes the receiving clients'
# TCP work (this kernel has no CONFIG_IRQ_TIME_ACCOUNTING to bill it
# apart).  Here everything runs in a network namespace of its own whose
# loopback steers all receive processing to CPU 1 (RPS, rps_cpus = 2); the
# daemon and the floor's sender run on CPU 0, the clients and the floor's
# reader on CPU 1.  What the sender is billed is then its transmit path
# alone (the ACKs it gets are processed on CPU 1 too, so this is a little
# below what a sender on a real network pays).
# Needs root (ip netns, sysfs) and 2 CPUs; exit 77 otherwise.
set -eu

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 BUILDDIR [SECONDS] [CLIENTS]" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
SECS=${2:-10}
CLIENTS=${3:-1000}
SRC=$(cd "$(dirname "$0")" && pwd)
NS=ptscope-split-$$

if [ "$(id -u)" -ne 0 ] || [ "$(nproc)" -lt 2 ] ||
    ! command -v ip >/dev/null || ! command -v taskset >/dev/null; then
	echo "$0: needs root, 2 CPUs, ip (iproute2) and taskset" >&2
	exit 77
fi
T=$(mktemp -d)
trap 'ip netns delete "$NS" 2>/dev/null || true; rm -rf "$T"' EXIT
cc -O2 -o "$T/send-floor" "$SRC/send-floor.c" -lpthread
ip netns add "$NS"
ip netns exec "$NS" sh -c 'ip link set lo up &&
	echo 2 > /sys/class/net/lo/queues/rx-0/rps_cpus'

echo "== in namespace $NS: receive processing on CPU 1 (rps_cpus" \
	"$(ip netns exec "$NS" cat /sys/class/net/lo/queues/rx-0/rps_cpus))," \
	"daemon on CPU 0, clients on CPU 1; load $(cut -d' ' -f1-3 /proc/loadavg)"
ip netns exec "$NS" env PTS_DAEMON_CPU=0 PTS_CLIENT_CPU=1 \
	sh "$SRC/ws-bench.sh" "$B" "$SECS" "$CLIENTS" || echo "ws-bench: exit $?"
echo "== floor, split the same way"
ip netns exec "$NS" env PTS_SPLIT_CPUS=0,1 \
	"$T/send-floor" "$CLIENTS" 10 "$SECS" 400
echo "== floor on plain loopback (receive work billed to the sender)"
"$T/send-floor" "$CLIENTS" 10 "$SECS" 400
