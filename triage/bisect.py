"""Bisection: the first build where a finding's signature appears, and where it goes away.

Two inputs: an ordered list of interpreters (oldest first, e.g. provisioned versions),
scanned in full so that both transitions are found (appear, disappear = fixed); or a
CPython git checkout with a good and a bad revision, binary-searched over the first-
parent history between them, each step built with the configured variant (out of tree,
cached by revision) and tested the same way.  With `fixed`, the search runs the other
way: from a revision that shows the bug (older) to one that does not (newer), for the
first revision where it is gone (fix verification).  "Present" means the signature reproduced
at least once in `runs` runs: flaky races need enough runs to be seen.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable
from pathlib import Path

from tandem.oracle.errors import ProvisionError, TandemError
from tandem.oracle.model import Case, Interpreter, Limits
from tandem.oracle.reproduce import Pair, reproduce


@dataclasses.dataclass(frozen=True)
class Step:
    label: str  # interpreter name or revision
    version: str
    hits: int
    runs: int

    @property
    def present(self) -> bool:
        return self.hits > 0


@dataclasses.dataclass(frozen=True)
class BisectResult:
    steps: tuple[Step, ...]  # in history order (tested ones only, for git)
    first_bad: str | None  # first where the signature appears
    first_fixed: str | None  # first after that where it is gone again


def test_build(source: str, target: Interpreter, oracle: Interpreter, expected: str, runs: int, limits: Limits) -> Step:
    found = reproduce(Case(source), Pair(target, oracle), runs, expected=expected, limits=limits)
    return Step(target.name, target.version, found.hits, found.runs)


def transitions(steps: list[Step]) -> tuple[str | None, str | None]:
    first_bad = first_fixed = None
    for _index, step in enumerate(steps):
        if step.present and first_bad is None:
            first_bad = step.label
        elif first_bad is not None and not step.present and first_fixed is None:
            first_fixed = step.label
    return first_bad, first_fixed


def bisect_interpreters(
    source: str,
    interpreters: list[Interpreter],
    oracle: Interpreter | None,
    expected: str,
    runs: int = 10,
    limits: Limits = Limits(deadline=60.0),
) -> BisectResult:
    """Every interpreter in order (each against `oracle`, or against itself)."""
    steps = [
        test_build(source, interpreter, oracle or interpreter, expected, runs, limits) for interpreter in interpreters
    ]
    return BisectResult(tuple(steps), *transitions(steps))


def _git(checkout: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise TandemError(f"git {' '.join(args)} failed in {checkout}: {proc.stderr.strip()[-300:]}")
    return proc.stdout.strip()


def bisect_revisions(
    source: str,
    checkout: Path,
    good: str,
    bad: str,
    build: Callable[[str], Interpreter],
    oracle: Interpreter | None,
    expected: str,
    runs: int = 10,
    limits: Limits = Limits(deadline=60.0),
    progress: Callable[[str], None] = lambda _: None,
    fixed: bool = False,
) -> BisectResult:
    """Binary search for the first revision after `good` (absent) up to `bad` (present);
    with `fixed`, for the first revision after `bad` (present, older) up to `good`
    (absent, newer): where the bug went away.

    `build(revision) -> Interpreter` builds (or reuses) the configured variant of a
    revision.  A revision that does not build is skipped, as `git bisect skip` does."""
    older, newer = (bad, good) if fixed else (good, bad)
    revisions = _git(checkout, "rev-list", "--first-parent", "--reverse", f"{older}..{newer}").split()
    if not revisions:
        raise TandemError(f"no revisions between {older} and {newer} (is {older} an ancestor of {newer}?)")
    tested: dict[str, Step] = {}

    def probe(revision: str) -> Step | None:
        if revision not in tested:
            progress(f"testing {revision[:12]}")
            try:
                interpreter = build(revision)
            except ProvisionError as exc:
                progress(f"  {revision[:12]} does not build ({str(exc).splitlines()[0]}); skipped")
                return None
            tested[revision] = dataclasses.replace(
                test_build(source, interpreter, oracle or interpreter, expected, runs, limits), label=revision
            )
            progress(
                f"  {revision[:12]}: {'present' if tested[revision].present else 'absent'} "
                f"({tested[revision].hits}/{runs})"
            )
        return tested[revision]

    low, high = 0, len(revisions) - 1  # revisions[high] (newer) is assumed to be the searched state
    while low < high:
        middle = (low + high) // 2
        step = probe(revisions[middle])
        offset = 1
        while step is None and middle + offset <= high:  # skip unbuildable revisions
            step = probe(revisions[middle + offset])
            offset += 1
        if step is None:
            break
        if step.present != fixed:
            high = revisions.index(step.label)
        else:
            low = revisions.index(step.label) + 1
    steps = tuple(tested[r] for r in revisions if r in tested)
    return BisectResult(steps, None, revisions[high]) if fixed else BisectResult(steps, revisions[high], None)
