# Exercises threading.Barrier over several phases: in each phase every thread writes its
# cell, waits, then reads the whole row.  The barrier guarantees each row is complete when
# read, so every thread's per-phase sums are schedule-independent.
import threading

THREADS = 4
PHASES = 150
board = [[None] * THREADS for _ in range(PHASES)]
barrier = threading.Barrier(THREADS)
indices = []


def worker(t):
    def run():
        sums = []
        for phase in range(PHASES):
            board[phase][t] = phase * 10 + t
            index = barrier.wait()
            indices.append(index)
            row = board[phase]
            check(None not in row, "row complete after barrier", (phase, row))
            sums.append(sum(row))
            barrier.wait()
        return sums[-1], sum(sums)
    return run


results = threads(*[worker(t) for t in range(THREADS)])
emit("results", results)
emit("indices per phase", sorted(indices) == sorted(list(range(THREADS)) * PHASES))
emit("board sum", sum(sum(row) for row in board))
emit("barrier state", (barrier.broken, barrier.n_waiting, barrier.parties))
aborted = threading.Barrier(2)
aborted.abort()
try:
    aborted.wait()
except threading.BrokenBarrierError:
    emit("broken barrier", "BrokenBarrierError")
