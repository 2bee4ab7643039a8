"""Class hierarchies of the IR: generating valid ones and predicting what they do.

Pure functions over ClassSpec lists.  The generator uses them to keep every hierarchy
valid (C3 linearization, no layout conflicts); the renderer uses them to write the
expected values (MROs, __init__ traces, attribute lookups) into the program, so a
program checks itself against what the language guarantees.
"""

from __future__ import annotations

import random

from .scenario import BUILTIN_BASES, Capabilities, ClassSpec, MetaSpec


class LinearizationError(ValueError):
    pass


def _merge(sequences: list[list[str]]) -> list[str]:
    result: list[str] = []
    sequences = [list(s) for s in sequences if s]
    while sequences:
        for sequence in sequences:
            head = sequence[0]
            if not any(head in other[1:] for other in sequences):
                break
        else:
            raise LinearizationError("no consistent method resolution order")
        result.append(head)
        sequences = [[x for x in s if x != head] for s in sequences]
        sequences = [s for s in sequences if s]
    return result


def mro(name: str, specs: dict[str, ClassSpec]) -> list[str]:
    """C3 linearization over generated classes only (builtins left out)."""
    spec = specs[name]
    bases = [b for b in spec.bases if b in specs]
    return [name, *_merge([mro(b, specs) for b in bases] + [bases])]


def by_name(classes: list[ClassSpec]) -> dict[str, ClassSpec]:
    return {c.name: c for c in classes}


def init_trace(name: str, specs: dict[str, ClassSpec]) -> list[str]:
    """Cooperative __init__s run base-most first: the order names are appended."""
    return [c for c in reversed(mro(name, specs)) if specs[c].define_init]


def new_trace(name: str, specs: dict[str, ClassSpec]) -> list[str]:
    return [c for c in reversed(mro(name, specs)) if specs[c].define_new]


def class_attribute_values(name: str, specs: dict[str, ClassSpec]) -> dict[str, int]:
    """What `instance.attr` gives for every class attribute visible from `name`."""
    values: dict[str, int] = {}
    for cls in reversed(mro(name, specs)):
        values.update(specs[cls].class_attrs)
    return dict(sorted(values.items()))


def subclass_records(classes: list[ClassSpec]) -> list[tuple[str, str]]:
    """(recorder, new class) pairs __init_subclass__ hooks record, in definition order."""
    specs = by_name(classes)
    records = []
    for cls in classes:
        for ancestor in mro(cls.name, specs)[1:]:
            if specs[ancestor].init_subclass:
                records.append((ancestor, cls.name))
    return sorted(records)


def leaves(classes: list[ClassSpec]) -> list[str]:
    used = {b for c in classes for b in c.bases}
    return [c.name for c in classes if c.name not in used]


def root_of(classes: list[ClassSpec]) -> ClassSpec:
    return next(c for c in classes if all(b in BUILTIN_BASES for b in c.bases))


BUILTIN_WEIGHTS = {"object": 5, "list": 1, "dict": 1, "Exception": 1, "int": 1}


def build_hierarchy(
    rng: random.Random,
    caps: Capabilities,
    prefix: str,
    size: int,
    builtin: str | None = None,
    allow_slots: bool = True,
    allow_meta: bool = True,
) -> tuple[list[MetaSpec], list[ClassSpec]]:
    """A random valid hierarchy of `size` classes under one root.

    Invariants kept: every non-root class has 1-3 bases among earlier classes with a
    consistent C3 order; classes with __slots__ are never used as bases (no layout
    conflicts) and never under an int root; one metaclass (or none) for the hierarchy.
    """
    builtin = builtin or rng.choices(list(BUILTIN_WEIGHTS), weights=list(BUILTIN_WEIGHTS.values()))[0]
    metas: list[MetaSpec] = []
    metaclass = None
    if allow_meta and rng.random() < 0.35:
        metaclass = f"{prefix}Meta"
        metas.append(MetaSpec(metaclass, override_call=rng.random() < 0.6, custom_mro=rng.random() < 0.5))
    root = ClassSpec(
        name=f"{prefix}0",
        bases=[builtin],
        builtin=builtin,
        metaclass=metaclass,
        define_init=True,
        define_new=rng.random() < 0.3,
        init_subclass=rng.random() < 0.5,
        class_attrs=_class_attrs(rng, prefix, 0),
        property_factor=rng.choice([None, 2, 3]),
        descriptor=rng.random() < 0.3,
    )
    classes = [root]
    specs = {root.name: root}
    for index in range(1, size):
        name = f"{prefix}{index}"
        candidates = [c.name for c in classes if c.slots is None]
        wanted = rng.choice([1, 1, 1, 2, 2, 3])
        bases = rng.sample(candidates, min(wanted, len(candidates)))
        spec = ClassSpec(
            name=name,
            bases=bases,
            builtin=builtin,
            metaclass=None,
            define_init=rng.random() < 0.75,
            define_new=rng.random() < 0.2,
            init_subclass=rng.random() < 0.25,
            class_attrs=_class_attrs(rng, prefix, index),
            property_factor=rng.choice([None, None, 2, 5]),
            descriptor=rng.random() < 0.2,
        )
        specs[name] = spec
        while True:
            try:
                mro(name, specs)
                break
            except LinearizationError:
                spec.bases = spec.bases[:-1] if len(spec.bases) > 1 else [classes[-1].name]
        if allow_slots and builtin != "int" and rng.random() < 0.25:
            spec.slots = [f"s_{name}"]
        if spec.slots or spec.descriptor:
            spec.define_init = True  # the slot / descriptor field is set by the class's own __init__
        classes.append(spec)
    return metas, classes


def _class_attrs(rng: random.Random, prefix: str, index: int) -> dict[str, int]:
    # Shared names across classes make lookups depend on the MRO; unique ones grow keys.
    names = [f"ca_{prefix}", f"ca_{prefix}{index}", "ca_shared"]
    return {name: rng.randrange(1000) for name in rng.sample(names, rng.choice([0, 1, 1, 2]))}
