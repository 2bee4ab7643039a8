"""Family `interleave`: the plan IR, the catalog, and the handshake machinery on real
builds (a paused operation really runs another thread's mutation inside its window)."""

from __future__ import annotations

import dataclasses

import pytest

from tandem.fuzz.family import FAMILIES, build
from tandem.fuzz.interleave import api, shrink
from tandem.fuzz.interleave.build import SECTION_ORDER
from tandem.fuzz.interleave.catalog import RECEIVER, Role, build_catalog, parameters
from tandem.fuzz.interleave.plan import Callback, InterleavePlan, Mode, Pause, SharedObject, Slot, Step
from tandem.fuzz.interleave.surface import snapshot
from tandem.fuzz.mutate import mutate
from tandem.fuzz.render import render
from tandem.fuzz.scenario import Capabilities, Scenario
from tandem.oracle.errors import CorpusError
from tandem.oracle.executor import run
from tandem.oracle.judge import judge_once
from tandem.oracle.model import Case, Kind, Limits
from tandem.oracle.normalize import observe

CAPS = Capabilities()
LIMITS = Limits(deadline=60.0)
RECEIVERS = set(RECEIVER)


def _plan(objects, schedule, mode=Mode.FORCED, sections=None, raises=()) -> InterleavePlan:
    sections = sections or SECTION_ORDER
    return InterleavePlan(mode, tuple(SharedObject(*o) for o in objects), tuple(schedule), raises, 1, sections)


def _scenario(plan: InterleavePlan) -> Scenario:
    plan.validate(RECEIVERS)
    return Scenario(family="interleave", seed=0, caps=CAPS, plan=plan, notes=api.describe(plan))


def _results(source: str, interpreter) -> dict[str, str]:
    observation = observe(run(Case(source, name="interleave.py"), interpreter, LIMITS))
    assert observation.crash is None, observation.stderr_tail
    assert observation.exception is None, observation.exception
    return {key: values[-1] for key, values in observation.results}


def step(operation: str, obj: str, template: str, *args: str, pause=None) -> Step:
    return Step(operation, obj, template, tuple(args), None if pause is None else Pause(*pause))


# -- the IR -----------------------------------------------------------------------------


def test_generated_plans_round_trip_and_render_the_same_bytes():
    for seed in range(150):
        scenario = build("interleave", seed, CAPS)
        again = Scenario.loads(scenario.dumps())
        assert again == scenario
        source = render(scenario)
        assert render(again) == source
        compile(source, f"interleave-{seed}", "exec")
        scenario.plan.validate(RECEIVERS)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["schedule"][0]["window"].append(dict(d["schedule"][0], window=[])), "while it is paused"),
        (lambda d: d["schedule"][0].update(operation="dict.frobnicate()"), "unknown operation"),
        (lambda d: d["schedule"][0].update(operation="nosuchkind.get"), "unknown operation"),
        (lambda d: d["schedule"][0].update(template="{o}.get({5})"), "does not fit"),
        (lambda d: d["schedule"][0].update(args=["K('e1', 1"]), "not an expression"),
        (lambda d: d["schedule"][0].update(obj="nowhere"), "unknown object"),
        (lambda d: d["schedule"][0].update(pause=["__frob__", "e1", 1]), "malformed"),
        (lambda d: d.update(mode="sometimes"), "malformed"),
    ],
)
def test_a_malformed_plan_is_rejected_on_load(change, message):
    plan = _plan(
        [("o0", "dict", "{K('e1', 1): K('v1', 1)}")],
        [
            Slot(
                "t0",
                step("dict.get", "o0", "{o}.get({0})", "K('e1', 1)", pause=(Callback.EQ, "e1", 1)),
                (Slot("t1", step("dict.clear", "o0", "{o}.clear()")),),
            )
        ],
    )
    data = _scenario(plan).to_json()
    change(data["plan"])
    with pytest.raises(CorpusError, match=message):
        Scenario.from_json(data)


# -- the catalog ------------------------------------------------------------------------


