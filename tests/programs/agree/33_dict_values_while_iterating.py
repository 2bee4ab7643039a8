# Exercises iteration over a shared dict (items(), values(), keys(), copy) while a writer
# replaces values of existing keys only, so the dict never changes size.  Readers check
# the key set and value bounds; only fixed counts and the final state are emitted.

KEYS = 64
WRITES = 20000
READERS = 3
ROUNDS = 300
shared = {k: 0 for k in range(KEYS)}


def writer():
    for i in range(1, WRITES + 1):
        shared[i % KEYS] = i
    return WRITES


def reader(k):
    def run():
        for r in range(ROUNDS):
            mode = (r + k) % 3
            if mode == 0:
                pairs = list(shared.items())
                keys = [key for key, _ in pairs]
                values = [v for _, v in pairs]
            elif mode == 1:
                keys = list(shared.keys())
                values = list(shared.values())
            else:
                copy = shared.copy()
                keys, values = list(copy), list(copy.values())
            check(keys == list(range(KEYS)), "key order unchanged", len(keys))
            check(len(values) == KEYS and all(0 <= v <= WRITES for v in values), "values in range", None)
            for key, value in shared.items():
                check(value % KEYS == key or value == 0, "value belongs to key", (key, value))
        return ROUNDS
    return run


results = threads(writer, *[reader(k) for k in range(READERS)])
emit("counts", results)
emit("final sum", sum(shared.values()))
emit("final sample", [shared[k] for k in range(0, KEYS, 8)])
