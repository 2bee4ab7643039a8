#!/usr/bin/env bash
# Run ci/oss-fuzz/build.sh end to end without Docker, in an emulation of OSS-Fuzz's
# base-builder-python image, then run the fuzzer it produced the way the runner would.
#
#   ci/oss-fuzz/local-build.sh [--tarball FILE] [--dir DIR] [--keep] [--head]
#                              [--runs N] [--no-fork] [--sanitizer address|undefined|coverage]
#                              [--python PYTHON] [--nice N]
#
#   --tarball FILE  CPython source tarball (default: found in tandem's cache)
#   --dir DIR       make the work directory under DIR (default: mktemp -d)
#   --keep          keep the work directory (logs in its logs/), else it is removed
#   --head          copy the files committed at HEAD, not the working tree's
#   --runs N        libFuzzer -runs for each fuzzer run (default 20)
#   --no-fork       skip the -fork=2 run in the moved $OUT
#   --sanitizer S   SANITIZER of the build (default address; coverage prepends the stub)
#   --python PY     the Python of the emulated image (default: python3.11)
#   --nice N        niceness of build.sh (default 10, 0 for none)
#
# The emulation, in a fresh directory (under DIR, default from mktemp -d):
#   $SRC/tandem       the repository's tracked files as they are in the working tree
#                     (--head: as committed at HEAD), as the Dockerfile's COPY gives them;
#   $SRC/build.sh     ci/oss-fuzz/build.sh of that copy;
#   $SRC/cpython.tar.xz  a CPython >= 3.13 source tarball: --tarball FILE, else a source
#                     tarball or unpacked tree that `tandem interpreters provision` left
#                     in tandem's cache (no network needed);
#   the image's Python: a throwaway venv of the host's Python 3.11 (the base image has
#                     3.11) with atheris and PyInstaller from the package index, its bin/
#                     on PATH (pip3, python3, pyinstaller), and compile_python_fuzzer
#                     (ci/oss-fuzz/compile_python_fuzzer, a mirror of the image's script);
#   the environment of `compile`: SRC, WORK, OUT, SANITIZER, FUZZING_ENGINE,
#                     FUZZING_LANGUAGE, and CC/CXX/CFLAGS/CXXFLAGS as OSS-Fuzz exports them
#                     (clang, sanitizer and -fsanitize=fuzzer-no-link flags), so a build
#                     step that does not shield itself from them fails here as it would there.
# build.sh runs as `bash -eux $SRC/build.sh` in $SRC/tandem (the Dockerfile's WORKDIR).
# Then, as the runner: the fuzz targets in $OUT are listed the way OSS-Fuzz finds them,
# the fuzzer runs `-runs=N` from an empty directory with no tandem.toml and an empty
# tandem cache (so it can only use the interpreters bundled in $OUT), then again with
# `-fork=2` after $OUT has been moved elsewhere, as OSS-Fuzz's check_build does to catch
# hard-coded paths.  A DifferentialFinding is an accepted outcome: it is printed.
#
# Not covered: the Docker images themselves (the base image's exact tool versions, the
# Dockerfile's apt-get and download steps), sanitizer runtimes (the image's wrapper
# preloads sanitizer_with_fuzzer.so; nothing is preloaded here), ClusterFuzz's own
# checks and upload.
#
# Exit status: 0 the build and the runs passed, 1 a step failed, 2 usage or missing host
# prerequisites.  The work directory is removed at the end unless --keep.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { printf '[local-build] %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
usage_error() { say "error: $*"; say "usage: ci/oss-fuzz/local-build.sh [--tarball FILE] [--dir DIR] [--keep] [--head] [--runs N] [--no-fork] [--sanitizer address|undefined|coverage] [--python PYTHON] [--nice N]"; exit 2; }
minutes() { awk -v s="$1" 'BEGIN { printf "%.1f min", s / 60 }'; }

tarball="" parent="" keep=0 head=0 runs=20 fork=1 sanitizer=address python="" nice_level=10
while [ $# -gt 0 ]; do
  case "$1" in
    --tarball) [ $# -ge 2 ] || usage_error "--tarball needs a file"; tarball=$2; shift 2 ;;
    --dir) [ $# -ge 2 ] || usage_error "--dir needs a directory"; parent=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --head) head=1; shift ;;
    --runs) [ $# -ge 2 ] || usage_error "--runs needs a number"; runs=$2; shift 2 ;;
    --no-fork) fork=0; shift ;;
    --sanitizer) [ $# -ge 2 ] || usage_error "--sanitizer needs a name"; sanitizer=$2; shift 2 ;;
    --python) [ $# -ge 2 ] || usage_error "--python needs an interpreter"; python=$2; shift 2 ;;
    --nice) [ $# -ge 2 ] || usage_error "--nice needs a level"; nice_level=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage_error "--runs wants a positive number, not '$runs'"
[[ $nice_level =~ ^[0-9]+$ ]] || usage_error "--nice wants a level 0-19, not '$nice_level'"
case "$sanitizer" in address|undefined|coverage) ;; *) usage_error "--sanitizer: address, undefined or coverage (Python projects' modes)" ;; esac

