"""Iteration and thread counts that fit the target: long enough to warm the specializer
where it is active, short enough for a debug build to finish in a few seconds."""

from __future__ import annotations

import random

from ..scenario import Capabilities


def iterations(rng: random.Random, caps: Capabilities, low: int, high: int) -> int:
    count = rng.randint(low, high)
    if caps.debug:
        count = max(low // 2, count // 3)
    if caps.slowdown > 1:  # a sanitizer target: as many seconds, fewer iterations
        count = max(low // 2, count // caps.slowdown)
    return count


def thread_copies(rng: random.Random, caps: Capabilities, high: int = 3) -> int:
    return rng.randint(1, high if caps.free_threaded else max(1, high - 1))
