# Exercises concurrent list.append/extend on one shared list from several threads while a
# reader samples len().  Every append lands exactly once in any interleaving, so the final
# length, sum and sorted contents are schedule-independent; the reader only checks bounds.

THREADS = 4
PER_THREAD = 5000
shared = []


def appender(k):
    def run():
        base = k * PER_THREAD
        for i in range(base, base + PER_THREAD, 2):
            shared.append(i)
            shared.extend((i + 1,))
        return k
    return run


def reader():
    last = 0
    samples = 0
    while last < THREADS * PER_THREAD and samples < 50000:
        n = len(shared)
        check(n >= last, "len never shrinks", (last, n))
        check(n <= THREADS * PER_THREAD, "len within bound", n)
        last = n
        samples += 1
        if n:
            item = shared[n - 1]
            check(0 <= item < THREADS * PER_THREAD, "item in range", item)
    return True


results = threads(*[appender(k) for k in range(THREADS)], reader)
emit("returns", results)
emit("length", len(shared))
emit("sum", sum(shared))
emit("exact contents", sorted(shared) == list(range(THREADS * PER_THREAD)))
per_thread_order = all(
    [x for x in shared if x // PER_THREAD == k] == list(range(k * PER_THREAD, (k + 1) * PER_THREAD))
    for k in range(THREADS))
emit("per-thread order preserved", per_thread_order)
