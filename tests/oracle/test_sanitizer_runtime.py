"""A sanitizer runtime's own failures, never a silent agree: golden tests on output saved
from this machine's ft-tsan and ft-asan builds of 3.13.15 (tests/data/sanitizer/runtime-*:
the runtime's log, the run's stderr, and how the run ended), and the same cases on the
real builds.

A deadly signal the runtime caught, or a CHECK of the runtime that the program failed,
is a finding (TSan then exits with the status it was given: 0); a runtime that cannot
start, or runs out of memory or address space, is an infrastructure error naming the
cause; a runtime line the parser does not know is a crash named by that line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tandem.oracle import diff, sanitizer_report
from tandem.oracle.errors import HarnessError, InterpreterError
from tandem.oracle.model import Captured, Kind, RawRun
from tandem.oracle.normalize import HARNESS_DIR, observe
from tandem.oracle.signature import signature

DATA = Path(__file__).resolve().parents[1] / "data" / "sanitizer"

# name -> (verdict kind, signature) or (error class, words of its message)
EXPECTED = {
    "runtime-tsan-segv-ctypes": (
        Kind.CRASH,
        "crash|target|SIGSEGV|string_at@_ctypes.c|_call_function_pointer@callproc.c",
    ),
    "runtime-asan-segv-ctypes": (
        Kind.CRASH,
        "crash|target|SIGSEGV|string_at@_ctypes.c|_call_function_pointer@callproc.c",
    ),
    "runtime-tsan-check-bad-free": (
        Kind.ASSERTION,
        "assertion|target|sanitizer_allocator_secondary.h:ThreadSanitizer CHECK|((IsAligned(p, page_size_))) != (0)",
    ),
    # Element.remove() comparing children while another thread extends the element: a real
    # use-after-free of 3.13.15t that TSan caught as a SEGV after seven race reports; named
    # past _Py_atomic_load/_Py_NewRef and the argument-clinic wrapper of remove()
    "runtime-tsan-segv-element-remove": (
        Kind.CRASH,
        "crash|target|SIGSEGV|_elementtree_Element_remove_impl@_elementtree.c",
    ),
    "runtime-tsan-lock-order-inversion": (
        Kind.DATA_RACE,
        "data_race|target|lock-order-inversion (potential deadlock) PyCFuncPtr_call@_ctypes.c",
    ),
    "runtime-tsan-start-ulimit": (InterpreterError, "ThreadSanitizer runtime failed at start-up.*address-space limit"),
    "runtime-asan-start-ulimit": (InterpreterError, "AddressSanitizer runtime failed at start-up.*ulimit -v"),
    "runtime-tsan-start-aslr": (InterpreterError, "unexpected memory mapping.*setarch"),
}


def saved_run(name: str) -> RawRun:
    """A saved run: <name>.json (how it ended), .log (the runtime's log), .stderr."""
    meta = json.loads((DATA / f"{name}.json").read_text())
    stderr = (DATA / f"{name}.stderr").read_text().replace(meta["harness"], HARNESS_DIR)
    records = (
        ([{"t": "start"}] if meta["started"] else []) + meta["records"] + ([{"t": "end"}] if meta["finished"] else [])
    )
    return RawRun(
        interpreter=meta["interpreter"],
        version="3.13.15",
        argv=(),
        returncode=meta["returncode"],
        signal=meta["signal"],
        timed_out=False,
        duration=1.0,
        stdout=Captured(),
        stderr=Captured(stderr.encode(), b"", len(stderr.encode())),
        records=tuple(records),
        workdir=meta["workdir"],
        sanitizer_log=(DATA / f"{name}.log").read_text(),
    )


def _oracle(records=({"t": "start"}, {"t": "end"})) -> RawRun:
    return RawRun("ft", "3.13.15", (), 0, None, False, 1.0, Captured(), Captured(), tuple(records))


def _judge(raw: RawRun):
    return diff.compare(observe(raw, known_races=()), observe(_oracle(), known_races=()))


def test_every_saved_runtime_case_has_its_expectation():
    assert sorted(p.stem for p in DATA.glob("runtime-*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_saved_runtime_failure(name):
    expected, what = EXPECTED[name]
    raw = saved_run(name)
    if isinstance(expected, Kind):
        verdict = _judge(raw)
        assert verdict.kind is expected, verdict.summary
        assert signature(verdict) == what
    else:
        with pytest.raises(expected, match=what):
            observe(raw)


def test_a_deadly_signal_with_exit_status_zero_is_a_crash_not_an_agreement():
    raw = saved_run("runtime-tsan-segv-ctypes")
    assert raw.returncode == 0 and raw.signal is None  # what TSan left: it exited with exitcode=0
    target = observe(raw, known_races=())
    assert target.crash is not None and target.crash.kind is Kind.CRASH and target.crash.headline == "SIGSEGV"
    assert target.crash.native_frames[:2] == ("string_at@_ctypes.c", "_call_function_pointer@callproc.c")
    assert any("string_at" in frame for frame in target.crash.python_frames)  # faulthandler's dump, kept


def test_asan_segv_is_a_crash_no_longer_a_memory_error():
    verdict = _judge(saved_run("runtime-asan-segv-ctypes"))
    assert verdict.kind is Kind.CRASH and not any(d.what.startswith("memory_error") for d in verdict.differences)


def test_an_assertion_of_cpython_wins_over_the_runtime_signal_it_raised():
    raw = saved_run("runtime-asan-segv-ctypes")
    stderr = "Objects/listobject.c:12: list_foo: Assertion `x' failed.\n" + raw.stderr.text()
    raw = dataclasses.replace(raw, stderr=Captured(stderr.encode(), b"", len(stderr.encode())))
    assert signature(_judge(raw)) == "assertion|target|listobject.c:list_foo|x"


def _with_log(log: str, started: bool = True, finished: bool = True, stderr: str = "") -> RawRun:
    records = ([{"t": "start"}] if started else []) + ([{"t": "end"}] if finished else [])
    return RawRun(
        "ft-tsan",
        "3.13.15",
        (),
        0,
        None,
        False,
        1.0,
        Captured(),
        Captured(stderr.encode(), b"", len(stderr.encode())),
        tuple(records),
        sanitizer_log=log,
    )


def test_a_runtime_line_not_understood_is_a_crash_named_by_it():
    raw = _with_log("==4242==WARNING: ThreadSanitizer: something this parser has never seen (pid=4242)\n")
    verdict = _judge(raw)
    assert verdict.kind is Kind.CRASH
    assert (
        signature(verdict)
        == "crash|target|ThreadSanitizer runtime: WARNING: ThreadSanitizer: something this parser has never seen"
    )


def test_benign_runtime_lines_and_program_output_are_not_findings():
    log = (
        "ThreadSanitizer:DEADLYSIGNAL\n==12==ABORTING\nThreadSanitizer: reported 2 warnings\n"
        "ThreadSanitizer: Matched 3 suppressions (pid=12):\n3 race:_PyObject_GC_TRACK\n"
        "the program printed this, and ThreadSanitizer too\n"
    )
    assert sanitizer_report.parse(log) == ()
    assert _judge(_with_log(log)).kind is Kind.AGREE


def test_a_runtime_short_of_memory_during_the_run_is_an_infrastructure_error():
    log = "==77==ERROR: ThreadSanitizer failed to allocate 0x10000 (65536) bytes of sync allocator (error code: 12)\n"
    with pytest.raises(HarnessError, match=r"during the run.*no memory"):
        observe(_with_log(log, finished=False))
    with pytest.raises(InterpreterError, match="at start-up"):
        observe(_with_log(log, started=False, finished=False))


def test_runtime_lines_written_to_stderr_are_read_too():
    stderr = 'ThreadSanitizer: CHECK failed: tsan_rtl.cpp:99 "((x)) != (0)" (0x0, 0x0) (tid=5)\n'
    verdict = _judge(_with_log("", finished=False, stderr=stderr))
    assert verdict.kind is Kind.ASSERTION
    assert signature(verdict) == "assertion|target|tsan_rtl.cpp:ThreadSanitizer CHECK|((x)) != (0)"


def test_the_races_before_a_deadly_signal_are_kept_on_the_observation():
    target = observe(saved_run("runtime-tsan-segv-element-remove"), known_races=())
    categories = [r.category for r in target.sanitizer_reports]
    assert categories.count(sanitizer_report.RACE) == 7 and categories[-1] == sanitizer_report.SIGNAL
