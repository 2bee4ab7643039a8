# Results, observations, unraisable events and thread exceptions that match: agree.
import weakref


class Noisy:
    def __del__(self):
        raise RuntimeError("noisy __del__")


n = Noisy()
del n


class Target:
    pass


t = Target()
ref = weakref.ref(t, lambda r: 1 / 0)
del t


def worker():
    return sum(range(1000))


def failing():
    raise KeyError("same everywhere")


results = threads(worker, worker, failing)
emit("results", results)
observe("anything", 3, allowed={1, 2, 3})
check(results[0] == 499500, "sum")
print("stdout is compared too")
