"""Family `hooks`: profiling, tracing, monitoring and eval-frame hooks switched while
threads run.

Switcher threads turn threading.setprofile_all_threads / settrace_all_threads, a
sys.monitoring tool (global and local events, callbacks, DISABLE and restart_events),
the perf trampoline and the PEP 523 eval-frame hook on and off, and freeze, unfreeze and
collect the heap; workers set their own sys.setprofile / sys.settrace now and then while
they construct instances, append, update dicts and call functions.  The work's results
are exact; hook call counts are only observed.  After the join every hook is off again.
"""

from __future__ import annotations

import random

from ..scenario import Capabilities, ClassSpec, Mutation, Mutator, Scenario, Worker
from ._sizing import iterations, thread_copies

NAME = "hooks"
DESCRIPTION = (
    "setprofile/settrace (all threads), sys.monitoring, perf trampoline, PEP 523 and gc.freeze switched under load"
)

HOOK_KINDS = (
    "setprofile",
    "settrace",
    "setprofile_all_threads",
    "settrace_all_threads",
    "monitoring",
    "stack_trampoline",
    "eval_frame",
    "gc",
)
# Kinds switched by switcher threads (the others are set by each worker for itself).
SWITCHED = ("setprofile_all_threads", "settrace_all_threads", "monitoring", "stack_trampoline", "eval_frame", "gc")
WORK = ("construct", "append", "dict_update", "call", "exceptions")
# sys.monitoring events: global ones, and those set_local_events accepts.
GLOBAL_EVENTS = (
    "PY_START",
    "PY_RETURN",
    "PY_RESUME",
    "PY_YIELD",
    "CALL",
    "LINE",
    "JUMP",
    "BRANCH",
    "C_RETURN",
    "C_RAISE",
    "RAISE",
    "EXCEPTION_HANDLED",
    "PY_UNWIND",
    "STOP_ITERATION",
    "INSTRUCTION",
)
LOCAL_EVENTS = ("PY_START", "PY_RETURN", "CALL", "LINE", "JUMP", "BRANCH")


def available(caps: Capabilities) -> list[str]:
    kinds = ["setprofile", "settrace", "gc"]
    if caps.setprofile_all_threads:
        kinds += ["setprofile_all_threads", "settrace_all_threads"]
    if caps.monitoring:
        kinds.append("monitoring")
    if caps.stack_trampoline:
        kinds.append("stack_trampoline")
    if caps.testinternalcapi:
        kinds.append("eval_frame")
    return [k for k in HOOK_KINDS if k in kinds]


def _plan(rng: random.Random, kind: str, settings: dict, workers: list[Worker]) -> list[Mutation]:
    """One switcher round for `kind`: a sequence that turns the hook on and (mostly) off."""
    if kind in ("setprofile_all_threads", "settrace_all_threads"):
        plan = [Mutation(kind, "threads", [True]), Mutation(kind, "threads", [False])]
        return plan if rng.random() < 0.8 else plan[:1]
    if kind == "monitoring":
        tool = settings["tool_id"]
        plan = [
            Mutation("monitoring_use", "tool", [tool]),
            Mutation("monitoring_events", "tool", [tool, rng.sample(GLOBAL_EVENTS, rng.randint(1, 4))]),
        ]
        if rng.random() < 0.5:
            target = rng.choice(workers).name
            plan.append(Mutation("monitoring_local", target, [tool, rng.sample(LOCAL_EVENTS, rng.randint(1, 3))]))
        if settings["monitoring_disable"] and rng.random() < 0.7:
            plan.append(Mutation("monitoring_restart", "tool", [tool]))
        plan.append(Mutation("monitoring_off", "tool", [tool]))
        if rng.random() < 0.7:
            plan.append(Mutation("monitoring_free", "tool", [tool]))
        return plan
    if kind == "stack_trampoline":
        plan = [Mutation("trampoline", "perf", [True]), Mutation("trampoline", "perf", [False])]
        return plan if rng.random() < 0.8 else plan[:1]
    if kind == "eval_frame":
        # set_eval_frame_default() clears the helper's record list under threads still
        # inside its eval function (a _testinternalcapi race, not CPython's): while
        # threads run the hook only moves between record lists; it is reset after the join.
        return [Mutation("eval_frame_record", "eval", []) for _ in range(rng.randint(1, 2))]
    if kind == "gc":
        ops = rng.sample(["gc_freeze", "gc_unfreeze", "gc_collect", "gc_collect"], rng.randint(1, 3))
        return [Mutation(op, "gc", [rng.randint(0, 2)] if op == "gc_collect" else []) for op in ops]
    raise ValueError(f"not a switched hook: {kind!r}")


def build(rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
    kinds = available(caps)
    switched = [k for k in kinds if k in SWITCHED]
    chosen = rng.sample(switched, rng.randint(1, min(4, len(switched))))
    self_hooks = [k for k in ("setprofile", "settrace") if rng.random() < 0.4]
    hooks = sorted(set(chosen) | set(self_hooks))
    # Switchers pause between rounds (0: switch as fast as they can).
    settings: dict = {"hooks": hooks, "pause": rng.choice([0.0, 0.0005, 0.002])}
    if "monitoring" in chosen:
        settings["tool_id"] = rng.choice([1, 2, 3, 4])
        settings["monitoring_disable"] = rng.random() < 0.4  # callbacks return DISABLE for local events
    if "stack_trampoline" in chosen:
        # CPython 3.13.15 registers a new code watcher on every activation without
        # clearing the last one: from the third activation the process crashes at exit
        # (a watcher callback clears another watcher during notify_code_watchers), and
        # the ninth fails returning NULL without an exception.  One activation per
        # program keeps programs valid there; regression cases cover the bug itself.
        settings["trampoline_activations"] = 1

    classes = [
        ClassSpec("HBase", ["object"], class_attrs={"ha": rng.randrange(10)}, property_factor=rng.choice([None, 3])),
        ClassSpec("HSub", ["HBase"], slots=["hs"] if rng.random() < 0.5 else None, descriptor=rng.random() < 0.5),
    ]
    workers = []
    for index in range(rng.randint(1, 3)):
        work = sorted(rng.sample(WORK, rng.randint(2, 4)))
        own = [k for k in self_hooks if rng.random() < 0.8] or self_hooks[:1]
        count = iterations(rng, caps, 60, 300)
        params = {"work": work, "self_hooks": own, "toggle_every": rng.choice([4, 16, 64]), "depth": rng.randint(2, 6)}
        workers.append(
            Worker(
                f"worker_{index}", "hooked_work", ["HBase", "HSub"], count, thread_copies(rng, caps, 2), params=params
            )
        )

    # Each switched kind belongs to one switcher, so its on/off sequence stays well-formed.
    switchers: list[list[str]] = [[] for _ in range(rng.randint(1, min(2, len(chosen))))]
    for kind in chosen:
        rng.choice(switchers).append(kind)
    mutators = []
    for index, owned in enumerate(s for s in switchers if s):
        plan = [m for kind in owned for m in _plan(rng, kind, settings, workers)]
        mutators.append(Mutator(f"switcher_{index}", plan, rounds=rng.randint(5, 60) * len(plan)))
    per_worker = "; ".join(", ".join(w.params["work"]) for w in workers)
    notes = [
        f"hooks: {', '.join(hooks)}",
        f"{sum(w.copies for w in workers)} worker threads ({per_worker}), {len(mutators)} switcher threads",
    ]
    return Scenario(
        family=NAME,
        seed=seed,
        caps=caps,
        classes=classes,
        workers=workers,
        mutators=mutators,
        settings=settings,
        notes=notes,
    )
