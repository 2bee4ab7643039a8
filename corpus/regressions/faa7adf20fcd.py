# Known bug (3.13t debug): the PEP 523 eval-frame hook installed while three threads run
# fib(12) in loops.  Installing the hook must only route later frames through it; the
# running threads must keep computing the same values.  On 3.13 free-threaded debug
# builds CALL checks interp->eval_frame == NULL before inlining a Python call and
# DISPATCH_INLINED asserts it again; a hook installed between the two reads (no
# stop-the-world in _PyInterpreterState_SetEvalFrameFunc) trips "Assertion
# `tstate->interp->eval_frame == NULL' failed" (Python/generated_cases.c.h, CALL).
# The hook is _testinternalcapi.set_eval_frame_record (skipped where it does not exist);
# it is installed once and removed with set_eval_frame_default() only after the join
# (removing it while threads run makes the test hook itself append to a NULL list).
import threading

try:
    import _testinternalcapi
except ImportError:
    _testinternalcapi = None

HOOK = _testinternalcapi is not None and hasattr(_testinternalcapi, "set_eval_frame_record")
record = []
started = []
stop = threading.Event()


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def worker():
    rounds = 0
    while not stop.is_set() or rounds < 3:
        check(fib(12) == 144, "fib(12) == 144 while the hook is installed")
        rounds += 1
        if rounds == 2:
            started.append(1)
    return rounds > 0


def installer():
    while len(started) < 3:
        pass
    if HOOK:
        _testinternalcapi.set_eval_frame_record(record)
    for _ in range(20000):
        pass
    stop.set()
    return HOOK


results = threads(worker, worker, worker, installer)
if HOOK:
    _testinternalcapi.set_eval_frame_default()
emit("results", results[:3])
check(all(isinstance(name, str) for name in record[:1000]), "records are function names")
observe("hook recorded fib", "fib" in record, (True, False))
