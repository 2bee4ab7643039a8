"""Every verdict kind, produced by a small real program on real provisioned builds.

Target = ft-debug, oracle = ft (the defaults): the programs misbehave on debug builds
only, so the side that misbehaved is known.
"""

from __future__ import annotations

from tandem.oracle.judge import judge_once
from tandem.oracle.model import Kind, Limits, Side
from tandem.oracle.reproduce import judge
from tests.conftest import PROGRAMS, case_from

VERDICTS = PROGRAMS / "verdicts"


def run(name, target, oracle, limits=Limits(deadline=30.0)):
    return judge_once(case_from(VERDICTS / name), target, oracle, limits)


def test_segfault_is_a_crash_on_the_target(ft_debug, ft):
    verdict = run("segfault_target.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.CRASH, Side.TARGET)
    assert verdict.target.signal == "SIGSEGV"
    assert verdict.target.crash.headline == "SIGSEGV"
    # faulthandler's dump names the program frame that crashed
    assert any("case.py" in frame for frame in verdict.target.crash.python_frames)
    # what was recorded before the crash is kept
    assert dict(verdict.target.results)["before"] == ("'started'",)
    assert verdict.oracle.crash is None


def test_abort_on_both_sides(ft_debug, ft):
    verdict = run("abort_both.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.CRASH, Side.BOTH)
    assert verdict.target.signal == verdict.oracle.signal == "SIGABRT"


def test_c_assert_in_debug_build(ft_debug, ft):
    verdict = run("assertion_target.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.ASSERTION, Side.TARGET)
    file, function, condition = verdict.target.crash.assertion
    assert file == "errors.c" and function == "PyErr_Occurred"
    assert condition == "PyGILState_Check()"


def test_object_assertion_on_both(ft_debug, ft):
    verdict = run("object_assert_both.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.ASSERTION, Side.BOTH)
    _file, function, condition = verdict.target.crash.assertion
    assert function == "PyObject_GC_Track"
    assert "already tracked" in condition


def test_fatal_error(ft_debug, ft):
    verdict = run("fatal_target.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.FATAL_ERROR, Side.TARGET)
    assert "tandem test fatal error" in verdict.target.crash.headline
    assert verdict.target.crash.headline.startswith("Fatal Python error:")


def test_deadlock_is_a_hang_with_all_stacks(ft_debug, ft):
    verdict = run("deadlock_target.py", ft_debug, ft, Limits(deadline=4.0, grace=2.0))
    assert (verdict.kind, verdict.side) == (Kind.HANG, Side.TARGET)
    stderr = verdict.target.stderr_tail
    assert stderr.count("in left") >= 1 and stderr.count("in right") >= 1
    assert verdict.oracle.crash is None and verdict.oracle.finished


def test_result_divergence(ft_debug, ft):
    verdict = run("result_target.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.RESULT_DIVERGENCE, Side.TARGET)
    assert [d.what for d in verdict.differences] == ["result 'flavour'"]
    assert verdict.differences[0].target == "'debug'"
    assert verdict.differences[0].oracle == "'release'"


def test_exception_divergence(ft_debug, ft):
    verdict = run("exception_target.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.EXCEPTION_DIVERGENCE, Side.TARGET)
    assert verdict.target.thread_exceptions == (("LookupError", "only on the target"),)
    assert verdict.oracle.thread_exceptions == ()


def test_unraisable_divergence(ft_debug, ft):
    verdict = run("unraisable_target.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.UNRAISABLE_DIVERGENCE, Side.TARGET)
    (event,) = verdict.target.unraisable
    assert event.exc_type == "ValueError" and event.exc_message == "debug"
    assert event.text.startswith("Exception ignored in: <function Resource.__del__ at 0x?>")
    assert "ValueError: release" in verdict.differences[0].oracle


def test_invariant_violation(ft_debug, ft):
    verdict = run("invariant_target.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.INVARIANT_VIOLATION, Side.TARGET)
    assert verdict.target.violations == (("i stays below 7", 3, "7"),)


def test_invalid_case(ft_debug, ft):
    verdict = run("invalid_both.py", ft_debug, ft)
    assert (verdict.kind, verdict.side) == (Kind.INVALID_CASE, Side.BOTH)
    assert verdict.target.exception == ("NameError", "name 'undefined_name_here' is not defined")


def test_agree_with_unraisable_and_thread_exceptions(ft_debug, ft):
    verdict = run("agree_mixed.py", ft_debug, ft)
    assert verdict.kind is Kind.AGREE, verdict.summary
    assert len(verdict.target.unraisable) == 2
    assert verdict.target.thread_exceptions == (("KeyError", "'same everywhere'"),)
    assert verdict.target.stdout == "stdout is compared too\n"


def test_confirmation_counts_reproductions(ft_debug, ft):
    verdict = judge(case_from(VERDICTS / "result_target.py"), ft_debug, ft, confirm=3)
    assert (verdict.runs, verdict.reproductions) == (2, 2)  # re-run until it showed again
    assert verdict.reproduction_rate == 1.0
