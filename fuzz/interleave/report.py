"""An interleave plan as a bug report's reproducer: a standalone program (no harness, no
conductor) that reads top to bottom in schedule order.

Each paused step starts in a thread of its own and the main thread waits until it is
inside its callback; the steps of its window run in the main thread (or pause in turn,
nested); then it is resumed and its result printed.  Steps outside any window run in the
main thread.  Only the carriers and helpers the plan uses are included.  The threads are
not the plan's actors (a step's thread is its own), which is what a report wants; the
report form is checked by running it, not assumed equivalent.
"""

from __future__ import annotations

from .plan import InterleavePlan, Slot
from .render import LABELS, runtime_parts

PRELUDE = '''\
import collections, contextvars, copy, functools, gc, io, itertools, operator, pickle, sys, threading, types, weakref

gc.disable()  # finalizers run where a step collects
_tls = threading.local()
_RAISES = set()


class CallbackError(Exception):
    pass


class _Paused:
    """Run `function` in a thread of its own until it pauses at the `nth` call of
    callback `kind` on carriers labelled `label` (or finishes)."""

    def __init__(self, name, function, kind, label, nth):
        self.name, self.point, self.counts = name, (kind, label, nth), {}
        self.reached, self.resume, self.done = threading.Event(), threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.run, args=(function,), name=name)
        self.thread.start()
        while not (self.reached.wait(0.01) or self.done.is_set()):
            pass
        print(name, "paused in", kind, "of", label, "#%d" % nth if self.reached.is_set() else "(never reached)")

    def run(self, function):
        _tls.step = self
        try:
            self.outcome = _outcome(function)
        finally:
            _tls.step = None
            self.done.set()

    def finish(self):
        self.resume.set()
        self.thread.join()
        return self.outcome


def _cb(kind, label):
    step = getattr(_tls, "step", None)
    if step is not None and not step.resume.is_set():
        count = step.counts[(kind, label)] = step.counts.get((kind, label), 0) + 1
        if (kind, label, count) == step.point:
            step.reached.set()
            step.resume.wait(30)
    if (kind, label) in _RAISES:
        raise CallbackError("%s of %s" % (kind, label))


def _outcome(function):
    try:
        return "returned %r" % (function(),)
    except Exception as exc:
        return "raised %s: %s" % (type(exc).__name__, exc)
'''


def render_report(plan: InterleavePlan, header: list[str]) -> str:
    _, sections = runtime_parts()
    out = [*list(header), "", *PRELUDE.rstrip("\n").split("\n")]
    for name in plan.sections:
        out.extend(["", "", sections[name].rstrip()])
    out.extend(["", ""])
    if plan.raises:
        out.append("_RAISES.update({%s})" % ", ".join(f"({c.value!r}, {label!r})" for c, label in plan.raises))
    for obj in plan.objects:
        out.append(f"{obj.name} = {obj.make}")
    counters: dict[str, int] = {}
    out.append("")
    for slot in plan.schedule:
        _slot(out, slot, counters)
    for obj in plan.objects:
        out.append(f"print('final {obj.name}:', repr({obj.name}))")
    if "hooks" in plan.sections:
        out.append("_restore_hooks()")
    return "\n".join(out).rstrip() + "\n"


def _slot(out: list[str], slot: Slot, counters: dict[str, int]) -> None:
    index = counters.get(slot.actor, 0)
    counters[slot.actor] = index + 1
    step = slot.step
    receiver = step.operation.split(".")[0]
    expression = step.expression(LABELS.get(receiver, receiver))
    name = f"{slot.actor}_{index}"
    if step.pause is None:
        out.append(f"print({name + ' ' + step.operation!r}, _outcome(lambda: {expression}))")
        for inner in slot.window:
            _slot(out, inner, counters)
        return
    pause = step.pause
    out.append(
        f"{name} = _Paused({name!r}, lambda: {expression}, {pause.callback.value!r}, {pause.label!r}, {pause.nth})"
    )
    for inner in slot.window:
        _slot(out, inner, counters)
    out.append(f"print({name + ' ' + step.operation!r}, {name}.finish())")
