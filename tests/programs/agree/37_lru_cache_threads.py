# Exercises a functools.lru_cache (unbounded and bounded) shared by threads calling it on
# overlapping keys.  Results are pure functions of the key; hits+misses always equals the
# number of calls and the cache holds each distinct key once: those totals are emitted.
import functools

THREADS = 4
CALLS = 3000
KEYS = 200


@functools.lru_cache(maxsize=None)
def unbounded(n):
    return sum(i * i for i in range(n % 40))


@functools.lru_cache(maxsize=64)
def bounded(n):
    return n * 3 + 1


def worker(t):
    def run():
        total = 0
        for i in range(CALLS):
            key = (i * 7 + t * 13) % KEYS
            value = unbounded(key)
            check(value == sum(j * j for j in range(key % 40)), "unbounded value", key)
            small = bounded(key)
            check(small == key * 3 + 1, "bounded value", key)
            total += value + small
        return total
    return run


results = threads(*[worker(t) for t in range(THREADS)])
u, b = unbounded.cache_info(), bounded.cache_info()
emit("totals", results)
emit("unbounded calls", u.hits + u.misses)
emit("unbounded size", u.currsize)
emit("bounded calls", b.hits + b.misses)
emit("bounded size", b.currsize)
observe("unbounded misses", u.misses >= KEYS, (True,))
