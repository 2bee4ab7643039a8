"""Pure parsing of ThreadSanitizer and AddressSanitizer output, and its identities.

Raw log text -> SanitizerReport per report (every one of a run, in order), and per line
of the runtime's own that is not a report: a deadly signal, a CHECK failure of the
runtime, a runtime that ran out of memory or could not map its shadow, or a line not
understood.  The signature of a race is the unordered pair of its two racing functions
with their files, line-free; a memory error's is its type and top frames past sanitizer,
allocator and helper frames.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

TSAN_HEADER = re.compile(r"^WARNING: ThreadSanitizer: (?P<type>.+?)(?: \(pid=\d+\))?\s*$")
# "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x..", "... attempting double-free on 0x..
# in thread T0:", "==1==ERROR: ThreadSanitizer: SEGV on unknown address 0x.. (pc ..)"
ERROR_HEADER = re.compile(r"^==\d+==ERROR: (?P<tool>Thread|Address)Sanitizer: (?P<type>.+?)(?P<rest> on .*)?$")
SEPARATOR = re.compile(r"^={10,}\s*$")
SUMMARY = re.compile(r"^SUMMARY: (?:Thread|Address)Sanitizer: (?P<text>.*)$")
# "    #3 0x7f.. in func /path/file.c:12:3" (ASan) or "    #3 func /path/file.c:12 (bin+0x..)" (TSan)
FRAME = re.compile(
    r"^\s+#(?P<n>\d+) (?:0x[0-9a-f]+ in )?(?P<func>\S+)(?: (?P<where>[^(\s]+))?(?: \((?P<module>[^)]*)\))?\s*$"
)
SECTION = re.compile(r"^\s{0,2}(?P<title>\S.*\S):\s*$")
WHERE_LINE = re.compile(r":\d+(?::\d+)?$")

# What a report or a runtime line is (SanitizerReport.category), and the verdict it makes
# (oracle/diff.py, oracle/normalize.py): a race or another ThreadSanitizer report
# (lock-order inversion, mutex misuse, ...) -> data_race; a memory error -> memory_error;
# a deadly signal the runtime caught -> crash; a CHECK failure of the runtime ->
# assertion; a line not understood -> crash, named by the line (never a silent agree);
# a runtime short of memory or address space -> an infrastructure error, never a finding.
RACE, REPORT, MEMORY, SIGNAL, CHECK, RESOURCES, UNKNOWN = (
    "race",
    "report",
    "memory",
    "signal",
    "check",
    "resources",
    "unknown",
)
# The runtimes' names of the signals they catch (handle_segv & co), as the signal's name.
DEADLY_SIGNALS = {
    "SEGV": "SIGSEGV",
    "BUS": "SIGBUS",
    "FPE": "SIGFPE",
    "ILL": "SIGILL",
    "ABRT": "SIGABRT",
    "TRAP": "SIGTRAP",
    "stack-overflow": "SIGSEGV",
    "UNKNOWN SIGNAL": "signal",
}
# The runtime itself could not get memory or address space: its shadow, its allocator,
# a mapping where it needs one (ASLR), an address-space limit.  Not the program's bug.
RESOURCE_TROUBLE = re.compile(
    r"(?i)failed to (?:allocate|mmap|map|reserve)|can ?not mmap|ReserveShadowMemoryRange|"
    r"unexpected memory mapping|memory layout is incompatible|Shadow memory range interleaves|"
    r"out of memory|out-of-memory|allocator is out of memory|rss-limit|malloc limit|"
    r"requested allocation size .* exceeds maximum supported size|allocation-size-too-big|"
    r"errno: 12|error code: 12|ulimit -v|limited virtual address space|does not come first|"
    r"compile with -fPIE|ASLR"
)
CHECK_FAILED = re.compile(
    r"^(?:==\d+==)?(?:FATAL: )?(?P<tool>\w+Sanitizer):? CHECK failed: (?P<file>[^\s:]+):(?P<line>\d+) "
    r'"(?P<cond>.*)" \('
)
# Lines only a runtime prints: "==123==...", "ThreadSanitizer: ...", "FATAL: ThreadSanitizer ...".
RUNTIME_LINE = re.compile(r"^(?:==\d+==|(?:(?:FATAL|ERROR|WARNING): )?(?:Thread|Address|Leak|Memory)Sanitizer\b)")
# The runtime's lines that carry nothing: markers before a report, the count at exit.
BENIGN_LINE = re.compile(
    r"^(?:(?:==\d+==)?\w+Sanitizer:DEADLYSIGNAL|==\d+==ABORTING|ThreadSanitizer: reported \d+ warnings?|"
    r"ThreadSanitizer: Matched \d+ suppressions? \(pid=\d+\):|(?:==\d+==)?\w+Sanitizer can not provide additional info\.)\s*$"
)

# Frames that say nothing about the bug: the sanitizer runtimes, the allocators, the
# interceptors of libc, CPython's generic allocation, reference-count and dispatch
# helpers, the locking primitives, _testcapi's allocation hooks (set_nomemory), and the
# runners below the program (main, the module runner, a thread's start).
# Shared by memory errors and by crashes named by C frames (oracle/signature.py).
GENERIC_FRAME = re.compile(
    r"^(?:__interceptor_\w+|__interceptor_trampoline_\w+|__sanitizer_\w+|__asan_\w+|__tsan_\w+|__lsan_\w+|"
    r"___interceptor_\w+|__libc_\w+|__GI_\w+|_start|start_thread|clone3?|"
    r"(?:m|c|re|pvalloc|valloc)alloc|free|posix_memalign|aligned_alloc|memalign|operator|"
    r"mem(?:cpy|move|set|cmp|chr)|str(?:n?len|n?cpy|n?cmp|n?cat|n?dup|r?chr|str|c?spn|tok)|"
    r"_?PyMem_\w+|_?PyObject_(?:Malloc|Calloc|Realloc|Free|GC_\w+|New\w*|Init\w*)|PyObject_(?:GC_\w+|Malloc|Free|Realloc)|"
    r"_PyObject_MiMalloc|_PyObject_MiFree|_PyMem_\w+|mi_\w+|_mi_\w+|_Py_Dealloc|"
    r"_Py_MergeZeroLocalRefcount|_Py_ExplicitMergeRefcount|_?Py_X?(?:INCREF|DECREF)\w*|Py_X?(?:IncRef|DecRef)|"
    r"_Py_X?DecRef\w*|Py_CLEAR|Py_X?SETREF|_?Py_X?NewRef|_Py_atomic_\w+|_Py_IsImmortal|_Py_IsOwnedByCurrentThread|"
    r"_Py_TryIncref\w*|_Py_TryXGetRef|_Py_ThreadId|"
    r"_PyType_AllocNoTrack|PyType_GenericAlloc|_PyType_GenericAlloc\w*|"
    r"PyObject_Vectorcall\w*|_PyObject_Vectorcall\w*|_PyObject_Call\w*|PyObject_Call\w*|_PyFunction_Vectorcall|"
    r"_PyObject_MakeTpCall|_PyVectorcall_Call|PyVectorcall_\w+|cfunction_(?:call|vectorcall_\w+)|method_vectorcall\w*|"
    r"_PyEval_EvalFrame\w*|_PyEval_Vector|PyEval_EvalCode|builtin_exec\w*|run_eval_code_obj|run_mod|_?PyRun_\w+|"
    r"pymain_\w+|Py_RunMain|Py_BytesMain|main|thread_run|pythread_wrapper|"
    r"PyThread_(?:acquire|release)_lock\w*|_?PyMutex_\w+|_PyEvent_\w+|PyEvent_\w+|_PySemaphore_\w+|_PyParkingLot_\w+|"
    r"hook_f?(?:malloc|calloc|realloc|free))$"
)
# CPython files textually included into a function of another file: a frame in one names
# the function of the file that includes it (`_PyEval_EvalFrameDefault` is ceval.c's).
INCLUDED_BODIES = {"generated_cases.c.h": "ceval.c", "executor_cases.c.h": "ceval.c"}
# A memory error, like a crash named by C frames, keeps two frames past the generic ones:
# where it struck and the caller that got there.  A third frame told apart the callers of
# one bug (PyList_New's failure path reached from list_repeat or from BUILD_LIST: one
# bug, two buckets); two still tell apart two bugs that strike in one function.
MEMORY_FRAMES_KEPT = 2
NATIVE_FRAMES_KEPT = 5  # as many C frames as a crash's from gdb (triage/native.py)


@dataclasses.dataclass(frozen=True)
class Frame:
    function: str
    file: str  # base name without the line ("listobject.c"), or the module
    where: str = ""  # as printed: path:line[:col]

    @property
    def site(self) -> str:
        return f"{self.function}@{self.file}" if self.file else self.function


@dataclasses.dataclass(frozen=True)
class Stack:
    title: str  # "Write of size 8 at 0x.. by thread T2", "freed by thread T0 here", ...
    frames: tuple[Frame, ...]


@dataclasses.dataclass(frozen=True)
class SanitizerReport:
    """One report: which runtime, what kind, its stacks in printed order, its summary.

    Also one line of the runtime's own that is not a report (a deadly signal, a CHECK
    failure, a runtime short of memory, a line not understood): `category` says which."""

    sanitizer: str  # "thread" or "address"
    type: str  # "data race", "heap-use-after-free", "SEGV", the runtime's line, ...
    stacks: tuple[Stack, ...]
    summary: str = ""
    known: str = ""  # the known-races entry it matched, if any
    category: str = ""  # RACE, REPORT, MEMORY, SIGNAL, CHECK, RESOURCES or UNKNOWN (parse sets it)

    @property
    def is_race(self) -> bool:
        return self.category == RACE

    @property
    def tool(self) -> str:
        return "ThreadSanitizer" if self.sanitizer == "thread" else "AddressSanitizer"

    @property
    def signal(self) -> str:
        """A deadly signal's name ("SIGSEGV"), else ""."""
        return DEADLY_SIGNALS.get(self.type, "signal") if self.category == SIGNAL else ""

    @property
    def check(self) -> tuple[str, str] | None:
        """A CHECK failure's (file, condition), the line and the values dropped."""
        if self.category != CHECK:
            return None
        file, _, condition = self.type.removeprefix("CHECK failed: ").partition(" ")
        return file, condition.strip('"')

    def stack(self, *prefixes: str) -> Stack | None:
        """The first stack whose title starts with one of `prefixes` (case-insensitive)."""
        for stack in self.stacks:
            if stack.title.lower().startswith(tuple(p.lower() for p in prefixes)):
                return stack
        return None

    @property
    def racing(self) -> tuple[Stack, ...]:
        """A race's two accesses: the current one and the previous one."""
        return tuple(s for s in self.stacks if re.match(r"(?i)^(?:previous )?(?:atomic )?(?:read|write)\b", s.title))

    @property
    def thread_creations(self) -> tuple[Stack, ...]:
        return tuple(s for s in self.stacks if re.match(r"^Thread T\d+ .*created by", s.title))

    @property
    def allocation(self) -> Stack | None:
        return self.stack("Location is heap block", "previously allocated by", "allocated by")

    @property
    def access(self) -> Stack | None:
        if self.is_race:
            racing = self.racing
            return racing[0] if racing else None
        return next(
            (s for s in self.stacks if re.match(r"^(?:READ|WRITE|.*SEGV|.*signal)", s.title)),
            self.stacks[0] if self.stacks else None,
        )

    @property
    def free(self) -> Stack | None:
        return self.stack("freed by")

    def native_frames(self, kept: int = NATIVE_FRAMES_KEPT) -> tuple[str, ...]:
        """The top frames of the access (of a deadly signal: where it struck) as
        `function@file.c`, past the runtime, libc, libffi and unsymbolized frames: the
        form of a crash's C frames from gdb (triage/native.py)."""
        frames: list[str] = []
        for frame in self.access.frames if self.access is not None else ():
            if not _meaningful_native(frame):
                continue
            if not frames or frames[-1] != frame.site:  # an inlined frame repeats its caller
                frames.append(frame.site)
            if len(frames) == kept:
                break
        return tuple(frames)

    def identity(self) -> str:
        """Line-free: the sorted pair of racing sites, or the type and top frames (of a
        runtime line: the line, numbers and addresses normalized)."""
        if self.is_race:
            # a previous access whose stack TSan could not restore is "?": never a
            # different pair than the same race with both stacks
            sites = sorted(_first_site(s) for s in self.racing)
            return f"race {' ~ '.join(sites + ['?'] * (2 - len(sites)))}"
        if self.category in (CHECK, RESOURCES, UNKNOWN):
            return self.type
        if self.category == SIGNAL:
            return " ".join([self.type, *self.native_frames(MEMORY_FRAMES_KEPT)])
        access = self.access
        frames = telling_sites([f.site for f in (access.frames if access else ()) if _meaningful_native(f)])
        return " ".join([self.type, *frames[:MEMORY_FRAMES_KEPT]])

    def describe(self, frames: int = 6) -> str:
        """Human text: type, then each stack's title and top frames."""
        lines = [f"{self.sanitizer} sanitizer: {self.type}" + (f" (known: {self.known})" if self.known else "")]
        for stack in self.stacks:
            lines.append(f"  {stack.title}:")
            lines.extend(f"    {f.function} {f.where or f.file}" for f in stack.frames[:frames])
        return "\n".join(lines)


