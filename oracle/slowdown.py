"""How much slower a target runs than the oracle, measured on real programs: sanitizer
builds get deadlines (and generated programs sizes) scaled by it, not guessed.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence

from . import executor
from .model import Case, Interpreter, Limits

# Coarse steps for program sizes: a scenario records the step it was built for, so a
# re-measured ratio that stays in the same step rebuilds the same programs.
SIZE_STEPS = (1, 2, 4, 8)


@dataclasses.dataclass(frozen=True)
class Slowdown:
    ratio: float  # median over the cases of target seconds / oracle seconds
    target_seconds: float  # summed wall time of the target's runs
    oracle_seconds: float
    cases: int
    work_ratio: float = 1.0  # the same past start-up and exit (an empty program's time)

    @property
    def size_step(self) -> int:
        """The largest of SIZE_STEPS not above the work ratio: how much slower a program's
        own work runs (a sanitizer's start-up, paid once, says nothing of its loops)."""
        return max(step for step in SIZE_STEPS if step <= max(1.0, self.work_ratio))


MEASURE_LIMITS = Limits(deadline=120.0)


def measure(
    target: Interpreter, oracle: Interpreter, cases: Sequence[Case], runs: int = 1, limits: Limits = MEASURE_LIMITS
) -> Slowdown:
    """Each case `runs` times on each side, in fresh processes; the median ratio of the
    per-case best times (the best of a few is the least disturbed by other load), and the
    median ratio of what each took beyond an empty program on the same side."""

    def best(case: Case, interpreter: Interpreter) -> float | None:
        """The best time, None when a run hung: a hang's time is the deadline, not a speed."""
        raws = [executor.run(case, interpreter, limits) for _ in range(runs)]
        return None if any(raw.timed_out for raw in raws) else min(raw.duration for raw in raws)

    ratios, work_ratios, total_target, total_oracle = [], [], 0.0, 0.0
    empty = Case(source="pass\n", name="empty.py")
    target_empty, oracle_empty = best(empty, target) or 0.0, best(empty, oracle) or 0.0
    for case in cases:
        target_best, oracle_best = best(case, target), best(case, oracle)
        if target_best is None or oracle_best is None:
            continue
        total_target += target_best
        total_oracle += oracle_best
        ratios.append(target_best / max(oracle_best, 1e-3))
        work_ratios.append(max(target_best - target_empty, 1e-3) / max(oracle_best - oracle_empty, 1e-3))
    if not ratios:
        return Slowdown(1.0, 0.0, 0.0, 0)
    return Slowdown(statistics.median(ratios), total_target, total_oracle, len(ratios), statistics.median(work_ratios))
