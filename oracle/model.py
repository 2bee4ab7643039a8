"""The data model every stage passes along: frozen dataclasses and the Kind enum.

Stages are functions from one of these to the next (Case -> RawRun -> Observation ->
Verdict); nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import re
from typing import Any

from .sanitizer_report import SanitizerReport


class Kind(str, enum.Enum):
    """Verdict kinds, most severe first (see DESIGN.md, "Verdict kinds")."""

    ASSERTION = "assertion"
    FATAL_ERROR = "fatal_error"
    MEMORY_ERROR = "memory_error"  # an AddressSanitizer report (use-after-free, overflow, ...)
    CRASH = "crash"
    HANG = "hang"
    DATA_RACE = "data_race"  # a ThreadSanitizer report not in the known-races list
    INVARIANT_VIOLATION = "invariant_violation"
    EXCEPTION_DIVERGENCE = "exception_divergence"
    RESULT_DIVERGENCE = "result_divergence"
    UNRAISABLE_DIVERGENCE = "unraisable_divergence"
    INVALID_CASE = "invalid_case"
    AGREE = "agree"

    @property
    def is_finding(self) -> bool:
        return self not in (Kind.AGREE, Kind.INVALID_CASE)

    @property
    def severity(self) -> int:
        """Lower is more severe; the order of declaration above."""
        return list(Kind).index(self)


# How hangs noticed by their stacks are headed: every thread waiting, unchanged (a
# deadlock, confirmed by the stacks), or no CPU and unchanged stacks for a long time.
DEADLOCK_HEADLINE = "deadlock: every thread waiting"
IDLE_HEADLINE = "idle: no CPU and the same stacks"

# Process-level misbehaviour kinds: the program did not finish on its own.
PROCESS_KINDS = (Kind.ASSERTION, Kind.FATAL_ERROR, Kind.CRASH, Kind.HANG)


class Side(str, enum.Enum):
    """Which run misbehaved."""

    TARGET = "target"
    ORACLE = "oracle"
    BOTH = "both"
    NONE = "none"

    @staticmethod
    def of(target: bool, oracle: bool) -> Side:
        if target and oracle:
            return Side.BOTH
        if target:
            return Side.TARGET
        if oracle:
            return Side.ORACLE
        return Side.NONE


@dataclasses.dataclass(frozen=True)
class Features:
    """What an interpreter offers that later stages may use."""

    specializer: bool = False  # adaptive specialization observed at run time
    testinternalcapi: bool = False  # `import _testinternalcapi` works
    testcapi: bool = False  # `import _testcapi` works
    stack_trampoline: bool = False  # sys.activate_stack_trampoline("perf") works
    monitoring: bool = False  # sys.monitoring exists (3.12+)
    setprofile_all_threads: bool = False  # threading.setprofile_all_threads (3.12+)
    ctypes: bool = False  # `import ctypes` works
    eval_frame_hook: bool = False  # _testinternalcapi.set_eval_frame_* (PEP 523)


@dataclasses.dataclass(frozen=True)
class Interpreter:
    """A probed interpreter: a name tandem knows it by and what it is."""

    name: str
    path: str
    version: str  # "3.13.15"
    version_info: tuple[int, int, int]
    free_threaded: bool  # built with Py_GIL_DISABLED
    debug: bool  # built with Py_DEBUG
    implementation: str = "cpython"
    abiflags: str = ""
    features: Features = Features()
    origin: str = "user"  # "provisioned", "config", "path"
    sanitizer: str = ""  # "thread" or "address" when built with one

    @property
    def minor(self) -> tuple[int, int]:
        return self.version_info[:2]

    @property
    def description(self) -> str:
        flags = []
        if self.free_threaded:
            flags.append("free-threaded")
        if self.debug:
            flags.append("debug")
        if self.sanitizer:
            flags.append(f"{self.sanitizer} sanitizer")
        return f"{self.implementation} {self.version}" + (f" ({', '.join(flags)})" if flags else "")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits for one run. A limit of 0 means "no limit"."""

    deadline: float = 60.0  # seconds of wall time before the run is a hang
    address_space: int = 8 << 30  # RLIMIT_AS bytes
    file_size: int = 256 << 20  # RLIMIT_FSIZE bytes
    processes: int = 256  # RLIMIT_NPROC
    output_head: int = 1 << 20  # bytes kept from the start of stdout/stderr
    output_tail: int = 64 << 10  # bytes kept from the end of stdout/stderr
    grace: float = 2.0  # seconds between the stack dump and SIGKILL
    stall_after: float = 3.0  # idle this long, a run's stacks are looked at (0: never)
    idle_limit: float = 20.0  # idle with the same stacks this long: a hang (0: never)


