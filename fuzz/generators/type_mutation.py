"""Family `type_mutation`: class and instance state mutated while threads use it.

Mutators write and delete class attributes (new names grow the shared keys), assign
__bases__, __class__, __name__/__qualname__ of classes and functions, replace, clear
and update instance __dict__s, and collect garbage, many times in a row (type version
churn); workers construct, read attributes, call isinstance and repr.  Every read must
return a value some write could have produced; the final state is restored and emitted.
"""

from __future__ import annotations

import random

from ..scenario import Capabilities, ClassSpec, Mutation, Mutator, Scenario, Worker
from ._sizing import iterations, thread_copies

NAME = "type_mutation"
DESCRIPTION = "class attributes, __bases__, __class__, names and instance dicts mutated under use"

ACTIONS = ("read", "isinstance", "repr", "write_read", "construct")


def build(rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
    attr_names = [f"ca_{k}" for k in range(rng.randint(1, 3))]

    def attrs() -> dict[str, int]:
        return {name: rng.randrange(100) for name in attr_names if rng.random() < 0.6}

    classes = [
        ClassSpec("TA", ["object"], define_init=False, class_attrs=attrs()),
        ClassSpec("TA2", ["object"], define_init=False, class_attrs=attrs()),
        ClassSpec("TB", ["TA"], define_init=False, class_attrs=attrs()),
        ClassSpec("TS", ["object"], define_init=False, class_attrs=attrs()),
    ]
    pool_size = rng.randint(2, 6)
    grow = [f"grow_{k}" for k in range(rng.randint(1, 4))]

    def random_mutation() -> Mutation:
        op = rng.choice(
            ["set_class_attr"] * 3
            + [
                "del_class_attr",
                "set_bases",
                "set_class",
                "set_name",
                "set_qualname",
                "set_func_name",
                "dict_replace",
                "dict_clear",
                "dict_update",
                "gc_collect",
            ]
        )
        cls = rng.choice(["TA", "TA2", "TB", "TS"])
        index = rng.randrange(pool_size)
        if op == "set_class_attr":
            return Mutation(op, cls, [rng.choice(attr_names + grow), rng.randrange(100)])
        if op == "del_class_attr":
            return Mutation(op, cls, [rng.choice(attr_names + grow)])
        if op == "set_bases":
            return Mutation(op, "TB", [[rng.choice(["TA", "TA2"])]])
        if op == "set_class":
            return Mutation(op, "POOL", [index, rng.choice(["TB", "TS"])])
        if op in ("set_name", "set_qualname"):
            return Mutation(op, rng.choice(["TB", "TS"]), [f"{cls}_{rng.randrange(3)}"])
        if op == "set_func_name":
            return Mutation(op, "TB", [f"m{rng.randrange(3)}", f"q{rng.randrange(3)}"])
        if op == "dict_replace":
            return Mutation(op, "POOL", [index, {"ia_0": rng.randrange(50), "ia_1": rng.randrange(50)}])
        if op == "dict_clear":
            return Mutation(op, "POOL", [index])
        if op == "dict_update":
            return Mutation(op, "POOL", [index, {rng.choice(["ia_0", "ia_1"]): rng.randrange(50)}])
        return Mutation("gc_collect", "gc")

    mutators = [
        Mutator(f"mutator_{k}", [random_mutation() for _ in range(rng.randint(3, 10))], rounds=rng.randint(100, 1500))
        for k in range(rng.randint(1, 2))
    ]
    finals = [Mutation("set_bases", "TB", [["TA"]])]
    for name in ("TB", "TS"):
        finals += [Mutation("set_name", name, [name]), Mutation("set_qualname", name, [name])]
    finals.append(Mutation("set_func_name", "TB", ["_method", "_method"]))
    for index in range(pool_size):
        finals += [
            Mutation("set_class", "POOL", [index, "TB"]),
            Mutation("dict_replace", "POOL", [index, {"ia_0": index, "ia_1": index * 3}]),
        ]
    for cls in ("TA", "TA2", "TB", "TS"):
        for name in attr_names + grow:
            finals.append(Mutation("set_class_attr", cls, [name, rng.randrange(100)]))
    mutators[-1].final = finals
    actions = rng.sample(ACTIONS, rng.randint(2, 4))
    workers = [
        Worker(f"user_{action}", action, ["TB"], iterations(rng, caps, 100, 800), thread_copies(rng, caps, 2))
        for action in actions
    ]
    notes = [
        f"workers: {', '.join(actions)}; pool of {pool_size} instances; "
        f"mutations: {', '.join(sorted({m.op for mut in mutators for m in mut.plan}))}"
    ]
    return Scenario(
        family=NAME,
        seed=seed,
        caps=caps,
        classes=classes,
        race_class="TB",
        pool_size=pool_size,
        workers=workers,
        mutators=mutators,
        gc_between=True,
        notes=notes,
    )