# How a process died, not where the bug is (the signal's delivery, abort, assert).
DEATH_FRAME = re.compile(
    r"^(?:raise|abort|gsignal|__GI_\w+|pthread_kill|__pthread_kill\w*|__assert_fail\w*|fatal_error\w*|"
    r"_Py_FatalError\w*|_Py_FatalRefcountError\w*|_PyObject_AssertFailed|faulthandler_\w+|_Py_DumpTraceback\w*)$"
)
RUNTIME_FUNCTION = re.compile(r"^_{2,3}(?:interceptor|tsan|asan|lsan|sanitizer)_")
LIBC_SOURCE = ("../sysdeps/", "./nptl/", "./stdlib/", "./assert/", "./string/", "./malloc/", "./signal/", "../csu/")


def telling_sites(sites: list[str]) -> list[str]:
    """The sites (`function@file`) that may name a bug, in order: not generic frames, and
    not the argument-clinic wrapper right below its `_impl` (`_elementtree_Element_remove`
    below `_elementtree_Element_remove_impl`)."""
    kept: list[str] = []
    for site in sites:
        function = site.split("@", 1)[0]
        if GENERIC_FRAME.match(function):
            continue
        if kept and kept[-1].split("@", 1)[0] == f"{function}_impl":
            continue
        kept.append(site)
    return kept


