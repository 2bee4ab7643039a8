"""Continuous fuzzing: workers, scheduling, feedback, confirmation, stats, resume.

A campaign lives in one output directory, whose layout oracle/campaign_dir.py owns
(campaign.json, state.json, stats.jsonl, queue/, findings/<id>/, unconfirmed/<id>/).
Every verdict other than agree is re-run (oracle/judge.confirmed: fresh processes first,
then the fork-server path it was found on) until its signature shows again, up to
--confirm runs per path.  A crash, assertion or fatal error is always a bucket in
findings/ (flaky when no re-run showed it again); a hang or divergence that showed again
is a bucket there too; one that did not is a bucket in unconfirmed/, counted in the
summary and the exit status, never dropped.  Buckets add up the runs and hits of every
sighting.  Everything is written atomically the moment it is decided.
"""

from __future__ import annotations

import dataclasses
import random
import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Callable

from oracle import campaign_dir, store
from oracle.errors import TandemError
from oracle.executor import ForkServer, run as execute
from oracle.judge import adapted, judge_with
from oracle.reproduce import Pair, confirmation_limits, confirmed
from oracle.rates import describe_rate
from oracle.model import Bucket, Case, Finding, Interpreter, Kind, Limits, Side, Signature, Verdict
from oracle.signature import NATIVE_FRAME, signature as default_signature, signature_id as default_signature_id

from .family import FAMILIES, build
from .mutate import mutate
from .render import render
from .scenario import Capabilities, Scenario

STATE_VERSION = 1
STATS_EVERY = 5.0
PROGRAMS = "programs"   # the family name under which --programs files are counted
# Kinds that are a bucket even when no re-run shows them again (a flaky bucket).
ALWAYS_KEPT = (Kind.ASSERTION, Kind.FATAL_ERROR, Kind.CRASH)


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
    confirm: int = 8              # re-runs per path at most, until the signature shows again
    limits: Limits = Limits(deadline=60.0)
    resume: bool = False
    extend: bool = False          # with resume: the budget is on top of what was already run
    forkserver: bool = True       # fork servers for the first run of each case
    teardown_share: float = 1.0   # share of forked runs whose children tear the interpreter down
    programs: tuple[Program, ...] = ()
    programs_share: float = 0.1   # the share of the work given to `programs`, when any
    native_tries: int = 2         # gdb runs to get the native frames of a crash (with `native`)
    minimize_seconds: float = 120.0  # per new bucket at the end (with `minimizer`); up to 4x for a rare one


@dataclasses.dataclass
class CampaignState:
    """Everything needed to continue a campaign; saved atomically."""

    runs: int = 0
    next_seed: int = 0
    elapsed: float = 0.0
    per_family: Counter = dataclasses.field(default_factory=Counter)
    verdicts: Counter = dataclasses.field(default_factory=Counter)
    findings: Counter = dataclasses.field(default_factory=Counter)      # by kind, new buckets only
    hits: Counter = dataclasses.field(default_factory=Counter)          # by kind, every confirmed hit
    features: set = dataclasses.field(default_factory=set)             # outcomes seen (coverage)
    specializations: set = dataclasses.field(default_factory=set)
    fresh: list = dataclasses.field(default_factory=lambda: [0, 0])    # [runs, new features]
    mutated: list = dataclasses.field(default_factory=lambda: [0, 0])
    confirmations: int = 0
    infrastructure_errors: int = 0
    unconfirmed: int = 0                                               # sightings no re-run showed again
    without_teardown: int = 0                                          # forked, teardown skipped
    programs_run: int = 0                                              # --programs cycle position
    program_verdicts: dict = dataclasses.field(default_factory=dict)  # name -> {verdict kind: runs}

    def to_json(self) -> dict:
        return {"version": STATE_VERSION, "runs": self.runs, "next_seed": self.next_seed, "elapsed": self.elapsed,
                "per_family": dict(self.per_family), "verdicts": dict(self.verdicts),
                "findings": dict(self.findings), "hits": dict(self.hits), "features": sorted(self.features),
                "specializations": sorted(self.specializations), "fresh": self.fresh, "mutated": self.mutated,
                "confirmations": self.confirmations, "infrastructure_errors": self.infrastructure_errors,
                "unconfirmed": self.unconfirmed, "without_teardown": self.without_teardown,
                "programs_run": self.programs_run,
                "program_verdicts": {name: dict(c) for name, c in self.program_verdicts.items()}}

    @staticmethod
    def from_json(data: dict) -> "CampaignState":
        if data.get("version") != STATE_VERSION:
            raise TandemError(f"campaign state version {data.get('version')!r} is not {STATE_VERSION}")
        return CampaignState(
            runs=data["runs"], next_seed=data["next_seed"], elapsed=data["elapsed"],
            per_family=Counter(data["per_family"]), verdicts=Counter(data["verdicts"]),
            findings=Counter(data["findings"]), hits=Counter(data.get("hits", {})), features=set(data["features"]),
            specializations=set(data["specializations"]), fresh=list(data["fresh"]), mutated=list(data["mutated"]),
            confirmations=data["confirmations"], infrastructure_errors=data.get("infrastructure_errors", 0),
            unconfirmed=data.get("unconfirmed", 0), without_teardown=data.get("without_teardown", 0),
            programs_run=data.get("programs_run", 0),
            program_verdicts={name: Counter(c) for name, c in data.get("program_verdicts", {}).items()})


