"""Family `hooks`: deterministic scenarios that use every hook the target offers, and
programs whose work is exact under hooks switched by other threads."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest

from tandem.fuzz.generators import hooks
from tandem.fuzz.render import render_program
from tandem.fuzz.render_hooks import render_body
from tandem.fuzz.scenario import Capabilities, Scenario
from tandem.oracle.executor import run
from tandem.oracle.judge import judge_once
from tandem.oracle.model import Case, Kind, Limits
from tandem.oracle.normalize import observe
from tests.conftest import known_upstream_crash

CAPS = Capabilities(testinternalcapi=True, stack_trampoline=True, monitoring=True, setprofile_all_threads=True)
LIMITS = Limits(deadline=60.0)


# Real CPython bugs these programs find, tolerated where a test only asks "is the program
# valid": free-threaded debug builds check `interp->eval_frame == NULL` again in
# DISPATCH_INLINED after CALL checked it, so a thread installing the perf trampoline or a
# PEP 523 hook in between trips the assertion (3.13.15).
def _build(seed: int, caps: Capabilities = CAPS) -> Scenario:
    return hooks.build(random.Random(f"{hooks.NAME}:{seed}"), caps, seed=seed)


def _source(scenario: Scenario) -> str:
    return render_program(scenario, render_body)


def _ops(scenario: Scenario) -> list[str]:
    return [m.op for mutator in scenario.mutators for m in mutator.plan]


def test_covers_every_hook_operation_and_work():
    kinds, ops, work = Counter(), Counter(), Counter()
    for seed in range(200):
        scenario = _build(seed)
        settings = scenario.settings
        kinds.update(settings["hooks"])
        ops.update(_ops(scenario))
        kinds["monitoring DISABLE"] += bool(settings.get("monitoring_disable"))
        for worker in scenario.workers:
            work.update(worker.params["work"])
            for own in worker.params["self_hooks"]:
                assert own in settings["hooks"]
        # a switched hook is owned by one switcher: its on/off sequence stays ordered
        owners = Counter()
        for mutator in scenario.mutators:
            owned = {m.op.split("_")[0] if m.op.startswith(("monitoring", "gc")) else m.op for m in mutator.plan}
            owners.update(owned)
        assert all(count == 1 for count in owners.values()), owners
        if "stack_trampoline" in settings["hooks"]:
            assert settings["trampoline_activations"] == 1
    assert set(kinds) >= set(hooks.HOOK_KINDS) | {"monitoring DISABLE"}
    for op in (
        "setprofile_all_threads",
        "settrace_all_threads",
        "monitoring_use",
        "monitoring_events",
        "monitoring_local",
        "monitoring_restart",
        "monitoring_off",
        "monitoring_free",
        "trampoline",
        "eval_frame_record",
        "gc_freeze",
        "gc_unfreeze",
        "gc_collect",
    ):
        assert ops[op] > 0, op
    assert set(work) == set(hooks.WORK)


def test_caps_decide_which_hooks_are_used():
    bare = Capabilities(
        version=(3, 11), testinternalcapi=False, stack_trampoline=False, monitoring=False, setprofile_all_threads=False
    )
    for seed in range(100):
        used = set(_build(seed, bare).settings["hooks"])
        assert used <= {"setprofile", "settrace", "gc"}
        source = _source(_build(seed, bare))
        for name in ("threading.setprofile_all_threads(", "_monitoring_use(", "_trampoline(", "_eval_frame_record()"):
            assert name not in source.split("def _raiser")[1]
    debug = dataclasses.replace(CAPS, debug=True)
    assert sum(w.iterations for s in range(20) for w in _build(s, debug).workers) < sum(
        w.iterations for s in range(20) for w in _build(s).workers
    )


@pytest.mark.parametrize("name", ["ft", "ft-debug", "gil"])
def test_programs_are_valid_and_turn_every_hook_off(name, request):
    interpreter = request.getfixturevalue(name.replace("-", "_"))
    caps = Capabilities.of(interpreter)
    for seed in range(5):
        scenario = _build(seed, caps)
        observation = observe(run(Case(_source(scenario)), interpreter, LIMITS))
        if interpreter.debug and interpreter.free_threaded and known_upstream_crash(observation):
            continue
        assert (
            observation.finished
            and observation.crash is None
            and not observation.violations
            and observation.exception is None
            and not observation.thread_exceptions
            and not observation.unraisable
        ), (seed, observation.violations, observation.thread_exceptions, observation.exception, observation.crash)
        results = dict(observation.results)
        (final,) = results["final hooks"]
        for off in ("'profile': None", "'trace': None", "'threading profile': None", "'threading trace': None"):
            assert off in final
        if "monitoring" in scenario.settings["hooks"]:
            assert "'monitoring tool': None" in final
        if "stack_trampoline" in scenario.settings["hooks"]:
            assert "'trampoline active': False" in final and "'perf map left': False" in final
        observed = dict(observation.observations)
        for kind, key in (("settrace", "trace hook called"), ("setprofile", "profile hook called")):
            if any(kind in w.params["self_hooks"] for w in scenario.workers):
                assert observed[key] == ("True",), (seed, key)


@pytest.mark.slow
def test_same_build_has_zero_false_positives(ft):
    caps = Capabilities.of(ft)
    disagreements = []
    for seed in range(40):
        verdict = judge_once(Case(_source(_build(seed, caps))), ft, ft, LIMITS)
        if verdict.kind is not Kind.AGREE:
            disagreements.append((seed, verdict.kind.value, verdict.summary))
    assert not disagreements
