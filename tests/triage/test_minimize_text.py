"""Text-level minimization: threads dropped, functions inlined, statements hoisted out
of functions, loops and `with` blocks, expressions made constants; and `tandem minimize`
on a 100-line crashing program that needs no harness."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.triage.minimize import constants, hoist, inline, unthread

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))
CRASH = ROOT / "tests" / "programs" / "minimize" / "crash_in_thread.py"

SOURCE = """import ctypes
def deref(n):
    for i in range(100):
        with lock:
            ctypes.string_at(n)
def worker():
    deref(0)
threads(worker, other)
"""


def _all(make, source):
    found, index = [], 0
    while (candidate := make(source, index)) is not None:
        found.append(candidate)
        index += 1
    return found


def test_each_text_pass_makes_its_kind_of_candidate():
    hoisted = _all(hoist, SOURCE)
    assert any("def deref" not in c and c.startswith("import ctypes\nfor i in range(100):") for c in hoisted)
    assert any("with lock" not in c for c in hoisted) and any("for i in" not in c for c in hoisted)
    (inlined,) = _all(inline, SOURCE)
    assert "def worker():\n    n = 0\n    for i in range(100):" in inlined
    dropped = _all(unthread, SOURCE)
    assert "threads(other)" in dropped[0] and "threads(worker)" in dropped[1]
    assert unthread("threads(worker)\n", 0) == "worker()\n"
    assert any("range(1)" in c for c in _all(constants, SOURCE))
    assert _all(hoist, "x = 1\n") == [] and inline("x = 1\n", 0) is None


@pytest.mark.slow
def test_minimize_a_100_line_crash_to_a_bare_reproducer_under_30_lines(tmp_path, ft_debug, ft):
    assert CRASH.read_text().count("\n") >= 100
    out = tmp_path / "repro.py"
    done = subprocess.run(
        [TANDEM, "minimize", str(CRASH), "--out", str(out), "--max-time", "10m"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text()
    assert text.count("\n") < 30, text
    assert "def emit" not in text and "_harness" not in text  # no harness: nothing of it carried
    bare = subprocess.run([ft_debug.path, str(out)], capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert bare.returncode == -11, bare.stderr[-2000:]  # still SIGSEGV, on a bare interpreter


def test_runs_in_flight_at_once_are_counted_in_order_and_stop_when_told(ft_debug, ft):
    from tandem.oracle.model import Case
    from tandem.oracle.reproduce import Pair, reproduce

    diverging = Case("import sys\nemit('debug', hasattr(sys, 'gettotalrefcount'))\n")
    found = reproduce(diverging, Pair(ft_debug, ft), 4, jobs=2)
    assert (found.runs, found.hits, found.signature) == (4, 4, "result_divergence|target|result 'debug'")
    stopped = reproduce(diverging, Pair(ft_debug, ft), 6, jobs=2, stop_when=lambda hits, runs, last: hits >= 1)
    assert (stopped.runs, stopped.hits) == (1, 1)  # the run in flight with it is not counted
