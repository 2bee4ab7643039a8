# Known bug (3.13), found by a 30-minute alloc_sweep campaign on ft-debug, minimized by
# tandem minimize (333 -> 57 lines): dictiter_new (Objects/dictobject.c) releases a new
# items iterator whose result tuple could not be allocated before the iterator was ever
# tracked by the GC, and dictiter_dealloc untracks it anyway: the assertion
# _PyObject_GC_IS_TRACKED in _PyObject_GC_UNTRACK on debug builds.  Without the thread-start
# sweep before it the assertion did not show in a few hand runs (likely because PyTuple_Pack
# takes the 2-tuple from its free list instead of allocating).
# tandem-env: MIMALLOC_ARENA_RESERVE=4M
import sys
import threading
import _testcapi
import collections, copy, gc, io, operator, pickle, re, types
_FAIL = _testcapi.set_nomemory
_RESTORE = _testcapi.remove_mem_hooks
_NULL_WITHOUT_ERROR = ('without setting an exception', 'with an exception set', 'error return without exception set')
_STARTED = []

def _noop():
    pass

def _join_started():
    pass

def _memory_error_in_chain(exc):
    return False

def _sweep(name, operation, after, start, count, span):
    try:
        operation()
    except Exception as exc:
        pass
    outcomes, problems = (set(), [])
    for n in range(start, start + count):
        _FAIL(n, n + span if span else 0)
        try:
            operation()
        except BaseException as exc:
            pass
        finally:
            _RESTORE()
    return (outcomes, problems)

def _op_0():
    _t = threading.Thread(target=_noop)
    _STARTED.append(_t)
    _t.start()

def _after_0():
    _join_started()

def _op_1():
    _o = collections.Counter({'a': 2, 'b': 1})
    _o.elements()

def _after_1():
    pass
_saved_hook = sys.unraisablehook
try:
    _swept = []
    _outcomes, _problems = _sweep('thread_start', _op_0, _after_0, 1, 40, 4)
    _swept.append((_outcomes, _problems))
    _outcomes, _problems = _sweep('Counter.elements', _op_1, _after_1, 1, 40, 4)
finally:
    pass
