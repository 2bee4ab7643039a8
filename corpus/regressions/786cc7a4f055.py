# Known bug (3.13t): TB.__bases__ flipped between (TA,) and (TA2,) by one thread while
# other threads read obj.__dict__ of TB instances.  Both bases have the same layout, so
# the __dict__ descriptor always applies and every read must return the instance's own
# dict.  On 3.13 free-threaded builds the lookup of __dict__ on TB can return the getset
# descriptor of the base that was just swapped out (type_setattro(__bases__) / the type
# cache in Objects/typeobject.c are not synchronized with _PyType_Lookup), and
# descr_check (Objects/descrobject.c) then raises "TypeError: descriptor '__dict__' for
# 'TA' objects doesn't apply to a 'TB' object".  Never under the GIL.
import threading

FLIPS = 100
READERS = 2


class TA:
    pass


class TA2:
    pass


class TB(TA):
    pass


objs = [TB() for _ in range(4)]
for k, o in enumerate(objs):
    o.k = k
stop = threading.Event()


def flipper():
    for k in range(FLIPS):
        TB.__bases__ = (TA2,) if k % 2 == 0 else (TA,)
    TB.__bases__ = (TA,)
    stop.set()
    return FLIPS


def reader():
    reads = 0
    while not stop.is_set() or reads < 100:
        for k, o in enumerate(objs):
            try:
                d = o.__dict__
            except TypeError as exc:
                check(False, "obj.__dict__ readable while __bases__ changes", str(exc))
                continue
            check(d.get("k") == k, "obj.__dict__ is the instance's own dict", d)
        reads += 1
    return reads > 0


results = threads(flipper, *[reader for _ in range(READERS)])
emit("results", results)
emit("bases after", [b.__name__ for b in TB.__bases__])
emit("dicts after", [o.__dict__ for o in objs])
