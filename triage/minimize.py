"""Minimization: the smallest program that still reproduces the same signature.

The minimizer is a predicate plus passes kept in lists (shrinkray's shape):
  - `Reproduces` is the predicate: a candidate is kept only if it shows the original
    signature at no less than `fraction` of the original reproduction rate, over a
    number of tries that adapts to that rate (rare races need more tries).
  - SCENARIO_PASSES shrink the scenario IR first (drop threads, workers, mutators,
    mutations, unused __init__ versions, hostile objects; halve iterations, rounds,
    copies): each candidate is re-rendered, so it still checks itself soundly.
  - Then STATEMENT deletion on the program text (an AST pass: statements removed in
    chunks, then one by one; empty bodies become `pass`), for cases with no IR.
Passes run in a fixed order until none makes progress, and candidates are tried in a
fixed order, so the result is deterministic for a deterministic predicate.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import math
import time
from typing import Callable, Iterator

from oracle.model import Case, Limits, declared_env
from oracle.reproduce import Pair, bar_unreachable, reproduce


@dataclasses.dataclass
class Reproduces:
    """The predicate: does `source` still show the `expected` signature often enough?"""

    pair: Pair
    expected: str
    rate: float                      # the original reproduction rate (0..1]
    fraction: float = 0.5
    limits: Limits = Limits(deadline=60.0)
    max_tries: int = 12
    calls: int = 0

    @property
    def tries(self) -> int:
        """Enough runs to expect ~3 reproductions at the original rate (bounded)."""
        return max(2, min(self.max_tries, math.ceil(3 / max(self.rate, 1e-3))))

    def measure(self, source: str, tries: int | None = None) -> float:
        """The rate over `tries` runs, stopping early when the bar can no longer be reached."""
        tries = tries or self.tries
        found = reproduce(Case(source), self.pair, tries, expected=self.expected, limits=self.limits,
                          stop_when=bar_unreachable(self.rate * self.fraction, tries))
        self.calls += found.runs
        return found.hits / tries

    def __call__(self, source: str) -> bool:
        try:
            compile(source, "candidate", "exec")
        except (SyntaxError, ValueError):
            return False
        rate = self.measure(source)
        return rate > 0 and rate >= self.rate * self.fraction


# -- scenario passes -------------------------------------------------------------------

def _drop_worker(s) -> Iterator:
    for index in range(len(s.workers)):
        if len(s.workers) > 1:
            candidate = copy.deepcopy(s)
            del candidate.workers[index]
            yield candidate


def _fewer_copies(s) -> Iterator:
    for index, worker in enumerate(s.workers):
        if worker.copies > 1:
            candidate = copy.deepcopy(s)
            candidate.workers[index].copies = max(1, worker.copies // 2)
            yield candidate


def _fewer_iterations(s) -> Iterator:
    for index, worker in enumerate(s.workers):
        if worker.iterations > 8:
            candidate = copy.deepcopy(s)
            candidate.workers[index].iterations //= 2
            yield candidate


def _drop_mutator(s) -> Iterator:
    for index in range(len(s.mutators)):
        if len(s.mutators) > 1:
            candidate = copy.deepcopy(s)
            finals = candidate.mutators[index].final
            del candidate.mutators[index]
            candidate.mutators[-1].final = candidate.mutators[-1].final + finals
            yield candidate


def _drop_mutation(s) -> Iterator:
    for m_index, mutator in enumerate(s.mutators):
        for index in range(len(mutator.plan)):
            if len(mutator.plan) > 1:
                candidate = copy.deepcopy(s)
                del candidate.mutators[m_index].plan[index]
                yield candidate


def _fewer_rounds(s) -> Iterator:
    for index, mutator in enumerate(s.mutators):
        if mutator.rounds > 8:
            candidate = copy.deepcopy(s)
            candidate.mutators[index].rounds //= 2
            yield candidate


def _drop_unused_versions(s) -> Iterator:
    used = {"v0", "vbase"} | {m.target for mut in s.mutators for m in mut.plan + mut.final}
    used |= {a for mut in s.mutators for m in mut.plan + mut.final for a in m.args if isinstance(a, str)}
    unused = [v for v in s.init_versions if v.name not in used]
    if unused:
        candidate = copy.deepcopy(s)
        candidate.init_versions = [v for v in candidate.init_versions if v.name in used]
        yield candidate


def _drop_hostile(s) -> Iterator:
    for index in range(len(s.hostile)):
        candidate = copy.deepcopy(s)
        del candidate.hostile[index]
        yield candidate


SCENARIO_PASSES = [_drop_worker, _drop_mutator, _drop_mutation, _drop_unused_versions, _drop_hostile,
                   _fewer_copies, _fewer_iterations, _fewer_rounds]


def minimize_scenario(scenario, render: Callable, predicate: Reproduces, deadline: float) -> tuple:
    """Greedy fixpoint over SCENARIO_PASSES; returns (scenario, source)."""
    best, best_source = scenario, render(scenario)
    progress = True
    while progress and time.monotonic() < deadline:
        progress = False
        for make_candidates in SCENARIO_PASSES:
            for candidate in make_candidates(best):
                if time.monotonic() >= deadline:
                    return best, best_source
                try:
                    source = render(candidate)
                except (ValueError, KeyError, IndexError):
                    continue
                if predicate(source):
                    best, best_source, progress = candidate, source, True
                    break
    return best, best_source


# -- statement deletion ----------------------------------------------------------------

def _bodies(tree: ast.AST) -> list[list[ast.stmt]]:
    found = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                found.append(body)
        for handler in getattr(node, "handlers", []) or []:
            found.append(handler.body)
    return found


def _statements(source: str) -> int:
    return sum(len(body) for body in _bodies(ast.parse(source)))


def _without(source: str, start: int, count: int) -> str | None:
    """The program with statements [start, start+count) (in walk order) removed."""
    tree = ast.parse(source)
    index = 0
    for body in _bodies(tree):
        keep = []
        for statement in body:
            if not (start <= index < start + count):
                keep.append(statement)
            index += 1
        body[:] = keep or [ast.Pass()]
    try:
        text = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    except (ValueError, RecursionError):
        return None
    # unparse drops comments: keep the start-up environment the program declares
    return "".join(f"# tandem-env: {name}={value}\n" for name, value in declared_env(source)) + text


def minimize_statements(source: str, predicate: Reproduces, deadline: float) -> str:
    """Delete statements in chunks (halving) then one at a time, keeping what reproduces."""
    best = source
    chunk = max(1, _statements(best) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        start, progressed = 0, False
        while start < _statements(best) and time.monotonic() < deadline:
            candidate = _without(best, start, chunk)
            if candidate is not None and candidate != best and predicate(candidate):
                best, progressed = candidate, True
            else:
                start += chunk
        if not progressed:
            chunk //= 2
    return best


@dataclasses.dataclass(frozen=True)
class Minimized:
    source: str
    scenario: object | None
    lines_before: int
    lines_after: int
    rate: float
    predicate_calls: int
    seconds: float


def minimize(source: str, scenario, render: Callable | None, predicate: Reproduces,
             max_seconds: float = 900.0) -> Minimized:
    started = time.monotonic()
    deadline = started + max_seconds
    best_scenario, best = scenario, source
    if scenario is not None and render is not None:
        best_scenario, best = minimize_scenario(scenario, render, predicate, deadline)
    best = minimize_statements(best, predicate, deadline)
    rate = predicate.measure(best, max(predicate.tries, 5))
    return Minimized(best, best_scenario, source.count("\n"), best.count("\n"), rate, predicate.calls,
                     time.monotonic() - started)
