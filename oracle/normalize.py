"""Pure rules RawRun -> Observation: classify how the process ended and normalize away
addresses, ids, paths and version wording, so that only real differences remain.
"""

from __future__ import annotations

import re
import signal as signal_module
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from . import sanitizer_report
from .errors import HarnessError, InterpreterError
from .model import DEADLOCK_HEADLINE, IDLE_HEADLINE, CrashInfo, Kind, Observation, RawRun, Unraisable

HARNESS_DIR = str(Path(__file__).parent)

# -- text normalization ----------------------------------------------------------------

ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
THREAD_IDENT = re.compile(r"\b(started |ident=|ident: |Thread )\d{5,}\b")
HARNESS_LINE = re.compile(r'(File "<harness>/[^"]+", line )\d+')
# "/root/.cache/tandem/src/Python-3.13.15/Include/internal/pycore_dict.h" -> "Include/internal/pycore_dict.h"
SOURCE_TREE = re.compile(r"(?:\.\./|/)[^\s:'\"]*?/(?=(?:Include|Objects|Python|Modules|Parser|Lib)/)")


def normalize_text(text: str, replacements: tuple[tuple[str, str], ...] = ()) -> str:
    """Addresses -> 0x?, thread idents -> ?, known paths -> <names>."""
    for old, new in replacements:
        if old:
            text = text.replace(old, new)
    text = ADDRESS.sub("0x?", text)
    text = THREAD_IDENT.sub(r"\1?", text)
    text = SOURCE_TREE.sub("", text)
    return HARNESS_LINE.sub(r"\1?", text)


def path_replacements(raw: RawRun) -> tuple[tuple[str, str], ...]:
    """Longest first, so a stdlib path inside the prefix becomes <stdlib>, not <prefix>/..."""
    start = next((r for r in raw.records if r.get("t") == "start"), {})
    pairs = [(HARNESS_DIR, "<harness>")]
    if raw.workdir:
        pairs.append((raw.workdir, "<run>"))
    for key, label in (("stdlib", "<stdlib>"), ("platstdlib", "<stdlib>"), ("prefix", "<prefix>")):
        value = start.get(key)
        if isinstance(value, str) and len(value) > 1:
            pairs.append((value, label))
    pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
    return tuple(pairs)


# -- unraisable wording across versions ------------------------------------------------


@dataclass(frozen=True)
class WordingRule:
    """A change in how CPython words the first line of an unraisable report.

    `pattern` matches the newer first line; `canonical` is the older wording, which is
    what every version's first line is rewritten to before a cross-version comparison.
    """

    name: str
    introduced: str
    pattern: re.Pattern[str]
    canonical: str


WORDING_RULES: tuple[WordingRule, ...] = (
    WordingRule(
        "deallocator",
        "3.14",
        re.compile(r"^Exception ignored while calling deallocator (?P<obj>.+):$"),
        "Exception ignored in: {obj}",
    ),
    WordingRule(
        "weakref-callback",
        "3.14",
        re.compile(r"^Exception ignored while calling weakref callback (?P<obj>.+):$"),
        "Exception ignored in: {obj}",
    ),
    WordingRule(
        "generator-close",
        "3.14",
        re.compile(r"^Exception ignored while (?:closing|finalizing) generator (?P<obj>.+):$"),
        "Exception ignored in: {obj}",
    ),
    WordingRule(
        "gc-callback",
        "3.14",
        re.compile(r"^Exception ignored (?:while calling|in) (?:GC|garbage collector) callback (?P<obj>.+):$"),
        "Exception ignored in: {obj}",
    ),
    WordingRule(
        "atexit-callback",
        "3.13",
        re.compile(r"^Exception ignored in atexit callback (?P<obj>[^:].*):$"),
        "Exception ignored in atexit callback: {obj}",
    ),
)


