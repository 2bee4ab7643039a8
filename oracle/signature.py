"""One signature per finding: a pure function of what the runs recorded, never of the
names a generator chose, so the same bug in the next program lands in the same bucket.

kind + the misbehaving side + the most specific evidence available:
  - an assertion: its file, function and condition (line numbers dropped);
  - a fatal error: its message;
  - a crash with C frames (from gdb, see triage/native.py, a sanitizer runtime that
    caught the signal, or the build's own C stack dump): the signal and its top two C
    frames past the generic ones (allocators, reference counting, call dispatch, the
    runners below the program: sanitizer_report.GENERIC_FRAME);  a hang's top C frames;
  - otherwise the signal and, per thread that matters, the innermost frame that is not
    the program's: a stdlib function such as `threading.settrace_all_threads` or
    `ctypes.string_at`, reached from the program.  Frames of the program file
    (`<run>/...`, where generated names such as `switcher_0` live) and of the harness are
    never part of it; a crash in the program's own code is named by its signal alone;
  - a data race: the unordered pair of its racing functions with their files
    (`race f@a.c ~ g@b.c`), line-free; a memory error: its type and top frames past the
    sanitizer, allocator and generic helper frames (oracle/sanitizer_report.py);
  - divergences: the result keys that differed, the failed invariant labels (both are
    labels the program declared), the unraisable message with object reprs elided.
Addresses, line numbers and thread ids are normalized away.

One bug, one bucket, where the evidence says so; two bugs, two.  Decisions (each changed
bucket identities; a campaign made before them files the same bugs under other ids):
  - a crash keeps two C frames past the generic ones, not the top three as printed.  The
    top three split one bug by whatever lay below it: `Py_DECREF@object.h|Py_XDECREF@
    object.h|list_dealloc@listobject.c` named PyList_New's failure path by two refcount
    helpers, and three frames past them name its callers (list_repeat, BUILD_LIST, ...):
    the same failure reached from two callers.  Where it struck and the caller that got
    there still tell apart two bugs striking in one function from different callers.
  - a memory error likewise: its type and two frames past the generic ones (libffi's
    among them now), not three;
  - a deadly signal a sanitizer runtime caught is a crash like any other (the runtime's
    stack gives its C frames), on ft-asan too, where it was a memory error named `SEGV`:
    the same bug on ft-tsan, ft-asan and ft-debug under gdb is one signature;
  - a race's site skips accessor helpers inlined from headers (`Py_SET_TYPE`,
    `PyFunction_GET_CODE`) as it skipped atomics, and names a frame of ceval.c's
    included bodies (generated_cases.c.h) by ceval.c: `_PyEval_EvalFrameDefault` is one
    function whichever part of it raced.
  - an assertion stays its site and condition only, whatever called it.
"""

from __future__ import annotations

import re

from .model import CrashInfo, Kind, Signature, Verdict
from .sanitizer_report import telling_sites, unknown

STEP_POSITION = re.compile(r"(?<=[\'\" ])t\d+\.\d+ ")
LINE_NUMBER = re.compile(r"(line |:)\d+")
OBJECT_REPR = re.compile(r"<[^<>]*(?:<[^<>]*>[^<>]*)*>")
STDLIB_PATH = re.compile(r"/lib/python\d+\.\d+t?d?/(?:site-packages/)?(.+)$")
PROGRAM_PREFIX = "<run>/"
HARNESS_PREFIX = "<harness>/"
NATIVE_KEPT = 3  # a hang's C frames
CRASH_FRAMES_KEPT = 2  # a crash's C frames past the generic ones (see the decisions above)
NATIVE_FRAME = re.compile(r"^[A-Za-z_][\w.]*@[\w./+-]+\.(?:c|cc|cpp|h)$")  # function@file.c


def _module_function(frame: str) -> str | None:
    """'<stdlib>/ctypes/__init__.py:string_at' -> 'ctypes.string_at'; None for the
    program's and the harness's own frames."""
    file, _, function = frame.rpartition(":")
    if not file or file.startswith((PROGRAM_PREFIX, HARNESS_PREFIX)) or file in ("__main__", "<string>"):
        return None
    if file.startswith("<frozen "):
        return f"{file[len('<frozen ') : -1]}.{function}"
    if file.startswith("<"):
        path = file.split(">/", 1)[-1]
    else:  # a path the run did not name (no start record): the part under lib/pythonX.Y
        found = STDLIB_PATH.search(file)
        path = found.group(1) if found else file.rsplit("/", 1)[-1]
    module = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    return f"{module}.{function}"


def innermost_library_frame(frames: tuple[str, ...]) -> str | None:
    """The innermost (first listed) frame before the first frame of the program or the
    harness, when it is not itself one of theirs: the library call the program made."""
    named = None
    for frame in frames:
        name = _module_function(frame)
        if name is None:
            break
        named = named or name
    return named


def telling_frames(frames: tuple[str, ...], kept: int = CRASH_FRAMES_KEPT) -> list[str]:
    """The first `kept` C frames (`function@file`) that are not generic helpers; the top
    frame when every one is (a crash inside the allocator, reached from nothing named)."""
    return telling_sites(list(frames))[:kept] or list(frames[:1])


