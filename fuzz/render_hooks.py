"""The body of `hooks` programs (see fuzz/generators/hooks.py): hook helpers, workers
whose results must not change under any hook, switcher threads, and the final state.
"""

from __future__ import annotations

from .render_base import Code, literal  # not fuzz.render: it imports this module (BODIES)
from .scenario import Mutation, Scenario, Worker

# Hook callbacks count calls racily and never raise: their counts depend on the schedule
# and are only observed.
SUPPORT = """\
import os

try:
    import _testinternalcapi
except ImportError:
    _testinternalcapi = None

_MON = getattr(sys, "monitoring", None)
COUNTS = {"profile": 0, "trace": 0, "monitoring": 0}
OUTCOMES = set()          # refusals seen while switching (schedule-dependent)
RECORDS = []              # eval-frame record lists, kept alive while the hook may use them
SHARED = []
SHARED_DICT = {}
PERF_MAP = "/tmp/perf-%d.map" % os.getpid()
ACTIVATIONS = []          # perf trampoline activations (bounded: see the generator)


def _profile(frame, event, arg):
    COUNTS["profile"] += 1


def _trace(frame, event, arg):
    COUNTS["trace"] += 1
    return _trace


def _monitor(*args):
    COUNTS["monitoring"] += 1


def _monitor_disabling(*args):
    COUNTS["monitoring"] += 1
    return _MON.DISABLE


def _mask(names):
    mask = 0
    for name in names:
        mask |= getattr(_MON.events, name, 0)
    return mask


def _monitoring_use(tool):
    if _MON.get_tool(tool) is None:
        _MON.use_tool_id(tool, "tandem")


def _register_callbacks(tool, names, disabling):
    for name in names:
        event = getattr(_MON.events, name, 0)
        if event:
            _MON.register_callback(tool, event, _monitor_disabling if name in disabling else _monitor)


def _monitoring_events(tool, names, disabling=()):
    if _MON.get_tool(tool) is None:
        return
    _register_callbacks(tool, names, disabling)
    try:
        _MON.set_events(tool, _mask(names))
    except ValueError as exc:
        OUTCOMES.add(("set_events refused", str(exc)))


def _monitoring_local(tool, code, names, disabling=()):
    if _MON.get_tool(tool) is None:
        return
    _register_callbacks(tool, names, disabling)
    try:
        _MON.set_local_events(tool, code, _mask(names))
    except ValueError as exc:
        OUTCOMES.add(("set_local_events refused", str(exc)))


def _monitoring_off(tool, codes):
    if _MON.get_tool(tool) is None:
        return
    _MON.set_events(tool, 0)
    for code in codes:
        _MON.set_local_events(tool, code, 0)


def _monitoring_free(tool, codes, names):
    if _MON.get_tool(tool) is None:
        return
    _monitoring_off(tool, codes)
    for name in names:
        event = getattr(_MON.events, name, 0)
        if event:
            _MON.register_callback(tool, event, None)
    _MON.free_tool_id(tool)


def _trampoline(on, limit):
    try:
        if on and len(ACTIVATIONS) < limit:
            ACTIVATIONS.append(1)
            sys.activate_stack_trampoline("perf")
        else:
            sys.deactivate_stack_trampoline()
    except (ValueError, RuntimeError) as exc:
        OUTCOMES.add(("trampoline refused", type(exc).__name__))


def _eval_frame_record():
    if _testinternalcapi is not None and hasattr(_testinternalcapi, "set_eval_frame_record"):
        record = []
        RECORDS.append(record)
        _testinternalcapi.set_eval_frame_record(record)


def _fib(n):
    return n if n < 2 else _fib(n - 1) + _fib(n - 2)


def _keywords(a, b=2, *, c=3):
    return a * b + c


def _counter(limit):
    for k in range(limit):
        yield k


def _adder(k):
    def add(x):
        return x + k
    return add


def _raiser(i):
    raise ValueError(i)
"""

LOCAL_DISABLE = ("PY_START", "PY_RETURN", "CALL", "LINE", "JUMP", "BRANCH")


