# Known bug (3.13t), found by a 30-minute ft-tsan campaign (type_mutation family), minimized
# by tandem minimize (214 -> 73 lines), then by hand: an instance's inline values cleared
# (obj.__dict__.clear(), clear_embedded_values in Objects/dictobject.c) while other threads
# read an attribute through them (_PyObject_TryGetInstanceAttribute) without the object's
# lock.  ThreadSanitizer: race _PyObject_TryGetInstanceAttribute@dictobject.c ~
# clear_embedded_values@dictobject.c.
# an instance's inline attribute values cleared (obj.__dict__.clear()) while another
# thread reads an attribute through them
class C:
    pass

obj = C()
obj.a, obj.b = 1, 2

def clear():
    for _ in range(1000):
        obj.__dict__.clear()
        obj.a = 1

def read():
    for _ in range(2000):
        getattr(obj, "a", None)

threads(clear, read, read)
emit("left", sorted(vars(obj)))
