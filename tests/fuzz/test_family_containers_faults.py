"""Generators II (containers, hostile objects, faults): coverage of the IR and the
nothing-lost checks proven able to fail."""

from __future__ import annotations

import dataclasses
from collections import Counter

from tandem.fuzz.family import build
from tandem.fuzz.generators import hostile, shared_containers
from tandem.fuzz.render import render
from tandem.fuzz.scenario import Capabilities
from tandem.oracle.executor import run
from tandem.oracle.judge import judge_once
from tandem.oracle.model import Case, Kind, Limits
from tandem.oracle.normalize import observe

CAPS = Capabilities()
LIMITS = Limits(deadline=120.0)


def test_containers_family_covers_every_container_action_and_hostile_mode():
    actions, containers, modes, methods = Counter(), Counter(), Counter(), Counter()
    for seed in range(300):
        scenario = build("shared_containers", seed, CAPS)
        containers.update(scenario.settings["containers"])
        actions.update(w.action for w in scenario.workers)
        modes.update(o["mode"] for o in scenario.hostile)
        methods.update((o["role"], o["method"]) for o in scenario.hostile)
        for container in scenario.settings["containers"]:
            produced = [
                w
                for w in scenario.workers
                if w.params["container"] == container and w.action in shared_containers.PRODUCERS
            ]
            assert produced, "every container has something to lose"
    assert set(containers) == set(shared_containers.CONTAINERS)
    assert set(actions) == {a for group in shared_containers.ACTIONS.values() for a in group}
    assert set(modes) == set(hostile.MODES)
    assert set(methods) == {(role, m) for role, ms in hostile.METHODS.items() for m in ms}


def test_faults_family_covers_every_fault():
    kinds, patterns = Counter(), Counter()
    debug = Capabilities(debug=True)
    for seed in range(200):
        scenario = build("faults", seed, debug)
        kinds[scenario.settings["kind"]] += 1
        patterns.update(w.params.get("pattern") for w in scenario.workers if w.action == "allocate")
    assert set(kinds) == {"memory", "recursion", "lltrace"}
    assert set(patterns) == {"instances", "buffers", "dict_growth", "strings", "big_list", "nested"}
    release = {build("faults", seed, CAPS).settings["kind"] for seed in range(200)}
    assert "lltrace" not in release  # only debug targets have the low-level tracer


def _list_scenario():
    for seed in range(500):
        scenario = build("shared_containers", seed, CAPS)
        if any(w.action == "append" for w in scenario.workers) and not scenario.hostile:
            return scenario
    raise AssertionError("no list-append scenario in 500 seeds")


def test_nothing_lost_check_holds_on_a_real_build(ft):
    scenario = _list_scenario()
    verdict = judge_once(Case(render(scenario)), ft, ft, LIMITS)
    assert verdict.kind is Kind.AGREE, verdict.summary


def test_nothing_lost_check_fails_when_an_append_really_is_lost(ft, ft_debug):
    scenario = _list_scenario()
    lossy = dataclasses.replace(scenario, settings={**scenario.settings, "inject_loss": True})
    verdict = judge_once(Case(render(lossy)), ft_debug, ft, LIMITS)
    assert (verdict.kind, verdict.side) == (Kind.INVARIANT_VIOLATION, Side_both())
    labels = {label for label, _, _ in verdict.target.violations}
    assert "no list item lost or duplicated" in labels


def Side_both():
    from tandem.oracle.model import Side

    return Side.BOTH


def test_memory_faults_really_raise_memory_error(ft):
    caps = Capabilities.of(ft)
    hits = []
    for seed in range(40):
        scenario = build("faults", seed, caps)
        if scenario.settings["kind"] != "memory" or scenario.settings["headroom_mb"] > 32:
            continue
        observation = observe(run(Case(render(scenario)), ft, LIMITS))
        assert observation.finished and not observation.violations, observation.violations
        values = dict(observation.observations).get("memory errors", ())
        hits.extend(int(v) for v in values)
        if len(hits) >= 4:
            break
    assert any(hits), "a lowered address-space limit produced MemoryError"


def test_memory_faults_declare_a_small_arena_reserve_on_free_threaded_targets(ft, gil):
    from tandem.oracle.model import declared_env

    def memory(caps):
        return next(s for s in (build("faults", seed, caps) for seed in range(50)) if s.settings["kind"] == "memory")

    assert declared_env(render(memory(Capabilities.of(ft)))) == (("MIMALLOC_ARENA_RESERVE", "4M"),)
    assert declared_env(render(memory(Capabilities.of(gil)))) == ()


def test_lltrace_programs_run_on_the_debug_target(ft_debug, ft):
    caps = Capabilities.common(ft_debug, ft)
    scenario = next(s for s in (build("faults", seed, caps) for seed in range(200)) if s.settings["kind"] == "lltrace")
    verdict = judge_once(Case(render(scenario)), ft_debug, ft, LIMITS)
    assert verdict.kind is Kind.AGREE, verdict.summary
    assert verdict.target.stdout == ""  # the trace went to /dev/null, not into the comparison
