"""Body of `faults` programs.  During a fault the workers touch nothing but their own
preallocated state (no harness calls, no locks to allocate); what happened is reported
after the fault is lifted, as observations, and the results that must not depend on the
fault (data made before it, computations after it) are emitted.
"""

from __future__ import annotations

from .render_base import Code
from .scenario import Scenario

# Each iteration allocates tens of kilobytes, so every pattern reaches the lowered limit
# within its iterations (the headroom is at most 128 MiB).
ALLOCATION_LOOPS = {
    "instances": ["held.append([_Cell(i) for _ in range(512)])"],
    "buffers": ["held.append(bytearray(65536))"],
    "dict_growth": ["table.update((i * 1024 + j, j) for j in range(512))"],
    "strings": ["held.append('x' * (32768 + i % 97))"],
    "big_list": ["held.append([None] * (1 << (10 + i % 8)))"],
    "nested": ["held.append([{'k': [i, (i, [i])], 's': {i}} for _ in range(64)])"],
}


def render_body(code: Code, scenario: Scenario) -> None:
    kind = scenario.settings["kind"]
    code("import os", "import resource", "import time", "")
    code("class _Cell:").indent()
    code("__slots__ = ('value', 'twice')", "", "def __init__(self, value):").indent()
    code("self.value = value", "self.twice = value * 2").dedent().dedent().blank()
    code("BEFORE = [_Cell(i) for i in range(1000)]", "")
    {"memory": _render_memory, "recursion": _render_recursion, "lltrace": _render_lltrace}[kind](code, scenario)
    code("check(all(c.twice == c.value * 2 for c in BEFORE), 'data made before the fault intact')")
    code("emit('before', sum(c.value for c in BEFORE))")
    code("emit('after', [sum(range(1000)), sorted({i % 7 for i in range(50)}), str(_Cell(3).twice)])")


def _render_memory(code: Code, scenario: Scenario) -> None:
    workers = scenario.workers
    total = sum(w.copies for w in workers)
    code("def _vm_size():").indent()
    code("with open('/proc/self/status') as status:").indent()
    code("for line in status:").indent()
    code("if line.startswith('VmSize:'):").indent()
    code("return int(line.split()[1]) * 1024").dedent().dedent().dedent()
    code("return 0").dedent().blank()
    code(
        f"_ready = [None] * {total}",
        f"_outcomes = [None] * {total}",
        f"_hits = [0] * {total}",
        "_restored = [False]",
        "_limit_set = [False]",
        "_slot = [0]",
        "_slot_lock = threading.Lock()",
        "",
    )
    # Under the limit anything may raise MemoryError, even a tuple or a lambda: the
    # workers preallocate what they touch and report with singletons only.
    code("def _poll(condition):").indent()
    code("while not condition():").indent()
    code("time.sleep(0.0005)").dedent().dedent().blank()
    code("def _limit_ready():").indent()
    code("return _limit_set[0] or _restored[0]").dedent().blank()
    code("def _is_restored():").indent()
    code("return _restored[0]").dedent().blank()
    code("def _all_reported():").indent()
    code("return None not in _outcomes").dedent().blank()
    code("def _all_ready():").indent()
    code("return None not in _ready").dedent().blank()
    for worker in workers:
        pattern = worker.params["pattern"]
        code("@_worker", f"def {worker.name}():").indent()
        code("with _slot_lock:").indent()
        code("me = _slot[0]", "_slot[0] += 1").dedent()
        code("held, table = [], {}", "_ready[me] = True", "_poll(_limit_ready)", "try:").indent()
        code(f"for round_ in range({scenario.settings['rounds']}):").indent()
        code("try:").indent()
        code(f"for i in range({worker.iterations}):").indent()
        code(*ALLOCATION_LOOPS[pattern]).dedent().dedent()
        code("except MemoryError:").indent()
        code("_hits[me] += 1").dedent()
        code("held, table = [], {}").dedent().dedent()
        code("except MemoryError:  # outside the allocation loop: still a clean MemoryError").indent()
        code("held = table = None").dedent()
        code("finally:").indent()
        code("_outcomes[me] = True").dedent()
        code("_poll(_is_restored)")
        code(f"observe('memory errors', _hits[me], allowed=set(range({scenario.settings['rounds']} + 1)))")
        code("return _hits[me]").dedent().blank()
    code("def _controller():").indent()
    code(
        "_poll(_all_ready)",
        "saved = resource.getrlimit(resource.RLIMIT_AS)",
        f"limit = _vm_size() + {scenario.settings['headroom_mb']} * (1 << 20)",
        "if saved[1] != resource.RLIM_INFINITY:",
    ).indent()
    code("limit = min(limit, saved[1])").dedent()
    code("lowered = (limit, saved[1])", "resource.setrlimit(resource.RLIMIT_AS, lowered)", "_limit_set[0] = True")
    code("while True:  # the controller may see MemoryError too: it must still lift the limit").indent()
    code("try:").indent()
    code("_poll(_all_reported)", "resource.setrlimit(resource.RLIMIT_AS, saved)", "break").dedent()
    code("except MemoryError:").indent()
    code("continue").dedent().dedent()
    code("_restored[0] = True", "return True").dedent().blank()
    entries = [w.name for w in workers for _ in range(w.copies)] + ["_controller"]
    code(f"_results = threads({', '.join(entries)})")
    code("check(all(r is not None for r in _results), 'every thread finished cleanly', detail=_results)")
    code("emit('threads', len(_results))")


