#!/bin/sh
# SPDX-License-Identifier: MIT
# run-node.sh: run one viewer test (tests/web/*.test.mjs) with node.  A test
# that cannot run is a failure, not a skip: exit 99 (automake's hard error)
# when node, playwright-core or chromium is missing, saying how to get it
# (scripts/dev.sh test installs all three).
dir=$(cd "$(dirname "$0")" && pwd)
cannot() {
	echo "ERROR: the viewer test cannot run: $*"; exit 99
}
command -v node >/dev/null 2>&1 ||
	cannot "node is not installed (apt-get install nodejs npm)"
[ -d "$dir/node_modules/playwright-core" ] ||
	cannot "playwright-core is missing: run 'npm ci' in $dir"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
	cannot "${CHROMIUM:-/usr/bin/chromium} is missing (apt-get install chromium)"
exec node "$@"
