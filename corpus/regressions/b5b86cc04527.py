# Exercises the PEP 523 eval-frame hook (_testinternalcapi.set_eval_frame_record)
# installed before worker threads start and removed after they joined: all frames of the
# workers (calls, generators, a class's __init__, functions compiled at run time) are
# evaluated through the hook, which appends the function name to a list shared by all
# threads.  Results must equal a plain run; every worker function must be recorded, and
# the perf trampoline must refuse to start over a custom eval frame (a RuntimeError with
# a fixed message).  Skipped parts where the test hook does not exist.
import sys

try:
    import _testinternalcapi
except ImportError:
    _testinternalcapi = None

HOOK = _testinternalcapi is not None and hasattr(_testinternalcapi, "set_eval_frame_record")


class Point:
    def __init__(self, x):
        self.x = x
        self.y = x * 2


def squares(n):
    for i in range(n):
        yield i * i


def leaf(a, b=3):
    return a * b


def worker_body(k):
    total = 0
    for i in range(300):
        total += leaf(i) + Point(i).y + sum(squares(i % 7))
    return total + k


def worker(k):
    return lambda: worker_body(k)


plain = [worker_body(k) for k in range(3)]
record = []
refusal = None
if HOOK:
    _testinternalcapi.set_eval_frame_record(record)
    if hasattr(sys, "activate_stack_trampoline"):
        try:
            sys.activate_stack_trampoline("perf")
        except RuntimeError as exc:
            refusal = str(exc)
        else:
            sys.deactivate_stack_trampoline()
            refusal = "activated"
results = threads(*[worker(k) for k in range(3)])
if HOOK:
    _testinternalcapi.set_eval_frame_default()
check(results == plain, "results through the hook equal a plain run", (results, plain))
emit("results", results)
emit("trampoline over a custom eval frame", refusal if HOOK and hasattr(sys, "activate_stack_trampoline") else "n/a")
names = set(record)
if HOOK:
    check({"worker_body", "leaf", "__init__", "squares", "<lambda>"} <= names, "every worker function recorded",
          sorted(names))
    check(record.count("worker_body") == 3, "each worker entered once through the hook", record.count("worker_body"))
seen = len(record)
leaf(1)
emit("hook removed: nothing more recorded", len(record) == seen)
