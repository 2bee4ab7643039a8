"""Run one Case on one Interpreter in a sandboxed subprocess -> RawRun.

Each run gets a fresh temporary directory, a scrubbed environment with a fixed hash
seed, resource limits, a deadline (all thread stacks dumped before the kill) and bounded
capture of stdout/stderr.  Nothing here judges the result.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import linecache
import os
import re
import select
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
STACKS_NAME = "stacks.txt"  # where the harness dumps stacks on SIGUSR2 (_child.py)
STALL_EVERY = 1.5  # seconds between looks at an idle run
STALL_GRACE = 0.5  # seconds for the last stack dump of a stalled run
IDLE_TICKS = 2  # CPU clock ticks (1/100 s) a look may see and still call it idle
CGROUP_GATE = "TANDEM_CGROUP_GATE"  # the harness waits to be in this cgroup (_child.py)
LIMITS_ENV = "TANDEM_LIMITS"  # the limits the harness applies (_child.apply_limits)


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
        tail = b"".join(self.tail)[-self.tail_limit :] if self.tail_limit > 0 else b""
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


def limit_request(limits: Limits) -> dict[str, int]:
    """The run's resource limits as the harness applies them (_child.apply_limits: the
    one rule for fresh and forked runs)."""
    return {"RLIMIT_AS": limits.address_space, "RLIMIT_FSIZE": limits.file_size, "RLIMIT_NPROC": limits.processes}


def _load_prctl():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def die_with_parent() -> None:
    """In a child before exec: SIGKILL when the thread that started it ends, so that an
    executor killed mid-run leaves no run (nor fork server) behind."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _preexec(box: Box | None):
    def apply() -> None:
        if box is not None:
            box.join()
        die_with_parent()

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
    with contextlib.suppress(OSError):
        os.unlink(f"/tmp/perf-{pid}.map")


def _kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


# -- deadlocks ---------------------------------------------------------------------------

STACK_THREAD = re.compile(
    r"^(?:Current thread|Thread) 0x[0-9a-f]+ [^\n]*\(most recent call first\):\n"
    r"((?:  .*\n?)*)",
    re.M,
)
STACK_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>\S+)', re.M)
# Library functions a thread waits in: untimed unless their line names a timeout; a join
# counts either way (a timed join in a deadlock ends in the harness's join timeout).
WAITING_FUNCTIONS = frozenset(
    {
        "wait",
        "wait_for",
        "acquire",
        "_acquire_restore",
        "get",
        "put",
        "__enter__",
        "join",
        "_wait_for_tstate_lock",
        "_shutdown",
    }
)
JOINS = frozenset({"join", "_wait_for_tstate_lock", "_shutdown"})
WAITING_LINE = re.compile(r"^\s*(?:async\s+)?with\b|\.(?:acquire|join|wait|wait_for|get|put)\(\s*\)")


def parse_stacks(text: str) -> tuple[tuple[tuple[str, int, str], ...], ...]:
    """faulthandler's all-thread dump -> per thread, its frames (file, line, function),
    innermost first; a thread with no Python frame has none."""
    return tuple(
        tuple((m.group("file"), int(m.group("line")), m.group("func")) for m in STACK_FRAME.finditer(block.group(1)))
        for block in STACK_THREAD.finditer(text)
    )


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


def run(
    case: Case,
    interpreter: Interpreter,
    limits: Limits = Limits(),
    *,
    feedback: bool = False,
    wrapper: tuple[str, ...] = (),
) -> RawRun:
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


def _run_env(
    workdir: Path, case: Case, box: Box, feedback: bool, interpreter: Interpreter | None = None
) -> dict[str, str]:
    env = scrubbed_env(workdir, case.environment)
    env.update(box.env)
    if interpreter is not None and interpreter.sanitizer:
        env.update(sanitizers.run_environment(interpreter.sanitizer, interpreter.path, workdir.parent))
    if feedback:
        env["TANDEM_SPECIALIZATIONS"] = "1"
    return env


