"""Native (C) frames of a crash, from gdb in batch mode.

CPython 3.13 prints no C stack of its own (faulthandler's C stack dump came in 3.14;
oracle/normalize.py reads it where a build prints it).  Where gdb exists, a crashing case
is run once more under `gdb -batch` and the backtrace of the thread that received the
signal gives its top native frames, as `function@file.c` (no address, no line).  Frames
every crash shares are dropped first: libc's raise/abort/assert machinery and its
string routines, CPython's fatal-error, assertion-report and faulthandler code, and
frames gdb cannot name.

A race may not reproduce under the debugger (it slows thread start-up): callers try a
few times and treat "no trace" as "no native evidence", never as a verdict.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import PurePosixPath

from tandem.oracle.executor import run
from tandem.oracle.model import Case, Interpreter, Limits

GDB_COMMANDS = (
    "set pagination off",
    "set confirm off",
    "set print thread-events off",
    "set print frame-arguments none",
    "set startup-with-shell off",
    # The executor dumps stacks with SIGUSR1 before killing a hung run; output pipes may close.
    "handle SIGUSR1 nostop noprint pass",
    "handle SIGPIPE nostop noprint pass",
    "run",
    "bt 60",
)
GDB_STARTUP = 15.0  # seconds added to the deadline: gdb reads the interpreter's symbols
FRAMES_KEPT = 8  # a signature keeps two past the generic ones (oracle/signature.py): room for them

RECEIVED = re.compile(r"^(?:Program|Thread \d+ .*?) received signal (?P<sig>SIG[A-Z0-9]+)", re.M)
FRAME = re.compile(
    r"^#(?P<n>\d+)\s+(?:0x[0-9a-fA-F]+ in )?(?P<func>\S+) \(.*?\)"
    r"(?: at (?P<file>\S+?):\d+| from (?P<lib>\S+))?\s*$",
    re.M,
)
# Frames that say how the process died, not where the bug is.
NOISE = frozenset(
    {
        "raise",
        "abort",
        "gsignal",
        "__GI_raise",
        "__GI_abort",
        "pthread_kill",
        "__pthread_kill_implementation",
        "__pthread_kill_internal",
        "__pthread_kill",
        "__assert_fail",
        "__assert_fail_base",
        "__GI___assert_fail",
        "fatal_error",
        "fatal_error_exit",
        "_Py_FatalErrorFunc",
        "_Py_FatalErrorFormat",
        "_Py_FatalRefcountErrorFunc",
        "_PyObject_AssertFailed",
        "faulthandler_fatal_error",
        "faulthandler_dump_traceback",
        "_Py_DumpTraceback",
        "<signal",
        "??",
    }
)
LIBC_SOURCE = ("../sysdeps/", "./nptl/", "./stdlib/", "./assert/", "./string/", "./malloc/", "./signal/")


@dataclasses.dataclass(frozen=True)
class NativeTrace:
    signal: str  # the signal gdb stopped on
    frames: tuple[str, ...]  # top meaningful frames, function@file
    backtrace: str  # gdb's backtrace lines, as printed


def gdb_path() -> str | None:
    """gdb, unless TANDEM_NO_GDB is set (to run without native evidence)."""
    if os.environ.get("TANDEM_NO_GDB"):
        return None
    return shutil.which("gdb")


def gdb_wrapper(gdb: str) -> tuple[str, ...]:
    argv = [gdb, "-batch", "-nx", "-q"]
    for command in GDB_COMMANDS:
        argv += ["-ex", command]
    return (*argv, "--args")


def _meaningful(func: str, file: str | None, lib: str | None) -> bool:
    if func in NOISE or func.startswith("<"):
        return False
    if file and file.startswith(LIBC_SOURCE):
        return False
    return not (lib and ("libc.so" in lib or "libffi" in lib or "ld-linux" in lib))


def parse_backtrace(text: str) -> NativeTrace | None:
    """The trace of the last signal gdb stopped on, or None (the program did not crash)."""
    received = None
    for received in RECEIVED.finditer(text):  # noqa: B007 -- the last match is the one wanted
        pass
    if received is None or received.group("sig") in ("SIGUSR1", "SIGPIPE", "SIGKILL"):
        return None
    after = text[received.end() :]
    lines: list[str] = []
    frames: list[str] = []
    for match in FRAME.finditer(after):
        if lines and match.group("n") == "0":
            break  # a second backtrace: not ours
        lines.append(match.group(0).strip())
        func, file, lib = match.group("func"), match.group("file"), match.group("lib")
        frame = f"{func}@{PurePosixPath(file).name}" if file else func
        # an inlined function shows as its own frame and again as the caller's address
        if _meaningful(func, file, lib) and len(frames) < FRAMES_KEPT and (not frames or frames[-1] != frame):
            frames.append(frame)
    if not lines:
        return None
    return NativeTrace(received.group("sig"), tuple(frames), "\n".join(lines))


def native_trace(case: Case, interpreter: Interpreter, limits: Limits = Limits(), tries: int = 3) -> NativeTrace | None:
    """Run `case` under gdb until it crashes (at most `tries` times); its trace or None."""
    gdb = gdb_path()
    if gdb is None:
        return None
    wrapper = gdb_wrapper(gdb)
    limits = dataclasses.replace(limits, deadline=limits.deadline + GDB_STARTUP)
    for _ in range(tries):
        raw = run(case, interpreter, limits, wrapper=wrapper)
        trace = parse_backtrace(raw.stdout.text() + "\n" + raw.stderr.text())
        if trace is not None:
            return trace
    return None