def _crash_frames(crash: CrashInfo) -> list[str]:
    if crash.native_frames:
        return telling_frames(crash.native_frames)
    named = innermost_library_frame(crash.python_frames)
    return [named] if named else []


def _hang_frames(crash: CrashInfo) -> list[str]:
    """What the threads of a hang wait in: the library frame of every thread dump top
    (python_frames holds one top frame per thread for a hang), sorted and distinct."""
    if crash.native_frames:
        return list(crash.native_frames[:NATIVE_KEPT])
    return sorted({name for frame in crash.python_frames if (name := _module_function(frame))})


def evidence(verdict: Verdict) -> list[str]:
    """The parts of the signature after kind and side, most specific first."""
    side = verdict.target if verdict.side.value in ("target", "both") else verdict.oracle
    if verdict.kind in (Kind.DATA_RACE, Kind.MEMORY_ERROR):
        # the first report the verdict names (the others are listed in its differences)
        reports = unknown(side.sanitizer_reports if side is not None else (), verdict.kind is Kind.DATA_RACE)
        return [reports[0].identity()] if reports else []
    if verdict.kind in (Kind.ASSERTION, Kind.FATAL_ERROR, Kind.CRASH, Kind.HANG):
        crash = side.crash if side is not None else None
        if crash is None:
            return []
        if crash.assertion:
            file, function, condition = crash.assertion
            return [f"{file}:{function}", LINE_NUMBER.sub(r"\1?", condition)]
        if verdict.kind is Kind.FATAL_ERROR:
            # The fatal message names the failing check; which thread hit it varies by run.
            return [LINE_NUMBER.sub(r"\1?", crash.headline)]
        if verdict.kind is Kind.HANG:
            # how the hang was noticed (deadline, deadlock, join timeout) is not the bug
            return _hang_frames(crash)
        return [LINE_NUMBER.sub(r"\1?", crash.headline), *_crash_frames(crash)]
    if verdict.kind is Kind.INVARIANT_VIOLATION:
        observation = side or verdict.target
        return sorted({label for label, _, _ in observation.violations}) if observation else []
    if verdict.kind is Kind.UNRAISABLE_DIVERGENCE:
        return [
            OBJECT_REPR.sub("<obj>", LINE_NUMBER.sub(r"\1?", d.target.split("\n")[0]))[:200]
            for d in verdict.differences
        ]
    # interleave programs key results by step position and operation ("t0.1 dict.get"):
    # the position is where the generator put the step, not what went wrong
    return sorted({STEP_POSITION.sub("", d.what) for d in verdict.differences})


def sanitizer_signatures(verdict: Verdict) -> list[str]:
    """One signature per distinct sanitizer report of the verdict's side, in order: a run
    with several races files each one, so that the first does not hide the others."""
    if verdict.kind not in (Kind.DATA_RACE, Kind.MEMORY_ERROR):
        return []
    side = verdict.target if verdict.side.value in ("target", "both") else verdict.oracle
    identities = dict.fromkeys(
        r.identity()
        for r in unknown(side.sanitizer_reports if side is not None else (), verdict.kind is Kind.DATA_RACE)
    )
    return ["|".join([verdict.kind.value, verdict.side.value, identity]) for identity in identities]


def sanitizer_report_of(verdict: Verdict, signature_text: str):
    """The report of `verdict` a sanitizer signature names (None if none does)."""
    identity = signature_text.split("|", 2)[-1]
    for observation in (verdict.target, verdict.oracle):
        for report in observation.sanitizer_reports if observation is not None else ():
            if report.identity() == identity:
                return report
    return None


def identify(verdict: Verdict) -> Signature:
    return Signature("|".join([verdict.kind.value, verdict.side.value, *evidence(verdict)]))


def signature(verdict: Verdict) -> str:
    """'kind|side|evidence...' (human-readable; see signature_id for a file name)."""
    return identify(verdict).text


def signature_id(text: str) -> str:
    return Signature(text).id


def native_frames_named(text: str) -> list[str]:
    """The C frames (`function@file.c`) a signature names, from gdb or a C stack dump."""
    return [part for part in text.split("|")[3:] if NATIVE_FRAME.match(part)]


def matches(verdict: Verdict, expected: str) -> bool:
    """The matching rule of every re-run (oracle/reproduce.py): the same signature.

    Two allowances:
    - a run with several sanitizer reports files each one as a bucket (see
      sanitizer_signatures), so it matches any of them, not only its first: which race
      a run reports first is its threads' timing;
    - a crash's C frames come from one extra run under gdb (triage/native.py), so a
      plain re-run of a crash bucket named by them has none.  Such a run matches on
      kind, side and signal; whoever needs the C frames to agree as well runs gdb once
      on the result (the campaign does after minimizing)."""
    found = signature(verdict)
    if found == expected or expected in sanitizer_signatures(verdict):
        return True
    if verdict.kind is not Kind.CRASH or not native_frames_named(expected):
        return False
    side = verdict.target if verdict.side.value in ("target", "both") else verdict.oracle
    if side is None or side.crash is None or side.crash.native_frames:
        return False
    return found.split("|")[:3] == expected.split("|")[:3]
