"""The out-of-process view: a paused run's Python stack read from outside through CPython's
debug offsets (_Py_DebugOffsets), compared with what the program saw of itself there.

A program marks a point with the harness's `pause_for_inspection()` (oracle/_child.py):
it writes its own view (sys._current_frames, innermost first) and blocks on a named
pipe in the directory the host gave it (TANDEM_OUTSIDE).  The host (`run`) reads the
stack with the target's own inspection module in a separate process, so a crash of the
reader is a finding and not the host's death, then lets the program go on.

Interfaces, by what the target build has:
  - `_testexternalinspection.get_stack_trace(pid)` (3.13): function names of ONE thread,
    the most recently started one still alive (the head of the interpreter's thread
    list), so a pause is compared only where the pausing thread is the only one;
  - `_remote_debugging.RemoteUnwinder(pid, all_threads=True)` (3.14+): every thread,
    picked by native thread id.
Both read /proc/PID/maps and process_vm_readv: the reader must be allowed to ptrace the
target (same user, or root; Yama's ptrace_scope permitting).  The 3.13 module reports
every failure to read the maps, a pid that has exited included, as "No memory map
associated with python or libpython found": the OSError is overwritten.

Findings (`Inspection.finding`): the reader crashed or failed, a frame name that cannot be
a function's (garbage), or names that differ from the program's own view.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from . import executor
from .model import Case, Interpreter, Limits, RawRun

OUTSIDE_ENV = "TANDEM_OUTSIDE"  # oracle/_child.OUTSIDE
READ_TIMEOUT = 30.0  # seconds for one outside read (a reader looping on garbage)

# Runs in a fresh process of the inspecting interpreter: argv[1] the pid, argv[2] the
# native id of the paused thread.  Prints one JSON line: the interface, and the frames
# (function names, innermost first) or the error.  Exit 3: no interface on this build.
READER = r"""
import json, sys
pid, tid = int(sys.argv[1]), int(sys.argv[2])
def out(**fields):
    print(json.dumps(fields), flush=True)
try:
    import _remote_debugging
except ImportError:
    _remote_debugging = None
if _remote_debugging is not None:
    try:
        threads = _remote_debugging.RemoteUnwinder(pid, all_threads=True).get_stack_trace()
        found = None
        for entry in threads:
            thread_id, frames = (entry.thread_id, entry.frame_info) if hasattr(entry, "thread_id") else entry
            if thread_id == tid or found is None:
                found = [getattr(f, "funcname", None) or f[2] for f in frames]
        out(interface="_remote_debugging", frames=found)
    except Exception as exc:
        out(interface="_remote_debugging", error="%s: %s" % (type(exc).__name__, exc))
    sys.exit(0)
try:
    import _testexternalinspection
except ImportError:
    out(interface="", error="no out-of-process inspection module on this build")
    sys.exit(3)
try:
    out(interface="_testexternalinspection", frames=_testexternalinspection.get_stack_trace(pid))
except Exception as exc:
    out(interface="_testexternalinspection", error="%s: %s" % (type(exc).__name__, exc))
"""


@dataclasses.dataclass(frozen=True)
class Inspection:
    """One pause: the program's own view and the outside view of the same stack."""

    label: str
    pid: int
    own: tuple[str, ...]  # innermost first
    outside: tuple[str, ...] | None  # None: the read failed (see error)
    interface: str = ""
    error: str = ""
    comparable: bool = True  # False: the interface may have read another thread

    @property
    def garbage(self) -> tuple[str, ...]:
        return tuple(name for name in self.outside or () if not _plausible_name(name))

    @property
    def finding(self) -> str:
        """What is wrong with this inspection, or "" (the views agree)."""
        if self.outside is None:
            return f"outside read failed: {self.error}"
        if self.garbage:
            return f"garbage frames in the outside view: {list(self.garbage)}"
        if self.comparable and self.outside != self.own:
            return f"outside view {list(self.outside)} != own view {list(self.own)}"
        return ""


