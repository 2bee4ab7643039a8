"""Golden tests: saved real crash logs (tests/data/crashes/*.log, captured from the
provisioned 3.13.15 builds) in, signature out (the .expected file next to each)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from oracle.diff import compare
from oracle.model import Captured, RawRun
from oracle.normalize import HARNESS_DIR, observe
from triage.signature import signature

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
    return RawRun(interpreter="target", version=header["interpreter"].split()[-1], argv=(),
                  returncode=number(header["returncode"]), signal=number(header["signal"]),
                  timed_out=header["timed_out"] == "True", duration=1.0, stdout=Captured(),
                  stderr=Captured(stderr.encode(), b"", len(stderr.encode())), records=(),
                  workdir=header["workdir"])


def clean_oracle(raw: RawRun) -> RawRun:
    return dataclasses.replace(raw, interpreter="oracle", returncode=0, signal=None, timed_out=False,
                               stderr=Captured(), records=({"t": "end", "status": "ok"},))


def test_there_are_golden_logs():
    assert len(LOGS) >= 8


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.stem)
def test_signature_of_saved_log(log):
    raw = raw_from_log(log)
    verdict = compare(observe(raw), observe(clean_oracle(raw)))
    assert signature(verdict) == log.with_suffix(".expected").read_text().strip()
