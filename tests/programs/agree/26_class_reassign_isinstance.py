# Exercises __class__ reassignment between two layout-compatible classes while other
# threads call isinstance, type(), methods and repr on the same object.  Readers only
# observe values against an allowed set; the object's own state never changes.

READERS = 3
READS = 4000
FLIPS = 6000


class A:
    kind = "A"

    def who(self):
        return "A"

    def __repr__(self):
        return "<%s n=%d>" % (type(self).__name__, self.n)


class B:
    kind = "B"

    def who(self):
        return "B"

    __repr__ = A.__repr__


obj = A()
obj.n = 5


def flipper():
    for i in range(FLIPS):
        obj.__class__ = B if i % 2 == 0 else A
    obj.__class__ = A
    return FLIPS


def reader(k):
    def run():
        for i in range(READS):
            op = (i + k) % 5
            if op == 0:
                observe("isinstance A", isinstance(obj, A), (True, False))
            elif op == 1:
                observe("type name", type(obj).__name__, ("A", "B"))
            elif op == 2:
                observe("method", obj.who(), ("A", "B"))
            elif op == 3:
                observe("repr", repr(obj), ("<A n=5>", "<B n=5>"))
            else:
                observe("class attr", obj.kind, ("A", "B"))
            check(isinstance(obj, (A, B)), "always one of the two classes", None)
            check(obj.n == 5, "state survives class changes", None)
        return READS
    return run


results = threads(flipper, *[reader(k) for k in range(READERS)])
emit("counts", results)
emit("final", (type(obj).__name__, obj.who(), repr(obj), vars(obj)))