# -- host prerequisites ----------------------------------------------------------------
for tool in git tar xz gcc g++ make file timeout awk nice; do
  command -v "$tool" >/dev/null 2>&1 || { say "error: '$tool' is not installed (ci/provision.sh installs the build dependencies)"; exit 2; }
done
repo=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) || { say "error: $here is not in a git checkout"; exit 2; }

# The image's Python: 3.11 like base-builder-python, with a shared libpython (PyInstaller
# bundles it) and the venv module.
python_ok() {
  "$1" -c 'import sys, sysconfig, venv, ensurepip
sys.exit(not (sys.version_info >= (3, 11) and sysconfig.get_config_var("Py_ENABLE_SHARED")))' 2>/dev/null
}
if [ -n "$python" ]; then
  python_ok "$python" || { say "error: $python is not a Python >= 3.11 with venv, ensurepip and a shared libpython"; exit 2; }
else
  for candidate in python3.11 python3 python3.12; do
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then python=$candidate; break; fi
  done
  [ -n "$python" ] || { say "error: no Python >= 3.11 with venv, ensurepip and a shared libpython (give one with --python)"; exit 2; }
fi
python=$("$python" -c 'import sys; print(sys.executable)')  # past a pyenv shim

# -- CPython sources -----------------------------------------------------------------------
# tandem's cache, as oracle/interpreters.cache_root() finds it.
cache=${TANDEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tandem}
tarball_version() {  # PY_VERSION of a source tarball, or nothing
  tar -xOf "$1" --wildcards --no-anchored 'Include/patchlevel.h' 2>/dev/null |
    sed -n 's/^#define[[:space:]]*PY_VERSION[[:space:]]*"\(.*\)".*/\1/p' | head -n 1 || true
}
free_threaded_version() { [[ $1 =~ ^3\.(1[3-9]|[2-9][0-9]) ]]; }
tree=""
if [ -n "$tarball" ]; then
  [ -f "$tarball" ] || usage_error "--tarball $tarball does not exist"
  tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
else
  # A source tarball that provisioning downloaded (newest version first), else an
  # unpacked source tree it left (packed below).
  while IFS= read -r candidate; do
    version=$(tarball_version "$candidate")
    if [ -n "$version" ] && free_threaded_version "$version"; then tarball=$candidate; break; fi
  done < <(ls -1 "$cache"/downloads/*/*.orig.tar.* "$cache"/downloads/*/Python-*.tar.* "$cache"/downloads/Python-*.tar.* 2>/dev/null |
           grep -v '\.asc$' | sort -V -r || true)
  if [ -z "$tarball" ]; then
    for candidate in $(ls -1d "$cache"/src/Python-3.* 2>/dev/null | sort -V -r || true); do
      [ -f "$candidate/configure" ] && [ -f "$candidate/Include/patchlevel.h" ] || continue
      if [ -e "$candidate/Makefile" ] || [ -e "$candidate/pyconfig.h" ]; then continue; fi  # configured in-tree
      free_threaded_version "${candidate##*/Python-}" && { tree=$(cd "$candidate" && pwd -P); break; }
    done
  fi
  [ -n "$tarball" ] || [ -n "$tree" ] || {
    say "error: no CPython >= 3.13 source found in $cache (run 'tandem interpreters provision' once, or give --tarball FILE)"; exit 2; }
fi

