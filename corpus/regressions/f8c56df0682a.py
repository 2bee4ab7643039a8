# Known bug (3.13t debug), found while building this corpus: C.__init__.__defaults__
# flipped between (7,) and None by one thread while three threads construct C() and D().
# Each construction must either use the default or raise the ordinary "missing 1
# required positional argument" TypeError.  On 3.13 free-threaded debug builds
# initialize_locals (Python/ceval.c) reads func->func_defaults twice: it computes
# defcount from a non-NULL tuple, then re-reads the field after the other thread set it
# to NULL and dereferences it (SIGSEGV at ceval.c:1618).  Release builds load the field
# once and did not crash here.  A one-thread part first checks the same failure path
# under a warm call site (CALL_ALLOC_AND_ENTER_INIT / _CREATE_INIT_FRAME).
import gc

ROUNDS = 4000
MESSAGE = "C.__init__() missing 1 required positional argument: 'value'"


class C:
    made = 0

    def __init__(self, value=7):
        self.value = value


class D(C):
    pass


def construct(cls):
    return cls()


outcomes = []
for phase in range(4):
    C.__init__.__defaults__ = (7,)
    for i in range(50):          # warm the call site (specializes where the specializer runs)
        construct(C)
        construct(D)
    C.__init__.__defaults__ = None if phase % 2 == 0 else (7,)
    for cls in (C, D):
        try:
            outcomes.append((cls.__name__, construct(cls).value))
        except TypeError as exc:
            outcomes.append((cls.__name__, str(exc)))
C.__init__.__defaults__ = (7,)
emit("sequential outcomes", outcomes)
gc.collect()

flipping = [True]


def flipper():
    flips = 0
    while flipping[0] and flips < 50000:
        C.__init__.__defaults__ = None if flips % 2 == 0 else (7,)
        flips += 1
    C.__init__.__defaults__ = (7,)
    return flips > 0


def constructor(cls):
    def run():
        made = failed = 0
        for i in range(ROUNDS):
            try:
                obj = construct(cls)
            except TypeError as exc:
                check(str(exc) == MESSAGE, "only the missing-argument TypeError", str(exc))
                failed += 1
            else:
                check(obj.value == 7 and type(obj) is cls, "constructed with the default", vars(obj))
                made += 1
        return made + failed
    return run


def constructors():
    try:
        return threads(constructor(C), constructor(D), constructor(C))
    finally:
        flipping[0] = False


results = threads(flipper, constructors)
emit("constructions", results[1])
emit("after the race", (construct(C).value, construct(D).value, C(1).value))
