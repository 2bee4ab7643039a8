"""Structure-aware mutations of scenarios (the campaign's feedback loop).

Each mutation is a plain function (scenario, rng) -> scenario | None kept in MUTATIONS;
None means "does not apply".  Mutations only change what the renderer re-derives its
allowed outcomes from, so a mutated program checks itself as soundly as a generated one:
no mutation may leave a reference to something that no longer exists.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable

from .family import FAMILIES
from .scenario import Scenario

Mutation = Callable[[Scenario, random.Random], "Scenario | None"]
# Family-specific mutations and splices live with their family (fuzz/family.py).


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


# Mutations of the worker/mutator IR most families share; a family adds its own (fuzz/family.py).
MUTATIONS: list[Mutation] = [
    add_thread,
    remove_thread,
    grow_iterations,
    shrink_iterations,
    grow_rounds,
    drop_mutation,
    repeat_mutation,
]


def mutate(scenario: Scenario, rng: random.Random, other: Scenario | None = None, steps: int = 2) -> Scenario:
    """A copy of `scenario` with 1..steps structure-aware mutations applied (splicing
    with `other` when given and possible); the original is untouched."""
    family = FAMILIES[scenario.family]
    result = copy.deepcopy(scenario)
    applied = []
    if other is not None and other.family == scenario.family and family.splice is not None and rng.random() < 0.3:
        spliced = family.splice(result, rng, copy.deepcopy(other))
        if spliced is not None:
            result = spliced
            applied.append("splice")
    mutations = MUTATIONS + list(family.mutations)
    for _ in range(rng.randint(1, steps)):
        for mutation in rng.sample(mutations, len(mutations)):
            changed = mutation(result, rng)
            if changed is not None:
                result = changed
                applied.append(mutation.__name__)
                break
    result.notes = [n for n in result.notes if not n.startswith("mutated:")] + [f"mutated: {', '.join(applied)}"]
    return result