# A program may declare start-up environment it needs, in its leading comment lines:
#   # tandem-env: MIMALLOC_ARENA_RESERVE=4M
# Only the interpreter's and its allocator's variables may be declared.  Being part of
# the source, the declaration travels with the program into the corpus, replays and
# exported reproducers (which re-execute themselves with it).
DECLARED_ENV = re.compile(r"^# tandem-env: (?P<name>(?:PYTHON|MIMALLOC_)\w*)=(?P<value>\S*)\s*$")


def declared_env(source: str) -> tuple[tuple[str, str], ...]:
    """The `# tandem-env:` declarations of `source`'s leading comment block."""
    found = []
    for line in source.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = DECLARED_ENV.match(line)
        if match:
            found.append((match.group("name"), match.group("value")))
    return tuple(found)


@dataclasses.dataclass(frozen=True)
class Case:
    """A program to run: its source and where it came from."""

    source: str
    name: str = "case"
    scenario: dict[str, Any] | None = None  # the IR, when generated
    env: tuple[tuple[str, str], ...] = ()  # extra environment (e.g. PYTHON_LLTRACE)
    meta: tuple[tuple[str, str], ...] = ()  # origin, family, seed, ...

    @property
    def meta_dict(self) -> dict[str, str]:
        return dict(self.meta)

    @property
    def environment(self) -> tuple[tuple[str, str], ...]:
        """Start-up environment of the run: `env`, then what the source declares."""
        return self.env + declared_env(self.source)


@dataclasses.dataclass(frozen=True)
class Captured:
    """One output stream captured up to a bound: head, tail and the true size."""

    head: bytes = b""
    tail: bytes = b""
    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + len(self.tail)

    def text(self) -> str:
        body = self.head.decode("utf-8", "replace")
        if self.truncated:
            skipped = self.total - len(self.head) - len(self.tail)
            body += f"\n[... {skipped} bytes not kept ...]\n"
        return body + self.tail.decode("utf-8", "replace")


@dataclasses.dataclass(frozen=True)
class RawRun:
    """Everything one subprocess run recorded, before any interpretation."""

    interpreter: str  # Interpreter.name
    version: str
    argv: tuple[str, ...]
    returncode: int | None  # None when killed by us after a hang
    signal: int | None  # terminating signal number, if any
    timed_out: bool
    duration: float
    stdout: Captured
    stderr: Captured
    records: tuple[dict[str, Any], ...]  # the harness report, one dict per JSON line
    report_damaged: bool = False  # a line of the report did not parse
    workdir: str = ""  # the run's temporary directory (gone afterwards)
    run_id: str = ""  # the run's containment id (TANDEM_RUN, oracle/sandbox.py)
    stall: str = ""  # ended before its deadline: "deadlock" (every thread waiting,
    # the same stacks twice) or "idle" (no CPU, the same stacks
    # for Limits.idle_limit seconds)
    sanitizer_log: str = ""  # what a sanitizer runtime reported (its log files, in order)


@dataclasses.dataclass(frozen=True)
class CrashInfo:
    """Why a process did not finish on its own."""

    kind: Kind  # one of PROCESS_KINDS
    headline: str  # "SIGSEGV", "Fatal Python error: ...", ...
    assertion: tuple[str, str, str] | None = None  # (file, function, condition)
    python_frames: tuple[str, ...] = ()  # top Python frames of the dump
    native_frames: tuple[str, ...] = ()  # top C frames, when the build dumps them


@dataclasses.dataclass(frozen=True)
class Unraisable:
    """One unraisable-exception event, normalized."""

    exc_type: str
    exc_message: str
    err_msg: str
    object: str
    text: str  # what the default hook printed, normalized
    canonical: str  # version-independent form (see normalize.WORDING_RULES)
    thread: str = ""


