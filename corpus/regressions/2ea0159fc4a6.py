# Exercises a shared list grown by four threads through every appending path at once:
# list.append in a loop, a comprehension whose element expression appends (an inlined
# comprehension, PEP 709), extend() from a generator, `+=` with a list, and insert(0).
# Appends may interleave in any order, but nothing may be lost or duplicated, so the
# length, the sum and the sorted contents are exact.
THREADS = 4
PER = 2000
shared = []


def appender(t):
    base = t * 100000

    def run():
        for i in range(PER):
            shared.append(base + i)
        [shared.append(base + PER + i) for i in range(PER)]
        shared.extend(base + 2 * PER + i for i in range(PER))
        global_list = shared
        chunk = [base + 3 * PER + i for i in range(PER)]
        global_list += chunk
        for i in range(200):
            shared.insert(0, base + 4 * PER + i)
        return t
    return run


results = threads(*[appender(t) for t in range(THREADS)])
expected = sorted(t * 100000 + i for t in range(THREADS) for i in range(4 * PER + 200))
check(len(shared) == len(expected), "no append lost", len(shared))
emit("results", results)
emit("length", len(shared))
emit("sum", sum(shared))
emit("exact contents", sorted(shared) == expected)
for t in range(THREADS):
    own = [x for x in shared if t * 100000 <= x < t * 100000 + 4 * PER]
    check(own == sorted(own), "one thread's appends keep their order", t)
