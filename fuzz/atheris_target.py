"""OSS-Fuzz-shaped differential target: bytes -> scenario -> run on target and oracle.

    tandem-atheris [libFuzzer flags: -runs=N -max_total_time=S -fork=N ...]
    (python -m fuzz.atheris_target works too, except for -fork/-jobs, which re-execute argv[0])

`TestOneInput(data)` is the fuzz target: the bytes drive every generator choice (the
family first), the program runs on the target and the oracle (TANDEM_TARGET /
TANDEM_ORACLE, default ft-debug / ft, names or paths), and a finding raises
`DifferentialFinding` (libFuzzer then saves the input as a crash).  Inputs both sides
reject (invalid_case) are dropped, as atheris' differential examples do.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys

from oracle import interpreters as registry
from oracle.diff import format_verdict
from oracle.judge import judge_once
from oracle.model import Case, Kind, Limits

from .generators import FAMILIES
from .render import render
from .scenario import Capabilities


class DifferentialFinding(Exception):
    """The target and the oracle disagree (or one of them crashed) on this input."""


class ByteRandom(random.Random):
    """random.Random whose draws come from the input bytes, so that mutating a byte
    changes one choice; once the bytes run out, draws continue from a PRNG seeded by
    them (still deterministic)."""

    def __init__(self, data: bytes):
        self._data = data
        self._position = 0
        self._fallback = random.Random(hashlib.sha256(data).digest())
        super().__init__(0)

    def seed(self, *args, **kwargs) -> None:  # random.Random.__init__ calls it
        pass

    def getrandbits(self, k: int) -> int:
        size = (k + 7) // 8
        chunk = self._data[self._position:self._position + size]
        self._position += size
        if len(chunk) < size:
            return self._fallback.getrandbits(k)
        return int.from_bytes(chunk, "little") & ((1 << k) - 1)

    def random(self) -> float:
        return self.getrandbits(53) / (1 << 53)


_pair = None


def _bundled(name: str) -> str | None:
    """An interpreter shipped next to the fuzzer (the OSS-Fuzz build puts the builds in
    $OUT/tandem-interpreters/<name>/, see ci/oss-fuzz/build.sh)."""
    base = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "tandem-interpreters", name, "bin")
    for candidate in ("python3", "python"):
        path = os.path.join(base, candidate)
        if os.access(path, os.X_OK):
            return path
    return None


def _interpreters():
    """TANDEM_TARGET / TANDEM_ORACLE, else builds bundled next to the fuzzer, else the
    tandem configuration (ft-debug against ft)."""
    global _pair
    if _pair is None:
        config = registry.load_config()
        target_name = os.environ.get("TANDEM_TARGET") or _bundled("ft-debug") or config.target
        oracle_name = os.environ.get("TANDEM_ORACLE") or _bundled("ft") or config.oracle
        target = registry.resolve(target_name, config)
        oracle = registry.resolve(oracle_name, config)
        _pair = (target, oracle, Capabilities.common(target, oracle))
    return _pair


def scenario_for(data: bytes, caps: Capabilities):
    rng = ByteRandom(data)
    families = sorted(FAMILIES)
    family = families[rng.randrange(len(families))]
    seed = int.from_bytes(hashlib.sha256(data).digest()[:4], "little")
    return FAMILIES[family].build(rng, caps, seed=seed)


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name libFuzzer/atheris expect
    target, oracle, caps = _interpreters()
    scenario = scenario_for(data, caps)
    case = Case(source=render(scenario), name=f"{scenario.family}.py", scenario=scenario.to_json())
    verdict = judge_once(case, target, oracle, Limits(deadline=float(os.environ.get("TANDEM_TIMEOUT", "60"))))
    if verdict.kind is Kind.AGREE or verdict.kind is Kind.INVALID_CASE:
        return
    raise DifferentialFinding(format_verdict(verdict, target.name, oracle.name))


def main(argv: list[str] | None = None) -> None:
    import atheris  # only needed to run under libFuzzer, not to import this module

    # Coverage of the generators' own branches guides libFuzzer toward new scenarios.
    atheris.instrument_all()
    atheris.Setup(list(argv if argv is not None else sys.argv), TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
