# Known bug (3.13), found while building this corpus: sys.activate_stack_trampoline("perf")
# when the trampoline's code arena cannot be mmapped (RLIMIT_AS lowered to the current
# size).  Activation must either work or raise an ordinary exception (OSError,
# MemoryError, ValueError, RuntimeError).  3.13.15 reports the mmap failure as an
# unraisable "Failed to create new mmap for perf trampoline" (new_code_arena in
# Python/perf_trampoline.c clears the error with PyErr_FormatUnraisable) and then
# returns NULL from sys.activate_stack_trampoline without an exception set: SystemError
# on release builds (the check below fails), "Fatal Python error:
# _Py_CheckFunctionResult" on debug builds.  The limit is lifted and the trampoline
# deactivated afterwards; /tmp/perf-<pid>.map is removed.
import os
import resource
import sys

PERF_MAP = "/tmp/perf-%d.map" % os.getpid()


def vm_size():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def work(n):
    return sum(i * i for i in range(n))


outcome = "n/a"
if hasattr(sys, "activate_stack_trampoline"):
    saved = resource.getrlimit(resource.RLIMIT_AS)
    limit = vm_size()
    if saved[1] != resource.RLIM_INFINITY:
        limit = min(limit, saved[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, saved[1]))
    try:
        sys.activate_stack_trampoline("perf")
    except SystemError as exc:
        outcome = "SystemError"
        check(False, "activation fails with an ordinary exception, not SystemError", str(exc))
    except (OSError, MemoryError, ValueError, RuntimeError) as exc:
        outcome = "refused"
    else:
        outcome = "activated"
    finally:
        resource.setrlimit(resource.RLIMIT_AS, saved)
    observe("activation under the limit", outcome, ("refused", "activated", "SystemError"))
    try:
        sys.deactivate_stack_trampoline()
    except (ValueError, RuntimeError):
        pass
emit("work", work(300))
emit("inactive", not getattr(sys, "is_stack_trampoline_active", lambda: False)())
try:
    os.unlink(PERF_MAP)
except FileNotFoundError:
    pass
