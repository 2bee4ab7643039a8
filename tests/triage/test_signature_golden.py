"""Golden tests: saved real crash logs (tests/data/crashes/*.log, captured from the
provisioned 3.13.15 builds) in, signature out (the .expected file next to each)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tandem.oracle.diff import compare
from tandem.oracle.model import Captured, RawRun
from tandem.oracle.normalize import HARNESS_DIR, observe
from tandem.oracle.signature import signature

DATA = Path(__file__).resolve().parents[1] / "data" / "crashes"
LOGS = sorted(DATA.glob("*.log"))


def raw_from_log(path: Path) -> RawRun:
    header, body = {}, []
    for line in path.read_text().splitlines(keepends=True):
        if line.startswith("# ") and ": " in line and not body:
            key, _, value = line[2:].rstrip("\n").partition(": ")
            header[key] = value
        else:
            body.append(line)
    stderr = "".join(body).replace(header["harness"], HARNESS_DIR)
    number = lambda text: None if text == "None" else int(text)  # noqa: E731
    return RawRun(
        interpreter="target",
        version=header["interpreter"].split()[-1],
        argv=(),
        returncode=number(header["returncode"]),
        signal=number(header["signal"]),
        timed_out=header["timed_out"] == "True",
        duration=1.0,
        stdout=Captured(),
        stderr=Captured(stderr.encode(), b"", len(stderr.encode())),
        records=(),
        workdir=header["workdir"],
    )


def clean_oracle(raw: RawRun) -> RawRun:
    return dataclasses.replace(
        raw,
        interpreter="oracle",
        returncode=0,
        signal=None,
        timed_out=False,
        stderr=Captured(),
        records=({"t": "end", "status": "ok"},),
        sanitizer_log="",
    )


def test_there_are_golden_logs():
    assert len(LOGS) >= 8


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.stem)
def test_signature_of_saved_log(log):
    raw = raw_from_log(log)
    verdict = compare(observe(raw), observe(clean_oracle(raw)))
    assert signature(verdict) == log.with_suffix(".expected").read_text().strip()


def _renamed(log: str, old: str, new: str):
    """A saved log whose program function `old` is called `new` (another generated name)."""
    raw = raw_from_log(DATA / log)
    text = raw.stderr.head.decode().replace(f" in {old}\n", f" in {new}\n")
    return dataclasses.replace(raw, stderr=Captured(text.encode(), b"", len(text.encode())))


def _signature_of(raw: RawRun) -> str:
    return signature(compare(observe(raw), observe(clean_oracle(raw))))


def test_the_same_crash_under_two_generated_names_has_one_signature():
    one = _renamed("segfault_ctypes.log", "deref", "switcher_0")
    other = _renamed("segfault_ctypes.log", "deref", "worker_12")
    assert "switcher_0" in one.stderr.head.decode() and "worker_12" in other.stderr.head.decode()
    assert _signature_of(one) == _signature_of(other) == "crash|target|SIGSEGV|ctypes.string_at"


def test_two_c_assertions_under_one_generated_name_have_two_signatures():
    one = _renamed("gil_check_assert.log", "<module>", "switcher_0")
    other = _renamed("gc_track_object_assert.log", "<module>", "switcher_0")
    first, second = _signature_of(one), _signature_of(other)
    assert first != second
    assert "switcher_0" not in first and "switcher_0" not in second


def test_a_crash_in_program_code_is_named_by_its_signal_alone():
    assert (
        _signature_of(_renamed("abort.log", "stop", "mutator_3"))
        == _signature_of(_renamed("abort.log", "stop", "hook_9"))
        == "crash|target|SIGABRT"
    )


# -- crashes named by C frames (decisions in oracle/signature.py's docstring) ------------

GDB = Path(__file__).resolve().parents[1] / "data" / "gdb"
SANITIZER = Path(__file__).resolve().parents[1] / "data" / "sanitizer"


def _crash_with_frames(frames: tuple[str, ...]) -> str:
    """The signature of a target SIGSEGV whose C frames (gdb's, as the campaign adds
    them to a crash: coordinator._keep) are `frames`."""
    raw = RawRun("target", "3.13.15", (), -11, 11, False, 1.0, Captured(), Captured(), ({"t": "start"},))
    target = observe(raw)
    target = dataclasses.replace(target, crash=dataclasses.replace(target.crash, native_frames=frames))
    return signature(compare(target, observe(clean_oracle(raw))))


def _gdb_frames(name: str, old: str = "", new: str = "") -> tuple[str, ...]:
    from tandem.triage.native import parse_backtrace

    text = (GDB / name).read_text()
    return parse_backtrace(text.replace(old, new) if old else text).frames


def test_pylist_new_failure_is_named_past_the_refcount_helpers():
    # _testcapi.set_nomemory sweep on ft-debug: PyList_New frees a list whose item array
    # failed to allocate, with stale items; the top three frames printed were
    # Py_DECREF@object.h|Py_XDECREF@object.h|list_dealloc@listobject.c
    assert (
        _crash_with_frames(_gdb_frames("sweep_pylist_new_decref.txt"))
        == "crash|target|SIGSEGV|list_dealloc@listobject.c|PyList_New@listobject.c"
    )


def test_the_same_failure_reached_from_another_caller_has_one_signature():
    by_build_list = _gdb_frames("sweep_pylist_new_decref.txt")
    by_other_caller = _gdb_frames("sweep_pylist_new_decref.txt", "_PyList_FromArraySteal (", "list_repeat (")
    assert by_build_list != by_other_caller
    assert _crash_with_frames(by_build_list) == _crash_with_frames(by_other_caller)


def test_a_crash_in_the_same_function_from_another_caller_stays_apart():
    # list_dealloc striking on stale items reached from list_ass_slice is not PyList_New's bug
    other = _gdb_frames("sweep_pylist_new_decref.txt", "PyList_New (", "list_ass_slice (")
    assert _crash_with_frames(other) != _crash_with_frames(_gdb_frames("sweep_pylist_new_decref.txt"))


def test_a_crash_inside_the_allocator_is_named_by_who_freed():
    # the same PyList_New failure striking in the debug allocator's check of a stale items
    # pointer: formerly _PyMem_DebugCheckAddress|_PyMem_DebugRawFree|_PyMem_DebugFree, the
    # state of any bad free at all; _testcapi's hook_ffree is the sweep's, not the bug's
    assert (
        _crash_with_frames(_gdb_frames("sweep_pylist_new_free.txt"))
        == "crash|target|SIGSEGV|free_list_items@listobject.c|list_dealloc@listobject.c"
    )


def test_a_crash_in_a_lock_primitive_is_named_by_its_caller():
    # formerly PyThread_acquire_lock_timed|PyThread_acquire_lock|PyUnstable_WritePerfMapEntry:
    # every crash on a bad lock shared its first two frames
    assert (
        _crash_with_frames(_gdb_frames("sweep_perf_map_lock.txt"))
        == "crash|target|SIGSEGV|PyUnstable_WritePerfMapEntry@sysmodule.c|perf_map_write_entry@perf_trampoline.c"
    )


def test_atomics_refcount_helpers_and_clinic_wrappers_are_not_the_bug():
    frames = (
        "_Py_atomic_load_uint32_relaxed@pyatomic_gcc.h",
        "_Py_NewRef@object.h",
        "_elementtree_Element_remove_impl@_elementtree.c",
        "_elementtree_Element_remove@_elementtree.c.h",  # its argument-clinic wrapper
        "method_vectorcall_O@descrobject.c",
        "list_remove@listobject.c",
    )
    assert _crash_with_frames(frames) == (
        "crash|target|SIGSEGV|_elementtree_Element_remove_impl@_elementtree.c|list_remove@listobject.c"
    )


def test_every_frame_generic_keeps_the_top_one():
    assert _crash_with_frames(("_PyMem_DebugCheckAddress@obmalloc.c", "PyMem_Free@obmalloc.c")) == (
        "crash|target|SIGSEGV|_PyMem_DebugCheckAddress@obmalloc.c"
    )


def test_one_segfault_under_gdb_tsan_and_asan_has_one_signature():
    """ctypes.string_at(0): gdb's frames on a release build, and the stack each sanitizer
    runtime printed when it caught the signal itself (tests/data/sanitizer/runtime-*)."""
    import json

    from tandem.oracle import sanitizer_report

    expected = "crash|target|SIGSEGV|string_at@_ctypes.c|_call_function_pointer@callproc.c"
    assert _crash_with_frames(_gdb_frames("ctypes_segv_release.txt")) == expected
    for name in ("runtime-tsan-segv-ctypes", "runtime-asan-segv-ctypes"):
        meta = json.loads((SANITIZER / f"{name}.json").read_text())
        raw = RawRun(
            meta["interpreter"],
            "3.13.15",
            (),
            meta["returncode"],
            meta["signal"],
            False,
            1.0,
            Captured(),
            Captured(),
            ({"t": "start"},),
            sanitizer_log=(SANITIZER / f"{name}.log").read_text(),
        )
        (report,) = sanitizer_report.parse(raw.sanitizer_log)
        assert report.category == sanitizer_report.SIGNAL
        assert signature(compare(observe(raw), observe(clean_oracle(raw)))) == expected
