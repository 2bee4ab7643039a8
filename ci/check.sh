#!/usr/bin/env bash
# The project's own checks, run by ci/test.sh (and so by .ci/run) before the tests:
# ruff's linter and formatter, and mypy over the `tandem.*` namespace.  Configuration:
# pyproject.toml ([tool.ruff], [tool.mypy]).  `ruff format .` fixes what the format
# check reports; `ruff check --fix .` much of what the linter does.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[check] $*" >&2; }
for tool in ruff mypy; do
  [ -x ".venv/bin/$tool" ] || { say "error: .venv/bin/$tool is missing: run ci/provision.sh"; exit 2; }
done
status=0
.venv/bin/ruff check --quiet . || { say "ruff check failed"; status=1; }
.venv/bin/ruff format --check --quiet . || { say "ruff format --check failed (ruff format . fixes it)"; status=1; }
# mypy names modules by their place on disk, and the folders are fuzz/, oracle/ and
# triage/, installed as tandem.fuzz, tandem.oracle, tandem.triage: it reads them through
# a tree of links that has that shape (its paths are mapped back in the messages).
tree=.venv/typecheck
rm -rf "$tree" && mkdir -p "$tree/tandem"
for package in fuzz oracle triage; do ln -s "../../../$package" "$tree/tandem/$package"; done
if ! (cd "$tree" && ../bin/mypy --config-file ../../pyproject.toml --cache-dir ../.mypy_cache \
        -p tandem.fuzz -p tandem.oracle -p tandem.triage 2>&1 | sed 's#^tandem/##'; exit "${PIPESTATUS[0]}"); then
  say "mypy failed"; status=1
fi
[ "$status" = 0 ] && say "ruff check, ruff format --check, mypy: clean"
exit "$status"
