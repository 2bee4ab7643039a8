# Known bug (3.13.15): the perf trampoline activated and deactivated three times in a
# row, with a Python function called while it is active each time.  Every activation
# must work and the interpreter must shut down cleanly.  3.13.15 crashes at exit:
# SIGSEGV on release builds, "notify_code_watchers: Assertion `cb != NULL' failed"
# (Objects/codeobject.c) on debug builds.  Each re-activation in _PyPerfTrampoline_Init
# (Python/perf_trampoline.c) registers another code watcher and resets
# trampoline_refcount to 1 while code objects of the earlier activation still hold
# trampolines, so the watcher bookkeeping ends up with an active watcher bit whose
# callback was cleared.  The perf map /tmp/perf-<pid>.map is removed at the end.
import os
import sys

PERF_MAP = "/tmp/perf-%d.map" % os.getpid()


def work(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


results = []
if hasattr(sys, "activate_stack_trampoline"):
    for round_ in range(3):
        sys.activate_stack_trampoline("perf")
        check(sys.is_stack_trampoline_active(), "trampoline active after activate", round_)
        results.append(work(1000 + round_))
        sys.deactivate_stack_trampoline()
        check(not sys.is_stack_trampoline_active(), "trampoline inactive after deactivate", round_)
else:
    results = [work(1000 + round_) for round_ in range(3)]
emit("results", results)
try:
    os.unlink(PERF_MAP)
except FileNotFoundError:
    pass
emit("perf map removed", not os.path.exists(PERF_MAP))
