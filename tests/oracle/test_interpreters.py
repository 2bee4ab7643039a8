"""Probing and the registry: real interpreters, real config files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tandem.oracle import interpreters as registry
from tandem.oracle.errors import ConfigError, InterpreterError


def test_probe_host(host):
    assert host.version_info[:2] == sys.version_info[:2]
    assert host.path == str(Path(sys.executable).resolve()) or Path(host.path).samefile(sys.executable)


def test_probe_provisioned_builds(ft, ft_debug):
    assert ft.free_threaded and not ft.debug
    assert ft_debug.free_threaded and ft_debug.debug
    assert ft.version == ft_debug.version
    assert ft.features.testinternalcapi and ft.features.ctypes
    # 3.13 disables the specializer in free-threaded builds; 3.14 turns it on.
    assert ft.features.specializer == (ft.version_info >= (3, 14))


def test_probe_gil_build_specializes(gil):
    assert not gil.free_threaded and gil.features.specializer


def test_missing_path(tmp_path):
    with pytest.raises(InterpreterError, match="does not exist"):
        registry.probe(tmp_path / "nope")


def test_not_python(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho hello\n")
    fake.chmod(0o755)
    with pytest.raises(InterpreterError, match="not a Python interpreter"):
        registry.probe(fake)


def test_crashes_at_startup(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nkill -SEGV $$\n")
    fake.chmod(0o755)
    with pytest.raises(InterpreterError, match="crashed at start-up"):
        registry.probe(fake)


def test_unknown_name_says_how_to_fix():
    with pytest.raises(InterpreterError, match="unknown interpreter 'nonesuch'"):
        registry.resolve("nonesuch", registry.Config(interpreters={}))


def test_add_writes_tandem_toml_and_resolves(tmp_path, host):
    config = registry.load_config(tmp_path)
    registry.add_interpreter(config, "mine", sys.executable)
    reloaded = registry.load_config(tmp_path)
    assert "mine" in reloaded.interpreters
    assert registry.resolve("mine", reloaded).version == host.version
    assert (reloaded.target, reloaded.oracle) == ("ft-debug", "ft")


def test_add_refuses_a_non_interpreter(tmp_path):
    config = registry.load_config(tmp_path)
    with pytest.raises(InterpreterError):
        registry.add_interpreter(config, "bad", str(tmp_path / "missing"))
    assert not (tmp_path / "tandem.toml").exists()  # nothing written


def test_pyproject_tool_section(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.tandem.interpreters]\nhostpy = "{sys.executable}"\n[tool.tandem.defaults]\ntarget = "hostpy"\n'
    )
    config = registry.load_config(tmp_path)
    assert config.target == "hostpy" and config.oracle == "ft"
    assert config.interpreters["hostpy"] == sys.executable


@pytest.mark.parametrize(
    "text, message",
    [
        ("[interpreters\n", "malformed TOML"),
        ("[interpreters]\nx = 3\n", "must map names to path strings"),
        ("[defaults]\ntargte = 'x'\n", "unknown key"),
        ("[surprise]\n", "unknown table"),
    ],
)
def test_malformed_config(tmp_path, text, message):
    (tmp_path / "tandem.toml").write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        registry.load_config(tmp_path)
    assert "tandem.toml" in str(info.value)


def test_provisioned_names_prefer_newest():
    base = Path("/x")
    builds = [
        registry.Build("3.14.1", "ft", base, base / "a", {}),
        registry.Build("3.13.15", "ft", base, base / "b", {}),
    ]
    names = registry.provisioned_names(builds)
    assert names["ft"].version == "3.14.1"
    assert names["3.13-ft"].version == "3.13.15"
    assert names["3.13.15-ft"].version == "3.13.15"
