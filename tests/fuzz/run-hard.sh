#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/run-hard.sh [SECONDS] [WORKDIR]: tests/fuzz/run.sh for the hard
# area's harnesses only (maps, request, simops, wsmsg; `make fuzz-hard`).
FUZZ_NAMES=${FUZZ_NAMES:-maps request simops wsmsg}
export FUZZ_NAMES
exec sh "$(dirname "$0")/run.sh" "${1:-60}" \
    "${2:-${TMPDIR:-/tmp}/ptscope-fuzz-hard}"
