# Known bug (3.13t), found while building this corpus: __name__/__qualname__ assignment
# on a class and __qualname__ on a function racing with readers.  One thread assigns
# freshly built names while two threads read Thing.__name__, Thing.__qualname__,
# func.__qualname__, repr(instance) and a TypeError message naming the type; every read
# must be one of the assigned names.  3.13 free-threaded builds replace the old string
# with Py_SETREF while readers take a new reference to it without synchronization
# (type_qualname / type_set_qualname / type_set_name in Objects/typeobject.c,
# func_get_qualname / func_set_qualname in Objects/funcobject.c; tp_name points into
# the freed __name__ string), a use-after-free: SIGSEGV on debug builds nearly every
# run, and sometimes on release builds.  Never under the GIL.
NAMES = ["Alpha", "Beta", "Gamma"]
ROUNDS = 3000


class Thing:
    pass


def func():
    pass


def renamer():
    for i in range(6000):
        name = NAMES[i % 3] * (1 + i % 4)      # a new string object every time
        Thing.__name__ = name
        Thing.__qualname__ = "Outer." + name
        func.__qualname__ = "f_" + name
    Thing.__name__ = Thing.__qualname__ = "Thing"
    func.__qualname__ = "func"
    return True


def known(name):
    return name == "Thing" or any(name == n * k for n in NAMES for k in range(1, 5))


def reader():
    obj = Thing()
    for i in range(ROUNDS):
        n = Thing.__name__
        check(known(n), "__name__ is an assigned name", n)
        q = Thing.__qualname__
        check(q == "Thing" or (q.startswith("Outer.") and known(q[6:])), "__qualname__ is an assigned name", q)
        f = func.__qualname__
        check(f == "func" or (f.startswith("f_") and known(f[2:])), "function __qualname__ assigned", f)
        r = repr(obj).split(" object at")[0]
        check(r == "<__main__.Thing" or r.startswith("<__main__.Outer."), "repr(instance) names the type", r)
        try:
            obj + 1
        except TypeError as exc:
            name = str(exc).split("'")[1]
            check(known(name), "TypeError names the type", str(exc))
    return ROUNDS


results = threads(renamer, reader, reader)
emit("results", results)
emit("final", (Thing.__name__, Thing.__qualname__, func.__qualname__, repr(Thing)))
