# Exercises generators: send/throw/close, yield from with return values, GeneratorExit
# handling in finally, generator expressions, and a coroutine driven by hand with send().
# Single-threaded; generators are closed explicitly, so nothing depends on gc timing.
import itertools

log = []


def accumulator():
    total = 0
    try:
        while True:
            value = yield total
            if value is None:
                break
            total += value
    except ValueError as exc:
        log.append("caught %s" % exc)
        yield -1
    finally:
        log.append("acc finally %d" % total)
    return total


gen = accumulator()
emit("start", next(gen))
emit("sends", [gen.send(v) for v in (1, 2, 3, 4)])
emit("throw", gen.throw(ValueError("bad value")))
try:
    next(gen)
except StopIteration as stop:
    emit("stop_value", stop.value)
emit("log1", list(log))


def inner(n):
    for i in range(n):
        received = yield i
        if received:
            log.append("inner got %s" % received)
    return n * 10


def outer():
    a = yield from inner(3)
    b = yield from inner(2)
    return a + b


g = outer()
items = [next(g)]
items.append(g.send("hello"))
while True:
    try:
        items.append(next(g))
    except StopIteration as stop:
        items.append(("returned", stop.value))
        break
emit("delegation", items)


def closable():
    try:
        yield 1
        yield 2
    except GeneratorExit:
        log.append("closed")
        raise
    finally:
        log.append("closable finally")


c = closable()
next(c)
c.close()
emit("after_close", (log[-2:], c.gi_frame is None))


def stubborn():
    try:
        yield 1
    finally:
        return "swallowed"


s = stubborn()
next(s)
s.close()
emit("stubborn_closed", s.gi_frame is None)

emit("genexpr", sum(x * x for x in range(100) if x % 3))
emit("itertools", (
    list(itertools.islice(itertools.count(5, 3), 4)),
    list(itertools.accumulate([1, 2, 3, 4], lambda a, b: a * b)),
    [k + str(len(list(v))) for k, v in itertools.groupby("aaabccdd")],
    list(itertools.chain.from_iterable(["ab", "cd"])),
    list(itertools.product("ab", repeat=2)),
    list(itertools.permutations(range(3), 2))[:4],
    list(itertools.zip_longest("ab", "xyz", fillvalue="-")),
))


async def add_later(a, b):
    return a + b


async def workflow():
    first = await add_later(1, 2)
    second = await add_later(first, 10)
    return [first, second]


coro = workflow()
try:
    coro.send(None)
except StopIteration as stop:
    emit("coroutine", stop.value)


def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b


f = fib()
emit("fib", [next(f) for _ in range(30)][-5:])
f.close()
emit("log_final", log)
