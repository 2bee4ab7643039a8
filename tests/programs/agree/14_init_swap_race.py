# Exercises threads constructing instances in loops while another thread reassigns
# C.__init__ (and a subclass calling super().__init__) between two versions.  Each object
# records the version that initialized it; only schedule-independent totals are emitted.
import threading

MAKERS = 3
PER_MAKER = 3000
SWAPS = 4000


class C:
    def __init__(self, i):
        raise AssertionError("replaced before any construction")


def init_v1(self, i):
    self.version = 1
    self.a = i
    self.b = i * 2
    self.tag = "v1"


def init_v2(self, i):
    self.tag = "v2"
    self.b = i * 2
    self.a = i
    self.version = 2


class D(C):
    def __init__(self, i):
        super().__init__(i)
        self.sub = self.version * 10


C.__init__ = init_v1
done = threading.Event()


def swapper():
    count = 0
    while count < SWAPS or not done.is_set():
        C.__init__ = init_v2 if count % 2 == 0 else init_v1
        count += 1
        if count > SWAPS * 50:
            break
    return count >= SWAPS


def maker(seed):
    def run():
        made = []
        for i in range(PER_MAKER):
            cls = D if (i + seed) % 3 == 0 else C
            made.append(cls(i))
        versions = [0, 0, 0]
        for i, obj in enumerate(made):
            state = vars(obj)
            good = (obj.version in (1, 2) and obj.tag == "v%d" % obj.version
                    and obj.a == i and obj.b == i * 2)
            if type(obj) is D:
                good = good and obj.sub == obj.version * 10 and len(state) == 5
            else:
                good = good and len(state) == 4
            check(good, "object initialized by exactly one version", (type(obj).__name__, state))
            versions[obj.version if obj.version in (1, 2) else 0] += 1
        observe("maker saw both versions", versions[1] > 0 and versions[2] > 0, (True, False))
        return len(made), versions[0]
    return run


def makers_then_stop():
    results = threads(*[maker(s) for s in range(MAKERS)])
    done.set()
    return results


results = threads(swapper, makers_then_stop)
made = results[1]
emit("swapper finished", results[0])
emit("objects created", sum(n for n, _ in made))
emit("objects with bad version", sum(bad for _, bad in made))
emit("final init is a known version", C.__init__ in (init_v1, init_v2))
