#!/usr/bin/env bash
# One command on a fresh machine: install tandem and its dependencies, provision the
# default interpreters (ft-debug target, ft oracle, and gil), then run the main job: a
# short fuzzing campaign on the default pair (TANDEM_SETUP_TIME, default 3m) into
# out/campaign (continued for that long again when it already exists).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/provision.sh
out=out/campaign
again=()
[ -f "$out/campaign.json" ] && again=(--extend)   # another TANDEM_SETUP_TIME of the same campaign
echo "[setup] main job: tandem fuzz --time ${TANDEM_SETUP_TIME:-3m} --out $out" >&2
status=0
.venv/bin/tandem fuzz --time "${TANDEM_SETUP_TIME:-3m}" --jobs 2 --out "$out" "${again[@]}" || status=$?
case $status in
  0) echo "[setup] done: no findings; campaign in $out" >&2 ;;
  1) echo "[setup] done: findings in $out/findings (tandem triage is the next step)" >&2 ;;
  *) exit $status ;;
esac
