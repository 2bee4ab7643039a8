# Known bug (3.13t), found by a 30-minute ft-tsan campaign (hooks family: 4 race buckets),
# reduced by hand.
# The perf trampoline activated by one thread while two others call functions: the
# interpreter's eval-frame function is replaced (_PyPerfTrampoline_Init,
# _PyInterpreterState_SetEvalFrameFunc) while other threads read it to evaluate frames,
# without synchronization (Python/perf_trampoline.c, Python/pystate.c).  One activation
# only: 3.13.15 leaks a code watcher per activation (see 238c47dc9d6c).
import sys

def shared(x):
    return x + 1

def activate():
    sys.activate_stack_trampoline("perf")

def work():
    return sum(shared(i) for i in range(3000))

try:
    results = threads(activate, work, work)
finally:
    sys.deactivate_stack_trampoline()
emit("totals", results[1:])
