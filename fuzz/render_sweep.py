"""Body of `alloc_sweep` programs.  While allocations fail the program only runs the
operation and keeps the exception; it is judged after the hooks are removed.  Nothing
that depends on allocation counts (which differ between builds) is emitted: outcomes are
observations, and what must never happen is a check.
"""

from __future__ import annotations

import textwrap

from .render_base import Code
from .scenario import Scenario

SUPPORT = '''\
import _testcapi
import collections, copy, gc, io, operator, pickle, re, types

_FAIL = _testcapi.set_nomemory
_RESTORE = _testcapi.remove_mem_hooks
_NULL_WITHOUT_ERROR = ('without setting an exception', 'with an exception set', 'error return without exception set')
_UNRAISABLE = [0]
_STARTED = []


def _quiet_unraisable(event):
    _UNRAISABLE[0] += 1


def _noop():
    pass


def _join_started():
    while _STARTED:
        thread = _STARTED.pop()
        if thread.ident is not None:   # start() may have failed before the thread existed
            thread.join(10)


def _profile(frame, event, arg):
    return None


def _trace(frame, event, arg):
    return None


def _init_function(self):
    self.ready = True


class _Point:
    def __init__(self, x, y):
        self.x = x
        self.y = [y]


class _Defaults:
    def __init__(self, a=1, *rest, b=(2, 3), **extra):
        self.total = a + len(rest) + len(b) + len(extra)


class _Sub(_Point):
    def __init__(self, x):
        super().__init__(x, x)
        self.z = {x: x}


class _Error(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class _Hooked:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.registered = [cls.__name__]


class _Dying:
    def __del__(self):
        raise ValueError('from __del__')


def _memory_error_in_chain(exc):
    for _ in range(32):
        if exc is None:
            return False
        if isinstance(exc, MemoryError):
            return True
        # the chain a traceback shows: a context suppressed by `from None` is lost
        exc = exc.__cause__ if exc.__cause__ is not None or exc.__suppress_context__ else exc.__context__
    return False


def _sweep(name, operation, after, start, count, span):
    """(outcomes seen, problems): an outcome per n is 'ok', 'MemoryError',
    'caused by MemoryError' or 'own error'."""
    try:
        operation()
        own = None
    except Exception as exc:
        own = type(exc)
    after()
    if own is NameError:
        return set(), []   # not available here: the same on every build
    outcomes, problems = set(), []
    for n in range(start, start + count):
        caught = None
        _FAIL(n, n + span if span else 0)
        try:
            operation()
        except BaseException as exc:
            caught = exc
        finally:
            _RESTORE()
        after()
        if caught is None:
            outcomes.add('ok')
        elif isinstance(caught, MemoryError):
            outcomes.add('MemoryError')
        elif isinstance(caught, SystemError) and any(s in str(caught) for s in _NULL_WITHOUT_ERROR):
            problems.append(('SystemError: ' + re.sub(r'0x[0-9a-f]+', '0x?', str(caught)), name, n))
        elif _memory_error_in_chain(caught):
            outcomes.add('caused by MemoryError')
        elif own is not None and isinstance(caught, own):
            outcomes.add('own error')
        else:
            problems.append(('error lost its MemoryError cause: %s raised %s' % (name, type(caught).__name__),
                             name, '%d: %s' % (n, caught)))
    return outcomes, problems
'''


MAPPING_SUPPORT = '''\
import mmap, resource


def _vm_size():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmSize:'):
                return int(line.split()[1]) * 1024
    return 0


def _under_limit(name, operation, after, headrooms_mb, documented=()):
    """Each headroom: the soft address-space limit that far above current use, the
    operation once, the limit lifted; judged like a sweep's outcome."""
    outcomes, problems = set(), []
    saved = resource.getrlimit(resource.RLIMIT_AS)
    for headroom in headrooms_mb:
        caught = None
        limit = _vm_size() + headroom * (1 << 20)
        if saved[1] != resource.RLIM_INFINITY:
            limit = min(limit, saved[1])
        resource.setrlimit(resource.RLIMIT_AS, (limit, saved[1]))
        try:
            operation()
        except BaseException as exc:
            caught = exc
        finally:
            resource.setrlimit(resource.RLIMIT_AS, saved)
        after()
        if caught is None:
            outcomes.add('ok')
        elif isinstance(caught, (MemoryError, OSError)):   # mmap and thread start report ENOMEM as OSError
            outcomes.add('MemoryError')
        elif isinstance(caught, SystemError) and any(s in str(caught) for s in _NULL_WITHOUT_ERROR):
            problems.append(('SystemError: ' + re.sub(r'0x[0-9a-f]+', '0x?', str(caught)), name, headroom))
        elif _memory_error_in_chain(caught):
            outcomes.add('caused by MemoryError')
        elif isinstance(caught, documented):
            outcomes.add('own error')
        else:
            problems.append(('error lost its MemoryError cause under a memory limit: %s raised %s'
                             % (name, type(caught).__name__), name, '%d MiB: %s' % (headroom, caught)))
    return outcomes, problems
'''


def render_body(code: Code, scenario: Scenario) -> None:
    settings = scenario.settings
    code(*SUPPORT.rstrip("\n").split("\n"))
    code.blank()
    mapping = settings.get("mapping", [])
    if mapping:
        code(*MAPPING_SUPPORT.rstrip("\n").split("\n"))
        code.blank()
    names = []
    for index, operation in enumerate(settings["operations"]):
        code(f"def _op_{index}():").indent()
        code(*textwrap.dedent(operation["body"]).split("\n")).dedent().blank()
        code(f"def _after_{index}():").indent()
        code(*(textwrap.dedent(operation["after"]).split("\n") if operation["after"] else ["pass"])).dedent().blank()
        names.append(operation["name"])
    code(
        "_saved_hook = sys.unraisablehook",
        "sys.unraisablehook = _quiet_unraisable  # how many depends on the build's allocation counts",
        "try:",
    ).indent()
    code("_swept = []")
    for index, name in enumerate(names):
        code(
            f"_outcomes, _problems = _sweep({name!r}, _op_{index}, _after_{index}, "
            f"{settings['start']}, {settings['count']}, {settings['span']})"
        )
        code("_swept.append((_outcomes, _problems))")
    for index, operation in enumerate(mapping):
        code(f"def _map_{index}():").indent()
        code(*textwrap.dedent(operation["body"]).split("\n")).dedent()
        code(f"def _map_after_{index}():").indent()
        code(*(textwrap.dedent(operation["after"]).split("\n") if operation["after"] else ["pass"])).dedent()
        documented = ", ".join(operation.get("errors", "").split()) + ("," if operation.get("errors") else "")
        code(
            f"_swept.append(_under_limit({operation['name'] + ' (memory limit)'!r}, _map_{index}, "
            f"_map_after_{index}, {settings['headrooms_mb']!r}, ({documented})))"
        )
        names.append(operation["name"] + " (memory limit)")
    code.dedent()
    code("finally:").indent()
    code("sys.unraisablehook = _saved_hook").dedent()
    code("gc.collect()")
    code(f"for _name, (_outcomes, _problems) in zip({names!r}, _swept):").indent()
    code("for _outcome in sorted(_outcomes):").indent()
    code("observe('sweep ' + _name, _outcome, allowed={'ok', 'MemoryError', 'caused by MemoryError', 'own error'})")
    code.dedent()
    code("for _label, _where, _detail in _problems:").indent()
    code("check(False, _label, detail='%s at n=%s' % (_where, _detail))").dedent().dedent()
    code(f"emit('operations swept', {len(names)})")
