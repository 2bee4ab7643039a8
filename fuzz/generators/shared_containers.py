"""Family `shared_containers`: threads share lists, dicts, sets, defaultdicts and deques.

Appenders (method calls and comprehensions feeding the list), extenders, poppers,
inserters; readers slicing, copying, iterating, comparing and sorting snapshots;
dict and set writers with disjoint keys while others iterate and copy; defaultdict
factories racing with assignment; deques fed and drained at both ends.  Hostile keys
and values (see `hostile.py`) widen the race windows.  Nothing may be lost: after the
join, lengths, sums and membership are checked exactly.
"""

from __future__ import annotations

import copy
import random

from ..scenario import Capabilities, Scenario, Worker
from ._sizing import iterations, thread_copies
from .hostile import choose as choose_hostile

NAME = "shared_containers"
DESCRIPTION = "shared list/dict/set/defaultdict/deque mutated, iterated and copied by threads"

CONTAINERS = ("list", "dict", "set", "defaultdict", "deque")
ACTIONS = {
    "list": ("append", "extend_comprehension", "iadd", "insert", "pop", "read_slices", "sort_snapshot"),
    "dict": ("dict_write", "dict_delete_own", "dict_iterate", "dict_copy_compare", "dict_hostile_lookup"),
    "set": ("set_add", "set_discard_own", "set_iterate", "set_compare"),
    "defaultdict": ("dd_shared_append", "dd_own_append", "dd_assign_scratch"),
    "deque": ("deque_append", "deque_appendleft", "deque_pop", "deque_popleft", "deque_rotate"),
}
# Actions that add data (something to lose), per container; the others race with them.
PRODUCERS = {
    "append",
    "extend_comprehension",
    "iadd",
    "insert",
    "dict_write",
    "set_add",
    "dd_shared_append",
    "dd_own_append",
    "deque_append",
    "deque_appendleft",
}


def build(rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
    chosen = rng.sample(CONTAINERS, rng.randint(1, 3))
    workers: list[Worker] = []
    for container in chosen:
        actions = list(ACTIONS[container])
        producers = [a for a in actions if a in PRODUCERS]
        picked = {rng.choice(producers)} | set(rng.sample(actions, rng.randint(1, min(3, len(actions)))))
        for action in sorted(picked):
            params: dict[str, str | int] = {"container": container}
            if action == "dd_shared_append":
                params["keys"] = rng.randint(4, 64)
            workers.append(
                Worker(
                    f"{action}_{len(workers)}",
                    action,
                    [container],
                    iterations(rng, caps, 300, 3000),
                    thread_copies(rng, caps),
                )
            )
            workers[-1].params = params
    objects = choose_hostile(rng, caps) if rng.random() < 0.6 else []
    settings = {"containers": sorted(chosen), "inject_loss": False}
    notes = [
        f"containers: {', '.join(sorted(chosen))}; workers: " + ", ".join(f"{w.action} x{w.copies}" for w in workers)
    ]
    if objects:
        notes.append("hostile objects: " + ", ".join(f"{o['role']}.{o['method']}={o['mode']}" for o in objects))
    return Scenario(family=NAME, seed=seed, caps=caps, workers=workers, settings=settings, hostile=objects, notes=notes)


# -- the campaign's mutations of this family (see fuzz/mutate.py) --------------------------


def splice_shared_containers(scenario: Scenario, rng: random.Random, other: Scenario) -> Scenario | None:
    """shared_containers: add the other scenario's workers (same hostile objects only)."""
    if scenario.hostile != other.hostile:
        return None
    extra = copy.deepcopy(other.workers)
    for index, worker in enumerate(extra):
        worker.name = f"spliced_{index}_{worker.name}"
    scenario.workers = scenario.workers + extra
    scenario.settings = dict(
        scenario.settings, containers=sorted(set(scenario.settings["containers"]) | set(other.settings["containers"]))
    )
    return scenario
