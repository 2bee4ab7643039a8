# Exercises one code object compiled at run time (exec) and shared by six threads that
# start together and take different branches of it (attribute loads on different
# classes, binary ops on different types, calls to different callables), so each
# thread's copy of the bytecode specializes differently (where the specializer runs)
# while the others execute theirs.  A second function object made from the same code
# (types.FunctionType) is called from the same threads.  Results are exact.
import types

SOURCE = '''
def dispatch(kind, items):
    out = []
    for item in items:
        if kind == 0:
            out.append(item.value + 1)
        elif kind == 1:
            out.append(item * 2.5)
        elif kind == 2:
            out.append(item + "!")
        elif kind == 3:
            out.append(len(item) + item[0])
        elif kind == 4:
            out.append(item.method(3))
        else:
            out.append(item(4))
    return out
'''
namespace = {}
exec(compile(SOURCE, "<dispatch>", "exec"), namespace)
dispatch = namespace["dispatch"]
twin = types.FunctionType(dispatch.__code__, namespace, "twin")


class Slot:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class WithMethod:
    def __init__(self, k):
        self.k = k

    def method(self, m):
        return self.k * m


def items_for(kind):
    return [
        [Slot(i) for i in range(50)],
        [i * 1.0 for i in range(50)],
        ["s%d" % i for i in range(50)],
        [[i, i] for i in range(50)],
        [WithMethod(i) for i in range(50)],
        [(lambda v, i=i: v * i) for i in range(50)],
    ][kind]


def worker(kind):
    def run():
        items = items_for(kind)
        first = dispatch(kind, items)
        for _ in range(40):
            check(dispatch(kind, items) == first, "stable result while others specialize", kind)
            check(twin(kind, items) == first, "twin function agrees", kind)
        return first
    return run


results = threads(*[worker(kind) for kind in range(6)])
expected = [dispatch(kind, items_for(kind)) for kind in range(6)]
check(results == expected, "threads' results equal the main thread's", None)
emit("results", [r[:5] + r[-2:] for r in results])
