"""The harness that runs INSIDE the interpreter under test (stdlib only, CPython >= 3.11).

Gives a program emit/observe/check/threads, captures unraisable events and uncaught
exceptions, and writes a JSON-lines report flushed per record, so a crash keeps
everything recorded before it.

    python -P -s -B _child.py --report REPORT.jsonl PROGRAM.py

A program that uses none of the API runs unchanged.  The same file is inlined into
standalone exports (see `install()` / `run_path()`), so it must stay importable and free
of third-party imports.
"""

import _signal as signal  # type: ignore[import-not-found]  # no stubs; not `signal`: it imports enum (slow)
import builtins
import faulthandler
import os
import sys
import threading
import types

try:  # the C half of json: string escaping without importing json (and re, enum)
    from _json import encode_basestring as _encode_string
except ImportError:  # pragma: no cover - every CPython has _json

    def _encode_string(text: str, /) -> str:  # the C function's signature
        out = ['"']
        for char in text:
            if char in '"\\':
                out.append("\\" + char)
            elif ord(char) < 0x20:
                out.append("\\u%04x" % ord(char))
            else:
                out.append(char)
        out.append('"')
        return "".join(out)


HARNESS_VERSION = 1
MAX_RECORDS_PER_KEY = 1000  # emits of one key kept; the rest are counted
MAX_FAILURES_RECORDED = 5  # check() failures written per label; the rest counted
MAX_TEXT = 20000  # characters of a repr/text kept in one record

_report_fd = None
_stacks_fd = None
STACKS_NAME = "stacks.txt"  # executor.StallWatch reads it
_standalone = False  # set by install() when there is no report file
_write_lock = threading.RLock()
_tls = threading.local()
_emit_counts: dict[str, int] = {}
_emit_dropped: dict[str, int] = {}
_seen_observations: set[tuple[str, str]] = set()
_counter_tables: list[dict[str, list[int]]] = []  # one {label: [passed, failed]} per thread, merged at the end
_failures_written: dict[str, int] = {}
_real_stderr = sys.stderr


def _clip(text):
    text = str(text)
    if len(text) > MAX_TEXT:
        return text[:MAX_TEXT] + "...[%d chars clipped]" % (len(text) - MAX_TEXT)
    return text


def _safe_repr(value):
    try:
        return _clip(repr(value))
    except BaseException as exc:  # a hostile __repr__ must not break the harness
        return "<repr failed: %s>" % type(exc).__name__


def _type_name(tp):
    try:
        module = getattr(tp, "__module__", "builtins")
        name = getattr(tp, "__qualname__", None) or tp.__name__
    except BaseException:
        return "<unknown type>"
    return name if module in ("builtins", "__main__", None) else "%s.%s" % (module, name)


def _thread_name():
    try:
        return threading.current_thread().name
    except BaseException:
        return "?"