def test_catalog_comes_from_the_targets_surface(ft):
    from tandem.fuzz.interleave.surface import of_interpreter

    surface = of_interpreter(ft.path)
    assert "setdefault" in surface["dict"] and "rotate" in surface["deque"]
    catalog = build_catalog(surface, ft.minor)
    names = set(catalog.names)
    assert {
        "dict.setdefault",
        "deque.rotate",
        "list.__setitem__",
        "OrderedDict.move_to_end",
        "bytearray.extend",
        "class.construct",
        "hooks.set_unraisablehook",
    } <= names
    # a method a newer CPython adds becomes an operation through the parameter-name table,
    # one with a parameter the table does not know is listed, not guessed
    newer = {kind: dict(methods) for kind, methods in surface.items()}
    newer["dict"]["merge_from"] = "($self, iterable, /, *, key=None)"
    newer["dict"]["transmogrify"] = "($self, flux_capacitor, /)"
    grown = build_catalog(newer, ft.minor)
    merged = next(op for op in grown.operations if op.name == "dict.merge_from")
    assert merged.roles == (Role.ITERABLE,) and merged.template == "{o}.merge_from({0})"
    assert Callback.NEXT in merged.callbacks
    assert any(u.startswith("dict.transmogrify") for u in grown.unsupported)
    assert "dict.transmogrify" not in grown.names


def test_text_signatures_parse():
    assert parameters("($self, key, default=None, /)") == [("key", True), ("default", False)]
    assert parameters("($self, sub[, start[, end]], /)") == [("sub", True), ("start", False), ("end", False)]
    assert parameters("($self, /, *others)") == [("others", True)]
    assert parameters(None) is None


def test_two_thousand_programs_cover_the_catalog():
    """The acceptance bar of `tandem generate --family interleave --count 2000 --stats`."""
    scenarios = [build("interleave", seed, CAPS) for seed in range(2000)]
    catalog = build_catalog(snapshot(CAPS.version), CAPS.version)
    paused, mutators = set(), set()
    for scenario in scenarios:
        p, m = scenario.plan.paused_and_mutators()
        paused.update(p)
        mutators.update(m)
    pausable = {op.name for op in catalog.operations if op.pausable}
    assert len(paused & pausable) >= 0.95 * len(pausable)
    assert len(mutators & set(catalog.names)) >= 0.95 * len(catalog.names)
    lines = api.coverage(scenarios, CAPS)
    assert any(line.startswith("as the paused operation") for line in lines)


# -- the handshakes, on real builds ----------------------------------------------------------


def test_a_pause_never_reached_is_recorded_and_the_window_still_runs(ft):
    plan = _plan(
        [("o0", "list", "[K('e0', 0), K('e1', 1)]")],
        [
            Slot(
                "t0",
                step("list.index", "o0", "{o}.index({0})", "K('e1', 1)", pause=(Callback.EQ, "nowhere", 1)),
                (Slot("t1", step("list.clear", "o0", "{o}.clear()")),),
            )
        ],
    )
    results = _results(render(_scenario(plan)), ft)
    assert results["pause t0.0 list.index at __eq__ of nowhere #1 reached"] == "False"
    assert results["t0.0 list.index"] == "'returned 1'"  # ran to completion first
    assert results["t1.0 list.clear"] == "'returned None'"  # then the window
    assert results["final o0"] == "'list[]'"


def test_nested_pauses_run_inside_each_others_windows(ft):
    # t0 pauses in e0.__eq__ (list.index); t1, inside t0's window, pauses in its
    # iterable's __next__ (list.extend); t2 clears the list inside t1's window.
    plan = _plan(
        [("o0", "list", "[K('e0', 0), K('e1', 1), K('e2', 2)]")],
        [
            Slot(
                "t0",
                step("list.index", "o0", "{o}.index({0})", "K('e2', 2)", pause=(Callback.EQ, "e0", 1)),
                (
                    Slot(
                        "t1",
                        step(
                            "list.extend",
                            "o0",
                            "{o}.extend({0})",
                            "It('it', [K('e7', 1), K('e8', 2)])",
                            pause=(Callback.NEXT, "it", 2),
                        ),
                        (Slot("t2", step("list.clear", "o0", "{o}.clear()")),),
                    ),
                ),
            )
        ],
    )
    observation = observe(run(Case(render(_scenario(plan))), ft, LIMITS))
    keys = [key for key, _ in observation.results]
    values = {key: values[-1] for key, values in observation.results}
    assert values["pause t0.0 list.index at __eq__ of e0 #1 reached"] == "True"
    assert values["pause t1.0 list.extend at __next__ of it #2 reached"] == "True"
    # t2 finished before t1, t1 before t0; t1's second element went into the cleared list
    assert keys.index("t2.0 list.clear") < keys.index("t1.0 list.extend") < keys.index("t0.0 list.index")
    assert values["final o0"] == "'list[e8]'"
    assert values["t0.0 list.index"].startswith("'raised ValueError")


