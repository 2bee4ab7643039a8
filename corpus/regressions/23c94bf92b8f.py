# Exercises sys.monitoring global events switched from another thread while three
# workers run: a tool registers PY_START, PY_RETURN, CALL, LINE and BRANCH callbacks and
# one thread sets and clears the event set (instrumenting and de-instrumenting every code
# object under the running threads), then frees the tool.  Callback counts depend on the
# schedule and are only observed; the workers' results must equal a run without
# monitoring, and the tool must be free at the end.
import sys
import threading

MON = getattr(sys, "monitoring", None)
TOOL = 3
SWITCHES = 32
counts = {"start": 0, "return": 0, "call": 0, "line": 0, "branch": 0}
stop = threading.Event()


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def loop(n):
    total = 0
    for i in range(n):
        if i % 3:
            total += i
        else:
            total -= 1
    return total


def work(k):
    return [fib(8 + k), loop(200 + k), sorted([(i * 31) % 17 for i in range(20)])[k]]


def worker(k):
    def run():
        out = []
        rounds = 0
        while not stop.is_set() or rounds < 5:
            out.append(work(k))
            rounds += 1
        check(all(r == out[0] for r in out), "results unchanged under monitoring", k)
        return out[0]
    return run


def make_callback(name):
    def callback(*args):
        counts[name] += 1
    return callback


def switcher():
    if MON is None:
        stop.set()
        return 0
    E = MON.events
    MON.use_tool_id(TOOL, "tandem")
    for name, event in (("start", E.PY_START), ("return", E.PY_RETURN), ("call", E.CALL),
                        ("line", E.LINE), ("branch", E.BRANCH)):
        MON.register_callback(TOOL, event, make_callback(name))
    masks = [E.PY_START | E.PY_RETURN, E.CALL | E.LINE, E.BRANCH | E.PY_START, 0]
    for i in range(SWITCHES):
        MON.set_events(TOOL, masks[i % len(masks)])
        fib(5)
    MON.set_events(TOOL, 0)
    for event in (E.PY_START, E.PY_RETURN, E.CALL, E.LINE, E.BRANCH):
        MON.register_callback(TOOL, event, None)
    MON.free_tool_id(TOOL)
    stop.set()
    return SWITCHES


results = threads(*[worker(k) for k in range(3)], switcher)
emit("results", results[:3])
emit("plain", [work(k) for k in range(3)])
emit("tool free", MON is None or MON.get_tool(TOOL) is None)
for name, value in sorted(counts.items()):
    observe("%s events seen" % name, value > 0, (True, False))
