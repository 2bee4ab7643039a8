"""Program families, one object each: how a family builds, renders, mutates and shrinks
its scenarios, in one place (`Family`), and the registry of all of them (`FAMILIES`).

Adding a family is adding one `Family` here: the campaign, `tandem generate`, the
Hypothesis strategies, the atheris target, mutation and minimization all go through it.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator
from typing import Any

from . import (
    render_classes,
    render_containers,
    render_faults,
    render_hooks,
    render_sweep,
    render_unraisable,
)
from .generators import (
    alloc_sweep,
    cold_start,
    faults,
    hierarchy,
    hooks,
    init_race,
    shared_containers,
    type_mutation,
    unraisable,
)
from .interleave import api as interleave
from .interleave import shrink as interleave_shrink
from .render_base import BodyRenderer, render_program
from .scenario import PLAN_LOADERS, Capabilities, Scenario

Mutation = Callable[[Scenario, random.Random], "Scenario | None"]
Splice = Callable[[Scenario, random.Random, Scenario], "Scenario | None"]
ShrinkPass = Callable[[Scenario], Iterator[Scenario]]


@dataclasses.dataclass(frozen=True)
class Family:
    name: str
    description: str
    build_scenario: Callable[..., Scenario]  # (rng, caps, seed=) -> Scenario
    render: Callable[[Scenario], str]  # the whole program
    mutations: tuple[Mutation, ...] = ()  # family-specific, on top of mutate.MUTATIONS
    splice: Splice | None = None  # take part of another scenario of the family
    shrink_passes: tuple[ShrinkPass, ...] = ()  # family-specific, on top of minimize's
    load_plan: Callable[[Any], Any] | None = None  # JSON -> the family's frozen plan, validated
    coverage: Callable[[list[Scenario], Capabilities], list[str]] | None = None  # `generate --stats`
    reproducer: Callable[[Scenario], str] | None = None  # `export --bug-report`: the short form
    in_default_mix: Callable[[Capabilities], bool] = lambda caps: True  # part of the default mix for these caps

    def build(self, rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
        return self.build_scenario(rng, caps, seed=seed)


def _body(body: BodyRenderer) -> Callable[[Scenario], str]:
    return lambda scenario: render_program(scenario, body)


def _module_family(module, body: BodyRenderer, **extra) -> Family:
    return Family(module.NAME, module.DESCRIPTION, module.build, _body(body), **extra)


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        _module_family(hierarchy, render_classes._render_construction),
        _module_family(
            init_race,
            render_classes._render_init_race,
            mutations=(init_race.swap_callable_kind,),
            splice=init_race.splice_init_race,
        ),
        _module_family(type_mutation, render_classes._render_type_mutation),
        _module_family(cold_start, render_classes._render_construction),
        _module_family(
            shared_containers, render_containers.render_body, splice=shared_containers.splice_shared_containers
        ),
        _module_family(unraisable, render_unraisable.render_body),
        _module_family(hooks, render_hooks.render_body),
        _module_family(faults, render_faults.render_body),
        # sweeps are cheap and find error-path bugs that assertions catch: default on debug targets
        _module_family(
            alloc_sweep,
            render_sweep.render_body,
            shrink_passes=alloc_sweep.SHRINK_PASSES,
            in_default_mix=lambda caps: caps.testcapi and caps.debug,
        ),
        Family(
            interleave.NAME,
            interleave.DESCRIPTION,
            interleave.build,
            interleave.render,
            mutations=interleave_shrink.MUTATIONS,
            shrink_passes=interleave_shrink.SHRINK_PASSES,
            load_plan=interleave.load_plan,
            coverage=interleave.coverage,
            reproducer=interleave.bug_report,
        ),
    )
}


PLAN_LOADERS.update({name: family.load_plan for name, family in FAMILIES.items() if family.load_plan})


def default_mix(caps: Capabilities) -> tuple[str, ...]:
    """The families a campaign runs when none are named: those whose target offers what
    they need (allocation-failure sweeps: `_testcapi` on a debug build)."""
    return tuple(sorted(name for name, family in FAMILIES.items() if family.in_default_mix(caps)))


def build(family: str, seed: int, caps: Capabilities) -> Scenario:
    """The scenario of `family` for `seed`: the same inputs always give the same scenario."""
    try:
        chosen = FAMILIES[family]
    except KeyError:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(sorted(FAMILIES))}") from None
    return chosen.build(random.Random(f"{family}:{seed}"), caps, seed=seed)
