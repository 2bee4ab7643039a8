"""Executors: a work item in, a judged outcome out, and nothing else.

An executor (a local pool process or a Dask worker) holds no campaign state: it gets a
work item and the campaign's Setup, runs it where the interpreters are, and returns an
Outcome.  It owns its fork servers (one pair per executor thread, started on first use,
replaced by fresh processes for good after one breaks).  Everything here must pickle:
items and outcomes cross process and machine boundaries.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import re
import socket
import sys
import threading
from collections.abc import Callable

from tandem.oracle import store
from tandem.oracle.errors import InterpreterError, TandemError
from tandem.oracle.executor import ForkServer
from tandem.oracle.executor import run as execute_fresh
from tandem.oracle.judge import judge_with
from tandem.oracle.model import Case, Interpreter, Kind, Limits, Side, Verdict
from tandem.oracle.reproduce import Pair, confirmation_limits, confirmed

from ..family import build
from ..render import render
from ..scenario import Capabilities, Scenario
from .state import Program


@dataclasses.dataclass(frozen=True)
class Setup:
    """What every work item of a campaign shares (sent once per executor on Dask)."""

    target: Interpreter
    oracle: Interpreter
    limits: Limits
    forkserver: bool = True
    native: Callable[..., object] | None = None  # native_trace(case, interpreter, limits, tries)
    slowdown: float = 1.0  # the target's measured slowdown (oracle/slowdown.py): deadlines
    size_step: int = 1  # and program sizes follow it (Capabilities.slowdown)


@dataclasses.dataclass(frozen=True)
class RunItem:
    """Judge one program once: a fresh scenario (family, seed: built by the executor), a
    mutated one (its IR) or a --programs file."""

    number: int
    origin: str  # "fresh", "mutated" or "programs"
    family: str = ""
    seed: int = 0
    scenario: str | None = None  # Scenario.dumps() of a mutated scenario
    program: Program | None = None
    teardown: bool = True


@dataclasses.dataclass(frozen=True)
class ConfirmItem:
    """Re-run a sighting until its signature shows again: fresh processes, then (when it
    was seen there) the fork-server path, at most `cap` runs each."""

    number: int
    case: Case
    first: Verdict
    cap: int
    forked: bool
    teardown: bool = True


@dataclasses.dataclass(frozen=True)
class NativeItem:
    """One more run of a crash under gdb, for the native frames of the side that crashed."""

    number: int
    case: Case
    side: str  # "target" or "oracle"
    tries: int


@dataclasses.dataclass(frozen=True)
class CallItem:
    """A longer task the coordinator waits for (minimizing a bucket): `function(*args)`."""

    number: int
    function: Callable[..., object]
    args: tuple


WorkItem = RunItem | ConfirmItem | NativeItem | CallItem


@dataclasses.dataclass(frozen=True)
class RunResult:
    """What the coordinator needs of one run: small when the pair agreed."""

    kind: Kind
    features: frozenset
    specializations: frozenset
    forked: bool  # through the fork servers
    without_teardown: bool
    case_id: str = ""  # the program's content hash (store.case_id)
    case: Case | None = None  # a finding's program and verdict, else None
    verdict: Verdict | None = None
    known_races: tuple[str, ...] = ()  # labels of the known-races list the run's reports matched


@dataclasses.dataclass(frozen=True)
class Outcome:
    """An item's result, or why there is none.  `failure` is "" on success, else what
    went wrong: "infrastructure" (could not run: never a finding), "interpreter" (this
    executor lacks an interpreter), "internal" (a bug of tandem's) or "lost" (the
    executor died with the item; set by the back-end)."""

    number: int
    result: object = None
    failure: str = ""
    message: str = ""
    where: str = ""


STEP_KEY = re.compile(r"^t\d+\.\d+ (\S+)$")
PAUSE_KEY = re.compile(r"^pause t\d+\.\d+ (\S+) at (.+) of ")
RAISED = re.compile(r"^'raised (\w+)")


def features_of(verdict: Verdict) -> set[str]:
    """The outcomes a run reached, as coverage features for feedback."""
    found: set[str] = set()
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
                found.update(
                    f"outcome:{step.group(1)}:{raised.group(1) if (raised := RAISED.match(v)) else 'ok'}"
                    for v in values
                )
            pause = PAUSE_KEY.match(key)
            if pause is not None and values and values[-1] == "True":
                found.add(f"paused:{pause.group(1)}:{pause.group(2)}")
        if observation.exception:
            found.add(f"uncaught:{observation.exception[0]}")
    found.add(f"verdict:{verdict.kind.value}")
    return found


def case_of(item: RunItem, caps: Capabilities | None) -> tuple[Case, Scenario | None]:
    """The program of a run item (a fresh scenario is built here, from its seed)."""
    if item.program is not None:
        return Case(source=item.program.source, name=item.program.name), None
    if item.scenario is not None:
        scenario = Scenario.loads(item.scenario)
    else:
        assert caps is not None  # given for an item built from its seed (_run)
        scenario = build(item.family, item.seed, caps)
    return Case(source=render(scenario), name=f"{scenario.family}.py", scenario=scenario.to_json()), scenario


# -- the executor's own resources: fork servers, per thread ------------------------------

_local = threading.local()
_all_servers: list[ForkServer] = []


def _servers(setup: Setup) -> tuple[ForkServer, ForkServer] | None:
    if not setup.forkserver or getattr(_local, "broken", False):
        return None
    key = (setup.target.path, setup.oracle.path)
    servers = getattr(_local, "servers", {})
    _local.servers = servers
    if key not in servers:
        servers[key] = (ForkServer(setup.target), ForkServer(setup.oracle))
        _all_servers.extend(servers[key])
    return servers[key]


def _drop_servers() -> None:
    """After a fork server failed: plain subprocesses for this executor from now on."""
    for pair in getattr(_local, "servers", {}).values():
        for server in pair:
            server.close()
    _local.servers, _local.broken = {}, True


@atexit.register
def close_servers() -> None:
    for server in _all_servers:
        server.close()


def where() -> str:
    """This executor's name in messages: the Dask worker's address, else host and pid."""
    if "distributed" in sys.modules:  # only a Dask worker has it loaded
        try:
            return f"worker {sys.modules['distributed'].get_worker().address} ({socket.gethostname()})"
        except ValueError:
            pass
    return f"{socket.gethostname()} pid {os.getpid()}"


def missing_interpreters(setup: Setup) -> list[str]:
    """The campaign's interpreters this machine cannot run (none: an empty list)."""
    return [f"{i.name} ({i.path})" for i in (setup.target, setup.oracle) if not os.access(i.path, os.X_OK)]


