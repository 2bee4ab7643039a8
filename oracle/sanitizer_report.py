"""Pure parsing of ThreadSanitizer and AddressSanitizer reports, and their identities.

Raw log text -> SanitizerReport per report (every one of a run, in order); the signature
of a race is the unordered pair of its two racing functions with their files, line-free;
a memory error's is its type and top frames past sanitizer, allocator and helper frames.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

TSAN_HEADER = re.compile(r"^WARNING: ThreadSanitizer: (?P<type>.+?)(?: \(pid=\d+\))?\s*$")
# "heap-use-after-free on address 0x..", "attempting double-free on 0x.. in thread T0:", "SEGV on unknown address"
ASAN_HEADER = re.compile(r"^==\d+==ERROR: AddressSanitizer: (?P<type>.+?)(?P<rest> on .*)?$")
SEPARATOR = re.compile(r"^={10,}\s*$")
SUMMARY = re.compile(r"^SUMMARY: (?:Thread|Address)Sanitizer: (?P<text>.*)$")
# "    #3 0x7f.. in func /path/file.c:12:3" (ASan) or "    #3 func /path/file.c:12 (bin+0x..)" (TSan)
FRAME = re.compile(
    r"^\s+#(?P<n>\d+) (?:0x[0-9a-f]+ in )?(?P<func>\S+)(?: (?P<where>[^(\s]+))?(?: \((?P<module>[^)]*)\))?\s*$"
)
SECTION = re.compile(r"^\s{0,2}(?P<title>\S.*\S):\s*$")
WHERE_LINE = re.compile(r":\d+(?::\d+)?$")

# Frames that say nothing about the bug: the sanitizer runtimes, the allocators, the
# interceptors of libc, and CPython's generic allocation and dispatch helpers.
GENERIC_FRAME = re.compile(
    r"^(?:__interceptor_\w+|__interceptor_trampoline_\w+|__sanitizer_\w+|__asan_\w+|__tsan_\w+|__lsan_\w+|"
    r"___interceptor_\w+|__libc_\w+|__GI_\w+|_start|start_thread|clone3?|"
    r"(?:m|c|re|pvalloc|valloc)alloc|free|posix_memalign|aligned_alloc|memalign|operator|"
    r"mem(?:cpy|move|set|cmp|chr)|str(?:n?len|n?cpy|n?cmp|n?cat|n?dup|r?chr|str|c?spn|tok)|"
    r"_?PyMem_\w+|_?PyObject_(?:Malloc|Calloc|Realloc|Free|GC_\w+|New\w*|Init\w*)|PyObject_(?:GC_\w+|Malloc|Free|Realloc)|"
    r"_PyObject_MiMalloc|_PyObject_MiFree|_PyMem_\w+|mi_\w+|_mi_\w+|_Py_Dealloc|Py_DecRef|_Py_DecRef\w*|"
    r"_Py_MergeZeroLocalRefcount|_Py_ExplicitMergeRefcount|Py_INCREF|Py_DECREF|_Py_INCREF\w*|_Py_DECREF\w*|"
    r"_PyType_AllocNoTrack|PyType_GenericAlloc|_PyType_GenericAlloc\w*|"
    r"PyObject_Vectorcall\w*|_PyObject_Vectorcall\w*|_PyObject_Call\w*|PyObject_Call\w*|_PyFunction_Vectorcall|"
    r"_PyEval_EvalFrame\w*|_PyEval_Vector|PyEval_EvalCode)$"
)
MEMORY_FRAMES_KEPT = 3


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
    """One report: which runtime, what kind, its stacks in printed order, its summary."""

    sanitizer: str  # "thread" or "address"
    type: str  # "data race", "heap-use-after-free", ...
    stacks: tuple[Stack, ...]
    summary: str = ""
    known: str = ""  # the known-races entry it matched, if any

    @property
    def is_race(self) -> bool:
        return self.sanitizer == "thread" and self.type.startswith("data race")

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
        if self.sanitizer == "thread":
            racing = self.racing
            return racing[0] if racing else None
        return next(
            (s for s in self.stacks if re.match(r"^(?:READ|WRITE|.*SEGV|.*signal)", s.title)),
            self.stacks[0] if self.stacks else None,
        )

    @property
    def free(self) -> Stack | None:
        return self.stack("freed by")

    def identity(self) -> str:
        """Line-free: the sorted pair of racing sites, or the type and top frames."""
        if self.is_race:
            # a previous access whose stack TSan could not restore is "?": never a
            # different pair than the same race with both stacks
            sites = sorted(_first_site(s) for s in self.racing)
            return f"race {' ~ '.join(sites + ['?'] * (2 - len(sites)))}"
        access = self.access
        frames = [f.site for f in (access.frames if access else ()) if not GENERIC_FRAME.match(f.function)]
        return " ".join([self.type, *frames[:MEMORY_FRAMES_KEPT]])

    def describe(self, frames: int = 6) -> str:
        """Human text: type, then each stack's title and top frames."""
        lines = [f"{self.sanitizer} sanitizer: {self.type}" + (f" (known: {self.known})" if self.known else "")]
        for stack in self.stacks:
            lines.append(f"  {stack.title}:")
            lines.extend(f"    {f.function} {f.where or f.file}" for f in stack.frames[:frames])
        return "\n".join(lines)


