# Exercises a trace function switched on and off for all threads (threading.
# settrace_all_threads on 3.12+, per-thread sys.settrace on 3.11) while workers run loops
# and calls.  The tracer counts events, which are only observed; results are pure.
import sys
import threading

WORKERS = 3
SWITCHES = 200
ALL_THREADS = hasattr(threading, "settrace_all_threads")
seen = []


def tracer(frame, event, arg):
    if len(seen) < 100000:
        seen.append(event)
    return tracer if event == "call" else None


def work(n):
    total = 0
    for i in range(n):
        total += (i * i) % 11
    return total


def worker(k):
    def run():
        out = []
        for i in range(60):
            if not ALL_THREADS:
                sys.settrace(tracer if i % 2 else None)
            out.append(work(50 + k + i % 7))
        sys.settrace(None)
        return sum(out)
    return run


def switcher():
    for i in range(SWITCHES):
        if ALL_THREADS:
            threading.settrace_all_threads(tracer if i % 2 == 0 else None)
        else:
            sys.settrace(tracer if i % 2 == 0 else None)
            work(5)
    if ALL_THREADS:
        threading.settrace_all_threads(None)
    sys.settrace(None)
    return SWITCHES


results = threads(*[worker(k) for k in range(WORKERS)], switcher)
if ALL_THREADS:
    threading.settrace_all_threads(None)
sys.settrace(None)
emit("results", results)
emit("trace off in main", sys.gettrace() is None)
observe("tracer saw events", len(seen) > 0, (True, False))
check(set(seen) <= {"call", "line", "return", "exception", "opcode"}, "known trace events", sorted(set(seen)))
