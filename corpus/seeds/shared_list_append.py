# Seed: threads append to one shared list through method calls and comprehensions that
# feed it; nothing may be lost, so the length, the sum and the membership are exact.
shared = []
PER_THREAD = 20000


def appender(base):
    def work():
        append = shared.append
        for i in range(PER_THREAD):
            append(base + i)
        shared.extend([base + PER_THREAD + i for i in range(100)])
    return work


workers = [appender(k * 1_000_000) for k in range(4)]
threads(*workers)
expected = sorted(k * 1_000_000 + i for k in range(4) for i in range(PER_THREAD + 100))
check(len(shared) == len(expected), "no append lost", detail=len(shared))
emit("length", len(shared))
emit("sum", sum(shared))
emit("exact", sorted(shared) == expected)
