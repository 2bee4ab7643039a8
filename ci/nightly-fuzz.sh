#!/usr/bin/env bash
# Nightly campaign: a time-boxed `tandem fuzz` (TANDEM_FUZZ_TIME, default 30m) on the
# configured pair (or TANDEM_TARGET / TANDEM_ORACLE; TANDEM_TEARDOWN_SHARE passes
# --teardown-share), continuing the campaign in
# out/nightly for that long again (--extend), then every finding bucket's reproducer
# copied to out/artifacts/findings/ (corpus format: `tandem corpus add` takes them into
# the regression corpus).
# Exit: 0 no findings, 1 findings (artifacts to look at), 2 infrastructure error.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/provision.sh ft-debug ft >&2
out=out/nightly
args=(--time "${TANDEM_FUZZ_TIME:-30m}" --jobs "${TANDEM_JOBS:-$(nproc)}" --out "$out")
[ -f "$out/campaign.json" ] && args+=(--extend)   # this night's budget on top of earlier nights
[ -n "${TANDEM_TARGET:-}" ] && args+=(--target "$TANDEM_TARGET")
[ -n "${TANDEM_ORACLE:-}" ] && args+=(--oracle "$TANDEM_ORACLE")
[ -n "${TANDEM_TEARDOWN_SHARE:-}" ] && args+=(--teardown-share "$TANDEM_TEARDOWN_SHARE")
status=0
.venv/bin/tandem fuzz "${args[@]}" || status=$?
[ $status -le 1 ] || exit $status
mkdir -p out/artifacts/findings out/artifacts/unconfirmed
for kept in findings unconfirmed; do  # unconfirmed divergences are published too, never dropped
  for bucket in "$out/$kept"/*/; do
    [ -d "$bucket" ] || continue
    cp -r "$bucket" "out/artifacts/$kept/"
  done
done
cp "$out/stats.jsonl" out/artifacts/ 2>/dev/null || true
echo "[nightly] findings: $(ls out/artifacts/findings | wc -l) bucket(s) in out/artifacts/findings," \
     "$(ls out/artifacts/unconfirmed | wc -l) unconfirmed in out/artifacts/unconfirmed" >&2
exit $status