def canonical_unraisable(text: str) -> str:
    """First line rewritten by WORDING_RULES, plus the final `Type: message` line.

    Traceback bodies are dropped: their layout (carets, frames of the stdlib) legitimately
    changes between versions.  Same-version comparisons use the full text instead.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    head = lines[0]
    for rule in WORDING_RULES:
        match = rule.pattern.match(head)
        if match:
            head = rule.canonical.format(**match.groupdict())
            break
    last = lines[-1] if len(lines) > 1 else ""
    return f"{head}\n{last}" if last else head


# -- crash classification --------------------------------------------------------------

GLIBC_ASSERT = re.compile(
    r"^(?:[^:\n]*: )?(?P<file>[^:\n]+):(?P<line>\d+): (?P<func>[^:\n]+): Assertion [`'](?P<cond>.*)' failed\.\s*$", re.M
)
CPYTHON_ASSERT = re.compile(
    r'^(?P<file>[^:\n]+):(?P<line>\d+): (?:(?P<func>\w+): )?Assertion (?:"(?P<cond>.*)" )?failed(?:: (?P<msg>.*))?$',
    re.M,
)
FATAL = re.compile(r"^Fatal Python error: (?P<msg>.*)$", re.M)
SIGNAL_FATAL_MESSAGES = {
    "Segmentation fault",
    "Aborted",
    "Bus error",
    "Illegal instruction",
    "Floating-point exception",
    "Floating point exception",
}
PY_FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>\S+)', re.M)
C_STACK_HEADER = re.compile(r"^Current thread's C stack trace.*:$", re.M)
C_FRAME = re.compile(r"^\s+Binary file \"[^\"]+\", at (?P<func>[^+\s]+)", re.M)
FRAMES_KEPT = 8


def signal_name(number: int) -> str:
    try:
        return signal_module.Signals(number).name
    except ValueError:
        return f"signal {number}"


THREAD_HEADER = re.compile(r"^(Current thread|Thread) [^\n]*\(most recent call first\):$", re.M)


def _thread_blocks(stderr: str) -> list[tuple[bool, list[tuple[str, str]]]]:
    """faulthandler's dump: per thread, (is the current thread, [(file, function)...])."""
    blocks = []
    headers = list(THREAD_HEADER.finditer(stderr))
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(stderr)
        body = stderr[header.end() : end].split("\n\n", 1)[0]
        frames = [(m.group("file"), m.group("func")) for m in PY_FRAME.finditer(body)]
        blocks.append((header.group(1) == "Current thread", frames))
    return blocks


def _python_frames(stderr: str, replacements: tuple[tuple[str, str], ...], hang: bool = False) -> tuple[str, ...]:
    """Top frames of the crashing thread (the current one, else the first dumped); for a
    hang, the top frame of every thread, since the bug is in how they wait together."""
    blocks = _thread_blocks(stderr)
    if not blocks:
        return ()
    norm = lambda file, func: f"{normalize_text(file, replacements)}:{func}"  # noqa: E731
    if hang:
        return tuple(norm(*frames[0]) for _, frames in blocks if frames)[:FRAMES_KEPT]
    current = next((frames for is_current, frames in blocks if is_current), blocks[0][1])
    return tuple(norm(*frame) for frame in current[:FRAMES_KEPT])


def _native_frames(stderr: str) -> tuple[str, ...]:
    header = C_STACK_HEADER.search(stderr)
    if not header:
        return ()
    block = stderr[header.end() :].split("\n\n", 1)[0]
    return tuple(m.group("func") for m in C_FRAME.finditer(block))[:FRAMES_KEPT]


