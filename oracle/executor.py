"""Run one Case on one Interpreter in a sandboxed subprocess -> RawRun.

Each run gets a fresh temporary directory, a scrubbed environment with a fixed hash
seed, resource limits, a deadline (all thread stacks dumped before the kill) and bounded
capture of stdout/stderr.  Nothing here judges the result.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import linecache
import os
import re
import resource
import select
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from . import sanitizers
from .errors import HarnessError, InterpreterError
from .model import Captured, Case, Interpreter, Limits, RawRun
from .sandbox import Box

HARNESS = Path(__file__).with_name("_child.py")
PROGRAM_NAME = "case.py"
REPORT_NAME = "report.jsonl"
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONHASHSEED": "0",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONUNBUFFERED": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
}
READ_CHUNK = 1 << 16
STACKS_NAME = "stacks.txt"           # where the harness dumps stacks on SIGUSR2 (_child.py)
STALL_EVERY = 1.5                    # seconds between looks at an idle run
STALL_GRACE = 0.5                    # seconds for the last stack dump of a stalled run
IDLE_TICKS = 2                       # CPU clock ticks (1/100 s) a look may see and still call it idle
CGROUP_GATE = "TANDEM_CGROUP_GATE"   # the harness waits to be in this cgroup (_child.py)


class _Bounded:
    """Keep the first `head` and last `tail` bytes of a stream, and count all of them."""

    def __init__(self, head: int, tail: int):
        self.head_limit, self.tail_limit = head, tail
        self.head = bytearray()
        self.tail: collections.deque[bytes] = collections.deque()
        self.tail_size = 0
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if not data or self.tail_limit <= 0:
            return
        self.tail.append(data)
        self.tail_size += len(data)
        while self.tail and self.tail_size - len(self.tail[0]) >= self.tail_limit:
            self.tail_size -= len(self.tail.popleft())

    def captured(self) -> Captured:
        tail = b"".join(self.tail)[-self.tail_limit:] if self.tail_limit > 0 else b""
        return Captured(head=bytes(self.head), tail=tail, total=self.total)


def _read_available(fd: int) -> bytes | None:
    """What a non-blocking pipe holds now: None if nothing yet, b"" at end of file (or
    when it cannot be read any more)."""
    try:
        return os.read(fd, READ_CHUNK)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def scrubbed_env(workdir: Path, extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    env = dict(BASE_ENV)
    env["HOME"] = str(workdir)
    env["TMPDIR"] = str(workdir)
    env.update(extra)
    return env


def _limit_setter(limits: Limits, box: Box | None = None):
    def apply() -> None:
        if box is not None:
            box.join()
        def set_limit(which: int, value: int) -> None:
            if value <= 0:
                return
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            try:
                resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))
            except (ValueError, OSError):
                resource.setrlimit(which, (value, hard))

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        set_limit(resource.RLIMIT_AS, limits.address_space)
        set_limit(resource.RLIMIT_FSIZE, limits.file_size)
        set_limit(resource.RLIMIT_NPROC, limits.processes)
        # A program that writes past RLIMIT_FSIZE should see EFBIG, not die of SIGXFSZ.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return apply


def harness_argv(interpreter: Interpreter, report: Path, program: Path) -> list[str]:
    return [interpreter.path, "-P", "-s", "-B", str(HARNESS), "--report", str(report), str(program)]


def read_report(path: Path) -> tuple[tuple[dict, ...], bool]:
    """The run's records; a report the program deleted or replaced is damaged, not fatal."""
    try:
        return parse_report(path.read_bytes())
    except OSError:
        return (), True


def parse_report(data: bytes) -> tuple[tuple[dict, ...], bool]:
    """JSON lines -> records; a line that does not parse (a crash mid-write, garbage
    written by the program) is skipped and flagged."""
    records = []
    damaged = False
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            damaged = True
            continue
        if isinstance(record, dict) and "t" in record:
            records.append(record)
        else:
            damaged = True
    return tuple(records), damaged


