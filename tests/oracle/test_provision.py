"""Provisioning: source discovery, unpacking, idempotence and clear errors."""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

import pytest

from tandem.oracle import provision
from tandem.oracle.errors import ProvisionError


def test_mirrors_come_from_the_machines_apt_configuration():
    mirrors = provision.debian_mirrors()
    assert mirrors, "this machine's apt configuration names a Debian archive"
    assert all(m.uri.startswith(("http://", "https://", "file:", "mirror+")) for m in mirrors)


def test_second_call_is_instant_and_does_not_touch_apt(ft, ft_debug, monkeypatch):
    def no_apt(*args, **kwargs):
        raise AssertionError("apt consulted although the builds exist")

    monkeypatch.setattr(provision, "fetch_apt_source", no_apt)
    started = time.monotonic()
    builds = provision.provision(("ft-debug", "ft"))
    elapsed = time.monotonic() - started
    assert [b.variant for b in builds] == ["ft-debug", "ft"]
    assert Path(builds[0].python).samefile(ft_debug.path)
    assert elapsed < 5  # generous: it reads two marker files


def _tarball(tmp_path: Path, files: dict[str, str]) -> Path:
    path = tmp_path / "src.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_tarball_version_is_read_from_patchlevel(tmp_path, monkeypatch):
    monkeypatch.setenv("TANDEM_CACHE", str(tmp_path / "cache"))
    tarball = _tarball(
        tmp_path,
        {
            "Python-3.13.99/configure": "#!/bin/sh\n",
            "Python-3.13.99/Include/patchlevel.h": '#define PY_VERSION "3.13.99"\n',
        },
    )
    source = provision.unpack_tarball(tarball, tmp_path / "cache" / "src", "tarball:test")
    assert source.version == "3.13.99" and (source.path / "configure").is_file()
    again = provision.unpack_tarball(tarball, tmp_path / "cache" / "src", "tarball:test")
    assert again.path == source.path


def test_tarball_that_is_not_cpython(tmp_path):
    tarball = _tarball(tmp_path, {"thing/README": "hello"})
    with pytest.raises(ProvisionError, match="not a CPython source tree"):
        provision.unpack_tarball(tarball, tmp_path / "src", "tarball:test")


def test_corrupt_tarball(tmp_path):
    bad = tmp_path / "bad.tar.xz"
    bad.write_bytes(b"definitely not xz")
    with pytest.raises(ProvisionError, match="cannot unpack"):
        provision.unpack_tarball(bad, tmp_path / "src", "tarball:bad")


def test_configured_checkout_is_refused(tmp_path):
    (tmp_path / "Include").mkdir()
    (tmp_path / "Include" / "patchlevel.h").write_text('#define PY_VERSION "3.14.0a1+"\n')
    (tmp_path / "configure").write_text("")
    (tmp_path / "Makefile").write_text("")
    with pytest.raises(ProvisionError, match="make distclean"):
        provision.checkout_source(tmp_path)


def test_missing_compiler_is_named(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ProvisionError, match=r"`cc` not found \(install the gcc"):
        provision.check_build_dependencies()


def test_compiler_failure_points_at_the_log(tmp_path, monkeypatch):
    monkeypatch.setenv("TANDEM_CACHE", str(tmp_path / "cache"))
    tree = tmp_path / "Python-3.13.98"
    (tree / "Include").mkdir(parents=True)
    (tree / "Include" / "patchlevel.h").write_text('#define PY_VERSION "3.13.98"\n')
    (tree / "configure").write_text(
        "#!/bin/sh\necho 'checking things...'\necho 'error: no acceptable C compiler' >&2\nexit 1\n"
    )
    (tree / "configure").chmod(0o755)
    source = provision.Source("3.13.98", tree, "test")
    with pytest.raises(ProvisionError) as info:
        provision.build_variant(source, "ft")
    message = str(info.value)
    assert "configure failed" in message and "no acceptable C compiler" in message
    assert str(tmp_path / "cache" / "logs" / "3.13.98-ft.log") in message
    # nothing half-built is registered
    assert not (tmp_path / "cache" / "interpreters" / "3.13.98-ft").exists()


def test_unknown_variant():
    with pytest.raises(ProvisionError, match="unknown variant"):
        provision.provision(("turbo",))
