"""The program side of scheduled interleavings: pasted, as text, into every `interleave`
program (stdlib only, CPython >= 3.11, GIL and free-threaded builds).

A program is a set of actors (threads), each with a list of steps, and a schedule: a
tree of slots.  The conductor (the main thread) runs one slot at a time: it tells the
slot's actor to run that step and waits until the step finishes or pauses.  A step
pauses at its pause point, the k-th call of one callback (`__eq__`, `__next__`, ...) on
carriers of one label, made by the step's own thread: the callback blocks on an event,
which detaches the thread (free-threaded) or drops the GIL, and with it the critical
sections the C function around the callback held.  The slot's window (more slots, which
may pause in turn) then runs to completion, the paused step is resumed and the
conductor waits for it to finish.  Only one step ever runs at a time, so every result
is deterministic and is emitted: each step's value or exception, whether each pause
point was reached, and the final state of every shared object.

A window step that neither finishes nor pauses within STEP_DEADLINE is blocked (a lock
the paused step holds): the schedule is no longer forced from there on, so the paused
steps are released and every later result is only observed.  A step that never
finishes at all keeps the process alive: that is a hang, which the executor reports
with all thread stacks.

In free mode (no handshakes) the same steps run in loops, every actor at once behind a
barrier; callbacks only yield.  Results are not compared; an exception the operation
cannot raise (SystemError above all) is a failed check.

The program defines: carriers' classes (below), the shared objects, one function per
step, then calls `_conduct(actors, schedule, objects)` or `_run_free(actors, rounds)`.
`emit`, `observe` and `check` come from the harness.
"""

import collections
import contextvars
import copy
import functools
import gc
import io  # noqa: F401 - io, itertools and operator are used by the steps the program adds
import itertools  # noqa: F401
import operator  # noqa: F401
import pickle
import queue
import re
import sys
import threading
import tracemalloc  # noqa: F401 - a receiver
import types
import weakref
import xml.etree.ElementTree

gc.disable()  # collections run only where a step asks: finalizers then run in its thread

STEP_DEADLINE = 4.0 if hasattr(sys, "gettotalrefcount") else 2.0
PAUSE_DEADLINE = 60.0
_FREE = False
_tls = threading.local()
_reports = queue.SimpleQueue()
_forced = [True]
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_GATE = threading.Event()
_RAISES = set()  # (callback, label) pairs whose callback raises CallbackError (the program fills it)


class CallbackError(Exception):
    """Raised by a carrier whose plan says its callback raises."""


class _Step:
    __slots__ = ("actor", "counts", "index", "pause", "paused", "resume")

    def __init__(self, actor, index, pause):
        self.actor = actor
        self.index = index
        self.pause = pause
        self.counts = {}
        self.paused = False
        self.resume = threading.Event()


def _cb(kind, label):
    """Every carrier callback starts here: count it, pause when it is the step's pause
    point, raise when the plan says this callback raises.  A callback that fires inside
    another's handshake (a profile or monitoring hook seeing the Event's own calls) is
    not counted: the handshake's locks are not reentrant."""
    step = getattr(_tls, "step", None)
    if step is None or getattr(_tls, "inside", False):
        return
    key = (kind, label)
    _tls.inside = True
    try:
        if _FREE:
            _GATE.wait(0.00005)
        else:
            count = step.counts.get(key, 0) + 1
            step.counts[key] = count
            if step.pause is not None and not step.paused and step.pause == (kind, label, count):
                step.paused = True
                _reports.put((step.actor, step.index, "paused", None))
                if not step.resume.wait(PAUSE_DEADLINE):
                    _reports.put((step.actor, step.index, "pause expired", None))
    finally:
        _tls.inside = False
    if key in _RAISES:
        raise CallbackError("%s of %s" % key)


# -- canonical, address-free values ------------------------------------------------------


