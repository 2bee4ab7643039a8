# Exercises the error paths after CALL_ALLOC_AND_ENTER_INIT entered __init__: an
# __init__ that returns a non-None value (the shim frame must raise "__init__() should
# return None, not 'int'") and one that raises, each installed under a warm call site.
# First in one thread with exact messages emitted, then with a thread rotating the
# three __init__ versions while three threads construct: each construction yields a
# fully initialized object or exactly one of the two expected exceptions.
import threading

ROUNDS = 2500


def good_init(self, value):
    self.value = value


def returning_init(self, value):
    self.value = value
    return value


def raising_init(self, value):
    raise ValueError("bad value %d" % (value % 3))


class C:
    __init__ = good_init


class D(C):
    pass


def make(cls, value):
    return cls(value)


def outcome(cls, value):
    try:
        return ("ok", make(cls, value).value)
    except TypeError as exc:
        return ("TypeError", str(exc))
    except ValueError as exc:
        return ("ValueError", str(exc))


seen = []
for init in (returning_init, raising_init, good_init, returning_init):
    C.__init__ = good_init
    for i in range(60):
        make(C, i)
        make(D, i)
    C.__init__ = init
    seen.append([outcome(C, 4), outcome(D, 5)])
C.__init__ = good_init
emit("sequential outcomes", seen)

stop = threading.Event()
ALLOWED = {("TypeError", "__init__() should return None, not 'int'")} | {
    ("ValueError", "bad value %d" % k) for k in range(3)}


def rotator():
    versions = (good_init, returning_init, good_init, raising_init)
    k = 0
    while not stop.is_set() and k < 100000:
        C.__init__ = versions[k % 4]
        k += 1
    C.__init__ = good_init
    return k > 0


def constructor(cls):
    def run():
        kinds = set()
        for i in range(ROUNDS):
            result = outcome(cls, i)
            if result[0] == "ok":
                check(result[1] == i, "constructed object initialized", result)
            else:
                check(result in ALLOWED, "only the expected exceptions", result)
            kinds.add(result[0])
        observe("outcome kinds", tuple(sorted(kinds)))
        return ROUNDS
    return run


def constructors():
    try:
        return threads(constructor(C), constructor(D), constructor(C))
    finally:
        stop.set()


results = threads(rotator, constructors)
emit("constructions", results[1])
emit("after", [outcome(C, 1), outcome(D, 2)])
