"""The `interleave` family's mutations (the campaign's feedback loop) and shrink passes
(the minimizer), both on the plan: each returns or yields whole new scenarios, and every
candidate is a valid plan (`InterleavePlan.validate` holds), so it renders and checks
itself like a generated one.

Shrink passes, in order: drop a thread, drop a slot (with its window, then hoisting its
window in its place), drop a pause point, drop the callbacks that raise, drop objects no
step uses, drop runtime sections, fewer free-mode rounds.  Mutations: move a pause
point (another call, another callback of the same carrier), swap an operation for
another on the same receiver, add a window step, nest a pause, toggle forced/free.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Iterator

from ..scenario import Scenario
from .api import describe
from .build import _Builder, catalog_for, free_mode_safe
from .catalog import RECEIVER
from .plan import InterleavePlan, Mode, Pause, Slot

Path = tuple[int, ...]


def _with(scenario: Scenario, plan: InterleavePlan) -> Scenario:
    return dataclasses.replace(scenario, plan=plan, notes=describe(plan))


def _replace_at(slots: tuple[Slot, ...], path: Path, new: tuple[Slot, ...]) -> tuple[Slot, ...]:
    """`slots` with the slot at `path` replaced by the slots `new` (none: deleted)."""
    head, rest = path[0], path[1:]
    if not rest:
        return slots[:head] + new + slots[head + 1 :]
    slot = slots[head]
    return (*slots[:head], dataclasses.replace(slot, window=_replace_at(slot.window, rest, new)), *slots[head + 1 :])


def _slot_at(slots: tuple[Slot, ...], path: Path) -> Slot:
    slot = slots[path[0]]
    for index in path[1:]:
        slot = slot.window[index]
    return slot


def _valid(plan: InterleavePlan) -> bool:
    try:
        plan.validate(set(RECEIVER))
    except Exception:
        return False
    return True


# -- shrink passes ---------------------------------------------------------------------------


def drop_actor(scenario: Scenario) -> Iterator[Scenario]:
    plan: InterleavePlan = scenario.plan
    for actor in sorted(plan.actors()):
        schedule = plan.schedule
        while True:
            path = next((p for p, s in _paths(schedule) if s.actor == actor), None)
            if path is None:
                break
            schedule = _replace_at(schedule, path, _slot_at(schedule, path).window)
        candidate = dataclasses.replace(plan, schedule=schedule)
        if schedule and _valid(candidate):
            yield _with(scenario, candidate)


def _paths(slots: tuple[Slot, ...]) -> list[tuple[Path, Slot]]:
    return list(InterleavePlan(Mode.FORCED, (), slots).slots())


def drop_slot(scenario: Scenario) -> Iterator[Scenario]:
    plan: InterleavePlan = scenario.plan
    for path, slot in reversed(list(plan.slots())):
        for replacement in ((), slot.window) if slot.window else ((),):
            schedule = _replace_at(plan.schedule, path, replacement)
            candidate = dataclasses.replace(plan, schedule=schedule)
            if schedule and _valid(candidate):
                yield _with(scenario, candidate)


def drop_pause(scenario: Scenario) -> Iterator[Scenario]:
    plan: InterleavePlan = scenario.plan
    for path, slot in plan.slots():
        if slot.step.pause is not None:
            new = dataclasses.replace(slot, step=dataclasses.replace(slot.step, pause=None))
            candidate = dataclasses.replace(plan, schedule=_replace_at(plan.schedule, path, (new,)))
            if _valid(candidate):
                yield _with(scenario, candidate)


def drop_raises(scenario: Scenario) -> Iterator[Scenario]:
    plan: InterleavePlan = scenario.plan
    if plan.raises:
        yield _with(scenario, dataclasses.replace(plan, raises=()))


def drop_objects(scenario: Scenario) -> Iterator[Scenario]:
    plan: InterleavePlan = scenario.plan
    text = " ".join(
        [" ".join((slot.step.obj, *slot.step.args)) for _, slot in plan.slots()] + [o.make for o in plan.objects]
    )
    for obj in plan.objects:
        if not re.search(rf"\b{obj.name}\b", text):
            candidate = dataclasses.replace(plan, objects=tuple(o for o in plan.objects if o is not obj))
            if _valid(candidate):
                yield _with(scenario, candidate)


def drop_section(scenario: Scenario) -> Iterator[Scenario]:
    plan: InterleavePlan = scenario.plan
    for section in plan.sections:
        yield _with(scenario, dataclasses.replace(plan, sections=tuple(s for s in plan.sections if s != section)))


def fewer_rounds(scenario: Scenario) -> Iterator[Scenario]:
    plan: InterleavePlan = scenario.plan
    if plan.mode is Mode.FREE and plan.rounds > 2:
        yield _with(scenario, dataclasses.replace(plan, rounds=plan.rounds // 2))


SHRINK_PASSES = (drop_actor, drop_slot, drop_pause, drop_raises, drop_objects, drop_section, fewer_rounds)


# -- mutations -----------------------------------------------------------------------------


def _builder(scenario: Scenario, rng: random.Random) -> _Builder:
    builder = _Builder(rng, catalog_for(scenario.caps))
    plan: InterleavePlan = scenario.plan
    builder.objects = list(plan.objects)
    builder.sections = set(plan.sections)
    builder.counter = 100 + len(list(plan.slots())) * 10
    for obj in plan.objects:
        builder.labels[obj.name] = builder._element_pauses(obj.kind, obj.name)
    return builder


def _finish(scenario: Scenario, plan: InterleavePlan, builder: _Builder) -> Scenario | None:
    from .build import SECTION_ORDER

    plan = dataclasses.replace(
        plan, objects=tuple(builder.objects), sections=tuple(s for s in SECTION_ORDER if s in builder.sections)
    )
    if plan.mode is Mode.FREE and not free_mode_safe(plan.schedule):
        return None
    return _with(scenario, plan) if _valid(plan) else None


def _paused_slot(plan: InterleavePlan, rng: random.Random) -> tuple[Path, Slot] | None:
    paused = [(p, s) for p, s in plan.slots() if s.step.pause is not None]
    return rng.choice(paused) if paused else None


def move_pause(scenario: Scenario, rng: random.Random) -> Scenario | None:
    plan: InterleavePlan = scenario.plan
    chosen = _paused_slot(plan, rng)
    if chosen is None:
        return None
    path, slot = chosen
    pause = slot.step.pause
    assert pause is not None  # _paused_slot chooses among the slots with one
    operation = next((op for op in catalog_for(scenario.caps).operations if op.name == slot.step.operation), None)
    if rng.random() < 0.5 or operation is None or len(operation.callbacks) < 2:
        new_pause = Pause(pause.callback, pause.label, max(1, pause.nth + rng.choice((-1, 1, 2))))
    else:
        new_pause = Pause(
            rng.choice(sorted(operation.callbacks - {pause.callback}, key=lambda c: c.value)), pause.label, 1
        )
    new = dataclasses.replace(slot, step=dataclasses.replace(slot.step, pause=new_pause))
    candidate = dataclasses.replace(plan, schedule=_replace_at(plan.schedule, path, (new,)))
    return _with(scenario, candidate) if _valid(candidate) else None


def swap_operation(scenario: Scenario, rng: random.Random) -> Scenario | None:
    """Another operation of the same receiver in one slot (a window step stays unpaused)."""
    plan: InterleavePlan = scenario.plan
    path, slot = rng.choice(list(plan.slots()))
    builder = _builder(scenario, rng)
    receiver = slot.step.operation.split(".")[0]
    choices = [
        op
        for op in builder.catalog.by_receiver(receiver)
        if op.name != slot.step.operation and (slot.step.pause is None or op.pausable)
    ]
    if not choices:
        return None
    step = builder.step(rng.choice(choices), pause=slot.step.pause is not None)
    new = dataclasses.replace(slot, step=step)
    return _finish(scenario, dataclasses.replace(plan, schedule=_replace_at(plan.schedule, path, (new,))), builder)


def add_window_step(scenario: Scenario, rng: random.Random) -> Scenario | None:
    plan: InterleavePlan = scenario.plan
    chosen = _paused_slot(plan, rng)
    if chosen is None:
        return None
    path, slot = chosen
    builder = _builder(scenario, rng)
    receiver = slot.step.operation.split(".")[0]
    operation = rng.choice(builder.catalog.by_receiver(receiver) or list(builder.catalog.operations))
    busy = {s.actor for p, s in plan.slots() if p == path[: len(p)]}
    actor = next(f"t{i}" for i in range(1, 9) if f"t{i}" not in busy)
    window = (*slot.window, Slot(actor, builder.step(operation, pause=False)))
    new = dataclasses.replace(slot, window=window)
    return _finish(scenario, dataclasses.replace(plan, schedule=_replace_at(plan.schedule, path, (new,))), builder)


def toggle_mode(scenario: Scenario, rng: random.Random) -> Scenario | None:
    plan: InterleavePlan = scenario.plan
    if plan.mode is Mode.FORCED:
        if not free_mode_safe(plan.schedule):
            return None
        return _with(scenario, dataclasses.replace(plan, mode=Mode.FREE, rounds=rng.choice((10, 20, 50))))
    return _with(scenario, dataclasses.replace(plan, mode=Mode.FORCED, rounds=1))


MUTATIONS = (move_pause, swap_operation, add_window_step, toggle_mode)
