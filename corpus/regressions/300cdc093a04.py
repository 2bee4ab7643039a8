# Exercises __class__ assignment racing with method calls, attribute lookups and
# isinstance: one thread flips shared objects between two layout-compatible classes A
# and B (same __slots__) while three threads call obj.kind(), obj.value through a
# property and isinstance.  Each read must give one of the two classes' answers,
# consistently for a single lookup; the final classes are emitted after the join.
FLIPS = 4000
READS = 4000


class Base:
    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n


class A(Base):
    __slots__ = ()

    def kind(self):
        return "A"

    @property
    def value(self):
        return self.n * 2


class B(Base):
    __slots__ = ()

    def kind(self):
        return "B"

    @property
    def value(self):
        return self.n * 3


objects = [A(i) for i in range(1, 9)]


def flipper():
    for k in range(FLIPS):
        obj = objects[k % len(objects)]
        obj.__class__ = B if type(obj) is A else A
    for obj in objects:
        obj.__class__ = A
    return FLIPS


def reader(k):
    def run():
        for i in range(READS):
            obj = objects[(i + k) % len(objects)]
            kind = obj.kind()
            check(kind in ("A", "B"), "method from one of the classes", kind)
            value = obj.value
            check(value in (obj.n * 2, obj.n * 3), "property from one of the classes", value)
            check(isinstance(obj, Base) and type(obj) in (A, B), "type is A or B", type(obj).__name__)
            check(obj.n == (i + k) % len(objects) + 1, "slot value unchanged", obj.n)
        return READS
    return run


results = threads(flipper, *[reader(k) for k in range(3)])
emit("results", results)
emit("final", [(type(o).__name__, o.kind(), o.value) for o in objects])
