#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: the fuzzer is fuzz/atheris_target.py (bytes ->
# scenario -> differential run on target and oracle; a finding raises).  The two
# CPython builds it runs programs on are shipped in $OUT/tandem-interpreters/, where the
# target finds them (fuzz.atheris_target._bundled).  The interpreters under test are not
# instrumented: the coverage that guides libFuzzer is that of the generators.
pip3 install "$SRC/tandem"
mkdir -p "$WORK/cpython"
tar -xf "$SRC/cpython.tar.xz" -C "$WORK/cpython" --strip-components=1
for variant in ft ft-debug; do
  flags="--disable-gil"
  [ "$variant" = ft-debug ] && flags="$flags --with-pydebug"
  mkdir -p "$WORK/build-$variant"
  (cd "$WORK/build-$variant" &&
   CC=gcc CXX=g++ CFLAGS= CXXFLAGS= LDFLAGS= "$WORK/cpython/configure" $flags --without-ensurepip \
       --prefix="$OUT/tandem-interpreters/$variant" -q &&
   make -j"$(nproc)" -s && make install -s)
done
compile_python_fuzzer "$SRC/tandem/fuzz/atheris_target.py" --add-data "$SRC/tandem/oracle/_child.py:oracle"