def _dumps(value):
    """JSON for the report's value shapes (str, int, float, bool, None, list, tuple, dict);
    anything else is written as its repr.  Avoids importing json at start-up."""
    if isinstance(value, str):
        return _encode_string(value)
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return (
            float.__repr__(value) if value == value and value not in (float("inf"), float("-inf")) else '"%r"' % value
        )
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_dumps(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(_encode_string(str(k)) + ": " + _dumps(v) for k, v in value.items()) + "}"
    return _encode_string(_safe_repr(value))


_STANDALONE_SHOWN = ("emit", "check", "thread_exception", "exception", "join_timeout")


def _write(record):
    """Append one JSON line to the report.  Without a report (a standalone export run
    by hand) results and failures are printed to stderr instead, one line each."""
    if _report_fd is None:
        if _standalone and record.get("t") in _STANDALONE_SHOWN:
            try:
                _real_stderr.write("[tandem] %s\n" % _dumps({k: v for k, v in record.items() if k != "tb"}))
            except BaseException:
                pass
        return
    try:
        line = _dumps(record) + "\n"
    except BaseException:
        line = '{"t": "unserializable", "kind": %s}\n' % _encode_string(str(record.get("t")))
    data = line.encode("utf-8", "replace")
    with _write_lock:
        try:
            while data:
                written = os.write(_report_fd, data)
                data = data[written:]
        except OSError:
            pass


# -- the API ---------------------------------------------------------------------------


def emit(key, value):
    """Record a result that must be identical on every interpreter and every schedule."""
    key = str(key)
    with _write_lock:
        count = _emit_counts.get(key, 0)
        _emit_counts[key] = count + 1
        if count >= MAX_RECORDS_PER_KEY:
            _emit_dropped[key] = _emit_dropped.get(key, 0) + 1
            return
    _write({"t": "emit", "k": key, "v": _safe_repr(value)})


def observe(key, value, allowed=None):
    """Record a schedule-dependent observation; outside `allowed` it is a violation."""
    key = str(key)
    shown = _safe_repr(value)
    ok = True
    if allowed is not None:
        try:
            ok = value in allowed
        except BaseException:
            ok = False
        check(ok, "observe %s" % key, "%s not in %s" % (shown, _safe_repr(allowed)))
    marker = (key, shown)
    if marker not in _seen_observations:
        _seen_observations.add(marker)
        _write({"t": "observe", "k": key, "v": shown})
    return ok


def _counters():
    table = getattr(_tls, "counters", None)
    if table is None:
        table = _tls.counters = {}
        _counter_tables.append(table)
    return table


def check(condition, label, detail=None):
    """An invariant that must hold in every interleaving; returns bool(condition)."""
    label = str(label)
    ok = bool(condition)
    counts = _counters().setdefault(label, [0, 0])
    if ok:
        counts[0] += 1
        return True
    counts[1] += 1
    with _write_lock:
        written = _failures_written.get(label, 0)
        _failures_written[label] = written + 1
    if written < MAX_FAILURES_RECORDED:
        _write(
            {
                "t": "check",
                "label": label,
                "detail": _safe_repr(detail) if detail is not None else "",
                "thread": _thread_name(),
            }
        )
    return False


def threads(*functions, timeout=None, names=None):
    """Run each function in its own thread, all released at once by a barrier.

    Returns the functions' return values in order (None for one that raised; its
    exception is recorded like any uncaught thread exception).  With a timeout, threads
    still running after it are reported and the run ends as a hang.
    """
    barrier = threading.Barrier(len(functions)) if functions else None
    results = [None] * len(functions)

    def runner(index, function):
        assert barrier is not None  # a runner exists only for a function, and then so does the barrier
        barrier.wait()
        try:
            results[index] = function()
        except BaseException:
            _record_thread_exception(*sys.exc_info())

    workers = []
    for index, function in enumerate(functions):
        name = names[index] if names else "worker-%d" % index
        worker = threading.Thread(target=runner, args=(index, function), name=name, daemon=True)
        workers.append(worker)
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout)
        if worker.is_alive():
            _write({"t": "join_timeout", "thread": worker.name, "timeout": timeout})
            # The stubs refuse a None sys.__stderr__; faulthandler reads it as sys.stderr.
            faulthandler.dump_traceback(file=sys.__stderr__, all_threads=True)  # type: ignore[arg-type]
            _finish("hang")
            os._exit(124)
    return results


# -- capture ---------------------------------------------------------------------------


class _StderrRouter:
    """sys.stderr stand-in: writes from a thread that is formatting an unraisable event
    go to that thread's buffer, everything else to the real stream."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        buffer = getattr(_tls, "capture", None)
        if buffer is not None:
            buffer.append(text)
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _format_with_default_hook(unraisable):
    """The exact text CPython's default unraisable hook prints for this event."""
    router = sys.stderr if isinstance(sys.stderr, _StderrRouter) else None
    buffer: list[str] = []
    # Another event can fire while this one is being written (a finalizer run at an
    # eval-breaker check inside the hook): it captures into its own buffer and gives
    # this one back, so neither text is cut.
    outer = getattr(_tls, "capture", None)
    _tls.capture = buffer
    try:
        if router is None:  # the program replaced sys.stderr: swap it for the call
            saved, sys.stderr = sys.stderr, _StderrRouter(_real_stderr)
            try:
                sys.__unraisablehook__(unraisable)
            finally:
                sys.stderr = saved
        else:
            sys.__unraisablehook__(unraisable)
    except BaseException as exc:
        buffer.append("<default unraisable hook failed: %s>\n" % type(exc).__name__)
    finally:
        _tls.capture = outer
    return "".join(buffer)