STEP_KEY = re.compile(r"^t\d+\.\d+ (\S+)$")
PAUSE_KEY = re.compile(r"^pause t\d+\.\d+ (\S+) at (.+) of ")
RAISED = re.compile(r"^'raised (\w+)")


def features_of(verdict: Verdict) -> set[str]:
    """The outcomes a run reached, as coverage features for feedback."""
    found = set()
    for observation in (verdict.target, verdict.oracle):
        if observation is None:
            continue
        found.update(f"spec:{name}" for name in observation.specializations)
        found.update(f"exc:{t}" for t, _ in observation.thread_exceptions)
        found.update(f"unraisable:{u.exc_type}" for u in observation.unraisable)
        found.update(f"observe:{key}={value}" for key, values in observation.observations for value in values)
        found.update(f"check:{label}" for label, _, _ in observation.violations)
        # scheduled interleavings (interleave) emit "t0.1 dict.get" -> "raised KeyError: ..."
        # and "pause t0.1 dict.get at __eq__ of e1 #1 reached" -> True: each operation's
        # outcome kinds and the callbacks it paused in are what is new
        for key, values in observation.results:
            step = STEP_KEY.match(key)
            if step is not None:
                found.update(f"outcome:{step.group(1)}:{raised.group(1) if (raised := RAISED.match(v)) else 'ok'}"
                             for v in values)
            pause = PAUSE_KEY.match(key)
            if pause is not None and values and values[-1] == "True":
                found.add(f"paused:{pause.group(1)}:{pause.group(2)}")
        if observation.exception:
            found.add(f"uncaught:{observation.exception[0]}")
    found.add(f"verdict:{verdict.kind.value}")
    return found


def _family(work: Scenario | Program) -> str:
    return PROGRAMS if isinstance(work, Program) else work.family


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


