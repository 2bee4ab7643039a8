# Exercises the perf trampoline (sys.activate_stack_trampoline("perf")) activated once
# before worker threads start and deactivated after they joined: every Python frame of
# the workers (fresh code objects compiled at run time, closures, generators, methods)
# goes through a trampoline, and the results must be those of a plain run.  Activation
# state is emitted before and after; /tmp/perf-<pid>.map is removed at the end.  Where
# the trampoline does not exist (or is refused) the same work runs plainly.
import os
import sys

PERF_MAP = "/tmp/perf-%d.map" % os.getpid()
SOURCE = """
def made_{k}(n):
    acc = 0
    for i in range(n):
        acc += (i * {k}) % 13
    return acc
"""


class Acc:
    def __init__(self, start):
        self.total = start

    def add(self, value):
        self.total += value
        return self


def gen(n):
    for i in range(n):
        yield i * i


def worker(k):
    def run():
        namespace = {}
        exec(SOURCE.format(k=k), namespace)
        made = namespace["made_%d" % k]
        acc = Acc(k)
        for i in range(200):
            acc.add(made(20 + i % 5)).add(sum(gen(i % 9)))
        return acc.total
    return run


plain = [worker(k)() for k in range(3)]
active = False
if hasattr(sys, "activate_stack_trampoline"):
    try:
        sys.activate_stack_trampoline("perf")
        active = sys.is_stack_trampoline_active()
    except (ValueError, RuntimeError):
        active = False
observe("trampoline activated", active, (True, False))
results = threads(*[worker(k) for k in range(3)])
if active:
    sys.deactivate_stack_trampoline()
check(results == plain, "results under the trampoline equal a plain run", (results, plain))
emit("results", results)
emit("inactive at the end", not getattr(sys, "is_stack_trampoline_active", lambda: False)())
try:
    os.unlink(PERF_MAP)
except FileNotFoundError:
    pass
emit("perf map removed", not os.path.exists(PERF_MAP))
