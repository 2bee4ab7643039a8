"""Body of `shared_containers` programs (and the hostile-object classes every family
may use).  Nothing may be lost: every produced value is accounted for after the join,
exactly; reads during the race are checked against what any interleaving allows.
"""

from __future__ import annotations

from .generators.hostile import mode_of
from .render_base import Code
from .scenario import Scenario, Worker

SPAN = 1_000_000  # values of one thread copy: base + [0, SPAN)
WORKER_SPAN = 100 * SPAN  # values of one worker: its copies' ranges


MODE_SNIPPETS = {
    None: [],
    "block": ["_GATE.wait(0.0002)"],
    "mutate": ["_hostile_mutate()"],
    "hook": ["sys.setprofile(None if sys.getprofile() is not None else _noop_profile)"],
    "gc": ["_HOSTILE_CALLS.append(1)", "if len(_HOSTILE_CALLS) % 64 == 0:", "    gc.collect(0)"],
    "raise": ["raise HostileError('hostile')"],
}


def render_hostile_classes(code: Code, objects: list[dict[str, str]]) -> None:
    """HKey, HValue, HIndex and _hostile_factory with the scenario's hostile modes."""

    def snippet(role: str, method: str) -> list[str]:
        return MODE_SNIPPETS[mode_of(objects, role, method)]

    code("class HostileError(Exception):").indent()
    code("pass").dedent().blank()
    code(
        "_GATE = threading.Event()  # never set: every wait times out (a widened window)",
        "_HOSTILE_CALLS = []",
        "SCRATCH = []",
        "",
    )
    code("def _noop_profile(frame, event, arg):").indent()
    code("return None").dedent().blank()
    code("def _hostile_mutate():").indent()
    code('"""Re-enter the shared structures, touching scratch entries only."""', "SCRATCH.append(1)")
    code("for container in _SCRATCH_TARGETS:").indent()
    code("try:").indent()
    code("if isinstance(container, dict):").indent()
    code("container[-1] = len(SCRATCH)").dedent()
    code("else:").indent()
    code("container.add(-1)").dedent().dedent()
    code("except (RuntimeError, HostileError):").indent()
    code("pass").dedent().dedent().dedent().blank()
    code("class HKey:").indent()
    code("__slots__ = ('k',)", "", "def __init__(self, k):").indent()
    code("self.k = k").dedent()
    code("", "def __hash__(self):").indent()
    code(*snippet("key", "__hash__"), "return hash(self.k)").dedent()
    code("", "def __eq__(self, other):").indent()
    code(*snippet("key", "__eq__"))
    code("return isinstance(other, HKey) and self.k == other.k").dedent()
    code("", "def __repr__(self):").indent()
    code(*snippet("key", "__repr__"), "return 'HKey(%d)' % self.k").dedent().dedent().blank()
    code("class HValue:").indent()
    code("__slots__ = ('v',)", "", "def __init__(self, v):").indent()
    code("self.v = v").dedent()
    code("", "def __eq__(self, other):").indent()
    code("return isinstance(other, HValue) and self.v == other.v").dedent()
    code("", "__hash__ = None", "", "def __repr__(self):").indent()
    code(*snippet("value", "__repr__"), "return 'HValue(%d)' % self.v").dedent()
    if mode_of(objects, "value", "__del__"):
        code("", "def __del__(self):").indent()
        code(*snippet("value", "__del__")).dedent()
    code.dedent().blank()
    code("class HIndex:").indent()
    code("__slots__ = ('i',)", "", "def __init__(self, i):").indent()
    code("self.i = i").dedent()
    code("", "def __index__(self):").indent()
    code(*snippet("index", "__index__"), "return self.i").dedent().dedent().blank()
    code("def _hostile_factory():").indent()
    code(*snippet("factory", "__call__"), "return []").dedent().blank()


def _key(objects: list[dict[str, str]]) -> str:
    return "HKey" if any(o["role"] == "key" for o in objects) else ""


