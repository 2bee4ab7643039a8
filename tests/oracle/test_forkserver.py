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