def _remove_perf_map(pid: int) -> None:
    """sys.activate_stack_trampoline("perf") writes /tmp/perf-<pid>.map (always /tmp);
    a run that died before cleaning up must not leave it behind."""
    try:
        os.unlink(f"/tmp/perf-{pid}.map")
    except OSError:
        pass


def _kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# -- deadlocks ---------------------------------------------------------------------------

STACK_THREAD = re.compile(r"^(?:Current thread|Thread) 0x[0-9a-f]+ [^\n]*\(most recent call first\):\n"
                          r"((?:  .*\n?)*)", re.M)
STACK_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>\S+)', re.M)
# Library functions a thread waits in: untimed unless their line names a timeout; a join
# counts either way (a timed join in a deadlock ends in the harness's join timeout).
WAITING_FUNCTIONS = frozenset({"wait", "wait_for", "acquire", "_acquire_restore", "get", "put", "__enter__",
                               "join", "_wait_for_tstate_lock", "_shutdown"})
JOINS = frozenset({"join", "_wait_for_tstate_lock", "_shutdown"})
WAITING_LINE = re.compile(r"^\s*(?:async\s+)?with\b|\.(?:acquire|join|wait|wait_for|get|put)\(\s*\)")


def parse_stacks(text: str) -> tuple[tuple[tuple[str, int, str], ...], ...]:
    """faulthandler's all-thread dump -> per thread, its frames (file, line, function),
    innermost first; a thread with no Python frame has none."""
    return tuple(tuple((m.group("file"), int(m.group("line")), m.group("func"))
                       for m in STACK_FRAME.finditer(block.group(1)))
                 for block in STACK_THREAD.finditer(text))


def all_waiting(stacks, program: str, source: str, line_of=linecache.getline) -> bool:
    """Every thread blocked without a timeout in a lock acquire, a join or a wait: in
    the program (`with lock:`, `.acquire()`, `.join()`, `.wait()` on its line) or in the
    library (threading's waits)."""
    if not stacks:
        return False
    program_lines = source.splitlines()
    for frames in stacks:
        if not frames:
            return False
        file, line, function = frames[0]
        if file == program:
            text = program_lines[line - 1] if 0 < line <= len(program_lines) else ""
            if not WAITING_LINE.search(text):
                return False
        elif function not in WAITING_FUNCTIONS:
            return False
        elif function not in JOINS:
            text = line_of(file, line)
            if not text or "timeout" in text:
                return False
    return True