def _run_in(
    root: Path, case: Case, interpreter: Interpreter, limits: Limits, feedback: bool, wrapper: tuple[str, ...] = ()
) -> RawRun:
    workdir, program, report = _prepare(root, case)
    box = Box(limits.processes)
    env = _run_env(workdir, case, box, feedback, interpreter)
    env[LIMITS_ENV] = ",".join(f"{name}={value}" for name, value in limit_request(limits).items())
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
            argv,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_preexec(None if late else box),
        )
    except OSError as exc:
        box.close()
        raise HarnessError(f"could not start {interpreter.path}: {exc}") from exc
    assert process.stdout is not None and process.stderr is not None  # both asked for as pipes
    if late:
        box.admit(process.pid)
    out = _Bounded(limits.output_head, limits.output_tail)
    err = _Bounded(limits.output_head, limits.output_tail)
    launched = _Fresh(process)
    try:
        watch = StallWatch(
            process.pid,
            root,
            program,
            case.source,
            dataclasses.replace(limits, stall_after=0) if wrapper else limits,
            started,
        )
        returncode, timed_out, stall = _supervise(
            launched, {process.stdout.fileno(): out, process.stderr.fileno(): err}, limits, started, watch
        )
    finally:
        duration = time.monotonic() - started
        launched.close()
        _kill_group(process.pid)  # stray children and daemons of the run die with it,
        box.close()  # and so do those that left the process group
        _remove_perf_map(process.pid)
    return _raw_run(interpreter, argv, returncode, timed_out, stall, duration, out, err, report, root, box)


def _raw_run(
    interpreter: Interpreter,
    argv,
    returncode: int | None,
    timed_out: bool,
    stall: str,
    duration: float,
    out: _Bounded,
    err: _Bounded,
    report: Path,
    root: Path,
    box: Box,
) -> RawRun:
    """What a run left, fresh or forked: a hang has no exit status, a signal is negative."""
    records, damaged = read_report(report)
    return RawRun(
        interpreter=interpreter.name,
        version=interpreter.version,
        argv=tuple(argv),
        returncode=None if timed_out else returncode,
        signal=-returncode if returncode is not None and returncode < 0 and not timed_out else None,
        timed_out=timed_out,
        duration=duration,
        stdout=out.captured(),
        stderr=err.captured(),
        records=records,
        report_damaged=damaged,
        workdir=str(root),
        run_id=box.id,
        stall=stall,
        sanitizer_log=sanitizers.read_logs(root) if interpreter.sanitizer else "",
    )


# -- one run, two launchers ------------------------------------------------------------

DRAIN = 1.0  # seconds to read a run's output after its end (a survivor may hold a pipe)
KILL_PATIENCE = 10.0  # seconds for the end of a run after SIGKILL to its group


class _Fresh:
    """A run in a fresh process, as _supervise sees it: it ended when the process did
    (a pidfd says when; without one, it is looked at every 50 ms)."""

    def __init__(self, process: subprocess.Popen):
        assert process.stdout is not None and process.stderr is not None  # run() asks for both as pipes
        self.process, self.pid = process, process.pid
        self.pipes = (process.stdout, process.stderr)
        for stream in self.pipes:
            os.set_blocking(stream.fileno(), False)
        self.pidfd: int | None
        self.ready_fds: tuple[int, ...]
        self.poll_every: float | None
        try:
            self.pidfd = os.pidfd_open(process.pid)
            self.ready_fds, self.poll_every = (self.pidfd,), None
        except (AttributeError, OSError):
            self.pidfd, self.ready_fds, self.poll_every = None, (), 0.05

    def ended(self) -> int | None:
        return self.process.poll()

    def settle(self) -> None:
        pass

    def give_up(self) -> int:
        return self.process.wait()

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
        for stream in self.pipes:
            stream.close()
        if self.process.returncode is None:
            _kill_group(self.process.pid)
            self.process.wait()


