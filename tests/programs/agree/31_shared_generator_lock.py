# Exercises one generator (and one iterator chain) consumed by several threads, each
# next() serialized by a lock because generators are not re-entrant.  Every item is taken
# by exactly one thread, so the union of consumed items and its sum are schedule-independent.
import itertools
import threading

THREADS = 4
N = 8000
lock = threading.Lock()


def numbers():
    for i in range(N):
        yield i * 3


source = numbers()
chain = itertools.chain(range(1000), iter([10 ** 6]))


def consumer():
    taken = []
    while True:
        with lock:
            item = next(source, None)
        if item is None:
            break
        taken.append(item)
    extra = []
    while True:
        with lock:
            item = next(chain, None)
        if item is None:
            break
        extra.append(item)
    check(taken == sorted(taken), "a thread sees increasing items", None)
    return taken, extra


results = threads(*[consumer for _ in range(THREADS)])
items = sorted(x for taken, _ in results for x in taken)
extras = sorted(x for _, extra in results for x in extra)
emit("count", len(items))
emit("sum", sum(items))
emit("exactly once", items == [i * 3 for i in range(N)])
emit("chain", (len(extras), sum(extras)))
emit("generator exhausted", (next(source, "done"), source.gi_frame is None))