def _cpu_ticks(pid: int) -> int | None:
    """User + system CPU of a process (all its threads), in clock ticks; None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


class StallWatch:
    """Notices a hang long before the deadline.  Once a run has used no CPU for a look
    (every STALL_EVERY seconds after `limits.stall_after`), its stacks are dumped by the
    harness on SIGUSR2 to stacks.txt (the program's stderr is left alone; a busy run is
    never signalled).  Two dumps in a row that are the same, with every thread waiting
    (all_waiting), are a deadlock; the same stacks, idle, for `limits.idle_limit`
    seconds (a thread sleeping forever) are a hang too.  `stalled(now)` says which, or ""."""

    def __init__(self, pid: int, root: Path, program: Path, source: str, limits: Limits, started: float):
        self.pid, self.stacks, self.program, self.source = pid, root / STACKS_NAME, str(program), source
        self.next = started + limits.stall_after if limits.stall_after > 0 else None
        self.idle_limit = limits.idle_limit
        self.cpu: int | None = None
        self.previous = None
        self.same_since = 0.0

    def stalled(self, now: float) -> str:
        if self.next is None or now < self.next:
            return ""
        self.next = now + STALL_EVERY
        cpu = _cpu_ticks(self.pid)
        idle = cpu is not None and self.cpu is not None and cpu - self.cpu <= IDLE_TICKS
        self.cpu = cpu
        stacks = self._dump() if idle else None
        if stacks is None:
            self.previous = None
            return ""
        if stacks != self.previous:
            self.previous, self.same_since = stacks, now
            return ""
        if all_waiting(stacks, self.program, self.source):
            return "deadlock"
        return "idle" if self.idle_limit > 0 and now - self.same_since >= self.idle_limit else ""

    def _dump(self):
        try:
            offset = self.stacks.stat().st_size
            os.kill(self.pid, signal.SIGUSR2)
        except (OSError, ProcessLookupError):
            return None
        size, settled = offset, 0
        for _ in range(50):  # faulthandler writes from the signal handler, in pieces
            time.sleep(0.02)
            now = self.stacks.stat().st_size
            settled = settled + 1 if now == size and now > offset else 0
            size = now
            if settled >= 2:
                break
        with open(self.stacks, "rb") as handle:
            handle.seek(offset)
            return parse_stacks(handle.read().decode("utf-8", "replace")) or None


def run(case: Case, interpreter: Interpreter, limits: Limits = Limits(),
        *, feedback: bool = False, wrapper: tuple[str, ...] = ()) -> RawRun:
    """Run `case` on `interpreter`; never raises for anything the program does.
    `feedback` asks for the specialized instructions the program reached (see
    wants_specializations).  `wrapper` prefixes the command (a debugger: see
    triage/native.py); what it prints goes to the run's stdout/stderr like the
    program's own output."""
    feedback = wants_specializations(interpreter, feedback)
    if interpreter.sanitizer:
        # ASan and TSan reserve terabytes of shadow address space at start-up: an
        # address-space limit would stop the interpreter before it runs anything.
        limits = dataclasses.replace(limits, address_space=0)
    if not os.access(interpreter.path, os.X_OK):
        raise InterpreterError(f"interpreter {interpreter.name!r} is not executable: {interpreter.path}")
    root = Path(tempfile.mkdtemp(prefix="tandem-run-"))
    try:
        return _run_in(root, case, interpreter, limits, feedback, wrapper)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _prepare(root: Path, case: Case) -> tuple[Path, Path, Path]:
    """The run directory: work/ (the cwd), the program and an empty report."""
    workdir = root / "work"
    workdir.mkdir()
    program = root / PROGRAM_NAME
    program.write_text(case.source, encoding="utf-8")
    report = root / REPORT_NAME
    report.touch()
    return workdir, program, report


def wants_specializations(interpreter: Interpreter, feedback: bool) -> bool:
    """Whether a run asked for feedback records its specializations: only where the
    interpreter specializes (its probe saw it).  Elsewhere (3.13t) there is nothing to
    find, and looking (`dis` over every code object at exit) made a campaign's short
    runs 3.4 times slower."""
    return feedback and interpreter.features.specializer


def _run_env(workdir: Path, case: Case, box: Box, feedback: bool,
             interpreter: Interpreter | None = None) -> dict[str, str]:
    env = scrubbed_env(workdir, case.environment)
    env.update(box.env)
    if interpreter is not None and interpreter.sanitizer:
        env.update(sanitizers.run_environment(interpreter.sanitizer, interpreter.path, workdir.parent))
    if feedback:
        env["TANDEM_SPECIALIZATIONS"] = "1"
    return env


