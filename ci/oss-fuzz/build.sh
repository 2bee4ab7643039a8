#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: the fuzzer is fuzz/atheris_target.py (bytes ->
# scenario -> differential run on target and oracle; a finding raises).  The two
# CPython builds it runs programs on are shipped in $OUT/tandem-interpreters/, where the
# target finds them (fuzz.atheris_target._bundled).  The interpreters under test are not
# instrumented: the coverage that guides libFuzzer is that of the generators.
# Checked without Docker by ci/oss-fuzz/local-build.sh.
pip3 install "$SRC/tandem"
# $WORK and $OUT may hold an earlier build (helper.py keeps them between builds).
rm -rf "$WORK/cpython"
mkdir -p "$WORK/cpython"
tar -xf "$SRC/cpython.tar.xz" -C "$WORK/cpython" --strip-components=1
for variant in ft ft-debug; do
  flags="--disable-gil"
  [ "$variant" = ft-debug ] && flags="$flags --with-pydebug"
  prefix="$OUT/tandem-interpreters/$variant"
  rm -rf "$WORK/build-$variant" "$prefix"
  mkdir -p "$WORK/build-$variant"
  started=$SECONDS
  # Plain gcc builds, in a subshell: the environment holds OSS-Fuzz's clang and its
  # sanitizer and -fsanitize=fuzzer-no-link flags, and CPython's make reads CFLAGS,
  # CPPFLAGS and LDFLAGS from the environment too (PY_CFLAGS = ... $(CFLAGS)), not only
  # configure: they are unset for configure, make and make install alike.
  (cd "$WORK/build-$variant" &&
   export CC=gcc CXX=g++ && unset CFLAGS CXXFLAGS CPPFLAGS LDFLAGS &&
   "$WORK/cpython/configure" $flags --without-ensurepip --prefix="$prefix" -q &&
   make -j"$(nproc)" -s && make install -s)
  # The build is what the target expects (free-threaded; debug or not; ctypes works).
  "$prefix/bin/python3" -I -c 'import ctypes, sys, sysconfig
assert sysconfig.get_config_var("Py_GIL_DISABLED"), "not a free-threaded build"
assert hasattr(sys, "gettotalrefcount") == (sys.argv[1] == "ft-debug"), "wrong debug setting"' "$variant"
  # Nothing tandem runs imports the test suite or links the static library: dropping
  # them takes about 220 MB off each build in the archive ClusterFuzz ships.
  rm -rf "$prefix"/lib/python3*/test "$prefix"/lib/libpython3*.a "$prefix"/lib/python3*/config-*/libpython3*.a
  echo "tandem: CPython $variant built into $prefix in $((SECONDS - started))s ($(du -sm "$prefix" | cut -f1) MB)"
done
# PyInstaller bundles modules as bytecode; the files tandem reads as text or data go in
# as data, at their place in the tandem.* namespace: the harness (run by the target
# interpreters), the interleave runtime (pasted into generated programs), the API
# surface snapshots and the known-races lists.
compile_python_fuzzer "$SRC/tandem/fuzz/atheris_target.py" \
  --add-data "$SRC/tandem/oracle/_child.py:tandem/oracle" \
  --add-data "$SRC/tandem/oracle/known_races:tandem/oracle/known_races" \
  --add-data "$SRC/tandem/fuzz/interleave/runtime.py:tandem/fuzz/interleave" \
  --add-data "$SRC/tandem/fuzz/interleave/surface-*.json:tandem/fuzz/interleave"