def _meaningful_native(frame: Frame) -> bool:
    if frame.function in ("<null>", "??") or DEATH_FRAME.match(frame.function):
        return False
    if "libsanitizer/" in frame.where or frame.where.startswith(LIBC_SOURCE) or RUNTIME_FUNCTION.match(frame.function):
        return False
    return not re.match(r"^(?:libc|libffi|libtsan|libasan|ld-linux[\w-]*)\.so", frame.file)


# ... and CPython's inline atomic, reference-count and accessor helpers: the racing
# function is the one that called them (`_Py_atomic_load_ptr_acquire@pyatomic_gcc.h`,
# `Py_SET_TYPE@object.h` or `PyFunction_GET_CODE@funcobject.h` name no bug).
RUNTIME_FRAME = re.compile(
    r"^(?:__tsan_\w+|__interceptor_\w+|___interceptor_\w+|__sanitizer_\w+|<null>|"
    r"_Py_atomic_\w+|_?Py_X?(?:INCREF|DECREF)\w*|_Py_IsImmortal|_Py_IsOwnedByCurrentThread|"
    r"_Py_REFCNT|Py_REFCNT|_Py_TYPE|Py_TYPE|Py_SIZE|_Py_SIZE|Py_SET_\w+|_?Py\w*_(?:GET|SET)_\w+)$"
)


