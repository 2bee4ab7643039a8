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
