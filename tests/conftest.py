"""Shared fixtures: the provisioned interpreters every real test runs on.

The interpreters are provisioned by ci/test.sh before pytest starts (see README); a test
that needs one that is missing fails with the command that fixes it, never skips.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tandem.oracle import interpreters as registry
from tandem.oracle.model import Case, Interpreter, Limits

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = Path(__file__).resolve().parent / "programs"


def _resolve(name: str) -> Interpreter:
    try:
        return registry.resolve(name, registry.Config(interpreters={}))
    except Exception as exc:
        pytest.fail(
            f"interpreter {name!r} is not available ({exc}); "
            f"run `tandem interpreters provision --variant {name}` (ci/test.sh does)"
        )


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


# Upstream bugs of CPython 3.13.15 free-threaded builds that generated programs can hit
# (each has a case in corpus/regressions with a known_failures entry).  A test that
# demands "no finding" accepts a run that died of one of these, and only of these.
KNOWN_UPSTREAM_CRASHES = (
    "tstate->interp->eval_frame == NULL",  # eval-frame hook installed under threads
    "_PyDict_NotifyEvent: Assertion `Py_REFCNT",  # instance __dict__ replaced under setattr
    "PyMutex_Unlock: unlocking mutex that is not locked",  # the same, release build
    "notify_code_watchers",  # repeated perf trampoline activation
    "returned NULL without setting an exception",  # trampoline activation under a memory limit
)


# The instance-__dict__ bug above shows without a crash too: a thread that replaced or
# read `obj.__dict__` while another replaced it gets the freed dict's memory, reused for
# another object (seen: "'traceback' object has no attribute 'clear'", type_mutation seed
# 21 on ft vs ft, about 1 run in 120).  The thread dies of an AttributeError naming a
# type that is no dict, and its result is missing ('every thread returned').
_DICT_REUSED = re.compile(r"'(?!dict')\w+' object has no attribute '(clear|update|items|keys|values|get|copy|pop)'")


def _known_upstream_corruption(observation) -> bool:
    errors = observation.thread_exceptions
    if not errors or observation.crash is not None or observation.exception is not None:
        return False
    if not all(kind == "AttributeError" and _DICT_REUSED.search(message) for kind, message in errors):
        return False
    return all(name == "every thread returned" for name, *_ in observation.violations)


def known_upstream_crash(*observations) -> bool:
    """Every failed observation failed of a known upstream bug (and at least one did):
    a crash named in KNOWN_UPSTREAM_CRASHES, or the freed instance dict's symptom."""
    failed = [o for o in observations if o is not None and (o.crash is not None or o.thread_exceptions or o.violations)]
    return bool(failed) and all(
        _known_upstream_corruption(o)
        if o.crash is None
        else any(k in o.crash.headline or k in o.stderr_tail for k in KNOWN_UPSTREAM_CRASHES)
        for o in failed
    )
