"""Bodies of the class families: hierarchy and cold start (construction checked against
the hierarchy), init race (outcomes every __init__ version allows) and type mutation
(reads checked against every value some write could have produced).
"""

from __future__ import annotations

from . import classes as hierarchy
from .render_base import MISSING, Code, _render_driver, _render_finals, _render_mutators, _render_verifier, literal
from .scenario import InitVersion, Scenario, Worker

# -- hierarchy and cold start ---------------------------------------------------------


def _render_construction(code: Code, scenario: Scenario) -> None:
    specs = hierarchy.by_name(scenario.classes)
    targets = sorted({t for w in scenario.workers for t in w.targets})
    for name in targets:
        _render_verifier(code, name, specs)
    code("SHARED = []", "")
    for worker in scenario.workers:
        _render_construct_worker(code, worker)
    _render_driver(code, scenario)
    # Schedule-independent facts of the hierarchy, emitted after the threads joined.
    for spec in scenario.classes:
        code(f"emit('mro {spec.name}', [c.__name__ for c in {spec.name}.__mro__])")
    code("emit('subclasses', sorted(SUBCLASSES))")
    code(
        f"check(sorted(SUBCLASSES) == {literal(hierarchy.subclass_records(scenario.classes))}, "
        "'__init_subclass__ records', detail=sorted(SUBCLASSES))"
    )
    code("emit('constructed', sorted((k, SHARED.count(k)) for k in set(SHARED)))")
    code("emit('metaclass calls', sorted((k, META_CALLS.count(k)) for k in set(META_CALLS)))")
    for name in targets:
        code(
            f"_final = {name}(7)",
            f"check(not _verify_{name}(_final, 7), 'final {name} consistent', detail=_verify_{name}(_final, 7))",
            f"emit('final {name}', (list(_final.trace), _final.value))",
        )


def _render_construct_worker(code: Code, worker: Worker) -> None:
    code("@_worker", f"def {worker.name}():").indent()
    code("made = 0", f"for i in range({worker.iterations}):").indent()
    for target in worker.targets:
        code(f"obj = {target}(i)", f"problems = _verify_{target}(obj, i)")
        code(f"check(not problems, '{target} instance consistent', detail=problems)")
        code(f"SHARED.append({target!r})", "made += 1")
    code("if i % 256 == 255:").indent()
    code("_record_specializations()").dedent()
    code.dedent()
    code("_record_specializations()", "return made").dedent().blank()


# -- init race ----------------------------------------------------------------------


def init_outcomes(version: InitVersion, scenario: Scenario) -> set[tuple]:
    """Every outcome a construction through `version` may legitimately have."""
    tag, kind = version.tag, version.kind
    init = lambda t=tag, s=1, m="x": ("init", t, s, m)  # noqa: E731
    if kind in ("function", "closure", "lambda"):
        return {init()}
    if kind == "builtin":
        return {("uninit",), ("raise", "TypeError")}
    if kind in ("callable_object", "staticmethod", "classmethod"):
        return {("uninit",)}
    if kind == "partial":
        return {("uninit",), init()}
    if kind in ("wrong_arity", "returns_value"):
        return {("raise", "TypeError")}
    if kind == "raises":
        return {("raise", "_InitFailure")}
    if kind == "recursive":
        return {("raise", "RecursionError")}
    mutations = [m for mut in scenario.mutators for m in mut.plan + mut.final if m.target == version.name]
    if kind == "defaults":
        outcomes: set[tuple] = {init(s=1)}
        for m in mutations:
            if m.op == "set_defaults":
                outcomes.add(("raise", "TypeError") if m.args[0] is None else init(s=m.args[0][0]))
        return outcomes
    if kind == "kwdefaults":
        outcomes = {init(m="x")}
        for m in mutations:
            if m.op == "set_kwdefaults":
                outcomes.add(("raise", "TypeError") if m.args[0] is None else init(m=m.args[0]["mode"]))
        return outcomes
    if kind == "code":
        return {init(), init(t=tag + "_alt")}
    raise ValueError(f"unknown init kind {kind!r}")


def allowed_init_outcomes(scenario: Scenario) -> set[tuple]:
    allowed: set[tuple] = set()
    for version in scenario.init_versions:
        allowed |= init_outcomes(version, scenario)
    deletes_new = any(m.op == "del_new" for mut in scenario.mutators for m in mut.plan)
    if deletes_new:
        assert scenario.race_class is not None  # del_new deletes the race class's __new__
        if scenario.class_named(scenario.race_class).builtin == "object":
            # Deleting an assigned __new__ leaves tp_new calling object.__new__ with the
            # constructor's arguments, which it rejects: a TypeError in every build.
            allowed.add(("raise", "TypeError"))
    return allowed


