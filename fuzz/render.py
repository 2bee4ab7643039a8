"""Scenario -> Python source.  Deterministic (same scenario, same bytes), no I/O.

Rendered programs use the harness API (emit, observe, check, threads) and check
themselves: what they emit does not depend on the schedule; everything that does is a
check against the outcomes the language allows, computed from the scenario.  The
shared pieces are in render_base.py, each family's body in a render_*.py module.
"""

from __future__ import annotations

from .family import FAMILIES
from .render_base import MISSING, BodyRenderer, Code, literal, render_program
from .render_classes import allowed_init_outcomes, init_outcomes
from .scenario import Scenario

__all__ = [
    "MISSING",
    "BodyRenderer",
    "Code",
    "allowed_init_outcomes",
    "init_outcomes",
    "literal",
    "render",
    "render_program",
]


def render(scenario: Scenario) -> str:
    """The program for `scenario`."""
    try:
        family = FAMILIES[scenario.family]
    except KeyError:
        raise ValueError(f"no renderer for family {scenario.family!r}") from None
    return family.render(scenario)
