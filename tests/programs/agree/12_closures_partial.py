# Exercises closures (nonlocal counters, late binding vs default-argument binding, cells),
# functools.partial (nesting, keywords, as a method), reduce, lru_cache statistics,
# singledispatch, wraps and total_ordering.  Single-threaded, hence deterministic.
import functools
import operator


def make_counter(start):
    count = start

    def step(by=1):
        nonlocal count
        count += by
        return count
    return step


c1, c2 = make_counter(0), make_counter(100)
emit("counters", [c1(), c1(5), c2(), c1(), c2(-50)])
emit("cells", (c1.__code__.co_freevars, c1.__closure__[0].cell_contents))

late = [lambda: i for i in range(4)]
bound = [lambda i=i: i for i in range(4)]
emit("binding", ([f() for f in late], [f() for f in bound]))


def power(base, exp, *, mod=None):
    return pow(base, exp, mod)


square = functools.partial(power, exp=2)
cube_mod = functools.partial(power, exp=3, mod=7)
nested = functools.partial(functools.partial(power, 2), exp=10)
emit("partial", [square(9), cube_mod(4), nested(), nested(exp=3)])
emit("partial_attrs", (nested.func.__name__, nested.args, sorted(nested.keywords.items())))


class Box:
    def __init__(self, v):
        self.v = v

    def add(self, other):
        return Box(self.v + other)

    plus_ten = functools.partialmethod(add, 10)


emit("partialmethod", Box(5).plus_ten().v)
emit("reduce", (functools.reduce(operator.mul, range(1, 11)), functools.reduce(lambda a, b: a + [b * 2], range(4), [])))


@functools.lru_cache(maxsize=32)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


emit("fib", fib(80))
info = fib.cache_info()
emit("cache_info", (info.hits, info.misses, info.maxsize, info.currsize))
fib.cache_clear()
emit("cache_cleared", fib.cache_info().currsize)


@functools.singledispatch
def describe(obj):
    return "object"


@describe.register
def _(obj: int):
    return "int %d" % obj


@describe.register(list)
def _(obj):
    return "list of %d" % len(obj)


class MyInt(int):
    pass


emit("singledispatch", [describe(1), describe([1, 2]), describe("s"), describe(MyInt(3)), describe(True)])


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return ("logged", fn(*args))
    return wrapper


@logged
def documented(x):
    """Doc string."""
    return x + 1


emit("wraps", (documented.__name__, documented.__doc__, documented(1), documented.__wrapped__(1)))


@functools.total_ordering
class Version:
    def __init__(self, *parts):
        self.parts = parts

    def __eq__(self, other):
        return self.parts == other.parts

    def __lt__(self, other):
        return self.parts < other.parts


vs = [Version(1, 2), Version(1, 10), Version(0, 9)]
emit("ordering", ([v.parts for v in sorted(vs)], Version(2) >= Version(1, 99), Version(1) <= Version(1)))


def compose(*fns):
    return functools.reduce(lambda f, g: lambda x: g(f(x)), fns)


emit("compose", compose(lambda x: x + 1, lambda x: x * 3, str)(4))
emit("cmp_to_key", sorted([3, 1, 2], key=functools.cmp_to_key(lambda a, b: b - a)))
