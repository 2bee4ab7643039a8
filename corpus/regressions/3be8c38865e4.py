# Known bug (3.13t debug), found by a 20-minute alloc_sweep campaign on ft-debug: a class
# statement run while every allocation fails leaves an object whose reference count is
# too small; the next collection trips validate_gc_objects (Python/gc_free_threading.c):
# Assertion "gc_get_refs(op) >= 0" failed: refcount is too small.  Followed by
# threading.setprofile_all_threads() under the same failure and a NameError's traceback,
# it trips _Py_Instrument's assertion that the world is not stopped instead (the bucket
# the campaign made; the GIL build then sometimes crashes).
import _testcapi
import gc

class Base:
    pass

def class_statement():
    class T(Base):
        pass

_testcapi.set_nomemory(0, 0)       # every allocation fails from now on
try:
    class_statement()
except BaseException:
    pass
finally:
    _testcapi.remove_mem_hooks()
gc.collect()
emit("done", True)
