# Exercises CALL_ALLOC_AND_ENTER_INIT caching an __init__ whose lifetime is not
# guaranteed: one thread keeps installing freshly made closures and lambdas as
# C.__init__ (the previous one is dropped at once, it is not deferred-refcounted) while
# three threads construct C and a subclass through warm call sites.  Every object must
# be initialized fully by exactly one generation of __init__ (its number is recorded in
# the object); the state made by the final __init__ is emitted.
import threading

ROUNDS = 3000


def make_closure(generation):
    def __init__(self, value):
        self.generation = generation
        self.value = value
        self.double = value * 2
    return __init__


def make_lambda(generation):
    return lambda self, value: self.__dict__.update(generation=generation, value=value, double=value * 2)


class C:
    __init__ = make_closure(0)


class D(C):
    pass


stop = threading.Event()


def swapper():
    generation = 0
    while not stop.is_set() and generation < 20000:
        generation += 1
        C.__init__ = make_closure(generation) if generation % 2 else make_lambda(generation)
    C.__init__ = make_closure(-1)
    return generation > 0


def constructor(cls):
    def run():
        ok = 0
        for i in range(ROUNDS):
            obj = cls(i)
            state = vars(obj)
            good = (len(state) == 3 and obj.value == i and obj.double == 2 * i
                    and isinstance(obj.generation, int) and obj.generation >= -1)
            check(good, "object initialized fully by one generation", state)
            ok += good
        return ok
    return run


def constructors():
    try:
        return threads(constructor(C), constructor(D), constructor(C))
    finally:
        stop.set()


results = threads(swapper, constructors)
emit("objects initialized", results[1])
emit("final", (C(5).generation, D(6).generation, vars(C(2))))
