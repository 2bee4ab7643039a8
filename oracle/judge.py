"""Run one case on the target and the oracle and judge it, confirming non-agreement.

This is the pipeline of DESIGN.md's data flow up to the Verdict: executor.run twice,
normalize.observe twice, diff.compare; a verdict other than agree is re-run to measure
its reproduction rate.
"""

from __future__ import annotations

import dataclasses

from . import diff, executor, normalize
from .model import Case, Interpreter, Limits, Verdict


def judge_once(case: Case, target: Interpreter, oracle: Interpreter, limits: Limits = Limits(),
               feedback: bool = False) -> Verdict:
    target_run = executor.run(case, target, limits, feedback=feedback)
    oracle_run = executor.run(case, oracle, limits, feedback=feedback)
    return diff.compare(normalize.observe(target_run), normalize.observe(oracle_run))


def same_finding(first: Verdict, again: Verdict) -> bool:
    """A re-run reproduces a verdict when kind, side and what differed are the same
    (a different result key differing is a different finding)."""
    return ((again.kind, again.side) == (first.kind, first.side)
            and {d.what for d in again.differences} == {d.what for d in first.differences})


def judge(case: Case, target: Interpreter, oracle: Interpreter, limits: Limits = Limits(),
          confirm: int = 3, feedback: bool = False) -> Verdict:
    """The first verdict, with runs/reproductions counted over `confirm` runs in all
    when it is not agree (a flaky race is the normal case, not the exception)."""
    first = judge_once(case, target, oracle, limits, feedback)
    if first.kind.value == "agree" or confirm <= 1:
        return first
    reproductions = 1
    for _ in range(confirm - 1):
        if same_finding(first, judge_once(case, target, oracle, limits)):
            reproductions += 1
    return dataclasses.replace(first, runs=confirm, reproductions=reproductions)
