"""False positives must stay at zero: the same build twice agrees on every program.

tests/programs/agree/ holds deterministic and threaded programs (at least 30); each is
run with target = oracle = ft, and with the default pair (ft-debug against ft).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.oracle.judge import judge_once
from tandem.oracle.model import Kind, Limits
from tests.conftest import PROGRAMS, case_from

AGREE = sorted((PROGRAMS / "agree").glob("*.py")) + sorted(
    (Path(__file__).resolve().parents[2] / "corpus" / "seeds").glob("*.py")
)


def test_there_are_at_least_30_programs():
    assert len(AGREE) >= 30


@pytest.mark.parametrize("program", AGREE, ids=lambda p: p.stem)
def test_same_build_agrees(program, ft):
    verdict = judge_once(case_from(program), ft, ft, Limits(deadline=60.0))
    assert verdict.kind is Kind.AGREE, f"{verdict.summary}: {verdict.differences}"
    assert verdict.target.finished


@pytest.mark.parametrize("program", AGREE, ids=lambda p: p.stem)
def test_debug_against_release_agrees(program, ft_debug, ft):
    verdict = judge_once(case_from(program), ft_debug, ft, Limits(deadline=60.0))
    assert verdict.kind is Kind.AGREE, f"{verdict.summary}: {verdict.differences}"
