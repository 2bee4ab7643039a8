# Exercises weakref callbacks and a shared WeakValueDictionary from several threads: each
# thread creates objects (disjoint keys), registers them and drops them with `del`, which
# runs the callbacks.  Totals of callbacks and the emptied dictionary are schedule-independent.
import gc
import weakref

THREADS = 4
OBJECTS = 1500
fired = []
registry = weakref.WeakValueDictionary()


class Thing:
    def __init__(self, key):
        self.key = key


def callback(ref):
    fired.append(1)


def worker(t):
    def run():
        alive_checks = 0
        for i in range(OBJECTS):
            thing = Thing((t, i))
            ref = weakref.ref(thing, callback)
            registry[(t, i)] = thing
            if ref() is thing and registry.get((t, i)) is thing:
                alive_checks += 1
            del thing
            check(ref() is None, "referent gone after del", (t, i))
        return alive_checks
    return run


results = threads(*[worker(t) for t in range(THREADS)])
gc.collect()
emit("alive checks", results)
emit("callbacks fired", len(fired))
emit("registry empty", (len(registry), list(registry.keys())))
