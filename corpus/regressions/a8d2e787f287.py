# Known bug (3.13t), found by a 30-minute ft-tsan campaign (type_mutation family):
# C.__bases__ assigned while another thread creates and frees instances of C.
# subtype_dealloc (Objects/typeobject.c) walks type->tp_base to find the base's dealloc
# while type_set_bases_unlocked writes tp_base without synchronization.  ThreadSanitizer:
# race subtype_dealloc@typeobject.c ~ type_set_bases_unlocked@typeobject.c (the campaign
# also saw tp_new_wrapper reading tp_base: `tp_new_wrapper ~ type_set_bases_unlocked`).
class A: pass
class A2: pass
class B(A): pass

def flip():
    for i in range(300):
        B.__bases__ = (A2,) if i % 2 == 0 else (A,)

def churn():
    for _ in range(3000):
        B()

threads(flip, churn)
emit("bases", B.__bases__ == (A,))
