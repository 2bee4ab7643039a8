# Exercises data and non-data descriptors (__set_name__, __get__/__set__/__delete__),
# property setters/deleters, lookup precedence against the instance __dict__, __getattr__
# fallback and cached_property.  Single-threaded, so all emitted values are deterministic.
import functools


class Typed:
    def __init__(self, kind, default=None):
        self.kind = kind
        self.default = default
        self.log = []

    def __set_name__(self, owner, name):
        self.public = name
        self.private = "_" + name
        self.log.append(("set_name", owner.__name__, name))

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.private, self.default)

    def __set__(self, obj, value):
        if not isinstance(value, self.kind):
            raise TypeError("%s must be %s, not %s" % (self.public, self.kind.__name__, type(value).__name__))
        setattr(obj, self.private, value)

    def __delete__(self, obj):
        self.log.append(("delete", self.public))
        delattr(obj, self.private)


class Shout:
    """A non-data descriptor: an instance attribute of the same name wins."""

    def __get__(self, obj, objtype=None):
        return "SHOUT from %s" % (objtype.__name__,)


class Point:
    x = Typed(int, 0)
    y = Typed(int, 0)
    label = Typed(str, "?")
    loud = Shout()

    def __init__(self, x, y):
        self.x = x
        self.y = y

    @property
    def norm1(self):
        return abs(self.x) + abs(self.y)

    @norm1.setter
    def norm1(self, value):
        self.x, self.y = value, 0

    @norm1.deleter
    def norm1(self):
        self.x = self.y = 0

    def __getattr__(self, name):
        if name.startswith("auto_"):
            return name[5:].upper()
        raise AttributeError(name)

    @functools.cached_property
    def expensive(self):
        self.computed = getattr(self, "computed", 0) + 1
        return self.x * 1000 + self.y


p = Point(3, -4)
emit("set_name_log", Point.__dict__["x"].log + Point.__dict__["label"].log)
emit("values", (p.x, p.y, p.label, p.norm1))
try:
    p.x = "nope"
except TypeError as exc:
    emit("type_error", str(exc))
p.norm1 = 9
emit("after_setter", (p.x, p.y, p.norm1))
del p.norm1
emit("after_deleter", (p.x, p.y))
p.label = "origin"
del p.label
emit("label_deleted", (p.label, Point.__dict__["label"].log[-1]))
emit("non_data", Point().loud if False else p.loud)
p.__dict__["loud"] = "instance wins"
emit("non_data_shadowed", p.loud)
p.__dict__["x"] = "dict loses"
emit("data_wins", p.x)
emit("getattr_fallback", (p.auto_hello, hasattr(p, "missing")))
q = Point(2, 5)
emit("cached", (q.expensive, q.expensive, q.computed))
del q.expensive
q.y = 6
emit("cached_again", (q.expensive, q.computed))
emit("class_access", (type(Point.x).__name__, Point.norm1.__class__.__name__))


class Counted:
    def __init__(self):
        self.hits = {}

    def __getattribute__(self, name):
        if name != "hits":
            hits = object.__getattribute__(self, "hits")
            hits[name] = hits.get(name, 0) + 1
        return object.__getattribute__(self, name)

    def method(self):
        return 1


c = Counted()
for _ in range(5):
    c.method()
c.hits_seen = 1
_ = c.hits_seen
emit("getattribute", sorted(c.hits.items()))
emit("staticclass", (staticmethod(len)("abc"), classmethod(lambda cls: cls.__name__).__get__(None, Point)()))
