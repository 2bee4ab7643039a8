"""Signatures, buckets and reports: pure functions on recorded verdicts."""

from __future__ import annotations

import dataclasses

from tandem.oracle import store
from tandem.oracle.model import CrashInfo, Difference, Kind, Observation, Side, Verdict
from tandem.oracle.reproduce import Pair
from tandem.oracle.signature import signature, signature_id
from tandem.triage.buckets import similar
from tandem.triage.report import Build, markdown

BASE = Observation(
    interpreter="ft-debug",
    version="3.13.15",
    outcome="exit",
    exit_code=0,
    signal=None,
    crash=None,
    finished=True,
    results=(),
    observations=(),
    violations=(),
    exception=None,
    thread_exceptions=(),
    unraisable=(),
    stdout="",
    stderr_tail="",
)


def crashed(headline, assertion=None, frames=()):
    return dataclasses.replace(
        BASE,
        crash=CrashInfo(
            Kind.ASSERTION if assertion else Kind.CRASH, headline, assertion=assertion, python_frames=frames
        ),
    )


def test_assertion_signature_ignores_line_numbers_and_paths():
    one = Verdict(
        Kind.ASSERTION,
        Side.TARGET,
        "",
        (),
        crashed(
            "python3.13: Include/internal/pycore_dict.h:272: _PyDict_NotifyEvent: Assertion ...",
            ("pycore_dict.h", "_PyDict_NotifyEvent", "Py_REFCNT((PyObject*)mp) > 0"),
        ),
        BASE,
    )
    other = dataclasses.replace(
        one,
        target=crashed(
            "python3.13: Include/internal/pycore_dict.h:275: _PyDict_NotifyEvent: Assertion ...",
            ("pycore_dict.h", "_PyDict_NotifyEvent", "Py_REFCNT((PyObject*)mp) > 0"),
        ),
    )
    assert (
        signature(one)
        == signature(other)
        == "assertion|target|pycore_dict.h:_PyDict_NotifyEvent|Py_REFCNT((PyObject*)mp) > 0"
    )
    assert len(signature_id(signature(one))) == 12


def test_crash_signature_names_the_library_call_never_program_frames():
    frames = ("<stdlib>/threading.py:settrace_all_threads", "<run>/case.py:switcher_0", "<run>/case.py:_init_body")
    one = Verdict(Kind.CRASH, Side.TARGET, "", (), crashed("SIGSEGV", frames=frames), BASE)
    other = Verdict(
        Kind.CRASH,
        Side.TARGET,
        "",
        (),
        crashed("SIGSEGV", frames=("<stdlib>/threading.py:settrace_all_threads", "<run>/case.py:constructor_1")),
        BASE,
    )
    assert signature(one) == signature(other) == "crash|target|SIGSEGV|threading.settrace_all_threads"
    in_program = Verdict(
        Kind.CRASH,
        Side.TARGET,
        "",
        (),
        crashed(
            "SIGSEGV", frames=("<run>/case.py:switcher_0", "<harness>/_child.py:runner", "<stdlib>/threading.py:run")
        ),
        BASE,
    )
    assert signature(in_program) == "crash|target|SIGSEGV"


def test_a_plain_re_run_matches_a_crash_named_by_its_gdb_frames():
    from tandem.oracle.signature import matches

    def segv(frames=(), native=()):
        crash = CrashInfo(Kind.CRASH, "SIGSEGV", python_frames=frames, native_frames=native)
        return Verdict(Kind.CRASH, Side.TARGET, "", (), dataclasses.replace(BASE, crash=crash), BASE)

    named = signature(segv(native=("_odict_resize@odictobject.c", "_odict_get_index@odictobject.c")))
    assert named == "crash|target|SIGSEGV|_odict_resize@odictobject.c|_odict_get_index@odictobject.c"
    assert matches(segv(), named)  # no C frames: kind, side, signal
    assert matches(segv(("<stdlib>/ctypes/__init__.py:string_at",)), named)
    assert not matches(segv(native=("dict_resize@dictobject.c",)), named)  # other C frames: another bug
    oracle_side = dataclasses.replace(segv(), side=Side.ORACLE, target=BASE, oracle=segv().target)
    assert not matches(oracle_side, named)
    plain = signature(segv(("<stdlib>/ctypes/__init__.py:string_at",)))
    assert matches(segv(("<stdlib>/ctypes/__init__.py:string_at",)), plain) and not matches(segv(), plain)


def test_divergence_signatures_name_what_differed():
    verdict = Verdict(
        Kind.RESULT_DIVERGENCE,
        Side.TARGET,
        "",
        (Difference("result 'b'", "1", "2"), Difference("result 'a'", "1", "2")),
        BASE,
        BASE,
    )
    assert signature(verdict) == "result_divergence|target|result 'a'|result 'b'"
    violated = dataclasses.replace(BASE, violations=(("no list item lost or duplicated", 1, "x"),))
    assert (
        signature(Verdict(Kind.INVARIANT_VIOLATION, Side.BOTH, "", (), violated, violated))
        == "invariant_violation|both|no list item lost or duplicated"
    )