def test_a_step_blocked_behind_a_paused_one_unforces_the_schedule_without_hanging(ft):
    # t0 holds a lock while paused in a callback; t1's step waits for that lock.
    plan = _plan(
        [("o0", "functools", "threading.Lock()")],
        [
            Slot(
                "t0",
                step(
                    "functools.reduce",
                    "o0",
                    "({o}.acquire(), F('lk')(), {o}.release())[1]",
                    pause=(Callback.CALL, "lk", 1),
                ),
                (Slot("t1", step("functools.reduce", "o0", "{o}.acquire()")),),
            )
        ],
    )
    observation = observe(run(Case(render(_scenario(plan))), ft, LIMITS))
    assert observation.crash is None and observation.violations == ()
    observed = dict(observation.observations)
    assert observed["schedule no longer forced at"] == ("'t1.0 functools.reduce'",)
    assert "t1.0 functools.reduce" in observed and "t0.0 functools.reduce" in observed  # observations from there


# A plan per callback kind: (objects, the paused step, its pause, the window's steps).  The
# test runs each twice: paused with the window inside (forced), and with the pause point
# removed (the window runs after the step).  The paused step's result or the final state
# must differ: the mutation really ran inside the paused operation.
CALLBACK_CASES = {
    Callback.EQ: (
        [("o0", "list", "[K('e0', 0), K('e1', 1), K('e2', 2)]")],
        ("list.index", "o0", "{o}.index({0})", ("K('e2', 2)",)),
        ("e0", 1),
        [("list.clear", "{o}.clear()")],
    ),
    Callback.HASH: (
        [("o0", "dict", "{K('e0', 0): K('v0', 0), K('e1', 1): K('v1', 1)}")],
        ("dict.get", "o0", "{o}.get({0}, 'dflt')", ("K('e1', 1)",)),
        ("e1", 1),
        [("dict.clear", "{o}.clear()")],
    ),
    Callback.LT: (
        [("o0", "list", "[K('e2', 2), K('e0', 0), K('e1', 1)]")],
        ("list.sort", "o0", "{o}.sort()", ()),
        ("e0", 1),
        [("list.append", "{o}.append(K('e9', 0))")],
    ),
    Callback.REPR: (
        [("o0", "dict", "{K('e0', 0): K('v0', 0), K('e1', 1): K('v1', 1)}")],
        ("dict.repr", "o0", "repr({o})", ()),
        ("e0", 1),
        [("dict.clear", "{o}.clear()")],
    ),
    Callback.STR: (
        [("o0", "list", "[K('e0', 0), K('e1', 1)]")],
        ("str.join", "o0", "''.join(map(str, {o}))", ()),
        ("e0", 1),
        [("list.clear", "{o}.clear()")],
    ),
    Callback.FORMAT: (
        [("o0", "list", "[K('e0', 0), K('e1', 1)]")],
        ("str.format", "o0", "''.join(format(x) for x in {o})", ()),
        ("e0", 1),
        [("list.clear", "{o}.clear()")],
    ),
    Callback.REDUCE: (
        [("o0", "list", "[K('e0', 0), K('e1', 1)]")],
        ("list.deepcopy", "o0", "copy.deepcopy({o})", ()),
        ("e0", 1),
        [("list.clear", "{o}.clear()")],
    ),
    Callback.INDEX: (
        [("o0", "list", "[K('e0', 0), K('e1', 1), K('e2', 2)]")],
        ("list.pop", "o0", "{o}.pop({0})", ("N('i2', 2)",)),
        ("i2", 1),
        [("list.clear", "{o}.clear()")],
    ),
    Callback.LEN: (
        [("o0", "list", "[K('e0', 0)]")],
        ("list.extend", "o0", "{o}.extend({0})", ("It('it', [K('e9', 0)])",)),
        ("it", 1),
        [("list.clear", "{o}.clear()")],
    ),
    Callback.ITER: (
        [("o0", "list", "[K('e0', 0)]")],
        ("list.extend", "o0", "{o}.extend({0})", ("It('it', [K('e9', 0)])",)),
        ("it", 1),
        [("list.clear", "{o}.clear()")],
    ),
    Callback.NEXT: (
        [("o0", "list", "[K('e0', 0), K('e1', 1)]")],
        ("list.__iter__", "o0", "list({0})", ("It('it', o0)",)),
        ("it", 2),
        [("list.clear", "{o}.clear()")],
    ),
    Callback.GETITEM: (
        [("o0", "list", "[K('e0', 0), K('e1', 1)]")],
        ("list.__iter__", "o0", "list({0})", ("Seq('sq', o0)",)),
        ("sq", 2),
        [("list.clear", "{o}.clear()")],
    ),
    Callback.MISSING: (
        [("o0", "missing_dict", "DM({})")],
        ("missing_dict.__getitem__", "o0", "({o}[{0}], list({o}))[1]", ("K('e5', 2)",)),
        ("dm", 1),
        [("missing_dict.__setitem__", "operator.setitem({o}, K('e6', 0), K('w', 0))")],
    ),
    Callback.KEYS: (
        [("o0", "dict", "{}")],
        ("dict.update", "o0", "({o}.update({0}), list({o}))[1]", ("M('m', {K('e1', 1): K('v1', 1)})",)),
        ("m", 1),
        [("dict.__setitem__", "operator.setitem({o}, K('e0', 0), K('w', 0))")],
    ),
    Callback.DEL: (
        [("o0", "list", "[K('e0', 0)]")],
        ("gc.drop_and_collect", "o0", "(_drop_and_collect('g'), len({o}))[1]", ()),
        ("g", 1),
        [("list.append", "{o}.append(K('e9', 0))")],
    ),
    Callback.GET: (
        [("o0", "instance", "C0(1)")],
        ("instance.get_descriptor", "o0", "getattr({o}, 'desc')", ()),
        ("cd", 1),
        [("instance.set_descriptor", "setattr({o}, 'desc', K('w', 0))")],
    ),
    Callback.SET: (
        [("o0", "instance", "C0(1)")],
        ("instance.set_descriptor", "o0", "(setattr({o}, 'desc', {0}), sorted(vars({o})))[1]", ("K('a1', 0)",)),
        ("cd", 1),
        [("instance.dict_clear", "{o}.__dict__.clear()")],
    ),
    Callback.DELETE: (
        [("o0", "instance", "C0(1)")],
        ("instance.del_descriptor", "o0", "(_delete({o}, 'desc'), sorted(vars({o})))[1]", ()),
        ("cd", 1),
        [("instance.dict_replace", "setattr({o}, '__dict__', {{'_cd': 1, 'x': 2}})")],
    ),
    Callback.SET_NAME: (
        [("o0", "class", "C0")],
        ("class.subclass", "o0", "_class_state(type('Sub', ({o},), {{'d': Desc('sd')}}))", ()),
        ("sd", 1),
        [("class.set_name", "setattr({o}, '__name__', 'Renamed')")],
    ),
    Callback.INIT_SUBCLASS: (
        [("o0", "class", "C0")],
        ("class.subclass", "o0", "_class_state(type('Sub', ({o},), {{}}))", ()),
        ("B0", 1),
        [("class.set_name", "setattr({o}, '__name__', 'Renamed')")],
    ),
    Callback.INIT: (
        [("o0", "class", "C0")],
        ("class.construct", "o0", "_construct({o}, 4)", ()),
        ("C0", 2),
        [("class.set_init", "setattr({o}, '__init__', _init_v1)")],
    ),
    Callback.NEW: (
        [("o0", "class", "C0")],
        ("class.construct", "o0", "_construct({o}, 4)", ()),
        ("C0", 2),
        [("class.set_init", "setattr({o}, '__init__', _init_v1)")],
    ),
    Callback.META_CALL: (
        [("o0", "class", "C0")],
        ("class.construct", "o0", "_construct({o}, 4)", ()),
        ("C0", 2),
        [("class.set_init_defaults", "setattr({o}.__init__, '__defaults__', ('d',))")],
    ),
    Callback.MRO: (
        [("o0", "class", "C0")],
        ("class.set_bases", "o0", "(setattr({o}, '__bases__', (B1,)), [c.__name__ for c in {o}.__mro__])[1]", ()),
        ("C0", 1),
        [("class.restore_bases", "setattr({o}, '__bases__', (B0,))")],
    ),
    Callback.INSTANCECHECK: (
        [("o0", "class", "C0"), ("o1", "class", "type('Sub', (C0,), {})")],
        ("class.isinstance", "o0", "isinstance({0}, {o})", ("o1.__new__(o1)",)),
        ("C0", 1),
        [("class.set_bases", "setattr(o1, '__bases__', (B1,))")],
    ),
    Callback.SUBCLASSCHECK: (
        [("o0", "class", "C0"), ("o1", "class", "type('Sub', (C0,), {})")],
        ("class.issubclass", "o0", "issubclass({0}, {o})", ("o1",)),
        ("C0", 1),
        [("class.set_bases", "setattr(o1, '__bases__', (B1,))")],
    ),
    Callback.CALL: (
        [("o0", "defaultdict", "collections.defaultdict(F('o0f', 'key'), {K('e0', 0): K('v0', 0)})")],
        ("defaultdict.__getitem__", "o0", "({o}[{0}], list({o}))[1]", ("K('e9', 0)",)),
        ("o0f", 1),
        [("defaultdict.clear", "{o}.clear()")],
    ),
    Callback.GETATTR: (
        [("o0", "module", "_new_module()")],
        ("module.getattr_dynamic", "o0", "(getattr({o}, 'dyn'), sorted(vars({o})))[1]", ()),
        ("m0", 1),
        [("module.setattr", "setattr({o}, 'late', 1)")],
    ),
}


