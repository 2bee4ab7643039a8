# Known bug (3.13t), found by a 30-minute ft-tsan campaign (type_mutation family):
# C.__name__ assigned while another thread reads it.  type_set_name (Objects/typeobject.c)
# replaces ht_name and tp_name without synchronization while type_name reads them: the
# race behind the use-after-free of 95579a8abac3 (which crashes debug builds; this smaller
# program seldom does).  ThreadSanitizer: race type_name@typeobject.c ~
# type_set_name@typeobject.c (also `_PyObject_GenericGetAttrWithDict ~ type_set_name`,
# `type_set_name ~ type_set_name`, and for __qualname__ `type_qualname ~ type_set_qualname`).
class C: pass

def rename():
    for i in range(1000):
        C.__name__ = f"C{i % 7}"

def read():
    for _ in range(3000):
        C.__name__

threads(rename, read)
emit("name", C.__name__)