def render_body(code: Code, scenario: Scenario) -> None:
    objects = scenario.hostile
    containers = scenario.settings["containers"]
    hostile_factory = any(o["role"] == "factory" for o in objects)
    key = _key(objects)
    wrap_value = any(o["role"] == "value" for o in objects)
    code("import collections", "")
    render_hostile_classes(code, objects)
    code(
        "SHARED_LIST = []",
        "POPPED = []",
        "SHARED_DICT = {}",
        "SHARED_SET = set()",
        f"SHARED_DD = collections.defaultdict({'_hostile_factory' if hostile_factory else 'list'})",
        "SHARED_DQ = collections.deque()",
        "POPPED_DQ = []",
        "_SCRATCH_TARGETS = (SHARED_DICT, SHARED_SET)",
        "_ID_LOCK = threading.Lock()",
        "_IDS = {}",
        "",
    )
    code("def _take_id(worker):").indent()
    code('"""0, 1, ... for the copies of one worker, whichever thread asks first."""')
    code("with _ID_LOCK:").indent()
    code("me = _IDS.get(worker, 0)", "_IDS[worker] = me + 1", "return me").dedent().dedent().blank()
    code("def _key(k):").indent()
    code(f"return {key}(k)" if key else "return k").dedent().blank()
    code("def _value(k):").indent()
    code("return HValue(k * 7 + 1)" if wrap_value else "return k * 7 + 1").dedent().blank()
    code("def _plain(x):").indent()
    code("return x.v if isinstance(x, HValue) else (x.k if isinstance(x, HKey) else x)").dedent().blank()
    code("def _valid_value(k, v):").indent()
    code("return _plain(v) == _plain(k) * 7 + 1").dedent().blank()
    for index, worker in enumerate(scenario.workers):
        _render_worker(code, worker, index, scenario)
    entries = [w.name for w in scenario.workers for _ in range(w.copies)]
    code(f"_results = threads({', '.join(entries)})")
    code("check(all(r is not None for r in _results), 'every thread returned', detail=_results)")
    _render_accounting(code, scenario, containers, hostile_factory)


def _base(worker_index: int) -> str:
    return f"{worker_index * WORKER_SPAN} + _take_id({worker_index}) * {SPAN}"