def _canon(value, depth=0):
    if depth > 6:
        return "..."
    label = getattr(type(value), "_carrier", None)
    if label is not None:
        try:
            return object.__getattribute__(value, "label")
        except AttributeError:
            return "<%s>" % label
    if value is None or isinstance(value, (bool, int, float, complex)):
        return repr(value)
    if isinstance(value, (str, bytes)):
        return repr(value) if len(value) < 400 else repr(value[:400]) + "+%d" % (len(value) - 400)
    if isinstance(value, (bytearray, memoryview)):
        try:
            return "%s(%r)" % (type(value).__name__, bytes(value))
        except (ValueError, TypeError, BufferError):
            return "%s(<released>)" % type(value).__name__
    name = type(value).__qualname__
    if isinstance(value, (list, tuple, collections.deque)):
        return "%s[%s]" % (name, ", ".join(_canon(v, depth + 1) for v in list(value)[:64]))
    if isinstance(value, (set, frozenset)) or type(value).__name__ == "WeakSet":
        try:
            items = sorted(_canon(v, depth + 1) for v in list(value))
        except RuntimeError:
            return "%s<changed>" % name
        return "%s{%s}" % (name, ", ".join(items))
    if isinstance(value, dict) or (hasattr(value, "keys") and hasattr(value, "items")):
        try:
            items = list(value.items())
        except (RuntimeError, TypeError, AttributeError):
            return "%s<unreadable>" % name
        return "%s{%s}" % (
            name,
            ", ".join("%s: %s" % (_canon(k, depth + 1), _canon(v, depth + 1)) for k, v in items[:64]),
        )
    if isinstance(value, type):
        return "class %s" % value.__qualname__
    if hasattr(type(value), "_label"):
        return "%s instance %s" % (name, _canon(getattr(value, "__dict__", {}), depth + 1))
    if isinstance(value, BaseException):
        return "%s(%s)" % (name, _message(value))
    if type(value).__name__ == "SimpleNamespace":
        return "namespace(%s)" % _canon(vars(value), depth + 1)
    if hasattr(value, "_tandem_state"):
        return "%s(%s)" % (name, _canon(value._tandem_state(), depth + 1))
    if callable(value) and hasattr(value, "__qualname__"):
        return "callable %s" % value.__qualname__
    return "<%s>" % name


def _message(exc):
    try:
        text = str(exc)
    except BaseException as inner:
        text = "<str failed: %s>" % type(inner).__name__
    return _ADDRESS.sub("0x?", text)[:300]


def _outcome(function):
    try:
        value = function()
    except BaseException as exc:
        return ("raised", type(exc).__qualname__, exc)
    return ("ok", value)


def _shown(outcome):
    if outcome[0] == "raised":
        return "raised %s: %s" % (outcome[1], _message(outcome[2]))
    return "returned " + _canon(outcome[1])


def _delete(obj, name):
    delattr(obj, name)


def _state(kind, obj):
    """What a shared object holds at the end, read without running its callbacks' pauses."""
    if kind == "class":
        return _class_state(obj)
    if kind == "function":
        return _function_state(obj)
    if kind == "module":
        return sorted((k, _canon(v)) for k, v in vars(obj).items() if not k.startswith("__"))
    if kind == "instance":
        return (type(obj).__name__, _canon(vars(obj)))
    if kind in ("iterator", "itertools"):
        return [next(obj, "end") for _ in range(6)]
    if kind in ("StringIO", "BytesIO", "TextIOWrapper"):
        try:
            if kind == "TextIOWrapper":
                return ("closed" if obj.closed else "open", obj.buffer.getvalue())
            return obj.getvalue()
        except ValueError as exc:
            return exc
    if kind == "partial":
        return (obj.func, obj.args, obj.keywords)
    if kind == "lru_cache":
        return tuple(obj.cache_info())
    if kind == "contextvars":
        return obj.get(_VAR, "unset")
    if kind == "hooks":
        return (
            sys.unraisablehook is _SAVED_HOOKS[0] or sys.unraisablehook,
            sys.getprofile(),
            sys.gettrace(),
            len(gc.callbacks),
        )
    if kind == "gc":
        return (gc.isenabled(), len(gc.callbacks))
    if kind == "Element":
        return [(child.tag, len(child)) for child in obj]
    if kind == "Pickler":
        return "pickler"
    if kind == "tracemalloc":
        return obj.is_tracing()
    return obj


