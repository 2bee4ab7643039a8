# Exercises concurrent.futures.ThreadPoolExecutor: map (results in input order), submit
# with as_completed (results sorted), exceptions captured by futures and callbacks.
# Every emitted value is ordered or sorted, so it is schedule-independent.
import concurrent.futures
import threading


def work(n):
    total = 0
    for i in range(n % 50 + 50):
        total += (i * n) % 7
    return n, total


def maybe_fail(n):
    if n % 7 == 0:
        raise ValueError("bad %d" % n)
    return n * n


callback_hits = []
callback_lock = threading.Lock()


def on_done(future):
    with callback_lock:
        callback_hits.append(future.exception() is None)


with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
    mapped = list(pool.map(work, range(300)))
    futures = [pool.submit(maybe_fail, n) for n in range(60)]
    for f in futures:
        f.add_done_callback(on_done)
    completed = []
    failures = []
    for f in concurrent.futures.as_completed(futures):
        if f.exception() is not None:
            failures.append(str(f.exception()))
        else:
            completed.append(f.result())
    chunked = list(pool.map(work, range(100), chunksize=7))

emit("map", (len(mapped), sum(t for _, t in mapped), mapped[:5]))
emit("completed", sorted(completed))
emit("failures", sorted(failures))
emit("chunked equals unchunked", chunked == mapped[:100])
emit("callbacks", (len(callback_hits), callback_hits.count(False)))
try:
    pool.submit(work, 1)
except RuntimeError:
    emit("submit after shutdown", "RuntimeError")