def classify_crash(
    raw: RawRun,
    stderr: str,
    finished: bool,
    replacements: tuple[tuple[str, str], ...],
    reports: tuple[sanitizer_report.SanitizerReport, ...] = (),
) -> CrashInfo | None:
    """Why the process did not end on its own, or None if it did.  `reports` are the
    run's sanitizer reports: a runtime that caught a deadly signal, failed a CHECK or
    printed a line not understood ended the process itself, with the status it was told
    to use (TSan's is 0): that is a crash all the same."""
    native_frames = _native_frames(stderr)
    join_timeout = any(r.get("t") == "join_timeout" for r in raw.records)
    if raw.timed_out or join_timeout:
        headline = (
            "threads() join deadline exceeded"
            if join_timeout and not raw.timed_out
            else f"{DEADLOCK_HEADLINE} (the same stacks twice)"
            if raw.stall == "deadlock"
            else f"{IDLE_HEADLINE} until the idle limit"
            if raw.stall == "idle"
            else "deadline exceeded; stacks dumped before the kill"
        )
        return CrashInfo(
            Kind.HANG,
            headline,
            python_frames=_python_frames(stderr, replacements, hang=True),
            native_frames=native_frames,
        )
    python_frames = _python_frames(stderr, replacements)
    runtime = sanitizer_report.runtime_failures(reports)
    # A process that exited by itself (os._exit, sys.exit in a thread, ...) did not crash
    # unless the interpreter said so on the way out: its status is compared as a result.
    said_so = bool(GLIBC_ASSERT.search(stderr) or CPYTHON_ASSERT.search(stderr) or FATAL.search(stderr))
    abnormal = raw.signal is not None or (not finished and raw.returncode not in (0, 1, None) and said_so)
    if not abnormal and not runtime:
        return None
    for pattern in (GLIBC_ASSERT, CPYTHON_ASSERT):
        match = pattern.search(stderr)
        if match:
            file = Path(match.group("file")).name if "/" in match.group("file") else match.group("file")
            condition = match.group("cond") or match.groupdict().get("msg") or ""
            func = match.group("func") or ""
            return CrashInfo(
                Kind.ASSERTION,
                normalize_text(match.group(0).strip(), replacements),
                assertion=(file, func, normalize_text(condition, replacements)),
                python_frames=python_frames,
                native_frames=native_frames,
            )
    for match in FATAL.finditer(stderr):
        message = match.group("msg").strip()
        if message not in SIGNAL_FATAL_MESSAGES:
            return CrashInfo(
                Kind.FATAL_ERROR,
                normalize_text(f"Fatal Python error: {message}", replacements),
                python_frames=python_frames,
                native_frames=native_frames,
            )
    if runtime:
        return _runtime_crash(raw, runtime[0], python_frames, native_frames)
    return CrashInfo(
        Kind.CRASH,
        signal_name(raw.signal) if raw.signal is not None else f"exit status {raw.returncode} after a fatal report",
        python_frames=python_frames,
        native_frames=native_frames,
    )


def _runtime_crash(
    raw: RawRun,
    failure: sanitizer_report.SanitizerReport,
    python_frames: tuple[str, ...],
    native_frames: tuple[str, ...],
) -> CrashInfo:
    """A sanitizer runtime's own failure as a crash: a deadly signal it caught (the
    signal, and the C frames of its stack: the form gdb gives elsewhere), a CHECK of
    the runtime failed (an assertion at the runtime's site), a line not understood (a
    crash named by the line, so that it is seen and the parser taught)."""
    check = failure.check
    if check is not None:
        file, condition = check
        return CrashInfo(
            Kind.ASSERTION,
            f"{failure.tool}: {failure.type}",
            assertion=(file, f"{failure.tool} CHECK", condition),
            python_frames=python_frames,
            native_frames=failure.native_frames() or native_frames,
        )
    if failure.signal:
        headline = signal_name(raw.signal) if raw.signal is not None else failure.signal
        if failure.type == "stack-overflow":
            headline += " (stack-overflow)"
        return CrashInfo(
            Kind.CRASH,
            headline,
            python_frames=python_frames,
            native_frames=failure.native_frames() or native_frames,
        )
    return CrashInfo(
        Kind.CRASH,
        f"{failure.tool} runtime: {failure.type}",
        python_frames=python_frames,
        native_frames=failure.native_frames() or native_frames,
    )


# -- RawRun -> Observation -------------------------------------------------------------


def sanitizer_reports(
    raw: RawRun, known: tuple[sanitizer_report.KnownRace, ...] | None = None
) -> tuple[sanitizer_report.SanitizerReport, ...]:
    """Every sanitizer report of the run, known races labelled (default: the lists of
    sanitizer_report.known_races_for the run's version): its log, then what a runtime
    wrote to stderr (before its log was open, or outside it) that the log lacks."""
    text = raw.sanitizer_log
    extra = sanitizer_report.runtime_text(raw.stderr.text()) if raw.stderr.total else ""
    extra = "".join(line for line in extra.splitlines(keepends=True) if line.strip() not in text)
    if not text and not extra:
        return ()
    if known is None:
        known = sanitizer_report.known_races_for(raw.version)
    return sanitizer_report.label_known(sanitizer_report.parse(text + extra), known)


