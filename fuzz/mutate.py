"""Structure-aware mutations of scenarios (the campaign's feedback loop).

Each mutation is a plain function (scenario, rng) -> scenario | None kept in MUTATIONS;
None means "does not apply".  Mutations only change what the renderer re-derives its
allowed outcomes from, so a mutated program checks itself as soundly as a generated one:
no mutation may leave a reference to something that no longer exists.
"""

from __future__ import annotations

import copy
import random
from typing import Callable

from .scenario import INIT_KINDS, Scenario

Mutation = Callable[[Scenario, random.Random], "Scenario | None"]


def add_thread(scenario: Scenario, rng: random.Random) -> Scenario | None:
    if not scenario.workers:
        return None
    worker = rng.choice(scenario.workers)
    if worker.copies >= 16:
        return None
    worker.copies += 1
    return scenario


def remove_thread(scenario: Scenario, rng: random.Random) -> Scenario | None:
    candidates = [w for w in scenario.workers if w.copies > 1]
    if not candidates:
        return None
    rng.choice(candidates).copies -= 1
    return scenario


def grow_iterations(scenario: Scenario, rng: random.Random) -> Scenario | None:
    if not scenario.workers or scenario.family == "faults":
        return None
    worker = rng.choice(scenario.workers)
    if worker.iterations > 20000:
        return None
    worker.iterations *= 2
    return scenario


def shrink_iterations(scenario: Scenario, rng: random.Random) -> Scenario | None:
    candidates = [w for w in scenario.workers if w.iterations >= 20]
    if not candidates:
        return None
    rng.choice(candidates).iterations //= 2
    return scenario


def grow_rounds(scenario: Scenario, rng: random.Random) -> Scenario | None:
    if not scenario.mutators:
        return None
    mutator = rng.choice(scenario.mutators)
    mutator.rounds = min(mutator.rounds * 2, 50000)
    return scenario


def drop_mutation(scenario: Scenario, rng: random.Random) -> Scenario | None:
    candidates = [m for m in scenario.mutators if len(m.plan) > 1]
    if not candidates:
        return None
    mutator = rng.choice(candidates)
    mutator.plan.pop(rng.randrange(len(mutator.plan)))
    return scenario


def repeat_mutation(scenario: Scenario, rng: random.Random) -> Scenario | None:
    if not scenario.mutators:
        return None
    mutator = rng.choice(scenario.mutators)
    if not mutator.plan or len(mutator.plan) > 30:
        return None
    mutator.plan.insert(rng.randrange(len(mutator.plan) + 1), copy.deepcopy(rng.choice(mutator.plan)))
    return scenario


SWAPPABLE = ("function", "closure", "lambda", "builtin", "callable_object", "partial", "staticmethod",
             "classmethod", "wrong_arity", "raises", "returns_value")


def swap_callable_kind(scenario: Scenario, rng: random.Random) -> Scenario | None:
    """init_race: turn one __init__ version into another kind of callable.  Mutations
    that only make sense for the old kind (defaults, kwdefaults, code) are dropped."""
    if scenario.family != "init_race":
        return None
    candidates = [v for v in scenario.init_versions if v.name not in ("v0", "vbase")]
    if not candidates:
        return None
    version = rng.choice(candidates)
    version.kind = rng.choice([k for k in SWAPPABLE if k != version.kind])
    for mutator in scenario.mutators:
        mutator.plan = [m for m in mutator.plan if not (m.target == version.name and m.op != "set_init")]
        mutator.final = [m for m in mutator.final if not (m.target == version.name and m.op != "set_init")]
    return scenario


def splice(scenario: Scenario, rng: random.Random, other: Scenario | None = None) -> Scenario | None:
    """Take the other scenario's mutation plan (init_race: versions and mutators) or
    workers (shared_containers) into this one."""
    if other is None or other.family != scenario.family:
        return None
    if scenario.family == "init_race":
        scenario.init_versions = copy.deepcopy(other.init_versions)
        scenario.new_versions = list(other.new_versions)
        scenario.mutators = copy.deepcopy(other.mutators)
        return scenario
    if scenario.family == "shared_containers" and scenario.hostile == other.hostile:
        extra = copy.deepcopy(other.workers)
        for index, worker in enumerate(extra):
            worker.name = f"spliced_{index}_{worker.name}"
        scenario.workers = scenario.workers + extra
        scenario.settings = dict(scenario.settings, containers=sorted(
            set(scenario.settings["containers"]) | set(other.settings["containers"])))
        return scenario
    return None


MUTATIONS: list[Mutation] = [add_thread, remove_thread, grow_iterations, shrink_iterations, grow_rounds,
                             drop_mutation, repeat_mutation, swap_callable_kind]


def mutate(scenario: Scenario, rng: random.Random, other: Scenario | None = None, steps: int = 2) -> Scenario:
    """A copy of `scenario` with 1..steps structure-aware mutations applied (splicing
    with `other` when given and possible); the original is untouched."""
    result = copy.deepcopy(scenario)
    applied = []
    if other is not None and rng.random() < 0.3:
        spliced = splice(result, rng, copy.deepcopy(other))
        if spliced is not None:
            result = spliced
            applied.append("splice")
    for _ in range(rng.randint(1, steps)):
        for mutation in rng.sample(MUTATIONS, len(MUTATIONS)):
            changed = mutation(result, rng)
            if changed is not None:
                result = changed
                applied.append(mutation.__name__)
                break
    result.notes = [n for n in result.notes if not n.startswith("mutated:")] + [f"mutated: {', '.join(applied)}"]
    return result


assert set(SWAPPABLE) <= set(INIT_KINDS)
