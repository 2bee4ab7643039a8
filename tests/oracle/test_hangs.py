"""Hangs: a deadlock is recognised by its stacks (every thread waiting, twice the same)
instead of waiting for the deadline; idle programs that are not deadlocked are left to
finish; a hang's deadline adapts to the other side's time."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from tandem.oracle.executor import all_waiting, parse_stacks, run
from tandem.oracle.judge import HANG_FLOOR, adapted, judge_once
from tandem.oracle.model import Case, Kind, Limits, Side
from tandem.oracle.normalize import observe
from tandem.oracle.reproduce import confirmation_limits

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))
PROGRAMS = ROOT / "tests" / "programs" / "verdicts"
DEADLOCK_LOG = ROOT / "tests" / "data" / "crashes" / "deadlock.log"
QUICK = Limits(deadline=60.0, stall_after=0.5)


def test_tandem_run_answers_hang_for_a_lock_order_deadlock_on_both_sides_with_stacks():
    """Default settings: no --timeout; the verdict comes from the stacks, not the 60 s deadline."""
    done = subprocess.run(
        [TANDEM, "run", str(PROGRAMS / "deadlock_both.py")], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "verdict: hang (side: both)" in done.stdout
    assert done.stdout.count("deadlock: every thread waiting") >= 2  # target and oracle
    for frame in ("in left", "in right", "in join"):
        assert done.stdout.count(frame) >= 2, frame  # both sides' stacks


def test_a_deadlock_is_confirmed_by_its_stacks_without_rerunning(ft):
    from tandem.oracle.reproduce import Pair, confirmed

    first = judge_once(Case((PROGRAMS / "deadlock_both.py").read_text()), ft, ft, QUICK)
    assert (first.kind, first.side) == (Kind.HANG, Side.BOTH) and first.deadlock
    assert first.target.crash.headline.startswith("deadlock: every thread waiting")
    again = confirmed(Case("pass\n"), first, 5, QUICK, pair=Pair(ft, ft))  # would not hang if re-run
    assert (again.runs, again.reproductions) == (1, 1) and not again.flaky


def test_idle_programs_that_are_not_deadlocked_finish(ft):
    """Sleeping, a timed wait everyone depends on, a timed lock acquire: idle for longer
    than the stall look, yet not a deadlock; each finishes and agrees."""
    sources = {
        "sleep": "import time\ntime.sleep(2.5)\nemit('slept', True)\n",
        "timed wait": (
            "import threading\nevent = threading.Event()\n"
            "def waiter():\n    event.wait(2.5)\n"
            "t = threading.Thread(target=waiter)\nt.start()\nt.join()\nemit('waited', True)\n"
        ),
        "timed acquire": (
            "import threading\nlock = threading.Lock()\nlock.acquire()\n"
            "def taker():\n    return lock.acquire(timeout=2.5)\n"
            "t = threading.Thread(target=taker)\nt.start()\nt.join()\nemit('done', True)\n"
        ),
    }
    for name, source in sources.items():
        observation = observe(run(Case(source), ft, QUICK))
        assert observation.outcome == "exit" and observation.finished and observation.crash is None, name


def test_all_waiting_reads_the_program_and_library_lines():
    stacks = parse_stacks(DEADLOCK_LOG.read_text())
    assert [frames[0][2] for frames in stacks] == ["right", "left", "join"]
    program = "/tmp/tandem-run-izh7fc63/case.py"
    source = "\n".join(["x = 1"] * 12 + ["        with b:"] + ["x = 1"] * 6 + ["        with a:"]) + "\n"
    assert all_waiting(stacks, program, source)
    busy = source.replace("        with a:", "        total += 1")
    assert not all_waiting(stacks, program, busy)  # one thread is computing, not waiting
    timed = [(("/lib/python3.13t/threading.py", 359, "wait"),)]
    assert all_waiting(timed, program, source, line_of=lambda f, n: "            waiter.acquire()\n")
    assert not all_waiting(
        timed, program, source, line_of=lambda f, n: "            gotit = waiter.acquire(True, timeout)\n"
    )
    assert not all_waiting([()], program, source)  # a thread with no Python frame: unknown


def test_hang_deadlines_adapt_to_the_other_side():
    limits = Limits(deadline=60.0)
    assert adapted(limits, 0.2).deadline == HANG_FLOOR
    assert adapted(limits, 3.0).deadline == 30.0
    assert adapted(limits, 100.0).deadline == 60.0 and adapted(limits, None).deadline == HANG_FLOOR
    assert adapted(Limits(deadline=0), 1.0).deadline == 0  # no deadline stays none


def test_confirming_a_hang_does_not_wait_the_full_deadline(ft_debug, ft):
    """A program that spins forever on the debug target only: the first judgement waits
    as long as the oracle's time allows (the floor, not 600 s: else this test would not end in
    its timeout), and so does each re-run."""
    source = "import sys\nwhile hasattr(sys, 'gettotalrefcount'):\n    pass\nemit('done', True)\n"
    first = judge_once(Case(source), ft_debug, ft, Limits(deadline=600.0, grace=0.5))
    assert (first.kind, first.side) == (Kind.HANG, Side.TARGET) and not first.deadlock
    assert confirmation_limits(first, Limits(deadline=600.0)).deadline == HANG_FLOOR
    assert dataclasses.replace(first, runs=3, reproductions=1).flaky


def test_a_thread_that_sleeps_forever_is_a_hang_at_the_idle_limit(ft):
    """A non-daemon thread that never ends, sleeping: not a deadlock (sleep is not a
    wait), yet idle with the same stacks past the idle limit: a hang before the deadline."""
    source = "import threading, time\nthreading.Thread(target=lambda: time.sleep(3600)).start()\n"
    observation = observe(run(Case(source), ft, dataclasses.replace(QUICK, idle_limit=3.0)))
    assert observation.outcome == "hang" and observation.crash.headline.startswith("idle: no CPU")
    assert observation.crash.python_frames == ("<run>/case.py:<lambda>", "<stdlib>/threading.py:_shutdown")
