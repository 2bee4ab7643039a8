# Exercises a shared dict mutated by several threads with disjoint keys: inserts, value
# updates, pops, setdefault and deletes force resizes while other threads write.  Each key
# is owned by one thread, so the final contents are schedule-independent and emitted whole.

THREADS = 4
KEYS = 2000
shared = {}


def worker(t):
    def run():
        for i in range(KEYS):
            shared[(t, i)] = i
        for i in range(0, KEYS, 2):
            shared[(t, i)] += 1
        for i in range(0, KEYS, 3):
            value = shared.pop((t, i))
            check(value == i + (1 if i % 2 == 0 else 0), "popped own value", (t, i, value))
        for i in range(0, KEYS, 5):
            shared.setdefault((t, i), -i)
        for i in range(1, KEYS, 7):
            if (t, i) in shared:
                del shared[(t, i)]
        mine = sorted(v for (owner, _), v in list(shared.items()) if owner == t)
        return len(mine), sum(mine)
    return run


results = threads(*[worker(t) for t in range(THREADS)])
emit("per-thread view after own work", results)
emit("size", len(shared))
emit("value sum", sum(shared.values()))
emit("contents", sorted(shared.items())[:10] + sorted(shared.items())[-10:])
expected = {}
for t in range(THREADS):
    for i in range(KEYS):
        expected[(t, i)] = i
    for i in range(0, KEYS, 2):
        expected[(t, i)] += 1
    for i in range(0, KEYS, 3):
        expected.pop((t, i))
    for i in range(0, KEYS, 5):
        expected.setdefault((t, i), -i)
    for i in range(1, KEYS, 7):
        expected.pop((t, i), None)
emit("matches sequential model", shared == expected)
