"""A campaign's configuration and its resumable state (state.json), and --programs.

Only the coordinator reads or changes a CampaignState; executors never see it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

from tandem.oracle.errors import TandemError
from tandem.oracle.model import Interpreter, Kind, Limits

from ..family import FAMILIES

STATE_VERSION = 1
PROGRAMS = "programs"  # the family name under which --programs files are counted
# Kinds that are a bucket even when no re-run shows them again (a flaky bucket).
ALWAYS_KEPT = (Kind.ASSERTION, Kind.FATAL_ERROR, Kind.CRASH, Kind.DATA_RACE, Kind.MEMORY_ERROR)


@dataclasses.dataclass(frozen=True)
class Program:
    """A program file run alongside the generated work (`tandem fuzz --programs DIR`):
    a seed corpus, a user's own reproducers, or hostile programs for a soak run.  It has
    no scenario, so it is never mutated; its findings are kept like any other."""

    name: str
    source: str


@dataclasses.dataclass(frozen=True)
class CampaignConfig:
    out: Path
    target: Interpreter
    oracle: Interpreter
    families: tuple[str, ...] = tuple(sorted(FAMILIES))
    seed: int = 0
    jobs: int = 2
    runs: int | None = None
    seconds: float | None = None
    confirm: int = 8  # re-runs per path at most, until the signature shows again
    limits: Limits = Limits(deadline=60.0)
    resume: bool = False
    extend: bool = False  # with resume: the budget is on top of what was already run
    forkserver: bool = True  # fork servers for the first run of each case
    teardown_share: float = 1.0  # share of forked runs whose children tear the interpreter down
    programs: tuple[Program, ...] = ()
    programs_share: float = 0.1  # the share of the work given to `programs`, when any
    native_tries: int = 2  # gdb runs to get the native frames of a crash (with `native`)
    minimize_seconds: float = 120.0  # per new bucket at the end (with `minimizer`); up to 4x for a rare one
    scheduler: str | None = None  # a Dask scheduler address (tcp://HOST:8786): executors there
    slowdown: float | None = None  # target vs oracle; None: measured at the start for a sanitizer target


@dataclasses.dataclass
class CampaignState:
    """Everything needed to continue a campaign; saved atomically."""

    runs: int = 0
    next_seed: int = 0
    elapsed: float = 0.0
    per_family: Counter = dataclasses.field(default_factory=Counter)
    verdicts: Counter = dataclasses.field(default_factory=Counter)
    findings: Counter = dataclasses.field(default_factory=Counter)  # by kind, new buckets only
    hits: Counter = dataclasses.field(default_factory=Counter)  # by kind, every confirmed hit
    features: set = dataclasses.field(default_factory=set)  # outcomes seen (coverage)
    specializations: set = dataclasses.field(default_factory=set)
    fresh: list = dataclasses.field(default_factory=lambda: [0, 0])  # [runs, new features]
    mutated: list = dataclasses.field(default_factory=lambda: [0, 0])
    confirmations: int = 0
    infrastructure_errors: int = 0
    unconfirmed: int = 0  # sightings no re-run showed again
    without_teardown: int = 0  # forked, teardown skipped
    programs_run: int = 0  # --programs cycle position
    program_verdicts: dict = dataclasses.field(default_factory=dict)  # name -> {verdict kind: runs}
    lost: int = 0  # work items whose executor was lost
    known_races: Counter = dataclasses.field(default_factory=Counter)  # known-races label -> reports seen

    def to_json(self) -> dict:
        return {
            "version": STATE_VERSION,
            "runs": self.runs,
            "next_seed": self.next_seed,
            "elapsed": self.elapsed,
            "per_family": dict(self.per_family),
            "verdicts": dict(self.verdicts),
            "findings": dict(self.findings),
            "hits": dict(self.hits),
            "features": sorted(self.features),
            "specializations": sorted(self.specializations),
            "fresh": self.fresh,
            "mutated": self.mutated,
            "confirmations": self.confirmations,
            "infrastructure_errors": self.infrastructure_errors,
            "unconfirmed": self.unconfirmed,
            "without_teardown": self.without_teardown,
            "programs_run": self.programs_run,
            "program_verdicts": {name: dict(c) for name, c in self.program_verdicts.items()},
            "lost": self.lost,
            "known_races": dict(self.known_races),
        }

    @staticmethod
    def from_json(data: dict) -> CampaignState:
        if data.get("version") != STATE_VERSION:
            raise TandemError(f"campaign state version {data.get('version')!r} is not {STATE_VERSION}")
        return CampaignState(
            runs=data["runs"],
            next_seed=data["next_seed"],
            elapsed=data["elapsed"],
            per_family=Counter(data["per_family"]),
            verdicts=Counter(data["verdicts"]),
            findings=Counter(data["findings"]),
            hits=Counter(data.get("hits", {})),
            features=set(data["features"]),
            specializations=set(data["specializations"]),
            fresh=list(data["fresh"]),
            mutated=list(data["mutated"]),
            confirmations=data["confirmations"],
            infrastructure_errors=data.get("infrastructure_errors", 0),
            unconfirmed=data.get("unconfirmed", 0),
            without_teardown=data.get("without_teardown", 0),
            programs_run=data.get("programs_run", 0),
            program_verdicts={name: Counter(c) for name, c in data.get("program_verdicts", {}).items()},
            lost=data.get("lost", 0),
            known_races=Counter(data.get("known_races", {})),
        )


def load_programs(directory: Path) -> tuple[Program, ...]:
    """The `*.py` files under `directory` (recursively, sorted), for --programs."""
    if not directory.is_dir():
        raise TandemError(f"--programs {directory}: not a directory")
    programs = []
    for path in sorted(directory.rglob("*.py")):
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TandemError(f"--programs: cannot read {path}: {exc}") from None
        programs.append(Program(str(path.relative_to(directory)), source))
    if not programs:
        raise TandemError(f"--programs {directory}: no .py files in it")
    return tuple(programs)
