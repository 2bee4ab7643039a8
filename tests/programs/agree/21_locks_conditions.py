# Exercises Lock, RLock and Condition: a lock-protected read-modify-write counter, RLock
# reentrancy, and a Condition-based strict turn-taking between threads that produces one
# fixed sequence.  Mutual exclusion makes every emitted total schedule-independent.
import threading

THREADS = 4
INCREMENTS = 3000
TURNS = 300

lock = threading.Lock()
rlock = threading.RLock()
counter = {"n": 0, "reentrant": 0}


def incrementer():
    for _ in range(INCREMENTS):
        with lock:
            value = counter["n"]
            counter["n"] = value + 1
        with rlock:
            with rlock:
                counter["reentrant"] += 1
    return True


results = threads(*[incrementer for _ in range(THREADS)])
emit("counter", (counter["n"], counter["reentrant"], results))

cond = threading.Condition()
state = {"turn": 0}
sequence = []


def player(index, players):
    def run():
        for _ in range(TURNS):
            with cond:
                ok = cond.wait_for(lambda: state["turn"] % players == index, timeout=30)
                check(ok, "turn arrived", index)
                sequence.append(index)
                state["turn"] += 1
                cond.notify_all()
        return index
    return run


results = threads(*[player(i, 3) for i in range(3)])
emit("turn results", results)
emit("sequence length", len(sequence))
emit("sequence exact", sequence == [i % 3 for i in range(3 * TURNS)])
emit("locks free", (lock.locked(), rlock.acquire(blocking=False)))
rlock.release()
