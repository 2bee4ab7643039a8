"""The operation catalog of the `interleave` family: the builtin API surface as
operations a step can run, derived from the target by introspection.

For each receiver kind (dict, deque, bytearray, a class, a function, ...) the surface
(surface.py: `dir()` and `__text_signature__`/`inspect.signature` of the type, read in
the target) lists its methods.  PARAMETER_ROLES says what each parameter name is (an
element, an index, an iterable, a mapping, a callable, ...), so a method a new CPython
version adds becomes an operation without code changes; a method with a parameter the
table does not know is listed as unsupported by `coverage()`.  A few hand-written
operations cover what is not a method (protocols, class and function attributes, hooks,
the collector).  Each operation says which callbacks it may call, through its arguments'
carriers or the receiver's elements: that is where a step can pause.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable

from .plan import Callback


class Role(enum.Enum):
    ELEM = "elem"  # an element of the receiver's domain (a K carrier, a byte, a char)
    INDEX = "index"  # an N carrier (__index__)
    ITERABLE = "iterable"  # an It carrier (or Seq) of the domain's elements
    MAPPING = "mapping"  # an M carrier
    CALLABLE = "callable"  # an F carrier
    OTHER = "other"  # another object of the receiver's kind
    TEXT = "text"  # a str or bytes literal of the domain
    BOOL = "bool"


# Callbacks an argument of each role may run.
ROLE_CALLBACKS: dict[Role, frozenset[Callback]] = {
    Role.ELEM: frozenset(
        {
            Callback.HASH,
            Callback.EQ,
            Callback.LT,
            Callback.REPR,
            Callback.STR,
            Callback.FORMAT,
            Callback.REDUCE,
            Callback.INDEX,
        }
    ),
    Role.INDEX: frozenset({Callback.INDEX}),
    Role.ITERABLE: frozenset({Callback.ITER, Callback.NEXT, Callback.LEN, Callback.GETITEM}),
    Role.MAPPING: frozenset({Callback.KEYS, Callback.GETITEM, Callback.LEN, Callback.ITER}),
    Role.CALLABLE: frozenset({Callback.CALL}),
    Role.OTHER: frozenset({Callback.HASH, Callback.EQ, Callback.LT, Callback.REPR}),
    Role.TEXT: frozenset(),
    Role.BOOL: frozenset(),
}

# What a parameter name means.  Sequences read "key" of __getitem__ & co as an index.
PARAMETER_ROLES: dict[str, Role] = {
    **dict.fromkeys(("key", "elem", "object", "item", "value", "default", "x", "v", "obj", "subelement"), Role.ELEM),
    **dict.fromkeys(
        (
            "index",
            "start",
            "stop",
            "end",
            "pos",
            "n",
            "count",
            "size",
            "hint",
            "width",
            "tabsize",
            "maxsplit",
            "bytes_per_sep",
            "maxlen",
            "whence",
            "cookie",
        ),
        Role.INDEX,
    ),
    **dict.fromkeys(
        ("iterable", "others", "iterable_of_ints", "iterable_of_bytes", "lines", "args", "elements"), Role.ITERABLE
    ),
    **dict.fromkeys(("mapping", "m", "dict", "E", "kwds", "kwargs", "F"), Role.MAPPING),
    **dict.fromkeys(
        (
            "sub",
            "prefix",
            "suffix",
            "sep",
            "chars",
            "bytes",
            "old",
            "new",
            "fillchar",
            "s",
            "b",
            "frm",
            "to",
            "string",
            "encoding",
            "errors",
            "format",
            "order",
            "delete",
            "text",
            "path",
        ),
        Role.TEXT,
    ),
    **dict.fromkeys(("keepends", "last", "reverse"), Role.BOOL),
    "other": Role.OTHER,
    "table": Role.MAPPING,
    "buffer": Role.OTHER,
}

# Roles by hand: "kind.method" always wins; "method" applies where the signature is not
# introspectable (C methods with *args/**kwargs parsing).
SIGNATURE_OVERRIDES: dict[str, tuple[Role, ...]] = {
    "update": (Role.MAPPING,),
    "format": (Role.ELEM, Role.ELEM),
    "__eq__": (Role.OTHER,),
    "__lt__": (Role.OTHER,),
    "__or__": (Role.OTHER,),
    "__ior__": (Role.OTHER,),
    "__iand__": (Role.OTHER,),
    "__isub__": (Role.OTHER,),
    "__iadd__": (Role.ITERABLE,),
    "__imul__": (Role.INDEX,),
    "str.maketrans": (Role.MAPPING,),
    "str.format": (Role.ELEM, Role.ELEM),
    "str.translate": (Role.MAPPING,),
    "str.join": (Role.ITERABLE,),
    "bytearray.maketrans": (Role.TEXT, Role.TEXT),
    "bytearray.translate": (Role.TEXT, Role.TEXT),
    "list.sort": (),
    "Counter.update": (Role.ITERABLE,),
    "Counter.subtract": (Role.ITERABLE,),
    "ChainMap.update": (Role.MAPPING,),
    "ChainMap.new_child": (Role.MAPPING,),
    "WeakValueDictionary.update": (Role.MAPPING,),
    "WeakKeyDictionary.update": (Role.MAPPING,),
    "Counter.most_common": (),
    "Counter.fromkeys": (Role.ITERABLE,),
    "ChainMap.fromkeys": (Role.ITERABLE,),
    "memoryview.cast": (),
    "TextIOWrapper.seek": (),
    "WeakValueDictionary.setdefault": (Role.ELEM, Role.ELEM),
    "deque.index": (Role.ELEM,),
    "deque.insert": (Role.INDEX, Role.ELEM),
    "bytearray.count": (Role.TEXT,),
    "bytearray.find": (Role.TEXT, Role.INDEX),
    "bytearray.index": (Role.TEXT,),
    "bytearray.rfind": (Role.TEXT, Role.INDEX),
    "bytearray.rindex": (Role.TEXT,),
    "bytearray.startswith": (Role.TEXT, Role.INDEX),
    "bytearray.endswith": (Role.TEXT, Role.INDEX),
    "bytearray.__contains__": (Role.ELEM,),
    "bytearray.remove": (Role.ELEM,),
    "Element.get": (Role.TEXT,),
    "Element.set": (Role.TEXT, Role.TEXT),
    "Element.iter": (),
    "Element.__getitem__": (Role.INDEX,),
    "Element.__setitem__": (Role.INDEX, Role.ELEM),
    "Element.__delitem__": (Role.INDEX,),
}
# Templates by hand, where the call is not `o.method(args)`.
TEMPLATES: dict[str, str] = {
    "bytearray.translate": "{o}.translate(None, {1})",
    "bytearray.maketrans": "bytearray.maketrans({0}, {1})",
    "list.sort": "{o}.sort(key=F('sk', 'first'))",
    "str.maketrans": "str.maketrans(dict({0}))",
    "memoryview.cast": "{o}.cast('B')",
    "TextIOWrapper.seek": "{o}.seek(0)",
}

# Dunder methods that are operations, as the expression that calls them.
PROTOCOLS: dict[str, str] = {
    "__contains__": "operator.contains({o}, {0})",
    "__getitem__": "operator.getitem({o}, {0})",
    "__setitem__": "operator.setitem({o}, {0}, {1})",
    "__delitem__": "operator.delitem({o}, {0})",
    "__len__": "len({o})",
    "__iter__": "list(iter({o}))",
    "__reversed__": "list(reversed({o}))",
    "__eq__": "{o} == {0}",
    "__lt__": "{o} < {0}",
    "__or__": "{o} | {0}",
    "__ior__": "operator.ior({o}, {0})",
    "__iand__": "operator.iand({o}, {0})",
    "__isub__": "operator.isub({o}, {0})",
    "__iadd__": "operator.iadd({o}, {0})",
    "__imul__": "operator.imul({o}, {0})",
    "__copy__": "copy.copy({o})",
}

# Methods no step calls: they say nothing about the object's state or break the run.
EXCLUDED = {
    "__reduce__",
    "__sizeof__",
    "fileno",
    "isatty",
    "__class_getitem__",
    "fromhex",
    "hex",
    "__getstate__",
    "__setstate__",
    "__format__",
    "__init_subclass__",
    "__subclasshook__",
    "itervaluerefs",
    "valuerefs",
    "keyrefs",
    "__length_hint__",
}

# Protocol-level operations every receiver of these shapes has (beyond its methods).
GENERIC = {
    "repr": ("repr({o})", (), frozenset({Callback.REPR})),
    "copy": ("copy.copy({o})", (), frozenset({Callback.REDUCE})),
    "deepcopy": ("copy.deepcopy({o})", (), frozenset({Callback.REDUCE, Callback.HASH})),
    "pickle": ("pickle.loads(pickle.dumps({o}))", (), frozenset({Callback.REDUCE, Callback.HASH, Callback.EQ})),
    "sorted": ("sorted({o})", (), frozenset({Callback.LT})),
    "bool": ("bool({o})", (), frozenset()),
    # the last references to the elements dropped, then a collection (in this thread)
    "clear_collect": ("({o}.clear(), gc.collect() * 0)[1]", (), frozenset()),  # not the count: it differs by build
}


@dataclasses.dataclass(frozen=True)
class Receiver:
    """A kind of shared object."""

    kind: str
    type_expr: str  # the type, for introspection ("collections.deque")
    shape: str  # mapping, sequence, set, text, bytes, io, object, iterator, special
    make: str  # the expression that makes one ({elems}, {pairs}, {label} filled in)
    methods: tuple[str, ...] | None = None  # a whitelist (None: every introspected method)
    generic: tuple[str, ...] = ("repr", "copy", "deepcopy", "pickle")
    element_callbacks: frozenset[Callback] = frozenset(
        {Callback.HASH, Callback.EQ, Callback.LT, Callback.REPR, Callback.REDUCE, Callback.STR, Callback.FORMAT}
    )
    min_version: tuple[int, int] = (3, 11)
    sections: tuple[str, ...] = ("K",)  # runtime sections it needs


RECEIVERS: tuple[Receiver, ...] = (
    Receiver("dict", "dict", "mapping", "{{{pairs}}}", generic=("repr", "copy", "deepcopy", "pickle", "clear_collect")),
    Receiver(
        "list",
        "list",
        "sequence",
        "[{elems}]",
        generic=("repr", "copy", "deepcopy", "pickle", "sorted", "clear_collect"),
    ),
    Receiver(
        "set", "set", "set", "{{{elems}}}", generic=("repr", "copy", "deepcopy", "pickle", "sorted", "clear_collect")
    ),
    Receiver(
        "frozenset", "frozenset", "set", "frozenset([{elems}])", generic=("repr", "copy", "pickle", "sorted", "hash")
    ),
    Receiver("tuple", "tuple", "sequence", "({elems},)", generic=("repr", "copy", "pickle", "sorted", "hash")),
    Receiver(
        "deque",
        "collections.deque",
        "sequence",
        "collections.deque([{elems}])",
        generic=("repr", "copy", "deepcopy", "pickle", "clear_collect"),
    ),
    Receiver(
        "defaultdict",
        "collections.defaultdict",
        "mapping",
        "collections.defaultdict(F('{label}f', 'key'), {{{pairs}}})",
        sections=("K", "F"),
    ),
    Receiver("OrderedDict", "collections.OrderedDict", "mapping", "collections.OrderedDict([{tuples}])"),
    Receiver("Counter", "collections.Counter", "mapping", "collections.Counter({{{counts}}})"),
    Receiver("ChainMap", "collections.ChainMap", "mapping", "collections.ChainMap({{{pairs}}}, {{}})"),
    Receiver(
        "missing_dict",
        "dict",
        "mapping",
        "DM({{{pairs}}})",
        methods=("__getitem__", "get", "__contains__", "pop", "setdefault", "clear", "update", "copy"),
        sections=("K", "DM"),
    ),
    Receiver(
        "bytearray",
        "bytearray",
        "bytes",
        "bytearray(b'abcabd')",
        element_callbacks=frozenset(),
        generic=("repr", "copy", "pickle"),
    ),
    Receiver(
        "memoryview",
        "memoryview",
        "bytes",
        "memoryview(bytearray(b'abcdef'))",
        methods=(
            "__getitem__",
            "__setitem__",
            "__len__",
            "__iter__",
            "__eq__",
            "tolist",
            "tobytes",
            "release",
            "toreadonly",
            "cast",
        ),
        element_callbacks=frozenset(),
        generic=("repr", "bool"),
    ),
    Receiver(
        "str",
        "str",
        "text",
        "'a{{0}}b{{x}}c'",
        methods=("join", "format_map", "translate", "maketrans", "format"),
        element_callbacks=frozenset(),
        generic=(),
    ),
    Receiver(
        "SimpleNamespace",
        "types.SimpleNamespace",
        "object",
        "types.SimpleNamespace({attrs})",
        generic=("repr", "copy", "deepcopy", "pickle"),
    ),
    Receiver(
        "instance",
        "object",
        "object",
        "C0(0)",
        methods=(),
        generic=("repr", "copy", "pickle"),
        element_callbacks=frozenset(
            {Callback.REPR, Callback.INIT, Callback.NEW, Callback.GET, Callback.SET, Callback.DELETE}
        ),
        sections=("K", "classes", "Desc"),
    ),
    Receiver(
        "class",
        "type",
        "special",
        "C0",
        methods=(),
        generic=("repr",),
        element_callbacks=frozenset(
            {
                Callback.INIT,
                Callback.NEW,
                Callback.META_CALL,
                Callback.MRO,
                Callback.INSTANCECHECK,
                Callback.SUBCLASSCHECK,
                Callback.GET,
                Callback.SET_NAME,
                Callback.INIT_SUBCLASS,
            }
        ),
        sections=("K", "classes", "Desc"),
    ),
    Receiver(
        "function",
        "type(lambda: 0)",
        "special",
        "f0",
        methods=(),
        generic=("repr",),
        element_callbacks=frozenset({Callback.CALL}),
        sections=("K", "function"),
    ),
    Receiver(
        "module",
        "type(sys)",
        "special",
        "_new_module()",
        methods=(),
        generic=("repr",),
        element_callbacks=frozenset({Callback.GETATTR}),
        sections=("K", "module"),
    ),
    Receiver(
        "WeakValueDictionary",
        "weakref.WeakValueDictionary",
        "mapping",
        "weakref.WeakValueDictionary({{{pairs}}})",
        generic=("repr", "copy", "deepcopy"),
    ),
    Receiver(
        "WeakKeyDictionary",
        "weakref.WeakKeyDictionary",
        "mapping",
        "weakref.WeakKeyDictionary({{{pairs}}})",
        generic=("repr", "copy", "deepcopy"),
    ),
    Receiver("WeakSet", "weakref.WeakSet", "set", "weakref.WeakSet([{elems}])", generic=("repr", "copy")),
    Receiver(
        "StringIO", "io.StringIO", "io", "io.StringIO('ab\\ncd\\nef\\n')", element_callbacks=frozenset(), generic=()
    ),
    Receiver(
        "BytesIO", "io.BytesIO", "io", "io.BytesIO(b'ab\\ncd\\nef\\n')", element_callbacks=frozenset(), generic=()
    ),
    Receiver(
        "TextIOWrapper",
        "io.TextIOWrapper",
        "io",
        "io.TextIOWrapper(io.BytesIO(b'ab\\ncd\\n'), encoding='utf-8', newline='')",
        methods=(
            "write",
            "read",
            "readline",
            "readlines",
            "writelines",
            "seek",
            "tell",
            "flush",
            "truncate",
            "close",
            "detach",
            "__iter__",
            "reconfigure",
        ),
        element_callbacks=frozenset(),
        generic=(),
    ),
    Receiver(
        "Element",
        "xml.etree.ElementTree.Element",
        "sequence",
        "_element_tree()",
        methods=(
            "append",
            "extend",
            "insert",
            "remove",
            "find",
            "findall",
            "iter",
            "clear",
            "__getitem__",
            "__setitem__",
            "__delitem__",
            "__len__",
            "__copy__",
            "get",
            "set",
            "itertext",
        ),
        generic=("repr", "copy", "deepcopy"),
        element_callbacks=frozenset({Callback.EQ, Callback.REPR}),
        sections=("K", "etree"),
    ),
    Receiver(
        "Pickler",
        "pickle.Pickler",
        "special",
        "pickle.Pickler(io.BytesIO(), 4)",
        methods=("dump", "clear_memo"),
        generic=(),
        element_callbacks=frozenset({Callback.REDUCE}),
        sections=("K",),
    ),
    Receiver(
        "tracemalloc",
        "object",
        "special",
        "tracemalloc",
        methods=(),
        generic=(),
        element_callbacks=frozenset(),
        sections=("K",),
    ),
    Receiver(
        "partial",
        "functools.partial",
        "special",
        "functools.partial(F('{label}f', 'first'), K('pa', 1))",
        methods=(),
        generic=("repr", "copy", "pickle"),
        element_callbacks=frozenset({Callback.CALL}),
        sections=("K", "F"),
    ),
    Receiver(
        "lru_cache",
        "type(functools.lru_cache()(len))",
        "special",
        "functools.lru_cache(maxsize=4)(F('{label}f', 'first'))",
        methods=("cache_clear", "cache_info"),
        generic=("repr",),
        element_callbacks=frozenset({Callback.CALL, Callback.HASH, Callback.EQ}),
        sections=("K", "F"),
    ),
    Receiver("iterator", "type(iter([]))", "iterator", "iter({source})", methods=(), generic=(), sections=("K",)),
    Receiver("itertools", "object", "iterator", "{itertool}", methods=(), generic=(), sections=("K", "It", "F")),
    Receiver(
        "contextvars",
        "contextvars.Context",
        "special",
        "contextvars.copy_context()",
        methods=(),
        generic=(),
        element_callbacks=frozenset({Callback.CALL}),
        sections=("K", "F", "contextvars"),
    ),
    Receiver(
        "functools",
        "object",
        "special",
        "functools",
        methods=(),
        generic=(),
        element_callbacks=frozenset({Callback.CALL}),
        sections=("K", "It", "F", "functools"),
    ),
    Receiver(
        "hooks",
        "object",
        "special",
        "sys",
        methods=(),
        generic=(),
        element_callbacks=frozenset({Callback.CALL}),
        sections=("K", "KD", "F", "function", "hooks"),
    ),
    Receiver(
        "gc",
        "object",
        "special",
        "gc",
        methods=(),
        generic=(),
        element_callbacks=frozenset({Callback.DEL, Callback.CALL}),
        sections=("K", "KD", "F", "gc"),
    ),
)
RECEIVER = {r.kind: r for r in RECEIVERS}


@dataclasses.dataclass(frozen=True)
class Operation:
    """One thing a step can do to a receiver: `template` is an expression over the
    receiver `{o}` and arguments `{0}`, `{1}`, ... made for `roles`."""

    name: str  # "dict.get", "class.set_bases"
    receiver: str
    template: str
    roles: tuple[Role, ...] = ()
    callbacks: frozenset[Callback] = frozenset()  # where a step running it may pause
    min_version: tuple[int, int] = (3, 11)

    @property
    def pausable(self) -> bool:
        return bool(self.callbacks)


def _hand(
    receiver: str,
    name: str,
    template: str,
    roles: tuple[Role, ...] = (),
    callbacks: Iterable[Callback] = (),
    min_version: tuple[int, int] = (3, 11),
) -> Operation:
    return Operation(f"{receiver}.{name}", receiver, template, roles, frozenset(callbacks), min_version)


C = Callback
HAND_OPERATIONS: tuple[Operation, ...] = (
    # lists filled from an iterable by comprehensions and generators
    _hand("list", "extend_comprehension", "{o}.extend([x for x in {0}])", (Role.ITERABLE,), (C.ITER, C.NEXT)),
    _hand("list", "extend_generator", "{o}.extend(x for x in {0})", (Role.ITERABLE,), (C.ITER, C.NEXT)),
    _hand("list", "append_index", "{o}.append({o}[{0}])", (Role.INDEX,), (C.INDEX,)),
    _hand(
        "list",
        "slice_assign",
        "operator.setitem({o}, slice({0}, None), {1})",
        (Role.INDEX, Role.ITERABLE),
        (C.INDEX, C.ITER, C.NEXT, C.LEN),
    ),
    # str formatting calls each argument's __str__ / __format__
    _hand("str", "percent", "'%s-%s' % ({0}, {1})", (Role.ELEM, Role.ELEM), (C.STR,)),
    _hand("str", "fstring", 'f"{{{0}}}-{{{1}!s}}"', (Role.ELEM, Role.ELEM), (C.FORMAT, C.STR)),
    # the class, its construction (the seed's CALL_ALLOC_AND_ENTER_INIT) and its attributes
    _hand("class", "construct", "_construct({o}, 4)", (), (C.INIT, C.NEW, C.META_CALL)),
    _hand("class", "call_once", "_made({o}(7))", (), (C.INIT, C.NEW, C.META_CALL)),
    _hand("class", "set_init", "setattr({o}, '__init__', _init_v1)"),
    _hand(
        "class",
        "set_init_lambda",
        "setattr({o}, '__init__', lambda self, i, tag='lam': (_cb('__init__', 'C0'), "
        "setattr(self, 'made', (tag, i)))[-1])",
    ),
    _hand("class", "del_init", "_delete({o}, '__init__')"),
    _hand("class", "set_init_defaults", "setattr({o}.__dict__.get('__init__', B0.__init__), '__defaults__', ('d',))"),
    _hand(
        "class",
        "set_init_kwdefaults",
        "setattr({o}.__dict__.get('__init__', B0.__init__), '__kwdefaults__', {{'tag': 'kw'}})",
    ),
    _hand(
        "class", "set_init_code", "setattr({o}.__dict__.get('__init__', B0.__init__), '__code__', _init_v2.__code__)"
    ),
    _hand("class", "set_base_init", "setattr(B0, '__init__', _init_v1)"),
    _hand("class", "set_new", "setattr({o}, '__new__', _new_v1)"),
    _hand("class", "del_new", "_delete({o}, '__new__')"),
    _hand("class", "set_bases", "setattr({o}, '__bases__', (B1,))", (), (C.MRO,)),
    _hand("class", "restore_bases", "setattr({o}, '__bases__', (B0,))", (), (C.MRO,)),
    _hand("class", "set_name", "setattr({o}, '__name__', 'Renamed')"),
    _hand("class", "set_qualname", "setattr({o}, '__qualname__', 'Outer.Renamed')"),
    _hand("class", "set_attr", "setattr({o}, 'shared', {0})", (Role.ELEM,), (C.SET_NAME,)),
    _hand("class", "set_descriptor", "setattr({o}, 'desc', Desc('cd'))"),
    _hand("class", "get_descriptor", "getattr({o}(1), 'desc')", (), (C.GET, C.INIT)),
    _hand("class", "del_attr", "_delete({o}, 'shared')"),
    _hand("class", "mro", "[c.__name__ for c in {o}.mro()]", (), (C.MRO,)),
    _hand("class", "isinstance", "isinstance({0}, {o})", (Role.ELEM,), (C.INSTANCECHECK,)),
    _hand("class", "issubclass", "issubclass(B1, {o})", (), (C.SUBCLASSCHECK,)),
    _hand("class", "dict_proxy", "sorted(k for k in {o}.__dict__ if not k.startswith('__'))"),
    _hand(
        "class",
        "subclass",
        "_class_state(type('Sub', ({o},), {{'d': Desc('sd')}}))",
        (),
        (C.SET_NAME, C.INIT_SUBCLASS, C.MRO),
    ),
    _hand("class", "subclasses", "sorted(c.__name__ for c in {o}.__subclasses__())"),
    _hand("class", "state", "_class_state({o})"),
    # an instance of the class
    _hand("instance", "getattr", "getattr({o}, 'made', 'none')"),
    _hand("instance", "setattr", "setattr({o}, 'extra', {0})", (Role.ELEM,)),
    _hand("instance", "delattr", "_delete({o}, 'extra')"),
    _hand("instance", "set_descriptor", "setattr({o}, 'desc', {0})", (Role.ELEM,), (C.SET,)),
    _hand("instance", "get_descriptor", "getattr({o}, 'desc')", (), (C.GET,)),
    _hand("instance", "del_descriptor", "_delete({o}, 'desc')", (), (C.DELETE,)),
    _hand("instance", "vars", "vars({o})"),
    _hand("instance", "dict_clear", "{o}.__dict__.clear()"),
    _hand("instance", "dict_update", "{o}.__dict__.update({0})", (Role.MAPPING,)),
    _hand("instance", "dict_replace", "setattr({o}, '__dict__', {{'made': 'replaced'}})"),
    _hand("instance", "set_class", "setattr({o}, '__class__', B1)"),
    _hand("instance", "reinit", "{o}.__init__(9)", (), (C.INIT,)),
    # a function and its attributes
    _hand("function", "call", "{o}({0})", (Role.ELEM,), (C.CALL,)),
    _hand("function", "call_kw", "{o}({0}, c={1})", (Role.ELEM, Role.ELEM), (C.CALL,)),
    _hand("function", "set_defaults", "setattr({o}, '__defaults__', ({0},))", (Role.ELEM,)),
    _hand("function", "set_kwdefaults", "setattr({o}, '__kwdefaults__', {{'c': {0}}})", (Role.ELEM,)),
    _hand("function", "set_code", "setattr({o}, '__code__', _f_alt.__code__)"),
    _hand("function", "set_qualname", "setattr({o}, '__qualname__', 'g.h')"),
    _hand("function", "set_name", "setattr({o}, '__name__', 'g')"),
    _hand("function", "set_attr", "setattr({o}, 'note', {0})", (Role.ELEM,)),
    _hand("function", "state", "_function_state({o})"),
    # a module and its dict
    _hand("module", "getattr_dynamic", "getattr({o}, 'dyn')", (), (C.GETATTR,)),
    _hand("module", "getattr_missing", "getattr({o}, 'nothing', 'absent')", (), (C.GETATTR,)),
    _hand("module", "setattr", "setattr({o}, 'x', {0})", (Role.ELEM,)),
    _hand("module", "delattr", "_delete({o}, 'x')"),
    _hand("module", "dict_clear", "vars({o}).clear()"),
    _hand("module", "dict_update", "vars({o}).update({0})", (Role.MAPPING,)),
    _hand("module", "del_getattr", "_delete({o}, '__getattr__')"),
    _hand("module", "dir", "sorted(dir({o}))"),
    # generic per-object attributes for namespaces
    _hand("SimpleNamespace", "getattr", "getattr({o}, 'a', 'none')"),
    _hand("SimpleNamespace", "setattr", "setattr({o}, 'a', {0})", (Role.ELEM,)),
    _hand("SimpleNamespace", "delattr", "_delete({o}, 'a')"),
    _hand("SimpleNamespace", "eq", "{o} == {0}", (Role.OTHER,), (C.EQ,)),
    _hand("SimpleNamespace", "vars_clear", "vars({o}).clear()"),
    _hand("SimpleNamespace", "vars_update", "vars({o}).update({0})", (Role.MAPPING,)),
    # partial and lru_cache
    _hand("partial", "call", "{o}({0})", (Role.ELEM,), (C.CALL,)),
    _hand("partial", "setstate", "{o}.__setstate__((F('ps', 'first'), ({0},), {{}}, None))", (Role.ELEM,)),
    _hand("lru_cache", "call", "{o}({0})", (Role.ELEM,), (C.CALL, C.HASH, C.EQ)),
    _hand("lru_cache", "call_twice", "({o}({0}), {o}({0}))", (Role.ELEM,), (C.CALL, C.HASH, C.EQ)),
    _hand(
        "functools",
        "reduce",
        "functools.reduce(F('rf', 'first'), {0}, {1})",
        (Role.ITERABLE, Role.ELEM),
        (C.CALL, C.ITER, C.NEXT),
    ),
    _hand("functools", "cached_property", "_cached_property_once({0})", (Role.ELEM,), (C.CALL,)),
    # iterators shared between threads
    _hand("iterator", "next", "next({o}, 'end')", (), (C.NEXT, C.CALL)),
    _hand("iterator", "next_twice", "(next({o}, 'end'), next({o}, 'end'))", (), (C.NEXT, C.CALL)),
    _hand("iterator", "exhaust", "list({o})", (), (C.NEXT, C.CALL)),
    _hand("iterator", "length_hint", "operator.length_hint({o})"),
    _hand("iterator", "islice", "list(itertools.islice({o}, {0}))", (Role.INDEX,), (C.INDEX, C.NEXT)),
    _hand("itertools", "next", "next({o}, 'end')", (), (C.NEXT, C.CALL, C.ITER, C.EQ)),
    _hand(
        "itertools", "exhaust", "list(itertools.islice({o}, 40))", (), (C.NEXT, C.CALL, C.EQ)
    ),  # cycle, count: endless
    _hand("itertools", "take", "list(itertools.islice({o}, 2))", (), (C.NEXT, C.CALL)),
    _hand("itertools", "copy", "copy.copy({o})", ()),
    # module state: tracemalloc switched on and off under other threads' work
    _hand("tracemalloc", "start", "{o}.start(2)"),
    _hand("tracemalloc", "stop", "{o}.stop()"),
    _hand("tracemalloc", "clear_traces", "{o}.clear_traces()"),
    _hand("tracemalloc", "is_tracing", "{o}.is_tracing()"),
    _hand("tracemalloc", "snapshot", "len({o}.take_snapshot().traces) >= 0 if {o}.is_tracing() else None"),
    _hand("tracemalloc", "traced_object", "{o}.get_object_traceback({0}) is None or True", (Role.ELEM,)),
    # contextvars
    _hand("contextvars", "run", "{o}.run(F('cr', 'first'), {0})", (Role.ELEM,), (C.CALL,)),
    _hand("contextvars", "run_set", "{o}.run(_VAR.set, {0}) and None", (Role.ELEM,)),
    _hand("contextvars", "get", "{o}.get(_VAR, 'unset')"),
    _hand("contextvars", "items", "sorted(str(k.name) for k in {o})"),
    _hand("contextvars", "copy", "len({o}.copy())"),
    # hooks switched while they run
    _hand("hooks", "set_unraisablehook", "setattr(sys, 'unraisablehook', F('uh'))"),
    _hand("hooks", "restore_unraisablehook", "setattr(sys, 'unraisablehook', _SAVED_HOOKS[0])"),
    _hand("hooks", "raise_unraisable", "_raise_unraisable({label!r})", (), (C.DEL, C.CALL)),
    _hand("hooks", "setprofile_all", "threading.setprofile_all_threads(F('pf'))", min_version=(3, 12)),
    _hand("hooks", "settrace_all", "threading.settrace_all_threads(F('tf'))", min_version=(3, 12)),
    _hand("hooks", "setprofile_all_off", "threading.setprofile_all_threads(None)", min_version=(3, 12)),
    _hand("hooks", "settrace_all_off", "threading.settrace_all_threads(None)", min_version=(3, 12)),
    _hand("hooks", "setprofile", "sys.setprofile(F('sp'))"),
    _hand("hooks", "call_profiled", "f0({0})", (Role.ELEM,), (C.CALL,)),
    _hand("hooks", "monitoring_on", "_use_monitoring(F('mo'))", min_version=(3, 12)),
    _hand(
        "hooks",
        "monitoring_off",
        "sys.monitoring.set_events(3, 0) if sys.monitoring.get_tool(3) else None",
        min_version=(3, 12),
    ),
    _hand(
        "hooks",
        "monitoring_swap",
        "sys.monitoring.register_callback(3, sys.monitoring.events.PY_START, "
        "F('mo2')) and None if sys.monitoring.get_tool(3) else None",
        min_version=(3, 12),
    ),
    _hand("hooks", "gc_callback_on", "gc.callbacks.append(F('gcb'))"),
    _hand("hooks", "gc_callback_off", "gc.callbacks.clear()"),
    # the collector, weakref callbacks and finalizers
    _hand("gc", "collect", "_collect()", (), (C.DEL, C.CALL)),
    _hand("gc", "drop_and_collect", "_drop_and_collect({label!r})", (), (C.DEL, C.CALL)),
    _hand("gc", "weakref_callback", "_weakref_with_callback({label!r})", (), (C.DEL, C.CALL)),
    _hand("gc", "finalize", "_finalize_with_callback({label!r})", (), (C.DEL, C.CALL)),
    _hand("gc", "freeze", "gc.freeze()"),
    _hand("gc", "unfreeze", "gc.unfreeze()"),
    _hand("gc", "is_tracked", "gc.is_tracked({0})", (Role.ELEM,)),
    _hand("gc", "referrers_count", "len([r for r in gc.get_referrers(_KEEP) if isinstance(r, list)])"),
)

SIGNATURE_PARAMETER = re.compile(r"[\w$]+")


def parameters(signature: str | None) -> list[tuple[str, bool]] | None:
    """(name, required) of a text signature's parameters after self; None when unknown."""
    if signature is None:
        return None
    inner = signature.strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        return None
    inner = inner[1:-1]
    result = []
    optional_depth = 0
    for raw in inner.replace("[", ",[,").replace("]", ",],").split(","):
        token = raw.strip()
        if token == "[":
            optional_depth += 1
            continue
        if token == "]":
            optional_depth -= 1
            continue
        if not token or token in ("/", "*"):
            continue
        name = SIGNATURE_PARAMETER.match(token.lstrip("*"))
        if name is None:
            return None
        word = name.group(0)
        if word in ("$self", "self", "$type", "cls", "$cls", "type"):
            continue
        if token.startswith("**"):
            continue
        # *others (set.update & co) is called with one argument
        required = "=" not in token and optional_depth == 0
        result.append((word, required))
    return result