class Campaign:
    """One campaign; `run()` until the budget is spent or `stop()` is called."""

    def __init__(self, config: CampaignConfig, signature: Callable[[Verdict], str] = default_signature,
                 signature_id: Callable[[str], str] = default_signature_id,
                 progress: Callable[["Campaign"], None] | None = None,
                 native: Callable[..., object] | None = None, minimizer: Callable[..., object] | None = None):
        """`native(case, interpreter, limits, tries)` gives the native trace of a crash
        (triage.native.native_trace) or None; without it crashes carry no C frames.
        `minimizer(source, scenario, signature, hits, runs, seconds, limits)` (triage.minimize's, given
        by the command) minimizes new buckets in `minimize_new_buckets`."""
        self.config = config
        self.native = native
        self.minimizer = minimizer
        self.new_buckets: list[str] = []  # findings buckets this session made, in order
        self.signature = signature
        self.signature_id = signature_id
        self.progress = progress
        self.caps = Capabilities.common(config.target, config.oracle)
        self.lock = threading.Lock()
        self.findings_lock = threading.Lock()
        self.stopping = threading.Event()
        self.started = time.monotonic()
        self.state = CampaignState()
        self.queue: list[Scenario] = []
        self.buckets: dict[str, Bucket] = {}        # findings/: confirmed and flaky
        self.unconfirmed: dict[str, Bucket] = {}    # unconfirmed/
        self.last_stats = 0.0
        self.out = config.out
        self._prepare()

    # -- directory ----------------------------------------------------------------------

    def _prepare(self) -> None:
        config, out = self.config, self.config.out
        info = campaign_dir.CampaignInfo(
            target=config.target.name, target_path=config.target.path, target_version=config.target.version,
            oracle=config.oracle.name, oracle_path=config.oracle.path, oracle_version=config.oracle.version,
            families=tuple(config.families), seed=config.seed, target_description=config.target.description,
            oracle_description=config.oracle.description)
        if campaign_dir.is_campaign(out):
            if not config.resume:
                raise TandemError(f"{out} already holds a campaign: pass --resume to continue it, "
                                  "or choose another --out")
            previous = campaign_dir.read_info(out)
            if (previous.target_path, previous.oracle_path) != (config.target.path, config.oracle.path):
                raise TandemError(f"{out} is a campaign of {previous.target} against {previous.oracle}; "
                                  "resume it with the same interpreters")
            state = campaign_dir.read_state(out)
            if state is not None:
                self.state = CampaignState.from_json(state)
            for path in sorted((out / campaign_dir.QUEUE).glob("*.json")):
                try:
                    self.queue.append(Scenario.loads(path.read_text()))
                except TandemError:
                    continue
            for bucket in campaign_dir.load_buckets(out) if (out / campaign_dir.FINDINGS).is_dir() else ():
                kept = self.unconfirmed if bucket.status == "unconfirmed" else self.buckets
                kept[bucket.identifier] = bucket
        else:
            if config.resume:
                raise TandemError(f"nothing to resume in {out}: no campaign.json")
            out.mkdir(parents=True, exist_ok=True)
            campaign_dir.write_info(out, info)
            self.state.next_seed = config.seed * 1_000_000
        # The budget (--time, --runs) is the campaign's total: a campaign killed half-way
        # and resumed runs the rest.  With `extend` it counts from here (a nightly session).
        # (elapsed seconds, next seed) where the budget starts counting.
        self._budget_from = ((self.state.elapsed, self.state.next_seed) if config.extend
                             else (0.0, config.seed * 1_000_000))
        (out / campaign_dir.FINDINGS).mkdir(exist_ok=True)
        (out / campaign_dir.QUEUE).mkdir(exist_ok=True)

    def save(self) -> None:
        with self.lock:
            self.state.elapsed = self.elapsed
            data = self.state.to_json()
        campaign_dir.write_state(self.out, data)

    @property
    def elapsed(self) -> float:
        return self._base_elapsed + time.monotonic() - self.started

    # -- scheduling ---------------------------------------------------------------------

    def _mutation_share(self) -> float:
        """How much work goes to mutating queued scenarios: what pays, within [0.2, 0.8]."""
        if not self.queue:
            return 0.0
        fresh_yield = (self.state.fresh[1] + 1) / (self.state.fresh[0] + 2)
        mutated_yield = (self.state.mutated[1] + 1) / (self.state.mutated[0] + 2)
        return min(0.8, max(0.2, mutated_yield / (fresh_yield + mutated_yield)))

    def _next_work(self, rng: random.Random) -> tuple[Scenario | Program, str] | None:
        programs = self.config.programs
        with self.lock:
            used = self.state.next_seed - self._budget_from[1]
            if self.config.runs is not None and used >= self.config.runs:
                return None
            seed = self.state.next_seed
            self.state.next_seed += 1
            queue = list(self.queue)
            share = self._mutation_share()
            rng = random.Random(f"{self.config.seed}:{seed}")
            if programs and rng.random() < self.config.programs_share:
                program = programs[self.state.programs_run % len(programs)]  # in turn: each as often
                self.state.programs_run += 1
                return program, PROGRAMS
        if queue and rng.random() < share:
            parent = rng.choice(queue)
            other = rng.choice(queue)
            return mutate(parent, rng, other), "mutated"
        family = self.config.families[seed % len(self.config.families)]
        return build(family, seed, self.caps), "fresh"

    def _budget_left(self) -> bool:
        if self.stopping.is_set():
            return False
        if self.config.seconds is not None and self.elapsed - self._budget_from[0] >= self.config.seconds:
            return False
        return True

    # -- one case -----------------------------------------------------------------------

    def _judge(self, case: Case, servers: tuple[ForkServer, ForkServer] | None = None,
               teardown: bool = True, limits: Limits | None = None) -> Verdict:
        """Target and oracle runs of `case`: through the worker's fork servers when given
        (which run a case needing start-up environment fresh), else as fresh processes.
        `teardown` (forked runs only, the same for both sides): see ForkServer.run."""
        if servers is not None:
            run_target = lambda c, lim: servers[0].run(c, lim, feedback=True, teardown=teardown)  # noqa: E731
            run_oracle = lambda c, lim: servers[1].run(c, lim, feedback=True, teardown=teardown)  # noqa: E731
        else:
            run_target = lambda c, lim: execute(c, self.config.target, lim, feedback=True)  # noqa: E731
            run_oracle = lambda c, lim: execute(c, self.config.oracle, lim, feedback=True)  # noqa: E731
        return judge_with(case, run_target, run_oracle, limits or self.config.limits)

    def _one(self, scenario: Scenario | Program, origin: str, servers=None, teardown: bool = True) -> None:
        if isinstance(scenario, Program):
            case = Case(source=scenario.source, name=scenario.name)
        else:
            case = Case(source=render(scenario), name=f"{scenario.family}.py", scenario=scenario.to_json())
        family = _family(scenario)
        try:
            verdict = self._judge(case, servers, teardown)
        except TandemError:
            with self.lock:
                self.state.infrastructure_errors += 1
            raise
        new = features_of(verdict)
        with self.lock:
            self.state.runs += 1
            self.state.without_teardown += servers is not None and not teardown and not case.environment
            self.state.per_family[family] += 1
            self.state.verdicts[verdict.kind.value] += 1
            if isinstance(scenario, Program):
                self.state.program_verdicts.setdefault(scenario.name, Counter())[verdict.kind.value] += 1
            novel = new - self.state.features
            self.state.features |= new
            for observation in (verdict.target, verdict.oracle):
                if observation is not None:
                    self.state.specializations.update(observation.specializations)
            bucket = self.state.mutated if origin == "mutated" else self.state.fresh
            bucket[0] += 1
            bucket[1] += bool(novel)
        if novel and verdict.kind in (Kind.AGREE,) and isinstance(scenario, Scenario):
            identifier = store.case_id(case.source)
            campaign_dir.write_queued(self.out, identifier, scenario.dumps())
            with self.lock:
                self.queue.append(scenario)
        if verdict.kind.is_finding:
            forked = servers is not None and not case.environment
            self._confirm_and_keep(case, scenario, verdict, servers if forked else None, teardown)

    def _confirm_and_keep(self, case: Case, scenario: Scenario | Program, first: Verdict,
                          servers: tuple[ForkServer, ForkServer] | None, teardown: bool = True) -> None:
        """Re-run until the signature shows again (fresh processes, then the fork-server
        path it was seen on), then keep it: in findings/ when a re-run showed it (or it
        is a crash kind, or a deadlock its stacks proved), else in unconfirmed/."""
        limits = confirmation_limits(first, self.config.limits)  # a hang: not the full deadline again
        paths = [lambda c: self._judge(c, None, True, limits)]
        if servers is not None:
            paths.append(lambda c: self._judge(c, servers, teardown, limits))
        verdict = confirmed(case, first, self.config.confirm, self.config.limits, paths=paths,
                            pair=Pair(self.config.target, self.config.oracle))
        with self.lock:
            self.state.confirmations += verdict.runs - 1
        reproduced = verdict.reproductions > 1 or verdict.deadlock
        if reproduced or verdict.kind in ALWAYS_KEPT:
            status = "confirmed" if reproduced else "flaky"
            verdict, trace = self._with_native_frames(case, verdict)
        else:
            status, trace = "unconfirmed", None
        finding = Finding(case, verdict, Signature(self.signature(verdict)), status)
        with self.findings_lock:  # one writer per finding: two workers on one bug make one bucket
            self._keep(finding, scenario, getattr(trace, "backtrace", ""))

    def _with_native_frames(self, case: Case, verdict: Verdict):
        """A crash (a signal, no assertion or fatal message to name it) gets the top C
        frames of the side that crashed, from one more run under gdb; they become part
        of its signature.  Returns the verdict and the trace (None when there is none)."""
        if self.native is None or verdict.kind is not Kind.CRASH:
            return verdict, None
        side = "oracle" if verdict.side is Side.ORACLE else "target"
        observation = getattr(verdict, side)
        if observation is None or observation.crash is None or observation.crash.native_frames:
            return verdict, None
        interpreter = self.config.oracle if side == "oracle" else self.config.target
        trace = self.native(case, interpreter, self.config.limits, self.config.native_tries)
        if trace is None or not trace.frames:
            return verdict, trace
        crash = dataclasses.replace(observation.crash, native_frames=trace.frames)
        return dataclasses.replace(verdict, **{side: dataclasses.replace(observation, crash=crash)}), trace

    def _keep(self, finding: Finding, scenario: Scenario | Program, backtrace: str = "") -> None:
        case, verdict, text, status = finding.case, finding.verdict, finding.signature.text, finding.status
        identifier = self.signature_id(text)
        unconfirmed = status == "unconfirmed"
        directory = campaign_dir.bucket_dir(self.out, identifier, confirmed=not unconfirmed)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        lines = case.source.count("\n")
        with self.lock:
            kept = self.unconfirmed if unconfirmed else self.buckets
            if unconfirmed:
                self.state.unconfirmed += 1
            else:
                self.state.hits[verdict.kind.value] += 1
            bucket = kept.get(identifier)
            if bucket is None:
                if not unconfirmed:
                    self.state.findings[verdict.kind.value] += 1
                    self.new_buckets.append(identifier)
                bucket = Bucket(identifier, text, verdict.kind.value, verdict.side.value, 0, now, status=status,
                                family=_family(scenario), first_seen_run=self.state.runs, path=str(directory),
                                campaign=str(self.out))
            runs, hits = bucket.runs + verdict.runs, bucket.hits + verdict.reproductions
            if "confirmed" in (status, bucket.status) or (status == "flaky" and hits > 1):
                status = "confirmed"  # this or another sighting showed it again
            bucket = dataclasses.replace(bucket, count=bucket.count + 1, last_seen=now, runs=runs, hits=hits,
                                         status=status)
            smaller = bucket.smallest_lines is None or lines < bucket.smallest_lines
            kept[identifier] = bucket
        if smaller:
            previous = bucket.smallest
            expect = store.Expectation(verdict.kind, verdict.side, min_rate=0.0)
            where = (f"program {scenario.name}" if isinstance(scenario, Program)
                     else f"{scenario.family}, seed {scenario.seed}")
            stored = store.add_case(directory, case.source, expect=expect, signature=text,
                                    origin=f"tandem fuzz {self.out} ({where})",
                                    description=verdict.summary, tags=[_family(scenario), verdict.kind.value],
                                    scenario=case.scenario)
            campaign_dir.write_evidence(directory, verdict, backtrace)
            if previous and previous != stored.id:
                store.remove_case(directory / f"{previous}.json")
            with self.lock:
                bucket = dataclasses.replace(kept[identifier], smallest=stored.id, smallest_lines=lines)
                kept[identifier] = bucket
        campaign_dir.write_bucket(bucket)

    # -- minimization -------------------------------------------------------------------

    def minimize_new_buckets(self, say: Callable[[str], None] = lambda _: None) -> list[str]:
        """Each findings bucket this session made, minimized to the same signature at no
        less than half its rate; the reproducer (bare-runnable) is kept as minimized.py
        next to the original case.  A bucket seen once (flaky) is re-run first to measure
        its rate (triage.minimize.minimize_sighting); those runs count in the bucket, and
        one that shows again becomes confirmed.  One line per bucket for the closing note."""
        notes = []
        if self.minimizer is None:
            return notes
        for identifier in self.new_buckets:
            bucket = self.buckets[identifier]
            if not bucket.smallest:
                notes.append(f"{identifier}: not minimized: no case kept")
                continue
            case = store.load_case(Path(bucket.path) / f"{bucket.smallest}.json")
            original = describe_rate(bucket.hits, bucket.runs)
            say(f"minimizing {identifier} ({bucket.smallest_lines} lines, seen {original}, "
                f"from {self.config.minimize_seconds:.0f}s)")
            # candidates run under a deadline adapted to the time the sighting took
            seen = [o.get("duration", 0.0) for o in ((campaign_dir.read_verdict(Path(bucket.path)) or {}).get(side)
                                                     for side in ("target", "oracle"))
                    if o and o.get("outcome") != "hang"]
            limits = adapted(self.config.limits, max(seen) if seen else None)
            try:
                result = self.minimizer(case.source, case.scenario, bucket.signature, bucket.hits, bucket.runs,
                                        self.config.minimize_seconds, limits)
            except TandemError as exc:
                self.errors.append(f"minimizing {identifier}: {exc}")
                notes.append(f"{identifier}: not minimized: {exc}")
                continue
            if result.rerun is not None:
                with self.lock:
                    bucket = self.buckets[identifier]
                    hits, runs = bucket.hits + result.rerun.hits, bucket.runs + result.rerun.runs
                    bucket = dataclasses.replace(bucket, hits=hits, runs=runs,
                                                 status="confirmed" if hits > 1 else bucket.status)
                    self.buckets[identifier] = bucket
                campaign_dir.write_bucket(bucket)
                if not result.rerun.hits:
                    notes.append(f"{identifier}: not minimized: seen once, then in none of {result.rerun.runs} "
                                 f"re-runs ({describe_rate(bucket.hits, bucket.runs)}); the original "
                                 f"({result.lines_before} lines) is the reproducer")
                    continue
            rate = describe_rate(bucket.hits, bucket.runs)
            if result.source == case.source:
                notes.append(f"{identifier}: not minimized: no smaller program kept the signature at half the rate "
                             f"({rate}) within {result.seconds:.0f}s ({result.predicate_calls} runs)")
                continue
            header = (f"tandem minimized reproducer of bucket {identifier}\nsignature: {bucket.signature}\n"
                      f"reproduction rate: {result.rate:.0%} on {self.config.target.name} vs "
                      f"{self.config.oracle.name} (original {rate})\n"
                      f"lines: {result.lines_before} -> {result.lines_after}")
            name = campaign_dir.write_minimized(Path(bucket.path),
                                                store.reproducer(result.source, header, campaign_dir.MINIMIZED))
            with self.lock:
                bucket = dataclasses.replace(self.buckets[identifier], minimized=name,
                                             minimized_lines=result.lines_after, minimized_rate=result.rate)
                self.buckets[identifier] = bucket
            campaign_dir.write_bucket(bucket)
            notes.append(f"{identifier}: minimized {result.lines_before} -> {result.lines_after} lines in "
                         f"{result.seconds:.0f}s, rate {result.rate:.0%} (original {rate}): "
                         f"{Path(bucket.path) / name}" + self._other_c_frames(bucket, result.source))
        return notes

    def _other_c_frames(self, bucket: Bucket, source: str) -> str:
        """A crash bucket named by gdb's C frames was minimized against plain runs, which
        match on kind, side and signal (signature.matches): one gdb run of the result says
        whether it still crashes there.  '' when it does (or cannot be told)."""
        named = [part for part in bucket.signature.split("|")[3:] if NATIVE_FRAME.match(part)]
        if not named or self.native is None:
            return ""
        interpreter = self.config.oracle if bucket.side == "oracle" else self.config.target
        trace = self.native(Case(source=source), interpreter, self.config.limits, self.config.native_tries)
        frames = list(getattr(trace, "frames", None) or ())[:len(named)]
        if not frames or frames == named:
            return ""
        return f" (gdb names other C frames for it: {'|'.join(frames)})"

    # -- the loop -----------------------------------------------------------------------

    def _worker(self, index: int) -> None:
        rng = random.Random(f"{self.config.seed}:worker:{index}")
        servers = ((ForkServer(self.config.target), ForkServer(self.config.oracle))
                   if self.config.forkserver else None)
        try:
            while self._budget_left():
                work = self._next_work(rng)
                if work is None:
                    return
                share = self.config.teardown_share
                teardown = share >= 1.0 or rng.random() < share  # drawn only when it can be False
                try:
                    self._one(*work, servers=servers, teardown=teardown)
                except OSError as exc:  # the output directory cannot be written: stop, say where
                    self.errors.append(f"cannot write to {self.out}: {exc.strerror or exc}")
                    self.stopping.set()
                    return
                except TandemError as exc:  # infrastructure: counted and reported, never a finding
                    self.errors.append(str(exc))
                    if servers is not None:  # fall back to plain subprocesses for this worker
                        for server in servers:
                            server.close()
                        servers = None
                    if len(self.errors) >= 5:
                        self.stopping.set()
                except Exception as exc:  # a bug of tandem's own (e.g. a mutation it cannot render)
                    what = (f"program {work[0].name}" if isinstance(work[0], Program)
                            else f"{work[1]} {work[0].family} scenario (seed {work[0].seed})")
                    self.errors.append(f"internal error on a {what}: {type(exc).__name__}: {exc}")
                    if len(self.errors) >= 5:
                        self.stopping.set()
        finally:
            for server in servers or ():
                server.close()

    def stats_record(self) -> dict:
        with self.lock:
            state = self.state
            return {"time": time.time(), "elapsed": round(self.elapsed, 2), "runs": state.runs,
                    "runs_per_second": round(state.runs / max(self.elapsed, 1e-9), 3) if state.runs else 0.0,
                    "per_family": dict(state.per_family), "verdicts": dict(state.verdicts),
                    "findings": dict(state.findings), "buckets": len(self.buckets), "coverage": len(state.features),
                    "specializations": len(state.specializations), "queue": len(self.queue),
                    "flaky": sum(b.status == "flaky" for b in self.buckets.values()),
                    "unconfirmed_buckets": len(self.unconfirmed),
                    "mutated_share": round(self._mutation_share(), 3), "confirmations": state.confirmations,
                    "unconfirmed": state.unconfirmed, "without_teardown": state.without_teardown}

    def _write_stats(self) -> None:
        campaign_dir.append_stats(self.out, self.stats_record())

    def run(self) -> CampaignState:
        self._base_elapsed = self.state.elapsed
        self.started = time.monotonic()
        self.errors: list[str] = []
        workers = [threading.Thread(target=self._worker, args=(i,), name=f"tandem-worker-{i}", daemon=True)
                   for i in range(self.config.jobs)]
        for worker in workers:
            worker.start()
        try:
            while any(w.is_alive() for w in workers):
                for worker in workers:
                    worker.join(0.5)
                now = time.monotonic()
                if self.progress is not None:
                    self.progress(self)
                if now - self.last_stats >= STATS_EVERY:
                    self.last_stats = now
                    self._checkpoint()
        except KeyboardInterrupt:
            self.stopping.set()
            for worker in workers:  # runs in flight finish (each is bounded by its deadline)
                worker.join()
        self._checkpoint()
        if self.errors and self.state.runs == 0:
            raise TandemError(f"the campaign could not run: {self.errors[0]}")
        return self.state

    def _checkpoint(self) -> None:
        try:
            self._write_stats()
            self.save()
        except OSError as exc:
            self.errors.append(f"cannot write to {self.out}: {exc.strerror or exc}")
            self.stopping.set()

    def stop(self) -> None:
        self.stopping.set()