def _render_recursion(code: Code, scenario: Scenario) -> None:
    code("class _Node:").indent()
    code("def __init__(self, depth):").indent()
    code("self.depth = depth", "self.child = _Node(depth - 1) if depth else None").dedent().dedent().blank()
    # A deep single-inheritance chain whose __init__s call super(): one frame per class.
    chain = 40
    code("class _Link0:").indent()
    code("def __init__(self):").indent()
    code("self.links = 1").dedent().dedent()
    for level in range(1, chain):
        code(f"class _Link{level}(_Link{level - 1}):").indent()
        code("def __init__(self):").indent()
        code("super().__init__()", "self.links += 1").dedent().dedent()
    code.blank()
    code("def _chain_length(node):").indent()
    code("length = 0", "while node is not None:").indent()
    code("length += 1", "node = node.child").dedent()
    code("return length").dedent().blank()
    code("def _nest(levels):").indent()
    code(f"return _Link{chain - 1}() if levels == 0 else _nest(levels - 1)").dedent().blank()
    for worker in scenario.workers:
        depth = worker.params["depth"]
        code("@_worker", f"def {worker.name}():").indent()
        code("outcomes = set()", f"for i in range({worker.iterations}):").indent()
        code("try:").indent()
        if worker.action == "recursive_init":
            code(f"node = _Node({depth} + i % 3)").dedent()
            code("except RecursionError:").indent()
            code("outcomes.add('RecursionError')").dedent()
            code("else:").indent()
            code(
                f"check(_chain_length(node) == {depth} + i % 3 + 1, 'recursive __init__ complete', "
                "detail=_chain_length(node))",
                "outcomes.add('built')",
            ).dedent()
        else:
            code(f"obj = _nest({depth // 4} + i % 3)").dedent()
            code("except RecursionError:").indent()
            code("outcomes.add('RecursionError')").dedent()
            code("else:").indent()
            code(
                f"check(obj.links == {chain}, 'super() chain complete', detail=obj.links)", "outcomes.add('built')"
            ).dedent()
        code.dedent()
        code("for outcome in sorted(outcomes):").indent()
        code("observe('recursion outcome', outcome, allowed={'built', 'RecursionError'})").dedent()
        code("return len(outcomes)").dedent().blank()
    code("_saved_limit = sys.getrecursionlimit()", f"sys.setrecursionlimit({scenario.settings['limit']})")
    code("try:").indent()
    code(f"_results = threads({', '.join(w.name for w in scenario.workers for _ in range(w.copies))})").dedent()
    code("finally:").indent()
    code("sys.setrecursionlimit(_saved_limit)").dedent()
    code("check(all(r is not None for r in _results), 'every thread finished cleanly', detail=_results)")


def _render_lltrace(code: Code, scenario: Scenario) -> None:
    code("class _Traced:").indent()
    code("def __init__(self, i):").indent()
    code("self.i = i", "self.square = i * i").dedent().dedent().blank()
    code("class _TracedChild(_Traced):").indent()
    code("def __init__(self, i):").indent()
    code("super().__init__(i)", "self.child = True").dedent().dedent().blank()
    for worker in scenario.workers:
        code("@_worker", f"def {worker.name}():").indent()
        code("total = 0", f"for i in range({worker.iterations}):").indent()
        code("obj = _TracedChild(i) if i % 2 else _Traced(i)", "total += obj.square").dedent()
        code("return total").dedent().blank()
    # The tracer writes to the C stdout: send it to /dev/null for the traced part only.
    # A frame re-reads __lltrace__ when it is entered or resumed after a call, so the
    # switch happens inside _run_traced and stdout is restored from a fresh frame.
    code("def _restore_stdout():").indent()
    code("os.dup2(_saved_stdout, 1)", "os.close(_null)", "os.close(_saved_stdout)").dedent().blank()
    code("def _run_traced():").indent()
    code("global __lltrace__", "__lltrace__ = True", "try:").indent()
    code(f"return threads({', '.join(w.name for w in scenario.workers for _ in range(w.copies))})").dedent()
    code("finally:").indent()
    code("del __lltrace__", "_restore_stdout()").dedent().dedent().blank()
    code(
        "sys.stdout.flush()",
        "_saved_stdout = os.dup(1)",
        "_null = os.open(os.devnull, os.O_WRONLY)",
        "os.dup2(_null, 1)",
        "_results = _run_traced()",
    )
    code("emit('traced results', _results)")
