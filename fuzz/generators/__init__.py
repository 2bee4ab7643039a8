"""Program families: one module each, each with build(rng, caps) -> Scenario.

FAMILIES maps the family name (as used on the command line and in statistics) to its
module; every module has NAME, DESCRIPTION and build().
"""

from __future__ import annotations

import random
from types import ModuleType

from ..scenario import Capabilities, Scenario
from . import cold_start, faults, hierarchy, hooks, init_race, shared_containers, type_mutation, unraisable

FAMILIES: dict[str, ModuleType] = {
    module.NAME: module for module in (hierarchy, init_race, type_mutation, cold_start, shared_containers, unraisable, hooks, faults)
}


def build(family: str, seed: int, caps: Capabilities) -> Scenario:
    """The scenario of `family` for `seed`: the same inputs always give the same scenario."""
    try:
        module = FAMILIES[family]
    except KeyError:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(sorted(FAMILIES))}") from None
    return module.build(random.Random(f"{family}:{seed}"), caps, seed=seed)