# -- forced schedules ----------------------------------------------------------------------


class _Actor(threading.Thread):
    """One thread of the schedule: runs the steps the conductor names, one at a time."""

    def __init__(self, name, steps):
        threading.Thread.__init__(self, name=name)  # not a daemon: a step that never ends is a hang
        self.steps = steps  # [(function, pause or None, operation)]
        self.commands = queue.SimpleQueue()
        self.current = None

    def run(self):
        while True:
            index = self.commands.get()
            if index is None:
                return
            function, pause, _operation = self.steps[index]
            step = self.current = _Step(self.name, index, pause)
            _tls.step = step
            try:
                outcome = _outcome(function)
            finally:
                _tls.step = None
            _reports.put((self.name, index, "done", _shown(outcome)))


def _record(key, value):
    if _forced[0]:
        emit(key, value)  # noqa: F821 - the harness provides it
    else:
        observe(key, value)  # noqa: F821


class _Conductor:
    def __init__(self, actors):
        self.actors = {actor.name: actor for actor in actors}
        self.early = {}  # reports that arrived for a step the conductor is not waiting on
        self.pending = []  # blocked steps: (actor, index)

    def wait(self, actor, index):
        """'paused', 'done' (and its result is recorded) or 'blocked'."""
        while True:
            report = self.early.pop((actor, index), None)
            if report is None:
                try:
                    report = _reports.get(timeout=STEP_DEADLINE)
                except queue.Empty:
                    return "blocked"
                if report[:2] != (actor, index):
                    self.early[report[:2]] = report
                    continue
            if report[2] == "done":
                _record(self.key(actor, index), report[3])
                return "done"
            if report[2] == "paused":
                return "paused"
            # "pause expired": the step goes on by itself; wait for it to finish

    def key(self, actor, index):
        return "%s.%d %s" % (actor, index, self.actors[actor].steps[index][2])

    def slots(self, slots):
        for actor, index, pause, window in slots:
            self.slot(actor, index, pause, window)

    def slot(self, actor, index, pause, window):
        key = self.key(actor, index)
        self.actors[actor].commands.put(index)
        state = self.wait(actor, index)
        if pause is not None:
            _record("pause %s at %s of %s #%d reached" % (key, pause[0], pause[1], pause[2]), state == "paused")
        if state == "blocked":
            self.unforce(key)
            self.pending.append((actor, index))
        self.slots(window)
        if state == "paused":
            self.actors[actor].current.resume.set()
            if self.wait(actor, index) == "blocked":
                self.unforce(key)
                self.pending.append((actor, index))

    def unforce(self, key):
        """A step is stuck behind a paused one: release every pause; from here on the
        schedule is not forced and results are observations."""
        if _forced[0]:
            observe("schedule no longer forced at", key)  # noqa: F821
        _forced[0] = False
        for actor in self.actors.values():
            if actor.current is not None:
                actor.current.resume.set()

    def finish(self):
        for actor, index in self.pending:
            while self.wait(actor, index) == "blocked":
                pass
        for actor in self.actors.values():
            actor.commands.put(None)
        for actor in self.actors.values():
            actor.join()


def _conduct(actors, schedule, objects):
    """Run `schedule` ([(actor, step index, pause, window)]) on `actors`, then record the
    final state of `objects` ([(name, kind, object)])."""
    conductor = _Conductor(actors)
    for actor in actors:
        actor.start()
    try:
        conductor.slots(schedule)
    finally:
        conductor.finish()
    for name, kind, obj in objects:
        _record("final " + name, _canon(_outcome(lambda kind=kind, obj=obj: _state(kind, obj))[-1]))


# -- free mode ---------------------------------------------------------------------------------

# What an operation may raise on shared objects changed by other threads; anything else
# (SystemError first of all) is a bug of the interpreter.
_EXPECTED = (
    LookupError,
    ValueError,
    TypeError,
    RuntimeError,
    AttributeError,
    StopIteration,
    BufferError,
    CallbackError,
    ReferenceError,
    OverflowError,
    ArithmeticError,
    OSError,
    NotImplementedError,
    RecursionError,
    UnicodeError,
    EOFError,
    pickle.PicklingError,
    copy.Error,
)