def _work_lines(worker: Worker, scenario: Scenario) -> list[str]:
    """One iteration's deterministic work: adds to `total`, `store`, `table`, `shared`."""
    work, lines = worker.params["work"], []
    base, sub = scenario.classes[0], scenario.classes[1]
    if "construct" in work:
        lines += [
            f"base = {base.name}(i)",
            f"sub = {sub.name}(i)",
            "total += base.value + len(base.trace) + sub.value + len(sub.trace)",
        ]
        lines += [f"total += base.{name} + sub.{name}" for name in sorted(base.class_attrs)]
        if base.property_factor is not None:
            lines.append(f"total += base.p_{base.name}")
        if sub.descriptor:
            lines.append(f"total += sub.d_{sub.name}")
        if sub.slots:
            lines.append(f"total += sub.{sub.slots[0]}")
    if "append" in work:
        lines += ["store.append(i * 3)", "shared.append(i)"]
    if "dict_update" in work:
        lines += [
            "table[i % 13] = table.get(i % 13, 0) + i",
            "table.update({'k%d' % (i % 5): i})",
            f"shared_dict[({worker.name!r}, i % 7)] = i % 7",
        ]
    if "call" in work:
        lines += [
            f"total += _fib({worker.params['depth']}) + _keywords(i, c=1) + _adder(i)(2)",
            "total += sum(_counter(3)) + len(sorted([i, 3, 1])) + sum(map(abs, (-1, 2)))",
        ]
    if "exceptions" in work:
        lines += [
            "try:",
            "    _raiser(i)",
            "except ValueError as exc:",
            "    total += exc.args[0]",
            "try:",
            "    int('x%d' % i)",
            "except ValueError:",
            "    total += 1",
            "try:",
            "    table[-1 - i]",
            "except KeyError:",
            "    total += 2",
        ]
    return lines


def _render_worker(code: Code, worker: Worker, scenario: Scenario) -> None:
    params = worker.params
    code(f"def _work_{worker.name}(i, total, store, table, shared, shared_dict):").indent()
    code(*_work_lines(worker, scenario))
    code("return total").dedent().blank()
    code(f"def _loop_{worker.name}(own_hooks, shared, shared_dict):").indent()
    code("total, store, table = 0, [], {}", f"for i in range({worker.iterations}):").indent()
    every = params["toggle_every"]
    hooks = {"setprofile": ("sys.setprofile", "_profile"), "settrace": ("sys.settrace", "_trace")}
    for kind in params["self_hooks"]:
        setter, function = hooks[kind]
        code(f"if own_hooks and i % {every} == 0:").indent()
        code(f"{setter}({function})").dedent()
        code(f"elif own_hooks and i % {every} == {every // 2}:").indent()
        code(f"{setter}(None)").dedent()
    code(f"total = _work_{worker.name}(i, total, store, table, shared, shared_dict)").dedent()
    for kind in params["self_hooks"]:
        code(f"{hooks[kind][0]}(None)")
    code("return (total, len(store), sum(store), sorted(table.items(), key=repr))").dedent().blank()
    code("@_worker", f"def {worker.name}():").indent()
    code(f"return _loop_{worker.name}(True, SHARED, SHARED_DICT)").dedent().blank()


def _monitoring_names(scenario: Scenario) -> list[str]:
    names = set()
    for mutator in scenario.mutators:
        for mutation in mutator.plan:
            if mutation.op in ("monitoring_events", "monitoring_local"):
                names.update(mutation.args[1])
    return sorted(names)


def _render_op(code: Code, mutation: Mutation, scenario: Scenario) -> None:
    op, args = mutation.op, mutation.args
    disabling = literal(list(LOCAL_DISABLE)) if scenario.settings.get("monitoring_disable") else "()"
    if op == "setprofile_all_threads":
        code(f"threading.setprofile_all_threads({'_profile' if args[0] else 'None'})")
    elif op == "settrace_all_threads":
        code(f"threading.settrace_all_threads({'_trace' if args[0] else 'None'})")
    elif op == "monitoring_use":
        code(f"_monitoring_use({args[0]})")
    elif op == "monitoring_events":
        code(f"_monitoring_events({args[0]}, {literal(args[1])}, {disabling})")
    elif op == "monitoring_local":
        code(f"_monitoring_local({args[0]}, _work_{mutation.target}.__code__, {literal(args[1])}, {disabling})")
    elif op == "monitoring_restart":
        code("_MON.restart_events()")
    elif op == "monitoring_off":
        code(f"_monitoring_off({args[0]}, LOCAL_CODES)")
    elif op == "monitoring_free":
        code(f"_monitoring_free({args[0]}, LOCAL_CODES, MONITORED)")
    elif op == "trampoline":
        code(f"_trampoline({bool(args[0])}, {scenario.settings['trampoline_activations']})")
    elif op == "eval_frame_record":
        code("_eval_frame_record()")
    elif op == "gc_freeze":
        code("gc.freeze()")
    elif op == "gc_unfreeze":
        code("gc.unfreeze()")
    elif op == "gc_collect":
        code(f"gc.collect({args[0]})")
    else:
        raise ValueError(f"unknown hook operation {op!r}")


