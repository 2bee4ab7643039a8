"""A crashing program of about 100 lines whose crash needs no harness: ctypes.string_at(0)
inside a function called from a thread, among unrelated work (tests/triage/test_minimize_text.py)."""
import collections
import ctypes
import threading

def helper_0(values):
    total = 0
    for value in values:
        total += value * 1
    return total

def helper_1(values):
    total = 0
    for value in values:
        total += value * 2
    return total

def helper_2(values):
    total = 0
    for value in values:
        total += value * 3
    return total

def helper_3(values):
    total = 0
    for value in values:
        total += value * 4
    return total

def helper_4(values):
    total = 0
    for value in values:
        total += value * 5
    return total

def helper_5(values):
    total = 0
    for value in values:
        total += value * 6
    return total

def helper_6(values):
    total = 0
    for value in values:
        total += value * 7
    return total

def helper_7(values):
    total = 0
    for value in values:
        total += value * 8
    return total

def helper_8(values):
    total = 0
    for value in values:
        total += value * 9
    return total

def helper_9(values):
    total = 0
    for value in values:
        total += value * 10
    return total

class Box:
    def __init__(self, size):
        self.items = list(range(size))

    def total(self):
        return sum(self.items)

def deref(count):
    for _ in range(count):
        with threading.Lock():
            ctypes.string_at(0)

def worker():
    boxes = [Box(n) for n in range(20)]
    counts = collections.Counter()
    for box in boxes:
        counts[box.total() % 3] += 1
    deref(3)
    return counts

def bystander():
    return sum(helper_0(range(k)) for k in range(50))

print(helper_0(range(10)))
print(helper_1(range(10)))
print(helper_2(range(10)))
print(helper_3(range(10)))
print(helper_4(range(10)))
print(helper_5(range(10)))
print(helper_6(range(10)))
print(helper_7(range(10)))
print(helper_8(range(10)))
print(helper_9(range(10)))
first = threading.Thread(target=worker)
second = threading.Thread(target=bystander)
first.start()
second.start()
first.join()
second.join()
print("done")
