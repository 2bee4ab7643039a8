# Exercises sys.monitoring local events: one thread repeatedly enables LINE and
# INSTRUCTION-free local events (LINE, PY_START, JUMP) on the code object of a function
# that three workers are running, with callbacks that return DISABLE for some locations,
# and calls restart_events() to re-enable them, then clears the local events and frees
# the tool.  Workers' results must be unaffected; callback counts are observed only.
import sys
import threading

MON = getattr(sys, "monitoring", None)
TOOL = 4
stop = threading.Event()
counts = [0, 0, 0]


def target(n):
    acc = 0
    for i in range(n):
        if i % 2:
            acc += i * 3
        else:
            acc ^= i
    return acc


def on_line(code, line):
    counts[0] += 1
    if line % 2:
        return MON.DISABLE


def on_start(code, offset):
    counts[1] += 1


def on_jump(code, src, dst):
    counts[2] += 1
    return MON.DISABLE


def worker(k):
    def run():
        expected = target(100 + k)
        rounds = 0
        while not stop.is_set() or rounds < 5:
            check(target(100 + k) == expected, "result unchanged under local events", k)
            rounds += 1
        return expected
    return run


def switcher():
    if MON is None:
        stop.set()
        return 0
    E = MON.events
    MON.use_tool_id(TOOL, "tandem-local")
    MON.register_callback(TOOL, E.LINE, on_line)
    MON.register_callback(TOOL, E.PY_START, on_start)
    MON.register_callback(TOOL, E.JUMP, on_jump)
    code = target.__code__
    masks = [E.LINE, E.LINE | E.JUMP, E.PY_START | E.JUMP, 0]
    for i in range(120):
        MON.set_local_events(TOOL, code, masks[i % len(masks)])
        if i % 5 == 0:
            MON.restart_events()
    MON.set_local_events(TOOL, code, 0)
    for event in (E.LINE, E.PY_START, E.JUMP):
        MON.register_callback(TOOL, event, None)
    MON.free_tool_id(TOOL)
    stop.set()
    return True


results = threads(*[worker(k) for k in range(3)], switcher)
emit("results", results)
emit("plain", [target(100 + k) for k in range(3)])
emit("tool free", MON is None or MON.get_tool(TOOL) is None)
observe("line callbacks", counts[0] > 0, (True, False))
