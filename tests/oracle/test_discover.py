"""`tandem interpreters discover`: pyenv, uv, build directories and PATH, probed and named
as provisioned builds are.  The layouts are made in tmp_path around the real provisioned
builds (each a different real executable, so none is de-duplicated away)."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from tandem.oracle import interpreters as registry
from tandem.oracle.discover import discover
from tandem.oracle.errors import InterpreterError

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(ROOT / ".venv" / "bin" / "tandem")


@pytest.fixture
def layouts(tmp_path, ft, ft_debug, gil, monkeypatch):
    """A pyenv root with a free-threaded 3.13t, a uv install dir with a debug ft build, a
    build directory with ./python (the GIL build), and a pyenv shim that must be skipped."""
    pyenv = tmp_path / "pyenv"
    (pyenv / "versions" / f"{ft.version}t" / "bin").mkdir(parents=True)
    (pyenv / "versions" / f"{ft.version}t" / "bin" / "python3.13t").symlink_to(ft.path)
    (pyenv / "shims").mkdir()
    (pyenv / "shims" / "python3.13").write_text("#!/bin/sh\nexit 1\n")
    (pyenv / "shims" / "python3.13").chmod(0o755)
    uv = tmp_path / "uv"
    install = uv / f"cpython-{ft_debug.version}+freethreaded+debug-linux-x86_64-gnu" / "bin"
    install.mkdir(parents=True)
    (install / "python3.13td").symlink_to(ft_debug.path)
    build = tmp_path / "checkout"
    build.mkdir()
    (build / "python").symlink_to(gil.path)
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(uv))
    monkeypatch.setenv("PATH", f"{pyenv / 'shims'}{os.pathsep}{os.environ['PATH']}")
    return pyenv, uv, build


def test_discover_names_each_layout_with_its_variant(layouts, ft, ft_debug, gil):
    _pyenv, _uv, build = layouts
    found = {f.name: f for f in discover((build,)) if f.interpreter is not None}
    assert found[f"{ft.version}-ft"].source == "pyenv" and found[f"{ft.version}-ft"].interpreter.free_threaded
    debug = found[f"{ft_debug.version}-ft-debug"]
    assert debug.source == "uv" and debug.interpreter.debug and debug.interpreter.free_threaded
    assert found[f"{gil.version}-gil"].source == "build" and not found[f"{gil.version}-gil"].interpreter.debug
    assert not any("shims" in f.path for f in found.values())


def test_discover_add_records_names_that_resolve(layouts, tmp_path, ft):
    pyenv, _uv, build = layouts
    project = tmp_path / "project"
    project.mkdir()
    done = subprocess.run(
        [TANDEM, "interpreters", "discover", "--in", str(build), "--add", "--json"],
        capture_output=True,
        text=True,
        cwd=project,
        env=os.environ,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert any(r["name"] == f"{ft.version}-ft" and r["added"] for r in rows)
    recorded = tomllib.loads((project / "tandem.toml").read_text())["interpreters"]
    assert Path(recorded[f"{ft.version}-ft"]) == pyenv / "versions" / f"{ft.version}t" / "bin" / "python3.13t"
    config = registry.load_config(project)
    assert registry.resolve(f"{ft.version}-ft", config).free_threaded
    again = subprocess.run(
        [TANDEM, "interpreters", "discover", "--in", str(build), "--add"],
        capture_output=True,
        text=True,
        cwd=project,
        env=os.environ,
    )
    assert again.returncode == 0 and "nothing new to add" in again.stdout


def test_discover_refuses_a_directory_without_a_build(tmp_path):
    with pytest.raises(InterpreterError, match="no built interpreter"):
        discover((tmp_path,))
    done = subprocess.run(
        [TANDEM, "interpreters", "discover", "--in", str(tmp_path / "absent")], capture_output=True, text=True
    )
    assert done.returncode != 0 and "not a directory" in done.stderr


@pytest.mark.skipif(
    not (Path.home() / ".pyenv" / "versions" / "3.13.0").is_dir(),
    reason="this machine has no pyenv 3.13.0 (the layout test above covers pyenv)",
)
def test_discover_lists_this_machines_pyenv_builds(monkeypatch):
    monkeypatch.delenv("PYENV_ROOT", raising=False)
    names = {f.name: f for f in discover() if f.interpreter is not None and f.source == "pyenv"}
    assert {"3.13.0-gil"} <= set(names)
    assert not names["3.13.0-gil"].interpreter.free_threaded and not names["3.13.0-gil"].interpreter.debug
    assert any(n.startswith("3.11.") for n in names) and any(n.startswith("3.12.") for n in names)
