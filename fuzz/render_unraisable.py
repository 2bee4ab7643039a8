"""The body of `unraisable` programs (see fuzz/generators/unraisable.py): event sources,
triggers in the main thread and in workers, and the exact count of events fired.
"""

from __future__ import annotations

from .render_base import Code, literal  # not fuzz.render: it imports this module (BODIES)
from .scenario import Scenario, Worker

# Automatic collections stay off: a collection starting inside the formatting of an
# unraisable event (any allocation can start one) would fire finalizers and gc callbacks
# nested in it, and where that happens depends on the schedule.  Only gc.collect() calls
# at fixed places collect.
SUPPORT = '''\
import atexit
import weakref

gc.disable()

FIRED = []      # one entry per event fired, by source (atexit callbacks run later)
KEEP = []       # weakrefs: alive until their referent died, whoever collected it
_ATEXIT_LOCK = threading.Lock()


class _Boom(Exception):
    pass


def _fail(kind, message, shape):
    exc = kind(message)
    if shape == "note":
        exc.add_note("while failing: " + message)
    elif shape == "chained":
        try:
            raise LookupError("cause of " + message)
        except LookupError as cause:
            raise exc from cause
    raise exc


class _DelRaiser:
    def __init__(self, source, kind, message, shape):
        self.source = source
        self.failure = (kind, message, shape)

    def __del__(self):
        FIRED.append(self.source)
        _fail(*self.failure)


class _Target:
    pass


def _trigger_del(kind, message, shape):
    obj = _DelRaiser("del", kind, message, shape)
    del obj


def _trigger_del_cycle(kind, message, shape, size):
    nodes = [_DelRaiser("del_cycle", kind, "%s node %d" % (message, k), shape) for k in range(size)]
    for k, node in enumerate(nodes):
        node.next = nodes[(k + 1) % size]
    del nodes, node  # only a collection frees them now


def _weakref_callback(kind, message, shape):
    def callback(reference):
        FIRED.append("weakref")
        _fail(kind, message, shape)
    return callback


def _trigger_weakref(kind, message, shape, closing):
    target = _Target()
    if closing == "gc":
        target.itself = target
    KEEP.append(weakref.ref(target, _weakref_callback(kind, message, shape)))
    del target


def _finalize_callback(kind, message, shape):
    FIRED.append("finalize")
    _fail(kind, message, shape)


def _trigger_finalize(kind, message, shape, closing):
    target = _Target()
    if closing == "gc":
        target.itself = target
    weakref.finalize(target, _finalize_callback, kind, message, shape)
    del target


def _raising_generator(kind, message, shape, box):
    try:
        yield 1
    finally:
        FIRED.append("generator")
        _fail(kind, message, shape)


def _ignoring_generator(box):
    try:
        yield 1
    finally:
        FIRED.append("generator")
        yield 2


def _trigger_generator(kind, message, shape, closing, ignore):
    box = []
    generator = _ignoring_generator(box) if ignore else _raising_generator(kind, message, shape, box)
    next(generator)
    if closing == "gc":
        box.append(generator)
    del generator, box


async def _raising_async_generator(kind, message, shape, box):
    try:
        yield 1
    finally:
        FIRED.append("async_generator")
        _fail(kind, message, shape)


def _trigger_async_generator(kind, message, shape, closing):
    box = []
    agen = _raising_async_generator(kind, message, shape, box)
    try:
        agen.__anext__().send(None)
    except StopIteration:
        pass
    if closing == "gc":
        box.append(agen)
    del agen, box


def _gc_callback_once(kind, message, shape):
    """Raises on its first call only and removes itself: automatic or concurrent
    collections make the number of calls schedule-dependent, the event is not."""
    lock = threading.Lock()
    fired = []

    def callback(phase, info):
        with lock:
            if fired:
                return
            fired.append(phase)
        try:
            gc.callbacks.remove(callback)
        except ValueError:
            pass
        FIRED.append("gc_callback")
        _fail(kind, message, shape)
    return callback


def _atexit_callback(kind, message, shape):
    _fail(kind, message, shape)


class _NameRecorder:
    def __init__(self, log):
        self.log = log

    def __set_name__(self, owner, name):
        self.log.append("set_name " + name)


class _NameRaiser:
    def __init__(self, kind, message, shape):
        self.failure = (kind, message, shape)

    def __set_name__(self, owner, name):
        _fail(*self.failure)


def _class_error_outcome(exc, log):
    return (type(exc).__name__, str(exc), list(getattr(exc, "__notes__", ())), log)
'''


def _multiplier(spec: dict) -> int:
    return spec.get("cycle", 1) if spec["source"] == "del_cycle" else 1


def expected_counts(scenario: Scenario) -> dict[str, int]:
    """Events each counted source fires in the program (atexit and class errors aside)."""
    counts: dict[str, int] = {}
    settings = scenario.settings
    for spec in settings["main_before"] + settings["main_after"]:
        counts[spec["source"]] = counts.get(spec["source"], 0) + spec["count"] * _multiplier(spec)
    for worker in scenario.workers:
        for spec in worker.params["events"]:
            fired = spec["count"] * _multiplier(spec) * worker.iterations * worker.copies
            counts[spec["source"]] = counts.get(spec["source"], 0) + fired
    if settings["gc_callbacks"]:
        counts["gc_callback"] = len(settings["gc_callbacks"])
    return dict(sorted(counts.items()))


