# Exercises threading.Event chains: thread k waits for event k, appends to the log, clears
# it and sets event k+1 (a token ring), for several laps.  Only one thread holds the token
# at any time, so the log is one fixed sequence on every schedule.
import threading

THREADS = 5
LAPS = 120
events = [threading.Event() for _ in range(THREADS)]
log = []


def station(k):
    def run():
        for lap in range(LAPS):
            ok = events[k].wait(timeout=60)
            check(ok, "token arrived", (k, lap))
            events[k].clear()
            log.append((lap, k))
            events[(k + 1) % THREADS].set()
        return k
    return run


def starter():
    events[0].set()
    return "started"


results = threads(*[station(k) for k in range(THREADS)], starter)
emit("results", results)
emit("log length", len(log))
emit("log exact", log == [(lap, k) for lap in range(LAPS) for k in range(THREADS)])
emit("final flags", [e.is_set() for e in events])