def _run_in(root: Path, case: Case, interpreter: Interpreter, limits: Limits, feedback: bool,
            wrapper: tuple[str, ...] = ()) -> RawRun:
    workdir, program, report = _prepare(root, case)
    box = Box(limits.processes)
    env = _run_env(workdir, case, box, feedback, interpreter)
    # Moving a process into a cgroup waits for an RCU grace period (10-20 ms).  The host
    # does it while the interpreter starts, and the harness holds the program back until
    # it is done (CGROUP_GATE); under a wrapper (a debugger, which forks the interpreter
    # itself) the child joins before exec instead.
    late = box.cgroup is not None and not wrapper
    if late:
        env[CGROUP_GATE] = box.id
    launcher = sanitizers.launcher_prefix(interpreter.sanitizer) if interpreter.sanitizer else []
    argv = [*wrapper, *launcher, *harness_argv(interpreter, report, program)]
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True,
            preexec_fn=_limit_setter(limits, None if late else box),
        )
    except OSError as exc:
        box.close()
        raise HarnessError(f"could not start {interpreter.path}: {exc}") from exc
    if late:
        box.admit(process.pid)
    out = _Bounded(limits.output_head, limits.output_tail)
    err = _Bounded(limits.output_head, limits.output_tail)
    try:
        watch = StallWatch(process.pid, root, program, case.source,
                           dataclasses.replace(limits, stall_after=0) if wrapper else limits, started)
        timed_out, stall = _pump(process, out, err, limits, started, watch)
    finally:
        duration = time.monotonic() - started
        _kill_group(process.pid)  # stray children and daemons of the run die with it,
        box.close()               # and so do those that left the process group
        _remove_perf_map(process.pid)
    returncode = process.returncode
    records, damaged = read_report(report)
    signal_number = -returncode if returncode is not None and returncode < 0 else None
    if timed_out:
        signal_number = None
    return RawRun(
        interpreter=interpreter.name, version=interpreter.version, argv=tuple(argv),
        returncode=None if timed_out else returncode, signal=signal_number, timed_out=timed_out,
        duration=duration, stdout=out.captured(), stderr=err.captured(), records=records,
        report_damaged=damaged, workdir=str(root), run_id=box.id, stall=stall,
        sanitizer_log=sanitizers.read_logs(root) if interpreter.sanitizer else "",
    )


# -- fork server -----------------------------------------------------------------------

