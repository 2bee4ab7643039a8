"""Hostile objects, available to every family: keys, values, indexes and factories whose
special methods block, re-enter the structure they sit in, switch a hook or raise.

Widening a race window on purpose turns a one-in-a-million interleaving into a
reliable reproducer.  A scenario records the hostile objects it uses as dicts:
{"role": "key"|"value"|"index"|"factory", "method": "__eq__"|..., "mode": ...}.
Every mode is written so that the program's exact invariants still hold: re-entrant
mutations touch only scratch entries, raises are caught where they can happen, and
blocking is a bounded wait.
"""

from __future__ import annotations

import random

from ..scenario import Capabilities

MODES = ("block", "mutate", "hook", "gc", "raise")
METHODS = {
    "key": ("__eq__", "__hash__", "__repr__"),
    "value": ("__del__", "__repr__"),
    "index": ("__index__",),
    "factory": ("__call__",),
}


def choose(rng: random.Random, caps: Capabilities) -> list[dict[str, str]]:
    """One to three hostile objects for a scenario."""
    chosen = []
    for _ in range(rng.randint(1, 3)):
        role = rng.choice(sorted(METHODS))
        method = rng.choice(METHODS[role])
        modes = [m for m in MODES if not (m == "raise" and method in ("__hash__", "__del__", "__call__"))]
        chosen.append({"role": role, "method": method, "mode": rng.choice(modes)})
    unique = {(o["role"], o["method"]): o for o in chosen}
    return [unique[k] for k in sorted(unique)]


def mode_of(objects: list[dict[str, str]], role: str, method: str) -> str | None:
    for entry in objects:
        if entry["role"] == role and entry["method"] == method:
            return entry["mode"]
    return None
