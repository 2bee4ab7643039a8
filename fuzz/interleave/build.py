"""Build an `interleave` plan: an operation paused inside one of its callbacks while other
threads run operations (destructive ones first) on the same object, then resumed.

The paused operation is drawn uniformly over the catalog's pausable operations and the
window's operations uniformly over the receiver's operations, so that every operation
of the catalog is exercised both ways (`coverage()`).  A share of the plans put the
seed's class first: `__init__` paused mid-construction from a warm call site while
another thread swaps `__init__`, its defaults or code, a base's `__init__` or the
class's bases, then construction resumes and constructs again.
"""

from __future__ import annotations

import random
from functools import lru_cache

from ..scenario import Capabilities
from . import surface as surfaces
from .catalog import RECEIVER, Catalog, Operation, Role, build_catalog
from .plan import Callback, InterleavePlan, Mode, Pause, SharedObject, Slot, Step

ELEMENTS = 4  # e0..e3 in every container; arguments also use e4, e5 (absent)
CONSTRUCTION_SHARE = 0.15  # plans built around the seed's class
FREE_SHARE = 0.15  # plans run without handshakes (loops released together)
NESTED_SHARE = 0.3  # a window step that pauses in turn
CONSTRUCTION_MUTATORS = (
    "class.set_init",
    "class.set_init_lambda",
    "class.del_init",
    "class.set_init_defaults",
    "class.set_init_kwdefaults",
    "class.set_init_code",
    "class.set_base_init",
    "class.set_new",
    "class.set_bases",
    "class.set_name",
)
WEAK = ("WeakValueDictionary", "WeakKeyDictionary", "WeakSet")
ITERATOR_SOURCES = (
    "iter([{elems}])",
    "iter({{{pairs}}})",
    "iter({{{pairs}}}.items())",
    "iter({{{elems}}})",
    "iter(collections.deque([{elems}]))",
    "reversed([{elems}])",
    "enumerate([{elems}])",
    "zip([{elems}], It('iz', [{elems}]))",
    "map(F('im', 'first'), [{elems}])",
    "filter(F('if', 'first'), [{elems}])",
    "iter({shared_list})",
    "iter({shared_dict}.items())",
)
ITERTOOLS = (
    "itertools.tee(It('tt', [{elems}]))[0]",
    "itertools.cycle(It('cy', [{elems}]))",
    "itertools.groupby(It('gb', [{elems}]), F('gk', 'first'))",
    "itertools.chain(It('ch', [{elems}]), [{elems}])",
    "itertools.accumulate(It('ac', [{elems}]), F('af', 'first'))",
    "itertools.starmap(F('sm', 'first'), [(x,) for x in [{elems}]])",
    "itertools.takewhile(F('tw', True), It('tw', [{elems}]))",
    "itertools.dropwhile(F('dw', False), It('dw', [{elems}]))",
    "itertools.filterfalse(F('ff', False), It('ff', [{elems}]))",
    "itertools.islice(It('is', [{elems}]), 1, None)",
    "itertools.pairwise(It('pw', [{elems}]))",
    "itertools.zip_longest(It('zl', [{elems}]), [1])",
    "itertools.compress(It('co', [{elems}]), [1, 0, 1, 1])",
    "itertools.count()",
)


@lru_cache(maxsize=16)
def _catalog(paths: tuple[str, ...], version: tuple[int, int]) -> Catalog:
    surface = surfaces.common(*(surfaces.of_interpreter(p) for p in paths)) if paths else surfaces.snapshot(version)
    return build_catalog(surface, version)


def catalog_for(caps: Capabilities) -> Catalog:
    """The catalog of what the target (and oracle) offer: their introspected surfaces
    when the capabilities name them, else the shipped snapshot for the version."""
    return _catalog(tuple(caps.interpreter_paths), tuple(caps.version))


def _k(index: int, prefix: str = "e") -> str:
    return f"K('{prefix}{index}', {index % 3})"


