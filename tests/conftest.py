"""Shared fixtures: the provisioned interpreters every real test runs on.

The interpreters are provisioned by ci/test.sh before pytest starts (see README); a test
that needs one that is missing fails with the command that fixes it, never skips.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from oracle import interpreters as registry
from oracle.model import Case, Interpreter, Limits

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = Path(__file__).resolve().parent / "programs"


def _resolve(name: str) -> Interpreter:
    try:
        return registry.resolve(name, registry.Config(interpreters={}))
    except Exception as exc:  # noqa: BLE001 - turned into a clear failure
        pytest.fail(f"interpreter {name!r} is not available ({exc}); "
                    f"run `tandem interpreters provision --variant {name}` (ci/test.sh does)")


@pytest.fixture(scope="session")
def ft() -> Interpreter:
    return _resolve("ft")


@pytest.fixture(scope="session")
def ft_debug() -> Interpreter:
    return _resolve("ft-debug")


@pytest.fixture(scope="session")
def gil() -> Interpreter:
    return _resolve("gil")


@pytest.fixture(scope="session")
def host() -> Interpreter:
    """The interpreter running the tests: fast, for harness tests that need no build."""
    return registry.probe(sys.executable, name="host")


@pytest.fixture
def quick_limits() -> Limits:
    return Limits(deadline=20.0)


def case_from(path: Path) -> Case:
    return Case(source=path.read_text(), name=path.name)
