"""Files on disk: atomic writes, the corpus format, standalone exports.

A corpus case is `<id>.py` (the program) and `<id>.json` (metadata, see
corpus/README.md); the id is a short hash of the program, so the same program is the
same case wherever it comes from.  Every write goes through atomic_write_*: a temporary
file in the same directory, fsync, rename; the .json is written last, so a case exists
only once both files are complete.  A malformed or newer-schema file raises CorpusError
naming the file; `iter_cases` yields such errors instead of stopping, so the rest of a
corpus still replays.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import CorpusError
from .model import Kind, Side, declared_env
from .sanitizers import StandaloneRun

SCHEMA_VERSION = 1
HARNESS = Path(__file__).with_name("_child.py")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o644)  # mkstemp makes 0600; these are ordinary, shareable files
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def case_id(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


@dataclasses.dataclass(frozen=True)
class Expectation:
    """What replaying a case must give: a verdict kind (and side), and for a finding the
    lowest acceptable reproduction rate over the runs."""

    kind: Kind = Kind.AGREE
    side: Side | None = None
    min_rate: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value}
        if self.side is not None:
            data["side"] = self.side.value
        if self.min_rate:
            data["min_rate"] = self.min_rate
        return data

    @staticmethod
    def from_json(data: Any, where: str) -> Expectation:
        if isinstance(data, str):
            data = {"kind": data}
        if not isinstance(data, dict) or "kind" not in data:
            raise CorpusError(f"{where}: 'expect' must be a verdict kind or {{\"kind\": ...}}")
        try:
            kind = Kind(data["kind"])
            side = Side(data["side"]) if data.get("side") else None
        except ValueError as exc:
            raise CorpusError(f"{where}: {exc}") from None
        return Expectation(kind, side, float(data.get("min_rate", 0.0)))


@dataclasses.dataclass(frozen=True)
class KnownFailure:
    """A bug the case reproduces on some interpreters (an upstream issue not yet fixed
    there): on a target matching `versions` (minor versions, "3.13"), `free_threaded`,
    `debug` and `sanitizer`, the verdict may be `kind` instead of the expectation.  None
    matches any build; `sanitizer` is "thread" or "address" (an ft-tsan or ft-asan
    variant: a data race or memory error only its detector sees) or "none" (a build
    without one)."""

    kind: Kind
    versions: tuple[str, ...]
    free_threaded: bool | None = None
    note: str = ""
    debug: bool | None = None  # only on debug (True) or release (False) builds
    sanitizer: str | None = None

    def matches(self, version: str, free_threaded: bool, debug: bool = False, sanitizer: str = "") -> bool:
        minor = ".".join(version.split(".")[:2])
        return (
            (minor in self.versions or not self.versions)
            and (self.free_threaded is None or self.free_threaded == free_threaded)
            and (self.debug is None or self.debug == debug)
            and (self.sanitizer is None or self.sanitizer == (sanitizer or "none"))
        )


SANITIZER_VALUES = ("thread", "address", "none")


@dataclasses.dataclass(frozen=True)
class CorpusCase:
    """One stored case: program, metadata, and where it lives."""

    id: str
    source: str
    expect: Expectation
    origin: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    signature: str = ""
    scenario: dict[str, Any] | None = None
    known_failures: tuple[KnownFailure, ...] = ()
    path: Path | None = None  # the .json file

    def metadata(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "id": self.id,
            "expect": self.expect.to_json(),
            "origin": self.origin,
            "description": self.description,
            "tags": list(self.tags),
            "signature": self.signature,
        }
        if self.known_failures:
            data["known_failures"] = [
                {
                    "kind": k.kind.value,
                    "versions": list(k.versions),
                    "free_threaded": k.free_threaded,
                    "note": k.note,
                    **({"debug": k.debug} if k.debug is not None else {}),
                    **({"sanitizer": k.sanitizer} if k.sanitizer is not None else {}),
                }
                for k in self.known_failures
            ]
        if self.scenario is not None:
            data["scenario"] = self.scenario
        return data


def load_program(program: Path) -> CorpusCase:
    """A program without metadata (a seed such as corpus/seeds/*.py): expect agree."""
    try:
        source = Path(program).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{program}: cannot read it ({exc})") from None
    return CorpusCase(Path(program).stem, source, Expectation(), origin=str(program))


def load_case(json_path: Path) -> CorpusCase:
    """Read one case; every problem is a CorpusError that names the file.  A program
    whose .json does not exist is a plain program expected to agree (load_program)."""
    json_path = Path(json_path)
    where = str(json_path)
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if json_path.with_suffix(".py").is_file():
            return load_program(json_path.with_suffix(".py"))
        raise CorpusError(f"{where}: no such file") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: the metadata must be a JSON object")
    schema = data.get("schema")
    if not isinstance(schema, int):
        raise CorpusError(f"{where}: missing or invalid 'schema' (expected an integer)")
    if schema > SCHEMA_VERSION:
        raise CorpusError(
            f"{where}: schema version {schema} is newer than this tandem understands "
            f"({SCHEMA_VERSION}); upgrade tandem to replay it"
        )
    program = json_path.with_suffix(".py")
    try:
        source = program.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(f"{where}: its program {program.name} is missing") from None
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{program}: not UTF-8 ({exc})") from None
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise CorpusError(f"{where}: 'tags' must be a list of strings")
    known = []
    for entry in data.get("known_failures", []):
        try:
            sanitizer = entry.get("sanitizer")
            if sanitizer is not None and sanitizer not in SANITIZER_VALUES:
                raise ValueError(f"sanitizer {sanitizer!r} is not one of {', '.join(SANITIZER_VALUES)} or null")
            known.append(
                KnownFailure(
                    Kind(entry["kind"]),
                    tuple(entry.get("versions", [])),
                    entry.get("free_threaded"),
                    entry.get("note", ""),
                    entry.get("debug"),
                    sanitizer,
                )
            )
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise CorpusError(f"{where}: malformed known_failures entry ({exc})") from None
    return CorpusCase(
        id=str(data.get("id") or json_path.stem),
        source=source,
        expect=Expectation.from_json(data.get("expect", "agree"), where),
        origin=str(data.get("origin", "")),
        description=str(data.get("description", "")),
        tags=tuple(tags),
        signature=str(data.get("signature", "")),
        scenario=data.get("scenario"),
        known_failures=tuple(known),
        path=json_path,
    )


# Metadata files of campaigns and finding buckets that live next to cases.
NOT_CASES = {"bucket.json", "verdict.json", "campaign.json", "state.json"}


def case_files(paths: Iterable[Path]) -> list[Path]:
    """The .json files of the given corpus directories and files, sorted; a .py given
    directly stands for its .json."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(
                p
                for p in path.rglob("*.json")
                if not p.name.startswith(".") and p.name not in NOT_CASES and p.parent.name != "queue"
            )
            # a program without metadata is replayed as a plain program (expect agree)
            # (but not a bucket's minimized reproducer: a finding, not a seed)
            found.extend(
                p.with_suffix(".json")
                for p in path.rglob("*.py")
                if not p.with_suffix(".json").exists()
                and not p.name.startswith(".")
                and not (p.parent / "bucket.json").exists()
            )
        elif path.suffix == ".py":
            found.append(path.with_suffix(".json"))
        else:
            found.append(path)
    return sorted(set(found))


def iter_cases(paths: Iterable[Path]) -> Iterator[CorpusCase | CorpusError]:
    for json_path in case_files(paths):
        try:
            yield load_case(json_path)
        except CorpusError as exc:
            yield exc


def remove_case(json_path: Path) -> None:
    """Delete a case: the .json first, so a half-removed case is never listed as one."""
    for path in (Path(json_path), Path(json_path).with_suffix(".py")):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def add_case(
    directory: Path,
    source: str,
    *,
    expect: Expectation = Expectation(),
    origin: str = "",
    description: str = "",
    tags: Iterable[str] = (),
    signature: str = "",
    scenario: dict[str, Any] | None = None,
    known_failures: Iterable[KnownFailure] = (),
) -> CorpusCase:
    """Store a case (idempotent: the same program gets the same id and file names)."""
    identifier = case_id(source)
    json_path = Path(directory) / f"{identifier}.json"
    case = CorpusCase(
        identifier,
        source,
        expect,
        origin,
        description,
        tuple(sorted(set(tags))),
        signature,
        scenario,
        tuple(known_failures),
        json_path,
    )
    program = json_path.with_suffix(".py")
    existed = program.exists()
    atomic_write_text(program, source)
    try:
        atomic_write_text(json_path, json.dumps(case.metadata(), indent=2, sort_keys=True) + "\n")
    except BaseException:
        if not existed:  # no program without its metadata (e.g. the disk filled up in between)
            program.unlink(missing_ok=True)
        raise
    return case


# -- standalone export -----------------------------------------------------------------

STANDALONE_MAIN = """

PROGRAM = {program!r}

if __name__ == "__main__":
    _outer = sys.modules.get("tandem_harness")
    if _outer is not None:  # already running under tandem's harness: use it
        _namespace = {{"__name__": "__main__", "__file__": __file__, "__builtins__": builtins}}
        for _name in ("emit", "observe", "check", "threads"):
            _namespace[_name] = getattr(_outer, _name)
        exec(compile(PROGRAM, {filename!r}, "exec"), _namespace)
    else:
        _wanted = {env!r}  # start-up environment the program declares (# tandem-env:)
        if any(os.environ.get(_k) != _v for _k, _v in _wanted.items()):
            os.execve(sys.executable, [sys.executable, *sys.argv], dict(os.environ, **_wanted))
        install(os.environ.get("TANDEM_REPORT"))
        sys.exit(run_source(PROGRAM, {filename!r}))
"""


def export_standalone(
    source: str, header: str = "", filename: str = "case.py", sanitizer_run: StandaloneRun | None = None
) -> str:
    """One file that runs on a bare interpreter: the harness inlined, then the program.

    Run by hand, results and failed checks are printed to stderr as `[tandem] {...}`
    lines; run under tandem, it reports like any program.  `sanitizer_run`: the finding's
    sanitizer build, whose run environment the file sets for itself (sanitizer_block)."""
    harness = HARNESS.read_text(encoding="utf-8")
    harness = harness[: harness.index("\ndef main(argv):")]
    env = declared_env(source)
    lines = ["#!/usr/bin/env python3"]
    lines += [f"# tandem-env: {name}={value}" for name, value in env]  # still leading: tandem honours it
    lines += [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += sanitizer_header(sanitizer_run, filename)
    lines.append("# The tandem harness is inlined below; the program under test is PROGRAM.")
    return (
        "\n".join(lines)
        + "\n"
        + sanitizer_block(sanitizer_run)
        + harness.rstrip()
        + "\n"
        + STANDALONE_MAIN.format(program=source, filename=filename, env=dict(env))
    )


# A finding on a sanitizer build reproduces there only with the runtime's options tandem
# used (oracle/sanitizers.py: suppressions, halt_on_error, leaks off, ...).  The file says
# the command line, and when run on such a build with none of the variables set, it
# re-executes itself with them; under tandem (tandem_harness loaded), or on another build,
# it does nothing.  The suppressions file is the build's copy of CPython's
# Tools/tsan/suppressions_free_threading.txt: on another machine it may be elsewhere.
SANITIZER_REEXEC = """import os as _os
import sys as _sys
import sysconfig as _sysconfig

_SANITIZER_ENV = {env!r}  # what tandem ran this program with on a {tool} build
_SUPPRESSIONS = {suppressions!r}
if (
    "tandem_harness" not in _sys.modules
    and {flag!r} in (_sysconfig.get_config_var("CONFIG_ARGS") or "")
    and not any(_name in _os.environ for _name in _SANITIZER_ENV)
):
    if _SUPPRESSIONS and _os.path.isfile(_SUPPRESSIONS):
        _SANITIZER_ENV[{first!r}] += ":suppressions=" + _SUPPRESSIONS
    elif _SUPPRESSIONS:
        print("[tandem] no " + _SUPPRESSIONS + ": give CPython's Tools/tsan/suppressions_free_threading.txt "
              "as suppressions= in {first}, or known races are reported too", file=_sys.stderr)
    _os.execve(_sys.executable, [_sys.executable, *_sys.argv], dict(_os.environ, **_SANITIZER_ENV))
"""


def sanitizer_header(run: StandaloneRun | None, filename: str) -> list[str]:
    """Comment lines: the exact command tandem's executor would run the file with."""
    if run is None:
        return []
    return [
        f"# Found on a {run.tool} build; tandem ran it there as:",
        f"#   {run.command(filename)}",
        f"# Run on that build without {' or '.join(name for name, _ in run.environment)} in the environment,",
        "# this file re-executes itself with them; the runtime's reports go to stderr.",
    ]


def sanitizer_block(run: StandaloneRun | None) -> str:
    if run is None:
        return ""
    env = dict(run.environment)
    return (
        SANITIZER_REEXEC.format(
            env=env, tool=run.tool, suppressions=run.suppressions, flag=run.configure_flag, first=next(iter(env))
        )
        + "\n"
    )


# A reproducer carries only the harness functions its program calls (reproducer()):
# each is a few lines that print what the harness would record, and defer to the real
# harness when the file runs under tandem (so it reports as any program there).
HARNESS_API = ("emit", "observe", "check", "threads", "pause_for_inspection")
SHIM_HEAD = """# --- a shim of the tandem harness functions this program calls ---
import sys as _sys
_harness = _sys.modules.get("tandem_harness")  # present when run by tandem itself
"""
SHIM_FUNCTIONS = {
    "emit": """

def emit(key, value):
    print("[tandem] emit %s = %r" % (key, value), file=_sys.stderr)
""",
    "observe": """

def observe(key, value, allowed=None):
    if allowed is not None and value not in allowed:
        print("[tandem] OBSERVATION NOT ALLOWED: %s = %r" % (key, value), file=_sys.stderr)
    return allowed is None or value in allowed
""",
    "check": """

def check(condition, label, detail=None):
    if not condition:
        print("[tandem] CHECK FAILED: %s (%r)" % (label, detail), file=_sys.stderr)
    return bool(condition)
""",
    "threads": """

def threads(*functions, timeout=None, names=None):
    import threading
    barrier, results = threading.Barrier(len(functions)), [None] * len(functions)

    def run(index, function):
        barrier.wait()
        results[index] = function()

    workers = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout)
    return results
""",
    "pause_for_inspection": """

def pause_for_inspection(label="pause"):
    return False  # no host reads this process's stack from outside (tandem run --outside-view)
""",
}
SHIM_TAIL = """
if _harness is not None:
    {assignments}
# --- end of shim; the program follows ---

"""


def harness_functions(source: str) -> tuple[str, ...]:
    """The harness functions a program uses (names it reads, or imports from
    tandem_harness), in HARNESS_API order."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return HARNESS_API  # cannot tell: all of them
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in HARNESS_API:
            used.add(node.id)
        elif isinstance(node, ast.ImportFrom) and node.module == "tandem_harness":
            used.update(alias.name for alias in node.names if alias.name in HARNESS_API)
        elif isinstance(node, ast.Attribute) and node.attr in HARNESS_API:
            used.add(node.attr)  # tandem_harness.emit(...)
    return tuple(name for name in HARNESS_API if name in used)


def with_shim(source: str) -> str:
    """The program behind a shim of only the harness functions it calls (nothing when
    it calls none): the readable form for a bug report (export_standalone gives the
    full harness, with unraisable capture)."""
    used = harness_functions(source)
    if not used or SHIM_HEAD.splitlines()[0] in source:  # nothing to add, or already a reproducer
        return source
    shim = SHIM_HEAD + "".join(SHIM_FUNCTIONS[name] for name in used)
    assignments = "; ".join(f"{name} = _harness.{name}" for name in used)
    shim += SHIM_TAIL.format(assignments=assignments)
    if "tandem_harness" in source:
        shim = shim.replace(
            "# --- end of shim", '_sys.modules.setdefault("tandem_harness", _sys.modules[__name__])\n# --- end of shim'
        )
    # the program's leading comments (its `# tandem-env:` lines among them) stay leading
    lines = source.splitlines(keepends=True)
    lead = 0
    while lead < len(lines) and (lines[lead].startswith("#") or not lines[lead].strip()):
        lead += 1
    return "".join(lines[:lead]) + shim + "".join(lines[lead:])


REEXEC = """import os as _os
import sys as _sys
_wanted = {env!r}  # start-up environment the program needs (# tandem-env:)
if any(_os.environ.get(_k) != _v for _k, _v in _wanted.items()):
    _os.execve(_sys.executable, [_sys.executable, *_sys.argv], dict(_os.environ, **_wanted))
"""


def reproducer(
    source: str, header: str = "", filename: str = "case.py", sanitizer_run: StandaloneRun | None = None
) -> str:
    """A reproducer for a bug report or a bare interpreter: a comment header, the
    start-up environment the program declares (re-executing itself with it), the shim
    of the harness functions it calls (none when it calls none), then the program.
    `sanitizer_run`: the finding's sanitizer build, whose run environment the file names
    and sets for itself (sanitizer_block)."""
    env = declared_env(source)
    lines = ["#!/usr/bin/env python3"]
    lines += [f"# tandem-env: {name}={value}" for name, value in env]  # still leading: tandem honours it
    lines += [f"# {line}" if line else "#" for line in header.splitlines()]
    lines.append(f"# {filename}: runs on a bare interpreter as it is.")
    lines += sanitizer_header(sanitizer_run, filename)
    prefix = sanitizer_block(sanitizer_run) + (REEXEC.format(env=dict(env)) if env else "")
    return "\n".join(lines) + "\n" + prefix + with_shim(source)