def unknown(reports: tuple[SanitizerReport, ...], races: bool) -> list[SanitizerReport]:
    """The data_race reports (races and ThreadSanitizer's other reports) or the memory
    errors, not labelled known; races with both racing stacks first: the one a verdict is
    named by should be a whole pair whenever the run has one."""
    wanted = (RACE, REPORT) if races else (MEMORY,)
    chosen = [r for r in reports if not r.known and r.category in wanted]
    return sorted(chosen, key=lambda r: r.is_race and len(r.racing) < 2)


def runtime_failures(reports: tuple[SanitizerReport, ...]) -> list[SanitizerReport]:
    """What the runtime said that makes the process a crash or an assertion (a deadly
    signal, a CHECK failure, a line not understood), in order."""
    return [r for r in reports if r.category in (SIGNAL, CHECK, UNKNOWN)]


def _first_site(stack: Stack) -> str:
    """The racing function: its first frame that is not the sanitizer's (its interceptors
    of memset & co live in libsanitizer), an inline helper, nor unsymbolized: the code
    that made the access."""
    for frame in stack.frames:
        if not RUNTIME_FRAME.match(frame.function) and "libsanitizer/" not in frame.where:
            return frame.site
    return stack.frames[0].site if stack.frames else "?"


def _frame(match: re.Match[str]) -> Frame:
    where = match.group("where") or ""
    if where == "<null>":  # TSan: "ffi_call <null> (libffi.so.8+0x6b0c)", no source known
        where = ""
    module = match.group("module") or ""
    file = Path(WHERE_LINE.sub("", where)).name if where else Path(module.split("+", 1)[0]).name
    return Frame(match.group("func"), INCLUDED_BODIES.get(file, file), where)