def _plausible_name(name) -> bool:
    """A code object's name: an identifier, or a `<module>`-like pseudo name."""
    if not isinstance(name, str) or not name or not name.isprintable():
        return False
    inner = name[1:-1] if name.startswith("<") and name.endswith(">") else name
    return all(part.isidentifier() for part in inner.split("."))


def interface_of(interpreter: Interpreter) -> str:
    """Which inspection interface `interpreter` has: "_remote_debugging",
    "_testexternalinspection" or "" (none)."""
    for module in ("_remote_debugging", "_testexternalinspection"):
        probe = subprocess.run([interpreter.path, "-I", "-c", f"import {module}"], capture_output=True, timeout=60)
        if probe.returncode == 0:
            return module
    return ""


def read_stack(inspector: str, pid: int, tid: int, timeout: float = READ_TIMEOUT) -> tuple[str, tuple | None, str]:
    """(interface, frames or None, error): the stack of thread `tid` of process `pid`, read
    from outside by interpreter `inspector` in a process of its own."""
    try:
        done = subprocess.run(
            [inspector, "-I", "-c", READER, str(pid), str(tid)], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "", None, f"the reader did not finish in {timeout:g} s"
    if done.returncode < 0:
        return "", None, f"the reader died of signal {-done.returncode}: {done.stderr.strip()[-500:]}"
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return "", None, f"the reader exited {done.returncode} without an answer: {done.stderr.strip()[-500:]}"
    frames = answer.get("frames")
    return answer.get("interface", ""), (tuple(frames) if frames is not None else None), answer.get("error", "")


@dataclasses.dataclass(frozen=True)
class OutsideRun:
    raw: RawRun
    inspections: tuple[Inspection, ...]

    @property
    def findings(self) -> tuple[str, ...]:
        return tuple(f"{i.label}: {i.finding}" for i in self.inspections if i.finding)


def _resume(fifo: Path, running: threading.Thread) -> None:
    """Let a paused program go on: open its pipe for writing (and close it), waiting for
    it to open the reading end; gives up if the run has ended."""
    while True:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            return
        except OSError as exc:
            if exc.errno not in (errno.ENXIO, errno.ENOENT) or not running.is_alive():
                return
        time.sleep(0.01)


def run(
    case: Case, interpreter: Interpreter, limits: Limits = Limits(), inspector: Interpreter | None = None
) -> OutsideRun:
    """Run `case` on `interpreter` (oracle/executor.run) and read its stack from outside at
    each of its pauses, with `inspector` (by default the target itself: the reader's
    build must lay out _Py_DebugOffsets as the target does)."""
    reader = (inspector or interpreter).path
    directory = Path(tempfile.mkdtemp(prefix="tandem-outside-"))
    result: dict[str, RawRun] = {}
    errors: list[BaseException] = []  # re-raised in the caller's thread

    def execute() -> None:
        try:
            result["raw"] = executor.run(
                dataclasses.replace(case, env=(*case.env, (OUTSIDE_ENV, str(directory)))), interpreter, limits
            )
        except BaseException as exc:
            errors.append(exc)

    running = threading.Thread(target=execute, name="outside-run", daemon=True)
    inspections: list[Inspection] = []
    seen: set[str] = set()
    try:
        running.start()
        while True:
            alive = running.is_alive()
            for view_file in sorted(directory.glob("*.json")):
                if view_file.name in seen:
                    continue
                seen.add(view_file.name)
                inspections.append(_inspect(view_file, reader))
                _resume(view_file.with_suffix(".resume"), running)
            if not alive:
                break
            time.sleep(0.02)
        running.join()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if errors:
        raise errors[0]
    return OutsideRun(raw=result["raw"], inspections=tuple(inspections))


def _inspect(view_file: Path, reader: str) -> Inspection:
    view = json.loads(view_file.read_text(encoding="utf-8"))
    interface, frames, error = read_stack(reader, view["pid"], view["tid"])
    return Inspection(
        label=view["label"],
        pid=view["pid"],
        own=tuple(view["own"]),
        outside=frames,
        interface=interface,
        error=error,
        comparable=interface != "_testexternalinspection" or view["threads"] == 1,
    )
