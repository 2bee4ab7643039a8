# Exercises allocation failure paths under a lowered RLIMIT_AS (the current size plus
# 32 MiB) in four threads at once: each thread alternates ordinary work with a request
# far beyond the limit (a 2 GiB bytearray, list repeat, str repeat, and `+=` of a huge
# list onto a shared list), each of which must raise MemoryError without side effects
# (the shared list unchanged, no partial object), while the ordinary work keeps giving
# exact results.  Threads are started before the limit is lowered (thread stacks are
# mmapped) and the limit is lifted after they joined; data made before is checked.
import resource

HEADROOM = 32 << 20
ROUNDS = 150
BIG = 1 << 31
shared = list(range(100))
BEFORE = {i: [i, str(i)] for i in range(3000)}


def vm_size():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def attempt_bytearray():
    return bytearray(BIG)


def attempt_list():
    return [0] * (BIG // 8)


def attempt_str():
    return "ab" * (BIG // 2)


def attempt_shared():
    global shared
    shared += [None] * (BIG // 8)


def worker(attempt, k):
    def run():
        failures = 0
        acc = 0
        for i in range(ROUNDS):
            acc += sum({j: j * k for j in range(20)}.values()) + len([str(j) for j in range(10)])
            try:
                attempt()
            except MemoryError:
                failures += 1
        return failures, acc
    return run


saved = resource.getrlimit(resource.RLIMIT_AS)
limit = vm_size() + HEADROOM
if saved[1] != resource.RLIM_INFINITY:
    limit = min(limit, saved[1])
workers = [worker(attempt_bytearray, 1), worker(attempt_list, 2), worker(attempt_str, 3),
           worker(attempt_shared, 4)]


started = []


def gate(run):
    def wrapped():
        started.append(1)
        while len(started) < 5:   # all four workers run and the limit is lowered
            pass
        return run()
    return wrapped


def limiter():
    resource.setrlimit(resource.RLIMIT_AS, (limit, saved[1]))
    started.append(1)
    return True


try:
    results = threads(*[gate(w) for w in workers], limiter)
finally:
    resource.setrlimit(resource.RLIMIT_AS, saved)
emit("results", results)
check(shared == list(range(100)), "a failed += leaves the shared list unchanged", len(shared))
check(all(v == [i, str(i)] for i, v in BEFORE.items()), "data made before the limit intact")
emit("after", (len(bytearray(1 << 20)), sum(range(1000)), len(shared)))
