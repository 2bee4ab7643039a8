"""Family `unraisable`: deterministic scenarios, every event source used, and programs
whose multiset of unraisable events is the same on every run of a build."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from tandem.fuzz.generators import unraisable
from tandem.fuzz.render import render_program
from tandem.fuzz.render_unraisable import expected_counts, render_body
from tandem.fuzz.scenario import Capabilities, Scenario
from tandem.oracle import interpreters as registry
from tandem.oracle.executor import run
from tandem.oracle.judge import judge_once
from tandem.oracle.model import Case, Kind, Limits
from tandem.oracle.normalize import observe

CAPS = Capabilities()
LIMITS = Limits(deadline=60.0)
PYTHON_312 = Path("/root/.pyenv/versions/3.12.1/bin/python")


def _build(seed: int, caps: Capabilities = CAPS) -> Scenario:
    return unraisable.build(random.Random(f"{unraisable.NAME}:{seed}"), caps, seed=seed)


def _source(scenario: Scenario) -> str:
    return render_program(scenario, render_body)


def _events(scenario: Scenario) -> list[dict]:
    settings = scenario.settings
    return settings["main_before"] + settings["main_after"] + [e for w in scenario.workers for e in w.params["events"]]


def _atexit_registrations(scenario: Scenario) -> int:
    return len(scenario.settings["atexit_main"]) + sum(len(w.params["atexit"]) * w.copies for w in scenario.workers)


def test_covers_every_source_trigger_and_shape():
    seen = Counter()
    for seed in range(200):
        scenario = _build(seed)
        settings = scenario.settings
        sources = set(settings["sources"])
        assert sources <= set(unraisable.SOURCES)
        triggered = {e["source"] for e in _events(scenario)}
        # every chosen object source is triggered somewhere, and nothing else is
        assert triggered == sources & set(unraisable.OBJECT_SOURCES)
        assert bool(settings["gc_callbacks"]) == ("gc_callback" in sources)
        assert bool(settings["atexit_main"]) == ("atexit" in sources)
        assert bool(settings["class_errors_main"]) == ("class_error" in sources)
        seen.update("source " + s for s in sources)
        seen.update(f"main {e['source']}" for e in settings["main_before"] + settings["main_after"])
        for worker in scenario.workers:
            assert worker.action == "unraisable" and worker.iterations > 0
            seen.update(f"worker {e['source']}" for e in worker.params["events"])
            seen["worker gc.collect"] += worker.params["collect"]
            seen["worker atexit"] += bool(worker.params["atexit"])
            seen["worker class error"] += bool(worker.params["class_errors"])
            seen["copies > 1"] += worker.copies > 1
        for event in _events(scenario):
            seen[f"{event['source']} closed by {event['closing']}"] += 1
            seen["shape " + event["shape"]] += 1
            seen["exception " + event["exc"]] += 1
            if event["source"] == "generator":
                seen["generator finally " + event["finally"]] += 1
                # the GeneratorExit-ignored traceback names the frame that dropped it
                assert event["finally"] == "raise" or event["closing"] == "del"
            if event["source"] == "del_cycle":
                seen["cycle of %d" % event["cycle"]] += 1
        for spec in settings["class_errors_main"] + [c for w in scenario.workers for c in w.params["class_errors"]]:
            seen["class error " + spec["kind"]] += 1
        counts = expected_counts(scenario)
        assert set(counts) == triggered | ({"gc_callback"} if settings["gc_callbacks"] else set())
    for source in unraisable.SOURCES:
        assert seen["source " + source], source
    for source in unraisable.OBJECT_SOURCES:
        assert seen["main " + source] and seen["worker " + source], source
    for closing in (
        "del_cycle closed by gc",
        "del closed by del",
        "weakref closed by del",
        "weakref closed by gc",
        "finalize closed by del",
        "finalize closed by gc",
        "generator closed by del",
        "generator closed by gc",
        "async_generator closed by del",
        "async_generator closed by gc",
    ):
        assert seen[closing], closing
    for feature in (
        "shape plain",
        "shape note",
        "shape chained",
        "generator finally raise",
        "generator finally yield",
        "cycle of 1",
        "cycle of 3",
        "worker gc.collect",
        "worker atexit",
        "worker class error",
        "copies > 1",
        "class error set_name",
        "class error init_subclass",
        "class error set_name_in_chain",
        "exception _Boom",
        "exception KeyError",
    ):
        assert seen[feature], feature


def test_caps_shape_programs():
    debug = Capabilities(debug=True)
    assert sum(w.iterations for s in range(20) for w in _build(s, debug).workers) < sum(
        w.iterations for s in range(20) for w in _build(s).workers
    )
    assert _build(0, Capabilities(version=(3, 13), free_threaded=True)).settings["atexit_lock"]
    assert not _build(0, Capabilities(version=(3, 14), free_threaded=True)).settings["atexit_lock"]
    assert not _build(0, Capabilities(free_threaded=False)).settings["atexit_lock"]


@pytest.mark.parametrize("name", ["ft", "ft-debug", "gil"])
def test_programs_are_valid_and_raise_every_event(name, request):
    interpreter = request.getfixturevalue(name.replace("-", "_"))
    caps = Capabilities.of(interpreter)
    for seed in range(4):
        scenario = _build(seed, caps)
        observation = observe(run(Case(_source(scenario)), interpreter, LIMITS))
        assert (
            observation.finished
            and observation.crash is None
            and not observation.violations
            and observation.exception is None
            and not observation.thread_exceptions
        ), (seed, observation.violations, observation.thread_exceptions, observation.exception, observation.crash)
        # every event fired once: counted sources, plus the atexit callbacks after the end
        expected = sum(expected_counts(scenario).values()) + _atexit_registrations(scenario)
        assert len(observation.unraisable) == expected > 0, seed
        results = dict(observation.results)
        assert results["events fired"] == (repr(sorted(expected_counts(scenario).items())),)
        assert results["gc callbacks left"] == ("0",)
        texts = [event.text for event in observation.unraisable]
        assert all(text.startswith("Exception ignored in") for text in texts)
        if scenario.settings["atexit_main"]:
            assert any("atexit callback" in text for text in texts)


def test_class_errors_are_emitted_with_notes(gil):
    scenario = next(
        s
        for s in (_build(seed, Capabilities.of(gil)) for seed in range(100))
        if any(c["kind"] == "init_subclass" and c["depth"] > 1 for c in s.settings["class_errors_main"])
    )
    observation = observe(run(Case(_source(scenario)), gil, LIMITS))
    (errors,) = dict(observation.results)["class errors main"]
    assert "through Level1 for Leaf" in errors
    if any(c["kind"] != "init_subclass" for c in scenario.settings["class_errors_main"]):
        assert "Error calling __set_name__" in errors


@pytest.mark.slow
def test_same_build_has_zero_false_positives(ft):
    caps = Capabilities.of(ft)
    disagreements = []
    for seed in range(40):
        verdict = judge_once(Case(_source(_build(seed, caps))), ft, ft, LIMITS)
        if verdict.kind is not Kind.AGREE or not verdict.target.unraisable:
            disagreements.append((seed, verdict.kind.value, verdict.summary))
    assert not disagreements


def test_312_and_313_differ_only_in_known_wording(gil):
    """The same program on 3.12 and 3.13: unraisable events compared by canonical wording
    (WORDING_RULES in oracle/normalize.py) must agree; atexit's first line changed."""
    if not PYTHON_312.exists():
        pytest.skip(f"no CPython 3.12 at {PYTHON_312}")
    old = registry.probe(PYTHON_312, name="py312")
    caps = Capabilities.common(gil, old)
    assert caps.version == (3, 12)
    atexit_seen = False
    for seed in range(8):
        scenario = _build(seed, caps)
        verdict = judge_once(Case(_source(scenario)), gil, old, LIMITS)
        assert verdict.kind is Kind.AGREE, (seed, verdict.summary, verdict.differences)
        assert verdict.target.unraisable
        atexit_seen |= bool(_atexit_registrations(scenario))
        if _atexit_registrations(scenario):
            events = verdict.target.unraisable + verdict.oracle.unraisable
            heads = {e.text.splitlines()[0].split(" <")[0] for e in events if "atexit" in e.text}
            assert heads == {"Exception ignored in atexit callback", "Exception ignored in atexit callback:"}
    assert atexit_seen