def _trigger(spec: dict, message: str) -> str:
    """The call that fires one event of `spec`; `message` is an f-string body."""
    failure = f"{spec['exc']}, f{message!r}, {spec['shape']!r}"
    source = spec["source"]
    if source == "del":
        return f"_trigger_del({failure})"
    if source == "del_cycle":
        return f"_trigger_del_cycle({failure}, {spec['cycle']})"
    if source in ("weakref", "finalize", "async_generator"):
        return f"_trigger_{source}({failure}, {spec['closing']!r})"
    if source == "generator":
        return f"_trigger_generator({failure}, {spec['closing']!r}, {spec['finally'] == 'yield'})"
    raise ValueError(f"unknown event source {source!r}")


def _render_events(code: Code, events: list[dict], round_name: str) -> None:
    for spec in events:
        code(f"for k in range({spec['count']}):").indent()
        code(_trigger(spec, spec["message"] + " #{" + round_name + "}.{k}")).dedent()


def _render_class_error(code: Code, name: str, spec: dict) -> None:
    """A function creating a class that fails in __set_name__ or __init_subclass__."""
    failure = f"{spec['exc']}, {spec['message']!r}, {spec['shape']!r}"
    kind = spec["kind"]
    depth = 0 if kind == "set_name" else spec["depth"]
    code(f"def {name}():").indent()
    code("log = []")
    parent = "object"
    for level in range(depth):
        cls = f"Level{level}"
        code(f"class {cls}({parent}):").indent()
        code("def __init_subclass__(cls, **kwargs):").indent()
        if level == 0:
            code("super().__init_subclass__(**kwargs)", "log.append('init_subclass ' + cls.__name__)")
            code("if cls.__dict__.get('explode'):").indent()
            code(f"_fail({failure})").dedent()
        else:
            code("try:").indent()
            code("super().__init_subclass__(**kwargs)").dedent()
            code("except Exception as exc:").indent()
            code(f"exc.add_note('through {cls} for ' + cls.__name__)", "raise").dedent()
        code.dedent().dedent()
        parent = cls
    code("try:").indent()
    code(f"class Leaf({parent}):").indent()
    code(f"explode = {kind != 'set_name'}")
    for index in range(spec["descriptors"]):
        raises = kind != "init_subclass" and index == spec["position"]
        code(f"a{index} = " + (f"_NameRaiser({failure})" if raises else "_NameRecorder(log)"))
    code.dedent().dedent()
    code("except Exception as exc:").indent()
    code("return _class_error_outcome(exc, log)").dedent()
    code("return ('no exception', '', [], log)").dedent().blank()


def _register_atexit(code: Code, spec: dict, locked: bool) -> None:
    call = f"atexit.register(_atexit_callback, {spec['exc']}, {spec['message']!r}, {spec['shape']!r})"
    if locked:
        code("with _ATEXIT_LOCK:").indent()
        code(call).dedent()
    else:
        code(call)


def _render_worker(code: Code, worker: Worker, locked: bool) -> None:
    params = worker.params
    names = [f"_class_error_{worker.name}_{k}" for k in range(len(params["class_errors"]))]
    for name, spec in zip(names, params["class_errors"], strict=False):
        _render_class_error(code, name, spec)
    code("@_worker", f"def {worker.name}():").indent()
    code(f"for i in range({worker.iterations}):").indent()
    _render_events(code, params["events"], "i")
    if params["collect"]:
        code("gc.collect()")
    code.dedent()
    for spec in params["atexit"]:
        _register_atexit(code, spec, locked)
    code("return [" + ", ".join(f"{name}()" for name in names) + "]").dedent().blank()


def render_body(code: Code, scenario: Scenario) -> None:
    settings = scenario.settings
    locked = bool(settings.get("atexit_lock", True))
    code(*SUPPORT.rstrip("\n").split("\n"))
    code.blank()
    if "finalize" in settings["sources"]:
        # finalize registers its atexit hook on first use: do that before threads race.
        code("weakref.finalize(_Target(), int).detach()", "")
    main_errors = [f"_class_error_main_{k}" for k in range(len(settings["class_errors_main"]))]
    for name, spec in zip(main_errors, settings["class_errors_main"], strict=False):
        _render_class_error(code, name, spec)
    for worker in scenario.workers:
        _render_worker(code, worker, locked)
    expected = expected_counts(scenario)
    code(f"EXPECTED = {literal(expected)}")
    code(
        "GC_CALLBACKS = ["
        + ", ".join(
            f"_gc_callback_once({s['exc']}, {s['message']!r}, {s['shape']!r})" for s in settings["gc_callbacks"]
        )
        + "]"
    )
    code("gc.callbacks.extend(GC_CALLBACKS)")
    for spec in settings["atexit_main"]:
        _register_atexit(code, spec, False)
    code("main_round = 'before'")
    _render_events(code, settings["main_before"], "main_round")
    if main_errors:
        code("emit('class errors main', [" + ", ".join(f"{name}()" for name in main_errors) + "])")
    entries = [w.name for w in scenario.workers for _ in range(w.copies)]
    code(f"_results = threads({', '.join(entries)})")
    code("check(all(r is not None for r in _results), 'every thread returned', detail=_results)")
    if any(w.params["class_errors"] for w in scenario.workers):
        code("emit('class errors workers', _results)")
    code("main_round = 'after'")
    _render_events(code, settings["main_after"], "main_round")
    total = sum(expected.values())
    code("for _attempt in range(%d):" % (4 + len(settings["gc_callbacks"]))).indent()
    code("gc.collect()")
    code(f"if len(FIRED) >= {total}:").indent()
    code("break").dedent().dedent()
    code("fired = {source: FIRED.count(source) for source in sorted(set(FIRED))}")
    code("check(fired == EXPECTED, 'every event fired exactly once', detail=fired)")
    code("emit('events fired', sorted(fired.items()))")
    code("emit('gc callbacks left', sum(callback in gc.callbacks for callback in GC_CALLBACKS))")
    code("KEEP.clear()", "gc.enable()")