def _run_free(actors, rounds):
    global _FREE
    _FREE = True
    barrier = threading.Barrier(len(actors))

    def loop(actor):
        barrier.wait()
        step = _Step(actor.name, -1, None)
        _tls.step = step
        try:
            for _ in range(rounds):
                for index, (function, _pause, operation) in enumerate(actor.steps):
                    outcome = _outcome(function)
                    if outcome[0] == "raised":
                        exc = outcome[2]
                        check(  # noqa: F821 -- the harness's check(): this text runs inside a program
                            isinstance(exc, _EXPECTED) and not isinstance(exc, SystemError),
                            "%s raises only what the operation can" % operation,
                            "%s.%d: %s: %s" % (actor.name, index, outcome[1], _message(exc)),
                        )
        finally:
            _tls.step = None

    workers = [threading.Thread(target=loop, args=(actor,), name=actor.name) for actor in actors]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    emit("free mode finished", len(workers))  # noqa: F821


# == section: K ==
def _label_of(other):
    return other.label if getattr(type(other), "_carrier", None) == "K" else str(type(other).__name__)


class K:
    """An element or value: hashes to its number, equals carriers of its label."""

    _carrier = "K"
    __slots__ = ("__weakref__", "h", "label")

    def __init__(self, label, h=0):
        self.label = label
        self.h = h

    def __hash__(self):
        _cb("__hash__", self.label)
        return self.h

    def __eq__(self, other):
        _cb("__eq__", self.label)
        return getattr(type(other), "_carrier", None) == "K" and other.label == self.label

    def __lt__(self, other):
        _cb("__lt__", self.label)
        return self.label < _label_of(other)

    def __repr__(self):
        _cb("__repr__", self.label)
        return self.label

    def __str__(self):
        _cb("__str__", self.label)
        return self.label

    def __format__(self, spec):
        _cb("__format__", self.label)
        return self.label

    def __reduce__(self):
        _cb("__reduce__", self.label)
        return (K, (self.label, self.h))


# == section: KD ==
class KD(K):
    """An element in a reference cycle whose __del__ calls back: it dies in a collection,
    in the thread that collects (the program runs with the collector disabled)."""

    __slots__ = ("cycle",)

    def __init__(self, label, h=0):
        K.__init__(self, label, h)
        self.cycle = self

    def __del__(self):
        _cb("__del__", self.label)


# == section: N ==
class N:
    """An index or count: __index__ calls back."""

    _carrier = "N"
    __slots__ = ("label", "n")

    def __init__(self, label, n):
        self.label = label
        self.n = n

    def __index__(self):
        _cb("__index__", self.label)
        return self.n


# == section: It ==
class It:
    """An iterable: __iter__, __len__ and every __next__ call back.  Its items may be a
    shared list, read live."""

    _carrier = "It"

    def __init__(self, label, items):
        self.label = label
        self.items = items

    def __iter__(self):
        _cb("__iter__", self.label)
        return _ItIter(self.label, self.items)

    def __len__(self):
        _cb("__len__", self.label)
        return len(self.items)


class _ItIter:
    _carrier = "It"

    def __init__(self, label, items):
        self.label = label
        self.items = items
        self.i = 0

    def __iter__(self):
        return self

    def __next__(self):
        _cb("__next__", self.label)
        if self.i >= len(self.items):
            raise StopIteration
        self.i += 1
        return self.items[self.i - 1]


# == section: Seq ==
class Seq:
    """An old-style sequence: iterated through __getitem__, which calls back."""

    _carrier = "Seq"

    def __init__(self, label, items):
        self.label = label
        self.items = items

    def __getitem__(self, index):
        _cb("__getitem__", self.label)
        return self.items[index]