def _unraisable_hook(unraisable):
    text = _format_with_default_hook(unraisable)
    try:
        _real_stderr.write(text)
        _real_stderr.flush()
    except BaseException:
        pass
    exc_type = unraisable.exc_type
    _write(
        {
            "t": "unraisable",
            "exc_type": _type_name(exc_type) if exc_type is not None else "",
            "exc_message": _clip(_safe_str(unraisable.exc_value)),
            "err_msg": _clip(unraisable.err_msg) if unraisable.err_msg is not None else "",
            "object": _safe_repr(unraisable.object) if unraisable.object is not None else "",
            "text": _clip(text),
            "thread": _thread_name(),
        }
    )


def _safe_str(value):
    if value is None:
        return ""
    try:
        return str(value)
    except BaseException as exc:
        return "<str failed: %s>" % type(exc).__name__


def _record_thread_exception(exc_type, exc_value, exc_tb, thread_name=None):
    if exc_type is SystemExit:
        return
    import traceback

    text = "".join(traceback.format_exception(exc_type, exc_value, exc_tb))
    name = thread_name or _thread_name()
    try:
        _real_stderr.write("Exception in thread %s:\n%s" % (name, text))
    except BaseException:
        pass
    _write(
        {
            "t": "thread_exception",
            "type": _type_name(exc_type),
            "msg": _clip(_safe_str(exc_value)),
            "thread": name,
            "tb": _clip(text),
        }
    )


def _thread_excepthook(args):
    name = args.thread.name if args.thread is not None else None
    _record_thread_exception(args.exc_type, args.exc_value, args.exc_traceback, name)


# -- feedback --------------------------------------------------------------------------

OUTSIDE = "TANDEM_OUTSIDE"  # directory where the host waits to read a paused run's stack
_pauses = 0


def pause_for_inspection(label="pause"):
    """Stop here while the host reads this process's stack from outside (oracle/outside.py).
    This thread's own view of its stack (sys._current_frames, innermost first) is written
    first.  Does nothing and returns False unless the host asked for it (TANDEM_OUTSIDE)."""
    global _pauses
    directory = os.environ.get(OUTSIDE)
    if not directory:
        return False
    frame: types.FrameType | None = sys._current_frames()[threading.get_ident()]
    own = []
    while frame is not None:
        own.append(frame.f_code.co_name)
        frame = frame.f_back
    _pauses += 1
    base = os.path.join(directory, "%d-%d" % (os.getpid(), _pauses))
    os.mkfifo(base + ".resume")
    view = _dumps(
        {
            "label": str(label),
            "pid": os.getpid(),
            "tid": threading.get_native_id(),
            "threads": threading.active_count(),
            "own": own,
        }
    )
    with open(base + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(view)
    os.rename(base + ".tmp", base + ".json")
    # Blocks in C (no Python frame of its own) until the host has looked and opens the pipe.
    with open(base + ".resume", "rb") as handle:
        handle.read()
    return True


def _code_objects(namespace):
    seen = set()
    stack = []
    for value in list(namespace.values()):
        stack.append(value)
        if isinstance(value, type):
            stack.extend(vars(value).values())
    while stack:
        value = stack.pop()
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        elif isinstance(value, property):
            stack.extend(f for f in (value.fget, value.fset, value.fdel) if f is not None)
            continue
        wrapped = getattr(value, "__wrapped__", None)  # functools.wraps decorators
        if wrapped is not None and not isinstance(value, type):
            stack.append(wrapped)
        code = getattr(value, "__code__", None)
        if isinstance(value, types.CodeType):
            code = value
        if not isinstance(code, types.CodeType) or id(code) in seen:
            continue
        seen.add(id(code))
        yield code
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))


_specializations_seen: set[str] = set()
_feedback = os.environ.get("TANDEM_SPECIALIZATIONS") == "1"


