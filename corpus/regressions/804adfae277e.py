# Known bug (3.13t), found while building this corpus: threading.settrace_all_threads
# switched on and off by one thread while three workers run generators and calls under
# a tracer that turns on per-opcode tracing (frame.f_trace_opcodes = True).  The workers
# must keep computing the same results.  On 3.13 free-threaded builds call_trace_func
# (Python/legacy_tracing.c) checks tstate->c_tracefunc != NULL, then calls
# _PyEval_SetOpcodeTrace (which can stop the world), during which the other thread
# clears the trace function; it then calls the NULL c_tracefunc: SIGSEGV at address 0
# (debug and release builds).  Never under the GIL.
import sys
import threading

HAVE_ALL = hasattr(threading, "settrace_all_threads")
stop = threading.Event()
events = set()


def tracer(frame, event, arg):
    events.add(event)
    if event == "call":
        frame.f_trace_opcodes = True
    return tracer


def gen(n):
    for i in range(n):
        yield i * i


def work(k):
    return sum(gen(20 + k)) + sum(map(abs, range(-k, k)))


def worker(k):
    def run():
        first = work(k)
        rounds = 0
        while not stop.is_set() or rounds < 5:
            check(work(k) == first, "result unchanged under opcode tracing", k)
            rounds += 1
        sys.settrace(None)
        return first
    return run


def switcher():
    for i in range(150):
        if HAVE_ALL:
            threading.settrace_all_threads(tracer if i % 2 == 0 else None)
        for _ in range(200):
            pass
    if HAVE_ALL:
        threading.settrace_all_threads(None)
    stop.set()
    return True


results = threads(*[worker(k) for k in range(3)], switcher)
sys.settrace(None)
emit("results", results)
emit("plain", [work(k) for k in range(3)])
emit("trace off", (sys.gettrace(), threading.gettrace()))
check(events <= {"call", "line", "return", "exception", "opcode"}, "known trace events", sorted(events))
