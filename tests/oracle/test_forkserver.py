"""The fork server gives the same observations as a fresh process, with and without the
interpreter's teardown (ForkServer.run(teardown=False))."""

from __future__ import annotations

import pytest

from tandem.oracle.executor import ForkServer, run
from tandem.oracle.model import Case, Limits
from tandem.oracle.normalize import observe
from tests.conftest import PROGRAMS, case_from

PROGRAMS_TO_COMPARE = sorted(p for p in (PROGRAMS / "verdicts").glob("*.py") if "deadlock" not in p.name)
PROGRAMS_TO_COMPARE += sorted((PROGRAMS / "agree").glob("*.py"))[:10]
# What a program does after its last line: atexit, threads joined, flushes, exit status,
# and what module teardown runs (finalizers of __main__ and of modules it imported).
EXIT_PROGRAMS = sorted((PROGRAMS / "exit").glob("*.py"))


@pytest.fixture(scope="module")
def server(ft_debug):
    server = ForkServer(ft_debug)
    yield server
    server.close()


@pytest.mark.parametrize("teardown", [True, False], ids=["teardown", "no-teardown"])
@pytest.mark.parametrize("program", PROGRAMS_TO_COMPARE + EXIT_PROGRAMS, ids=lambda p: p.stem)
def test_same_observation_as_a_fresh_process(program, teardown, server, ft_debug):
    case = case_from(program)
    limits = Limits(deadline=30.0)
    forked = observe(server.run(case, limits, False, teardown=teardown))
    fresh = observe(run(case, ft_debug, limits))
    assert (forked.crash and forked.crash.kind) == (fresh.crash and fresh.crash.kind)
    assert forked.results == fresh.results and forked.exception == fresh.exception
    assert forked.violations == fresh.violations and forked.stdout == fresh.stdout
    assert [u.text for u in forked.unraisable] == [u.text for u in fresh.unraisable]
    assert forked.signal == fresh.signal and forked.exit_code == fresh.exit_code


def test_hash_seed_environment_and_hang(server):
    case = Case(
        "import os, sys\nemit('hash', hash('tandem'))\nemit('cwd', os.listdir('.'))\n"
        "emit('env', sorted(k for k in os.environ if k.startswith('PYTHON')))\n"
    )
    first, second = observe(server.run(case, Limits(), False)), observe(server.run(case, Limits(), False))
    assert first.results == second.results
    assert dict(first.results)["cwd"] == ("[]",)
    hang = observe(
        server.run(Case("def spin():\n    while True:\n        pass\nspin()\n"), Limits(deadline=1.0, grace=1.0), False)
    )
    assert hang.outcome == "hang" and any("spin" in f for f in hang.crash.python_frames)
    after = observe(server.run(case, Limits(), False))  # the server survives its child's kill
    assert after.results == first.results


def test_a_host_slower_than_its_child_still_gets_the_exit(ft, monkeypatch):
    """When the host reads the server's "pid" line only after the child has already
    exited, "pid N" and "exit S" arrive in one read: the second line must not be lost
    (it was, behind a buffered reader, and the run turned into a hang)."""
    import time

    original = ForkServer._line

    def slow_first_read(self, process, timeout, output=None):
        if timeout == 30.0:  # the "pid" answer: let the child finish first
            time.sleep(0.5)
        return original(self, process, timeout, output)

    monkeypatch.setattr(ForkServer, "_line", slow_first_read)
    server = ForkServer(ft)
    try:  # lost, the exit line made the run a hang (or a lost child) at the deadline
        raw = server.run(Case("emit('quick', 1)\n"), Limits(deadline=5.0, grace=0.5), False)
        assert not raw.timed_out and raw.returncode == 0
        assert {"t": "emit", "k": "quick", "v": "1"} in raw.records
    finally:
        server.close()


def test_exit_programs_show_what_they_test(ft_debug):
    """The exit programs are worth comparing: each shows its after-the-end behaviour in a
    fresh process (an unraisable event, a status, late output)."""
    seen = {p.stem: observe(run(case_from(p), ft_debug, Limits(deadline=30.0))) for p in EXIT_PROGRAMS}
    unraisable = {name: [u.exc_message for u in o.unraisable] for name, o in seen.items()}
    assert unraisable["atexit_callback_raises"] == ["from atexit"]
    assert unraisable["cycle_with_del"] == ["del in cycle ok"] * 2
    assert unraisable["main_global_with_del"] == ["'global del'"]
    assert unraisable["generator_finalized_at_exit"] == ["finally at exit"]
    assert unraisable["imported_module_teardown"] == [
        "torn down with json; import: sys.meta_path is None, Python is likely shutting down"
    ]
    assert seen["exit_status"].exit_code == 3 and seen["exit_status"].stdout == "partial"
    assert seen["huge_exit_status"].exit_code == (2**40 + 7) % 2**32 % 256
    assert "late thread done" in seen["non_daemon_thread"].stdout
    lost = seen["buffered_stdout_lost"]
    assert lost.exit_code == 120 and "Exception ignored on flushing sys.stdout" in lost.unraisable[0].text


@pytest.mark.parametrize("name", ["ft", "gil"])
def test_no_teardown_matches_fresh_on_release_and_gil_builds(name, request):
    interpreter = request.getfixturevalue(name)
    server = ForkServer(interpreter)
    try:
        for program in EXIT_PROGRAMS:
            case, limits = case_from(program), Limits(deadline=30.0)
            forked = observe(server.run(case, limits, False, teardown=False))
            assert forked == observe(run(case, interpreter, limits)), program.stem
    finally:
        server.close()


def test_no_teardown_does_not_tear_down_what_the_child_inherited(server, ft_debug):
    """The documented blind spot: an object hung on a module the server had already
    imported (re) is finalized by a fresh process's teardown, not by a child that skips
    it; the full teardown in the same server still finalizes it."""
    case = Case(
        "import re\nclass Boom:\n    def __del__(self):\n        raise OSError('re torn down')\nre.keep = Boom()\n"
    )
    limits = Limits(deadline=30.0)
    fresh = observe(run(case, ft_debug, limits))
    full = observe(server.run(case, limits, False, teardown=True))
    skipped = observe(server.run(case, limits, False, teardown=False))
    assert [u.exc_message for u in fresh.unraisable] == ["re torn down"]
    assert [u.exc_message for u in full.unraisable] == ["re torn down"]
    assert skipped.unraisable == () and skipped.exit_code == 0
