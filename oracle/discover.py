"""Discovery: the interpreters a user already has, found, probed and named.

A CPython core developer has builds before tandem provisions any: pyenv versions
(pyenv builds free-threaded `3.13t` too), uv-managed pythons (with free-threaded and
debug variants), distribution packages (`python3.13`, `python3.13t`, `python3.13-dbg` on
PATH and in the usual prefixes) and checkouts built in place (`--in DIR`: DIR/python).

Each candidate is probed (interpreters.probe: the same probe as any interpreter) and
named as the provisioned builds are, `VERSION-VARIANT` (3.13.0-gil, 3.14.0-ft-debug); a
debug build with the GIL is `gil-debug`.  When two different executables claim one
name, the later gets its source as a suffix (3.13.0-gil-pyenv).  Candidates that are
not usable (too old, not CPython's harness-compatible, crash at start-up) are listed
with the reason, never silently dropped.

Decisions: pyenv's shims are skipped (they are scripts that pick a version by the
current directory, not interpreters); symlinks are followed and an executable found
twice is listed once (at its first source, in the order pyenv, uv, build directory,
PATH, prefixes).
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from .errors import InterpreterError
from .interpreters import probe
from .model import Interpreter

# python3.13, python3.13t, python3.13d, python3.13td, python3.13-dbg
VERSIONED = re.compile(r"^python3\.\d+(t|d|td|-dbg)?$")
PREFIXES = ("/usr/bin", "/usr/local/bin", "/opt/local/bin", "/opt/homebrew/bin")


@dataclasses.dataclass(frozen=True)
class Found:
    """One discovered executable: its source, and either the probe or why it is unusable."""

    path: str
    source: str  # "pyenv", "uv", "build", "path", "prefix"
    interpreter: Interpreter | None = None
    problem: str = ""
    name: str = ""

    @property
    def variant(self) -> str:
        assert self.interpreter is not None
        kind = "ft" if self.interpreter.free_threaded else "gil"
        return f"{kind}-debug" if self.interpreter.debug else kind


def _executables(directory: Path, pattern: re.Pattern) -> list[Path]:
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []
    return [e for e in entries if pattern.match(e.name) and e.is_file() and os.access(e, os.X_OK)]


def _best_in_bin(bin_dir: Path) -> list[Path]:
    """The interpreters of one installation's bin/: the versioned names (python3.13t is
    a different build from python3.13 when both exist), else python3."""
    found = _executables(bin_dir, VERSIONED)
    if not found and (bin_dir / "python3").is_file():
        found = [bin_dir / "python3"]
    return found


def pyenv_candidates() -> list[Path]:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    versions = root / "versions"
    return (
        [p for version in sorted(versions.iterdir()) for p in _best_in_bin(version / "bin")]
        if versions.is_dir()
        else []
    )


def uv_candidates() -> list[Path]:
    base = os.environ.get("UV_PYTHON_INSTALL_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share", "uv", "python"
    )
    root = Path(base)
    return (
        [p for install in sorted(root.iterdir()) if install.is_dir() for p in _best_in_bin(install / "bin")]
        if root.is_dir()
        else []
    )


def build_candidates(directory: Path) -> list[Path]:
    """A CPython checkout or build directory: its `python` (or python.exe, as macOS names it)."""
    return [directory / name for name in ("python", "python.exe") if (directory / name).is_file()]


def path_candidates() -> list[Path]:
    found = []
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry and "shims" not in Path(entry).parts:
            found.extend(_executables(Path(entry), VERSIONED))
    return found


def prefix_candidates() -> list[Path]:
    return [p for prefix in PREFIXES for p in _executables(Path(prefix), VERSIONED)]


def candidates(build_dirs: tuple[Path, ...] = ()) -> list[tuple[Path, str]]:
    """Every candidate with its source, each real executable once."""
    sources = [("pyenv", pyenv_candidates()), ("uv", uv_candidates())]
    sources += [("build", build_candidates(d)) for d in build_dirs]
    sources += [("path", path_candidates()), ("prefix", prefix_candidates())]
    seen: set[str] = set()
    result = []
    for source, paths in sources:
        for path in paths:
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                result.append((path, source))
    return result


def discover(build_dirs: tuple[Path, ...] = ()) -> list[Found]:
    """Probe every candidate and name the usable ones (see the module docstring)."""
    for directory in build_dirs:
        if not directory.is_dir():
            raise InterpreterError(f"--in {directory}: not a directory")
        if not build_candidates(directory):
            raise InterpreterError(f"--in {directory}: no built interpreter (no {directory / 'python'})")
    found: list[Found] = []
    taken: set[str] = set()
    for path, source in candidates(build_dirs):
        try:
            interpreter = probe(path, origin="discovered")
        except InterpreterError as exc:
            found.append(Found(str(path), source, problem=str(exc)))
            continue
        one = Found(str(path), source, interpreter)
        name = base = f"{interpreter.version}-{one.variant}"
        if name in taken:
            name = base = f"{base}-{source}"
        counter = 2
        while name in taken:
            name, counter = f"{base}-{counter}", counter + 1
        taken.add(name)
        found.append(dataclasses.replace(one, interpreter=dataclasses.replace(interpreter, name=name), name=name))
    return found
