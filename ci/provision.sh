#!/usr/bin/env bash
# Prepare a machine for tandem: system build dependencies (when root and missing), the
# project's virtual environment in .venv, and the provisioned interpreters.
#   ci/provision.sh [VARIANT ...]     (default: ft-debug ft gil; sanitizer targets:
#                                     ci/provision.sh ft-tsan ft-asan, after ft)
# Cached builds in $XDG_CACHE_HOME/tandem are reused; a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(ft-debug ft gil)

say() { printf '[provision] %s\n' "$*" >&2; }

# 1. System packages needed to build CPython (Debian/Ubuntu).  Only installs what is
#    missing, only as root, through the machine's own apt configuration.
needed=(build-essential pkg-config libffi-dev zlib1g-dev libssl-dev libbz2-dev liblzma-dev
        libsqlite3-dev libreadline-dev libncurses-dev uuid-dev dpkg-dev
        chromium    # chromium: the test that opens the HTML campaign report headless
        gdb)        # gdb: native frames of crashes (triage/native.py)
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for package in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  python_ok=0
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python_ok=1; break
    fi
  done
  [ "$python_ok" = 1 ] || missing+=(python3 python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      say "installing system packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
    else
      say "warning: missing system packages (install them as root): ${missing[*]}"
    fi
  fi
fi

# 2. The virtual environment (host Python >= 3.11).
host=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    host=$(command -v "$candidate"); break
  fi
done
[ -n "$host" ] || { say "error: no Python >= 3.11 with the venv module on PATH"; exit 2; }
stamp=.venv/.tandem-installed
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "creating .venv with $host"
  [ -x .venv/bin/python ] || "$host" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  # The distribution was called `tandem` before it took the `tandem.*` namespace: an
  # older .venv's copy would keep the bare `fuzz`/`oracle`/`triage` names importable.
  .venv/bin/python -m pip uninstall -q -y tandem >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,cluster]'
  # atheris drives the OSS-Fuzz target; it is optional (wheels exist for CPython 3.11/3.12).
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[atheris]' >/dev/null 2>&1 ||
    say "note: atheris did not install; the atheris target will be unavailable"
  echo "$want" > "$stamp"
fi

# 3. Interpreters.
args=()
for variant in "${variants[@]}"; do args+=(--variant "$variant"); done
.venv/bin/tandem interpreters provision "${args[@]}"
