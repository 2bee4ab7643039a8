# Exercises a shared set with adds and discards of disjoint ranges by three writers
# while two readers test membership of values no writer touches (always present or
# always absent), iterate over copies and take len().  Membership of untouched values
# must never flicker during resizes; the final set is exact.
STABLE_IN = set(range(-1000, 0))
shared = set(STABLE_IN)
done = []
WRITERS = 3
PER = 6000


def writer(w):
    def run():
        base = w * 1000000
        for i in range(PER):
            shared.add(base + i)
            if i % 3 == 2:
                shared.discard(base + i - 1)
        done.append(w)
        return w
    return run


def reader(r):
    def run():
        rounds = 0
        while len(done) < WRITERS or rounds < 3:
            for v in (-1, -500, -1000):
                check(v in shared, "untouched member always present", v)
            for v in (-2000, 999999, 5000000):
                check(v not in shared, "untouched non-member never present", v)
            snapshot = set(shared)
            check(STABLE_IN <= snapshot, "copy holds all untouched members", len(snapshot))
            check(len(snapshot) >= len(STABLE_IN), "len never below the untouched members")
            rounds += 1
        return rounds > 0
    return run


results = threads(*[writer(w) for w in range(WRITERS)], reader(0), reader(1))
expected = set(STABLE_IN)
for w in range(WRITERS):
    for i in range(PER):
        expected.add(w * 1000000 + i)
        if i % 3 == 2:
            expected.discard(w * 1000000 + i - 1)
emit("results", results)
emit("final", (len(shared), shared == expected))
