# Instance __dict__ replaced (and cleared) by one thread while two others set and read
# attributes on the same objects.  Under the GIL this is ordinary Python; on CPython
# 3.13.15 free-threaded builds the old dict is mutated after its last reference is gone:
# the debug build fails `_PyDict_NotifyEvent: Assertion Py_REFCNT(mp) > 0`, the release
# build dies with "Fatal Python error: PyMutex_Unlock: unlocking mutex that is not
# locked".  Found by tandem's type_mutation family (seed 536, 1 run in ~1000), reduced by
# hand to this reliable reproducer.  A correct interpreter agrees.
import threading


class Plain:
    pass


objects = [Plain() for _ in range(4)]
stop = threading.Event()


def writer(name):
    def work():
        i = 0
        while not stop.is_set():
            obj = objects[i % 4]
            setattr(obj, name, i)
            value = getattr(obj, name, None)
            check(value is None or isinstance(value, int), "attribute reads back an int or nothing", detail=value)
            i += 1
        return True
    return work


def replacer():
    for n in range(60000):
        objects[n % 4].__dict__ = {"a": n}
        if n % 7 == 0:
            objects[n % 4].__dict__.clear()
    stop.set()
    return True


emit("threads finished", threads(writer("w0"), writer("w1"), replacer))
for index, obj in enumerate(objects):
    obj.__dict__ = {"final": index}
emit("final dicts", [vars(obj) for obj in objects])
