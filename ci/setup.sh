#!/usr/bin/env bash
# One command on a fresh machine: install tandem and its dependencies, provision the
# default interpreters (ft-debug target, ft oracle, and gil), then run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/provision.sh
echo "[setup] main job: judging the seed programs on the default interpreters" >&2
.venv/bin/tandem run corpus/seeds/*.py
