# Exercises list reads racing with appends: two threads append increasing numbers of
# their own to a shared list while two readers take snapshots (list(x), slicing,
# iteration, len and indexing from the end).  A snapshot may hold any prefix of the
# appends, but each appender's numbers must appear in order, without gaps, and never
# anything that was not appended; after the join the list is exact.
APPENDERS = 2
PER = 15000
shared = []
done = []


def appender(t):
    def run():
        append = shared.append
        for i in range(PER):
            append((t, i))
        done.append(t)
        return PER
    return run


def consistent(snapshot):
    nxt = [0] * APPENDERS
    for item in snapshot:
        t, i = item
        if i != nxt[t]:
            return False
        nxt[t] += 1
    return True


def reader(k):
    def run():
        snapshots = 0
        while len(done) < APPENDERS or snapshots < 3:
            snap = list(shared) if k == 0 else shared[:]
            check(consistent(snap), "snapshot is an in-order prefix of each appender", len(snap))
            n = len(shared)
            if n:
                last = shared[-1]
                check(isinstance(last, tuple) and len(last) == 2, "last item is an appended item", last)
            count = sum(1 for _ in shared)
            check(count >= n, "iteration sees at least what len() saw before", (count, n))
            snapshots += 1
        return snapshots > 0
    return run


results = threads(*[appender(t) for t in range(APPENDERS)], reader(0), reader(1))
emit("results", results)
emit("length", len(shared))
check(consistent(shared), "final list in order per appender")
emit("final counts", sorted((t, sum(1 for x in shared if x[0] == t)) for t in range(APPENDERS)))
