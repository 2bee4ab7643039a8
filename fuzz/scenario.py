"""The scenario IR: what a generated program does, as data (JSON round-trip).

Generators build a Scenario from a seeded random.Random and the target's Capabilities;
render.py turns it into source.  Every scenario carries the generator version that made
it, so a stored scenario can be re-rendered or rejected knowingly.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from tandem.oracle.errors import CorpusError
from tandem.oracle.model import Interpreter

GENERATOR_VERSION = (
    3  # 3: the interleave family (a frozen plan in `plan`); 2: `faults` memory workers sized from the headroom
)

BUILTIN_BASES = ("object", "list", "dict", "Exception", "int")

# Kinds of callables an __init__ can be swapped between (init-race family).
INIT_KINDS = (
    "function",  # module-level def
    "closure",  # def inside a factory, capturing the tag
    "lambda",  # lambda made inside a function
    "builtin",  # object.__init__ (a slot wrapper)
    "callable_object",  # instance with __call__: not a descriptor, gets no self
    "partial",  # functools.partial: a descriptor from 3.14 on, not before
    "staticmethod",  # wrapper: called without self
    "classmethod",  # wrapper: called with the class
    "wrong_arity",  # fails at frame creation
    "raises",  # raises a known exception
    "returns_value",  # returns non-None: TypeError from type_call
    "recursive",  # recurses to the limit: RecursionError
    "defaults",  # its __defaults__ are changed under a warm call site
    "kwdefaults",  # its __kwdefaults__ are changed under a warm call site
    "code",  # its __code__ is swapped for another function's
)

MUTATION_OPS = (
    # init race
    "set_init",
    "del_init",
    "set_new",
    "del_new",
    "set_defaults",
    "set_kwdefaults",
    "set_code",
    # type and instance mutations
    "set_class_attr",
    "del_class_attr",
    "set_bases",
    "set_class",
    "set_name",
    "set_qualname",
    "set_func_name",
    "dict_replace",
    "dict_clear",
    "dict_update",
    "gc_collect",
    # hooks switched while threads run
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
)

WORKER_ACTIONS = (
    "construct",
    "read",
    "isinstance",
    "repr",
    "write_read",  # class families
    "append",
    "extend_comprehension",
    "iadd",
    "insert",
    "pop",
    "read_slices",
    "sort_snapshot",
    "dict_write",
    "dict_delete_own",
    "dict_iterate",
    "dict_copy_compare",
    "dict_hostile_lookup",
    "set_add",
    "set_discard_own",
    "set_iterate",
    "set_compare",
    "dd_shared_append",
    "dd_own_append",
    "dd_assign_scratch",
    "deque_append",
    "deque_appendleft",
    "deque_pop",
    "deque_popleft",
    "deque_rotate",  # containers
    "unraisable",
    "hooked_work",  # unraisable, hooks
    "allocate",
    "recursive_init",
    "super_chain",
    "traced_construct",  # faults
)


# family -> JSON -> its frozen plan, validated (filled by fuzz/family.py, which imports this module)
PLAN_LOADERS: dict[str, Callable[[Any], Any]] = {}


@dataclasses.dataclass(frozen=True)
class Capabilities:
    """What the target offers; generators only use what exists."""

    version: tuple[int, int] = (3, 13)
    free_threaded: bool = True
    debug: bool = False
    specializer: bool = False
    testinternalcapi: bool = False
    testcapi: bool = False  # _testcapi (set_nomemory: allocation-failure sweeps)
    stack_trampoline: bool = False
    monitoring: bool = True
    setprofile_all_threads: bool = True
    # How many times slower than the oracle the target measured (oracle/slowdown.py's
    # size step: 1, 2, 4, 8): iteration counts are divided by it.
    slowdown: int = 1
    # Whether a program may lower its own address-space limit: not on sanitizer builds,
    # whose runtimes die (and TSan's with the status it was given for reports) when
    # they cannot map their shadow memory.
    address_limits: bool = True
    # The interpreters these capabilities were read from: families whose catalog is
    # introspected from the target (interleave) read it there.  Not part of a scenario's
    # JSON, nor of equality: a scenario stores the operations it chose, not the surface.
    interpreter_paths: tuple[str, ...] = dataclasses.field(default=(), compare=False)

    @staticmethod
    def of(interpreter: Interpreter) -> Capabilities:
        f = interpreter.features
        return Capabilities(
            version=interpreter.minor,
            free_threaded=interpreter.free_threaded,
            debug=interpreter.debug,
            specializer=f.specializer,
            testinternalcapi=f.testinternalcapi,
            testcapi=f.testcapi,
            address_limits=not interpreter.sanitizer,
            stack_trampoline=f.stack_trampoline,
            monitoring=f.monitoring,
            setprofile_all_threads=f.setprofile_all_threads,
            interpreter_paths=(interpreter.path,),
        )

    @staticmethod
    def common(*interpreters: Interpreter) -> Capabilities:
        """What every one of the interpreters offers (a program must run on all)."""
        caps = [Capabilities.of(i) for i in interpreters]
        return Capabilities(
            version=min(c.version for c in caps),
            free_threaded=all(c.free_threaded for c in caps),
            debug=any(c.debug for c in caps),
            specializer=any(c.specializer for c in caps),
            testinternalcapi=all(c.testinternalcapi for c in caps),
            testcapi=all(c.testcapi for c in caps),
            address_limits=all(c.address_limits for c in caps),
            stack_trampoline=all(c.stack_trampoline for c in caps),
            monitoring=all(c.monitoring for c in caps),
            setprofile_all_threads=all(c.setprofile_all_threads for c in caps),
            interpreter_paths=tuple(p for c in caps for p in c.interpreter_paths),
        )


@dataclasses.dataclass
class MetaSpec:
    name: str
    override_call: bool = False  # __call__ records each construction, then calls super
    custom_mro: bool = False  # mro() overridden (returns type.mro(cls))


@dataclasses.dataclass
class ClassSpec:
    name: str
    bases: list[str]  # generated class names, or one builtin base for a root
    builtin: str = "object"  # the builtin the hierarchy derives from
    metaclass: str | None = None
    slots: list[str] | None = None
    define_init: bool = True  # cooperative __init__(self, i) that calls super()
    define_new: bool = False  # __new__ recording its call, cooperative
    init_subclass: bool = False  # __init_subclass__ recording subclasses
    class_attrs: dict[str, int] = dataclasses.field(default_factory=dict)
    property_factor: int | None = None  # property p_<name> = value * factor
    descriptor: bool = False  # data descriptor field d_<name> set by __init__ (stores 2x)


@dataclasses.dataclass
class InitVersion:
    """One callable that can be installed as a class's __init__."""

    name: str
    kind: str  # one of INIT_KINDS
    tag: str


