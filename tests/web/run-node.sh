#!/bin/sh
# SPDX-License-Identifier: MIT
# run-node.sh: run one viewer test (tests/web/*.test.mjs) with node; exit 77
# (automake's skip) when node, playwright-core or chromium is missing.
dir=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then
	echo "SKIP: node is not installed"; exit 77
fi
if [ ! -d "$dir/node_modules/playwright-core" ]; then
	echo "SKIP: playwright-core is missing: run 'npm ci' in $dir"; exit 77
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
	echo "SKIP: ${CHROMIUM:-/usr/bin/chromium} is missing (apt-get install chromium)"; exit 77
fi
exec node "$@"
