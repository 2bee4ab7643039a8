# Exercises thread-local bytecode (co_tlbc) at a cold start: eight threads released
# together call the same never-run function at once, so each makes its own copy of the
# bytecode and specializes it concurrently (where the specializer runs) with different
# operand types per thread: int, float, str, tuple and mixed.  Every thread's result is
# computed again in the main thread afterwards and must be identical.
THREADS = 8


def kernel(values, scale):
    total = values[0] * 0
    count = 0
    for v in values:
        total = total + v * scale
        if count % 3 == 0:
            total = total + v
        count += 1
    return total, count, len(values)


def inputs(k):
    kinds = [
        [i for i in range(200)],
        [i * 0.5 for i in range(200)],
        ["a%d" % (i % 10) for i in range(60)],
        [(i,) for i in range(40)],
        [i if i % 2 else i * 1.5 for i in range(200)],
    ]
    values = kinds[k % len(kinds)]
    scale = 1 if k % len(kinds) in (2, 3) else k + 2
    return values, scale


def worker(k):
    def run():
        values, scale = inputs(k)
        results = [kernel(values, scale) for _ in range(30)]
        return results[0] if all(r == results[0] for r in results) else ("unstable", k)
    return run


results = threads(*[worker(k) for k in range(THREADS)])
again = [kernel(*inputs(k)) for k in range(THREADS)]
check(results == again, "each thread's result equals the main thread's", (results, again))
emit("results", [repr(r)[:80] for r in results])
