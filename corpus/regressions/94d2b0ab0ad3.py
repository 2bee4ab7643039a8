# Exercises collections.defaultdict __missing__ (factory call + insert) racing across
# four threads on disjoint keys of one table (the table resizes under them) and on
# per-thread nested defaultdicts reached through shared keys created before the threads
# start; readers use get()/in on keys no writer creates, which must not insert.  Every
# count is exact because no two threads create the same key concurrently.
import collections

THREADS = 4
PER = 4000
counts = collections.defaultdict(int)
nested = collections.defaultdict(lambda: collections.defaultdict(list))
for t in range(THREADS):
    nested[t]                       # the outer keys exist before the threads start


def worker(t):
    def run():
        for i in range(PER):
            counts[(t, i % 700)] += 1
            nested[t][i % 11].append(i)
            check(counts.get(("nobody", i)) is None, "get() does not insert", i)
            check(("ghost", t) not in counts, "`in` does not insert")
        return t
    return run


results = threads(*[worker(t) for t in range(THREADS)])
emit("results", results)
emit("counts", (len(counts), sum(counts.values()), min(counts.values()), max(counts.values())))
emit("nested", [sorted((k, len(v), sum(v)) for k, v in nested[t].items())[:3] for t in range(THREADS)])
check(not any(k[0] in ("nobody", "ghost") for k in counts), "no ghost keys")