def record_specializations():
    """Snapshot the specialized instructions present now (a no-op without feedback).

    Specializations come and go as caches deoptimize; programs call this inside their
    hot loops so that what was reached is kept even if it is gone by the end."""
    if _feedback:
        main = sys.modules.get("__main__")
        if main is not None:
            _specializations_seen.update(specializations(vars(main)))


# (names of specialized instructions, opcode table), built once
_specialization_cache: list[tuple[set[str], list[tuple[str | None, int]] | None]] = []


def _specialization_tables():
    """The names of the specialized instructions (empty where dis knows none), and for
    each opcode its name if it is one of them with the number of inline cache entries
    after it (those of the instruction it specializes), from dis' own tables; the
    opcode table is None where those are not as expected (dis.get_instructions then)."""
    if not _specialization_cache:
        import dis

        families = getattr(dis, "_specializations", None) or {}
        wanted = {name for names in families.values() for name in names}
        try:
            size_of = getattr(dis, "_get_cache_size", None)  # 3.13+; a table before
            table = []
            # dis' private tables are not in the stubs (one that is missing ends in the except)
            for op in range(256):
                deop = dis._deoptop(op)  # type: ignore[attr-defined]
                caches = (
                    size_of(dis._all_opname[deop])  # type: ignore[attr-defined]
                    if size_of
                    else dis._inline_cache_entries[deop]  # type: ignore[attr-defined]
                )
                name = dis._all_opname[op]  # type: ignore[attr-defined]
                table.append((name if name in wanted else None, int(caches)))
        except Exception:
            table = None
        _specialization_cache.append((wanted, table))
    return _specialization_cache[0]


def _specialized_by_dis(code, wanted):
    import dis

    return {i.opname for i in dis.get_instructions(code, adaptive=True)} & wanted


def _specialized_by_scan(code, table):
    """What dis.get_instructions(code, adaptive=True) would name, read straight off the
    adaptive bytecode (instructions and their cache entries): 50 times cheaper, which
    matters because programs take snapshots inside their loops."""
    raw = code._co_code_adaptive
    found = set()
    i, end = 0, len(raw)
    while i < end:
        name, caches = table[raw[i]]
        if name is not None:
            found.add(name)
        i += 2 + 2 * caches
    return found


def specializations(namespace):
    """Names of specialized instructions present in the code reachable from namespace."""
    try:
        import dis

        wanted, table = _specialization_tables()
        if not wanted:
            return []
        executor = dis.opmap.get("ENTER_EXECUTOR")  # a tier-2 executor hides the instruction
        found = set()
        for code in _code_objects(namespace):
            try:
                if table is None or (executor is not None and executor in code._co_code_adaptive[::2]):
                    found |= _specialized_by_dis(code, wanted)
                else:
                    found |= _specialized_by_scan(code, table)
            except Exception:
                continue
        return sorted(found)
    except BaseException:
        return []


# -- driver ----------------------------------------------------------------------------

_finished = False


def _finish(status, namespace=None):
    global _finished
    if _finished:
        return
    _finished = True
    merged: dict[str, list[int]] = {}
    for table in list(_counter_tables):
        for label, (passed, failed) in list(table.items()):
            total = merged.setdefault(label, [0, 0])
            total[0] += passed
            total[1] += failed
    record = {"t": "end", "status": status, "checks": merged, "emit_dropped": dict(_emit_dropped)}
    if namespace is not None and _feedback:
        _specializations_seen.update(specializations(namespace))
        record["specializations"] = sorted(_specializations_seen)
    _write(record)


