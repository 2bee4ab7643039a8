# Exercises __del__ and weakref callbacks from several threads dropping the last
# reference of objects shared between them: each object is referenced from a shared
# list, the threads clear their own slices at once, and whichever thread drops the last
# reference runs __del__ (which raises for odd ids, resurrects even ids into a graveyard
# once) and the weakref callback (which raises for ids divisible by 3).  Who runs it
# depends on the schedule, but the events (exact text, multiset) and the graveyard are
# the same on every run.
import threading
import weakref

COUNT = 60
graveyard = []
# Reentrant: on the free-threaded build a thread deallocates the objects it owns whose
# reference count other threads merged at its next eval-breaker check, which can be
# inside this very `with lock:` block; a second __del__ then takes the lock again on the
# same thread (with a plain Lock the program deadlocks itself, a bug of the program).
lock = threading.RLock()


class Item:
    def __init__(self, ident):
        self.ident = ident
        self.resurrected = False

    def __del__(self):
        if self.ident % 2:
            raise RuntimeError("__del__ of item %d" % self.ident)
        if not self.resurrected:
            self.resurrected = True
            with lock:
                graveyard.append(self)


class Anchor:
    def __init__(self, ident):
        self.ident = ident


def callback_for(ident):
    def callback(ref):
        if ident % 3 == 0:
            raise KeyError("weakref %d" % ident)
    return callback


items = [Item(i) for i in range(COUNT)]
anchors = [Anchor(i) for i in range(COUNT)]
refs = [weakref.ref(a, callback_for(a.ident)) for a in anchors]
holders = [list(items), list(items), list(items)]
anchor_holders = [list(anchors), list(anchors), list(anchors)]
del items, anchors


def dropper(k):
    def run():
        holders[k].clear()
        anchor_holders[k].clear()
        return k
    return run


emit("droppers", threads(*[dropper(k) for k in range(3)]))
emit("graveyard", sorted(item.ident for item in graveyard))
emit("dead refs", sum(r() is None for r in refs))
graveyard.clear()