# == section: M ==
class M:
    """A mapping argument: keys(), __getitem__, __len__ and __iter__ call back; it reads a
    dict, which may be shared."""

    _carrier = "M"

    def __init__(self, label, source):
        self.label = label
        self.source = source

    def keys(self):
        _cb("keys", self.label)
        return list(self.source.keys())

    def __getitem__(self, key):
        _cb("__getitem__", self.label)
        return self.source[key]

    def __len__(self):
        _cb("__len__", self.label)
        return len(self.source)

    def __iter__(self):
        _cb("__iter__", self.label)
        return iter(list(self.source))


# == section: F ==
class F:
    """A callable (factory, key function, predicate, hook, weakref or gc callback):
    __call__ calls back, then returns what its plan says."""

    _carrier = "F"

    def __init__(self, label, result=None):
        self.label = label
        self.result = result

    def __call__(self, *args, **kwargs):
        _cb("__call__", self.label)
        if self.result == "first":
            return args[0] if args else None
        if self.result == "list":
            return []
        if self.result == "key":
            return K(self.label + "r", 7)
        return self.result


# == section: Desc ==
class Desc:
    """A data descriptor: __set_name__, __get__, __set__ and __delete__ call back."""

    _carrier = "Desc"

    def __init__(self, label):
        self.label = label
        self.slot = "_" + label

    def __set_name__(self, owner, name):
        _cb("__set_name__", self.label)

    def __get__(self, obj, owner=None):
        _cb("__get__", self.label)
        if obj is None:
            return self
        return obj.__dict__.get(self.slot, "unset")

    def __set__(self, obj, value):
        _cb("__set__", self.label)
        obj.__dict__[self.slot] = value

    def __delete__(self, obj):
        _cb("__delete__", self.label)
        obj.__dict__.pop(self.slot, None)


# == section: DM ==
class DM(dict):
    """A dict whose __missing__ calls back, then stores and returns a new element."""

    def __missing__(self, key):
        _cb("__missing__", "dm")
        value = K("miss", 5)
        self[key] = value
        return value


# == section: classes ==
class Meta(type):
    """A metaclass whose __call__, mro(), __instancecheck__ and __subclasscheck__ call back
    (labelled by the class's own `_label`, which survives renaming)."""

    def __call__(cls, *args, **kwargs):
        _cb("metaclass __call__", cls.__dict__.get("_label", "?"))
        return type.__call__(cls, *args, **kwargs)

    def mro(cls):
        _cb("mro", cls.__dict__.get("_label", "?"))
        return type.mro(cls)

    def __instancecheck__(cls, obj):
        _cb("__instancecheck__", cls.__dict__.get("_label", "?"))
        return type.__instancecheck__(cls, obj)

    def __subclasscheck__(cls, sub):
        _cb("__subclasscheck__", cls.__dict__.get("_label", "?"))
        return type.__subclasscheck__(cls, sub)


class B0:
    _label = "B0"

    def __init__(self, i, tag="B0"):
        _cb("__init__", "B0")
        self.made = (tag, i)

    def __init_subclass__(cls, **kwargs):
        _cb("__init_subclass__", "B0")
        super().__init_subclass__(**kwargs)


class B1:
    _label = "B1"

    def __init__(self, i, tag="B1"):
        _cb("__init__", "B1")
        self.made = (tag, i)


class C0(B0, metaclass=Meta):
    _label = "C0"
    desc = Desc("cd")

    def __new__(cls, *args, **kwargs):
        _cb("__new__", "C0")
        return object.__new__(cls)

    def __init__(self, i, tag="C0"):
        _cb("__init__", "C0")
        self.made = (tag, i)

    def __repr__(self):
        _cb("__repr__", "C0")
        return "C0(%s)" % (self.__dict__.get("made"),)


def _init_v1(self, i, tag="v1"):
    _cb("__init__", "C0")
    self.made = (tag, i)


def _init_v2(self, i, tag="v2"):
    self.made = (tag, i, "v2")


def _new_v1(cls, *args, **kwargs):
    _cb("__new__", "C0")
    obj = object.__new__(cls)
    obj.newed = "v1"
    return obj


def _made(obj):
    return obj.__dict__.get("made", "unmade") if hasattr(obj, "__dict__") else "no dict"


def _construct(cls, count):
    """Constructions from one warm call site, each described by the __init__ that ran."""
    return [_made(cls(i)) for i in range(count)]


