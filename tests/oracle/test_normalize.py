"""Normalization and crash classification: pure functions, table-tested."""

from __future__ import annotations

import signal

import pytest

from tandem.oracle.model import Captured, Kind, RawRun
from tandem.oracle.normalize import canonical_unraisable, normalize_text, observe


def raw(stderr="", records=(), returncode=0, sig=None, timed_out=False, stdout=""):
    return RawRun(
        interpreter="t",
        version="3.13.15",
        argv=(),
        returncode=returncode,
        signal=sig,
        timed_out=timed_out,
        duration=0.1,
        stdout=Captured(stdout.encode(), b"", len(stdout)),
        stderr=Captured(stderr.encode(), b"", len(stderr)),
        records=tuple(records),
        workdir="/tmp/tandem-run-abc",
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<function f at 0x7f3a2b1c0d40>", "<function f at 0x?>"),
        ("<C object at 0x200006b8f30>", "<C object at 0x?>"),
        ("hex(255) is 0xff", "hex(255) is 0xff"),
        ("<Thread(worker-1, started 140234567890123)>", "<Thread(worker-1, started ?)>"),
        ("Thread 0x00007f12345678 (most recent call first):", "Thread 0x? (most recent call first):"),
        ('File "/tmp/tandem-run-abc/case.py", line 3', 'File "<run>/case.py", line 3'),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text, (("/tmp/tandem-run-abc", "<run>"),)) == expected


@pytest.mark.parametrize(
    "text, canonical",
    [
        # 3.12 / 3.13 default wording
        (
            "Exception ignored in: <function C.__del__ at 0x?>\nTraceback (most recent call last):\n"
            '  File "x.py", line 3, in __del__\nValueError: boom\n',
            "Exception ignored in: <function C.__del__ at 0x?>\nValueError: boom",
        ),
        # 3.14 wording of the same event
        (
            "Exception ignored while calling deallocator <function C.__del__ at 0x?>:\n"
            'Traceback (most recent call last):\n  File "x.py", line 3, in __del__\n'
            "    raise ValueError('boom')\n    ~~~~~^^\nValueError: boom\n",
            "Exception ignored in: <function C.__del__ at 0x?>\nValueError: boom",
        ),
        (
            "Exception ignored while calling weakref callback <function <lambda> at 0x?>:\nZeroDivisionError: division by zero",
            "Exception ignored in: <function <lambda> at 0x?>\nZeroDivisionError: division by zero",
        ),
        (
            "Exception ignored while closing generator <generator object g at 0x?>:\nKeyError: 'k'",
            "Exception ignored in: <generator object g at 0x?>\nKeyError: 'k'",
        ),
        # atexit: 3.12 "callback: <obj>" vs 3.13+ "callback <obj>:"
        (
            "Exception ignored in atexit callback <function ex at 0x?>:\nOSError: boom",
            "Exception ignored in atexit callback: <function ex at 0x?>\nOSError: boom",
        ),
        (
            "Exception ignored in atexit callback: <function ex at 0x?>\nOSError: boom",
            "Exception ignored in atexit callback: <function ex at 0x?>\nOSError: boom",
        ),
    ],
)
def test_wording_rules(text, canonical):
    assert canonical_unraisable(text) == canonical


def test_segfault_with_faulthandler_dump_is_a_crash_not_a_fatal_error():
    stderr = (
        "Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f00 (most recent call first):\n"
        '  File "/tmp/tandem-run-abc/case.py", line 7 in <module>\n'
    )
    observation = observe(raw(stderr, returncode=-11, sig=signal.SIGSEGV))
    assert observation.crash.kind is Kind.CRASH
    assert observation.crash.headline == "SIGSEGV"
    assert observation.crash.python_frames == ("<run>/case.py:<module>",)


def test_glibc_assertion():
    stderr = "python3.13td: ../Python/errors.c:316: PyErr_Occurred: Assertion `PyGILState_Check()' failed.\n"
    observation = observe(raw(stderr, returncode=-6, sig=signal.SIGABRT))
    assert observation.crash.kind is Kind.ASSERTION
    assert observation.crash.assertion == ("errors.c", "PyErr_Occurred", "PyGILState_Check()")


def test_cpython_object_assertion_beats_the_fatal_error_line():
    stderr = (
        "../Python/gc_free_threading.c:1655: PyObject_GC_Track: Assertion failed: object already tracked\n"
        "Fatal Python error: _PyObject_AssertFailed: _PyObject_AssertFailed\n"
    )
    observation = observe(raw(stderr, returncode=-6, sig=signal.SIGABRT))
    assert observation.crash.kind is Kind.ASSERTION
    assert observation.crash.assertion == ("gc_free_threading.c", "PyObject_GC_Track", "object already tracked")


def test_fatal_error():
    stderr = "Fatal Python error: _enter_buffered_busy: could not acquire lock\nPython runtime state: finalizing\n"
    observation = observe(raw(stderr, returncode=-6, sig=signal.SIGABRT))
    assert observation.crash.kind is Kind.FATAL_ERROR
    assert observation.crash.headline == "Fatal Python error: _enter_buffered_busy: could not acquire lock"


def test_fatal_text_printed_by_a_program_that_exits_cleanly_is_not_a_crash():
    observation = observe(raw("Fatal Python error: just text\n", records=[{"t": "end", "status": "ok"}]))
    assert observation.crash is None


def test_hang():
    observation = observe(
        raw(
            'Thread 0x00007f (most recent call first):\n  File "/tmp/tandem-run-abc/case.py", line 9 in left\n',
            returncode=None,
            timed_out=True,
        )
    )
    assert observation.crash.kind is Kind.HANG
    assert observation.outcome == "hang"
    assert observation.crash.python_frames == ("<run>/case.py:left",)


def test_records_to_observation():
    records = [
        {"t": "start", "stdlib": "/opt/py/lib/python3.13t", "prefix": "/opt/py"},
        {"t": "emit", "k": "a", "v": "1"},
        {"t": "emit", "k": "a", "v": "2"},
        {"t": "observe", "k": "o", "v": "<X at 0x7f0000001>"},
        {"t": "observe", "k": "o", "v": "1"},
        {"t": "check", "label": "c", "detail": "3"},
        {"t": "thread_exception", "type": "KeyError", "msg": "'b'"},
        {"t": "thread_exception", "type": "KeyError", "msg": "'a'"},
        {
            "t": "unraisable",
            "exc_type": "ValueError",
            "exc_message": "m",
            "err_msg": "",
            "object": "",
            "text": 'Exception ignored in: <f at 0x7f0000001>\n  File "/opt/py/lib/python3.13t/threading.py"\nValueError: m\n',
        },
        {"t": "end", "status": "ok", "checks": {"c": [4, 9]}},
    ]
    observation = observe(raw(records=records))
    assert observation.results == (("a", ("1", "2")),)
    assert observation.observations == (("o", ("1", "<X at 0x?>")),)
    assert observation.violations == (("c", 9, "3"),)  # the end record counts every failure
    assert observation.thread_exceptions == (("KeyError", "'a'"), ("KeyError", "'b'"))
    assert '"<stdlib>/threading.py"' in observation.unraisable[0].text
    assert observation.finished and observation.crash is None
