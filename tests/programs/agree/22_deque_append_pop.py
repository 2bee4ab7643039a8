# Exercises a shared collections.deque: each thread appends to both ends and pops at most as
# many items as it appended, so no pop finds it empty; popped plus remaining items equal all
# appended ones, so totals are schedule-independent.  The maxlen deque's len() is checked only
# after joining (on 3.13t a concurrent len() can transiently see maxlen + 1).
import collections

THREADS = 4
PER_THREAD = 4000
shared = collections.deque()
bounded = collections.deque(maxlen=50)


def worker(t):
    def run():
        popped = []
        base = t * PER_THREAD
        for i in range(base, base + PER_THREAD):
            if i % 2:
                shared.append(i)
            else:
                shared.appendleft(i)
            bounded.append(i)
            if i % 3 == 0:
                popped.append(shared.pop() if i % 2 else shared.popleft())
        return popped
    return run


results = threads(*[worker(t) for t in range(THREADS)])
popped = [x for chunk in results for x in chunk]
remaining = list(shared)
everything = sorted(popped + remaining)
emit("popped count", len(popped))
emit("remaining count", len(remaining))
emit("all accounted", everything == list(range(THREADS * PER_THREAD)))
emit("sum", sum(everything))
emit("bounded len", len(bounded))
check(all(0 <= x < THREADS * PER_THREAD for x in bounded), "bounded items valid", list(bounded))
shared.rotate(3)
emit("rotate keeps size", len(shared) == len(remaining))
