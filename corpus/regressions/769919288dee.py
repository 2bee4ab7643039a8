# Known bug (3.13t), found while reducing the function-setter races of a 30-minute ft-tsan
# campaign (init_race family: race func_set_defaults@funcobject.c ~ initialize_locals@ceval.c).
# The use-after-free behind that race:
# f.__defaults__ replaced while other threads call f with the default used: func_set_defaults
# (Objects/funcobject.c) frees the old tuple at once (Py_XSETREF) while initialize_locals
# (Python/ceval.c) copies items out of it: a use-after-free, SIGSEGV on free-threaded builds.
def f(a, b=0):
    return a + b

def replace():
    for i in range(20000):
        f.__defaults__ = (i,)

def call():
    for i in range(20000):
        f(i)

threads(replace, call, call)
emit("defaults", type(f.__defaults__).__name__)
