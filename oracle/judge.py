"""Run one case on the target and the oracle and judge it.

This is the pipeline of DESIGN.md's data flow up to the Verdict: executor.run twice,
normalize.observe twice, diff.compare.  Confirming a verdict by re-running it is
oracle/reproduce.py's (`confirmed`, `judge`).

Hang deadlines adapt: the oracle runs first with the full deadline, the target then gets
HANG_MULTIPLE times what the oracle took, never less than HANG_FLOOR seconds (nor more
than the full deadline); when the oracle hung, the target gets the floor (the verdict is
a hang either way; the floor decides whether on both sides).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from . import diff, executor, normalize
from .model import Case, Interpreter, Limits, RawRun, Verdict

HANG_FLOOR = 20.0  # a loaded machine can make a debug run 10x slower than the release one
HANG_MULTIPLE = 10.0

Runner = Callable[[Case, Limits], RawRun]


def adapted(limits: Limits, other_seconds: float | None, slowdown: float = 1.0) -> Limits:
    """`limits` with the deadline a run gets when the other side took `other_seconds`
    (None: the other side hung too, the floor), for a target `slowdown` times slower
    than the other side (measured: oracle/slowdown.py; a sanitizer build)."""
    if limits.deadline <= 0:
        return limits
    wanted = HANG_FLOOR if other_seconds is None else max(HANG_FLOOR, HANG_MULTIPLE * other_seconds)
    scale = max(1.0, slowdown)
    return dataclasses.replace(limits, deadline=min(limits.deadline * scale, wanted * scale))


def judge_with(
    case: Case, run_target: Runner, run_oracle: Runner, limits: Limits = Limits(), slowdown: float = 1.0
) -> Verdict:
    """Oracle first with `limits`, then the target with the adapted deadline."""
    oracle = normalize.observe(run_oracle(case, limits))
    target_limits = adapted(limits, None if oracle.outcome == "hang" else oracle.duration, slowdown)
    target = normalize.observe(run_target(case, target_limits))
    return diff.compare(target, oracle)


def judge_once(
    case: Case, target: Interpreter, oracle: Interpreter, limits: Limits = Limits(), feedback: bool = False
) -> Verdict:
    return judge_with(
        case,
        lambda c, lim: executor.run(c, target, lim, feedback=feedback),
        lambda c, lim: executor.run(c, oracle, lim, feedback=feedback),
        limits,
    )
