"""Family `hierarchy`: random class hierarchies built and instantiated from threads.

Depth and width vary; multiple inheritance keeps a valid MRO; __slots__, __new__,
__init_subclass__, metaclasses with __call__ and mro(), super() chains, builtin bases,
properties, descriptors and class attributes; every instance is checked against what the
language guarantees for its class.
"""

from __future__ import annotations

import random

from .. import classes as hierarchy
from ..scenario import Capabilities, Scenario, Worker
from ._sizing import iterations, thread_copies

NAME = "hierarchy"
DESCRIPTION = "class hierarchies (MI, slots, __new__, metaclasses, descriptors) built from threads"


def build(rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
    metas, classes = [], []
    for index in range(rng.choice([1, 1, 2])):
        prefix = "HABCDEFG"[index]
        found_metas, found = hierarchy.build_hierarchy(rng, caps, prefix, rng.randint(2, 8))
        metas += found_metas
        classes += found
    leaves = hierarchy.leaves(classes)
    workers = []
    for index in range(rng.randint(1, 3)):
        targets = sorted(rng.sample(leaves, rng.randint(1, min(3, len(leaves)))))
        workers.append(
            Worker(f"builder_{index}", "construct", targets, iterations(rng, caps, 200, 1500), thread_copies(rng, caps))
        )
    notes = [
        f"{len(classes)} classes in {len({c.name[0] for c in classes})} hierarchies; "
        f"{sum(w.copies for w in workers)} threads construct {', '.join(sorted({t for w in workers for t in w.targets}))}"
    ]
    return Scenario(family=NAME, seed=seed, caps=caps, metaclasses=metas, classes=classes, workers=workers, notes=notes)
