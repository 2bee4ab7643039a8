# Exercises cooperative super() chains through a diamond hierarchy, __init_subclass__
# with class keywords, zero-argument super() in classmethods and __mro__ order.
# Single-threaded and built in a fixed order, so every emitted value is deterministic.

registry = []


class Base:
    def __init_subclass__(cls, /, tag=None, weight=1, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.tag = tag if tag is not None else cls.__name__.lower()
        cls.weight = weight
        registry.append((cls.__name__, cls.tag, weight))

    def __init__(self, **kwargs):
        self.trail = ["Base"]
        self.leftover = tuple(sorted(kwargs))

    def describe(self):
        return ["Base"]

    @classmethod
    def chain(cls):
        return [cls.__name__ + "@Base"]


class Left(Base, tag="L", weight=2):
    def __init__(self, left=0, **kwargs):
        super().__init__(**kwargs)
        self.trail.append("Left")
        self.left = left

    def describe(self):
        return ["Left"] + super().describe()

    @classmethod
    def chain(cls):
        return [cls.__name__ + "@Left"] + super().chain()


class Right(Base, weight=3):
    def __init__(self, right=0, **kwargs):
        super().__init__(**kwargs)
        self.trail.append("Right")
        self.right = right

    def describe(self):
        return ["Right"] + super().describe()

    @classmethod
    def chain(cls):
        return [cls.__name__ + "@Right"] + super().chain()


class Diamond(Left, Right, tag="D"):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trail.append("Diamond")

    def describe(self):
        return ["Diamond"] + super().describe()

    @classmethod
    def chain(cls):
        return [cls.__name__ + "@Diamond"] + super().chain()


class Deeper(Diamond):
    def describe(self):
        result = super().describe()
        return ["Deeper"] + result


d = Deeper(left=5, right=7, extra=1, more=2)
emit("registry", registry)
emit("mro", [k.__name__ for k in Deeper.__mro__])
emit("trail", d.trail)
emit("attrs", (d.left, d.right, d.leftover, d.tag, d.weight))
emit("describe", d.describe())
emit("chain", Deeper.chain())
emit("chain_right", Right.chain())
emit("super_explicit", super(Left, d).describe())
emit("tags", sorted((k.__name__, k.tag) for k in Base.__subclasses__()))

# super() proxies for attribute lookup of class-level data
class Counter(Base, tag="counter"):
    total = 10

    @property
    def value(self):
        return self.total * 2


class SubCounter(Counter):
    total = 3

    @property
    def value(self):
        return super().value + 1


emit("property_super", SubCounter().value)
emit("registry_len", len(registry))
try:
    super(Deeper, Base()).describe()
except TypeError as exc:
    emit("bad_super", type(exc).__name__)
print("mro", " ".join(k.__name__ for k in Diamond.__mro__))