# -- the emulation's directories -------------------------------------------------------------
if [ -n "$parent" ]; then mkdir -p "$parent"; base=$(mktemp -d "$parent/tandem-oss-fuzz.XXXXXX")
else base=$(mktemp -d -t tandem-oss-fuzz.XXXXXX); fi
base=$(cd "$base" && pwd -P)  # physical: the fuzzer reports its own location resolved
SRC=$base/src WORK=$base/work OUT=$base/out
image=$base/image logs=$base/logs rundir=$base/run
mkdir -p "$SRC/tandem" "$WORK" "$OUT" "$image/bin" "$logs" "$rundir" "$base/tmp" "$base/home" "$base/runner-cache"
moved=""  # where $OUT is while the relocated run uses it
cleanup() {
  local status=$?
  if [ -n "$moved" ] && [ -d "$moved" ] && [ ! -e "$OUT" ]; then mv "$moved" "$OUT"; fi
  if [ "$keep" = 1 ]; then
    say "kept the work directory: $base (logs in $base/logs)"
  else
    rm -rf "$base"
    [ "$status" = 0 ] || say "the work directory was removed; run again with --keep to inspect it"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # through the EXIT trap: the work directory goes too
say "work directory: $base"

# Environment passed through to every emulated step (package index access and certificates).
passthrough=()
while IFS='=' read -r name _; do
  case "$name" in
    PIP_*|http_proxy|https_proxy|no_proxy|HTTP_PROXY|HTTPS_PROXY|NO_PROXY|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE)
      passthrough+=("$name=${!name}") ;;
  esac
done < <(env)
common_env=(HOME="$base/home" LANG=C.UTF-8 TMPDIR="$base/tmp" USER="${USER:-root}" "${passthrough[@]}")

# 1. $SRC/tandem and $SRC/build.sh, as the Dockerfile copies them.
if [ "$head" = 1 ]; then
  git -C "$repo" archive HEAD | tar -x -C "$SRC/tandem"
  origin="HEAD $(git -C "$repo" rev-parse --short HEAD)"
else
  (cd "$repo" && git ls-files -z | while IFS= read -r -d '' f; do
     if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
   done | tar --null -T - -cf -) | tar -x -C "$SRC/tandem"
  origin="working tree of $(git -C "$repo" rev-parse --short HEAD) (tracked files)"
fi
cp "$SRC/tandem/ci/oss-fuzz/build.sh" "$SRC/build.sh"
say "SRC/tandem: $(find "$SRC/tandem" -type f | wc -l) files from the $origin"

# 2. $SRC/cpython.tar.xz
if [ -n "$tree" ]; then
  say "packing $tree (no tarball in the cache; build artefacts left out)"
  tar -C "$(dirname "$tree")" --exclude='__pycache__' --exclude='*.pyc' --exclude='*.o' --exclude='*.so' \
      --exclude='*.a' --exclude='.git' -cf - "$(basename "$tree")" | xz -0 -T0 > "$SRC/cpython.tar.xz"
  source_origin="packed from $tree"
else
  cp "$tarball" "$SRC/cpython.tar.xz"
  source_origin=$tarball
fi
cpython_version=$(tarball_version "$SRC/cpython.tar.xz")
[ -n "$cpython_version" ] || fail "$source_origin is not a CPython source tarball (no Include/patchlevel.h)"
free_threaded_version "$cpython_version" || fail "CPython $cpython_version has no free-threaded build (needs >= 3.13)"
say "SRC/cpython.tar.xz: CPython $cpython_version ($source_origin)"

# 3. The image's Python with atheris and PyInstaller (as install_python.sh installs them,
#    without sanitizer flags), and compile_python_fuzzer on PATH.
say "image: venv of $python ($("$python" -c 'import platform; print(platform.python_version())')) with atheris and PyInstaller"
started=$SECONDS
"$python" -m venv "$image/venv" >"$logs/image.log" 2>&1 || { tail -n 20 "$logs/image.log" >&2; fail "creating the image's venv"; }
env -i "${common_env[@]}" PATH="$image/venv/bin:/usr/bin:/bin" \
  "$image/venv/bin/pip3" install --disable-pip-version-check -q "atheris>=2.3,<4" "pyinstaller>=6,<7" coverage \
  >>"$logs/image.log" 2>&1 || { grep -v 'is ignored' "$logs/image.log" | tail -n 20 >&2; fail "installing atheris and PyInstaller into the image's venv"; }
image_seconds=$((SECONDS - started))
cp "$here/compile_python_fuzzer" "$image/bin/compile_python_fuzzer"
chmod +x "$image/bin/compile_python_fuzzer"
say "image: $("$image/venv/bin/python" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("atheris", "pyinstaller")))') (${image_seconds}s)"

# 4. build.sh, as `compile` runs it.
case "$sanitizer" in
  address) sanitizer_flags="-fsanitize=address -fsanitize-address-use-after-scope"; coverage_flags="-fsanitize=fuzzer-no-link" ;;
  undefined) sanitizer_flags="-fsanitize=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unsigned-integer-overflow,unreachable,vla-bound,vptr -fno-sanitize-recover=all"
             coverage_flags="-fsanitize=fuzzer-no-link" ;;
  coverage) sanitizer_flags=""; coverage_flags="-fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed -Wl,-ldl -Wl,-lm -Wno-unused-command-line-argument" ;;