class _Forked:
    """A run in a fork server's child: it ended when the server says "exit S"; its
    output pipes are held open by the host until then (_Fifos)."""

    def __init__(self, server: ForkServer, pid: int, output: _Fifos):
        # The server's process cannot change under a run: only give_up closes it, and raises.
        assert server.process is not None and server.process.stdout is not None  # _run_in started it
        self.server, self.process, self.pid, self.output = server, server.process, pid, output
        self.ready_fds, self.poll_every = (server.process.stdout.fileno(),), None

    def ended(self) -> int | None:
        line = self.server._line(self.process, 0.0)
        if line is None:
            if self.process.poll() is not None or self.server.gone:
                self.give_up()
            return None
        if not line.startswith("exit "):
            self.give_up()
        return int(line.split()[1])

    def settle(self) -> None:
        self.output.release()

    def give_up(self) -> int:
        self.server.close()
        raise HarnessError(f"the fork server of {self.server.interpreter.name} lost its child")


def _supervise(
    launched, streams: dict[int, _Bounded], limits: Limits, started: float, watch: StallWatch
) -> tuple[int | None, bool, str]:
    """The one state machine of a run, fresh or forked: read its output until it ends;
    past the deadline, or once its stacks show a deadlock or a thread idle forever
    (StallWatch), dump all stacks (SIGUSR1: faulthandler) and kill its group after the
    grace.  (exit status or None, hung, how it stalled: "", "deadlock" or "idle")."""
    deadline = started + limits.deadline if limits.deadline > 0 else None
    kill_at = give_up_at = ended_at = None
    code, timed_out, stall = None, False, ""
    streams = dict(streams)
    while True:
        now = time.monotonic()
        if ended_at is None:
            code = launched.ended()
            if code is None and give_up_at is not None and now >= give_up_at:
                code = launched.give_up()
            if code is not None:
                ended_at = now
                _kill_group(launched.pid)  # a grandchild may hold the output open
                launched.settle()
        if ended_at is not None and (not streams or now - ended_at >= DRAIN):
            return code, timed_out, stall
        if (
            ended_at is None
            and kill_at is None
            and ((deadline is not None and now >= deadline) or (stall := watch.stalled(now)))
        ):
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(launched.pid, signal.SIGUSR1)  # faulthandler: dump all stacks
            kill_at = now + (min(limits.grace, STALL_GRACE) if stall else limits.grace)
        if ended_at is None and kill_at is not None and give_up_at is None and now >= kill_at:
            _kill_group(launched.pid)
            give_up_at = now + KILL_PATIENCE
        if ended_at is not None:
            wake = [ended_at + DRAIN]
        elif kill_at is None:
            wake = [t for t in (deadline, watch.next) if t is not None]
        else:
            wake = [give_up_at if give_up_at is not None else kill_at]
        timeout = max(0.0, min(wake) - now) if wake else None
        if launched.poll_every is not None and ended_at is None:
            timeout = launched.poll_every if timeout is None else min(timeout, launched.poll_every)
        fds = [*streams, *(launched.ready_fds if ended_at is None else ())]
        ready, _, _ = select.select(fds, [], [], timeout)
        for fd in ready:
            if fd in streams:
                data = _read_available(fd)
                if data:
                    streams[fd].feed(data)
                elif data is not None:  # end of file
                    del streams[fd]


# -- fork server -----------------------------------------------------------------------


