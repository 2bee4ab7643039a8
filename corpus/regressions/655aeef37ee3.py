# Known bug (3.13t), found by a 30-minute ft-tsan campaign (type_mutation family):
# C.__bases__ assigned while another thread calls isinstance(obj, A).  set_tp_mro
# (Objects/typeobject.c) replaces type->tp_mro with a plain store while PyType_IsSubtype
# reads it without synchronization; the old MRO tuple is released meanwhile (the campaign
# also saw `is_subtype_with_mro ~ maybe_freelist_push`: the tuple read while it goes to the
# freelist).  ThreadSanitizer: race PyType_IsSubtype@typeobject.c ~ set_tp_mro@typeobject.c.
# Every result below is schedule-independent: the default pair agrees.
class A: pass
class A2: pass
class B(A): pass
obj = B()

def flip():
    for i in range(600):
        B.__bases__ = (A2,) if i % 2 == 0 else (A,)

def check():
    for _ in range(6000):
        isinstance(obj, A)

threads(flip, check)
emit("bases", B.__bases__ == (A,))
