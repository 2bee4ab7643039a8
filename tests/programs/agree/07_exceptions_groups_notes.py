# Exercises exception handling: chaining (__cause__/__context__/__suppress_context__),
# finally ordering, re-raise, ExceptionGroup with except*, add_note, custom exception
# attributes and format_exception_only.  Single-threaded, everything caught and emitted.
import traceback

order = []


class AppError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def level3():
    try:
        {}["missing"]
    except KeyError as exc:
        raise AppError(3, "level3 failed") from exc


def level2():
    try:
        level3()
    finally:
        order.append("level2 finally")


def level1():
    try:
        level2()
    except AppError as exc:
        order.append("level1 caught %d" % exc.code)
        raise RuntimeError("wrapped")


try:
    level1()
except RuntimeError as exc:
    ctx = exc.__context__
    emit("chain", (type(exc).__name__, type(ctx).__name__, type(ctx.__cause__).__name__,
                   ctx.__suppress_context__, str(ctx.__cause__)))
emit("order", order)

try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise ValueError("no context") from None
except ValueError as exc:
    emit("from_none", (exc.__cause__, exc.__suppress_context__, type(exc.__context__).__name__))


def finally_return():
    try:
        return "try"
    finally:
        order.append("finally ran")


emit("finally_return", finally_return())

eg = ExceptionGroup("batch", [ValueError("v1"), TypeError("t1"), ExceptionGroup("inner", [ValueError("v2"), KeyError("k")])])
caught = []
try:
    raise eg
except* ValueError as group:
    caught.append(("value", sorted(str(e) for e in group.exceptions if not isinstance(e, ExceptionGroup))))
    caught.append(("value_leaves", len(group.exceptions)))
except* TypeError as group:
    caught.append(("type", [str(e) for e in group.exceptions]))
except* KeyError as group:
    caught.append(("key", len(group.exceptions)))
emit("except_star", caught)

matched, rest = eg.split(ValueError)
emit("split", (len(matched.exceptions), len(rest.exceptions), rest.message))
emit("subgroup", eg.subgroup(lambda e: isinstance(e, KeyError)).exceptions[0].message)

try:
    err = ValueError("with notes")
    err.add_note("first note")
    err.add_note("second note")
    raise err
except ValueError as exc:
    emit("notes", exc.__notes__)
    emit("format_only", traceback.format_exception_only(type(exc), exc))

results = []
for value in ["10", "x", None, "3.5", "0"]:
    try:
        n = int(value)
        results.append(100 // n)
    except (ValueError, TypeError) as exc:
        results.append(type(exc).__name__)
    except ZeroDivisionError:
        results.append("zero")
    else:
        results.append("ok")
emit("loop", results)


class Resource:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        order.append("enter " + self.name)
        return self

    def __exit__(self, exc_type, exc, tb):
        order.append("exit %s %s" % (self.name, exc_type.__name__ if exc_type else None))
        return exc_type is KeyError


with Resource("outer"):
    with Resource("inner"):
        raise KeyError("suppressed")
emit("context_managers", order[-4:])
try:
    raise SystemExit(0) if False else StopIteration("done")
except Exception as exc:
    emit("stop_iteration", (type(exc).__name__, exc.args))
