# itertools.zip_longest shared by threads that call next() at once (3.13 free-threaded)
import itertools, threading

class It:
    def __init__(self, items): self.items = items
    def __iter__(self): return Nx(self.items)

class Nx:
    def __init__(self, items): self.items, self.i = items, 0
    def __iter__(self): return self
    def __next__(self):
        threading.Event().wait(0.00005)     # a Python __next__ that blocks briefly
        if self.i >= len(self.items):
            raise StopIteration
        self.i += 1
        return self.items[self.i - 1]

for _ in range(20):
    z = itertools.zip_longest(It(list(range(50))), [1])
    barrier = threading.Barrier(3)
    def work():
        barrier.wait()
        for _ in range(40):
            next(z, None)
    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads: t.start()
    for t in threads: t.join()
print("survived")
