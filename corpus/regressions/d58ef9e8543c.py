# Known bug (3.13), found by a 20-minute alloc_sweep campaign on ft-debug: an object whose
# __del__ raises, dropped while every allocation fails.  slot_tp_finalize
# (Objects/typeobject.c) calls __del__ through call_unbound_noarg, and the call returns
# NULL without an exception set: "Fatal Python error: _Py_CheckFunctionResult: a function
# returned NULL without setting an exception" on debug builds (release builds make it a
# SystemError, which the finalizer reports as unraisable: nothing shows).
import _testcapi
import sys

class Dying:
    def __del__(self):
        raise ValueError("from __del__")

sys.unraisablehook = lambda event: None
for n in range(2, 42):
    _testcapi.set_nomemory(n, 0)   # every allocation from the n-th on fails
    try:
        Dying()
    except BaseException:
        pass
    finally:
        _testcapi.remove_mem_hooks()
sys.unraisablehook = sys.__unraisablehook__
emit("done", True)