esac
cflags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $sanitizer_flags $coverage_flags"
build_env=("${common_env[@]}" PATH="$image/bin:$image/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  SRC="$SRC" WORK="$WORK" OUT="$OUT" SANITIZER="$sanitizer" FUZZING_ENGINE=libfuzzer FUZZING_LANGUAGE=python
  ARCHITECTURE=x86_64 CC=clang CXX=clang++ CFLAGS="$cflags -fno-sanitize=function,leak,vptr,"
  CXXFLAGS="$cflags -stdlib=libc++ -fno-sanitize=function,leak,vptr" LIB_FUZZING_ENGINE=-fsanitize=fuzzer
  SANITIZER_FLAGS="$sanitizer_flags" COVERAGE_FLAGS="$coverage_flags" UBSAN_OPTIONS=silence_unsigned_overflow=1)
nice_cmd=()
[ "$nice_level" = 0 ] || nice_cmd=(nice -n "$nice_level")
say "build.sh: running (SANITIZER=$sanitizer; log: $logs/build.log; the two CPython builds take minutes)"
started=$SECONDS
if ! (cd "$SRC/tandem" && env -i "${build_env[@]}" "${nice_cmd[@]}" bash -eux "$SRC/build.sh") >"$logs/build.log" 2>&1; then
  say "build.sh failed after $((SECONDS - started))s; the end of its log:"
  grep -v 'is ignored' "$logs/build.log" | tail -n 40 >&2
  fail "build.sh"
fi
build_seconds=$((SECONDS - started))
say "build.sh: done in $(minutes "$build_seconds")"
grep '^tandem: CPython' "$logs/build.log" | sed 's/^/[local-build]   /' >&2 || true

# 5. What the build left in $OUT.
for path in "$OUT/atheris_target" "$OUT/atheris_target.pkg" \
            "$OUT/tandem-interpreters/ft/bin/python3" "$OUT/tandem-interpreters/ft-debug/bin/python3"; do
  [ -e "$path" ] || fail "the build did not produce $path"
done
[ -x "$OUT/atheris_target" ] || fail "$OUT/atheris_target is not executable"
# The fuzz targets the way OSS-Fuzz's runner lists them (base-runner's targets_list).
targets=$(find "$OUT/" -executable -type f ! -name '*.so' -print0 | while IFS= read -r -d '' binary; do
  file "$binary" | grep -q -e ELF -e 'shell script' || continue
  grep -q LLVMFuzzerTestOneInput "$binary" || continue
  basename "$binary"
done | sort | tr '\n' ' ')
[ "$targets" = "atheris_target " ] || fail "OSS-Fuzz would see these fuzz targets in \$OUT: '${targets% }' (expected: atheris_target)"
out_size=$(du -sh "$OUT" | cut -f1)
say "OUT: fuzz target atheris_target; $out_size in all (ft $(du -sh "$OUT/tandem-interpreters/ft" | cut -f1), ft-debug $(du -sh "$OUT/tandem-interpreters/ft-debug" | cut -f1), atheris_target.pkg $(du -sh "$OUT/atheris_target.pkg" | cut -f1))"

