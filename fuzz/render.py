"""Scenario -> Python source.  Deterministic (same scenario, same bytes), no I/O.

Rendered programs use the harness API (emit, observe, check, threads) and check
themselves: what they emit does not depend on the schedule; everything that does is a
check against the outcomes the language allows, computed from the scenario.  The
shared pieces are in render_base.py, each family's body in a render_*.py module.
"""

from __future__ import annotations

from . import render_classes, render_containers, render_faults, render_hooks, render_unraisable
from .render_base import MISSING, BodyRenderer, Code, literal, render_program
from .render_classes import allowed_init_outcomes, init_outcomes
from .scenario import Scenario

__all__ = ["BODIES", "MISSING", "Code", "allowed_init_outcomes", "init_outcomes", "literal", "render",
           "render_program"]

# Family -> the function that writes the family-specific part of the program.
BODIES: dict[str, BodyRenderer] = {
    "hierarchy": render_classes._render_construction,
    "cold_start": render_classes._render_construction,
    "init_race": render_classes._render_init_race,
    "type_mutation": render_classes._render_type_mutation,
    "shared_containers": render_containers.render_body,
    "faults": render_faults.render_body,
    "unraisable": render_unraisable.render_body,
    "hooks": render_hooks.render_body,
}


def render(scenario: Scenario) -> str:
    """The program for `scenario`."""
    try:
        body = BODIES[scenario.family]
    except KeyError:
        raise ValueError(f"no renderer for family {scenario.family!r}") from None
    return render_program(scenario, body)
