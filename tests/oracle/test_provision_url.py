"""Provisioning from a release-tarball server (python.org's layout) over loopback HTTP:
BASE/X.Y.Z/Python-X.Y.Z.tar.xz, with the SHA-256 checked, refused when wrong, and a 404
that names the URL.  Each test provisions into its own TANDEM_CACHE."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from tandem.oracle import interpreters as registry
from tandem.oracle.provision import release_url

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(ROOT / ".venv" / "bin" / "tandem")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test's output is the provisioning's
        pass


@pytest.fixture
def server(tmp_path):
    """A loopback HTTP server over tmp_path/srv; yields (base URL, its directory)."""
    root = tmp_path / "srv"
    root.mkdir()
    handler = lambda *a, **k: _Quiet(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/ftp/python", root / "ftp" / "python"
    httpd.shutdown()
    httpd.server_close()


def _provision(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TANDEM_CACHE": str(tmp_path / "cache")}
    return subprocess.run(
        [TANDEM, "interpreters", "provision", "--variant", "gil", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=1800,
    )


def test_release_url_follows_the_release_servers_layout():
    assert release_url("https://m.example/ftp/python/", "3.14.0rc1") == (
        "https://m.example/ftp/python/3.14.0/Python-3.14.0rc1.tar.xz"
    )
    with pytest.raises(Exception, match="full version"):
        release_url("https://m.example", "3.14")


def test_a_missing_release_names_the_url_and_status(tmp_path, server):
    base, _ = server
    done = _provision(tmp_path, "--version", "3.13.99", "--source-url", base)
    assert done.returncode != 0
    assert f"{base}/3.13.99/Python-3.13.99.tar.xz: HTTP 404" in done.stderr


def test_a_wrong_sha256_is_refused_and_the_download_deleted(tmp_path, server):
    base, directory = server
    (directory / "3.13.98").mkdir(parents=True)
    (directory / "3.13.98" / "Python-3.13.98.tar.xz").write_bytes(b"not the release you expect")
    done = _provision(tmp_path, "--version", "3.13.98", "--source-url", base, "--sha256", "0" * 64)
    assert done.returncode != 0
    assert "SHA-256 mismatch: expected " + "0" * 64 in done.stderr and "deleted" in done.stderr
    assert not list((tmp_path / "cache" / "downloads").glob("Python-3.13.98*"))
    # the same with the digest published next to the tarball on the server
    (directory / "3.13.98" / "Python-3.13.98.tar.xz.sha256").write_text("1" * 64 + "  Python-3.13.98.tar.xz\n")
    again = _provision(tmp_path, "--version", "3.13.98", "--source-url", base)
    assert again.returncode != 0 and "expected " + "1" * 64 in again.stderr


def _source_tree(ft) -> Path:
    """The CPython source the provisioned builds came from (ci/provision.sh unpacked it)."""
    tree = registry.cache_root() / "src" / f"Python-{ft.version}"
    if not (tree / "configure").is_file():
        pytest.fail(f"no CPython {ft.version} source tree at {tree}: run ci/provision.sh")
    return tree


@pytest.mark.slow
def test_provisioning_builds_from_a_release_server(tmp_path, server, ft):
    base, directory = server
    version = ft.version
    (directory / version).mkdir(parents=True)
    tarball = directory / version / f"Python-{version}.tar.xz"
    tree = _source_tree(ft)
    packed = subprocess.run(
        [
            "tar",
            "-C",
            str(tree.parent),
            "-cf",
            str(tarball),
            "--use-compress-program",
            "xz -0 -T0",
            "--exclude=.git",
            tree.name,
        ],
        capture_output=True,
        text=True,
    )
    assert packed.returncode == 0, packed.stderr
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    done = _provision(tmp_path, "--version", version, "--source-url", base, "--sha256", digest)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "sha256 checked" in done.stderr
    (built,) = (tmp_path / "cache" / "interpreters").glob(f"{version}-gil/tandem-build.json")
    meta = json.loads(built.read_text())
    assert meta["origin"] == f"url:{base}/{version}/Python-{version}.tar.xz"
    python = built.parent / meta["python"]
    ran = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version_info[:3], sys._is_gil_enabled())"],
        capture_output=True,
        text=True,
    )
    assert ran.stdout.strip() == f"{tuple(int(p) for p in version.split('.'))} True"
