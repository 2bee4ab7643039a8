"""compare(): precedence of kinds, sides, exact vs cross-version unraisable wording."""

from __future__ import annotations

import dataclasses

from tandem.oracle.diff import compare, format_verdict
from tandem.oracle.model import CrashInfo, Kind, Observation, Side, Unraisable
from tandem.oracle.normalize import canonical_unraisable

BASE = Observation(
    interpreter="x",
    version="3.13.15",
    outcome="exit",
    exit_code=0,
    signal=None,
    crash=None,
    finished=True,
    results=(("k", ("1",)),),
    observations=(),
    violations=(),
    exception=None,
    thread_exceptions=(),
    unraisable=(),
    stdout="",
    stderr_tail="",
)


def obs(**changes):
    return dataclasses.replace(BASE, **changes)


def event(text, exc_type="ValueError", message="boom"):
    return Unraisable(exc_type, message, "", "", text, canonical_unraisable(text))


def test_agree():
    verdict = compare(obs(), obs())
    assert (verdict.kind, verdict.side) == (Kind.AGREE, Side.NONE)


def test_crash_beats_everything_and_names_the_side():
    crashed = obs(
        crash=CrashInfo(Kind.CRASH, "SIGSEGV"), outcome="signal", signal="SIGSEGV", violations=(("c", 1, ""),)
    )
    assert (compare(crashed, obs()).kind, compare(crashed, obs()).side) == (Kind.CRASH, Side.TARGET)
    assert compare(obs(), crashed).side is Side.ORACLE
    assert compare(crashed, crashed).side is Side.BOTH


def test_more_specific_crash_kind_wins_on_both():
    assertion = obs(crash=CrashInfo(Kind.ASSERTION, "a"))
    hang = obs(crash=CrashInfo(Kind.HANG, "h"))
    verdict = compare(hang, assertion)
    assert (verdict.kind, verdict.side) == (Kind.ASSERTION, Side.BOTH)


def test_violation_before_divergence():
    verdict = compare(obs(violations=(("c", 2, "x"),), results=()), obs())
    assert (verdict.kind, verdict.side) == (Kind.INVARIANT_VIOLATION, Side.TARGET)


def test_same_uncaught_exception_is_invalid_case():
    failing = obs(exception=("NameError", "name 'x' is not defined"), exit_code=1)
    assert compare(failing, failing).kind is Kind.INVALID_CASE


def test_exception_only_on_oracle():
    verdict = compare(obs(), obs(exception=("KeyError", "'a'"), exit_code=1))
    assert (verdict.kind, verdict.side) == (Kind.EXCEPTION_DIVERGENCE, Side.ORACLE)


def test_thread_exceptions_compared_as_multisets():
    a = obs(thread_exceptions=(("E", "1"), ("E", "2")))
    b = obs(thread_exceptions=(("E", "1"),))
    assert compare(a, a).kind is Kind.AGREE
    verdict = compare(a, b)
    assert verdict.kind is Kind.EXCEPTION_DIVERGENCE and verdict.side is Side.TARGET
    assert "1x E: 2" in verdict.differences[0].target


def test_result_and_stdout_differences_are_listed():
    verdict = compare(obs(results=(("k", ("2",)),), stdout="a\n"), obs(stdout="b\n"))
    assert verdict.kind is Kind.RESULT_DIVERGENCE
    assert [d.what for d in verdict.differences] == ["result 'k'", "stdout"]
    text = format_verdict(verdict, "ft-debug", "ft")
    assert "result 'k'" in text and "ft-debug: 2" in text


OLD = "Exception ignored in: <function C.__del__ at 0x?>\nTraceback (most recent call last):\nValueError: boom\n"
NEW = "Exception ignored while calling deallocator <function C.__del__ at 0x?>:\nTraceback (most recent call last):\nValueError: boom\n"


def test_unraisable_exact_within_a_version():
    verdict = compare(obs(unraisable=(event(NEW),)), obs(unraisable=(event(OLD),)))
    assert verdict.kind is Kind.UNRAISABLE_DIVERGENCE
    assert "exact text" in verdict.summary


def test_unraisable_wording_change_explained_across_versions():
    newer = obs(version="3.14.0", unraisable=(event(NEW),))
    older = obs(version="3.13.15", unraisable=(event(OLD),))
    assert compare(newer, older).kind is Kind.AGREE


def test_unraisable_real_difference_still_found_across_versions():
    newer = obs(version="3.14.0", unraisable=(event(NEW.replace("boom", "bang"), message="bang"),))
    older = obs(version="3.13.15", unraisable=(event(OLD),))
    assert compare(newer, older).kind is Kind.UNRAISABLE_DIVERGENCE


def test_unraisable_order_does_not_matter():
    a, b = event(OLD), event(OLD.replace("boom", "bang"), message="bang")
    assert compare(obs(unraisable=(a, b)), obs(unraisable=(b, a))).kind is Kind.AGREE
