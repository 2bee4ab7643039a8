"""alloc_sweep on real builds: a clean sweep records MemoryErrors and no finding; a sweep
over an error path with a real bug is a finding; the family is in the default mix only
where it can run (debug targets with _testcapi)."""

from __future__ import annotations

from tandem.fuzz.family import build, default_mix
from tandem.fuzz.generators import alloc_sweep
from tandem.fuzz.render import render
from tandem.fuzz.scenario import Capabilities, Scenario
from tandem.oracle.executor import run
from tandem.oracle.judge import judge_once
from tandem.oracle.model import Case, Kind, Limits
from tandem.oracle.normalize import observe

LIMITS = Limits(deadline=120.0)


def _sweep(caps: Capabilities, names: list[str], count: int = 40, span: int = 1) -> Case:
    operations = [
        {"name": n, "body": alloc_sweep.HAND_OPERATIONS[n][0], "after": alloc_sweep.HAND_OPERATIONS[n][1]}
        for n in names
    ]
    scenario = Scenario(
        family="alloc_sweep",
        seed=0,
        caps=caps,
        settings={"operations": operations, "start": 0, "count": count, "span": span},
    )
    return Case(render(scenario), name="alloc_sweep.py")


def test_sweep_over_a_small_operation_records_clean_memory_errors(ft_debug, ft):
    case = _sweep(Capabilities.common(ft_debug, ft), ["list_growth", "exception_init"])
    verdict = judge_once(case, ft_debug, ft, LIMITS)
    assert verdict.kind is Kind.AGREE, verdict.summary
    for observation in (verdict.target, verdict.oracle):
        outcomes = dict(observation.observations)
        assert "'MemoryError'" in outcomes["sweep list_growth"]
        assert "'MemoryError'" in outcomes["sweep exception_init"]
        assert not observation.violations and observation.crash is None
        assert dict(observation.results)["operations swept"] == ("2",)


def test_sweep_reaches_a_real_error_path_bug(ft_debug):
    # 3.13.15: PyList_New's free-threaded path frees a list whose item array failed to
    # allocate, with stale items (Objects/listobject.c): `self.y = [y]` in an __init__.
    observation = observe(run(_sweep(Capabilities.of(ft_debug), ["init"]), ft_debug, LIMITS))
    assert observation.crash is not None and observation.crash.kind is Kind.CRASH
    assert observation.crash.headline == "SIGSEGV"


def test_sweep_reports_a_lost_cause_as_a_failed_check(ft_debug):
    # an operation whose MemoryError is replaced by an unrelated error: the check names it
    caps = Capabilities.of(ft_debug)
    scenario = Scenario(
        family="alloc_sweep",
        seed=0,
        caps=caps,
        settings={
            "operations": [
                {
                    "name": "swallowing",
                    "body": "try:\n    bytes(5000)\nexcept MemoryError:\n    raise KeyError('lost') from None",
                    "after": "",
                }
            ],
            "start": 0,
            "count": 3,
            "span": 1,
        },
    )
    observation = observe(run(Case(render(scenario)), ft_debug, LIMITS))
    labels = [label for label, _, _ in observation.violations]
    assert labels == ["error lost its MemoryError cause: swallowing raised KeyError"]


def test_default_mix_has_sweeps_on_debug_targets_with_testcapi(ft_debug, ft):
    assert "alloc_sweep" in default_mix(Capabilities.common(ft_debug, ft))
    assert "alloc_sweep" not in default_mix(Capabilities.common(ft, ft))
    assert "alloc_sweep" not in default_mix(Capabilities(debug=True, testcapi=False))
    scenario = build("alloc_sweep", 3, Capabilities(debug=True, testcapi=True))
    assert scenario.settings["operations"] and all(op["body"] for op in scenario.settings["operations"])
    # operations of the interleave catalog are part of the mix
    assert alloc_sweep.catalog_operations(Capabilities())["list.append"] == "_o = [1, 2, 3]\n_o.append(2)"


def test_operations_that_map_memory_run_under_an_address_space_limit(ft_debug, ft):
    caps = Capabilities.common(ft_debug, ft)
    mapping = [
        {
            "name": n,
            "body": alloc_sweep.MAPPING_OPERATIONS[n][0],
            "after": alloc_sweep.MAPPING_OPERATIONS[n][1],
            "errors": alloc_sweep.MAPPING_OPERATIONS[n][3],
        }
        for n in ("large_buffer", "mmap_module", "thread_start", "runtime_code")
    ]
    scenario = Scenario(
        family="alloc_sweep",
        seed=0,
        caps=caps,
        settings={
            "operations": [],
            "start": 0,
            "count": 1,
            "span": 1,
            "mapping": mapping,
            "headrooms_mb": [0, 2],
            "env": {"MIMALLOC_ARENA_RESERVE": "4M"},
        },
    )
    verdict = judge_once(Case(render(scenario)), ft_debug, ft, LIMITS)
    assert verdict.kind is Kind.AGREE, verdict.summary
    outcomes = dict(verdict.target.observations)
    # set_nomemory cannot make these fail: the limit does
    assert "'MemoryError'" in outcomes["sweep large_buffer (memory limit)"]
    assert "'MemoryError'" in outcomes["sweep mmap_module (memory limit)"]
    assert "'own error'" in outcomes["sweep thread_start (memory limit)"]  # can't start new thread


def test_shrink_passes_drop_operations_and_narrow_the_range():
    from tandem.fuzz.family import FAMILIES

    scenario = build("alloc_sweep", 4, Capabilities(debug=True, testcapi=True))
    passes = FAMILIES["alloc_sweep"].shrink_passes
    smaller = [candidate for shrink in passes for candidate in shrink(scenario)]
    total = len(scenario.settings["operations"]) + len(scenario.settings["mapping"])
    assert any(len(c.settings["operations"]) + len(c.settings["mapping"]) == total - 1 for c in smaller)
    assert any(c.settings["count"] == scenario.settings["count"] // 2 for c in smaller)
    for candidate in smaller:
        compile(render(candidate), "candidate", "exec")