def _normalize_title(title: str) -> str:
    return re.sub(r"0x[0-9a-f]+", "0x?", re.sub(r"\(tid=\d+,", "(tid=?,", title.strip()))


def _normalize_line(line: str) -> str:
    """A runtime line as an identity: no pid prefix, addresses, sizes or thread ids."""
    line = re.sub(r"^==\d+==", "", line.strip())
    line = re.sub(r"0x[0-9a-fA-F]+", "0x?", line)
    line = re.sub(r"\(tid=\d+\)|\(pid=\d+\)|\(\d+\)", "", line)
    return re.sub(r"\s+", " ", re.sub(r"\b\d{4,}\b", "N", line)).strip()


def _category(sanitizer: str, kind: str, tsan_warning: bool) -> str:
    if kind in DEADLY_SIGNALS:
        return SIGNAL
    if RESOURCE_TROUBLE.search(kind):
        return RESOURCES
    if sanitizer == "address":
        return MEMORY
    if kind.startswith("data race"):
        return RACE
    if kind.startswith("heap-use-after-free"):
        return MEMORY
    # a ThreadSanitizer WARNING is a report of the program (lock order, mutex misuse...);
    # an ERROR that is neither a signal nor a shortage is the runtime's own trouble
    return REPORT if tsan_warning else UNKNOWN


def _tool_of(line: str) -> str:
    return "address" if "AddressSanitizer" in line or "ASan" in line or "LeakSanitizer" in line else "thread"


def _frames_after(lines: list[str], index: int) -> tuple[tuple[Frame, ...], int]:
    """The frame lines from `index` on (a stack printed after a runtime line)."""
    frames = []
    while index < len(lines) and (match := FRAME.match(lines[index])):
        frames.append(_frame(match))
        index += 1
    return tuple(frames), index