class _Builder:
    def __init__(self, rng: random.Random, catalog: Catalog):
        self.rng = rng
        self.catalog = catalog
        self.objects: list[SharedObject] = []
        self.sections: set[str] = {"K"}
        self.counter = 0
        self.labels: dict[str, list[tuple[Callback, str, int]]] = {}  # object -> element pause candidates

    # -- shared objects ------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def object_of(self, kind: str, reuse: bool = True) -> str:
        if reuse:
            for obj in self.objects:
                if obj.kind == kind:
                    return obj.name
        receiver = RECEIVER[kind]
        name = f"o{len(self.objects)}"
        label = name
        elems = ", ".join(_k(i) for i in range(ELEMENTS))
        if kind in WEAK:
            self.sections.add("keep")
            elems = ", ".join(f"_KEEP[{i}]" for i in range(ELEMENTS))
            pairs = (
                ", ".join(f"{_k(i)}: _KEEP[{i}]" for i in range(ELEMENTS))
                if kind == "WeakValueDictionary"
                else ", ".join(f"_KEEP[{i}]: {_k(i, 'v')}" for i in range(ELEMENTS))
            )
        else:
            pairs = ", ".join(f"{_k(i)}: {_k(i, 'v')}" for i in range(ELEMENTS))
        values = {
            "elems": elems,
            "pairs": pairs,
            "label": label,
            "tuples": ", ".join(f"({_k(i)}, {_k(i, 'v')})" for i in range(ELEMENTS)),
            "counts": ", ".join(f"{_k(i)}: {i + 1}" for i in range(ELEMENTS)),
            "attrs": ", ".join(f"{a}={_k(i)}" for i, a in enumerate("abcd")),
        }
        if kind == "iterator":
            source = self.rng.choice(ITERATOR_SOURCES)
            if "{shared_list}" in source or "{shared_dict}" in source:
                values["shared_list"] = self.object_of("list")
                values["shared_dict"] = self.object_of("dict")
            make = source.format(**values)
            self.sections.update({"It", "F"})
        elif kind == "itertools":
            make = self.rng.choice(ITERTOOLS).format(**values)
        else:
            make = receiver.make.format(**values)
        self.sections.update(receiver.sections)
        self.objects.append(SharedObject(name, kind, make))
        self.labels[name] = self._element_pauses(kind, label)
        return name

    def _element_pauses(self, kind: str, label: str) -> list[tuple[Callback, str, int]]:
        """Pause points the receiver itself offers (its elements, its class, its hooks)."""
        receiver = RECEIVER[kind]
        if kind == "class" or kind == "instance":
            return [
                (Callback.INIT, "C0", 1),
                (Callback.INIT, "C0", 2),
                (Callback.NEW, "C0", 1),
                (Callback.META_CALL, "C0", 1),
                (Callback.MRO, "C0", 1),
                (Callback.INSTANCECHECK, "C0", 1),
                (Callback.SUBCLASSCHECK, "C0", 1),
                (Callback.INIT_SUBCLASS, "B0", 1),
                (Callback.SET_NAME, "sd", 1),
                (Callback.GET, "cd", 1),
                (Callback.SET, "cd", 1),
                (Callback.DELETE, "cd", 1),
                (Callback.REPR, "C0", 1),
                (Callback.INIT, "B0", 1),
            ]
        if kind == "function":
            return [(Callback.CALL, "f0", 1)]
        if kind == "module":
            return [(Callback.GETATTR, "m0", 1)]
        if kind == "Pickler":
            return [(Callback.REDUCE, f"e{i}", 1) for i in range(ELEMENTS + 2)]
        if kind in ("defaultdict", "partial", "lru_cache"):
            extra = [(Callback.CALL, label + "f", 1)]
        elif kind == "missing_dict":
            extra = [(Callback.MISSING, "dm", 1)]
        else:
            extra = []
        if kind == "hooks":
            return [
                (Callback.CALL, name, n) for name in ("uh", "pf", "tf", "sp", "mo", "mo2", "gcb", "f0") for n in (1, 2)
            ] + [(Callback.DEL, "u", 1)]
        if kind == "gc":
            return [(Callback.DEL, "g", 1), (Callback.CALL, "g", 1), (Callback.CALL, "gcb", 1)]
        if kind == "functools":
            return [(Callback.CALL, "rf", 1), (Callback.CALL, "rf", 2), (Callback.CALL, "cp", 1)]
        if kind == "contextvars":
            return [(Callback.CALL, "cr", 1)]
        if kind in ("iterator", "itertools"):
            made = (
                next(o.make for o in self.objects if o.name == label)
                if any(o.name == label for o in self.objects)
                else ""
            )
            carriers = [part.split("'")[1] for part in made.split("(")[1:] if part.startswith("'")]
            return (
                [(cb, c, n) for c in carriers for cb in (Callback.NEXT, Callback.CALL, Callback.ITER) for n in (1, 2)]
                + [(Callback.EQ, f"e{i}", 1) for i in range(ELEMENTS)]
            ) + extra
        elements = []
        for cb in sorted(
            receiver.element_callbacks & {Callback.EQ, Callback.HASH, Callback.LT, Callback.REPR, Callback.REDUCE},
            key=lambda c: c.value,
        ):
            prefixes = ("e",) if cb in (Callback.HASH, Callback.LT) else ("e", "v")
            elements += [
                (cb, f"{prefix}{i}", 1)
                for i in range(ELEMENTS)
                for prefix in prefixes
                if i == 0 or cb is not Callback.LT
            ]
        return elements + extra

    # -- arguments -----------------------------------------------------------------------

    def argument(self, role: Role, operation: Operation, obj: str) -> tuple[str, list[tuple[Callback, str, int]]]:
        """An argument expression for `role` and the pause points its carriers offer."""
        rng = self.rng
        receiver = RECEIVER[operation.receiver]
        method = operation.name.split(".", 1)[1]
        domain = {"bytes": "bytes", "text": "text"}.get(receiver.shape, "items")
        if receiver.kind in ("StringIO", "TextIOWrapper"):
            domain = "text"
        elif receiver.kind == "BytesIO":
            domain = "bytes"
        if role is Role.ELEM:
            if operation.receiver in WEAK:
                return f"_KEEP[{rng.randrange(ELEMENTS + 2)}]", []
            if operation.receiver == "Element":
                index = rng.randrange(ELEMENTS + 2)
                return f"EK('e{index}')", [(Callback.EQ, f"e{i}", 1) for i in range(min(index, ELEMENTS - 1) + 1)]
            if domain == "bytes":
                n = rng.choice((97, 98, 120))
                label = self.fresh("b")
                self.sections.add("N")
                return f"N('{label}', {n})", [(Callback.INDEX, label, 1)]
            if domain == "text" and receiver.kind != "str":
                return repr(rng.choice("abx")), []
            index = rng.randrange(ELEMENTS + 2)
            same_bucket = [f"e{i}" for i in range(ELEMENTS) if i % 3 == index % 3]
            if receiver.shape in ("mapping", "set"):
                stored = [(Callback.EQ, label, 1) for label in same_bucket]
            else:
                stored = [(Callback.EQ, f"e{i}", 1) for i in range(min(index, ELEMENTS - 1) + 1)]
            if rng.random() < 0.5:
                return _k(index), [(Callback.HASH, f"e{index}", 1), (Callback.FORMAT, f"e{index}", 1), *stored]
            label = self.fresh("a")
            return f"K('{label}', {index % 3})", [
                (Callback.HASH, label, 1),
                (Callback.FORMAT, label, 1),
                (Callback.STR, label, 1),
                *stored,
            ]
        if role is Role.INDEX:
            label = self.fresh("i")
            self.sections.add("N")
            return f"N('{label}', {rng.choice((0, 1, 2, -1, 3))})", [(Callback.INDEX, label, 1)]
        if role is Role.ITERABLE:
            label = self.fresh("it")
            if operation.receiver == "Element":
                items = "[EK('e7'), EK('e8')]"
            elif domain == "bytes":
                items = "[b'ab', b'c']" if method in ("join", "writelines") else "[97, 98, 99]"
            elif domain == "text":
                items = "['ab', 'c\\n']"
            elif rng.random() < 0.3 and operation.receiver not in ("list",):
                items = self.object_of("list")
            else:
                items = "[" + ", ".join(_k(rng.randrange(ELEMENTS + 2)) for _ in range(rng.randint(1, 3))) + "]"
            if domain == "items" and rng.random() < 0.15:
                self.sections.add("Seq")
                return f"Seq('{label}', {items})", [(Callback.GETITEM, label, n) for n in (1, 2)]
            self.sections.add("It")
            return f"It('{label}', {items})", [
                (Callback.ITER, label, 1),
                (Callback.NEXT, label, 1),
                (Callback.NEXT, label, 2),
                (Callback.LEN, label, 1),
            ]
        if role is Role.MAPPING:
            label = self.fresh("m")
            self.sections.add("M")
            if domain == "text":
                source = "{97: 'z', 98: None, '0': K('f0', 0), '1': K('f1', 1), 'x': K('fx', 2)}"
            elif rng.random() < 0.3 and operation.receiver != "dict":
                source = self.object_of("dict")
            else:
                source = "{" + ", ".join(f"{_k(i)}: {_k(i + 4, 'v')}" for i in rng.sample(range(ELEMENTS + 2), 2)) + "}"
            return f"M('{label}', {source})", [
                (Callback.KEYS, label, 1),
                (Callback.GETITEM, label, 1),
                (Callback.GETITEM, label, 2),
            ]
        if role is Role.CALLABLE:
            label = self.fresh("f")
            self.sections.add("F")
            return f"F('{label}', 'first')", [(Callback.CALL, label, 1)]
        if role is Role.OTHER:
            if receiver.kind == "SimpleNamespace":
                return f"types.SimpleNamespace(a={_k(rng.randrange(ELEMENTS))})", []
            if receiver.kind == "BytesIO" or receiver.shape == "bytes":
                return "bytearray(b'xyz')", []
            if receiver.kind in ("StringIO", "str", "TextIOWrapper"):
                return "'xyz'", []
            index = rng.randrange(ELEMENTS + 2)
            if receiver.kind == "WeakSet":
                return f"[_KEEP[{index}]]", []
            if receiver.kind == "WeakKeyDictionary":
                return f"{{_KEEP[{index}]: {_k(index, 'v')}}}", []
            if receiver.kind == "WeakValueDictionary":
                return f"{{{_k(index)}: _KEEP[{index}]}}", [(Callback.HASH, f"e{index}", 1)]
            if receiver.kind == "Counter":
                return f"collections.Counter({{{_k(index)}: 2}})", [
                    (Callback.HASH, f"e{index}", 1),
                    (Callback.EQ, f"e{index}", 1),
                ]
            if receiver.shape == "mapping":
                return f"{{{_k(index)}: {_k(index, 'v')}}}", [
                    (Callback.HASH, f"e{index}", 1),
                    (Callback.EQ, f"e{index}", 1),
                ]
            if receiver.shape == "set":
                return f"{{{_k(index)}}}", [(Callback.HASH, f"e{index}", 1), (Callback.EQ, f"e{index}", 1)]
            if receiver.kind == "deque":
                return f"collections.deque([{_k(index)}])", [(Callback.EQ, f"e{index}", 1)]
            if receiver.kind == "tuple":
                return f"({_k(index)},)", [(Callback.EQ, f"e{index}", 1), (Callback.LT, f"e{index}", 1)]
            return f"[{_k(index)}]", [(Callback.EQ, f"e{index}", 1), (Callback.LT, f"e{index}", 1)]
        if role is Role.TEXT:
            if domain == "bytes":
                return rng.choice(("b'a'", "b'ab'", "b'x'")), []
            return rng.choice(("'a'", "'ab'", "'x'", "'utf-8'")), []
        return rng.choice(("True", "False")), []

    # -- steps -----------------------------------------------------------------------------

    def step(self, operation: Operation, pause: bool) -> Step:
        obj = self.object_of(operation.receiver)
        args, offered = [], []
        for role in operation.roles:
            text, points = self.argument(role, operation, obj)
            args.append(text)
            offered.extend(points)
        chosen = None
        if pause:
            if operation.receiver in ("class", "instance") and operation.callbacks:
                offered = offered + self.labels[obj]
            candidates = [p for p in offered + self.labels[obj] if p[0] in operation.callbacks]
            # the operation's own arguments first: their callbacks are the likeliest to run;
            # then what only this receiver offers (a factory, __missing__, a hook)
            own = [p for p in offered if p[0] in operation.callbacks]
            special = [p for p in candidates if p[0] in (Callback.CALL, Callback.MISSING, Callback.GETATTR)]
            pool = (
                special
                if special and self.rng.random() < 0.5
                else own
                if own and self.rng.random() < 0.7
                else candidates
            )
            if pool:
                callback, label, nth = self.rng.choice(pool)
                if callback is Callback.INIT and operation.name == "class.construct":
                    nth = self.rng.choice((2, 3))  # mid-construction, from a warm call site
                chosen = Pause(callback, label, nth)
        text = operation.template + " ".join(args)
        for carrier in ("K", "KD", "N", "It", "Seq", "M", "F", "Desc", "DM"):
            if f"{carrier}(" in text:
                self.sections.add(carrier)
        if "EK(" in text:
            self.sections.add("etree")
        if "_KEEP" in text:
            self.sections.add("keep")
        return Step(operation.name, obj, operation.template, tuple(args), chosen)


