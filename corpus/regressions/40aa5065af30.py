# Exercises unraisable exceptions from generator finalization in worker threads: a
# suspended generator whose finally block raises is released (refcount drop, so the
# close() happens at once in the releasing thread), a generator that yields inside
# finally when closed ("generator ignored GeneratorExit"), and a coroutine whose finally
# raises.  Each thread releases its own objects; the unraisable events (exact text of the
# default hook, compared as a multiset) and the emitted counts are schedule-independent.
class Marker:
    pass


def raising_finally(tag):
    try:
        yield tag
    finally:
        raise RuntimeError("finally of %s" % tag)


def yielding_finally(tag):
    try:
        yield tag
    finally:
        yield "again"


async def coroutine(tag):
    try:
        await Awaitable()
    finally:
        raise KeyError(tag)


class Awaitable:
    def __await__(self):
        yield "suspended"


def worker(k):
    def run():
        done = []
        for i in range(3):
            g = raising_finally("t%d-g%d" % (k, i))
            done.append(next(g))
            del g
            h = yielding_finally("t%d-h%d" % (k, i))
            done.append(next(h))
            del h
            c = coroutine("t%d-c%d" % (k, i))
            done.append(c.send(None))
            del c
        return done
    return run


results = threads(*[worker(k) for k in range(3)])
emit("results", results)
g = raising_finally("main")
next(g)
g = None
emit("main done", True)
