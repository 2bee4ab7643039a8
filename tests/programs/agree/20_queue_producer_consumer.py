# Exercises queue.Queue (bounded, so producers block) and SimpleQueue with several
# producers and consumers; each producer ends with one sentinel, each consumer stops at its
# first sentinel.  Every item is delivered exactly once, so totals are schedule-independent.
import queue

PRODUCERS = 3
CONSUMERS = 3
ITEMS = 2000

q = queue.Queue(maxsize=32)
done_q = queue.SimpleQueue()


def producer(p):
    def run():
        for i in range(ITEMS):
            q.put((p, i))
        q.put(None)
        return p
    return run


def consumer(c):
    def run():
        got = []
        while True:
            item = q.get()
            q.task_done()
            if item is None:
                break
            got.append(item)
        done_q.put(len(got))
        per_producer = {}
        for p, i in got:
            check(per_producer.get(p, -1) < i, "FIFO per producer", (p, i))
            per_producer[p] = i
        return got
    return run


results = threads(*[producer(p) for p in range(PRODUCERS)], *[consumer(c) for c in range(CONSUMERS)])
received = [item for got in results[PRODUCERS:] for item in got]
emit("producers", results[:PRODUCERS])
emit("received", len(received))
emit("sum", sum(p * ITEMS + i for p, i in received))
emit("exactly once", sorted(received) == [(p, i) for p in range(PRODUCERS) for i in range(ITEMS)])
q.join()
emit("queue empty", (q.empty(), q.qsize(), q.unfinished_tasks))
counts = sorted(done_q.get() for _ in range(CONSUMERS))
emit("consumer count total", sum(counts))
emit("simplequeue drained", done_q.empty())
