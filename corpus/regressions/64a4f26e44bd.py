# Exercises the failure path of _CREATE_INIT_FRAME (CALL_ALLOC_AND_ENTER_INIT): a warm
# call site C() whose __init__ has a default argument, then __init__.__defaults__ is
# removed so the call must fail with the ordinary TypeError (the frame pushed for the
# failed __init__ must be unwound, the half-made object released), and restored so the
# same site works again; exact messages are emitted.  Then a thread swaps __defaults__
# between two tuples of the same size while three threads construct through the warm
# site: every object gets one of the two defaults.  (Swapping to None while threads call
# crashes 3.13t debug builds: see the separate known-bug case.)
import gc

ROUNDS = 2000
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
SEVEN, EIGHT = (7,), (8,)


def flipper():
    flips = 0
    while flipping[0] and flips < 50000:
        C.__init__.__defaults__ = EIGHT if flips % 2 == 0 else SEVEN
        flips += 1
    C.__init__.__defaults__ = SEVEN
    return flips > 0


def constructor(cls):
    def run():
        made = 0
        for i in range(ROUNDS):
            obj = construct(cls)
            check(obj.value in (7, 8) and type(obj) is cls, "constructed with one of the defaults", vars(obj))
            made += 1
        return made
    return run


def constructors():
    try:
        return threads(constructor(C), constructor(D), constructor(C))
    finally:
        flipping[0] = False


results = threads(flipper, constructors)
emit("constructions", results[1])
emit("after the race", (construct(C).value, construct(D).value, C(1).value))
