# Exercises a shared set mutated by threads with disjoint element ranges (add, discard,
# update, remove) while another thread repeatedly copies it and reads a frozenset.  Each
# element is owned by one thread, so the final set is schedule-independent (emitted sorted).

THREADS = 4
SPAN = 3000
shared = set()
constant = frozenset(range(0, 100, 3))


def worker(t):
    def run():
        base = t * SPAN
        for i in range(base, base + SPAN):
            shared.add(i)
        for i in range(base, base + SPAN, 2):
            shared.discard(i)
        extra = range(100000 + base, 100000 + base + 50)
        shared.update(extra)
        shared.difference_update(extra)
        for i in range(base + 1, base + SPAN, 4):
            shared.remove(i)
        hits = sum(1 for x in range(100) if x in constant)
        return hits
    return run


def copier():
    sizes = 0
    for _ in range(300):
        snapshot = set(shared)
        check(len(snapshot) <= THREADS * SPAN, "snapshot bounded", len(snapshot))
        sizes += 1
        check(len(constant & {0, 3, 4}) == 2, "frozenset intersection", None)
    return sizes


results = threads(*[worker(t) for t in range(THREADS)], copier)
emit("returns", results)
final = sorted(shared)
emit("size", len(final))
emit("sum", sum(final))
emit("head", final[:12])
emit("matches model", final == sorted(i for t in range(THREADS) for i in range(t * SPAN, (t + 1) * SPAN)
                                      if i % 2 == 1 and (i - t * SPAN - 1) % 4 != 0))