def _roles_for(receiver: Receiver, method: str, signature: str | None) -> tuple[Role, ...] | None:
    specific = f"{receiver.kind}.{method}"
    if specific in SIGNATURE_OVERRIDES:
        return SIGNATURE_OVERRIDES[specific]
    params = parameters(signature)
    if method in SIGNATURE_OVERRIDES and (params is None or method.startswith("__")):
        return SIGNATURE_OVERRIDES[method]
    if params is None:
        return None
    roles = []
    for name, required in params:
        if not required:
            continue
        role = PARAMETER_ROLES.get(name)
        if role is None:
            return None
        if (
            receiver.shape in ("sequence", "bytes")
            and name == "key"
            and method in ("__getitem__", "__setitem__", "__delitem__")
        ):
            role = Role.INDEX
        roles.append(role)
    return tuple(roles)


def _callbacks(receiver: Receiver, method: str, roles: tuple[Role, ...]) -> frozenset[Callback]:
    """The callbacks the operation can run: its arguments' (by role and the receiver's
    shape) and, where it looks elements up or compares them, the elements'."""
    found: set[Callback] = set()
    for role in roles:
        if role is Role.ELEM and receiver.shape in ("mapping", "set"):
            found |= {Callback.HASH, Callback.EQ}
        elif role is Role.ELEM and receiver.shape == "sequence":
            found |= {Callback.EQ}
        elif role is Role.ELEM and receiver.shape in ("bytes", "text", "io"):
            found |= {Callback.INDEX} if receiver.shape == "bytes" else set()
        elif role is Role.OTHER:
            found |= (
                {Callback.HASH, Callback.EQ}
                if receiver.shape in ("mapping", "set")
                else {Callback.EQ, Callback.LT}
                if receiver.shape == "sequence"
                else set()
            )
        else:
            found |= ROLE_CALLBACKS[role]
    if "sort" in method:
        found.add(Callback.LT)
    if receiver.kind == "defaultdict" and method in ("__getitem__",):
        found.add(Callback.CALL)
    if receiver.kind == "missing_dict" and method == "__getitem__":
        found.add(Callback.MISSING)
    if receiver.kind == "lru_cache":
        found |= {Callback.CALL}
    if method == "format":
        found = {Callback.FORMAT}
    return frozenset(found)


