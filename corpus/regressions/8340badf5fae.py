# Known bug (3.13), found by a 20-minute alloc_sweep campaign on ft-debug: Thread.start()
# while one allocation fails (_testcapi.set_nomemory applies to the new thread too).  When
# the allocation that fails is the new thread's, Thread._bootstrap_inner (Lib/threading.py)
# raises before self._started.set(), _delete() then raises KeyError, and start() waits on
# _started forever: a deadlock on every build (ft-debug, ft, gil), seen as
# hang|both|threading.wait (the campaign: four hang buckets, by where the threads wait).
import _testcapi
import threading

def noop():
    pass

for n in range(3, 83):
    thread = threading.Thread(target=noop)
    _testcapi.set_nomemory(n, n + 2)
    try:
        thread.start()
    except BaseException:
        pass
    finally:
        _testcapi.remove_mem_hooks()
    if thread.ident is not None:
        thread.join(10)
emit("done", True)
