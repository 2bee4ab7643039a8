# Known bug (3.13t), found by a 30-minute ft-tsan campaign (init_race family):
# f.__code__ assigned while another thread calls f.  func_set_code (Objects/funcobject.c)
# replaces func_code (and the function version) with plain stores while the eval loop and
# _PyFunction_Vectorcall read them.  ThreadSanitizer: race _PyEval_EvalFrameDefault@ceval.c
# ~ func_set_code@funcobject.c (the campaign: `_PyFunction_Vectorcall ~ func_set_code`,
# `func_set_code ~ func_set_code` for two setters, `_PyFunction_SetVersion ~ itself`).
def f(): return 1
def g(): return 2
codes = (f.__code__, g.__code__)

def swap():
    for i in range(2000):
        f.__code__ = codes[i % 2]

def call():
    for _ in range(6000):
        f()

threads(swap, call)
emit("code", f() in (1, 2))