def test_every_callback_kind_has_a_case():
    assert set(CALLBACK_CASES) == set(Callback)


def _callback_plan(callback: Callback, paused: bool) -> InterleavePlan:
    objects, (operation, obj, template, args), (label, nth), window = CALLBACK_CASES[callback]
    pause = (callback, label, nth) if paused else (callback, "never", 1)
    slots = tuple(Slot("t1", step(op, obj, text)) for op, text in window)
    return _plan(objects, [Slot("t0", step(operation, obj, template, *args, pause=pause), slots)])


@pytest.mark.parametrize("callback", sorted(Callback, key=lambda c: c.value), ids=lambda c: c.name)
def test_the_paused_operation_sees_the_mutation_made_in_its_window(ft, callback):
    inside = _results(render(_scenario(_callback_plan(callback, True))), ft)
    after = _results(render(_scenario(_callback_plan(callback, False))), ft)
    reached = [value for key, value in inside.items() if key.startswith("pause t0.0")]
    assert reached == ["True"], inside
    assert [value for key, value in after.items() if key.startswith("pause t0.0")] == ["False"]
    paused = next(key for key in inside if key.startswith("t0.0 "))
    assert (inside[paused], inside["final o0"]) != (after[paused], after["final o0"]), (inside, after)


def test_the_seeds_class_constructs_again_with_the_swapped_init(ft):
    results = _results(render(_scenario(_callback_plan(Callback.INIT, True))), ft)
    # constructions 0 and 1 ran C0's own __init__ (1 was paused inside it), 2 and 3 the new one
    assert results["t0.0 class.construct"] == (
        "\"returned list[tuple['C0', 0], tuple['C0', 1], tuple['v1', 2], tuple['v1', 3]]\""
    )