class _Fifos:
    """A forked run's stdout and stderr: named pipes in its directory, read by the host
    like a fresh process's pipes (unbounded for the program, head and tail kept), not
    files the file-size limit would cut.  The host holds a write end of each until the
    run is over, so that nothing reads as end of file before the child opens its own."""

    def __init__(self, root: Path, limits: Limits):
        self.paths = (root / "stdout", root / "stderr")
        self.sinks = (
            _Bounded(limits.output_head, limits.output_tail),
            _Bounded(limits.output_head, limits.output_tail),
        )
        self.open: dict[int, _Bounded] = {}
        self.held: list[int] = []
        try:
            for path, sink in zip(self.paths, self.sinks, strict=True):
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

    def release(self) -> None:
        """After the run: let go of the held ends, so that the pipes reach end of file."""
        for fd in self.held:
            os.close(fd)
        self.held = []

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
        self.home: Box | None = None  # the server's cgroup, where its children are born
        self._pending = b""  # bytes read from the server past the last whole line
        self.gone = False  # the server closed its stdout (it died)

    def _start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.close()
            env = scrubbed_env(Path("/"))
            self.home = Box()
            self.process = subprocess.Popen(
                [self.interpreter.path, "-P", "-s", "-B", str(HARNESS), "--server"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd="/",
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
            # Moved before its first request, so before it forks anything (sandbox.py).
            self.home.adopt(self.process.pid)
            self._pending, self.gone = b"", False
        return self.process

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None  # the requests' pipe (_start)
            self.process.stdin.close()
            _kill_group(self.process.pid)
            self.process.wait()
        self.process = None
        if self.home is not None:
            self.home.close()
            self.home = None

    def _line(self, process: subprocess.Popen, timeout: float | None, output: _Fifos | None = None) -> str | None:
        """The server's next answer line, or None if none came within `timeout` (0: only
        what is there already; None: if it died); meanwhile the run's `output` is read.
        Reads the pipe itself: "pid N" and "exit S" of a short run often arrive together,
        and a buffered reader would hide the second from the next select()."""
        deadline = None if timeout is None else time.monotonic() + timeout
        assert process.stdout is not None  # the answers' pipe (_start)
        fd = process.stdout.fileno()
        while b"\n" not in self._pending and not self.gone:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            streams = list(output.open) if output is not None else []
            ready, _, _ = select.select([fd, *streams], [], [], left)
            for stream in ready:
                if stream != fd:
                    assert output is not None  # the other streams selected are output's
                    output.pump(stream)
            if fd in ready:
                chunk = os.read(fd, 4096)
                self._pending += chunk
                self.gone = not chunk
            elif not ready and left == 0.0:
                return None
        if b"\n" not in self._pending:
            return None
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

    def _run_boxed(
        self,
        root: Path,
        case: Case,
        limits: Limits,
        feedback: bool,
        teardown: bool,
        box: Box,
        output: _Fifos,
        workdir: Path,
        program: Path,
        report: Path,
    ) -> RawRun:
        import marshal

        env = _run_env(workdir, case, box, feedback)
        request = {
            "program": str(program),
            "report": str(report),
            "cwd": str(workdir),
            "env": env,
            "teardown": teardown,
            "stdout": str(output.paths[0]),
            "stderr": str(output.paths[1]),
            "limits": limit_request(limits),
        }
        payload = marshal.dumps(request, 4)
        process = self.process  # started by _run_in, together with the cgroup of `box`
        assert process is not None and process.stdin is not None  # and _start asks for a stdin pipe
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
        watch = StallWatch(pid, root, program, case.source, limits, started)
        try:
            returncode, timed_out, stall = _supervise(
                _Forked(self, pid, output), dict(output.open), limits, started, watch
            )
        finally:
            duration = time.monotonic() - started
            _kill_group(pid)
            _remove_perf_map(pid)
        out, err = output.sinks
        if returncode == 125 and b"tandem fork server child failed" in err.head:
            raise HarnessError(
                f"the fork server of {self.interpreter.name} could not set up a child: "
                + bytes(err.head).decode(errors="replace")[:500]
            )
        return _raw_run(
            self.interpreter,
            harness_argv(self.interpreter, report, program),
            returncode,
            timed_out,
            stall,
            duration,
            out,
            err,
            report,
            root,
            box,
        )
