# Exercises dataclasses (defaults, default_factory, order, frozen, __post_init__, replace,
# asdict, slots=True) and enums (Enum, IntEnum, Flag, auto, lookups, aliases).
# Single-threaded; only names, values and tuples are emitted, never reprs with addresses.
import dataclasses
import enum


@dataclasses.dataclass(order=True)
class Item:
    sort_key: int = dataclasses.field(init=False, repr=False)
    name: str
    price: float = 0.0
    tags: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        self.sort_key = int(self.price * 100)


@dataclasses.dataclass(frozen=True)
class Pt:
    x: int
    y: int = 0


@dataclasses.dataclass(slots=True)
class Slotted:
    a: int
    b: str = "b"


items = [Item("pen", 1.5), Item("book", 12.0, ["paper"]), Item("cup", 3.25)]
emit("sorted_items", [i.name for i in sorted(items)])
emit("repr_item", repr(items[1]))
emit("asdict", dataclasses.asdict(items[1]))
emit("astuple", dataclasses.astuple(Pt(1, 2)))
emit("fields", [f.name for f in dataclasses.fields(Item)])
emit("eq", (Pt(1) == Pt(1, 0), Pt(1) == Pt(2), hash(Pt(3, 4)) == hash(Pt(3, 4))))
try:
    Pt(1).x = 5
except dataclasses.FrozenInstanceError as exc:
    emit("frozen", type(exc).__name__)
emit("replace", dataclasses.replace(Pt(1, 2), y=9))
emit("slotted", (Slotted(1).b, hasattr(Slotted(1), "__dict__"), Slotted.__slots__))
a, b = Item("x"), Item("y")
a.tags.append(1)
emit("factory_independent", (a.tags, b.tags))


class Color(enum.Enum):
    RED = 1
    GREEN = 2
    BLUE = 3
    CRIMSON = 1


class Perm(enum.Flag):
    R = enum.auto()
    W = enum.auto()
    X = enum.auto()


class Level(enum.IntEnum):
    LOW = 10
    HIGH = 20


emit("enum_basic", (Color.RED.name, Color(2).name, Color["BLUE"].value, Color.CRIMSON is Color.RED))
emit("enum_members", [m.name for m in Color])
emit("enum_aliases", sorted(Color.__members__))
emit("flag", ((Perm.R | Perm.W).value, Perm.R in (Perm.R | Perm.X), (Perm.R | Perm.W | Perm.X).value,
              bool(Perm.W & Perm.X), [p.name for p in Perm]))
emit("intenum", (Level.LOW < Level.HIGH, Level.HIGH + 1, int(Level.LOW), sorted([Level.HIGH, Level.LOW])[0].name))
try:
    Color(7)
except ValueError as exc:
    emit("bad_value", type(exc).__name__)
emit("enum_hashable", {Color.RED: "r", Color.BLUE: "b"}[Color.CRIMSON])
print("items", len(items), "colors", len(Color))