def method_template(method: str, arity: int, receiver: Receiver) -> str:
    specific = f"{receiver.kind}.{method}"
    if specific in TEMPLATES:
        return TEMPLATES[specific]
    if method in PROTOCOLS:
        return PROTOCOLS[method]
    arguments = ", ".join("{%d}" % i for i in range(arity))
    if method == "fromkeys":
        return "type({o}).fromkeys(%s)" % arguments
    return "{o}.%s(%s)" % (method, arguments)


@dataclasses.dataclass(frozen=True)
class Catalog:
    operations: tuple[Operation, ...]
    unsupported: tuple[str, ...]  # methods of the surface no role table covers

    def by_receiver(self, kind: str) -> list[Operation]:
        return [op for op in self.operations if op.receiver == kind]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(op.name for op in self.operations)


def build_catalog(surface: dict[str, dict[str, str | None]], version: tuple[int, int]) -> Catalog:
    """The catalog for a target whose introspected methods are `surface`
    ({receiver kind: {method: text signature or None}})."""
    operations: list[Operation] = []
    unsupported: list[str] = []
    for receiver in RECEIVERS:
        if receiver.min_version > version:
            continue
        methods = surface.get(receiver.kind, {})
        names = sorted(methods) if receiver.methods is None else [m for m in receiver.methods if m in methods]
        for method in names:
            if method in EXCLUDED or (method.startswith("_") and method not in PROTOCOLS):
                continue
            if method == "__lt__" and receiver.shape not in ("sequence", "set"):
                continue  # no ordering between mappings or files: a TypeError every time
            roles = _roles_for(receiver, method, methods[method])
            if roles is None:
                unsupported.append(f"{receiver.kind}.{method}{methods[method] or '(?)'}")
                continue
            operations.append(
                Operation(
                    f"{receiver.kind}.{method}",
                    receiver.kind,
                    method_template(method, len(roles), receiver),
                    roles,
                    _callbacks(receiver, method, roles),
                )
            )
        for name in receiver.generic:
            if name == "hash":
                operations.append(
                    Operation(f"{receiver.kind}.hash", receiver.kind, "hash({o})", (), frozenset({Callback.HASH}))
                )
                continue
            template, roles, callbacks = GENERIC[name]
            if not receiver.element_callbacks:
                callbacks = frozenset()
            operations.append(
                Operation(
                    f"{receiver.kind}.{name}", receiver.kind, template, roles, callbacks & receiver.element_callbacks
                )
            )
    operations.extend(op for op in HAND_OPERATIONS if op.min_version <= version)
    return Catalog(tuple(operations), tuple(unsupported))
