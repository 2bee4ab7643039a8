"""Sanitizer reports: golden tests on real logs saved from this machine's ft-tsan and
ft-asan builds of 3.13.15 (tests/data/sanitizer/), through the parser, the verdict and
the signature."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tandem.oracle import diff, sanitizer_report
from tandem.oracle.model import Captured, Kind, RawRun
from tandem.oracle.normalize import observe
from tandem.oracle.signature import matches, sanitizer_signatures, signature

DATA = Path(__file__).resolve().parents[1] / "data" / "sanitizer"


def _log(name: str) -> str:
    return (DATA / name).read_text()


def _raw(log: str = "", interpreter: str = "t", returncode: int = 0) -> RawRun:
    return RawRun(
        interpreter=interpreter,
        version="3.13.15",
        argv=(),
        returncode=returncode,
        signal=None,
        timed_out=False,
        duration=0.1,
        stdout=Captured(),
        stderr=Captured(),
        records=({"t": "start"}, {"t": "end"}),
        sanitizer_log=log,
    )


def test_tsan_race_log_gives_every_report_with_its_stacks():
    reports = sanitizer_report.parse(_log("tsan-enumerate-rangeiter.txt"))
    assert [r.type for r in reports] == ["data race"] * 3
    first = reports[0]
    assert first.sanitizer == "thread" and first.is_race
    current, previous = first.racing
    assert current.title.startswith("Read of size 8 at 0x? by thread T2")
    assert previous.title.startswith("Previous write of size 8")
    assert current.frames[0].function == "rangeiter_next" and current.frames[0].file == "rangeobject.c"
    assert [s.title.split(" (")[0] for s in first.thread_creations] == ["Thread T2", "Thread T1"]
    assert first.thread_creations[0].frames[1].function == "do_start_joinable_thread"
    assert first.identity() == "race rangeiter_next@rangeobject.c ~ rangeiter_next@rangeobject.c"
    # TSan could not restore the previous stack of the later reports: "?", never a new pair
    assert [r.identity() for r in reports[1:]] == [
        "race rangeiter_next@rangeobject.c ~ ?",
        "race enum_next@enumobject.c ~ ?",
    ]


def test_race_in_a_libc_interceptor_is_named_by_its_caller():
    reports = sanitizer_report.parse(_log("tsan-ctypes-memset.txt"))
    assert reports[0].identity() == "race PyCFuncPtr_call@_ctypes.c ~ PyCFuncPtr_call@_ctypes.c"


def test_race_verdict_and_signature_keep_every_race():
    target = observe(_raw(_log("tsan-enumerate-rangeiter.txt")), known_races=())
    oracle = observe(_raw(interpreter="o"), known_races=())
    verdict = diff.compare(target, oracle)
    assert verdict.kind is Kind.DATA_RACE and verdict.side.value == "target"
    assert signature(verdict) == "data_race|target|race rangeiter_next@rangeobject.c ~ rangeiter_next@rangeobject.c"
    assert len(verdict.differences) == 3  # all three reports listed
    assert "Previous write of size 8" in verdict.differences[0].target
    assert sanitizer_signatures(verdict) == [
        "data_race|target|race rangeiter_next@rangeobject.c ~ rangeiter_next@rangeobject.c",
        "data_race|target|race rangeiter_next@rangeobject.c ~ ?",
        "data_race|target|race enum_next@enumobject.c ~ ?",
    ]
    # a re-run reproduces any of them, not only the one its threads happened to report first
    assert matches(verdict, "data_race|target|race enum_next@enumobject.c ~ ?")
    assert not matches(verdict, "data_race|target|race list_append@listobject.c ~ ?")


def test_known_races_are_labelled_and_not_a_finding(tmp_path):
    known = sanitizer_report.parse_known_races(
        "# comment\nrangeiter_next@rangeobject.c ~ rangeiter_next  # shared range iterators\nenum_next\n"
    )
    target = observe(_raw(_log("tsan-enumerate-rangeiter.txt")), known_races=known)
    assert all(r.known for r in target.sanitizer_reports)
    assert target.sanitizer_reports[0].known == "rangeiter_next@rangeobject.c ~ rangeiter_next (shared range iterators)"
    verdict = diff.compare(target, observe(_raw(interpreter="o"), known_races=known))
    assert verdict.kind is Kind.AGREE
    partly = sanitizer_report.parse_known_races("enum_next\n")
    verdict = diff.compare(
        observe(_raw(_log("tsan-enumerate-rangeiter.txt")), known_races=partly),
        observe(_raw(interpreter="o"), known_races=partly),
    )
    assert verdict.kind is Kind.DATA_RACE and "1 known race(s) labelled" in verdict.summary


def test_user_known_races_file_extends_the_shipped_list(tmp_path, monkeypatch):
    extra = tmp_path / "mine.txt"
    extra.write_text("rangeiter_next ~ rangeiter_next\n")
    monkeypatch.setenv("TANDEM_KNOWN_RACES", str(extra))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    races = sanitizer_report.known_races_for("3.13.15")
    assert any(r.sites == ("rangeiter_next", "rangeiter_next") for r in races)
    labelled = observe(_raw(_log("tsan-enumerate-rangeiter.txt")))
    assert labelled.sanitizer_reports[0].known
    with pytest.raises(ValueError):
        sanitizer_report.parse_known_races("a ~ b ~ c\n")


def test_clean_log_and_other_text_give_no_report():
    assert sanitizer_report.parse("") == ()
    assert sanitizer_report.parse("Traceback (most recent call last):\nValueError: x\n") == ()
    verdict = diff.compare(observe(_raw()), observe(_raw(interpreter="o")))
    assert verdict.kind is Kind.AGREE


# The expected state of each saved ASan log: type and top two frames past the generic ones
# (sanitizer, allocator, dispatch, libffi: ffi_call@libffi.so.8 was one of three before
# the decision of oracle/signature.py's docstring).
ASAN_IDENTITIES = {
    "asan-heap-use-after-free-ctypes.txt": "heap-use-after-free PyBytes_FromStringAndSize@bytesobject.c "
    "_call_function_pointer@callproc.c",
    "asan-double-free-ctypes.txt": "attempting double-free _call_function_pointer@callproc.c _ctypes_callproc@callproc.c",
}


def test_every_saved_asan_log_has_its_expected_state():
    assert sorted(p.name for p in DATA.glob("asan-*.txt")) == sorted(ASAN_IDENTITIES)
    for name, identity in ASAN_IDENTITIES.items():
        assert sanitizer_report.parse(_log(name))[0].identity() == identity


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("asan-*.txt")))
def test_asan_logs_give_memory_errors_with_their_stacks(name):
    reports = sanitizer_report.parse(_log(name))
    assert len(reports) == 1
    report = reports[0]
    # asan-<type>-<what>.txt ("attempting double-free" is saved as asan-double-free-...)
    assert report.sanitizer == "address"
    assert report.type.removeprefix("attempting ") == name.split("-", 1)[1].rsplit("-", 1)[0]
    assert report.access is not None and report.access.frames
    assert report.allocation is not None and report.allocation.frames
    if report.type in ("heap-use-after-free", "attempting double-free"):
        assert report.free is not None and report.free.frames
        assert report.free.frames[0].function in ("free", "__interceptor_free")
    identity = report.identity()
    assert identity.startswith(report.type + " ")
    # sanitizer, allocator and generic helper frames are not part of it
    assert not any(word in identity for word in ("__interceptor", "__asan", "PyObject_Vectorcall", "_PyEval"))
    verdict = diff.compare(observe(_raw(_log(name), returncode=86)), observe(_raw(interpreter="o")))
    assert verdict.kind is Kind.MEMORY_ERROR
    assert signature(verdict) == f"memory_error|target|{identity}"


def test_memory_error_outranks_a_crash_and_a_race_outranks_divergence():
    memory = dataclasses.replace(observe(_raw(_log("tsan-ctypes-memset.txt"))), exit_code=3)
    verdict = diff.compare(memory, observe(_raw(interpreter="o")))
    assert verdict.kind is Kind.DATA_RACE  # not the exit-status divergence


def test_deadlines_and_sizes_follow_a_measured_slowdown():
    from tandem.oracle.judge import adapted
    from tandem.oracle.model import Limits
    from tandem.oracle.slowdown import Slowdown

    limits = Limits(deadline=60.0)
    assert adapted(limits, 1.0).deadline == 20.0  # the floor, as before
    assert adapted(limits, 1.0, slowdown=4.0).deadline == 80.0  # the floor, 4 times slower
    assert adapted(limits, 30.0, slowdown=4.0).deadline == 240.0  # capped at the deadline, scaled
    assert Slowdown(30.0, 0, 0, 1, work_ratio=5.0).size_step == 4
    assert Slowdown(1.2, 0, 0, 1, work_ratio=0.5).size_step == 1