def _render_version(code: Code, version: InitVersion) -> str:
    """Define the callable; return the expression that names it."""
    name, tag, kind = version.name, version.tag, version.kind
    fn = f"_v_{name}"
    if kind in ("function", "defaults", "kwdefaults", "code", "returns_value", "wrong_arity", "raises", "recursive"):
        signature = {
            "defaults": "self, i, scale=1",
            "kwdefaults": "self, i, *, mode='x'",
            "wrong_arity": "self",
            "recursive": "self, i, depth=0",
        }.get(kind, "self, i")
        code(f"def {fn}({signature}):").indent()
        if kind == "defaults":
            code(f"_init_body(self, {tag!r}, i, scale)")
        elif kind == "kwdefaults":
            code(f"_init_body(self, {tag!r}, i, mode=mode)")
        elif kind == "wrong_arity":
            code(f"_init_body(self, {tag!r}, -1)")
        elif kind == "raises":
            code(f"raise _InitFailure({tag!r})")
        elif kind == "recursive":
            code(f"return {fn}(self, i, depth + 1)")
        elif kind == "returns_value":
            code(f"_init_body(self, {tag!r}, i)", "return 42")
        else:
            code(f"_init_body(self, {tag!r}, i)")
        code.dedent().blank()
        if kind == "code":
            code(f"def _donor_{name}(self, i):").indent()
            code(f"_init_body(self, {tag + '_alt'!r}, i)").dedent().blank()
        return fn
    if kind == "closure":
        code(f"def _make_{name}():").indent()
        code(f"tag = {tag!r}", "", "def init(self, i):").indent()
        code("_init_body(self, tag, i)").dedent()
        code("", "return init").dedent().blank()
        return f"_make_{name}()"
    if kind == "lambda":
        code(f"def _make_{name}():").indent()
        code(f"return lambda self, i: _init_body(self, {tag!r}, i)").dedent().blank()
        return f"_make_{name}()"
    if kind == "builtin":
        return "object.__init__"
    if kind == "callable_object":
        code(f"class _Callable_{name}:").indent()
        code("def __call__(self, *args):").indent()
        code("return None").dedent().dedent().blank()
        return f"_Callable_{name}()"
    if kind == "partial":
        code(f"def _partial_{name}(tag, *rest):").indent()
        code("if len(rest) == 2:  # bound as a method (partial is a descriptor from 3.14)").indent()
        code("_init_body(rest[0], tag, rest[1])").dedent().dedent().blank()
        return f"functools.partial(_partial_{name}, {tag!r})"
    if kind == "staticmethod":
        code(f"def _static_{name}(*args):").indent()
        code("return None").dedent().blank()
        return f"staticmethod(_static_{name})"
    if kind == "classmethod":
        code(f"def _class_{name}(cls, *args):").indent()
        code("return None").dedent().blank()
        return f"classmethod(_class_{name})"
    raise ValueError(f"unknown init kind {kind!r}")