def _render_worker(code: Code, worker: Worker, index: int, scenario: Scenario) -> None:
    action, n = worker.action, worker.iterations
    lose = scenario.settings.get("inject_loss") and action == "append"
    code("@_worker", f"def {worker.name}():").indent()
    if action == "iadd":
        code("global SHARED_LIST")
    code(f"base = {_base(index)}")
    if action == "append":
        code("append = SHARED_LIST.append", f"for i in range({n}):").indent()
        if lose:  # the test of the nothing-lost check: one append that never happens
            code("if base % 100_000_000 == 0 and i == 7:").indent()
            code("continue").dedent()
        code("append(base + i)").dedent()
    elif action == "extend_comprehension":
        code(f"for j in range(0, {n}, 10):").indent()
        code(f"SHARED_LIST.extend([base + i for i in range(j, min(j + 10, {n}))])").dedent()
    elif action == "iadd":
        code(f"for j in range(0, {n}, 5):").indent()
        code(f"SHARED_LIST += [base + i for i in range(j, min(j + 5, {n}))]").dedent()
    elif action == "insert":
        # A producer must not fail: a raising __index__ is used by readers and poppers only.
        index_mode = mode_of(scenario.hostile, "index", "__index__")
        position = "0" if index_mode == "raise" else "HIndex(0)"
        code(f"for i in range({min(n, 400)}):").indent()
        code(f"SHARED_LIST.insert({position}, base + i)").dedent()
    elif action == "pop":
        code("mine = []", f"for i in range({n}):").indent()
        code("try:").indent()
        code("mine.append(SHARED_LIST.pop(HIndex(-1)) if i % 2 else SHARED_LIST.pop())").dedent()
        code("except (IndexError, HostileError):").indent()
        code("pass").dedent().dedent()
        code("POPPED.extend(mine)")
    elif action == "read_slices":
        code(f"for i in range({n}):").indent()
        code("snapshot = SHARED_LIST[-20:]")
        code("check(all(type(x) is int for x in snapshot), 'list slice holds produced ints', detail=snapshot[:5])")
        code("try:").indent()
        code("first = SHARED_LIST[HIndex(0)]").dedent()
        code("except (IndexError, HostileError):").indent()
        code("first = None").dedent()
        code("check(first is None or type(first) is int, 'list item is a produced int', detail=repr(first))")
        code.dedent()
    elif action == "sort_snapshot":
        code(f"for i in range({max(10, n // 50)}):").indent()
        code("snapshot = list(SHARED_LIST)", "ordered = sorted(snapshot)")
        code(
            "check(len(ordered) == len(snapshot) and (not ordered or ordered[0] == min(snapshot)), "
            "'sorted snapshot consistent', detail=len(snapshot))"
        ).dedent()
    elif action in ("dict_write", "dict_delete_own"):
        code(f"keys = [_key(base + i) for i in range({n})]")
        code("for k in keys:").indent()
        code("SHARED_DICT[k] = _value(_plain(k))").dedent()
        if action == "dict_delete_own":
            code("for k in keys[::3]:").indent()
            code("del SHARED_DICT[k]").dedent()
    elif action == "dict_iterate":
        code(f"for i in range({max(10, n // 20)}):").indent()
        code("try:").indent()
        code("items = list(SHARED_DICT.items())").dedent()
        code("except RuntimeError:  # changed size during iteration: allowed").indent()
        code("continue").dedent()
        code("bad = [(_plain(k), _plain(v)) for k, v in items if _plain(k) != -1 and not _valid_value(k, v)]")
        code("check(not bad, 'dict items consistent', detail=bad[:3])").dedent()
    elif action == "dict_copy_compare":
        code(f"for i in range({max(10, n // 20)}):").indent()
        code(
            "copy = SHARED_DICT.copy()",
            "bad = [_plain(k) for k, v in copy.items() if _plain(k) != -1 and not _valid_value(k, v)]",
        )
        code("check(not bad, 'dict copy consistent', detail=bad[:3])", "try:").indent()
        code("observe('dict copy equals the live dict', copy == SHARED_DICT, allowed={True, False})").dedent()
        code("except (RuntimeError, HostileError):").indent()
        code("pass").dedent().dedent()
    elif action == "dict_hostile_lookup":
        code(f"for i in range({n}):").indent()
        code("try:").indent()
        code(f"found = SHARED_DICT.get(_key(i * 37 % {max(1, n)}), None)").dedent()
        code("except HostileError:").indent()
        code("continue").dedent()
        code(
            f"check(found is None or _valid_value(i * 37 % {max(1, n)}, found), 'dict lookup consistent', "
            "detail=_plain(found))"
        ).dedent()
    elif action in ("set_add", "set_discard_own"):
        code(f"elements = [_key(base + i) for i in range({n})]")
        code("for e in elements:").indent()
        code("SHARED_SET.add(e)").dedent()
        if action == "set_discard_own":
            code("for e in elements[::3]:").indent()
            code("SHARED_SET.discard(e)").dedent()
    elif action == "set_iterate":
        code(f"for i in range({max(10, n // 20)}):").indent()
        code("try:").indent()
        code("elements = list(SHARED_SET)").dedent()
        code("except RuntimeError:").indent()
        code("continue").dedent()
        code(
            "check(all(type(_plain(e)) is int for e in elements), 'set elements are produced', detail=len(elements))"
        ).dedent()
    elif action == "set_compare":
        code(f"for i in range({max(10, n // 20)}):").indent()
        code("copy = SHARED_SET.copy()", "try:").indent()
        code("observe('set copy within the live set', copy <= SHARED_SET, allowed={True, False})").dedent()
        code("except (RuntimeError, HostileError):").indent()
        code("pass").dedent().dedent()
    elif action == "dd_shared_append":
        keys = worker.params.get("keys", 8)
        code(f"for i in range({n}):").indent()
        code(f"SHARED_DD[i % {keys}].append(base + i)").dedent()
    elif action == "dd_own_append":
        code(f"for i in range({n}):").indent()
        code("SHARED_DD[('own', base, i % 8)].append(base + i)").dedent()
    elif action == "dd_assign_scratch":
        code(f"for i in range({n}):").indent()
        code("SHARED_DD[('scratch', i % 5)] = [i]").dedent()
    elif action in ("deque_append", "deque_appendleft"):
        method = "append" if action == "deque_append" else "appendleft"
        code(f"for i in range({n}):").indent()
        code(f"SHARED_DQ.{method}(base + i)").dedent()
    elif action in ("deque_pop", "deque_popleft"):
        method = "pop" if action == "deque_pop" else "popleft"
        code("mine = []", f"for i in range({n}):").indent()
        code("try:").indent()
        code(f"mine.append(SHARED_DQ.{method}())").dedent()
        code("except IndexError:").indent()
        code("pass").dedent().dedent()
        code("POPPED_DQ.extend(mine)")
    elif action == "deque_rotate":
        code(f"for i in range({max(10, n // 10)}):").indent()
        code("SHARED_DQ.rotate(1 if i % 2 else -1)").dedent()
    else:  # pragma: no cover
        raise ValueError(f"unknown containers action {action!r}")
    code(f"return {worker.iterations}").dedent().blank()


def _produced(scenario: Scenario, actions: tuple[str, ...]) -> list[tuple[int, int, int]]:
    """(base of copy, count) ranges of the values the given producer actions add."""
    ranges = []
    for index, worker in enumerate(scenario.workers):
        if worker.action in actions:
            count = min(worker.iterations, 400) if worker.action == "insert" else worker.iterations
            for copy in range(worker.copies):
                ranges.append((index * WORKER_SPAN + copy * SPAN, count, 1))
    return ranges


def _render_expected(code: Code, name: str, ranges: list[tuple[int, int, int]]) -> None:
    code(f"{name} = collections.Counter()")
    for base, count, _ in ranges:
        code(f"{name}.update(range({base}, {base + count}))")