def _report(lines: list[str], index: int, header: re.Match[str], tsan_warning: bool) -> tuple[SanitizerReport, int]:
    """The report headed by lines[index]: its stacks until the next header, the
    separator (ThreadSanitizer's races) or its summary."""
    sanitizer = "address" if header.groupdict().get("tool") == "Address" else "thread"
    kind = header.group("type").strip()
    category = _category(sanitizer, kind, tsan_warning)
    if category == RESOURCES:
        kind = _normalize_line(header.group(0).split("Sanitizer: ", 1)[-1])
    stacks: list[Stack] = []
    rest = header.groupdict().get("rest")
    title = _normalize_title(rest.strip(" :")) if rest else ""
    frames: list[Frame] = []
    summary = ""
    index += 1
    while index < len(lines):
        line = lines[index]
        if TSAN_HEADER.match(line) or ERROR_HEADER.match(line) or CHECK_FAILED.match(line):
            break
        if SEPARATOR.match(line) and tsan_warning:
            index += 1
            break
        summary_match = SUMMARY.match(line)
        if summary_match:
            summary = re.sub(r"0x[0-9a-f]+", "0x?", summary_match.group("text").strip())
            index += 1
            if tsan_warning:
                continue
            break
        frame = FRAME.match(line)
        if frame:
            frames.append(_frame(frame))
        elif line.strip() and not line.startswith("    "):
            if frames or title:
                if frames:
                    stacks.append(Stack(title or "stack", tuple(frames)))
                frames = []
            section = SECTION.match(line)
            title = _normalize_title(section.group("title") if section else line)
        index += 1
    if frames:
        stacks.append(Stack(title or "stack", tuple(frames)))
    return SanitizerReport(sanitizer, kind, tuple(stacks), summary, category=category), index


def parse(text: str) -> tuple[SanitizerReport, ...]:
    """Every report in `text` (a runtime's log, or the runtime's lines of a stderr), in
    order, and every line of the runtime's own outside them that is not benign: a CHECK
    failure, a shortage of memory, or a line not understood.  Text that is not the
    runtime's (a program's output) is ignored."""
    reports = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        header = TSAN_HEADER.match(line) or ERROR_HEADER.match(line)
        if header:
            report, index = _report(lines, index, header, bool(TSAN_HEADER.match(line)))
            reports.append(report)
            continue
        check = CHECK_FAILED.match(line)
        if check:
            frames, index = _frames_after(lines, index + 1)
            reports.append(
                SanitizerReport(
                    "address" if check.group("tool") == "AddressSanitizer" else "thread",
                    f'CHECK failed: {Path(check.group("file")).name} "{check.group("cond")}"',
                    (Stack("CHECK failed", frames),) if frames else (),
                    category=CHECK,
                )
            )
            continue
        index += 1
        if not RUNTIME_LINE.match(line) or BENIGN_LINE.match(line):
            continue
        frames, index = _frames_after(lines, index)
        category = RESOURCES if RESOURCE_TROUBLE.search(line) else UNKNOWN
        reports.append(
            SanitizerReport(
                _tool_of(line),
                _normalize_line(line),
                (Stack("stack", frames),) if frames else (),
                category=category,
            )
        )
    return tuple(reports)


def runtime_text(stderr: str) -> str:
    """The lines of a run's stderr that only a sanitizer runtime prints (those it wrote
    before its log was open, or not to its log), each with the frames that follow it."""
    kept = []
    lines = stderr.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if RUNTIME_LINE.match(line) or CHECK_FAILED.match(line):
            kept.append(line)
            while index < len(lines) and FRAME.match(lines[index]):
                kept.append(lines[index])
                index += 1
    return "\n".join(kept) + ("\n" if kept else "")


def infrastructure_problem(reports: tuple[SanitizerReport, ...], started: bool) -> tuple[str, bool] | None:
    """Why a run of a sanitizer build says nothing about the program, or None: the
    runtime short of memory or address space (at any time), or any runtime failure before
    the program started.  (message, whether the interpreter cannot start at all)."""
    shortage = next((r for r in reports if r.category == RESOURCES), None)
    failure = shortage or (None if started else next(iter(runtime_failures(reports)), None))
    if failure is None:
        return None
    when = "during the run" if started else "at start-up"
    message = f"the {failure.tool} runtime failed {when}: {failure.type}"
    hint = _hint(" ".join(r.type for r in reports))
    return (message + (f" ({hint})" if hint else ""), not started)