def test_similar_merges_reordered_and_deeper_evidence_only():
    assert similar("crash|target|SIGSEGV|a|b", "crash|target|SIGSEGV|b|a")
    assert similar("crash|target|SIGSEGV|a", "crash|target|SIGSEGV|a|b")
    assert not similar("crash|target|SIGSEGV|a", "crash|oracle|SIGSEGV|a")
    # one bug seen on the target alone in some runs and on both in others: one group
    assert similar("crash|target|SIGSEGV|a", "crash|both|SIGSEGV|a")
    assert similar("fatal_error|both|Fatal Python error: x", "fatal_error|target|Fatal Python error: x")
    assert not similar("result_divergence|target|result 'x'", "result_divergence|both|result 'x'")
    assert not similar("crash|both|SIGSEGV|a", "crash|target|SIGSEGV|b")
    assert not similar("crash|target|SIGSEGV|a", "crash|target|SIGABRT|a")


def test_markdown_report_has_the_parts_of_a_bug_report(ft_debug, ft):
    case = store.CorpusCase(
        "abc123",
        "emit('x', 1)\n",
        store.Expectation(Kind.CRASH, Side.TARGET),
        description="crash in the init race",
        signature="crash|target|SIGSEGV",
    )
    verdict = {
        "target": {
            "interpreter": "ft-debug",
            "crash": {"headline": "SIGSEGV", "python_frames": ["f"]},
            "stderr_tail": "Fatal Python error: Segmentation fault",
        },
        "differences": [],
    }
    text = markdown(case, verdict, [Build.of("target", ft_debug), Build.of("oracle", ft)], {"ft-debug": (3, 10)})
    for part in (
        "# crash in the init race",
        "--disable-gil --with-pydebug",
        "## Reproducer",
        "def emit(",
        "emit('x', 1)",
        "3/10 (30%, 95% CI 11%-60%)",
        "SIGSEGV",
        "`crash|target|SIGSEGV`",
    ):
        assert part in text, part
    assert "def check(" not in text and "def threads(" not in text  # only what the program calls


DIVERGING = """import sys
def helper(x):
    return x * 2
emit('values', [helper(i) for i in range(10)])
for i in range(3):
    emit('loop', i)
if hasattr(sys, 'gettotalrefcount'):
    emit('flavour', 'debug')
else:
    emit('flavour', 'release')
emit('end', True)
"""


def test_statement_minimization_keeps_the_signature(ft_debug, ft):
    from tandem.triage.minimize import Reproduces, minimize

    expected = "result_divergence|target|result 'flavour'"
    predicate = Reproduces(Pair(ft_debug, ft), expected, rate=1.0, max_tries=2)
    result = minimize(DIVERGING, None, None, predicate, max_seconds=300)
    assert result.lines_after < result.lines_before and "flavour" in result.source
    assert "helper" not in result.source and "loop" not in result.source
    assert result.rate == 1.0


def test_statement_deletion_keeps_the_declared_environment():
    from tandem.oracle.model import declared_env
    from tandem.triage.minimize import _without

    source = "# tandem-env: MIMALLOC_ARENA_RESERVE=4M\n# a comment\nx = 1\ny = 2\nemit('y', y)\n"
    smaller = _without(source, 0, 1)
    assert "x = 1" not in smaller and declared_env(smaller) == (("MIMALLOC_ARENA_RESERVE", "4M"),)


def test_scenario_minimization_drops_threads_and_workers(ft_debug, ft):
    import time

    from tandem.fuzz.family import build
    from tandem.fuzz.scenario import Capabilities
    from tandem.triage.minimize import Reproduces, minimize_scenario

    scenario = build("shared_containers", 3, Capabilities())
    assert len(scenario.workers) > 1 or scenario.workers[0].copies > 1

    def render(s):  # stands in for a real render: one divergence plus one line per thread
        lines = ["import sys", "emit('x', hasattr(sys, 'gettotalrefcount'))"]
        lines += [f"emit('w{i}', {w.copies})" for i, w in enumerate(s.workers)]
        return "\n".join(lines) + "\n"

    predicate = Reproduces(Pair(ft_debug, ft), "result_divergence|target|result 'x'", rate=1.0, max_tries=2)
    smallest, source = minimize_scenario(scenario, render, predicate, time.monotonic() + 300)
    assert len(smallest.workers) == 1 and smallest.workers[0].copies == 1
    assert source.count("\n") == 3


def test_bisect_over_git_history_finds_the_first_bad_revision(tmp_path, ft, gil):
    import subprocess

    from tandem.triage.bisect import bisect_revisions

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    revisions = []
    for index in range(8):
        (tmp_path / "file").write_text(str(index))
        git("add", "file")
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", f"c{index}")
        revisions.append(git("rev-parse", "HEAD"))
    # The "build" of a revision: the free-threaded interpreter from commit 5 on.
    built = []

    def build(revision):
        built.append(revision)
        return ft if revisions.index(revision) >= 5 else gil

    program = "import sysconfig\nemit('ft', bool(sysconfig.get_config_var('Py_GIL_DISABLED')))\n"
    result = bisect_revisions(
        program, tmp_path, revisions[0], revisions[-1], build, gil, "result_divergence|target|result 'ft'", runs=1
    )
    assert result.first_bad == revisions[5]
    assert len(built) <= 3  # a binary search, not a scan
    # Fix verification: present at c5 (older), gone at c7 once c7 "builds" without it.
    built.clear()

    def build_fixed(revision):
        built.append(revision)
        return ft if 5 <= revisions.index(revision) < 7 else gil

    fixed = bisect_revisions(
        program,
        tmp_path,
        revisions[7],
        revisions[5],
        build_fixed,
        gil,
        "result_divergence|target|result 'ft'",
        runs=1,
        fixed=True,
    )
    assert fixed.first_fixed == revisions[7] and fixed.first_bad is None and len(built) <= 2
