"""One signature per finding: a pure function of what the runs recorded.

kind + the misbehaving side + the most specific evidence available: the C assertion
(file, function, condition), the "Fatal Python error" line, the top native frames of a
crash (from gdb, see triage/native.py, or the build's own C stack dump) and the top
Python frames of its faulthandler dump, the divergent result keys, the failed invariant labels, the normalized
unraisable message.  Addresses, line numbers and thread ids are normalized away, so the
same bug found twice gets the same signature.
"""

from __future__ import annotations

import hashlib
import re

from oracle.model import Kind, Observation, Verdict

LINE_NUMBER = re.compile(r"(line |:)\d+")
GENERATED_NAME = re.compile(r"\b(worker|mutator|builder|constructor|user|cold_builder)_\w*\d+\b")


def _frames(observation: Observation | None) -> list[str]:
    """Top native frames, then the program's own frames (the harness and the stdlib's
    threading machinery say nothing about the bug); generated names normalized."""
    if observation is None or observation.crash is None:
        return []
    frames = list(observation.crash.native_frames[:3])
    program = [f for f in observation.crash.python_frames
               if "<harness>" not in f and not f.rsplit(":", 1)[0].endswith("threading.py")]
    names = [GENERATED_NAME.sub(r"\1_N", f.rsplit(":", 1)[-1]) for f in program[:3]]
    if observation.crash.kind is Kind.HANG:
        names = sorted(set(names))  # thread order in a dump is not meaningful
    return frames + names


def evidence(verdict: Verdict) -> list[str]:
    """The parts of the signature after kind and side, most specific first."""
    side = verdict.target if verdict.side.value in ("target", "both") else verdict.oracle
    if verdict.kind in (Kind.ASSERTION, Kind.FATAL_ERROR, Kind.CRASH, Kind.HANG):
        crash = side.crash if side is not None else None
        if crash is None:
            return []
        if crash.assertion:
            file, function, condition = crash.assertion
            return [f"{file}:{function}", LINE_NUMBER.sub(r"\1?", condition)]
        head = [LINE_NUMBER.sub(r"\1?", crash.headline)]
        if verdict.kind is Kind.FATAL_ERROR:
            # The fatal message names the failing check; which thread hit it varies by run.
            return head
        return head + _frames(side)
    if verdict.kind is Kind.INVARIANT_VIOLATION:
        observation = side or verdict.target
        return sorted({label for label, _, _ in observation.violations}) if observation else []
    if verdict.kind is Kind.UNRAISABLE_DIVERGENCE:
        return [LINE_NUMBER.sub(r"\1?", d.target.split("\n")[0])[:200] for d in verdict.differences]
    return sorted(d.what for d in verdict.differences)


def signature(verdict: Verdict) -> str:
    """'kind|side|evidence...' (human-readable; see signature_id for a file name)."""
    return "|".join([verdict.kind.value, verdict.side.value, *evidence(verdict)])


def signature_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
