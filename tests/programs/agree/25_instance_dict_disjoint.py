# Exercises one shared instance whose __dict__ is updated by several threads with disjoint
# attribute names (setattr, __dict__.update, delattr, getattr) while a reader copies vars().
# Each name is owned by one thread, so the final attribute set is schedule-independent.

THREADS = 4
ATTRS = 1500


class Bag:
    def __init__(self):
        self.shared_const = "const"


bag = Bag()


def worker(t):
    def run():
        prefix = "t%d_" % t
        for i in range(ATTRS):
            setattr(bag, prefix + str(i), i)
        bag.__dict__.update({prefix + "u%d" % i: -i for i in range(0, ATTRS, 10)})
        for i in range(0, ATTRS, 3):
            delattr(bag, prefix + str(i))
        total = 0
        for i in range(ATTRS):
            total += getattr(bag, prefix + str(i), 0)
        check(bag.shared_const == "const", "untouched attribute stays", None)
        return total
    return run


def reader():
    copies = 0
    for _ in range(200):
        snapshot = dict(vars(bag))
        check(snapshot.get("shared_const") == "const", "snapshot has constant", None)
        copies += 1
    return copies


results = threads(*[worker(t) for t in range(THREADS)], reader)
emit("returns", results)
state = vars(bag)
emit("attribute count", len(state))
emit("int value sum", sum(v for v in state.values() if isinstance(v, int)))
emit("sample", sorted(k for k in state if k.endswith("_1") or k.endswith("_u10")))
expected = {"shared_const": "const"}
for t in range(THREADS):
    for i in range(ATTRS):
        if i % 3:
            expected["t%d_%d" % (t, i)] = i
    for i in range(0, ATTRS, 10):
        expected["t%d_u%d" % (t, i)] = -i
emit("matches model", dict(state) == expected)
