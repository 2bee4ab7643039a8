# Known bug (3.13t), found by a 30-minute ft-tsan campaign (init_race family: races
# func_set_kwdefaults ~ initialize_locals and new_keys_object ~ dict lookups, 11 buckets),
# reduced by hand.
# f.__kwdefaults__ replaced by new dicts while two threads call f using the keyword
# default: func_set_kwdefaults (Objects/funcobject.c) publishes a dict built in one thread
# with a plain store and frees the old one at once, while initialize_locals
# (Python/ceval.c) looks the default up in it from another thread.
def f(a, *, b=0):
    return a + b

def replace():
    for i in range(20000):
        f.__kwdefaults__ = {"b": i}

def call():
    for i in range(20000):
        f(i)

threads(replace, call, call)
emit("kwdefaults", sorted(f.__kwdefaults__))
