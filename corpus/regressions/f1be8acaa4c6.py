# Exercises mmap-backed failure paths under a lowered RLIMIT_AS (the current size plus
# 4 MiB, less than one thread stack): anonymous mmap.mmap of 1 GiB from three pre-started
# threads at once must raise OSError(ENOMEM) each time, and starting a new thread must
# fail with RuntimeError("can't start new thread") and leave the Thread unstarted; after
# the limit is lifted both work again.  The exact exceptions are emitted.
import mmap
import resource
import threading

HEADROOM = 4 << 20
ATTEMPTS = 100


def vm_size():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


saved = resource.getrlimit(resource.RLIMIT_AS)
limit = vm_size() + HEADROOM
if saved[1] != resource.RLIM_INFINITY:
    limit = min(limit, saved[1])
lowered = []
arrived = []


def mapper():
    arrived.append(1)
    while not lowered:
        pass
    seen = set()
    for _ in range(ATTEMPTS):
        try:
            m = mmap.mmap(-1, 1 << 30)
        except OSError as exc:
            seen.add((type(exc).__name__, exc.errno, exc.strerror))
        else:
            m.close()
            seen.add("mapped")
    return sorted(seen)


def starter():
    while len(arrived) < 3:
        pass
    resource.setrlimit(resource.RLIMIT_AS, (limit, saved[1]))
    lowered.append(1)
    outcomes = []
    for _ in range(3):
        t = threading.Thread(target=lambda: None)
        try:
            t.start()
        except RuntimeError as exc:
            outcomes.append(("RuntimeError", str(exc), t.ident is None))
        else:
            t.join()
            outcomes.append("started")
    return outcomes


try:
    results = threads(mapper, mapper, mapper, starter)
finally:
    resource.setrlimit(resource.RLIMIT_AS, saved)
emit("under the limit", results)
m = mmap.mmap(-1, 1 << 20)
m[:5] = b"hello"
emit("mmap after", bytes(m[:5]))
m.close()
box = []
t = threading.Thread(target=lambda: box.append(threading.current_thread().name != "MainThread"))
t.start()
t.join()
emit("thread after", box)