def _render_init_race(code: Code, scenario: Scenario) -> None:
    race, base = scenario.race_class, scenario.race_base
    assert race is not None  # an init race names its class (generators/init_race.py)
    race_spec = scenario.class_named(race)
    names = {}
    for version in scenario.init_versions:
        names[version.name] = _render_version(code, version)
    code("VERSIONS = {").indent()
    for version in scenario.init_versions:
        code(f"{version.name!r}: {names[version.name]},")
    code.dedent()("}")
    code("_ORIGINAL_CODE = {name: fn.__code__ for name, fn in VERSIONS.items() if hasattr(fn, '__code__')}")
    code.blank()
    builtin = race_spec.builtin
    for tag in scenario.new_versions:
        code(f"def _new_{tag}(cls, *args):").indent()
        code(f"obj = {builtin}.__new__(cls)", f"obj.__dict__['newtag'] = {tag!r}", "return obj").dedent().blank()
    code("NEW_VERSIONS = {" + ", ".join(f"{t!r}: _new_{t}" for t in scenario.new_versions) + "}")
    allowed = allowed_init_outcomes(scenario)
    allowed_new = {None} | set(scenario.new_versions)
    code(f"ALLOWED_INIT = {literal(allowed)}", f"ALLOWED_NEW = {literal(allowed_new)}")
    code(f"{race}.__init__ = VERSIONS[{scenario.initial_init!r}]")
    code(f"{base}.__init__ = VERSIONS['vbase']")
    code.blank()
    expected_errors = "(TypeError, RecursionError, _InitFailure)"
    for worker in scenario.workers:
        code("@_worker", f"def {worker.name}():").indent()
        code("made = 0", "seen = set()", f"for i in range({worker.iterations}):").indent()
        for target in worker.targets:  # one call site per class keeps each site monomorphic
            code("try:").indent()
            code(f"obj = {target}(i)").dedent()
            code(f"except {expected_errors} as exc:").indent()
            code("outcome, newtag = ('raise', type(exc).__name__), None").dedent()
            code("except Exception as exc:  # anything else is a finding, with its message").indent()
            code("outcome, newtag = ('unexpected', type(exc).__name__, str(exc)), None").dedent()
            code("else:").indent()
            code("outcome, newtag = _describe(obj, i), obj.__dict__.get('newtag')").dedent()
            code(f"check(outcome in ALLOWED_INIT, 'init outcome allowed', detail=({target!r}, outcome))")
            code(f"check(newtag in ALLOWED_NEW, '__new__ outcome allowed', detail=({target!r}, newtag))")
            code("seen.add(outcome)", "made += 1")
        code("if i % 256 == 255:").indent()
        code("_record_specializations()").dedent()
        code.dedent()
        code("for outcome in sorted(seen, key=repr):").indent()
        code("observe('init outcome', outcome, allowed=ALLOWED_INIT)").dedent()
        code("_record_specializations()", "return made").dedent().blank()
    _render_mutators(code, scenario)
    entries = [w.name for w in scenario.workers for _ in range(w.copies)]
    entries += [m.name for m in scenario.mutators] + ["_watch"]
    workers_total = sum(w.copies for w in scenario.workers)
    code(f"WORKER_THREADS = {workers_total}")
    code(f"_results = threads({', '.join(entries)})")
    code(f"emit('constructions', sum(_results[:{workers_total}]))")
    code("check(all(r is not None for r in _results[:-1]), 'every thread returned', detail=_results)")
    _render_finals(code, scenario)
    final_targets = [race] + [c.name for c in scenario.classes if race in c.bases]
    for target in final_targets:
        code(f"emit('final {target}', _describe({target}(5), 5))")
    code(f"emit('final {base}', _describe({base}(6), 6))")


# -- type and instance mutations -------------------------------------------------------


def allowed_attribute_values(scenario: Scenario) -> dict[str, set]:
    """Every value a class attribute read may return: initial values, all writes, missing."""
    allowed: dict[str, set] = {}
    for spec in scenario.classes:
        for name, value in spec.class_attrs.items():
            allowed.setdefault(name, set()).add(value)
    for mutator in scenario.mutators:
        for mutation in mutator.plan + mutator.final:
            if mutation.op == "set_class_attr":
                allowed.setdefault(mutation.args[0], set()).add(mutation.args[1])
    for values in allowed.values():
        values.add(MISSING)
    return allowed


def allowed_instance_values(scenario: Scenario) -> dict[str, set]:
    allowed: dict[str, set] = {}
    for index in range(scenario.pool_size):
        for key in ("ia_0", "ia_1"):
            allowed.setdefault(key, set()).add(index if key == "ia_0" else index * 3)
    for mutator in scenario.mutators:
        for mutation in mutator.plan + mutator.final:
            if mutation.op in ("dict_replace", "dict_update"):
                for key, value in mutation.args[1].items():
                    allowed.setdefault(key, set()).add(value)
    for values in allowed.values():
        values.add(MISSING)
    return allowed


def allowed_names(scenario: Scenario, cls: str) -> set[str]:
    names = {cls}
    for mutator in scenario.mutators:
        for mutation in mutator.plan + mutator.final:
            if mutation.target == cls and mutation.op in ("set_name", "set_qualname"):
                names.add(mutation.args[0])
    return names