def _actor_names(busy: set[str], count: int) -> list[str]:
    return [f"t{i}" for i in range(8) if f"t{i}" not in busy][:count]


def build_plan(rng: random.Random, caps: Capabilities) -> InterleavePlan:
    catalog = catalog_for(caps)
    builder = _Builder(rng, catalog)
    operations = list(catalog.operations)
    pausable = [op for op in operations if op.pausable]
    by_name = {op.name: op for op in operations}
    construction = rng.random() < CONSTRUCTION_SHARE
    paused_op = by_name["class.construct"] if construction else rng.choice(pausable)
    paused_step = builder.step(paused_op, pause=True)
    same = builder.catalog.by_receiver(paused_op.receiver)

    def mutator() -> Operation:
        if construction:
            return by_name[rng.choice(CONSTRUCTION_MUTATORS)]
        if rng.random() < 0.65:
            return rng.choice(same)
        return rng.choice(operations)  # other objects too: every operation gets to be a mutator

    window: list[Slot] = []
    others = _actor_names({"t0"}, 2)
    for index in range(rng.randint(1, 3)):
        actor = others[index % len(others)] if rng.random() < 0.7 else others[0]
        if index == 0 and rng.random() < NESTED_SHARE:
            nested_op = rng.choice([op for op in same if op.pausable] or pausable)
            nested_step = builder.step(nested_op, pause=True)
            inner_actor = next(a for a in others if a != actor) if len(others) > 1 else "t3"
            inner = tuple(Slot(inner_actor, builder.step(mutator(), pause=False)) for _ in range(rng.randint(1, 2)))
            window.append(Slot(actor, nested_step, inner))
        else:
            window.append(Slot(actor, builder.step(mutator(), pause=False)))
    schedule = [Slot("t0", paused_step, tuple(window))]
    # afterwards: the paused operation again ("constructs again"), and reads by others
    if construction or rng.random() < 0.5:
        schedule.append(Slot("t0", builder.step(paused_op, pause=False)))
    if rng.random() < 0.4:
        schedule.append(Slot(rng.choice(["t0", *others]), builder.step(rng.choice(same), pause=False)))
    raises: tuple[tuple[Callback, str], ...] = ()
    if rng.random() < 0.1 and paused_step.pause is not None:
        candidates = [
            p for p in builder.labels[paused_step.obj] if p[:2] != (paused_step.pause.callback, paused_step.pause.label)
        ]
        if candidates:
            callback, label, _ = rng.choice(candidates)
            raises = ((callback, label),)
    mode = Mode.FREE if rng.random() < FREE_SHARE and free_mode_safe(tuple(schedule)) else Mode.FORCED
    sections = tuple(s for s in SECTION_ORDER if s in builder.sections)
    return InterleavePlan(
        mode,
        tuple(builder.objects),
        tuple(schedule),
        raises,
        rounds=rng.choice((10, 20, 50)) if mode is Mode.FREE else 1,
        sections=sections,
    )


def free_mode_safe(schedule: tuple[Slot, ...]) -> bool:
    """Whether the steps can be looped by all threads at once: not when one multiplies a
    container's size (memory runs out), nor when one swaps sys.unraisablehook (which hook
    reports an event would depend on the schedule)."""
    plan = InterleavePlan(Mode.FORCED, (), schedule)
    return not any(
        "imul" in slot.step.template or "__imul__" in slot.step.operation or "unraisablehook" in slot.step.operation
        for _, slot in plan.slots()
    )


SECTION_ORDER = (
    "K",
    "KD",
    "N",
    "It",
    "Seq",
    "M",
    "F",
    "Desc",
    "DM",
    "classes",
    "function",
    "module",
    "hooks",
    "keep",
    "gc",
    "functools",
    "etree",
    "contextvars",
)
