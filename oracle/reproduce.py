"""The one re-run-and-count loop: campaign confirmation, `tandem run`, `tandem
reproduce`, the minimizer's predicate, bisect steps and replay all count through here.

A re-run reproduces a finding when its signature (oracle/signature.py) is the expected
one: the single matching rule (signature.matches: a plain re-run of a crash named by
its gdb C frames matches on kind, side and signal).  With no expected signature, the first verdict that is
not agree sets it (a plain program: count its first finding).  `stop_when(hits, runs)`
ends the loop early: `first_hit` for confirmation (re-run until the first reproduction,
up to a cap), `bar_unreachable` for the minimizer.  Rates come with a Wilson interval,
since a race seen 1 time in 3 says little about its true rate.

Re-running a hang uses judge.adapted with the durations of its first sighting (the
floor when both sides hung), so confirming it does not wait the full deadline again; a
deadlock (every thread waiting, the same stacks twice: see executor.StallWatch) is
confirmed by its stacks and not re-run at all.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence

from .judge import adapted, judge_once
from .model import Case, Interpreter, Kind, Limits, Verdict
from .rates import wilson
from .signature import matches, signature

StopWhen = Callable[[int, int, Verdict], bool]  # (hits, runs, the last verdict)


@dataclasses.dataclass(frozen=True)
class Pair:
    """The interpreters of a differential run: the one under test and the reference."""

    target: Interpreter
    oracle: Interpreter


@dataclasses.dataclass(frozen=True)
class Reproduction:
    """What the re-runs showed: the signature counted, runs, hits, every verdict."""

    signature: str
    runs: int
    hits: int
    verdicts: tuple[Verdict, ...]

    @property
    def rate(self) -> float:
        return self.hits / self.runs if self.runs else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.hits, self.runs)

    @property
    def first(self) -> Verdict | None:
        """The first verdict that showed the signature."""
        return next((v for v in self.verdicts if matches(v, self.signature)), None)

    def kinds(self) -> Counter:
        """Verdict kinds (with side) over the runs: 'agree', 'crash (target)', ..."""
        return Counter(v.kind.value + ("" if v.kind is Kind.AGREE else f" ({v.side.value})") for v in self.verdicts)


def first_hit(hits: int, runs: int, last: Verdict) -> bool:
    return hits > 0


def bar_unreachable(rate: float, total: int) -> StopWhen:
    """Stop once `total` runs can no longer reach `rate` (the minimizer's early exit)."""
    return lambda hits, runs, last: (hits + total - runs) / total < rate


def reproduce(
    case: Case,
    pair: Pair,
    runs: int,
    *,
    expected: str | None = None,
    limits: Limits = Limits(),
    stop_when: StopWhen | None = None,
    judge: Callable[[Case], Verdict] | None = None,
    jobs: int = 1,
) -> Reproduction:
    """Run `case` on the pair up to `runs` times and count the runs whose signature is
    `expected`.  `judge` replaces the fresh-process judge (a campaign's fork servers).
    With `jobs` > 1, that many runs are in flight at once (fresh processes only: a
    given `judge` runs one at a time); they are counted in the order they were started,
    and runs in flight when `stop_when` says stop are waited for and not counted."""
    if judge is None:

        def judge(program: Case) -> Verdict:
            return judge_once(program, pair.target, pair.oracle, limits)
    elif jobs > 1:
        jobs = 1

    verdicts: list[Verdict] = []
    hits = 0

    def counted(verdict: Verdict) -> bool:
        """Count one run; True when the loop should stop."""
        nonlocal expected, hits
        verdicts.append(verdict)
        if expected is None and verdict.kind is not Kind.AGREE:
            expected = signature(verdict)
        if expected is not None and matches(verdict, expected):
            hits += 1
        return stop_when is not None and stop_when(hits, len(verdicts), verdict)

    if jobs <= 1:  # in this thread: Ctrl-C stops it at once
        for _ in range(runs):
            if counted(judge(case)):
                break
    else:
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            in_flight: collections.deque = collections.deque()
            started = 0
            while started < runs or in_flight:
                while started < runs and len(in_flight) < jobs:
                    in_flight.append(pool.submit(judge, case))
                    started += 1
                if counted(in_flight.popleft().result()):
                    break
            for pending in in_flight:  # bounded by their deadlines; what they show is not counted
                pending.cancel()
    return Reproduction(expected or "", len(verdicts), hits, tuple(verdicts))


def known_time_limits(limits: Limits, verdicts) -> Limits:
    """The limits of further runs of a case whose runs so far are `verdicts`: the
    deadline adapted (judge.adapted) to the longest side that finished, the floor when
    none did.  The minimizer's candidates run under it, so that one that spins forever
    costs seconds, not the full deadline on both sides."""
    finished = [o.duration for v in verdicts for o in (v.target, v.oracle) if o is not None and o.outcome != "hang"]
    return adapted(limits, max(finished) if finished else None)


def confirmation_limits(first: Verdict, limits: Limits) -> Limits:
    """The limits of re-runs: a hang's deadline adapted to what its first sighting took."""
    return known_time_limits(limits, [first]) if first.kind is Kind.HANG else limits


def confirmed(
    case: Case,
    first: Verdict,
    cap: int,
    limits: Limits,
    paths: Sequence[Callable[[Case], Verdict] | None] = (None,),
    *,
    pair: Pair,
) -> Verdict:
    """`first` with runs and reproductions counted: re-run on each path in turn (None is
    fresh processes on `pair`) until the signature shows again, at most `cap` runs per
    path.  The first sighting counts as a run and a hit."""
    if first.kind is Kind.AGREE or cap <= 0 or first.deadlock:
        return first
    expected, runs, hits = signature(first), 1, 1
    for judge in paths:
        again = reproduce(
            case,
            pair,
            cap,
            expected=expected,
            limits=confirmation_limits(first, limits),
            stop_when=first_hit,
            judge=judge,
        )
        runs, hits = runs + again.runs, hits + again.hits
        if again.hits:
            break
    return dataclasses.replace(first, runs=runs, reproductions=hits)


def judge(
    case: Case,
    target: Interpreter,
    oracle: Interpreter,
    limits: Limits = Limits(),
    confirm: int = 3,
    feedback: bool = False,
) -> Verdict:
    """The first verdict, re-run (when it is not agree) until it shows again, at most
    `confirm - 1` times (a flaky race is the normal case, not the exception)."""
    first = judge_once(case, target, oracle, limits, feedback)
    return confirmed(case, first, confirm - 1, limits, pair=Pair(target, oracle))
