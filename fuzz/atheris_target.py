"""OSS-Fuzz-shaped differential target: bytes -> scenario -> run on target and oracle.

    tandem-atheris [libFuzzer flags: -runs=N -max_total_time=S -fork=N ...]
    (python -m tandem.fuzz.atheris_target works too, except for -fork/-jobs, which re-execute argv[0])

`TestOneInput(data)` is the fuzz target: the bytes drive every generator choice (the
family first), the program runs on the target and the oracle (TANDEM_TARGET /
TANDEM_ORACLE, default ft-debug / ft, names or paths), and a finding raises
`DifferentialFinding` (libFuzzer then saves the input as a crash).  Inputs both sides
reject (invalid_case) are dropped, as atheris' differential examples do.
"""

# No `from __future__ import ...` here: OSS-Fuzz's coverage build (compile_python_fuzzer
# with SANITIZER=coverage) prepends a coverage stub to this file, after which a future
# import is a SyntaxError.  The annotations below need none on Python >= 3.11.
import hashlib
import os
import random
import sys

# Absolute imports: OSS-Fuzz's compile_python_fuzzer bundles this file as the entry
# script of a PyInstaller executable, where it runs as a top-level __main__ (no parent
# package for a relative import); the packages come from the pip-installed tandem.
from tandem.fuzz.family import FAMILIES, default_mix
from tandem.fuzz.render import render
from tandem.fuzz.scenario import Capabilities
from tandem.oracle import executor
from tandem.oracle import interpreters as registry
from tandem.oracle.diff import format_verdict
from tandem.oracle.errors import HarnessError, TandemError
from tandem.oracle.judge import judge_once
from tandem.oracle.model import Case, Kind, Limits


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
        chunk = self._data[self._position : self._position + size]
        self._position += size
        if len(chunk) < size:
            return self._fallback.getrandbits(k)
        return int.from_bytes(chunk, "little") & ((1 << k) - 1)

    def random(self) -> float:
        return self.getrandbits(53) / (1 << 53)


_pair = None


def _fuzzer_dirs() -> list[str]:
    """Where the fuzzer executable lives.  In a PyInstaller bundle (OSS-Fuzz's
    compile_python_fuzzer) that is sys.executable, an absolute path even when the bundle
    was started through PATH with a bare argv[0]; otherwise the script named by argv[0]
    (the tandem-atheris console script)."""
    dirs = []
    if getattr(sys, "frozen", False):
        dirs.append(os.path.dirname(os.path.abspath(sys.executable)))
    if sys.argv and sys.argv[0]:
        dirs.append(os.path.dirname(os.path.abspath(sys.argv[0])))
    return list(dict.fromkeys(dirs))


def _bundled(name: str) -> str | None:
    """An interpreter shipped next to the fuzzer (the OSS-Fuzz build puts the builds in
    $OUT/tandem-interpreters/<name>/, see ci/oss-fuzz/build.sh)."""
    for directory in _fuzzer_dirs():
        base = os.path.join(directory, "tandem-interpreters", name, "bin")
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
        # Without the harness file both sides fail alike ("can't open file") and every
        # input would be judged agree: a bundle that lacks it must not fuzz silently.
        if not executor.HARNESS.is_file():
            raise HarnessError(
                f"the harness {executor.HARNESS} is missing (a PyInstaller bundle needs "
                "--add-data .../oracle/_child.py:oracle, see ci/oss-fuzz/build.sh)"
            )
        config = registry.load_config()
        target_name = os.environ.get("TANDEM_TARGET") or _bundled("ft-debug") or config.target
        oracle_name = os.environ.get("TANDEM_ORACLE") or _bundled("ft") or config.oracle
        target = registry.resolve(target_name, config)
        oracle = registry.resolve(oracle_name, config)
        _pair = (target, oracle, Capabilities.common(target, oracle))
    return _pair


def scenario_for(data: bytes, caps: Capabilities):
    rng = ByteRandom(data)
    families = list(default_mix(caps))  # the families the pair supports, as a campaign's default
    family = families[rng.randrange(len(families))]
    seed = int.from_bytes(hashlib.sha256(data).digest()[:4], "little")
    return FAMILIES[family].build(rng, caps, seed=seed)


INFRASTRUCTURE_PATIENCE = 3  # consecutive infrastructure errors before the fuzzer stops
_infrastructure_errors = 0


def _infrastructure_error(exc: Exception) -> None:
    """A run that could not be made (the disk is full, a fork server died, ...) is an
    error, not a finding: libFuzzer must not save the input as a crash.  The input is
    skipped with a message; after INFRASTRUCTURE_PATIENCE in a row the process stops
    with status 2, through os._exit so that libFuzzer's exit handler does not report a
    crash either."""
    global _infrastructure_errors
    _infrastructure_errors += 1
    print(
        f"tandem-atheris: infrastructure error, input skipped ({_infrastructure_errors} in a row): {exc}",
        file=sys.stderr,
        flush=True,
    )
    if _infrastructure_errors >= INFRASTRUCTURE_PATIENCE:
        print("tandem-atheris: error: giving up after repeated infrastructure errors", file=sys.stderr, flush=True)
        os._exit(2)


def TestOneInput(data: bytes) -> None:
    global _infrastructure_errors
    target, oracle, caps = _interpreters()
    scenario = scenario_for(data, caps)
    case = Case(source=render(scenario), name=f"{scenario.family}.py", scenario=scenario.to_json())
    try:
        verdict = judge_once(case, target, oracle, Limits(deadline=float(os.environ.get("TANDEM_TIMEOUT", "60"))))
    except (TandemError, OSError) as exc:  # the host could not run it: tandem's errors, a full disk
        _infrastructure_error(exc)
        return
    _infrastructure_errors = 0
    if verdict.kind is Kind.AGREE or verdict.kind is Kind.INVALID_CASE:
        return
    raise DifferentialFinding(format_verdict(verdict, target.name, oracle.name))


def main(argv: list[str] | None = None) -> None:
    import atheris  # only needed to run under libFuzzer, not to import this module

    # Resolve the interpreters before libFuzzer starts: a set-up error (no interpreter,
    # no harness) is an error of the build or the machine, to be reported as such, not
    # an exception in TestOneInput that libFuzzer would save as a crash of the empty input.
    try:
        target, oracle, _ = _interpreters()
    except TandemError as exc:
        print(f"tandem-atheris: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    print(
        f"tandem-atheris: target {target.path} ({target.version}{target.abiflags}), "
        f"oracle {oracle.path} ({oracle.version}{oracle.abiflags})",
        file=sys.stderr,
    )
    # Coverage of the generators' own branches guides libFuzzer toward new scenarios.
    atheris.instrument_all()
    atheris.Setup(list(argv if argv is not None else sys.argv), TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