def _render_type_mutation(code: Code, scenario: Scenario) -> None:
    mutated = [c.name for c in scenario.classes]
    pooled = scenario.race_class
    code(f"def _{pooled}_init(self, i):").indent()
    code("self.ia_0 = i", "self.ia_1 = i * 3").dedent().blank()
    code("def _method(self):").indent()
    code("return type(self).__name__").dedent().blank()
    code(f"{pooled}.__init__ = _{pooled}_init")
    for name in mutated:
        code(f"{name}.method = _method")
    code(f"POOL = [{pooled}(k) for k in range({scenario.pool_size})]")
    attrs = allowed_attribute_values(scenario)
    instance = allowed_instance_values(scenario)
    code(f"ALLOWED_CLASS_ATTRS = {literal(attrs)}", f"ALLOWED_INSTANCE_ATTRS = {literal(instance)}")
    qualnames = set()
    for name in mutated:
        qualnames |= allowed_names(scenario, name)
    code(f"ALLOWED_QUALNAMES = {literal(qualnames)}")
    code("REPR = re.compile(r'<__main__\\.(?P<name>[A-Za-z0-9_.]+) object at 0x[0-9a-f]+>')")
    code(f"EVERY_CLASS = ({', '.join(mutated)},)")
    code.blank()
    for worker in scenario.workers:
        _render_type_worker(code, worker, scenario)
    _render_mutators(code, scenario)
    entries = [w.name for w in scenario.workers for _ in range(w.copies)] + [m.name for m in scenario.mutators]
    entries.append("_watch")
    workers_total = sum(w.copies for w in scenario.workers)
    code(f"WORKER_THREADS = {workers_total}")
    code(f"_results = threads({', '.join(entries)})")
    code(f"emit('operations', sum(_results[:{workers_total}]))")
    code("check(all(r is not None for r in _results[:-1]), 'every thread returned', detail=_results)")
    _render_finals(code, scenario)
    # After the finals the state is known: emit it.
    for name in mutated:
        code(f"emit('final {name}', ({name}.__name__, {name}.__qualname__, [c.__name__ for c in {name}.__mro__]))")
    for attr in sorted(attrs):
        code(f"emit('final attr {attr}', [_attr(c, {attr!r}) for c in EVERY_CLASS])")
    code("emit('final pool', [(type(o).__name__, sorted(o.__dict__.items())) for o in POOL])")
    code(f"emit('final repr', REPR.sub(lambda m: m.group('name'), repr({pooled}(0))))")


def _render_type_worker(code: Code, worker: Worker, scenario: Scenario) -> None:
    pooled = scenario.race_class
    code("@_worker", f"def {worker.name}():").indent()
    code("ops = 0", f"for i in range({worker.iterations}):").indent()
    if worker.action == "read":
        code("for obj in POOL:").indent()
        code("for name, allowed in ALLOWED_CLASS_ATTRS.items():").indent()
        code(
            "value = _attr(obj, name)", "check(value in allowed, 'class attribute value allowed', detail=(name, value))"
        ).dedent()
        code("for name in ('ia_0', 'ia_1'):").indent()
        code(
            "value = _attr(obj, name)",
            "check(value in ALLOWED_INSTANCE_ATTRS[name], 'instance attribute value allowed', detail=(name, value))",
        )
        code.dedent().dedent()
        code("ops += 1")
    elif worker.action == "isinstance":
        code("for obj in POOL:").indent()
        code("check(isinstance(obj, EVERY_CLASS), 'instance of a pool class', detail=type(obj).__name__)")
        code("check(type(obj) in EVERY_CLASS, 'type is a pool class', detail=type(obj).__name__)")
        code(f"observe('isinstance {pooled}', isinstance(obj, {pooled}), allowed={{True, False}})").dedent()
        code("ops += 1")
    elif worker.action == "repr":
        code("for obj in POOL:").indent()
        code(
            "match = REPR.fullmatch(repr(obj))",
            "check(match is not None and match.group('name') in ALLOWED_QUALNAMES, 'repr shape', "
            "detail=repr(obj)[:80])",
        ).dedent()
        code("ops += 1")
    elif worker.action == "write_read":
        code("obj = POOL[i % len(POOL)]", f"obj.w_{worker.name} = i", f"value = _attr(obj, 'w_{worker.name}')")
        # copies of this worker share the attribute: any value one of them wrote
        code(
            f"check(value is MISSING or (isinstance(value, int) and 0 <= value < {worker.iterations}), "
            "'own write read back', detail=value)"
        )
        code("ops += 1")
    elif worker.action == "construct":
        code(f"obj = {pooled}(i)")
        code(
            "check(_attr(obj, 'ia_0') == i and _attr(obj, 'ia_1') == i * 3, "
            "'fresh instance initialized', detail=(_attr(obj, 'ia_0'), _attr(obj, 'ia_1')))"
        )
        code("for name, allowed in ALLOWED_CLASS_ATTRS.items():").indent()
        code(
            "value = _attr(obj, name)", "check(value in allowed, 'class attribute value allowed', detail=(name, value))"
        ).dedent()
        code("ops += 1")
    else:  # pragma: no cover
        raise ValueError(f"unknown worker action {worker.action!r}")
    code.dedent()
    code("return ops").dedent().blank()


# Family -> the function that writes the family-specific part of the program.
