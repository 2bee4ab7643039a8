"""Family `cold_start`: many threads run the same constructors from the very first call.

No warm-up: the code objects have never run when the barrier opens, so thread-local
bytecode copies and specialization race on one code object.
"""

from __future__ import annotations

import random

from .. import classes as hierarchy
from ..scenario import Capabilities, Scenario, Worker
from ._sizing import iterations

NAME = "cold_start"
DESCRIPTION = "many threads calling fresh constructors at once (thread-local bytecode, specialization)"


def build(rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
    metas, classes = hierarchy.build_hierarchy(rng, caps, "K", rng.randint(2, 5))
    leaves = hierarchy.leaves(classes)
    threads = rng.randint(6, 16) if caps.free_threaded else rng.randint(4, 8)
    targets = sorted(rng.sample(leaves, min(len(leaves), rng.randint(1, 2))))
    # One worker body shared by every thread: the same code objects, cold.
    worker = Worker("cold_builder", "construct", targets, iterations(rng, caps, 50, 400), threads)
    notes = [f"{threads} threads construct {', '.join(targets)} from the first call"]
    return Scenario(
        family=NAME, seed=seed, caps=caps, metaclasses=metas, classes=classes, workers=[worker], notes=notes
    )
