# Exercises weakref callbacks (one raises, producing an unraisable event), WeakValueDictionary,
# WeakKeyDictionary, WeakSet and weakref.finalize, with referents released by `del` of
# non-cyclic objects so every callback runs at a fixed point in the program.
import weakref

calls = []


class Target:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Target(%s)" % self.name


def make_callback(label, fail=False):
    def callback(ref):
        calls.append(label)
        if fail:
            raise RuntimeError("callback %s failed" % label)
    return callback


a = Target("a")
b = Target("b")
ra = weakref.ref(a, make_callback("a-ok"))
rb = weakref.ref(b, make_callback("b-bad", fail=True))
emit("alive", (ra() is a, repr(rb())))
del a
del b
emit("calls", list(calls))
emit("dead", (ra() is None, rb() is None))

values = weakref.WeakValueDictionary()
keys = weakref.WeakKeyDictionary()
wset = weakref.WeakSet()
objs = [Target(str(i)) for i in range(10)]
for i, o in enumerate(objs):
    values[i] = o
    keys[o] = i * i
    wset.add(o)
del objs[::2]
emit("weak_values", sorted(values.keys()))
emit("weak_keys", sorted(keys.values()))
emit("weak_set", len(wset))

order = []
c = Target("c")
fin = weakref.finalize(c, order.append, "finalized c")
emit("fin_alive", fin.alive)
del c
emit("finalize", (order, fin.alive))

d = Target("d")
p = weakref.proxy(d, make_callback("proxy-bad", fail=True))
emit("proxy", p.name)
del d
try:
    p.name
except ReferenceError:
    emit("proxy_dead", "ReferenceError")
emit("calls_final", calls)


class Method:
    def run(self):
        return 42


m = Method()
wm = weakref.WeakMethod(m.run)
emit("weak_method", wm()())
del m
emit("weak_method_dead", wm() is None)
