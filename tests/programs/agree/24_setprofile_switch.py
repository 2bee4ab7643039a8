# Exercises a profile function switched on and off for all threads (threading.
# setprofile_all_threads on 3.12+, per-thread sys.setprofile on 3.11) while workers run
# pure recursive code.  The profiler only counts events, which are merely observed.
import sys
import threading

WORKERS = 3
SWITCHES = 300
events = []
ALL_THREADS = hasattr(threading, "setprofile_all_threads")


def profiler(frame, event, arg):
    if len(events) < 200000:
        events.append(event)


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def worker(k):
    def run():
        results = []
        for i in range(40):
            if not ALL_THREADS:
                sys.setprofile(profiler if i % 2 else None)
            results.append(fib(10 + (i + k) % 5))
            results.append(sorted([(j * 7919) % 101 for j in range(50)])[k])
        sys.setprofile(None)
        return sum(results)
    return run


def switcher():
    for i in range(SWITCHES):
        if ALL_THREADS:
            threading.setprofile_all_threads(profiler if i % 2 == 0 else None)
        else:
            sys.setprofile(profiler if i % 2 == 0 else None)
            fib(5)
    if ALL_THREADS:
        threading.setprofile_all_threads(None)
    sys.setprofile(None)
    return SWITCHES


results = threads(*[worker(k) for k in range(WORKERS)], switcher)
if ALL_THREADS:
    threading.setprofile_all_threads(None)
sys.setprofile(None)
emit("results", results)
emit("profile off in main", sys.getprofile() is None)
observe("profiler saw events", len(events) > 0, (True, False))
check(set(events) <= {"call", "return", "c_call", "c_return", "c_exception"}, "known profile events",
      sorted(set(events)))
