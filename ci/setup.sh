#!/usr/bin/env bash
# One command on a fresh machine: install tandem and its dependencies, provision the
# default interpreters (ft-debug target, ft oracle, and gil), then run the main job: a
# short fuzzing campaign on the default pair (TANDEM_SETUP_TIME, default 3m) into
# out/campaign (continued for that long again when it already exists).  Arguments go
# to `tandem fuzz` (e.g. `ci/setup.sh --programs corpus/regressions`).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/provision.sh
out=out/campaign
again=()
[ -f "$out/campaign.json" ] && again=(--extend)   # another TANDEM_SETUP_TIME of the same campaign
echo "[setup] main job: tandem fuzz --time ${TANDEM_SETUP_TIME:-3m} --out $out" >&2
status=0
.venv/bin/tandem fuzz --time "${TANDEM_SETUP_TIME:-3m}" --jobs 2 --out "$out" "${again[@]}" "$@" || status=$?
# Exit 1 means buckets: findings (confirmed or flaky, in findings/) or divergences no
# re-run showed again (unconfirmed/); the line names both counts, from the campaign itself.
case $status in
  0) echo "[setup] done: no findings, nothing unconfirmed; campaign in $out" >&2 ;;
  1) counts=$(.venv/bin/python - "$out" <<'PY'
import sys
from tandem.triage.buckets import load_buckets
buckets = load_buckets(sys.argv[1])
found = sum(b.status != "unconfirmed" for b in buckets)
flaky = sum(b.status == "flaky" for b in buckets)
print(f"{found} finding bucket(s) ({flaky} flaky), {len(buckets) - found} unconfirmed")
PY
)
     echo "[setup] done: findings: $counts in $out (.venv/bin/tandem triage $out is the next step)" >&2 ;;
  *) exit $status ;;
esac
