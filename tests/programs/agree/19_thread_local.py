# Exercises threading.local (plain and subclassed with __init__ defaults): each thread
# writes and reads its own values in a loop; no thread may see another's value.  Results
# are per-thread pure functions of the thread's index, so they are schedule-independent.
import threading

THREADS = 6
ROUNDS = 3000


class Defaults(threading.local):
    def __init__(self, start=100):
        self.value = start
        self.items = []


plain = threading.local()
sub = Defaults(start=7)
main_value = sub.value
sub.value = "main"


def worker(k):
    def run():
        check(not hasattr(plain, "value"), "fresh plain local", None)
        check(sub.value == 7 and sub.items == [], "fresh subclass local", (sub.value, sub.items))
        plain.value = k
        total = 0
        for i in range(ROUNDS):
            plain.value = plain.value + k
            sub.value += 1
            if i % 500 == 0:
                sub.items.append(i)
            total += plain.value % 97
        check(plain.value == k + ROUNDS * k, "plain local untouched by others", plain.value)
        return k, plain.value, sub.value, tuple(sub.items), total
    return run


results = threads(*[worker(k) for k in range(THREADS)])
emit("results", results)
emit("main untouched", (main_value, sub.value, hasattr(plain, "value")))
