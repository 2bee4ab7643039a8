#!/usr/bin/env bash
# The test command: prepares the machine if needed (ci/provision.sh), runs the project's
# own checks (ci/check.sh: ruff, mypy), then runs the whole test suite on the provisioned
# interpreters, and replays the shipped regression corpus as test items (the pytest
# plugin, --tandem-corpus).  Extra arguments go to
# pytest, e.g. `ci/test.sh -m "not slow"`.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/provision.sh >&2
ci/check.sh
exec .venv/bin/python -m pytest -p no:cacheprovider --tandem-corpus corpus/regressions "$@"
