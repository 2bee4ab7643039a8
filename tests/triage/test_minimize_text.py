"""Text-level minimization: threads dropped, functions inlined, statements hoisted out
of functions, loops and `with` blocks, expressions made constants; and `tandem minimize`
on a 100-line crashing program that needs no harness."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.fuzz.family import build
from tandem.fuzz.render import render
from tandem.fuzz.scenario import Capabilities
from tandem.oracle.model import Interpreter
from tandem.oracle.reproduce import Pair
from tandem.triage.minimize import (
    Reproduces,
    _halvings,
    _without,
    broken,
    constants,
    hoist,
    inline,
    undefined,
    unthread,
    unused,
)

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


TOOLKIT = """import re
import sys
import threading
'''A docstring.'''
LIMIT = 3
PATTERN = re.compile("x")

def helper():
    return helper()

def used():
    try:
        pass
    except ImportError:
        pass
    return LIMIT

class Unused(object):
    pass
SHARED = [used()]
threads(used)
"""


def test_unused_definitions_go_all_at_once_then_one_at_a_time():
    every = unused(TOOLKIT, 0)
    # nothing reads sys/threading/PATTERN/helper (its own recursion does not count)/Unused/
    # SHARED (a binding whose value calls is dead too: the predicate judges); the docstring
    # and the empty try are no-ops; PATTERN still reads re, so re stays this round
    assert every is not None
    for gone in ("import sys", "import threading", "def helper", "class Unused", "A docstring", "try:", "PATTERN"):
        assert gone not in every, gone
    assert "SHARED" not in every
    for kept in ("import re", "LIMIT = 3", "def used", "threads(used)"):
        assert kept in every, kept
    assert "import re" not in unused(every, 0)  # the next round: PATTERN is gone, so is re
    # then halves, quarters ... single ones, each size from the end: 8 unused statements
    # give 1 + 2 + 4 + 8 candidates, the first of them the later half
    assert _halvings(8) == [(0, 8), (4, 8), (0, 4), (6, 8), (4, 6), (2, 4), (0, 2)] + [
        (i, i + 1) for i in range(7, -1, -1)
    ]
    candidates = _all(unused, TOOLKIT)
    assert len(candidates) == 15 and all(c.count("\n") < TOOLKIT.count("\n") for c in candidates)
    assert "threads(used)" in candidates[-8] and "try:" not in candidates[-8]  # single ones: the last first
    assert "import sys" in candidates[1] and "class Unused" not in candidates[1]  # the later half
    assert unused("x = 1\nprint(x)\n", 0) is None
    assert unused("obj.attr = 1\nitems[0] = 2\nfor i in range(2): f(i)\n", 0) is None  # stores do more
    # what statement deletion leaves of a helper: branches and loops of `pass`
    assert unused("obj.attr = 1\nfor i in f():\n    pass\nif g():\n    pass\n", 0) == "obj.attr = 1\n"
    # a method nothing names goes; a called one and dunders stay
    methods = "class A:\n    def __init__(self):\n        self.kept()\n    def kept(self):\n        pass\n"
    methods += "    def dead(self):\n        pass\nA()\n"
    without = unused(methods, 0)
    assert without is not None and "def dead" not in without
    assert "def kept" in without and "def __init__" in without


def test_statement_deletion_can_work_on_module_level_statements_only():
    source = "def f():\n    a = 1\n    b = 2\nx = 1\ny = 2\n"
    assert _without(source, 1, 2, top=True) == "def f():\n    a = 1\n    b = 2\n"
    # walk order: the module's body (f, x, y) first, then f's
    assert _without(source, 3, 1) == "def f():\n    b = 2\nx = 1\ny = 2\n"


def test_a_run_that_stops_on_a_deleted_name_is_broken():
    from tandem.oracle.model import Kind, Observation, Side, Verdict

    def observed(exception=None, thread_exceptions=()):
        return Observation(
            "t", "3.13", "exit", 0, None, None, True, (), (), (), exception, tuple(thread_exceptions), (), "", ""
        )

    agree = Verdict(Kind.AGREE, Side.BOTH, "", (), observed(), observed())
    assert not broken(agree)
    assert broken(Verdict(Kind.INVALID_CASE, Side.BOTH, "", (), observed(("NameError", "x")), observed()))
    assert broken(dataclasses_replace(agree, target=observed(thread_exceptions=[("NameError", "name 'x'")])))
    assert broken(dataclasses_replace(agree, target=observed(("ModuleNotFoundError", "no module"))))
    assert not broken(dataclasses_replace(agree, target=observed(thread_exceptions=[("AttributeError", "x")])))


def test_names_a_deletion_left_undefined_are_found_without_a_run():
    program = (
        "import threading\nclass A:\n    x = y\n    def f(self):\n        return z + len(self.x)\n"
        "def g():\n    global q\n    q = threading.Lock()\n"
        "print(q, __name__, [w for w in range(3)])\nemit('k', A)\n"
    )
    assert undefined(program) == {"y", "z", "emit"}  # class body, method, harness function
    assert undefined(program.replace("import threading\n", "")) == {"y", "z", "emit", "threading"}
    assert undefined("def f():\n    d = {}\n    d['a'] = 1\n") == set()
    assert undefined("def f():\n    d['a'] = 1\n") == {"d"}  # its assignment deleted


def test_the_predicate_refuses_a_candidate_that_reads_a_deleted_name_unrun():
    predicate = Reproduces(_NOWHERE, "crash|target|SIGSEGV", 1.0, free_names=frozenset({"emit"}))
    assert predicate("import os\nemit('x', os.getpid() + later)\n") is False
    assert predicate.calls == 0


def dataclasses_replace(verdict, **changes):
    import dataclasses

    return dataclasses.replace(verdict, **changes)


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


# a pair that cannot run: a test whose predicate makes a run would fail loudly
_MISSING = Interpreter("missing", "/nonexistent/python3", "3.13.0", (3, 13, 0), True, False)
_NOWHERE = Pair(_MISSING, _MISSING)


def _qualname_program() -> str:
    """A generated type_mutation program whose mutator sets __qualname__."""
    return next(
        text
        for seed in range(200)
        if ".__qualname__ = " in (text := render(build("type_mutation", seed, Capabilities())))
    )


class _KeepsTheMutation(Reproduces):
    """The predicate with its runs replaced by a reading of the text: the candidate still
    assigns __qualname__ in a function that `threads(...)` starts next to a reader.  The
    admissibility rules (compiles, no name left undefined) are the real ones."""

    def reproduces(self, source: str) -> bool:
        self.calls += 1
        tree = ast.parse(source)
        started = {
            arg.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "threads"
            for arg in node.args
            if isinstance(arg, ast.Name)
        }
        writers = {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and ".__qualname__ = " in ast.unparse(node)
        }
        return len(started) >= 2 and bool(started & writers)

    def measure(self, source: str, tries: int | None = None, early: bool = True) -> float:
        return 1.0 if self(source) else 0.0


def test_a_generated_race_program_loses_its_toolkit():
    """The text phases on a real type_mutation program (a generated one whose mutator sets
    __qualname__): what is left is the mutation, its reader and what they need."""
    from tandem.triage.minimize import minimize

    source = _qualname_program()
    predicate = _KeepsTheMutation(_NOWHERE, "data_race|target|race x ~ y", 1.0)
    phases: list[str] = []
    result = minimize(source, None, None, predicate, max_seconds=120, say=phases.append)
    assert predicate.reproduces(result.source) and not undefined(result.source) - undefined(source)
    assert result.lines_after * 4 < result.lines_before, result.source  # a quarter or less
    assert "def _describe" not in result.source and "ALLOWED_" not in result.source
    assert [line.split(":")[0].strip() for line in phases[:3]] == ["unused", "module statements", "unused"]


class _LostTheRaceBelow40Lines(_KeepsTheMutation):
    """Every candidate passes, but a program under 40 lines measures 0%: the chain of
    acceptances went one step too far (what a rare race's luck can do)."""

    def measure(self, source: str, tries: int | None = None, early: bool = True) -> float:
        self.measured.append(source.count("\n"))
        return 0.0 if source.count("\n") < 40 else 1.0


def test_a_result_under_the_bar_falls_back_to_the_newest_phase_that_meets_it():
    from tandem.triage.minimize import minimize

    source = _qualname_program()
    predicate = _LostTheRaceBelow40Lines(_NOWHERE, "data_race|target|race x ~ y", 1.0)
    predicate.measured = []
    phases: list[str] = []
    result = minimize(source, None, None, predicate, max_seconds=120, say=phases.append)
    assert result.rate == 1.0 and result.lines_after >= 40, result.source
    assert predicate.measured[0] < 40 and predicate.measured[-1] == result.lines_after
    assert any("under the bar of 50%: back to the" in line for line in phases)