@dataclasses.dataclass
class Mutation:
    op: str  # one of MUTATION_OPS
    target: str  # class, version or pool name
    args: list[Any] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Worker:
    name: str
    action: str  # one of WORKER_ACTIONS
    targets: list[str]  # class names it works on
    iterations: int
    copies: int = 1  # threads running this worker
    params: dict[str, Any] = dataclasses.field(default_factory=dict)  # family-specific


@dataclasses.dataclass
class Mutator:
    name: str
    plan: list[Mutation]  # applied in order, round after round
    rounds: int  # upper bound; stops early when workers finish
    final: list[Mutation] = dataclasses.field(default_factory=list)  # restore a known state


@dataclasses.dataclass
class Scenario:
    family: str
    seed: int
    generator_version: int = GENERATOR_VERSION
    caps: Capabilities = dataclasses.field(default_factory=Capabilities)
    metaclasses: list[MetaSpec] = dataclasses.field(default_factory=list)
    classes: list[ClassSpec] = dataclasses.field(default_factory=list)
    init_versions: list[InitVersion] = dataclasses.field(default_factory=list)
    new_versions: list[str] = dataclasses.field(default_factory=list)  # tags of __new__ versions
    race_class: str | None = None  # the class whose __init__/__new__ are mutated
    race_base: str | None = None  # its base, whose __init__ may be mutated too
    initial_init: str | None = None  # the version installed before the threads start
    pool_size: int = 0  # shared instances for type/instance mutations
    workers: list[Worker] = dataclasses.field(default_factory=list)
    mutators: list[Mutator] = dataclasses.field(default_factory=list)
    gc_between: bool = False
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)  # family-specific plan
    hostile: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # hostile objects used
    notes: list[str] = dataclasses.field(default_factory=list)  # what the program does
    plan: Any = None  # the family's own frozen plan (families with one: interleave)

    # -- JSON -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(dataclasses.replace(self, plan=None))
        data["caps"]["version"] = list(self.caps.version)
        data["caps"].pop("interpreter_paths", None)
        data["plan"] = self.plan.to_json() if self.plan is not None else None
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, indent=1)

    @staticmethod
    def from_json(data: dict[str, Any]) -> Scenario:
        try:
            version = data.get("generator_version")
            if not isinstance(version, int) or version > GENERATOR_VERSION:
                raise CorpusError(
                    f"scenario made by generator version {version!r}; this tandem understands up to {GENERATOR_VERSION}"
                )
            fields = dict(data)
            caps = dict(fields.pop("caps", {}))
            caps["version"] = tuple(caps.get("version", (3, 13)))
            _check_names(fields)
            plan = fields.pop("plan", None)
            if plan is not None:
                loader = PLAN_LOADERS.get(fields.get("family", ""))
                if loader is None:
                    raise CorpusError(
                        f"family {fields.get('family')!r} has no plan loader (fuzz.family registers them)"
                    )
                fields["plan"] = loader(plan)
            return Scenario(
                caps=Capabilities(**caps),
                metaclasses=[MetaSpec(**m) for m in fields.pop("metaclasses", [])],
                classes=[ClassSpec(**c) for c in fields.pop("classes", [])],
                init_versions=[InitVersion(**v) for v in fields.pop("init_versions", [])],
                workers=[Worker(**w) for w in fields.pop("workers", [])],
                mutators=[
                    Mutator(
                        name=m["name"],
                        rounds=m["rounds"],
                        plan=[Mutation(**x) for x in m["plan"]],
                        final=[Mutation(**x) for x in m.get("final", [])],
                    )
                    for m in fields.pop("mutators", [])
                ],
                **fields,
            )
        except CorpusError:
            raise
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise CorpusError(f"malformed scenario: {exc}") from None

    @staticmethod
    def loads(text: str) -> Scenario:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CorpusError(f"scenario is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise CorpusError("scenario JSON must be an object")
        return Scenario.from_json(data)

    def class_named(self, name: str) -> ClassSpec:
        return next(c for c in self.classes if c.name == name)


def _check_names(fields: dict[str, Any]) -> None:
    """The closed vocabularies of the IR (operations, actions, callable kinds) are checked
    on load, so a hand-edited or foreign scenario fails here, not in the renderer."""
    for worker in fields.get("workers", []):
        if worker.get("action") not in WORKER_ACTIONS:
            raise CorpusError(f"unknown worker action {worker.get('action')!r}")
    for mutator in fields.get("mutators", []):
        for mutation in list(mutator.get("plan", [])) + list(mutator.get("final", [])):
            if mutation.get("op") not in MUTATION_OPS:
                raise CorpusError(f"unknown mutation {mutation.get('op')!r}")
    for version in fields.get("init_versions", []):
        if version.get("kind") not in INIT_KINDS:
            raise CorpusError(f"unknown __init__ kind {version.get('kind')!r}")
