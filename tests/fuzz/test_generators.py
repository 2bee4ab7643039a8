"""Generators: deterministic, JSON round-trip, and each family does what it says.

Tests read the scenario (the IR), not just the text: a family that stopped generating
one of its features fails here.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from tandem.fuzz import classes as hierarchy
from tandem.fuzz.family import FAMILIES, build
from tandem.fuzz.render import allowed_init_outcomes, render
from tandem.fuzz.scenario import INIT_KINDS, Capabilities, Scenario
from tandem.fuzz.strategies import scenarios
from tandem.oracle.errors import CorpusError

CAPS = Capabilities()
SEEDS = range(300)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_deterministic_and_round_trips(family):
    for seed in range(20):
        first, second = build(family, seed, CAPS), build(family, seed, CAPS)
        assert first == second
        assert render(first) == render(second)
        again = Scenario.loads(first.dumps())
        assert again == first and render(again) == render(first)
        compile(render(first), f"{family}-{seed}", "exec")
    assert build(family, 1, CAPS) != build(family, 2, CAPS)


def test_newer_generator_version_is_refused():
    data = build("hierarchy", 0, CAPS).to_json()
    data["generator_version"] = 999
    with pytest.raises(CorpusError, match="generator version 999"):
        Scenario.from_json(data)
    with pytest.raises(CorpusError, match="not JSON"):
        Scenario.loads("{nope")


def test_hierarchy_family_covers_its_features():
    seen = Counter()
    for seed in SEEDS:
        scenario = build("hierarchy", seed, CAPS)
        specs = hierarchy.by_name(scenario.classes)
        for spec in scenario.classes:
            seen["builtin " + spec.builtin] += 1
            seen["multiple inheritance"] += len([b for b in spec.bases if b in specs]) > 1
            seen["slots"] += spec.slots is not None
            seen["__new__"] += spec.define_new
            seen["__init_subclass__"] += spec.init_subclass
            seen["property"] += spec.property_factor is not None
            seen["descriptor"] += spec.descriptor
            seen["class attributes"] += bool(spec.class_attrs)
            seen["no own __init__ (inherited)"] += not spec.define_init
            hierarchy.mro(spec.name, specs)  # every MRO is consistent
            assert not (spec.slots and spec.builtin == "int")
        for meta in scenario.metaclasses:
            seen["metaclass __call__"] += meta.override_call
            seen["custom mro()"] += meta.custom_mro
        seen["depth >= 4"] += max(len(hierarchy.mro(c.name, specs)) for c in scenario.classes) >= 4
        assert all(w.action == "construct" for w in scenario.workers)
    for feature in (
        "builtin object",
        "builtin list",
        "builtin dict",
        "builtin Exception",
        "builtin int",
        "multiple inheritance",
        "slots",
        "__new__",
        "__init_subclass__",
        "property",
        "descriptor",
        "class attributes",
        "no own __init__ (inherited)",
        "metaclass __call__",
        "custom mro()",
        "depth >= 4",
    ):
        assert seen[feature] > 0, f"hierarchy never generated: {feature}"
    # slotted classes are never bases: no layout conflicts
    for seed in SEEDS:
        classes = build("hierarchy", seed, CAPS).classes
        slotted = {c.name for c in classes if c.slots}
        assert not any(set(c.bases) & slotted for c in classes)


def test_init_race_family_covers_every_callable_kind_and_mutation():
    kinds, ops = Counter(), Counter()
    for seed in SEEDS:
        scenario = build("init_race", seed, CAPS)
        kinds.update(v.kind for v in scenario.init_versions)
        ops.update(m.op for mutator in scenario.mutators for m in mutator.plan)
        assert scenario.mutators and scenario.workers
        assert scenario.initial_init == "v0" and scenario.init_versions[0].kind == "function"
        # the finals restore the initial version, so the final emits are schedule-free
        assert any(m.op == "set_init" and m.args == ["v0"] for m in scenario.mutators[-1].final)
        assert ("init", "t0", 1, "x") in allowed_init_outcomes(scenario)
    assert set(kinds) == set(INIT_KINDS)
    for op in ("set_init", "del_init", "set_new", "del_new", "set_defaults", "set_kwdefaults", "set_code"):
        assert ops[op] > 0, op
    assert any(
        m.target == "RBase"
        for s in SEEDS
        for mut in build("init_race", s, CAPS).mutators
        for m in mut.plan
        if m.op == "set_init"
    ), "a base's __init__ is reassigned too"


def test_type_mutation_family_covers_every_mutation():
    ops, actions = Counter(), Counter()
    for seed in SEEDS:
        scenario = build("type_mutation", seed, CAPS)
        ops.update(m.op for mutator in scenario.mutators for m in mutator.plan)
        actions.update(w.action for w in scenario.workers)
    for op in (
        "set_class_attr",
        "del_class_attr",
        "set_bases",
        "set_class",
        "set_name",
        "set_qualname",
        "set_func_name",
        "dict_replace",
        "dict_clear",
        "dict_update",
        "gc_collect",
    ):
        assert ops[op] > 0, op
    assert set(actions) == {"read", "isinstance", "repr", "write_read", "construct"}
    grows = [
        m
        for s in SEEDS
        for mut in build("type_mutation", s, CAPS).mutators
        for m in mut.plan
        if m.op == "set_class_attr" and m.args[0].startswith("grow_")
    ]
    assert grows, "new class attributes (growing shared keys) are written"


def test_cold_start_runs_many_threads_on_one_body():
    for seed in range(50):
        scenario = build("cold_start", seed, CAPS)
        (worker,) = scenario.workers
        assert worker.copies >= 6 and not scenario.mutators


def test_caps_shape_programs():
    debug = Capabilities(debug=True)
    assert sum(w.iterations for w in build("hierarchy", 3, debug).workers) < sum(
        w.iterations for w in build("hierarchy", 3, CAPS).workers
    )
    gil = Capabilities(free_threaded=False)
    assert max(build("cold_start", s, gil).workers[0].copies for s in range(50)) <= 8


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(caps=CAPS))
def test_any_drawn_scenario_renders_and_round_trips(scenario):
    source = render(scenario)
    compile(source, scenario.family, "exec")
    assert Scenario.from_json(json.loads(scenario.dumps())) == scenario


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_op_and_action_is_declared(family):
    from tandem.fuzz.scenario import MUTATION_OPS, WORKER_ACTIONS

    for seed in range(60):
        scenario = build(family, seed, Capabilities(debug=True))
        for worker in scenario.workers:
            assert worker.action in WORKER_ACTIONS, worker.action
        for mutator in scenario.mutators:
            for mutation in mutator.plan + mutator.final:
                assert mutation.op in MUTATION_OPS, mutation.op
