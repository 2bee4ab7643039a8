# Exercises gc.collect() called repeatedly from one thread while other threads allocate
# and drop reference cycles whose objects have __del__.  After joining, gc.collect() in the
# main thread reclaims whatever is left, so the finalizer total equals the creation total.
import gc

ALLOCATORS = 3
PAIRS = 1500
COLLECTIONS = 15
finalized = []
gc_events = []


class Node:
    def __init__(self, label):
        self.label = label
        self.peer = None
        self.payload = [label] * 4

    def __del__(self):
        finalized.append(1)


def on_gc(phase, info):
    gc_events.append(phase)


def allocator(k):
    def run():
        made = 0
        checksum = 0
        for i in range(PAIRS):
            a, b = Node(i), Node(-i)
            a.peer, b.peer = b, a
            checksum += a.peer.label - b.peer.label
            made += 2
            junk = {"k": [a.label, b.label], "t": (i, k)}
            checksum += len(junk["k"])
        return made, checksum
    return run


def collector():
    total = 0
    for _ in range(COLLECTIONS):
        total += gc.collect()
    return total >= 0


gc.callbacks.append(on_gc)
try:
    results = threads(*[allocator(k) for k in range(ALLOCATORS)], collector)
finally:
    gc.callbacks.remove(on_gc)
for _ in range(3):
    gc.collect()
created = sum(made for made, _ in results[:ALLOCATORS])
emit("allocator results", results[:ALLOCATORS])
emit("collector ok", results[ALLOCATORS])
emit("created", created)
emit("finalized", len(finalized))
emit("garbage", len(gc.garbage))
observe("gc callback phases seen", sorted(set(gc_events)), ([], ["start", "stop"]))
check(gc_events.count("start") == gc_events.count("stop"), "gc callback phases paired", gc_events.count("start"))
