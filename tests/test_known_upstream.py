"""The test suite's list of known upstream 3.13.15 bugs accepts those and nothing else."""

from __future__ import annotations

from tandem.oracle.model import CrashInfo, Kind, Observation
from tests.conftest import known_upstream_crash


def _observation(crash=None, violations=(), thread_exceptions=(), exception=None) -> Observation:
    return Observation(
        interpreter="ft",
        version="3.13.15",
        outcome="signal" if crash else "exit",
        exit_code=None if crash else 0,
        signal="SIGABRT" if crash else None,
        crash=crash,
        finished=crash is None,
        results=(),
        observations=(),
        violations=violations,
        exception=exception,
        thread_exceptions=thread_exceptions,
        unraisable=(),
        stdout="",
        stderr_tail="",
    )


CLEAN = _observation()
FREED_DICT = _observation(
    violations=(("every thread returned", 1, "[413, 126, None]"),),
    thread_exceptions=(("AttributeError", "'traceback' object has no attribute 'clear'"),),
)


def test_known_crash_and_the_freed_dict_symptom_are_accepted():
    fatal = _observation(
        crash=CrashInfo(Kind.FATAL_ERROR, "Fatal Python error: PyMutex_Unlock: unlocking mutex that is not locked")
    )
    assert known_upstream_crash(fatal, CLEAN)
    assert known_upstream_crash(FREED_DICT, CLEAN)
    assert known_upstream_crash(CLEAN, FREED_DICT)


def test_anything_else_is_not():
    assert not known_upstream_crash(CLEAN, CLEAN)
    assert not known_upstream_crash(_observation(crash=CrashInfo(Kind.CRASH, "SIGSEGV")), CLEAN)
    # a dict that really lacks an attribute, another exception, another violation beside it
    assert not known_upstream_crash(
        _observation(thread_exceptions=(("AttributeError", "'dict' object has no attribute 'clear'"),))
    )
    assert not known_upstream_crash(_observation(thread_exceptions=(("KeyError", "'a'"),)))
    assert not known_upstream_crash(
        _observation(
            violations=(("every thread returned", 1, ""), ("class attribute value allowed", 1, "")),
            thread_exceptions=FREED_DICT.thread_exceptions,
        )
    )
