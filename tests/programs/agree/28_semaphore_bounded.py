# Exercises BoundedSemaphore limiting concurrency to 2 of 5 threads: inside the guarded
# region threads track the number of active holders under a lock and check the bound.
# Entry counts are fixed by the loops; over-release raises ValueError deterministically.
import threading

THREADS = 5
ENTRIES = 600
LIMIT = 2
sem = threading.BoundedSemaphore(LIMIT)
guard = threading.Lock()
state = {"active": 0, "max": 0, "entries": 0}


def worker():
    for _ in range(ENTRIES):
        with sem:
            with guard:
                state["active"] += 1
                state["entries"] += 1
                state["max"] = max(state["max"], state["active"])
                check(state["active"] <= LIMIT, "at most LIMIT holders", state["active"])
            _ = sum(range(20))
            with guard:
                state["active"] -= 1
    return True


results = threads(*[worker for _ in range(THREADS)])
emit("results", results)
emit("entries", state["entries"])
emit("active at end", state["active"])
observe("max concurrency", state["max"], (1, 2))
try:
    sem.release()
except ValueError as exc:
    emit("over release", type(exc).__name__)
plain = threading.Semaphore(0)
emit("nonblocking acquire on empty", plain.acquire(blocking=False))
plain.release(3)
emit("after release(3)", [plain.acquire(blocking=False) for _ in range(4)])
