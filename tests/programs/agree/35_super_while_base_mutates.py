# Exercises cooperative super() chains called from several threads while another thread
# adds and removes unrelated attributes on the base classes (invalidating type caches).
# The chain's result never depends on those attributes, so every call has one right answer.

CALLERS = 3
CALLS = 3000
MUTATIONS = 5000


class A:
    def compute(self, x):
        return x + 1

    @classmethod
    def name_chain(cls):
        return ["A"]


class B(A):
    def compute(self, x):
        return super().compute(x) * 2

    @classmethod
    def name_chain(cls):
        return ["B"] + super().name_chain()


class C(B):
    def compute(self, x):
        return super().compute(x) - 3

    @classmethod
    def name_chain(cls):
        return ["C"] + super().name_chain()


def mutator():
    for i in range(MUTATIONS):
        target = A if i % 2 else B
        setattr(target, "scratch%d" % (i % 4), i)
        if i % 4 == 3:
            for name in ("scratch0", "scratch1", "scratch2", "scratch3"):
                for klass in (A, B):
                    if name in klass.__dict__:
                        delattr(klass, name)
    return MUTATIONS


def caller(k):
    def run():
        obj = C()
        total = 0
        for i in range(CALLS):
            value = obj.compute(i)
            check(value == (i + 1) * 2 - 3, "super chain result", (i, value))
            total += value
            if i % 100 == k:
                check(C.name_chain() == ["C", "B", "A"], "classmethod chain", None)
        return total
    return run


results = threads(mutator, *[caller(k) for k in range(CALLERS)])
emit("results", results)
emit("leftover scratch", sorted(n for k in (A, B) for n in k.__dict__ if n.startswith("scratch")))