def _class_state(cls):
    return (
        cls.__name__,
        cls.__qualname__,
        tuple(b.__name__ for b in cls.__bases__),
        sorted(k for k in vars(cls) if not k.startswith("__")),
        getattr(cls.__dict__.get("__init__"), "__name__", None),
    )


# == section: function ==
def f0(a, b="b0", *, c="c0"):
    _cb("__call__", "f0")
    return (a, b, c)


def _f_alt(a, b="alt", *, c="alt"):
    return ("alt", a, b, c)


def _function_state(function):
    return (
        function.__name__,
        function.__qualname__,
        function.__defaults__,
        function.__kwdefaults__,
        function.__code__.co_name,
    )


# == section: module ==
def _new_module():
    module = types.ModuleType("m0")
    module.x = K("mx", 1)
    module.__getattr__ = _module_getattr
    return module


def _module_getattr(name):
    _cb("__getattr__", "m0")
    if name == "dyn":
        return K("mdyn", 4)
    raise AttributeError(name)


# == section: hooks ==
_SAVED_HOOKS = (sys.unraisablehook, sys.excepthook, threading.excepthook)


def _restore_hooks():
    """Put back what the harness installed, and switch off what steps switched on."""
    sys.unraisablehook, sys.excepthook, threading.excepthook = _SAVED_HOOKS
    sys.setprofile(None)
    sys.settrace(None)
    for name in ("setprofile_all_threads", "settrace_all_threads"):
        if hasattr(threading, name):
            getattr(threading, name)(None)
    threading.setprofile(None)
    threading.settrace(None)
    gc.callbacks[:] = []
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None and monitoring.get_tool(3) is not None:
        monitoring.set_events(3, 0)
        monitoring.free_tool_id(3)


def _raise_unraisable(label):
    """An exception no one can catch: a collected cycle whose __del__ raises."""
    _RAISES.add(("__del__", label))
    victim = KD(label, 3)
    del victim
    gc.collect()  # not its count: what else is garbage differs between builds


def _use_monitoring(callback):
    monitoring = sys.monitoring
    if monitoring.get_tool(3) is None:
        monitoring.use_tool_id(3, "tandem")
    monitoring.register_callback(3, monitoring.events.PY_START, callback)
    monitoring.set_events(3, monitoring.events.PY_START)


# == section: keep ==
_KEEP = [K("e%d" % i, i % 3) for i in range(6)]  # what weak containers hold, kept alive


# == section: gc ==
def _collect():
    gc.collect()


def _drop_and_collect(label):
    """A cycle whose __del__ calls back, dropped and collected in this thread."""
    victim = KD(label, 1)
    del victim
    gc.collect()


class _Cyclic:
    def __init__(self):
        self.me = self


def _weakref_with_callback(label):
    victim = _Cyclic()
    ref = weakref.ref(victim, F(label))
    del victim
    gc.collect()
    return ref() is None


def _finalize_with_callback(label):
    victim = _Cyclic()
    finalizer = weakref.finalize(victim, F(label), "finalized")
    del victim
    gc.collect()
    return finalizer.alive


# == section: functools ==
class _Cached:
    @functools.cached_property
    def value(self):
        return F("cp", "first")(self.seed)


def _cached_property_once(seed):
    holder = _Cached()
    holder.seed = seed
    return (holder.value, holder.value)


# == section: etree ==
class EK(xml.etree.ElementTree.Element):
    """An element of an ElementTree whose __eq__ and __repr__ call back."""

    _carrier = "K"

    def __init__(self, label, h=0):
        xml.etree.ElementTree.Element.__init__(self, label)
        self.label = label

    def __eq__(self, other):
        _cb("__eq__", self.label)
        return getattr(other, "label", None) == self.label

    __hash__ = object.__hash__

    def __repr__(self):
        _cb("__repr__", self.label)
        return self.label


def _element_tree():
    root = xml.etree.ElementTree.Element("root")
    root.extend(EK("e%d" % i) for i in range(4))
    return root


# == section: contextvars ==
_VAR = contextvars.ContextVar("var", default="unset")
