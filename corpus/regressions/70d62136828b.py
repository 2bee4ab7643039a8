# Exercises thread-local bytecode and the __init__ shim frame with thread churn: 24
# short-lived threads, four at a time, each running the same hot methods, a class's
# __init__ through super() (the shim frame of CALL_ALLOC_AND_ENTER_INIT), a generator
# and a closure for the first time in that thread, then exiting (its bytecode copy is
# freed while other threads still run the same code).  Each wave's results are exact.
class Base:
    def __init__(self, x):
        self.x = x

    def scaled(self, k):
        return self.x * k


class Child(Base):
    def __init__(self, x, y):
        super().__init__(x)
        self.y = y

    def total(self):
        return self.scaled(2) + self.y


def counter(n):
    for i in range(n):
        yield i


def adder(k):
    def add(v):
        return v + k
    return add


def work(seed):
    add = adder(seed)
    acc = 0
    for i in range(400):
        obj = Child(i, seed)
        acc = add(acc + obj.total() - obj.scaled(1)) + sum(counter(i % 5))
    return acc


def wave(w):
    return threads(*[(lambda s=w * 4 + j: work(s)) for j in range(4)])


waves = [wave(w) for w in range(6)]
expected = [[work(w * 4 + j) for j in range(4)] for w in range(6)]
check(waves == expected, "every wave's results equal a one-thread run", (waves, expected))
emit("waves", waves)