# ... and CPython's inline atomic and reference-count helpers: the racing function is
# the one that called them (`_Py_atomic_load_ptr_acquire@pyatomic_gcc.h` names no bug).
RUNTIME_FRAME = re.compile(
    r"^(?:__tsan_\w+|__interceptor_\w+|___interceptor_\w+|__sanitizer_\w+|<null>|"
    r"_Py_atomic_\w+|_?Py_X?(?:INCREF|DECREF)\w*|_Py_IsImmortal|_Py_IsOwnedByCurrentThread|"
    r"_Py_REFCNT|Py_REFCNT|_Py_TYPE|Py_TYPE|Py_SIZE|_Py_SIZE)$"
)


def unknown(reports: tuple[SanitizerReport, ...], races: bool) -> list[SanitizerReport]:
    """The races (or memory errors) not labelled known, those with both racing stacks
    first: the one a verdict is named by should be a whole pair whenever the run has one."""
    chosen = [r for r in reports if not r.known and (r.is_race if races else r.sanitizer == "address")]
    return sorted(chosen, key=lambda r: r.is_race and len(r.racing) < 2)


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
    module = match.group("module") or ""
    file = Path(WHERE_LINE.sub("", where)).name if where else Path(module.split("+", 1)[0]).name
    return Frame(match.group("func"), file, where)


def _normalize_title(title: str) -> str:
    return re.sub(r"0x[0-9a-f]+", "0x?", re.sub(r"\(tid=\d+,", "(tid=?,", title.strip()))


def parse(text: str) -> tuple[SanitizerReport, ...]:
    """Every TSan/ASan report in `text`, in order.  Anything else in it is ignored."""
    reports = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        tsan = TSAN_HEADER.match(line)
        asan = ASAN_HEADER.match(line)
        header = tsan or asan
        if header is None:
            index += 1
            continue
        sanitizer = "thread" if tsan else "address"
        kind = header.group("type").strip()
        stacks: list[Stack] = []
        title = _normalize_title(asan.group("rest").strip(" :")) if asan else ""
        frames: list[Frame] = []
        summary = ""
        index += 1
        while index < len(lines):
            line = lines[index]
            if TSAN_HEADER.match(line) or ASAN_HEADER.match(line):
                break
            if SEPARATOR.match(line) and sanitizer == "thread":
                index += 1
                break
            summary_match = SUMMARY.match(line)
            if summary_match:
                summary = re.sub(r"0x[0-9a-f]+", "0x?", summary_match.group("text").strip())
                index += 1
                if sanitizer == "thread":
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
        reports.append(SanitizerReport(sanitizer, kind, tuple(stacks), summary))
    return tuple(reports)


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