def check_runtime(raw: RawRun, reports: tuple[sanitizer_report.SanitizerReport, ...]) -> None:
    """Raise when a sanitizer runtime failed for want of memory or address space, or
    before the program started: such a run says nothing about the program (an
    InterpreterError when the interpreter cannot start at all, else a HarnessError)."""
    started = any(r.get("t") == "start" for r in raw.records)
    problem = sanitizer_report.infrastructure_problem(reports, started)
    if problem is None:
        return
    message, at_start = problem
    raise (InterpreterError if at_start else HarnessError)(f"{raw.interpreter}: {message}")


def observe(raw: RawRun, known_races: tuple[sanitizer_report.KnownRace, ...] | None = None) -> Observation:
    """Interpret one run.  Pure for a given known-races list: the same RawRun always
    gives the same Observation, or the same error when a sanitizer runtime failed for
    reasons of its own (check_runtime)."""
    replacements = path_replacements(raw)
    norm = lambda text: normalize_text(str(text), replacements)  # noqa: E731
    records = raw.records
    finished = any(r.get("t") == "end" for r in records)
    stderr = raw.stderr.text()
    results: OrderedDict[str, list[str]] = OrderedDict()
    observed: dict[str, set[str]] = {}
    failure_details: dict[str, str] = {}
    exception = None
    thread_exceptions = []
    unraisable = []
    specializations: tuple[str, ...] = ()
    check_totals: dict[str, int] = {}
    for record in records:
        kind = record.get("t")
        if kind == "emit":
            results.setdefault(str(record.get("k")), []).append(norm(record.get("v")))
        elif kind == "observe":
            observed.setdefault(str(record.get("k")), set()).add(norm(record.get("v")))
        elif kind == "check":
            label = str(record.get("label"))
            failure_details.setdefault(label, norm(record.get("detail", "")))
            check_totals[label] = check_totals.get(label, 0) + 1
        elif kind == "exception":
            exception = (str(record.get("type")), norm(record.get("msg", "")))
        elif kind == "thread_exception":
            thread_exceptions.append((str(record.get("type")), norm(record.get("msg", ""))))
        elif kind == "unraisable":
            text = norm(record.get("text", ""))
            unraisable.append(
                Unraisable(
                    exc_type=str(record.get("exc_type", "")),
                    exc_message=norm(record.get("exc_message", "")),
                    err_msg=norm(record.get("err_msg", "")),
                    object=norm(record.get("object", "")),
                    text=text,
                    canonical=canonical_unraisable(text),
                    thread=str(record.get("thread", "")),
                )
            )
        elif kind == "end":
            # The end record's counters are authoritative: they count every failure,
            # including those past the per-label recording bound.
            for label, counts in (record.get("checks") or {}).items():
                if isinstance(counts, list) and len(counts) == 2 and counts[1]:
                    check_totals[str(label)] = max(check_totals.get(str(label), 0), int(counts[1]))
            specializations = tuple(sorted(record.get("specializations") or ()))
    reports = sanitizer_reports(raw, known_races)
    check_runtime(raw, reports)
    crash = classify_crash(raw, stderr, finished, replacements, reports)
    if crash is None:
        outcome = "exit"
    elif crash.kind is Kind.HANG:
        outcome = "hang"
    else:
        outcome = "signal" if raw.signal is not None else "exit"
    violations = tuple(sorted((label, count, failure_details.get(label, "")) for label, count in check_totals.items()))
    return Observation(
        interpreter=raw.interpreter,
        version=raw.version,
        outcome=outcome,
        exit_code=raw.returncode,
        signal=signal_name(raw.signal) if raw.signal is not None else None,
        crash=crash,
        finished=finished,
        results=tuple((key, tuple(values)) for key, values in results.items()),
        observations=tuple(sorted((key, tuple(sorted(values))) for key, values in observed.items())),
        violations=violations,
        exception=exception,
        thread_exceptions=tuple(sorted(thread_exceptions)),
        unraisable=tuple(unraisable),
        stdout=norm(raw.stdout.text()),
        stderr_tail=norm(stderr[-4000:]),
        specializations=specializations,
        report_damaged=raw.report_damaged,
        duration=raw.duration,
        sanitizer_reports=reports,
    )
