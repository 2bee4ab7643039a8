# Exercises unraisable exceptions raised by __del__ of non-cyclic objects released by
# `del`, and by a suspended generator whose finally raises when it is closed on release.
# Refcounting frees these objects immediately and in program order on every build.


class Noisy:
    released = []

    def __init__(self, name):
        self.name = name

    def __del__(self):
        Noisy.released.append(self.name)
        raise ValueError("__del__ of %s" % self.name)


class Quiet:
    def __del__(self):
        Noisy.released.append("quiet")


for name in ("alpha", "beta", "gamma"):
    obj = Noisy(name)
    del obj

holder = [Noisy("in-list"), Quiet()]
holder.clear()
emit("released", Noisy.released)


def fragile():
    try:
        yield 1
    finally:
        raise RuntimeError("generator finally raised")


g = fragile()
next(g)
del g
print("after generator")


class Chained:
    def __del__(self):
        try:
            {}["k"]
        except KeyError:
            raise LookupError("chained failure")


x = Chained()
x = None
emit("count", len(Noisy.released))
print("done")
