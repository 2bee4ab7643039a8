# Known bug (3.13t), found by a 30-minute ft-tsan campaign (hooks family): with the perf
# trampoline active, two threads run new code objects at once, each compiling its
# trampoline.  code_arena_new_code (Python/perf_trampoline.c) takes space from the shared
# code arena (current_addr, size_left) without a lock, and py_trampoline_evaluator reads
# and writes the shared state unsynchronized: two threads can get overlapping trampolines.
# ThreadSanitizer: race code_arena_new_code@perf_trampoline.c ~
# compile_trampoline@perf_trampoline.c (also `code_arena_new_code ~ itself`,
# `py_trampoline_evaluator ~ itself`, `_PyPerfTrampoline_Init ~ py_trampoline_evaluator`).
import sys
sys.activate_stack_trampoline("perf")

def make():
    for i in range(300):
        exec(f"def f{i}(): return {i}\nf{i}()", {})

try:
    threads(make, make)
finally:
    sys.deactivate_stack_trampoline()
emit("active", sys.is_stack_trampoline_active())
