"""The fork server gives the same observations as a fresh process."""

from __future__ import annotations

import pytest

from oracle.executor import ForkServer, run
from oracle.model import Case, Limits
from oracle.normalize import observe
from tests.conftest import PROGRAMS, case_from

PROGRAMS_TO_COMPARE = sorted(p for p in (PROGRAMS / "verdicts").glob("*.py") if "deadlock" not in p.name)
PROGRAMS_TO_COMPARE += sorted((PROGRAMS / "agree").glob("*.py"))[:10]


@pytest.fixture(scope="module")
def server(ft_debug):
    server = ForkServer(ft_debug)
    yield server
    server.close()


@pytest.mark.parametrize("program", PROGRAMS_TO_COMPARE, ids=lambda p: p.stem)
def test_same_observation_as_a_fresh_process(program, server, ft_debug):
    case = case_from(program)
    limits = Limits(deadline=30.0)
    forked, fresh = observe(server.run(case, limits, False)), observe(run(case, ft_debug, limits))
    assert (forked.crash and forked.crash.kind) == (fresh.crash and fresh.crash.kind)
    assert forked.results == fresh.results and forked.exception == fresh.exception
    assert forked.violations == fresh.violations and forked.stdout == fresh.stdout
    assert [u.text for u in forked.unraisable] == [u.text for u in fresh.unraisable]
    assert forked.signal == fresh.signal and forked.exit_code == fresh.exit_code


def test_hash_seed_environment_and_hang(server):
    case = Case("import os, sys\nemit('hash', hash('tandem'))\nemit('cwd', os.listdir('.'))\n"
                "emit('env', sorted(k for k in os.environ if k.startswith('PYTHON')))\n")
    first, second = observe(server.run(case, Limits(), False)), observe(server.run(case, Limits(), False))
    assert first.results == second.results
    assert dict(first.results)["cwd"] == ("[]",)
    hang = observe(server.run(Case("def spin():\n    while True:\n        pass\nspin()\n"),
                              Limits(deadline=1.0, grace=1.0), False))
    assert hang.outcome == "hang" and any("spin" in f for f in hang.crash.python_frames)
    after = observe(server.run(case, Limits(), False))  # the server survives its child's kill
    assert after.results == first.results


def test_a_host_slower_than_its_child_still_gets_the_exit(ft, monkeypatch):
    """When the host reads the server's "pid" line only after the child has already
    exited, "pid N" and "exit S" arrive in one read: the second line must not be lost
    (it was, behind a buffered reader, and the run turned into a hang)."""
    import time

    original = ForkServer._line

    def slow_first_read(self, process, timeout):
        if timeout == 30.0:  # the "pid" answer: let the child finish first
            time.sleep(0.5)
        return original(self, process, timeout)

    monkeypatch.setattr(ForkServer, "_line", slow_first_read)
    server = ForkServer(ft)
    try:  # lost, the exit line made the run a hang (or a lost child) at the deadline
        raw = server.run(Case("emit('quick', 1)\n"), Limits(deadline=5.0, grace=0.5), False)
        assert not raw.timed_out and raw.returncode == 0
        assert {"t": "emit", "k": "quick", "v": "1"} in raw.records
    finally:
        server.close()
