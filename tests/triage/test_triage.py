"""Signatures, buckets and reports: pure functions on recorded verdicts."""

from __future__ import annotations

import dataclasses

from oracle import store
from oracle.model import CrashInfo, Difference, Kind, Observation, Side, Verdict
from triage.buckets import similar
from triage.report import markdown
from triage.signature import signature, signature_id

BASE = Observation(interpreter="ft-debug", version="3.13.15", outcome="exit", exit_code=0, signal=None, crash=None,
                   finished=True, results=(), observations=(), violations=(), exception=None, thread_exceptions=(),
                   unraisable=(), stdout="", stderr_tail="")


def crashed(headline, assertion=None, frames=()):
    return dataclasses.replace(BASE, crash=CrashInfo(Kind.ASSERTION if assertion else Kind.CRASH, headline,
                                                     assertion=assertion, python_frames=frames))


def test_assertion_signature_ignores_line_numbers_and_paths():
    one = Verdict(Kind.ASSERTION, Side.TARGET, "", (), crashed(
        "python3.13: Include/internal/pycore_dict.h:272: _PyDict_NotifyEvent: Assertion ...",
        ("pycore_dict.h", "_PyDict_NotifyEvent", "Py_REFCNT((PyObject*)mp) > 0")), BASE)
    other = dataclasses.replace(one, target=crashed(
        "python3.13: Include/internal/pycore_dict.h:275: _PyDict_NotifyEvent: Assertion ...",
        ("pycore_dict.h", "_PyDict_NotifyEvent", "Py_REFCNT((PyObject*)mp) > 0")))
    assert signature(one) == signature(other) == \
        "assertion|target|pycore_dict.h:_PyDict_NotifyEvent|Py_REFCNT((PyObject*)mp) > 0"
    assert len(signature_id(signature(one))) == 12


def test_crash_signature_uses_top_program_frames_with_generated_names_normalized():
    frames = ("<harness>/_child.py:runner", "<run>/case.py:constructor_0", "<run>/case.py:_init_body")
    one = Verdict(Kind.CRASH, Side.TARGET, "", (), crashed("SIGSEGV", frames=frames), BASE)
    other = Verdict(Kind.CRASH, Side.TARGET, "", (), crashed("SIGSEGV", frames=(
        "<run>/case.py:constructor_1", "<run>/case.py:_init_body")), BASE)
    assert signature(one) == signature(other) == "crash|target|SIGSEGV|constructor_N|_init_body"


def test_divergence_signatures_name_what_differed():
    verdict = Verdict(Kind.RESULT_DIVERGENCE, Side.TARGET, "", (Difference("result 'b'", "1", "2"),
                                                                Difference("result 'a'", "1", "2")), BASE, BASE)
    assert signature(verdict) == "result_divergence|target|result 'a'|result 'b'"
    violated = dataclasses.replace(BASE, violations=(("no list item lost or duplicated", 1, "x"),))
    assert signature(Verdict(Kind.INVARIANT_VIOLATION, Side.BOTH, "", (), violated, violated)) == \
        "invariant_violation|both|no list item lost or duplicated"


def test_similar_merges_reordered_and_deeper_evidence_only():
    assert similar("crash|target|SIGSEGV|a|b", "crash|target|SIGSEGV|b|a")
    assert similar("crash|target|SIGSEGV|a", "crash|target|SIGSEGV|a|b")
    assert not similar("crash|target|SIGSEGV|a", "crash|oracle|SIGSEGV|a")
    assert not similar("crash|target|SIGSEGV|a", "crash|target|SIGABRT|a")


def test_markdown_report_has_the_parts_of_a_bug_report(ft_debug, ft):
    case = store.CorpusCase("abc123", "emit('x', 1)\n", store.Expectation(Kind.CRASH, Side.TARGET),
                            description="crash in the init race", signature="crash|target|SIGSEGV")
    verdict = {"target": {"interpreter": "ft-debug", "crash": {"headline": "SIGSEGV", "python_frames": ["f"]},
                          "stderr_tail": "Fatal Python error: Segmentation fault"}, "differences": []}
    text = markdown(case, verdict, [ft_debug, ft], {"ft-debug": (3, 10)})
    for part in ("# crash in the init race", "--disable-gil --with-pydebug", "## Reproducer", "def check(",
                 "emit('x', 1)", "3/10 runs (30%)", "SIGSEGV", "`crash|target|SIGSEGV`"):
        assert part in text, part
