"""The IR of the `interleave` family: frozen, validated on load.

A plan is shared objects, and a schedule: a tree of slots.  Each slot is one step (an
operation of the catalog on a shared object, its arguments as expressions, and maybe a
pause point) run by one actor (thread); its window is the slots that run while the step
is paused.  An actor's steps are its slots in pre-order.  While a step is paused its
actor is busy, so no slot of its window's subtree may belong to it.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import re
from collections.abc import Iterator
from typing import Any

from tandem.oracle.errors import CorpusError


class Callback(enum.Enum):
    """Every dunder (or hook) a C function can call into, as the runtime names it."""

    EQ = "__eq__"
    HASH = "__hash__"
    LT = "__lt__"
    REPR = "__repr__"
    STR = "__str__"
    FORMAT = "__format__"
    REDUCE = "__reduce__"
    INDEX = "__index__"
    LEN = "__len__"
    ITER = "__iter__"
    NEXT = "__next__"
    GETITEM = "__getitem__"
    MISSING = "__missing__"
    KEYS = "keys"
    DEL = "__del__"
    GET = "__get__"
    SET = "__set__"
    DELETE = "__delete__"
    SET_NAME = "__set_name__"
    INIT_SUBCLASS = "__init_subclass__"
    INIT = "__init__"
    NEW = "__new__"
    META_CALL = "metaclass __call__"
    MRO = "mro"
    INSTANCECHECK = "__instancecheck__"
    SUBCLASSCHECK = "__subclasscheck__"
    CALL = "__call__"
    GETATTR = "__getattr__"


class Mode(enum.Enum):
    FORCED = "forced"  # handshakes: one step at a time, every result emitted
    FREE = "free"  # the same steps looped by all actors at once; only crashes and
    # exceptions the operation cannot raise are findings


NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
OPERATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")


@dataclasses.dataclass(frozen=True)
class Pause:
    """Pause at the `nth` call of `callback` on carriers labelled `label`, made by the
    step's own thread."""

    callback: Callback
    label: str
    nth: int = 1


@dataclasses.dataclass(frozen=True)
class Step:
    operation: str  # catalog name, "dict.get"
    obj: str  # the shared object it works on
    template: str  # the operation's expression over {o} and {0}, {1}, ...
    args: tuple[str, ...] = ()  # argument expressions
    pause: Pause | None = None

    def expression(self, label: str) -> str:
        return self.template.format(*self.args, o=self.obj, label=label)


@dataclasses.dataclass(frozen=True)
class Slot:
    actor: str
    step: Step
    window: tuple[Slot, ...] = ()


@dataclasses.dataclass(frozen=True)
class SharedObject:
    name: str
    kind: str  # a catalog receiver kind
    make: str  # the expression that makes it


