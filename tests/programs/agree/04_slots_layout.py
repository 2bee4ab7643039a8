# Exercises __slots__: inheritance of slots, __dict__/__weakref__ slots, slot descriptors,
# AttributeError on missing slots, class-level defaults conflicts and copy/pickle of slotted
# objects.  Single-threaded; all values are emitted in a fixed, deterministic order.
import copy
import pickle
import weakref


class P2:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __getstate__(self):
        return (self.x, self.y)

    def __setstate__(self, state):
        self.x, self.y = state


class P3(P2):
    __slots__ = ("z",)

    def __init__(self, x, y, z):
        super().__init__(x, y)
        self.z = z


class Open(P3):
    __slots__ = ("__dict__", "__weakref__")


p = P3(1, 2, 3)
emit("values", (p.x, p.y, p.z))
emit("has_dict", (hasattr(p, "__dict__"), hasattr(Open(0, 0, 0), "__dict__")))
try:
    p.w = 4
except AttributeError:
    emit("no_new_attr", True)
try:
    weakref.ref(p)
except TypeError:
    emit("no_weakref", True)
o = Open(4, 5, 6)
o.extra = 7
r = weakref.ref(o)
emit("open", (o.x, o.z, o.extra, r() is o))
del o
emit("open_dead", r() is None)

empty = P2.__new__(P2)
try:
    empty.x
except AttributeError:
    emit("unset_slot", "AttributeError")
empty.x = 10
del empty.x
emit("deleted_slot", hasattr(empty, "x"))

emit("slot_descriptors", sorted(k for k, v in vars(P2).items() if type(v).__name__ == "member_descriptor"))
emit("slots_tuple", (P2.__slots__, P3.__slots__))

q = copy.copy(p)
q.x = 100
emit("copy", (p.x, q.x, hasattr(q, "z")))
s = pickle.loads(pickle.dumps(P2(8, 9)))
emit("pickle", (type(s).__name__, s.x, s.y))

try:
    class Bad:
        __slots__ = ("a",)
        a = 1
except ValueError as exc:
    emit("conflict", type(exc).__name__)

try:
    class BadLayout(P2, int):
        pass
except TypeError as exc:
    emit("layout", type(exc).__name__)


class Many:
    __slots__ = tuple("s%d" % i for i in range(40))

    def __init__(self):
        for i in range(40):
            setattr(self, "s%d" % i, i * i)


m = Many()
emit("many", sum(getattr(m, "s%d" % i) for i in range(40)))
emit("sizes_order", P3.__basicsize__ > P2.__basicsize__)