def campaign_caps(setup: Setup) -> Capabilities:
    """What programs of this campaign may use, sized for the target's slowdown."""
    return dataclasses.replace(Capabilities.common(setup.target, setup.oracle), slowdown=setup.size_step)


def _caps(setup: Setup) -> Capabilities:
    key = (setup.target.path, setup.oracle.path, setup.size_step)
    cache = getattr(_local, "caps", None)
    if cache is None or cache[0] != key:
        _local.caps = cache = (key, campaign_caps(setup))
    return cache[1]


# -- running items -----------------------------------------------------------------------


def _judge(case: Case, setup: Setup, servers, teardown: bool, limits: Limits | None = None) -> Verdict:
    """Target and oracle runs of `case`: through the fork servers when given (which run
    a case needing start-up environment fresh), else as fresh processes."""
    if servers is not None:

        def run_target(c, lim):
            return servers[0].run(c, lim, feedback=True, teardown=teardown)

        def run_oracle(c, lim):
            return servers[1].run(c, lim, feedback=True, teardown=teardown)
    else:

        def run_target(c, lim):
            return execute_fresh(c, setup.target, lim, feedback=True)

        def run_oracle(c, lim):
            return execute_fresh(c, setup.oracle, lim, feedback=True)

    return judge_with(case, run_target, run_oracle, limits or setup.limits, setup.slowdown)


def _run(item: RunItem, setup: Setup) -> RunResult:
    case, _ = case_of(item, _caps(setup) if item.program is None and item.scenario is None else None)
    servers = _servers(setup)
    try:
        verdict = _judge(case, setup, servers, item.teardown)
    except TandemError:
        if servers is not None:
            _drop_servers()
        raise
    forked = servers is not None and not case.environment
    specializations = frozenset(
        name for o in (verdict.target, verdict.oracle) if o is not None for name in o.specializations
    )
    finding = verdict.kind.is_finding
    known = tuple(
        r.known for o in (verdict.target, verdict.oracle) if o is not None for r in o.sanitizer_reports if r.known
    )
    return RunResult(
        verdict.kind,
        frozenset(features_of(verdict)),
        specializations,
        forked,
        forked and not item.teardown,
        store.case_id(case.source),
        case if finding else None,
        verdict if finding else None,
        known,
    )


def _confirm(item: ConfirmItem, setup: Setup) -> Verdict:
    limits = confirmation_limits(item.first, setup.limits)  # a hang: not the full deadline again
    paths = [lambda c: _judge(c, setup, None, True, limits)]
    servers = _servers(setup) if item.forked else None
    if servers is not None:
        paths.append(lambda c: _judge(c, setup, servers, item.teardown, limits))
    try:
        return confirmed(
            item.case, item.first, item.cap, setup.limits, paths=paths, pair=Pair(setup.target, setup.oracle)
        )
    except TandemError:
        if servers is not None:
            _drop_servers()
        raise


def _native(item: NativeItem, setup: Setup):
    if setup.native is None:
        return None
    interpreter = setup.oracle if item.side == "oracle" else setup.target
    return setup.native(item.case, interpreter, setup.limits, item.tries)


def execute(item, setup: Setup) -> Outcome:
    """Run one work item; never raises (what went wrong is the Outcome's failure)."""
    missing = missing_interpreters(setup)
    if missing:
        return Outcome(
            item.number, failure="interpreter", where=where(), message=f"{where()} has no {' and no '.join(missing)}"
        )
    result: object
    try:
        if isinstance(item, RunItem):
            result = _run(item, setup)
        elif isinstance(item, ConfirmItem):
            result = _confirm(item, setup)
        elif isinstance(item, NativeItem):
            result = _native(item, setup)
        else:
            result = item.function(*item.args)
    except InterpreterError as exc:
        return Outcome(item.number, failure="interpreter", message=f"{where()}: {exc}", where=where())
    except TandemError as exc:  # infrastructure: counted and reported, never a finding
        return Outcome(item.number, failure="infrastructure", message=str(exc), where=where())
    except Exception as exc:
        return Outcome(item.number, failure="internal", message=f"{type(exc).__name__}: {exc}", where=where())
    return Outcome(item.number, result, where=where())


def native_side(verdict: Verdict) -> str | None:
    """The side whose crash wants native frames from a gdb run, or None."""
    if verdict.kind is not Kind.CRASH:
        return None
    side = "oracle" if verdict.side is Side.ORACLE else "target"
    observation = getattr(verdict, side)
    if observation is None or observation.crash is None or observation.crash.native_frames:
        return None
    return side
