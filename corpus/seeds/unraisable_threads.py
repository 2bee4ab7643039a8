# Seed: __del__ and weakref callbacks that raise, from worker threads and the main
# thread; the unraisable events (fields and formatted text) are compared as a multiset.
import weakref


class Noisy:
    def __init__(self, tag):
        self.tag = tag

    def __del__(self):
        raise ValueError(f"__del__ of {self.tag}")


class Plain:
    pass


def worker(tag):
    def work():
        obj = Noisy(tag)
        del obj
        target = Plain()
        ref = weakref.ref(target, lambda r: 1 / 0)
        del target
        return tag
    return work


emit("tags", threads(worker("t0"), worker("t1"), worker("t2")))
main_obj = Noisy("main")
del main_obj
