"""InterleavePlan -> program text.  Deterministic, no I/O.

The program is the runtime's core (runtime.py up to its first section), the sections the
plan needs (carriers' classes, the seed's classes, hook helpers), the callbacks that
raise, the shared objects, one function per step, and the call that runs the schedule
(forced) or the loops (free).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .plan import InterleavePlan, Mode, Slot

RUNTIME = Path(__file__).with_name("runtime.py")
SECTION = "# == section: "
LABELS = {"hooks": "u", "gc": "g"}  # the carrier label a step of these receivers makes


@lru_cache(maxsize=1)
def runtime_parts() -> tuple[str, dict[str, str]]:
    """(core, {section: text}) of the runtime, without its module docstring."""
    text = RUNTIME.read_text()
    body = text.split('"""', 2)[2].lstrip("\n")
    chunks = body.split(SECTION)
    core, sections = chunks[0].rstrip() + "\n", {}
    for chunk in chunks[1:]:
        name, _, rest = chunk.partition(" ==\n")
        sections[name.strip()] = rest.strip("\n") + "\n"
    return core, sections


def step_function(actor: str, index: int) -> str:
    return f"{actor}_{index}"


def render_plan(plan: InterleavePlan, header: list[str]) -> str:
    core, sections = runtime_parts()
    out = list(header)
    out.append("")
    out.append(core.rstrip())
    for name in plan.sections:
        out.extend(["", "", sections[name].rstrip()])
    out.extend(["", ""])
    if plan.raises:
        out.append("_RAISES.update({%s})" % ", ".join(f"({c.value!r}, {label!r})" for c, label in plan.raises))
    out.append("# shared objects")
    for obj in plan.objects:
        out.append(f"{obj.name} = {obj.make}")
    actors = plan.actors()
    for actor, steps in actors.items():
        for index, step in enumerate(steps):
            out.extend(["", ""])
            out.append(f"def {step_function(actor, index)}():")
            receiver = step.operation.split(".")[0]
            out.append(f"    return {step.expression(LABELS.get(receiver, receiver))}")
    out.extend(["", ""])
    out.append("_ACTORS = [")
    for actor, steps in actors.items():
        entries = ", ".join(
            f"({step_function(actor, i)}, {_pause(s.pause)}, {s.operation!r})" for i, s in enumerate(steps)
        )
        out.append(f"    _Actor({actor!r}, [{entries}]),")
    out.append("]")
    if plan.mode is Mode.FREE:
        out.append(f"_run_free(_ACTORS, {plan.rounds})")
    else:
        counters: dict[str, int] = {}
        out.append("_SCHEDULE = [")
        for slot in plan.schedule:
            out.append("    " + _slot(slot, counters) + ",")
        out.append("]")
        objects = ", ".join(f"({o.name!r}, {o.kind!r}, {o.name})" for o in plan.objects)
        out.append(f"_conduct(_ACTORS, _SCHEDULE, [{objects}])")
    if "hooks" in plan.sections:
        out.append("_restore_hooks()")
    return "\n".join(out).rstrip() + "\n"


def _pause(pause) -> str:
    return "None" if pause is None else f"({pause.callback.value!r}, {pause.label!r}, {pause.nth})"


def _slot(slot: Slot, counters: dict[str, int]) -> str:
    index = counters.get(slot.actor, 0)
    counters[slot.actor] = index + 1
    window = ", ".join(_slot(inner, counters) for inner in slot.window)
    return f"({slot.actor!r}, {index}, {_pause(slot.step.pause)}, [{window}])"