def _hint(text: str) -> str:
    if re.search(r"unexpected memory mapping|memory layout is incompatible|ASLR", text):
        return (
            "the kernel randomizes more mmap bits than this runtime supports: "
            "install setarch (util-linux) or set vm.mmap_rnd_bits to 28"
        )
    # (gcc 12's TSan fails a CHECK of its allocator when it cannot reserve its space)
    if re.search(
        r"(?i)ulimit -v|ReserveShadowMemoryRange|can ?not mmap the shadow|limited virtual address space|"
        r"sanitizer_allocator_primary|address_range\.Init",
        text,
    ):
        return (
            "it could not reserve its address space: an address-space limit (ulimit -v) is in force, "
            "and the runtime reserves terabytes"
        )
    if re.search(r"(?i)out of memory|errno: 12|error code: 12|failed to (?:allocate|mmap)", text):
        return "the machine or the run's limits left it no memory"
    return ""


# -- known races -----------------------------------------------------------------------

KNOWN_RACES_DIR = Path(__file__).with_name("known_races")


@dataclasses.dataclass(frozen=True)
class KnownRace:
    """One line of a known-races file: `site [~ site] # reason`; a site is `function` or
    `function@file`.  Two sites match a race's pair in either order; one matches a race
    with that site on either side."""

    sites: tuple[str, ...]
    reason: str

    def matches(self, report: SanitizerReport) -> bool:
        if not report.is_race:
            return False
        racing = [_first_site(s) for s in report.racing]

        def hit(pattern: str, site: str) -> bool:
            return site == pattern or ("@" not in pattern and site.split("@", 1)[0] == pattern)

        if len(self.sites) == 1:
            return any(hit(self.sites[0], site) for site in racing)
        a, b = self.sites
        if len(racing) == 1:  # the other stack was not restored: its one site decides
            return hit(a, racing[0]) or hit(b, racing[0])
        if len(racing) != 2:
            return False
        return (hit(a, racing[0]) and hit(b, racing[1])) or (hit(a, racing[1]) and hit(b, racing[0]))

    @property
    def label(self) -> str:
        return " ~ ".join(self.sites) + (f" ({self.reason})" if self.reason else "")


def parse_known_races(text: str) -> tuple[KnownRace, ...]:
    races = []
    for line in text.splitlines():
        body, _, reason = line.partition("#")
        sites = tuple(s.strip() for s in body.split("~") if s.strip())
        if sites:
            if len(sites) > 2:
                raise ValueError(f"a known race names one or two sites, not {len(sites)}: {line!r}")
            races.append(KnownRace(sites, reason.strip()))
    return tuple(races)


USER_KNOWN_RACES = "TANDEM_KNOWN_RACES"  # extra files, os.pathsep-separated


def user_known_race_files(version: str) -> tuple[Path, ...]:
    """The user's additions: $XDG_CONFIG_HOME/tandem/known-races-<minor>.txt and the files
    named by $TANDEM_KNOWN_RACES."""
    minor = ".".join(version.split(".")[:2])
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    named = [Path(p) for p in os.environ.get(USER_KNOWN_RACES, "").split(os.pathsep) if p]
    return (config / "tandem" / f"known-races-{minor}.txt", *named)


def known_races_for(version: str, extra: tuple[Path, ...] | None = None) -> tuple[KnownRace, ...]:
    """The shipped list for a target's minor version ("3.13" from "3.13.15") and the user's
    files (by default user_known_race_files)."""
    minor = ".".join(version.split(".")[:2])
    files = [KNOWN_RACES_DIR / f"{minor}.txt", *(user_known_race_files(version) if extra is None else extra)]
    races: list[KnownRace] = []
    for path in files:
        if path.is_file():
            races.extend(parse_known_races(path.read_text()))
    return tuple(races)


def label_known(reports: tuple[SanitizerReport, ...], known: tuple[KnownRace, ...]) -> tuple[SanitizerReport, ...]:
    labelled = []
    for report in reports:
        entry = next((k for k in known if k.matches(report)), None)
        labelled.append(dataclasses.replace(report, known=entry.label) if entry else report)
    return tuple(labelled)
