# Exercises unraisable exceptions from gc callbacks and from __del__ and weakref
# callbacks of objects in reference cycles, collected by explicit gc.collect() calls made
# from worker threads one after another (automatic collection is disabled so the number
# of collections, and so of callback calls, is fixed).  The gc callback raises on "stop"
# only for collections made while a flag is set.  The unraisable events (exact default
# hook text, as a multiset) and the emitted tallies are schedule-independent.
import gc
import threading
import weakref

gc.disable()
lock = threading.Lock()
armed = [False]
calls = []


def gc_callback(phase, info):
    if armed[0] and phase == "stop":
        calls.append(info["generation"])
        raise ValueError("gc callback after generation %d" % info["generation"])


class Cyclic:
    def __init__(self, tag):
        self.tag = tag
        self.me = self

    def __del__(self):
        raise LookupError("__del__ of %s" % self.tag)


class Target:
    def __init__(self):
        self.me = self


refs = []


def on_dead(ref):
    raise ArithmeticError("weakref callback")


def worker(k):
    def run():
        with lock:               # one collection at a time: each finds only this batch
            for i in range(2):
                Cyclic("t%d-%d" % (k, i))
            target = Target()
            refs.append(weakref.ref(target, on_dead))
            del target
            armed[0] = True
            found = gc.collect()
            armed[0] = False
        return found >= 3
    return run


gc.collect()
gc.callbacks.append(gc_callback)
try:
    results = threads(*[worker(k) for k in range(3)])
finally:
    gc.callbacks.remove(gc_callback)
    gc.enable()
emit("results", results)
emit("gc callback calls", sorted(calls))
emit("dead refs", sum(r() is None for r in refs))