def install(report_path=None):
    """Install hooks and the API.  With no report path, records go nowhere (standalone)."""
    global _report_fd, _standalone, _stacks_fd
    if report_path:
        _report_fd = os.open(report_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    else:
        _standalone = True
    # The stubs refuse a None sys.__stderr__; faulthandler reads it as sys.stderr.
    faulthandler.enable(file=sys.__stderr__, all_threads=True)  # type: ignore[arg-type]
    if hasattr(faulthandler, "register") and hasattr(signal, "SIGUSR1"):
        # The executor sends SIGUSR1 before killing a hung run: all stacks, then SIGKILL.
        faulthandler.register(
            signal.SIGUSR1,
            file=sys.__stderr__,  # type: ignore[arg-type]
            all_threads=True,
            chain=False,
        )
        if report_path and hasattr(signal, "SIGUSR2"):
            # ... and SIGUSR2 to look at an idle run's stacks (a deadlock?) without
            # touching its stderr: they go to stacks.txt next to the report.
            _stacks_fd = os.open(
                os.path.join(os.path.dirname(report_path), STACKS_NAME), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
            )
            faulthandler.register(signal.SIGUSR2, file=_stacks_fd, all_threads=True, chain=False)
    sys.stderr = _StderrRouter(sys.stderr)
    sys.unraisablehook = _unraisable_hook
    threading.excepthook = _thread_excepthook
    api = types.ModuleType("tandem_harness")
    # The stubs know a module's own attributes only, not those it is given (here and in run_source).
    api.emit, api.observe, api.check, api.threads = emit, observe, check, threads  # type: ignore[attr-defined]
    api.record_specializations = record_specializations  # type: ignore[attr-defined]
    api.pause_for_inspection = pause_for_inspection  # type: ignore[attr-defined]
    sys.modules["tandem_harness"] = api
    # Paths the normalizer replaces: the stdlib (where os lives) and the directory of
    # compiled modules (where _json lives); sysconfig is not imported, it is slow.
    compiled = sys.modules.get("_json")
    _write(
        {
            "t": "start",
            "harness": HARNESS_VERSION,
            "version": "%d.%d.%d" % sys.version_info[:3],
            "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
            "debug": hasattr(sys, "gettotalrefcount"),
            "prefix": sys.prefix,
            "stdlib": os.path.dirname(os.__file__),
            "platstdlib": os.path.dirname(getattr(compiled, "__file__", None) or os.__file__),
            "pid": os.getpid(),
        }
    )


def run_path(path):
    """Run the program at `path` as __main__; return the process exit status."""
    with open(path, "rb") as handle:
        source = handle.read()
    return run_source(source, path)


def run_source(source, path):
    """Run `source` (compiled as file `path`) as __main__; return the exit status."""
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = builtins  # type: ignore[attr-defined]
    main.emit, main.observe, main.check, main.threads = emit, observe, check, threads  # type: ignore[attr-defined]
    main.pause_for_inspection = pause_for_inspection  # type: ignore[attr-defined]
    sys.modules["__main__"] = main
    sys.argv = [path]
    try:
        code = compile(source, path, "exec")
        exec(code, main.__dict__)
    except SystemExit as exc:
        exit_code = exc.code
        status = exit_code if isinstance(exit_code, int) else (0 if exit_code is None else 1)
        if not isinstance(exit_code, int) and exit_code is not None:
            _real_stderr.write("%s\n" % (exit_code,))
        _write({"t": "exit", "code": status})
        _finish("exit", main.__dict__)
        return status
    except BaseException as exc:
        import traceback

        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        _write(
            {
                "t": "exception",
                "type": _type_name(type(exc)),
                "msg": _clip(_safe_str(exc)),
                "tb": _clip(text),
                "phase": "compile" if isinstance(exc, SyntaxError) else "run",
            }
        )
        try:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        except BaseException:
            pass
        _finish("exception", main.__dict__)
        return 1
    _finish("ok", main.__dict__)
    return 0


# -- fork server ---------------------------------------------------------------------

WARM_MODULES = ("re", "functools", "collections", "weakref", "atexit")


def serve():
    """Fork-server mode: a warm interpreter that forks one child per request.

    Requests arrive on stdin as a 4-byte length and a marshal-encoded dict (marshal is
    built in: no import the fresh process would not do).  For each, the server answers
    "pid N" once the child exists and "exit STATUS" when it is gone (STATUS as
    subprocess's returncode: negative for a signal).  The child becomes what a fresh
    harness process would be: own session, stdin from /dev/null, stdout/stderr to the
    given named pipes, the given cwd, environment and limits, then the program."""
    # What every child imports (_serve_child, _exit_without_teardown), imported once here:
    # resource is an extension module, loaded from disk.
    import _weakref  # noqa: F401
    import marshal

    # Modules the generated programs import (fuzz/render_base.PRELUDE and the family
    # bodies), imported once here rather than in every child: `re` alone costs 4-9 ms
    # per run.  A child differs from a fresh process only in what sys.modules already
    # holds; every finding is confirmed in fresh processes anyway.
    for name in WARM_MODULES:
        try:
            __import__(name)
        except ImportError:
            pass
    # The first compile() of a source string builds the AST types of the interpreter
    # (PyAST_Check): 12% of a debug child's time for an empty program.  Every child would
    # build the same types; built here, they are inherited.
    compile("pass", "<tandem warm-up>", "exec")
    global _prctl
    try:  # every child dies with the server (the server, with its host: oracle/executor.py)
        import ctypes

        _prctl = ctypes.CDLL(None).prctl
    except (ImportError, OSError, AttributeError):
        pass
    read = sys.stdin.buffer.read
    while True:
        header = read(4)
        if len(header) < 4:
            return 0
        request = marshal.loads(read(int.from_bytes(header, "little")))
        if request["env"].get("TANDEM_SPECIALIZATIONS") == "1" and not _specialization_cache:
            # Feedback children read specializations with dis' tables: built once here
            # (the first request that asks), not imported and built in every child.
            _specialization_tables()
        pid = os.fork()
        if pid == 0:
            _serve_child(request)  # does not return
        os.write(1, ("pid %d\n" % pid).encode())
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        os.write(1, ("exit %d\n" % code).encode())


def _serve_child(request):
    global _real_stderr, _feedback
    try:
        import io

        inherited = (dict(sys.modules), dict(vars(builtins)))  # what the program did not make
        os.setsid()  # born in the server's pids cgroup, if there is one (oracle/sandbox.py)
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(request["stdout"], os.O_WRONLY)  # named pipes the host reads
        err = os.open(request["stderr"], os.O_WRONLY)
        for fd, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if _prctl is not None:
            _prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: a run does not outlive its fork server
        apply_limits(request["limits"])
        for fd, name in ((1, "stdout"), (2, "stderr")):
            stream = io.TextIOWrapper(
                io.FileIO(fd, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True
            )
            setattr(sys, name, stream)
            setattr(sys, "__%s__" % name, stream)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        sys.__stdin__ = sys.stdin  # type: ignore[misc]  # Final to the stubs; a fresh process's is this one
        _real_stderr = sys.stderr
        _feedback = request["env"].get("TANDEM_SPECIALIZATIONS") == "1"
        install(request["report"])
        status = run_path(request["program"])
    except BaseException as exc:  # the child must never fall back into the server loop
        try:
            os.write(2, ("tandem fork server child failed: %r\n" % (exc,)).encode())
        finally:
            os._exit(125)
    if not request.get("teardown", True):
        _exit_without_teardown(status, inherited)
    sys.exit(status)


def _exit_without_teardown(status, inherited):
    """End the child as Py_FinalizeEx would, except for what it inherited from the
    server (ForkServer.run with teardown=False).

    The steps of CPython 3.13's finalization, in its order: join the non-daemon threads,
    run the atexit callbacks, flush stdout and stderr, collect garbage; then module
    teardown (finalize_modules): builtins._ and the special sys attributes cleared, the
    standard streams restored, every sys.modules entry set to None and the dict
    emptied, builtins restored to what they were, garbage collected, the dicts of the
    modules still alive cleared (names with one leading underscore first, latest
    import first), garbage collected again.  What the child inherited from the server
    (the modules in sys.modules when it was forked: the stdlib the harness and the warm
    imports need) is kept alive and not cleared, and the interpreter's own teardown
    (types, interned strings, the allocator) is skipped: 60% of the CPU of an empty
    program's child on a debug build.  A bug that shows only there is not seen;
    every finding is confirmed in fresh processes, which always tear down.  A failure
    before module teardown starts (a flush that fails, an exception out of a callback)
    leaves the rest to the interpreter's full teardown, which reports it as a fresh
    process would."""
    import atexit
    from _weakref import ref
    from gc import collect  # bound here: gc itself may be a module this child made, cleared below

    modules_before, builtins_before = inherited
    if not isinstance(status, int) or not -(2**31) <= status < 2**31:
        sys.exit(status)
    try:
        threading._shutdown()  # type: ignore[attr-defined]  # private (what Py_FinalizeEx calls), not in the stubs
        atexit._run_exitfuncs()
        _flush_std_files()
    except BaseException:
        sys.exit(status)
    collect()
    kept = [m for name, m in list(sys.modules.items()) if modules_before.get(name) is m]
    kept_ids = {id(m) for m in kept}
    namespace = vars(builtins)
    namespace["_"] = None
    for name in (
        "path",
        "argv",
        "ps1",
        "ps2",
        "last_exc",
        "last_type",
        "last_value",
        "last_traceback",
        "__interactivehook__",
        "meta_path",
    ):
        setattr(sys, name, None)
    for name in ("stdin", "stdout", "stderr"):
        setattr(sys, name, getattr(sys, "__%s__" % name, None))
    alive = []
    module: types.ModuleType | None
    for name, module in list(sys.modules.items()):
        if isinstance(module, types.ModuleType):
            if id(module) not in kept_ids:
                alive.append(ref(module))
            sys.modules[name] = None  # type: ignore[assignment]  # as finalize_modules does; the stubs say modules only
    module = None
    sys.modules.clear()
    namespace.update(builtins_before)
    for name in [name for name in namespace if name not in builtins_before]:
        del namespace[name]
    collect()
    for reference in reversed(alive):
        module = reference()
        if module is not None and module.__dict__ is not namespace and module is not sys:
            _clear_module_dict(vars(module))
        module = None
    collect()
    try:
        _flush_std_files()
    except BaseException:
        status = 120  # Py_RunMain's status when finalization fails
    os._exit(status)


def _flush_std_files():
    """Flush sys.stdout and sys.stderr as CPython's flush_std_files does (None or closed
    streams skipped); raises what a flush raises."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not getattr(stream, "closed", False):
            stream.flush()


def _clear_module_dict(namespace):
    """What CPython's _PyModule_ClearDict does: names with one leading underscore set to
    None first, then every name but __builtins__."""
    for name in [k for k in namespace if isinstance(k, str) and k[:1] == "_" and k[1:2] != "_"]:
        namespace[name] = None
    for name in [k for k in namespace if isinstance(k, str) and k != "__builtins__"]:
        namespace[name] = None


CGROUP_GATE = "TANDEM_CGROUP_GATE"
LIMITS = "TANDEM_LIMITS"  # a fresh run's limits: "RLIMIT_AS=N,RLIMIT_FSIZE=N,RLIMIT_NPROC=N"
_prctl = None  # libc's prctl, in a fork server (see serve)


def apply_limits(limits):
    """The run's resource limits, the one rule for fresh and forked runs alike: each
    {RLIMIT name: value} (0: none) becomes both the soft and the hard limit (never above
    the hard limit inherited), so that the program cannot raise it again; no core files;
    a write past RLIMIT_FSIZE fails with EFBIG instead of killing with SIGXFSZ."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, value in limits.items():
        if value > 0:
            which = getattr(resource, name)
            hard = resource.getrlimit(which)[1]
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _await_cgroup(name, patience=5.0):
    """Wait until this process is in the run's cgroup `name`, which the host moves it
    into while the interpreter starts (oracle/executor.run): the program must not start
    (nor fork) before.  After `patience` seconds it starts anyway; the environment
    marker still finds its processes."""
    import time

    needle = "/" + name
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            with open("/proc/self/cgroup") as handle:
                if needle in handle.read():
                    return True
        except OSError:
            return False
        time.sleep(0.001)
    return False


def main(argv):
    if argv == ["--server"]:
        return serve()
    if len(argv) != 3 or argv[0] != "--report":
        _real_stderr.write("usage: _child.py --report REPORT PROGRAM | --server\n")
        return 2
    gate = os.environ.pop(CGROUP_GATE, None)  # not seen by the program
    if gate:
        _await_cgroup(gate)
    limits = os.environ.pop(LIMITS, None)
    if limits:
        apply_limits({name: int(value) for name, value in (item.split("=") for item in limits.split(","))})
    install(argv[1])
    return run_path(argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