def _render_accounting(code: Code, scenario: Scenario, containers: list[str], hostile_factory: bool) -> None:
    """After the join: every produced value is somewhere, exactly once."""
    if "list" in containers:
        _render_expected(
            code, "EXPECTED_LIST", _produced(scenario, ("append", "extend_comprehension", "iadd", "insert"))
        )
        code("found = collections.Counter(SHARED_LIST) + collections.Counter(POPPED)")
        code(
            "check(found == EXPECTED_LIST, 'no list item lost or duplicated', "
            "detail=(sum(EXPECTED_LIST.values()), sum(found.values()), sorted((EXPECTED_LIST - found).elements())[:5]))"
        )
        code("emit('list items accounted', sum(found.values()))", "emit('list sum', sum(found.elements()))")
    if "dict" in containers:
        code("EXPECTED_DICT = {}")
        for index, worker in enumerate(scenario.workers):
            if worker.action in ("dict_write", "dict_delete_own"):
                kept = " if i % 3" if worker.action == "dict_delete_own" else ""  # keys[::3] deleted
                for copy in range(worker.copies):
                    base = index * WORKER_SPAN + copy * SPAN
                    code(
                        f"EXPECTED_DICT.update(({base} + i, ({base} + i) * 7 + 1) "
                        f"for i in range({worker.iterations}){kept})"
                    )
        code("final = {_plain(k): _plain(v) for k, v in SHARED_DICT.items() if _plain(k) != -1}")
        code(
            "check(final == EXPECTED_DICT, 'dict holds exactly what was written', "
            "detail=(len(final), len(EXPECTED_DICT)))"
        )
        code("emit('dict size', len(final))", "emit('dict checksum', sum(final.values()) % 1000003)")
    if "set" in containers:
        code("EXPECTED_SET = set()")
        for index, worker in enumerate(scenario.workers):
            if worker.action in ("set_add", "set_discard_own"):
                for copy in range(worker.copies):
                    base = index * WORKER_SPAN + copy * SPAN
                    if worker.action == "set_discard_own":
                        code(f"EXPECTED_SET.update({base} + i for i in range({worker.iterations}) if i % 3)")
                    else:
                        code(f"EXPECTED_SET.update(range({base}, {base + worker.iterations}))")
        code("final_set = {_plain(e) for e in SHARED_SET if _plain(e) != -1}")
        code(
            "check(final_set == EXPECTED_SET, 'set holds exactly what was added', "
            "detail=(len(final_set), len(EXPECTED_SET)))"
        )
        code("emit('set size', len(final_set))")
    if "defaultdict" in containers:
        _render_expected(code, "EXPECTED_DD", _produced(scenario, ("dd_shared_append", "dd_own_append")))
        code("found_dd = collections.Counter()")
        code("for key, values in SHARED_DD.items():").indent()
        code("if not (isinstance(key, tuple) and key[0] == 'scratch'):").indent()
        code("found_dd.update(values)").dedent().dedent()
        if hostile_factory:
            # A Python factory runs between the lookup and the store: two threads may
            # both create a list for one missing key, and one list is dropped.  That is
            # the language's semantics, so only "nothing invented" holds exactly.
            code(
                "check(not (found_dd - EXPECTED_DD), 'defaultdict holds only appended values', "
                "detail=sorted((found_dd - EXPECTED_DD).elements())[:5])"
            )
            code("emit('defaultdict keys', sorted(k for k in SHARED_DD if not isinstance(k, tuple)))")
        else:
            code(
                "check(found_dd == EXPECTED_DD, 'no defaultdict append lost', "
                "detail=(sum(EXPECTED_DD.values()), sum(found_dd.values())))"
            )
            code("emit('defaultdict values', sum(found_dd.values()))")
    if "deque" in containers:
        _render_expected(code, "EXPECTED_DQ", _produced(scenario, ("deque_append", "deque_appendleft")))
        code("found_dq = collections.Counter(SHARED_DQ) + collections.Counter(POPPED_DQ)")
        code(
            "check(found_dq == EXPECTED_DQ, 'no deque item lost or duplicated', "
            "detail=(sum(EXPECTED_DQ.values()), sum(found_dq.values())))"
        )
        code("emit('deque items accounted', sum(found_dq.values()))")
    code("emit('workers', sorted(_IDS.items()))")
    # Hostile values die here, in a known place, not during interpreter shutdown.
    code("_SCRATCH_TARGETS = ()", "for container in (SHARED_DICT, SHARED_SET, SHARED_DD, SHARED_LIST, SHARED_DQ):")
    code.indent()("container.clear()").dedent()
    code("gc.collect()")