# -- determinism and the differential on real builds -----------------------------------------


@pytest.mark.parametrize("name", ["ft", "ft_debug", "gil"])
def test_same_build_runs_agree(request, name):
    interpreter = request.getfixturevalue(name)
    caps = Capabilities.common(interpreter)
    for seed in range(12):
        scenario = build("interleave", seed, caps)
        verdict = judge_once(Case(render(scenario), name=f"interleave-{seed}.py"), interpreter, interpreter, LIMITS)
        assert verdict.kind is Kind.AGREE, (seed, verdict.summary)


def test_free_mode_checks_exception_types_and_finishes(ft):
    plan = dataclasses.replace(_callback_plan(Callback.EQ, True), mode=Mode.FREE, rounds=20)
    observation = observe(run(Case(render(_scenario(plan))), ft, LIMITS))
    assert observation.crash is None and observation.violations == ()
    assert dict(observation.results)["free mode finished"] == ("2",)


def test_a_systemerror_in_free_mode_is_a_failed_check(ft):
    plan = _plan(
        [("o0", "list", "[K('e0', 0)]")],
        [Slot("t0", step("list.pop", "o0", "_raise(SystemError('planted'))"))],
        mode=Mode.FREE,
    )
    source = render(_scenario(plan)).replace(
        "\n_run_free(_ACTORS", "\ndef _raise(e):\n    raise e\n\n\n_run_free(_ACTORS"
    )
    observation = observe(run(Case(source), ft, LIMITS))
    assert [label for label, _, _ in observation.violations] == ["list.pop raises only what the operation can"]