@dataclasses.dataclass(frozen=True)
class Observation:
    """A RawRun interpreted: the facts the diff compares, all normalized."""

    interpreter: str
    version: str
    outcome: str  # "exit", "signal", "hang"
    exit_code: int | None
    signal: str | None
    crash: CrashInfo | None
    finished: bool  # the harness saw the program body complete
    results: tuple[tuple[str, tuple[str, ...]], ...]  # emit(): key -> values in order
    observations: tuple[tuple[str, tuple[str, ...]], ...]  # observe(): key -> sorted distinct
    violations: tuple[tuple[str, int, str], ...]  # check(): label, failures, first detail
    exception: tuple[str, str] | None  # uncaught: (type, message)
    thread_exceptions: tuple[tuple[str, str], ...]  # sorted (type, message)
    unraisable: tuple[Unraisable, ...]
    stdout: str
    stderr_tail: str
    specializations: tuple[str, ...] = ()  # specialized instructions reached
    report_damaged: bool = False
    duration: float = dataclasses.field(default=0.0, compare=False)  # wall seconds of the run
    sanitizer_reports: tuple[SanitizerReport, ...] = ()  # every report of the run, in order


@dataclasses.dataclass(frozen=True)
class Difference:
    """One way the two observations differ, readable by humans."""

    what: str  # "result 'total'", "exception", "unraisable", ...
    target: str
    oracle: str


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The judgement on one case: a kind, who misbehaved, and the evidence."""

    kind: Kind
    side: Side
    summary: str
    differences: tuple[Difference, ...] = ()
    target: Observation | None = None
    oracle: Observation | None = None
    runs: int = 1  # how many times the pair was run
    reproductions: int = 1  # how many of those gave this kind and side

    @property
    def reproduction_rate(self) -> float:
        return self.reproductions / self.runs if self.runs else 0.0

    @property
    def flaky(self) -> bool:
        """Re-run, and no re-run showed it again."""
        return self.runs > 1 and self.reproductions <= 1

    @property
    def deadlock(self) -> bool:
        """A hang whose stacks showed every thread waiting: confirmed without re-runs."""
        return self.kind is Kind.HANG and any(
            o is not None and o.crash is not None and o.crash.headline.startswith(DEADLOCK_HEADLINE)
            for o in (self.target, self.oracle)
        )


@dataclasses.dataclass(frozen=True)
class Signature:
    """The identity of a finding (oracle/signature.py makes it): 'kind|side|evidence...';
    `id`, a short hash of it, names its bucket."""

    text: str

    @property
    def id(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]

    @property
    def kind(self) -> str:
        return self.text.split("|", 1)[0]

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(self.text.split("|")[2:])


@dataclasses.dataclass(frozen=True)
class Finding:
    """A verdict other than agree, confirmed (or not) and named: what a bucket gathers.

    `status`: "confirmed" (a re-run showed it again, or its stacks proved a deadlock),
    "flaky" (a crash kind no re-run showed again) or "unconfirmed" (anything else no
    re-run showed again)."""

    case: Case
    verdict: Verdict  # runs and reproductions counted
    signature: Signature
    status: str


@dataclasses.dataclass(frozen=True)
class Bucket:
    """All sightings of one signature in a campaign: the unit triage lists and reports.

    `status` is "confirmed" (a re-run showed it again, or its stacks proved a deadlock),
    "flaky" (a crash, assertion or fatal error no re-run showed again: kept anyway) or
    "unconfirmed" (another verdict no re-run showed again: listed, never dropped).
    `runs` and `hits` add up over every sighting's confirmation."""

    identifier: str  # signature id: the directory name
    signature: str
    kind: str
    side: str
    count: int  # sightings
    first_seen: str
    runs: int = 0
    hits: int = 0
    status: str = "confirmed"
    smallest: str | None = None  # case id of the smallest reproducer kept
    smallest_lines: int | None = None
    minimized: str | None = None  # file name of the minimized reproducer, when made
    minimized_lines: int | None = None
    minimized_rate: float | None = None
    family: str = ""
    last_seen: str = ""
    first_seen_run: int = 0
    path: str = ""  # the bucket's directory
    campaign: str = ""  # the campaign directory it was read from

    @property
    def reproduction_rate(self) -> float:
        return self.hits / self.runs if self.runs else 0.0

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(self.signature.split("|")[2:])


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums and tuples -> plain JSON types (for --json and the store)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, Verdict):
            out["reproduction_rate"] = value.reproduction_rate
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
