# Known bug (3.13t): len() of a collections.deque(maxlen=50) read by one thread while
# others append to it.  A bounded deque must never hold more than maxlen items; on 3.13
# free-threaded builds deque_len reads Py_SIZE without the deque's critical section while
# deque_append_impl first appends and only then pops the left item, so a concurrent
# len() can see maxlen + 1 (Modules/_collectionsmodule.c).  Never under the GIL.
import collections

APPENDERS = 2
PER_APPENDER = 40000
MAXLEN = 50
bounded = collections.deque(maxlen=MAXLEN)
done = []


def appender(base):
    def run():
        for i in range(base, base + PER_APPENDER):
            bounded.append(i)
        done.append(base)
        return PER_APPENDER
    return run


def watcher():
    reads = 0
    while len(done) < APPENDERS:
        size = len(bounded)
        check(size <= MAXLEN, "len(deque) <= maxlen while appending", size)
        reads += 1
    return reads > 0


results = threads(*[appender(k * PER_APPENDER) for k in range(APPENDERS)], watcher)
emit("results", results)
emit("final len", len(bounded))
check(all(0 <= x < APPENDERS * PER_APPENDER for x in bounded), "items are appended values", list(bounded))
emit("maxlen", bounded.maxlen)
