# Known bug (3.13), found by a 20-minute alloc_sweep campaign on ft-debug: sys.settrace()
# called from a function while a trace function is set, with the next allocation failing.
# The trace function's call event cannot get its frame object, and call_trace_func
# (Python/legacy_tracing.c) raises SystemError("Missing frame when calling trace
# function.") instead of the MemoryError: the error lost its cause.  Every build
# (ft-debug, ft, gil).  The campaign also saw it for threading.setprofile_all_threads.
import _testcapi
import sys

def trace(frame, event, arg):
    return None

def set_trace():
    sys.settrace(trace)

set_trace()
_testcapi.set_nomemory(0, 1)       # only the next allocation fails
try:
    set_trace()
except BaseException as exc:
    caught = exc
else:
    caught = None
sys.settrace(None)
check(caught is None or isinstance(caught, MemoryError), "settrace raised " + type(caught).__name__, detail=str(caught))