class _Fifos:
    """A forked run's stdout and stderr: named pipes in its directory, read by the host
    like a fresh process's pipes (unbounded for the program, head and tail kept), not
    files the file-size limit would cut.  The host holds a write end of each until the
    run is over, so that nothing reads as end of file before the child opens its own."""

    def __init__(self, root: Path, limits: Limits):
        self.paths = (root / "stdout", root / "stderr")
        self.sinks = (_Bounded(limits.output_head, limits.output_tail),
                      _Bounded(limits.output_head, limits.output_tail))
        self.open: dict[int, _Bounded] = {}
        self.held: list[int] = []
        try:
            for path, sink in zip(self.paths, self.sinks):
                os.mkfifo(path, 0o600)
                self.open[os.open(path, os.O_RDONLY | os.O_NONBLOCK)] = sink
                self.held.append(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except BaseException:
            self.close()
            raise

    def pump(self, fd: int) -> None:
        """Read what is waiting on `fd` (one of self.open); at end of file, forget it."""
        data = _read_available(fd)
        if data is None:
            return
        if data:
            self.open[fd].feed(data)
        else:
            del self.open[fd]
            os.close(fd)

    def drain(self, patience: float = 1.0) -> None:
        """After the run: let go of the held ends and read to end of file (at most
        `patience` seconds: a survivor outside the group may hold a pipe, as in _pump)."""
        for fd in self.held:
            os.close(fd)
        self.held = []
        deadline = time.monotonic() + patience
        while self.open and time.monotonic() < deadline:
            ready, _, _ = select.select(list(self.open), [], [], max(0.0, deadline - time.monotonic()))
            for fd in ready:
                self.pump(fd)

    def close(self) -> None:
        for fd in [*self.held, *self.open]:
            os.close(fd)
        self.held, self.open = [], {}


class ForkServer:
    """A warm interpreter that forks one child per case (see _child.serve).

    Start-up is paid once per server, not once per case.  Isolation is that of a fresh
    harness process for what a verdict depends on: own session and process group, fresh
    __main__, the same hash seed, cwd, environment and limits, output to pipes read as a
    fresh process's are (named pipes: _Fifos).  Cases that need start-up
    environment variables (Case.env) run as plain subprocesses instead, and every
    finding is re-confirmed in fresh processes before it is kept."""

    def __init__(self, interpreter: Interpreter):
        self.interpreter = interpreter
        self.process: subprocess.Popen | None = None
        self.home: Box | None = None   # the server's cgroup, where its children are born
        self._pending = b""   # bytes read from the server past the last whole line

    def _start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.close()
            env = scrubbed_env(Path("/"))
            self.home = Box()
            self.process = subprocess.Popen(
                [self.interpreter.path, "-P", "-s", "-B", str(HARNESS), "--server"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd="/", start_new_session=True)
            # Moved before its first request, so before it forks anything (sandbox.py).
            self.home.adopt(self.process.pid)
            self._pending = b""
        return self.process

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            _kill_group(self.process.pid)
            self.process.wait()
        self.process = None
        if self.home is not None:
            self.home.close()
            self.home = None

    def _line(self, process: subprocess.Popen, timeout: float | None, output: _Fifos | None = None) -> str | None:
        """The server's next answer line, or None if none came within `timeout` (or it
        died); meanwhile the run's `output` is read.  Reads the pipe itself: "pid N" and
        "exit S" of a short run often arrive together, and a buffered reader would hide
        the second from the next select()."""
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = process.stdout.fileno()
        while b"\n" not in self._pending:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            streams = list(output.open) if output is not None else []
            ready, _, _ = select.select([fd, *streams], [], [], left)
            if not ready:
                return None
            for stream in ready:
                if stream != fd:
                    output.pump(stream)
            if fd not in ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:  # the server is gone
                return None
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line.decode(errors="replace").strip()

    def run(self, case: Case, limits: Limits, feedback: bool, teardown: bool = True) -> RawRun:
        """Run `case` in a forked child; a case that needs start-up environment
        (Case.environment) cannot be forked from a started interpreter and runs as a
        fresh process instead.

        With teardown=False the child ends as the interpreter's finalization would up to
        where the program's own code stops running (threads joined, atexit, garbage
        collected, what the program made torn down) and skips the teardown of what it
        inherited and of the interpreter: an empty program's child costs 40-70% of the
        CPU, and a bug that shows only in that teardown is not seen
        (_child._exit_without_teardown).  Fresh runs always tear down."""
        feedback = wants_specializations(self.interpreter, feedback)
        if case.environment or self.interpreter.sanitizer:
            # A sanitizer runtime set up for the server would not be the child's: its
            # options (log path per run) are read at start-up, and TSan follows fork badly.
            return run(case, self.interpreter, limits, feedback=feedback)
        root = Path(tempfile.mkdtemp(prefix="tandem-run-"))
        try:
            return self._run_in(root, case, limits, feedback, teardown)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def _run_in(self, root: Path, case: Case, limits: Limits, feedback: bool, teardown: bool) -> RawRun:
        workdir, program, report = _prepare(root, case)
        self._start()
        box = Box(limits.processes, home=self.home)
        output = _Fifos(root, limits)
        try:
            return self._run_boxed(root, case, limits, feedback, teardown, box, output, workdir, program, report)
        finally:
            output.close()
            box.close()

    def _run_boxed(self, root: Path, case: Case, limits: Limits, feedback: bool, teardown: bool, box: Box,
                   output: _Fifos, workdir: Path, program: Path, report: Path) -> RawRun:
        import marshal

        env = _run_env(workdir, case, box, feedback)
        request = {"program": str(program), "report": str(report), "cwd": str(workdir), "env": env,
                   "teardown": teardown, "stdout": str(output.paths[0]), "stderr": str(output.paths[1]),
                   "limits": {"RLIMIT_AS": limits.address_space, "RLIMIT_FSIZE": limits.file_size,
                              "RLIMIT_NPROC": limits.processes}}
        payload = marshal.dumps(request, 4)
        process = self.process  # started by _run_in, together with the cgroup of `box`
        started = time.monotonic()
        try:
            process.stdin.write(len(payload).to_bytes(4, "little") + payload)
            process.stdin.flush()
            answer = self._line(process, 30.0, output)
        except (BrokenPipeError, OSError):
            answer = None
        if not answer or not answer.startswith("pid "):
            self.close()
            raise HarnessError(f"the fork server of {self.interpreter.name} did not answer")
        pid = int(answer.split()[1])
        timed_out, stall = False, ""
        watch = StallWatch(pid, root, program, case.source, limits, started)
        deadline = started + limits.deadline if limits.deadline > 0 else None
        while True:  # in slices, so that an idle run's stacks can be looked at
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            answer = self._line(process, STALL_EVERY if left is None else min(left, STALL_EVERY), output)
            now = time.monotonic()
            if answer is not None or process.poll() is not None or (deadline is not None and now >= deadline):
                break
            stall = watch.stalled(now)
            if stall:
                break
        if answer is None:  # the deadline passed (or a deadlock): dump the stacks, then kill the group
            timed_out = True
            try:
                os.kill(pid, signal.SIGUSR1)
            except ProcessLookupError:
                pass
            answer = self._line(process, min(limits.grace, STALL_GRACE) if stall else limits.grace, output)
            if answer is None:
                _kill_group(pid)
                answer = self._line(process, 10.0, output)
        duration = time.monotonic() - started
        _kill_group(pid)
        _remove_perf_map(pid)
        if not answer or not answer.startswith("exit "):
            self.close()
            raise HarnessError(f"the fork server of {self.interpreter.name} lost its child")
        output.drain()
        stdout, stderr = (sink.captured() for sink in output.sinks)
        returncode = int(answer.split()[1])
        if returncode == 125 and b"tandem fork server child failed" in stderr.head:
            raise HarnessError(f"the fork server of {self.interpreter.name} could not set up a child: "
                               + stderr.head.decode(errors="replace")[:500])
        records, damaged = read_report(report)
        return RawRun(
            interpreter=self.interpreter.name, version=self.interpreter.version,
            argv=tuple(harness_argv(self.interpreter, report, program)),
            returncode=None if timed_out else returncode,
            signal=-returncode if returncode < 0 and not timed_out else None, timed_out=timed_out,
            duration=duration, stdout=stdout, stderr=stderr, records=records, report_damaged=damaged,
            workdir=str(root), run_id=box.id, stall=stall)


def _pump(process: subprocess.Popen, out: _Bounded, err: _Bounded, limits: Limits,
          started: float, watch: StallWatch) -> tuple[bool, str]:
    """Read both pipes until the process ends; enforce the deadline and end a deadlock
    early.  (hung, how it stalled: "", "deadlock" or "idle")."""
    selector = selectors.DefaultSelector()
    for stream, sink in ((process.stdout, out), (process.stderr, err)):
        os.set_blocking(stream.fileno(), False)
        selector.register(stream, selectors.EVENT_READ, sink)
    open_streams = 2
    deadline = started + limits.deadline if limits.deadline > 0 else None
    kill_at = None
    exited_at = None
    timed_out, stall = False, ""
    try:
        while True:
            now = time.monotonic()
            if process.poll() is not None and exited_at is None:
                exited_at = now
                # A grandchild may hold the pipes open: kill the group, drain briefly.
                _kill_group(process.pid)
            if open_streams == 0 and process.returncode is not None:
                break
            if exited_at is not None and now - exited_at > 1.0:
                break
            if kill_at is None and exited_at is None and (
                    (deadline is not None and now >= deadline) or (stall := watch.stalled(now))):
                timed_out = True
                try:
                    process.send_signal(signal.SIGUSR1)  # faulthandler: dump all stacks
                except ProcessLookupError:
                    pass
                kill_at = now + (min(limits.grace, STALL_GRACE) if stall else limits.grace)
            if kill_at is not None and now >= kill_at:
                _kill_group(process.pid)
                process.wait()
                kill_at = float("inf")
            for key, _ in selector.select(timeout=0.05):
                data = _read_available(key.fd)
                if data is None:
                    continue
                if data:
                    key.data.feed(data)
                else:
                    selector.unregister(key.fileobj)
                    open_streams -= 1
    finally:
        selector.close()
        process.stdout.close()
        process.stderr.close()
        if process.returncode is None:
            _kill_group(process.pid)
            process.wait()
    return timed_out, stall
