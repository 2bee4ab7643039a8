# Known bug (3.13t), found by a 30-minute ft-tsan campaign (init_race and type_mutation
# families: 6 race buckets), reduced by hand after tandem minimize (205 -> 105 lines).
# A function's __code__, __name__ and __qualname__ assigned from two threads while a third
# calls it: the setters of Objects/funcobject.c (func_set_code, _PyFunction_SetVersion,
# func_set_name, func_set_qualname) store without synchronization, and the interpreter
# reads func_code as it calls.  (__defaults__ is the use-after-free of 769919288dee, kept apart.)
def f(a=1):
    return a + 1

def g(a=1):
    return a - 1

codes = (f.__code__, g.__code__)

def setter(k):
    def run():
        for i in range(300):
            f.__code__ = codes[(i + k) % 2]
            f.__name__ = "f%d" % (i % 3)
            f.__qualname__ = "q%d" % (i % 3)
    return run

def call():
    for _ in range(2000):
        f()

threads(setter(0), setter(1), call)
emit("names", (f.__name__ in ("f0", "f1", "f2"), f.__qualname__ in ("q0", "q1", "q2")))