# 6. The fuzzer, as the runner starts it: from an empty directory, no tandem.toml, an
#    empty tandem cache (no provisioned interpreter to fall back on), no venv on PATH.
run_env=("${common_env[@]}" PATH=/usr/local/bin:/usr/bin:/bin TANDEM_CACHE="$base/runner-cache")
run_fuzzer() {  # run_fuzzer LOG OUTDIR ARGS... -> sets rc and elapsed
  local log=$1 out=$2; shift 2
  local t0=$SECONDS
  set +e
  (cd "$rundir" && env -i "${run_env[@]}" timeout -k 30 1800 "$out/atheris_target" "$@") >"$log" 2>&1
  rc=$?
  set -e
  elapsed=$((SECONDS - t0))
}
check_interpreters() {  # check_interpreters LOG OUTDIR: the target used the bundled builds
  local log=$1 out=$2 line
  line=$(grep -m 1 '^tandem-atheris: target ' "$log") ||
    { tail -n 30 "$log" >&2; fail "the fuzzer did not start (no 'tandem-atheris: target' line in $log)"; }
  say "  $line"
  [[ $line == "tandem-atheris: target $out/tandem-interpreters/ft-debug/bin/python3 ("*"td), oracle $out/tandem-interpreters/ft/bin/python3 ("*"t)" ]] ||
    fail "the fuzzer did not use the bundled interpreters of $out/tandem-interpreters (ft-debug target, ft oracle)"
}
judge_outcome() {  # judge_outcome LOG OUTDIR WHAT: 0 on a clean run or a real finding
  local log=$1 out=$2 what=$3 crash
  if [ "$rc" = 0 ]; then return 0; fi
  if grep -q 'DifferentialFinding' "$log"; then
    crash=$(grep -o "Test unit written to .*" "$log" | tail -n 1 | sed 's/Test unit written to //')
    say "$what: a DifferentialFinding (exit $rc); the finding:"
    sed -n '/=== Uncaught Python exception: ===/,/^Traceback (most recent call last):/p' "$log" | sed '$d' | head -n 60 >&2
    if [ -n "$crash" ]; then
      crash=$(cd "$rundir" && realpath "$crash")
      say "$what: crash input $crash ($(wc -c < "$crash") bytes); base64: $(base64 -w0 "$crash")"
      set +e
      (cd "$rundir" && env -i "${run_env[@]}" timeout -k 30 600 "$out/atheris_target" "$crash") >"$log.reproduce" 2>&1
      local again=$?
      set -e
      if grep -q DifferentialFinding "$log.reproduce"; then say "$what: the crash input reproduces the finding (exit $again)"
      else say "$what: the crash input did not reproduce it on one re-run (exit $again): a schedule-dependent finding"; fi
    fi
    return 0
  fi
  say "$what: the fuzzer exited $rc without a DifferentialFinding; the end of its log:"
  tail -n 40 "$log" >&2
  return 1
}
libfuzzer_done() { grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$1" | tail -n 1; }

say "run: $OUT/atheris_target -runs=$runs (cwd $rundir)"
run_fuzzer "$logs/run.log" "$OUT" -runs="$runs"
check_interpreters "$logs/run.log" "$OUT"
judge_outcome "$logs/run.log" "$OUT" "run" || fail "$OUT/atheris_target -runs=$runs"
done_line=$(libfuzzer_done "$logs/run.log" || true)
run_summary="exit $rc, ${elapsed}s wall"
if [ -n "$done_line" ]; then
  n=$(awk '{print $2}' <<<"$done_line"); s=$(awk '{print $5}' <<<"$done_line")
  run_summary="$run_summary; libFuzzer: $done_line ($(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.1f", (s > 0 ? n / s : n) }') runs/s), $(awk -v n="$n" -v s="$elapsed" 'BEGIN { printf "%.2f", n / s }') runs/s counting start-up"
fi
say "run: $run_summary"

fork_summary="skipped (--no-fork)"
if [ "$fork" = 1 ]; then
  # check_build moves $OUT elsewhere before running the targets, to catch hard-coded paths.
  moved=$base/not-out/out
  mkdir -p "$(dirname "$moved")"
  mv "$OUT" "$moved"
  say "run: $OUT moved to $moved; $moved/atheris_target -fork=2 -runs=$runs"
  run_fuzzer "$logs/fork.log" "$moved" -fork=2 -runs="$runs"
  fork_rc=$rc fork_elapsed=$elapsed
  check_interpreters "$logs/fork.log" "$moved"
  judge_outcome "$logs/fork.log" "$moved" "fork run" || fail "$moved/atheris_target -fork=2 -runs=$runs"
  mv "$moved" "$OUT"
  grep -q 'fuzzing in separate process' "$logs/fork.log" || fail "libFuzzer did not start its fork mode (see $logs/fork.log)"
  fork_summary="exit $fork_rc, ${fork_elapsed}s wall; $(grep -o 'fuzzed for [0-9]* iterations' "$logs/fork.log" | tail -n 1 || echo 'no iteration count')"
  say "fork run: $fork_summary"
fi

# 7. Figures.
say "---------------------------------------------------------------"
say "CPython $cpython_version, SANITIZER=$sanitizer, image Python $("$image/venv/bin/python" -c 'import platform; print(platform.python_version())')"
say "build.sh: $(minutes "$build_seconds") in all"
grep '^tandem: CPython' "$logs/build.log" | while read -r _ _ variant _ _ _ _ seconds; do
  say "  CPython $variant: $(minutes "${seconds%s}")"
done
say "OUT: $out_size"
say "fuzzer -runs=$runs: $run_summary"
say "fuzzer -fork=2 -runs=$runs (relocated OUT): $fork_summary"
say "OK"