def _render_switchers(code: Code, scenario: Scenario) -> None:
    pause = scenario.settings.get("pause", 0.0005)
    for mutator in scenario.mutators:
        code(f"def {mutator.name}():").indent()
        # One step per round, then a pause: a hook switched on stays on for a while.
        code("rounds = 0", f"while rounds < {mutator.rounds} and not _stop.is_set():").indent()
        code(f"step = rounds % {len(mutator.plan)}")
        for index, mutation in enumerate(mutator.plan):
            code(f"{'if' if index == 0 else 'elif'} step == {index}:").indent()
            _render_op(code, mutation, scenario)
            code.dedent()
        code("rounds += 1", f"_stop.wait({pause})").dedent()
        code("return rounds").dedent().blank()
    code("def _watch():").indent()
    code("while len(_finished) < WORKER_THREADS:").indent()
    code("_stop.wait(0.001)").dedent()
    code("_stop.set()", "return 0").dedent().blank()


def _render_finals(code: Code, scenario: Scenario) -> None:
    """Every hook off again, then the state emitted: the same on every build."""
    hooks = scenario.settings["hooks"]
    code("# Every hook off again.")
    if "setprofile_all_threads" in hooks:
        code("threading.setprofile_all_threads(None)")
    if "settrace_all_threads" in hooks:
        code("threading.settrace_all_threads(None)")
    code("sys.setprofile(None)", "sys.settrace(None)")
    final = [
        "'profile': sys.getprofile()",
        "'trace': sys.gettrace()",
        "'threading profile': threading.getprofile()",
        "'threading trace': threading.gettrace()",
    ]
    if "monitoring" in hooks:
        tool = scenario.settings["tool_id"]
        code(f"_monitoring_free({tool}, LOCAL_CODES, MONITORED)")
        final.append(f"'monitoring tool': _MON.get_tool({tool})")
    # The eval-frame hook first: the trampoline refuses to (de)activate over it.
    if "eval_frame" in hooks:
        code("if _testinternalcapi is not None and hasattr(_testinternalcapi, 'set_eval_frame_default'):").indent()
        code("_testinternalcapi.set_eval_frame_default()").dedent()
        code("observe('eval frame recorded calls', any(RECORDS), allowed={True, False})")
        code(
            "check(all(isinstance(name, str) for record in RECORDS for name in record[:200]), "
            "'eval frame records function names')"
        )
        code("RECORDS.clear()")
    if "stack_trampoline" in hooks:
        code("sys.deactivate_stack_trampoline()")
        code("try:").indent()
        code("os.unlink(PERF_MAP)").dedent()
        code("except FileNotFoundError:").indent()
        code("pass").dedent()
        final += ["'trampoline active': sys.is_stack_trampoline_active()", "'perf map left': os.path.exists(PERF_MAP)"]
    if "gc" in hooks:
        code("gc.unfreeze()")
        final.append("'frozen': gc.get_freeze_count()")
    code("gc.collect()")
    code("emit('final hooks', {" + ", ".join(final) + "})")
    for key in ("profile", "trace", "monitoring"):
        code(f"check(COUNTS[{key!r}] >= 0, 'hook counts are counts')")
        code(f"observe('{key} hook called', COUNTS[{key!r}] > 0, allowed={{True, False}})")
    code("for outcome in sorted(OUTCOMES):").indent()
    code("observe('switching refused', outcome)").dedent()


def render_body(code: Code, scenario: Scenario) -> None:
    code(*SUPPORT.rstrip("\n").split("\n"))
    code.blank()
    for worker in scenario.workers:
        _render_worker(code, worker, scenario)
    code("LOCAL_CODES = [" + ", ".join(f"_work_{w.name}.__code__" for w in scenario.workers) + "]")
    code(f"MONITORED = {literal(_monitoring_names(scenario))}")
    workers_total = sum(w.copies for w in scenario.workers)
    code(f"WORKER_THREADS = {workers_total}")
    code.blank()
    _render_switchers(code, scenario)
    # The work without hooks, in this thread before any hook is on: the reference.
    code("PLAIN = {" + ", ".join(f"{w.name!r}: _loop_{w.name}(False, [], {{}})" for w in scenario.workers) + "}")
    names = [w.name for w in scenario.workers for _ in range(w.copies)]
    entries = names + [m.name for m in scenario.mutators] + ["_watch"]
    code(f"_results = threads({', '.join(entries)})")
    code("check(all(r is not None for r in _results), 'every thread returned', detail=_results)")
    code(f"for name, result in zip({literal(names)}, _results):").indent()
    code("check(result == PLAIN[name], 'work unchanged by hooks', detail=(name, result, PLAIN[name]))").dedent()
    code(f"emit('worker results', _results[:{workers_total}])")
    code(f"observe('switcher rounds > 0', all(r > 0 for r in _results[{workers_total}:-1]), allowed={{True, False}})")
    appenders = sum(w.copies * w.iterations for w in scenario.workers if "append" in w.params["work"])
    code(f"check(len(SHARED) == {appenders}, 'no shared append lost', detail=len(SHARED))")
    code("emit('shared list', (len(SHARED), sum(SHARED)))")
    code("emit('shared dict', sorted(SHARED_DICT.items()))")
    _render_finals(code, scenario)
