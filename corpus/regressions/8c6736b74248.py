# Exercises dict copies and iteration racing with inserts and deletes: writers keep a
# shared dict where every key k maps to k * k (they insert and delete keys, and replace
# values with equal ones), readers take dict(d), d.copy(), list(d.items()) and iterate
# with a RuntimeError fallback.  Any snapshot may miss keys or hold old ones, but every
# pair in it must satisfy v == k * k; "changed size during iteration" is only observed.
shared = {k: k * k for k in range(200)}
done = []
WRITERS = 2


def writer(w):
    def run():
        for i in range(8000):
            k = 200 + (i * 7 + w) % 500
            if i % 2:
                shared[k] = k * k
            else:
                shared.pop(k, None)
            shared[i % 200] = (i % 200) ** 2
        done.append(w)
        return True
    return run


def reader(kind):
    def run():
        rounds = 0
        while len(done) < WRITERS or rounds < 3:
            if kind == 0:
                snap = dict(shared).items()
            elif kind == 1:
                snap = shared.copy().items()
            else:
                snap = list(shared.items())
            check(all(v == k * k for k, v in snap), "every pair in a snapshot is consistent", None)
            try:
                for k in shared:
                    v = shared.get(k, k * k)
                    check(v == k * k, "value read while iterating is consistent", (k, v))
            except RuntimeError as exc:
                observe("iteration error", str(exc))
            rounds += 1
        return rounds > 0
    return run


results = threads(*[writer(w) for w in range(WRITERS)], reader(0), reader(1), reader(2))
emit("results", results)
check(all(v == k * k for k, v in shared.items()), "final dict consistent")
emit("base keys present", all(k in shared for k in range(200)))
observe("final key count", len(shared))   # the writers' keys overlap: order-dependent