# -- mutation and shrinking ----------------------------------------------------------------


def test_mutations_keep_plans_valid_and_change_them():
    import random

    rng = random.Random(3)
    changed = 0
    for seed in range(60):
        scenario = build("interleave", seed, CAPS)
        child = mutate(scenario, rng)
        child.plan.validate(RECEIVERS)
        compile(render(child), "mutated", "exec")
        changed += child.plan != scenario.plan
        assert Scenario.loads(child.dumps()) == child
    assert changed >= 50


def test_mutations_never_make_a_free_plan_that_cannot_be_looped():
    import random

    from tandem.fuzz.interleave.build import free_mode_safe

    rng = random.Random(5)
    for seed in range(300):
        scenario = build("interleave", seed, CAPS)
        for _ in range(3):
            scenario = mutate(scenario, rng)
            if scenario.plan.mode is Mode.FREE:
                assert free_mode_safe(scenario.plan.schedule), scenario.notes


def test_shrink_passes_yield_valid_smaller_plans():
    scenario = build("interleave", 11, CAPS)
    seen = 0
    for make in shrink.SHRINK_PASSES:
        for candidate in make(scenario):
            candidate.plan.validate(RECEIVERS)
            compile(render(candidate), "shrunk", "exec")
            seen += 1
    assert seen >= 3
    assert FAMILIES["interleave"].shrink_passes == shrink.SHRINK_PASSES


def test_campaign_feedback_sees_outcomes_and_pauses(ft):
    from tandem.fuzz.campaign import features_of

    verdict = judge_once(Case(render(_scenario(_callback_plan(Callback.EQ, True)))), ft, ft, LIMITS)
    features = features_of(verdict)
    assert "outcome:list.index:ValueError" in features and "outcome:list.clear:ok" in features
    assert "paused:list.index:__eq__" in features


def test_the_bug_report_form_runs_the_schedule_standalone(ft, tmp_path):
    import subprocess

    scenario = _scenario(dataclasses.replace(_callback_plan(Callback.EQ, True), sections=("K",)))
    text = FAMILIES["interleave"].reproducer(scenario)
    assert "emit(" not in text and "_Conductor" not in text and len(text.splitlines()) < 120
    path = tmp_path / "report.py"
    path.write_text(text)
    printed = subprocess.run([ft.path, str(path)], capture_output=True, text=True, timeout=60).stdout.splitlines()
    assert printed == [
        "t0_0 paused in __eq__ of e0 #1",
        "t1_0 list.clear returned None",
        "t0_0 list.index raised ValueError: e2 is not in list",
        "final o0: []",
    ]


def test_hypothesis_and_atheris_draw_interleave_plans():
    from hypothesis import HealthCheck, given, settings

    from tandem.fuzz.atheris_target import ByteRandom
    from tandem.fuzz.strategies import scenarios

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(scenarios(families=("interleave",)))
    def check(scenario):
        scenario.plan.validate(RECEIVERS)
        compile(render(scenario), "drawn", "exec")

    check()
    for data in (b"", b"\x00" * 64, bytes(range(256))):
        scenario = FAMILIES["interleave"].build(ByteRandom(data), CAPS, seed=1)
        scenario.plan.validate(RECEIVERS)
        compile(render(scenario), "atheris", "exec")


def test_a_steps_position_is_not_part_of_its_signature():
    from tandem.oracle.model import Difference, Side, Verdict
    from tandem.oracle.signature import signature

    def divergence(*keys):
        return Verdict(
            Kind.RESULT_DIVERGENCE,
            Side.TARGET,
            "results differ",
            tuple(Difference(f"result {key!r}", "a", "b") for key in keys),
        )

    first = signature(divergence("t0.1 dict.get", "pause t0.1 dict.get at __eq__ of e1 #1 reached"))
    again = signature(divergence("t2.0 dict.get", "pause t2.0 dict.get at __eq__ of e1 #1 reached"))
    assert (
        first
        == again
        == ("result_divergence|target|result 'dict.get'|result 'pause dict.get at __eq__ of e1 #1 reached'")
    )
    assert signature(divergence("t0.1 dict.pop")) != first
