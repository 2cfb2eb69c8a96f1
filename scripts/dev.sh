#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dev.sh: one entry point for a fresh Debian/Ubuntu machine.
#   scripts/dev.sh start   install what is missing, build, serve on 127.0.0.1:8080
#   scripts/dev.sh test    install what is missing, build, run every test
# Environment: PTS_BUILD_DIR (default build), PTS_CFLAGS (extra CFLAGS),
# PTS_PORT (default 8080).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="${PTS_BUILD_DIR:-$top/build}"
cd "$top"

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages the build and the tests need.
need_pkgs() {
	local pkgs=(build-essential autoconf automake libtool pkg-config
		libmicrohttpd-dev libcjson-dev libwebsockets-dev check
		libev-dev libwebsockets-evlib-ev
		libsqlite3-dev
		python3 curl ca-certificates procps util-linux)
	if [ "${1:-}" = test ]; then
		# browser tests, fuzzing, man page and unit checks
		pkgs+=(chromium clang man-db groff-base systemd)
		# promtool (checks /metrics and dist/ alert rules)
		pkgs+=(prometheus)
		# VM guests (tests/lib/guest.py): QEMU; the kernels and busybox
		# are downloaded as .debs, arm64's need the arm64 apt lists
		pkgs+=(qemu-system-x86 qemu-system-arm)
		command -v node >/dev/null || pkgs+=(nodejs)
		command -v npm >/dev/null || pkgs+=(npm)
	fi
	if [ "${1:-}" = test ] &&
		! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "dev.sh: adding the arm64 architecture (arm64 guest kernel)"
		as_root dpkg --add-architecture arm64
		as_root apt-get update -qq
	fi
	local missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "dev.sh: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		as_root apt-get update -qq
		as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
	fi
}

build() {
	if [ ! -x configure ] || [ configure.ac -nt configure ]; then
		autoreconf -fi
	fi
	mkdir -p "$build"
	cd "$build"
	if [ ! -f Makefile ]; then
		"$top/configure" --enable-werror ${PTS_CFLAGS:+CFLAGS="$PTS_CFLAGS"}
	fi
	make -j"$(nproc)"
	cd "$top"
}

# npm tooling for the browser tests (playwright-core drives Debian's chromium).
web_tools() {
	if [ -f tests/web/package.json ]; then
		(cd tests/web && { npm ci --no-audit --no-fund ||
			npm install --no-audit --no-fund; })
	fi
}

# Print "N passed, N failed" from the automake test-suite log.  A skipped
# test is counted as failed (a test that cannot run here proves nothing);
# the tests themselves exit 99 or 1, never 77, when they cannot run.
summary() {
	local log="$build/test-suite.log"
	[ -f "$log" ] || return 0
	local pass fail err skip
	pass=$(sed -n 's/^# PASS: *//p' "$log")
	fail=$(sed -n 's/^# FAIL: *//p' "$log")
	err=$(sed -n 's/^# ERROR: *//p' "$log")
	skip=$(sed -n 's/^# SKIP: *//p' "$log")
	if [ "${skip:-0}" -gt 0 ]; then
		echo "dev.sh: skipped tests count as failed:"
		grep -l '^:test-result: SKIP' "$build"/tests/*.trs "$build"/tests/*/*.trs 2>/dev/null || true
	fi
	echo "${pass:-0} passed, $(( ${fail:-0} + ${err:-0} + ${skip:-0} )) failed"
	[ "${skip:-0}" -eq 0 ]
}

case "${1:-}" in
start)
	need_pkgs
	build
	echo "ptscope: open http://127.0.0.1:${PTS_PORT:-8080}/ (Ctrl-C stops)"
	exec "$build/ptscope" serve --listen "127.0.0.1:${PTS_PORT:-8080}" \
		--web-root "$top/web"
	;;
test)
	need_pkgs test
	build
	web_tools
	rc=0
	(cd "$build" && make -j"$(nproc)" check) || rc=$?
	if [ $rc -ne 0 ]; then
		# show what failed, then the counts
		for f in "$build"/tests/*.log "$build"/tests/*/*.log; do
			if grep -qE '^:test-result: (FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null; then
				echo "==== $f"; tail -n 60 "$f"
			fi
		done
	fi
	summary || rc=1
	exit $rc
	;;
*)
	echo "usage: scripts/dev.sh start|test" >&2
	exit 2
	;;
esac
