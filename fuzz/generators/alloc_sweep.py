"""Family `alloc_sweep`: allocation-failure sweeps with `_testcapi.set_nomemory`.

Each operation (a constructor, a class statement, a hook switch, an unraisable report, a
trampoline switch, a thread start, container growth, or an operation of the interleave
catalog on a fresh receiver) runs once normally, then once for every n of a range with
the allocations n..n+span failing.  A clean MemoryError, an error caused by one, or the
operation's own error of the normal run is expected; a crash, an assertion, a fatal
error, a `SystemError` (NULL without an exception set, or a result with one) or an error
that lost its MemoryError cause is a finding.  One process sweeps every n.
set_nomemory does not reach mmap(2): operations that map memory (the perf trampoline,
thread start, large buffers, the mmap module, code compiled at run time) also run once
per headroom under an address-space limit just above what the process uses.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from ..interleave.catalog import RECEIVER, Role, build_catalog
from ..interleave.surface import snapshot
from ..scenario import Capabilities, Scenario

NAME = "alloc_sweep"
DESCRIPTION = "allocation-failure sweeps (_testcapi.set_nomemory) over constructors, classes, hooks, threads"

# name -> (code run under the fault: a function body; code run after the hooks are
# removed, every n: undoes what the body may have left switched on; what it needs)
HAND_OPERATIONS: dict[str, tuple[str, str, str]] = {
    "init": ("_Point(1, 2)", "", ""),
    "init_warm_site": ("for _ in range(3):\n    _Point(3, 4)", "", ""),
    "init_defaults": ("_Defaults()", "", ""),
    "init_subclass": ("_Sub(5)", "", ""),
    "exception_init": ("_Error('boom', 3)", "", ""),
    "builtin_constructors": ("bytearray(b'abc' * 8)\ndict(a=1, b=2)\nset(range(12))\nstr(123456)", "", ""),
    "class_statement": ("class _T(_Point):\n    __slots__ = ('z',)\n    def method(self):\n        return 1", "", ""),
    "type_call": ("type('T', (object,), {'a': 1, '__init__': _init_function})", "", ""),
    "init_subclass_hook": ("class _U(_Hooked):\n    pass", "", ""),
    "setprofile": ("sys.setprofile(_profile)", "sys.setprofile(None)", ""),
    "settrace": ("sys.settrace(_trace)", "sys.settrace(None)", ""),
    "setprofile_all_threads": (
        "threading.setprofile_all_threads(_profile)",
        "threading.setprofile_all_threads(None)",
        "setprofile_all_threads",
    ),
    "monitoring": (
        "sys.monitoring.use_tool_id(3, 'sweep')\nsys.monitoring.set_events(3, sys.monitoring.events.CALL)",
        (
            "sys.monitoring.set_events(3, 0) if sys.monitoring.get_tool(3) else None\n"
            "sys.monitoring.free_tool_id(3) if sys.monitoring.get_tool(3) else None"
        ),
        "monitoring",
    ),
    "unraisable": ("_Dying()", "", ""),
    "perf_trampoline": (
        "sys.activate_stack_trampoline('perf')\n_Point(1, 1)",
        "sys.deactivate_stack_trampoline()",
        "stack_trampoline",
    ),
    "thread_start": ("_t = threading.Thread(target=_noop)\n_STARTED.append(_t)\n_t.start()", "_join_started()", ""),
    "list_growth": ("_l = []\nfor _i in range(200):\n    _l.append(_i)", "", ""),
    "dict_growth": ("_d = {}\nfor _i in range(200):\n    _d[_i] = _i", "", ""),
    "set_growth": ("_s = set()\nfor _i in range(200):\n    _s.add(_i)", "", ""),
    "bytearray_growth": ("_b = bytearray()\nfor _i in range(64):\n    _b += b'xyz'", "", ""),
    "comprehension": ("[str(_i) for _i in range(50)]\n{_i: [_i] for _i in range(50)}", "", ""),
}

# Operations that map memory, which set_nomemory does not reach: each runs once under an
# address-space limit just above what the process uses (a few headrooms).
MAPPING_OPERATIONS: dict[str, tuple[str, str, str, str]] = {
    # name: (body, after, what it needs, its documented errors under a memory limit)
    "perf_trampoline": (
        "sys.activate_stack_trampoline('perf')\n_Point(1, 1)",
        "sys.deactivate_stack_trampoline()",
        "stack_trampoline",
        "",
    ),
    "thread_start": (
        "_t = threading.Thread(target=_noop)\n_STARTED.append(_t)\n_t.start()",
        "_join_started()",
        "",
        "RuntimeError",
    ),  # "can't start new thread"
    "large_buffer": ("bytearray(48 << 20)", "", "", ""),
    "mmap_module": ("_m = mmap.mmap(-1, 16 << 20)\n_m[0:4] = b'abcd'\n_m.close()", "", "", ""),
    "runtime_code": (
        "exec(compile('\\n'.join('v%d = %d' % (i, i) for i in range(3000)), 'gen', 'exec'), {})",
        "",
        "",
        "",
    ),
}

# Receivers of the interleave catalog whose construction needs nothing of its runtime.
CATALOG_RECEIVERS = (
    "dict",
    "list",
    "set",
    "frozenset",
    "tuple",
    "deque",
    "OrderedDict",
    "Counter",
    "bytearray",
    "SimpleNamespace",
    "StringIO",
    "BytesIO",
)
MAKE_FIELDS = {
    "pairs": "1: 'a', 2: 'b', 3: 'c'",
    "elems": "1, 2, 3",
    "tuples": "(1, 'a'), (2, 'b')",
    "counts": "'a': 2, 'b': 1",
    "attrs": "a=1, b=2",
}


def _argument(role: Role, shape: str) -> str:
    text = shape == "bytes"
    return {
        Role.ELEM: "98" if text else "2",
        Role.INDEX: "1",
        Role.ITERABLE: "b'xy'" if text else "[4, 5]",
        Role.MAPPING: "{4: 'd'}",
        Role.CALLABLE: "abs",
        Role.OTHER: "_OTHER",
        Role.TEXT: "b'ab'" if shape in ("bytes",) else "'ab'",
        Role.BOOL: "True",
    }[role]


def catalog_operations(caps: Capabilities) -> dict[str, str]:
    """Interleave-catalog operations as sweep bodies: a fresh receiver, then the operation."""
    catalog = build_catalog(snapshot(caps.version), caps.version)
    operations = {}
    for operation in catalog.operations:
        if operation.receiver not in CATALOG_RECEIVERS:
            continue
        receiver = RECEIVER[operation.receiver]
        make = receiver.make.format(**MAKE_FIELDS)
        arguments = [_argument(role, receiver.shape).replace("_OTHER", make) for role in operation.roles]
        operations[operation.name] = f"_o = {make}\n" + operation.template.format(*arguments, o="_o")
    return operations


def available(caps: Capabilities) -> list[str]:
    return [name for name, (_, _, needs) in HAND_OPERATIONS.items() if not needs or getattr(caps, needs)]


def available_mapping(caps: Capabilities) -> list[str]:
    return [name for name, (_, _, needs, _) in MAPPING_OPERATIONS.items() if not needs or getattr(caps, needs)]


def build(rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
    hand = rng.sample(available(caps), rng.randint(2, 5))
    mapping = sorted(rng.sample(available_mapping(caps), rng.randint(0, 2))) if caps.address_limits else []
    catalog = catalog_operations(caps)
    chosen = sorted(rng.sample(sorted(catalog), rng.randint(1, 3)))
    operations = [{"name": name, "body": HAND_OPERATIONS[name][0], "after": HAND_OPERATIONS[name][1]} for name in hand]
    operations += [{"name": name, "body": catalog[name], "after": ""} for name in chosen]
    settings: dict[str, Any] = {
        "operations": operations,
        "start": rng.randint(0, 3),
        "count": rng.choice([40, 80, 150]),
        "span": rng.choice([1, 1, 2, 4, 0]),  # 0: every allocation from n on fails
        "mapping": [
            {
                "name": name,
                "body": MAPPING_OPERATIONS[name][0],
                "after": MAPPING_OPERATIONS[name][1],
                "errors": MAPPING_OPERATIONS[name][3],
            }
            for name in mapping
        ],
        "headrooms_mb": sorted(rng.sample([0, 1, 2, 4, 8], 2)) if mapping else [],
    }
    if mapping and caps.free_threaded:
        # mimalloc reserves its arenas a gigabyte at a time; small reserves make the
        # limit bind where the operation maps (see the faults family)
        settings["env"] = {"MIMALLOC_ARENA_RESERVE": "4M"}
    notes = [
        f"alloc sweep: n in [{settings['start']}, {settings['start'] + settings['count']}), span "
        f"{settings['span'] or 'forever'}: " + ", ".join(op["name"] for op in operations)
    ]
    if mapping:
        notes.append(f"under an address-space limit {settings['headrooms_mb']} MiB above use: {', '.join(mapping)}")
    return Scenario(family=NAME, seed=seed, caps=caps, settings=settings, notes=notes)


def drop_operation(scenario: Scenario):
    """Shrink pass: the same sweep without one of its operations (plain or mapping)."""
    for key in ("operations", "mapping"):
        operations = scenario.settings.get(key) or []
        for index in range(len(operations)):
            settings = dict(scenario.settings, **{key: operations[:index] + operations[index + 1 :]})
            if settings["operations"] or settings.get("mapping"):
                yield dataclasses.replace(scenario, settings=settings)


def narrow_range(scenario: Scenario):
    """Shrink pass: half the range of n, either half."""
    start, count = scenario.settings["start"], scenario.settings["count"]
    if count > 1:
        half = count // 2
        for new_start, new_count in ((start, half), (start + half, count - half)):
            yield dataclasses.replace(scenario, settings=dict(scenario.settings, start=new_start, count=new_count))


SHRINK_PASSES = (drop_operation, narrow_range)
