#!/usr/bin/env bash
# Replay the regression corpus on the configured pair (or TANDEM_TARGET / TANDEM_ORACLE)
# and write a JUnit report to out/replay.xml.  Exit 0 only when every case holds.
#   ci/replay.sh [extra tandem replay arguments, e.g. -n 3 or --interpreters A,B]
set -euo pipefail
cd "$(dirname "$0")/.."
ci/provision.sh ft-debug ft >&2
args=()
[ -n "${TANDEM_TARGET:-}" ] && args+=(--target "$TANDEM_TARGET")
[ -n "${TANDEM_ORACLE:-}" ] && args+=(--oracle "$TANDEM_ORACLE")
mkdir -p out
exec .venv/bin/tandem replay corpus/regressions --junit out/replay.xml "${args[@]}" "$@"
