"""Family `faults`: the interpreter under resource faults while threads run.

`memory`: a lowered address-space limit (the soft RLIMIT_AS set just above what the
process uses) so that allocations and mmap fail inside the interpreter while several
threads allocate instances, buffers, dicts and strings: MemoryError must be clean, a
crash is a finding.  On free-threaded targets the program declares
`MIMALLOC_ARENA_RESERVE=4M` (a `# tandem-env:` line, see oracle/model.py): mimalloc
otherwise reserves its arenas a gigabyte at a time, all of it counted in the address
space already, so allocations would fill reserved space and never meet the limit.
`recursion`: recursion-limit exhaustion on constructor paths (recursive __init__, deep
super() chains).  `lltrace`: on debug targets, the low-level
tracer (`__lltrace__`) switched on while threads run constructors (tracing over shim
and other non-standard frames); its output goes to /dev/null.
"""

from __future__ import annotations

import random

from ..scenario import Capabilities, Scenario, Worker
from ._sizing import iterations, thread_copies

NAME = "faults"
DESCRIPTION = "memory limits, recursion-limit exhaustion and lltrace under threads"

ALLOCATIONS = ("instances", "buffers", "dict_growth", "strings", "big_list", "nested")
# Bytes one iteration of each pattern keeps alive (fuzz/render_faults.ALLOCATION_LOOPS),
# roughly: the iteration count of a worker is sized from it.
BYTES_PER_ITERATION = {
    "instances": 36_000,
    "buffers": 65_600,
    "dict_growth": 30_000,
    "strings": 33_000,
    "big_list": 255_000,
    "nested": 40_000,
}


def _allocation_iterations(rng: random.Random, pattern: str, headroom_mb: int) -> int:
    """About three times the headroom per round: enough to reach the limit where it
    binds (a GIL build's arenas, large blocks), and bounded where it does not: the
    free-threaded build's mimalloc reserves address space ahead, so small objects can
    fill reserved space without a new mapping, and its collector scans every live
    object, which made unbounded loops of small objects take tens of seconds."""
    wanted = 3 * headroom_mb * (1 << 20) * rng.uniform(0.8, 1.5) / BYTES_PER_ITERATION[pattern]
    return max(50, min(4_000, int(wanted)))


def build(rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
    kinds = (["memory", "memory"] if caps.address_limits else []) + ["recursion"] + (["lltrace"] if caps.debug else [])
    kind = rng.choice(kinds)
    workers = []
    settings: dict = {"kind": kind}
    if kind == "memory":
        if caps.free_threaded:
            settings["env"] = {"MIMALLOC_ARENA_RESERVE": "4M"}
        # A few megabytes above what the process uses are enough to make allocations fail
        # (large headrooms only spend time filling them).
        settings["headroom_mb"] = rng.choice([4, 8, 16, 32])
        settings["rounds"] = rng.randint(1, 3)
        for pattern in rng.sample(ALLOCATIONS, rng.randint(1, 4)):
            workers.append(
                Worker(
                    f"allocate_{pattern}",
                    "allocate",
                    [],
                    _allocation_iterations(rng, pattern, settings["headroom_mb"]),
                    thread_copies(rng, caps, 2),
                    params={"pattern": pattern},
                )
            )
    elif kind == "recursion":
        settings["limit"] = rng.randint(60, 400)
        for index in range(rng.randint(1, 3)):
            depth = rng.randint(20, 800)
            workers.append(
                Worker(
                    f"recurse_{index}",
                    rng.choice(["recursive_init", "super_chain"]),
                    [],
                    iterations(rng, caps, 20, 120),
                    thread_copies(rng, caps, 2),
                    params={"depth": depth},
                )
            )
    else:
        for index in range(rng.randint(1, 3)):
            workers.append(
                Worker(f"traced_{index}", "traced_construct", [], rng.randint(5, 30), thread_copies(rng, caps, 2))
            )
    notes = [f"fault: {kind}; " + ", ".join(f"{w.action}{w.params or ''} x{w.copies}" for w in workers)]
    return Scenario(family=NAME, seed=seed, caps=caps, workers=workers, settings=settings, notes=notes)
