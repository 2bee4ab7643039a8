# Exercises metaclasses: __prepare__, __new__/__init__ with class keywords, __call__
# interception, metaclass methods/properties, __instancecheck__ and abc abstract methods.
# Single-threaded; emitted values are strs, ints and tuples built in a fixed order.
import abc


class Recording(type):
    created = []

    @classmethod
    def __prepare__(mcls, name, bases, **kwargs):
        namespace = {"_prepared_for": name}
        return namespace

    def __new__(mcls, name, bases, namespace, **kwargs):
        fields = tuple(k for k in namespace if not k.startswith("_"))
        cls = super().__new__(mcls, name, bases, dict(namespace))
        cls._fields = fields
        cls._calls = 0
        Recording.created.append(name)
        return cls

    def __init__(cls, name, bases, namespace, **kwargs):
        super().__init__(name, bases, namespace)
        cls._options = tuple(sorted(kwargs.items()))

    def __call__(cls, *args, **kwargs):
        cls._calls += 1
        instance = super().__call__(*args, **kwargs)
        instance.serial = cls._calls
        return instance

    def __len__(cls):
        return len(cls._fields)

    @property
    def label(cls):
        return "<%s:%d>" % (cls.__name__, len(cls))


class Record(metaclass=Recording, frozen=True, order=2):
    x = 1
    y = 2

    def total(self):
        return self.x + self.y


class Child(Record, extra="yes"):
    z = 3


a, b, c = Record(), Record(), Child()
emit("created", Recording.created)
emit("fields", (Record._fields, Child._fields))
emit("options", (Record._options, Child._options))
emit("prepared", (Record._prepared_for, Child._prepared_for))
emit("serials", (a.serial, b.serial, c.serial, Record._calls, Child._calls))
emit("len_label", (len(Record), len(Child), Record.label, Child.label))
emit("total", (a.total(), c.total()))
emit("meta_type", (type(Child).__name__, isinstance(Child, Recording)))


class Duck(type):
    def __instancecheck__(cls, obj):
        return hasattr(obj, "quack")

    def __subclasscheck__(cls, sub):
        return hasattr(sub, "quack")


class Quacker(metaclass=Duck):
    pass


class Mallard:
    def quack(self):
        return "quack"


emit("duck", (isinstance(Mallard(), Quacker), isinstance(1, Quacker), issubclass(Mallard, Quacker)))


class Shape(abc.ABC):
    @abc.abstractmethod
    def area(self):
        ...

    @property
    @abc.abstractmethod
    def name(self):
        ...


class Square(Shape):
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side * self.side

    @property
    def name(self):
        return "square"


try:
    Shape()
except TypeError as exc:
    emit("abstract_error", type(exc).__name__)
emit("abstract_methods", sorted(Shape.__abstractmethods__))
emit("square", (Square(4).area(), Square(4).name, Square.__abstractmethods__ == frozenset()))


class Singleton(type):
    _instances = {}

    def __call__(cls, *args):
        if cls not in cls._instances:
            cls._instances[cls] = super().__call__(*args)
        return cls._instances[cls]


class Config(metaclass=Singleton):
    def __init__(self, value=0):
        self.value = value


emit("singleton", (Config(1) is Config(2), Config().value))
# type() three-argument form with a metaclass-derived base
Dyn = type("Dyn", (Record,), {"w": 4})
emit("dyn", (type(Dyn).__name__, Dyn._fields, Dyn()._calls if hasattr(Dyn(), "_calls") else None))
print("created", len(Recording.created))
