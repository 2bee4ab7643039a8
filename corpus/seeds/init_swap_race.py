# Seed: worker threads construct instances while another thread swaps C.__init__
# between a module-level function and a closure (the CALL_ALLOC_AND_ENTER_INIT cache
# and the lifetime of a non-deferred __init__).  Every object must be initialized by
# exactly one version, fully; totals are schedule-independent.
import threading

ROUNDS = 3000


def init_a(self, value):
    self.version = "a"
    self.value = value
    self.done = True


def make_init_b():
    tag = "b"

    def init_b(self, value):
        self.version = tag
        self.value = value
        self.done = True

    return init_b


class C:
    __init__ = init_a


stop = threading.Event()


def constructor():
    made = 0
    for i in range(ROUNDS):
        obj = C(i)
        check(obj.version in ("a", "b") and obj.value == i and obj.done, "fully initialized once",
              detail=vars(obj))
        made += 1
    return made


def swapper():
    init_b = make_init_b()
    swaps = 0
    while not stop.is_set() and swaps < 20000:
        C.__init__ = init_b if swaps % 2 == 0 else init_a
        swaps += 1
    return swaps


def run_constructors():
    try:
        return threads(constructor, constructor, constructor)
    finally:
        stop.set()


made, swaps = threads(run_constructors, swapper)
emit("constructed", sum(made))
C.__init__ = init_a
emit("final", C(7).version)