@dataclasses.dataclass(frozen=True)
class InterleavePlan:
    mode: Mode
    objects: tuple[SharedObject, ...]
    schedule: tuple[Slot, ...]
    raises: tuple[tuple[Callback, str], ...] = ()  # callbacks that raise CallbackError
    rounds: int = 1  # free mode: loops over each actor's steps
    sections: tuple[str, ...] = ("K",)  # runtime sections the program needs

    # -- views ------------------------------------------------------------------------

    def slots(self) -> Iterator[tuple[tuple[int, ...], Slot]]:
        """(path, slot) in pre-order; a path indexes schedule then windows."""

        def walk(slots: tuple[Slot, ...], prefix: tuple[int, ...]):
            for index, slot in enumerate(slots):
                yield (*prefix, index), slot
                yield from walk(slot.window, (*prefix, index))

        return walk(self.schedule, ())

    def actors(self) -> dict[str, list[Step]]:
        """Each actor's steps, in the order it runs them."""
        found: dict[str, list[Step]] = {}
        for _, slot in self.slots():
            found.setdefault(slot.actor, []).append(slot.step)
        return found

    def paused_and_mutators(self) -> tuple[list[str], list[str]]:
        """Operations that carry a pause point, and operations run inside a window."""
        paused, mutators = [], []

        def walk(slots: tuple[Slot, ...], inside: bool):
            for slot in slots:
                if slot.step.pause is not None:
                    paused.append(slot.step.operation)
                if inside:
                    mutators.append(slot.step.operation)
                walk(slot.window, inside or slot.step.pause is not None)

        walk(self.schedule, False)
        return paused, mutators

    # -- checks -------------------------------------------------------------------------

    def validate(self, receivers: set[str]) -> None:
        """Raise CorpusError unless the plan is well formed."""
        names = [o.name for o in self.objects]
        if len(set(names)) != len(names):
            raise CorpusError("interleave plan: duplicate shared object names")
        for obj in self.objects:
            if not NAME.match(obj.name) or obj.kind not in receivers:
                raise CorpusError(f"interleave plan: bad shared object {obj.name!r} of kind {obj.kind!r}")
            _expression(obj.make, f"shared object {obj.name}")
        if not self.schedule:
            raise CorpusError("interleave plan: empty schedule")
        if self.rounds < 1:
            raise CorpusError("interleave plan: rounds must be >= 1")

        def walk(slots: tuple[Slot, ...], busy: frozenset[str]):
            for slot in slots:
                if not NAME.match(slot.actor) or slot.actor in busy:
                    raise CorpusError(f"interleave plan: actor {slot.actor!r} scheduled while it is paused")
                step = slot.step
                if not OPERATION.match(step.operation) or step.operation.split(".")[0] not in receivers:
                    raise CorpusError(f"interleave plan: unknown operation {step.operation!r}")
                if step.obj not in names:
                    raise CorpusError(f"interleave plan: step uses unknown object {step.obj!r}")
                try:
                    text = step.expression("x")
                except (IndexError, KeyError, ValueError) as exc:
                    raise CorpusError(
                        f"interleave plan: template {step.template!r} does not fit its arguments: {exc}"
                    ) from None
                _expression(text, step.operation)
                if step.pause is not None and (step.pause.nth < 1 or not step.pause.label):
                    raise CorpusError(f"interleave plan: bad pause point {step.pause}")
                walk(slot.window, busy | {slot.actor} if step.pause is not None else busy)

        walk(self.schedule, frozenset())

    # -- JSON ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        def slot(s: Slot) -> dict[str, Any]:
            step = s.step
            return {
                "actor": s.actor,
                "operation": step.operation,
                "obj": step.obj,
                "template": step.template,
                "args": list(step.args),
                "pause": None if step.pause is None else [step.pause.callback.value, step.pause.label, step.pause.nth],
                "window": [slot(w) for w in s.window],
            }

        return {
            "mode": self.mode.value,
            "objects": [[o.name, o.kind, o.make] for o in self.objects],
            "schedule": [slot(s) for s in self.schedule],
            "raises": [[c.value, label] for c, label in self.raises],
            "rounds": self.rounds,
            "sections": list(self.sections),
        }

    @staticmethod
    def from_json(data: Any, receivers: set[str]) -> InterleavePlan:
        try:

            def slot(d: dict[str, Any]) -> Slot:
                pause = d.get("pause")
                return Slot(
                    str(d["actor"]),
                    Step(
                        str(d["operation"]),
                        str(d["obj"]),
                        str(d["template"]),
                        tuple(str(a) for a in d["args"]),
                        None if pause is None else Pause(Callback(pause[0]), str(pause[1]), int(pause[2])),
                    ),
                    tuple(slot(w) for w in d.get("window", [])),
                )

            plan = InterleavePlan(
                Mode(data["mode"]),
                tuple(SharedObject(str(n), str(k), str(m)) for n, k, m in data["objects"]),
                tuple(slot(s) for s in data["schedule"]),
                tuple((Callback(c), str(label)) for c, label in data.get("raises", [])),
                int(data.get("rounds", 1)),
                tuple(str(s) for s in data.get("sections", ["K"])),
            )
        except CorpusError:
            raise
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise CorpusError(f"malformed interleave plan: {exc!r}") from None
        plan.validate(receivers)
        return plan


def _expression(text: str, what: str) -> None:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise CorpusError(f"interleave plan: {what}: not an expression: {text!r} ({exc.msg})") from None
