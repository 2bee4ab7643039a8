"""The coordinator: one loop owns the campaign state, the queue, the buckets and every
write to the campaign directory; executors (backends.py) only run work items.

A finding goes through work items in turn: its run, its confirmation (re-runs until the
signature shows again), a gdb run for a crash's native frames, and at the end of the
session the minimization of each new bucket.  Nothing is shared with the executors, so
nothing is locked.  The layout of the directory is oracle/campaign_dir.py's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable

from tandem.oracle import campaign_dir
from tandem.oracle.errors import TandemError
from tandem.oracle.model import Case, Verdict
from tandem.oracle.signature import sanitizer_signatures
from tandem.oracle.signature import signature as default_signature
from tandem.oracle.signature import signature_id as default_signature_id
from tandem.oracle.slowdown import Slowdown
from tandem.oracle.slowdown import measure as measure_slowdown

from ..family import build
from ..render import render
from ..scenario import Capabilities
from .backends import SchedulerLost, backend
from .minimizing import minimize_new_buckets
from .scheduler import Scheduler
from .sink import FindingSink, Sighting, status_of
from .state import CampaignConfig, CampaignState
from .stats import STATS_EVERY, stats_record
from .work import ConfirmItem, NativeItem, RunItem, Setup, campaign_caps, native_side

MAX_ERRORS = 5  # infrastructure errors before the campaign gives up


class Campaign:
    """One campaign; `run()` until the budget is spent or `stop()` is called."""

    def __init__(
        self,
        config: CampaignConfig,
        signature: Callable[[Verdict], str] = default_signature,
        signature_id: Callable[[str], str] = default_signature_id,
        progress: Callable[[Campaign], None] | None = None,
        native: Callable[..., object] | None = None,
        minimizer: Callable[..., object] | None = None,
    ):
        """`native(case, interpreter, limits, tries)` gives the native trace of a crash
        (triage.native.native_trace) or None; without it crashes carry no C frames.
        `minimizer(source, scenario, signature, hits, runs, seconds, limits)` (triage.minimize's, given
        by the command) minimizes new buckets in `minimize_new_buckets`."""
        self.config, self.out = config, config.out
        self.minimizer, self.progress = minimizer, progress
        self.slowdown = (
            Slowdown(config.slowdown, 0.0, 0.0, 0, config.slowdown)
            if config.slowdown is not None
            else self._measure_slowdown()
            if config.target.sanitizer
            else Slowdown(1.0, 0.0, 0.0, 0)
        )
        self.setup = Setup(
            config.target,
            config.oracle,
            config.limits,
            config.forkserver,
            native,
            self.slowdown.ratio,
            self.slowdown.size_step,
        )
        self.stopping = threading.Event()  # set from another thread (a signal handler, a test)
        self.errors: list[str] = []
        self.state = CampaignState()
        self.sink = FindingSink(config.out, self.state, signature, signature_id)
        self.started = time.monotonic()
        self.in_flight = 0
        self._numbers = iter(range(1, 1 << 62))
        self._chains: dict[int, tuple] = {}  # item number -> (run item, what is known of its finding)
        self._prepare()
        self._base_elapsed = self.state.elapsed

    def _measure_slowdown(self) -> Slowdown:
        """A sanitizer target's slowdown on one program of each of (up to) four families of
        the mix: deadlines and program sizes follow it (oracle/slowdown.py)."""
        caps = Capabilities.common(self.config.target, self.config.oracle)
        cases = [
            Case(source=render(build(family, seed, caps)), name=f"{family}.py")
            for seed, family in enumerate(self.config.families[:4])
        ]
        return measure_slowdown(self.config.target, self.config.oracle, cases)

    @property
    def buckets(self):
        return self.sink.buckets

    @property
    def unconfirmed(self):
        return self.sink.unconfirmed

    @property
    def new_buckets(self):
        return self.sink.new_buckets

    @property
    def queue(self):
        return self.scheduler.queue

    # -- directory ----------------------------------------------------------------------

    def _prepare(self) -> None:
        config, out = self.config, self.config.out
        info = campaign_dir.CampaignInfo(
            target=config.target.name,
            target_path=config.target.path,
            target_version=config.target.version,
            oracle=config.oracle.name,
            oracle_path=config.oracle.path,
            oracle_version=config.oracle.version,
            families=tuple(config.families),
            seed=config.seed,
            target_description=config.target.description,
            oracle_description=config.oracle.description,
        )
        if campaign_dir.is_campaign(out):
            if not config.resume:
                raise TandemError(
                    f"{out} already holds a campaign: pass --resume to continue it, or choose another --out"
                )
            previous = campaign_dir.read_info(out)
            if (previous.target_path, previous.oracle_path) != (config.target.path, config.oracle.path):
                raise TandemError(
                    f"{out} is a campaign of {previous.target} against {previous.oracle}; "
                    "resume it with the same interpreters"
                )
            state = campaign_dir.read_state(out)
            if state is not None:
                self.state = CampaignState.from_json(state)
                self.sink.state = self.state
        else:
            if config.resume:
                raise TandemError(f"nothing to resume in {out}: no campaign.json")
            out.mkdir(parents=True, exist_ok=True)
            campaign_dir.write_info(out, info)
            self.state.next_seed = config.seed * 1_000_000
        # The budget (--time, --runs) is the campaign's total: a campaign killed half-way
        # and resumed runs the rest.  With `extend` it counts from here (a nightly session).
        # (elapsed seconds, next seed) where the budget starts counting.
        self._budget_from = (
            (self.state.elapsed, self.state.next_seed) if config.extend else (0.0, config.seed * 1_000_000)
        )
        self.scheduler = Scheduler(config, self.state, self._budget_from[1], campaign_caps(self.setup))
        if config.resume:
            self.scheduler.load_queue()
            self.sink.load()
        (out / campaign_dir.FINDINGS).mkdir(exist_ok=True)
        (out / campaign_dir.QUEUE).mkdir(exist_ok=True)

    def save(self) -> None:
        self.state.elapsed = self.elapsed
        campaign_dir.write_state(self.out, self.state.to_json())

    @property
    def elapsed(self) -> float:
        return self._base_elapsed + time.monotonic() - self.started

    def stats_record(self) -> dict:
        return stats_record(self)

    def _checkpoint(self) -> None:
        try:
            campaign_dir.append_stats(self.out, self.stats_record())
            self.save()
        except OSError as exc:
            self._fail(f"cannot write to {self.out}: {exc.strerror or exc}")

    def _fail(self, message: str, fatal: bool = True) -> None:
        self.errors.append(message)
        if fatal or len(self.errors) >= MAX_ERRORS:
            self.stopping.set()

    # -- the loop -----------------------------------------------------------------------

    def _budget_left(self) -> bool:
        if self.stopping.is_set() or self.scheduler.exhausted():
            return False
        return self.config.seconds is None or self.elapsed - self._budget_from[0] < self.config.seconds

    def run(self) -> CampaignState:
        self._base_elapsed = self.state.elapsed
        self.started = time.monotonic()
        self.errors = []
        self.scheduler.config = self.config  # (a test may change the budget of a made campaign)
        pool = backend(self.setup, self.config.jobs, self.config.scheduler)
        try:
            self._loop(pool)
        except KeyboardInterrupt:
            self.stopping.set()
            try:  # runs in flight finish (each bounded by its deadline), their findings kept
                self._loop(pool)
            except SchedulerLost as exc:
                self._fail(f"{exc}; the state is saved: continue with --resume")
        except SchedulerLost as exc:
            self._fail(f"{exc}; the state is saved: continue with --resume")
        finally:
            with contextlib.suppress(Exception):
                pool.close()
            self.in_flight = 0
            self._checkpoint()
        if self.errors and self.state.runs == 0:
            raise TandemError(f"the campaign could not run: {self.errors[0]}")
        return self.state

    def _loop(self, pool) -> None:
        last_stats = time.monotonic()
        while True:
            wanted = pool.slots - pool.pending
            if wanted > 0 and self._budget_left():
                items = [
                    item
                    for item in (self.scheduler.next_item(next(self._numbers)) for _ in range(wanted))
                    if item is not None
                ]
                pool.submit(items)
            if pool.pending == 0:
                return
            for item, outcome in pool.completed(0.5):
                follow = self._handle(item, outcome)
                if follow is not None:
                    pool.submit([follow])
            self.in_flight = pool.pending
            now = time.monotonic()
            if self.progress is not None:
                self.progress(self)
            if now - last_stats >= STATS_EVERY:
                last_stats = now
                self._checkpoint()

    def stop(self) -> None:
        self.stopping.set()

    # -- outcomes -----------------------------------------------------------------------

    def _handle(self, item, outcome):
        """Take one outcome in; the next work item of a finding's chain, if any."""
        chain = self._chains.pop(item.number, None)
        if outcome.failure == "interpreter":
            self._fail(
                f"{outcome.message}: run `tandem interpreters provision` there, or share the "
                "interpreter cache at the same path"
            )
        elif outcome.failure == "lost" and isinstance(item, RunItem):
            self.state.lost += 1  # its executor died with it twice: not a finding, not an error
            return None
        elif outcome.failure and isinstance(item, RunItem):
            if outcome.failure == "infrastructure":
                self.state.infrastructure_errors += 1
                self._fail(f"{outcome.message} (on {outcome.where})", fatal=False)
            else:
                where = FindingSink.origin(item)[1]
                self._fail(f"internal error on a {item.origin} {where}: {outcome.message}", fatal=False)
            return None
        elif outcome.failure and outcome.failure != "lost":  # a confirmation or gdb run not done: keep what is known
            self._fail(f"{outcome.message} (on {outcome.where})", fatal=False)
        if isinstance(item, RunItem):
            if outcome.failure:
                return None
            result = outcome.result
            self.scheduler.record(item, result)
            if result.verdict is None:
                return None
            follow = ConfirmItem(
                next(self._numbers), result.case, result.verdict, self.config.confirm, result.forked, item.teardown
            )
            self._chains[follow.number] = (item, result.case, result.verdict)
            return follow
        assert chain is not None  # a follow-up's chain is recorded when the follow-up is made
        run_item, case, verdict = chain
        if isinstance(item, ConfirmItem):
            if not outcome.failure:
                verdict = outcome.result
                self.state.confirmations += verdict.runs - 1
            side = native_side(verdict) if self.setup.native is not None else None
            if side is not None and status_of(verdict) != "unconfirmed":
                native = NativeItem(next(self._numbers), case, side, self.config.native_tries)
                self._chains[native.number] = (run_item, case, verdict)
                return native
            return self._keep(run_item, case, verdict)
        return self._keep(run_item, case, verdict, None if outcome.failure else outcome.result)

    def _keep(self, run_item, case, verdict, trace=None) -> None:
        if trace is not None and trace.frames:  # a crash's top C frames become part of its signature
            side = native_side(verdict)
            assert side is not None  # the gdb run was made for native_side of this same verdict
            observation = getattr(verdict, side)
            crash = dataclasses.replace(observation.crash, native_frames=trace.frames)
            verdict = dataclasses.replace(verdict, **{side: dataclasses.replace(observation, crash=crash)})
        family, where = FindingSink.origin(run_item)
        try:
            bucket = self.sink.keep(Sighting(case, verdict, family, where, getattr(trace, "backtrace", "")))
            # the other races (memory errors) of the same run: a bucket each, seen in this run
            once = dataclasses.replace(verdict, runs=1, reproductions=1)
            for other in sanitizer_signatures(verdict)[1:]:
                self.sink.keep(
                    Sighting(
                        case,
                        once,
                        family,
                        where,
                        signature=other,
                        status="flaky" if bucket.status == "confirmed" else bucket.status,
                    )
                )
        except OSError as exc:  # the output directory cannot be written: stop, say where
            self._fail(f"cannot write to {self.out}: {exc.strerror or exc}")

    # -- minimization -------------------------------------------------------------------

    def minimize_new_buckets(self, say: Callable[[str], None] = lambda _: None) -> list[str]:
        """Each findings bucket this session made, minimized (minimizing.py); one line per
        bucket for the closing note."""
        return minimize_new_buckets(self, say)
