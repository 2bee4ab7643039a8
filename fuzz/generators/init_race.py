"""Family `init_race`: instances constructed in loops while mutators swap __init__.

Worker threads construct the race class and a subclass (two warm call sites of
CALL_ALLOC_AND_ENTER_INIT where the specializer is on) while mutator threads reassign or
delete __init__ (of the class and of its base), switch between kinds of callables,
replace __new__, and change __defaults__, __kwdefaults__ or __code__ under the warm
call site.  Every construction must have an outcome one version allows.
"""

from __future__ import annotations

import copy
import random

from ..scenario import INIT_KINDS, Capabilities, ClassSpec, InitVersion, Mutation, Mutator, Scenario, Worker
from ._sizing import iterations, thread_copies

NAME = "init_race"
DESCRIPTION = "__init__/__new__ swapped between callable kinds under warm constructor call sites"

SAFE_KINDS = ("function", "closure", "lambda")


def build(rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
    builtin = rng.choice(["object", "object", "object", "list", "dict", "Exception"])
    base = ClassSpec("RBase", [builtin], builtin=builtin, define_init=False)
    race = ClassSpec("Race", ["RBase"], builtin=builtin, define_init=False)
    sub = ClassSpec("RaceSub", ["Race"], builtin=builtin, define_init=False)
    # Version 0 is always a plain function: the initial and the final state.
    kinds = ["function", *rng.sample([k for k in INIT_KINDS if k != "function"], rng.randint(2, 6))]
    if rng.random() < 0.3:
        kinds.append(rng.choice(SAFE_KINDS))
    versions = [InitVersion(f"v{index}", kind, f"t{index}") for index, kind in enumerate(kinds)]
    base_version = InitVersion("vbase", rng.choice(SAFE_KINDS), "tbase")
    versions.append(base_version)
    new_versions = [f"n{index}" for index in range(rng.choice([0, 0, 1, 2]))]

    def random_mutation() -> Mutation:
        choices = ["set_init"] * 4 + ["del_init"]
        special = {v.kind: v for v in versions}
        if new_versions:
            choices += ["set_new", "del_new"]
        for kind, op in (("defaults", "set_defaults"), ("kwdefaults", "set_kwdefaults"), ("code", "set_code")):
            if kind in special:
                choices += [op] * 2
        choices.append("set_base_init")
        op = rng.choice(choices)
        if op == "set_init":
            return Mutation("set_init", "Race", [rng.choice(versions[:-1]).name])
        if op == "set_base_init":
            return Mutation("set_init", "RBase", [rng.choice([base_version, rng.choice(versions[:-1])]).name])
        if op == "del_init":
            return Mutation("del_init", "Race")
        if op == "set_new":
            return Mutation("set_new", "Race", [rng.choice(new_versions)])
        if op == "del_new":
            return Mutation("del_new", "Race")
        if op == "set_defaults":
            return Mutation("set_defaults", special["defaults"].name, [rng.choice([[2], [3], None, [1]])])
        if op == "set_kwdefaults":
            return Mutation(
                "set_kwdefaults",
                special["kwdefaults"].name,
                [rng.choice([{"mode": "y"}, {"mode": "z"}, None, {"mode": "x"}])],
            )
        return Mutation("set_code", special["code"].name, [rng.choice(["alt", "orig"])])

    mutators = []
    for index in range(rng.randint(1, 2)):
        plan = [random_mutation() for _ in range(rng.randint(2, 6))]
        mutators.append(Mutator(f"mutator_{index}", plan, rounds=rng.randint(200, 3000)))
    # The finals restore one known state in the main thread after the join.
    finals = [Mutation("set_init", "Race", ["v0"]), Mutation("set_init", "RBase", ["vbase"])]
    if new_versions:
        finals.append(Mutation("set_new", "Race", [new_versions[0]]))
    for version in versions:
        if version.kind == "defaults":
            finals.append(Mutation("set_defaults", version.name, [[1]]))
        elif version.kind == "kwdefaults":
            finals.append(Mutation("set_kwdefaults", version.name, [{"mode": "x"}]))
        elif version.kind == "code":
            finals.append(Mutation("set_code", version.name, ["orig"]))
    mutators[-1].final = finals
    count = iterations(rng, caps, 300, 2000)
    if "recursive" in kinds:
        count = max(100, count // 4)  # each recursive construction costs ~1000 frames
    workers = [
        Worker(
            f"constructor_{index}",
            "construct",
            rng.choice([["Race"], ["Race", "RaceSub"], ["RaceSub"]]),
            count,
            thread_copies(rng, caps),
        )
        for index in range(rng.randint(1, 2))
    ]
    notes = [
        f"__init__ kinds: {', '.join(v.kind for v in versions)}",
        f"{sum(w.copies for w in workers)} constructor threads, {len(mutators)} mutator threads",
    ]
    return Scenario(
        family=NAME,
        seed=seed,
        caps=caps,
        classes=[base, race, sub],
        init_versions=versions,
        new_versions=new_versions,
        race_class="Race",
        race_base="RBase",
        initial_init="v0",
        workers=workers,
        mutators=mutators,
        notes=notes,
    )


# -- the campaign's mutations of this family (see fuzz/mutate.py) --------------------------

SWAPPABLE = (
    "function",
    "closure",
    "lambda",
    "builtin",
    "callable_object",
    "partial",
    "staticmethod",
    "classmethod",
    "wrong_arity",
    "raises",
    "returns_value",
)


def swap_callable_kind(scenario: Scenario, rng: random.Random) -> Scenario | None:
    """init_race: turn one __init__ version into another kind of callable.  Mutations
    that only make sense for the old kind (defaults, kwdefaults, code) are dropped."""
    candidates = [v for v in scenario.init_versions if v.name not in ("v0", "vbase")]
    if not candidates:
        return None
    version = rng.choice(candidates)
    version.kind = rng.choice([k for k in SWAPPABLE if k != version.kind])
    for mutator in scenario.mutators:
        mutator.plan = [m for m in mutator.plan if not (m.target == version.name and m.op != "set_init")]
        mutator.final = [m for m in mutator.final if not (m.target == version.name and m.op != "set_init")]
    return scenario


def splice_init_race(scenario: Scenario, rng: random.Random, other: Scenario) -> Scenario | None:
    """init_race: take the other scenario's __init__ versions and mutators."""
    scenario.init_versions = copy.deepcopy(other.init_versions)
    scenario.new_versions = list(other.new_versions)
    scenario.mutators = copy.deepcopy(other.mutators)
    return scenario


assert set(SWAPPABLE) <= set(INIT_KINDS)
