"""Get CPython sources and build the variants tandem runs into the cache.

Sources come, in order of preference, from `--source DIR` (a CPython checkout),
`--tarball FILE`, `--source-url BASE` (a release tarball, see below), or the machine's
package manager: Debian source packages fetched with apt through the mirror the machine
is already configured with (read from its apt configuration, never named here), newest
version first with fallback.  When apt has no source for `--version X.Y.Z` (or there is
no apt), the release tarball is fetched from the base URL in the layout of CPython's
release server, which mirrors also serve: BASE/X.Y.Z/Python-X.Y.Zrc1.tar.xz.  The
default base is python.org's; `--source-url`, [provision] source_url in tandem.toml or
$TANDEM_SOURCE_URL set a mirror (an explicit --source-url is used without trying apt).
The tarball's SHA-256 is checked against `--sha256`, else against a `.sha256` file next
to it on the server when there is one; a build from an unchecked tarball says so.  Builds land in
$XDG_CACHE_HOME/tandem/interpreters/<version>-<variant>/ and are registered (by the
marker file) only after they are complete and have passed a smoke test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from . import sanitizers
from .errors import ProvisionError
from .interpreters import BUILD_MARKER, VARIANTS, Build, cache_root, interpreters_dir, provisioned_builds

CONFIGURE_FLAGS = {
    "ft": ("--disable-gil",),
    "ft-debug": ("--disable-gil", "--with-pydebug"),
    "gil": (),
    "ft-tsan": ("--disable-gil", "--with-thread-sanitizer"),
    # Release, not debug: ft-debug already checks assertions, and CPython's own ASan CI job
    # builds release; pydebug would double ASan's slowdown and halve the programs per hour.
    "ft-asan": ("--disable-gil", "--with-address-sanitizer", "--without-pymalloc"),
}
COMMON_FLAGS = ("--without-ensurepip",)
MIN_SOURCE_VERSION = (3, 13)  # the first release with a free-threaded build
CANDIDATE_MINORS = range(20, 12, -1)  # python3.20 ... python3.13 source packages
APT_SUITES = ("unstable", "testing", "stable")

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclasses.dataclass(frozen=True)
class Source:
    """An unpacked CPython source tree."""

    version: str
    path: Path
    origin: str  # "apt:python3.13=3.13.15-1", "tarball:...", "checkout:..."


# -- versions --------------------------------------------------------------------------

PATCHLEVEL = re.compile(r'#define\s+PY_VERSION\s+"(?P<version>[^"]+)"')


def source_version(tree: Path) -> str:
    """The PY_VERSION of a CPython source tree ("3.13.15", "3.14.0a1+")."""
    header = tree / "Include" / "patchlevel.h"
    try:
        match = PATCHLEVEL.search(header.read_text(errors="replace"))
    except OSError:
        match = None
    if not match or not (tree / "configure").is_file():
        raise ProvisionError(f"{tree} is not a CPython source tree (no configure or Include/patchlevel.h)")
    return match.group("version")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version)[:3])


# -- apt -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Mirror:
    uri: str
    signed_by: str | None


def _apt_config() -> dict[str, str]:
    try:
        out = subprocess.run(["apt-config", "dump"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ProvisionError(f"cannot read the apt configuration (apt-config dump failed: {exc})") from None
    config = {}
    for line in out.splitlines():
        match = re.match(r'^(\S+) "(.*)";$', line)
        if match:
            config[match.group(1)] = match.group(2)
    return config


def _source_files() -> list[Path]:
    config = _apt_config()
    root = config.get("Dir", "/")
    etc = Path(root) / config.get("Dir::Etc", "etc/apt")
    files = [etc / config.get("Dir::Etc::sourcelist", "sources.list")]
    parts = etc / config.get("Dir::Etc::sourceparts", "sources.list.d")
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    return [f for f in files if f.is_file()]


def debian_mirrors() -> list[Mirror]:
    """Archive URIs the machine's apt already uses for Debian's main component."""
    mirrors: list[Mirror] = []
    for path in _source_files():
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = {}
                for line in stanza.splitlines():
                    if line.startswith("#") or ":" not in line:
                        continue
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.strip()
                suites = fields.get("suites", "").split()
                if "main" not in fields.get("components", "").split():
                    continue
                if not suites or any(s.endswith("-security") for s in suites):
                    continue
                for uri in fields.get("uris", "").split():
                    mirrors.append(Mirror(uri, fields.get("signed-by")))
        else:
            for line in text.splitlines():
                match = re.match(
                    r"^\s*deb(?:-src)?\s+(?:\[(?P<opts>[^\]]*)\]\s+)?(?P<uri>\S+)\s+(?P<suite>\S+)\s+(?P<comps>.*)$",
                    line,
                )
                if (
                    not match
                    or "main" not in match.group("comps").split()
                    or match.group("suite").endswith("-security")
                ):
                    continue
                signed = re.search(r"signed-by=(\S+)", match.group("opts") or "")
                mirrors.append(Mirror(match.group("uri"), signed.group(1) if signed else None))
    unique: dict[str, Mirror] = {}
    for mirror in mirrors:
        if "debian" in mirror.uri and mirror.uri not in unique:
            unique[mirror.uri] = mirror
    return list(unique.values())


class _Apt:
    """apt-get with a private state directory: the machine's own apt state is untouched."""

    def __init__(self, root: Path, mirrors: list[Mirror]):
        self.root = root
        for sub in ("lists/partial", "cache/archives/partial", "etc/preferences.d", "etc/sources.list.d"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        lines = []
        for mirror in mirrors:
            options = f"[signed-by={mirror.signed_by}] " if mirror.signed_by else ""
            lines += [f"deb-src {options}{mirror.uri} {suite} main" for suite in APT_SUITES]
        (root / "etc" / "sources.list").write_text("\n".join(lines) + "\n")
        self.options = [
            "-o",
            f"Dir::State::Lists={root / 'lists'}",
            "-o",
            f"Dir::State::status={root / 'status'}",
            "-o",
            f"Dir::Etc::SourceList={root / 'etc' / 'sources.list'}",
            "-o",
            f"Dir::Etc::SourceParts={root / 'etc' / 'sources.list.d'}",
            "-o",
            f"Dir::Etc::PreferencesParts={root / 'etc' / 'preferences.d'}",
            "-o",
            f"Dir::Cache={root / 'cache'}",
            "-o",
            "Debug::NoLocking=1",
            "-o",
            "APT::Sandbox::User=root" if os.geteuid() == 0 else "APT::Sandbox::User=",
            "-o",
            "Acquire::Retries=2",
        ]
        (root / "status").touch()

    def call(self, tool: str, *args: str, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(
                [tool, *self.options, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            raise ProvisionError(f"{tool} {args[0]} did not finish within {timeout:.0f}s") from None


def _apt_candidates(apt: _Apt) -> list[tuple[str, str]]:
    """(package, version) source packages of CPython >= 3.13, newest first."""
    names = [f"python3.{minor}" for minor in CANDIDATE_MINORS]
    shown = apt.call("apt-cache", "showsrc", "--only-source", *names)
    candidates = set()
    package = None
    for line in shown.stdout.splitlines():
        if line.startswith("Package: "):
            package = line.split(":", 1)[1].strip()
        elif line.startswith("Version: ") and package:
            version = line.split(":", 1)[1].strip()
            upstream = version.split(":")[-1].rsplit("-", 1)[0]
            if _version_key(upstream)[:2] >= MIN_SOURCE_VERSION:
                candidates.add((package, version))
    return sorted(candidates, key=lambda pv: (_version_key(pv[1].split(":")[-1]), pv[1]), reverse=True)


def fetch_apt_source(workdir: Path, progress: Progress = _quiet, wanted: str | None = None) -> tuple[Path, str]:
    """Download the newest CPython source package that answers; returns (orig tarball, origin)."""
    if shutil.which("apt-get") is None:
        raise ProvisionError(
            "apt-get is not available on this machine: use --tarball FILE or --source DIR to give CPython sources"
        )
    mirrors = debian_mirrors()
    if not mirrors:
        raise ProvisionError(
            "the apt configuration names no Debian archive with the 'main' component; "
            "use --tarball FILE or --source DIR"
        )
    apt = _Apt(cache_root() / "apt", mirrors)
    progress(f"apt: updating source indices ({len(mirrors)} mirror(s), suites {', '.join(APT_SUITES)})")
    update = apt.call("apt-get", "update")
    if update.returncode != 0 and not any((apt.root / "lists").glob("*Sources*")):
        raise ProvisionError("no CPython source is reachable: apt-get update failed:\n" + update.stderr.strip()[-800:])
    candidates = _apt_candidates(apt)
    if wanted:
        candidates = [c for c in candidates if c[1].startswith(wanted) or c[0] == wanted]
    if not candidates:
        raise ProvisionError(
            "no CPython >= 3.13 source package is listed by the configured mirrors"
            + (f" matching {wanted!r}" if wanted else "")
        )
    failures = []
    for package, version in candidates:
        target = workdir / f"{package}_{version}"
        target.mkdir(parents=True, exist_ok=True)
        progress(f"apt: downloading source {package}={version}")
        result = apt.call("apt-get", "source", "--download-only", f"{package}={version}", cwd=target)
        tarballs = sorted(target.glob("*.orig.tar.*"))
        tarballs = [t for t in tarballs if not t.name.endswith(".asc")]
        if result.returncode == 0 and tarballs:
            return tarballs[0], f"apt:{package}={version}"
        reason = next((line for line in result.stderr.splitlines() if line.startswith("E:")), "failed")
        failures.append(f"{package}={version}: {reason}")
        progress(f"apt: {package}={version} unavailable ({reason[:100]}); trying the next one")
        shutil.rmtree(target, ignore_errors=True)
    raise ProvisionError("no CPython source is reachable; tried, newest first:\n  " + "\n  ".join(failures))


# -- release tarballs ------------------------------------------------------------------

DEFAULT_SOURCE_URL = "https://www.python.org/ftp/python"
RELEASE = re.compile(r"^(?P<base>\d+\.\d+\.\d+)(?:(?:a|b|rc)\d+)?$")
DOWNLOAD_TIMEOUT = 120.0


def release_url(base: str, version: str) -> str:
    """BASE/3.14.0/Python-3.14.0rc1.tar.xz for version 3.14.0rc1."""
    match = RELEASE.match(version)
    if match is None:
        raise ProvisionError(
            f"--version {version!r} is not a release version (X.Y.Z, or X.Y.ZrcN): "
            "a release tarball needs the full version"
        )
    return f"{base.rstrip('/')}/{match['base']}/Python-{version}.tar.xz"


def _download(url: str, into: Path) -> Path:
    """`url` to the file `into` (atomically); errors name the URL and the HTTP status."""
    partial = into.with_name(f".{into.name}.{os.getpid()}.partial")
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as answer, open(partial, "wb") as sink:
            shutil.copyfileobj(answer, sink, 1 << 20)
    except urllib.error.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise ProvisionError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        partial.unlink(missing_ok=True)
        raise ProvisionError(f"{url}: cannot download: {getattr(exc, 'reason', exc)}") from None
    os.replace(partial, into)
    return into


def _published_sha256(url: str) -> str | None:
    """The digest in a `.sha256` file next to the tarball, when the server has one."""
    try:
        with urllib.request.urlopen(url + ".sha256", timeout=DOWNLOAD_TIMEOUT) as answer:
            text = answer.read(4096).decode("ascii", "replace")
    except (urllib.error.URLError, OSError, TimeoutError):
        return None
    found = re.search(r"\b[0-9a-fA-F]{64}\b", text)
    return found.group(0).lower() if found else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_release_tarball(
    version: str, base: str, workdir: Path, progress: Progress = _quiet, sha256: str | None = None
) -> tuple[Path, str]:
    """Download (once) and check CPython's release tarball of `version`; returns (tarball,
    origin).  A tarball whose digest differs from the expected one is deleted and refused."""
    url = release_url(base, version)
    workdir.mkdir(parents=True, exist_ok=True)
    tarball = workdir / f"Python-{version}.tar.xz"
    expected = sha256.lower() if sha256 else None
    if expected is not None and not re.fullmatch(r"[0-9a-f]{64}", expected):
        raise ProvisionError(f"--sha256 {sha256!r} is not a SHA-256 digest (64 hex digits)")
    if not tarball.is_file():
        progress(f"downloading {url}")
        _download(url, tarball)
    expected = expected or _published_sha256(url)
    actual = sha256_of(tarball)
    if expected is not None and actual != expected:
        tarball.unlink()
        raise ProvisionError(f"{url}: SHA-256 mismatch: expected {expected}, got {actual}; the download was deleted")
    checked = "sha256 checked" if expected else "sha256 not checked: no --sha256 and no .sha256 file on the server"
    progress(f"{tarball.name}: {actual} ({checked})")
    return tarball, f"url:{url}" + ("" if expected else " (unchecked)")


# -- unpacking -------------------------------------------------------------------------


def unpack_tarball(tarball: Path, into: Path, origin: str) -> Source:
    """Extract a CPython release tarball (or Debian orig tarball) once; reuse it after."""
    if not tarball.is_file():
        raise ProvisionError(f"tarball does not exist: {tarball}")
    into.mkdir(parents=True, exist_ok=True)
    done = into / f"{tarball.name}.unpacked"
    if done.is_file():
        tree = into / done.read_text().strip()
        return Source(source_version(tree), tree, origin)
    staging = into / f".{tarball.name}.{os.getpid()}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        with tarfile.open(tarball) as archive:
            try:
                archive.extractall(staging, filter="data")
            except TypeError:  # Python < 3.11.4 has no extraction filters
                archive.extractall(staging)
    except (tarfile.TarError, OSError, EOFError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ProvisionError(f"cannot unpack {tarball}: {exc}") from None
    roots = [p for p in staging.iterdir() if p.is_dir()]
    if len(roots) != 1:
        shutil.rmtree(staging, ignore_errors=True)
        raise ProvisionError(f"{tarball} does not hold one source directory")
    final = into / roots[0].name
    shutil.rmtree(final, ignore_errors=True)
    os.replace(roots[0], final)
    shutil.rmtree(staging, ignore_errors=True)
    version = source_version(final)
    done.write_text(final.name)
    return Source(version, final, origin)


def checkout_source(directory: Path) -> Source:
    directory = directory.resolve()
    version = source_version(directory)
    if (directory / "Makefile").exists() or (directory / "pyconfig.h").exists():
        raise ProvisionError(
            f"{directory} is configured in-tree (a Makefile or pyconfig.h is there); "
            "tandem builds out of tree: run `make distclean` there first"
        )
    rev = subprocess.run(["git", "-C", str(directory), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    suffix = f"+{rev.stdout.strip()}" if rev.returncode == 0 and rev.stdout.strip() else ""
    return Source(version + suffix, directory, f"checkout:{directory}")


# -- build dependencies ----------------------------------------------------------------

REQUIRED_HEADERS = {"ffi.h": "libffi-dev"}  # ctypes: crash reproducers and tests use it
OPTIONAL_HEADERS = {
    "zlib.h": "zlib1g-dev",
    "openssl/ssl.h": "libssl-dev",
    "bzlib.h": "libbz2-dev",
    "lzma.h": "liblzma-dev",
    "sqlite3.h": "libsqlite3-dev",
}


def _has_header(header: str) -> bool:
    probe = subprocess.run(["cc", "-E", "-x", "c", "-"], input=f"#include <{header}>\n", capture_output=True, text=True)
    return probe.returncode == 0


def check_build_dependencies(progress: Progress = _quiet) -> None:
    """Fail early, naming the package, when something the build needs is missing."""
    for tool, package in (("cc", "gcc (build-essential)"), ("make", "make")):
        if shutil.which(tool) is None:
            raise ProvisionError(f"missing build dependency: `{tool}` not found (install the {package} package)")
    for header, package in REQUIRED_HEADERS.items():
        if not _has_header(header):
            raise ProvisionError(f"missing build dependency: <{header}> not found (install the {package} package)")
    missing = [package for header, package in OPTIONAL_HEADERS.items() if not _has_header(header)]
    if missing:
        progress(f"note: building without optional modules (missing: {', '.join(missing)})")


# -- building --------------------------------------------------------------------------


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    path = cache_root() / "locks" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(root: Path) -> None:
    """Remove staging and build directories left by interrupted builds."""
    for directory in (root, cache_root() / "build"):
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            match = re.search(r"\.partial-(\d+)$", entry.name)
            if match and not _pid_alive(int(match.group(1))):
                shutil.rmtree(entry, ignore_errors=True)


def _run_logged(
    argv: list[str], cwd: Path, log: Path, step: str, progress: Progress, env: dict[str, str] | None = None
) -> None:
    """Run a build step with its output appended to `log`; heartbeat via progress."""
    started = time.monotonic()
    with open(log, "ab") as handle:
        handle.write(f"\n$ {' '.join(argv)}\n".encode())
        handle.flush()
        process = subprocess.Popen(
            argv, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        last = started
        while process.poll() is None:
            time.sleep(0.5)
            now = time.monotonic()
            if now - last >= 15:
                progress(f"  {step}: {now - started:.0f}s")
                last = now
    if process.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        errors = [line for line in tail if "error" in line.lower()] or tail[-5:]
        raise ProvisionError(
            f"{step} failed (exit {process.returncode}); full log: {log}\n  " + "\n  ".join(errors[-6:])
        )


SMOKE = (
    "import json, sys, sysconfig; print(json.dumps({'ft': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
    " 'debug': hasattr(sys, 'gettotalrefcount'), 'version': '%d.%d.%d' % sys.version_info[:3]}))"
)


def build_variant(
    source: Source,
    variant: str,
    progress: Progress = _quiet,
    jobs: int | None = None,
    force: bool = False,
    root: Path | None = None,
) -> Build:
    """Configure, compile and install one variant; register it only when it works.

    `root` is where builds go (default: the interpreters cache; bisection keeps its
    per-revision builds elsewhere so they never shadow the provisioned names)."""
    if variant not in CONFIGURE_FLAGS:
        raise ProvisionError(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    if _version_key(source.version)[:2] < MIN_SOURCE_VERSION and variant != "gil":
        raise ProvisionError(f"CPython {source.version} has no free-threaded build (needs >= 3.13)")
    root = root or interpreters_dir()
    root.mkdir(parents=True, exist_ok=True)
    key = f"{source.version}-{variant}"
    final = root / key
    with _lock(key):
        if (final / BUILD_MARKER).is_file() and not force:
            return next(b for b in provisioned_builds(root) if b.key == key)
        clean_stale(root)
        shutil.rmtree(final, ignore_errors=True)  # an unregistered leftover is never trusted
        build_dir = cache_root() / "build" / f"{key}.partial-{os.getpid()}"
        staging = root / f".{key}.partial-{os.getpid()}"
        shutil.rmtree(build_dir, ignore_errors=True)
        build_dir.mkdir(parents=True)
        logs = cache_root() / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f"{key}.log"
        log.write_text(f"tandem build of {key} from {source.origin}\n")
        jobs = jobs or os.cpu_count() or 2
        sanitizer = sanitizers.SANITIZER_OF_VARIANT.get(variant)
        env = sanitizers.build_environment(sanitizer, source.path)
        started = time.monotonic()
        try:
            progress(f"{key}: configure ({' '.join(CONFIGURE_FLAGS[variant]) or 'default'}); log: {log}")
            _run_logged(
                [str(source.path / "configure"), f"--prefix={final}", *COMMON_FLAGS, *CONFIGURE_FLAGS[variant]],
                build_dir,
                log,
                f"{key}: configure",
                progress,
                env,
            )
            progress(f"{key}: make -j{jobs}")
            _run_logged(["make", f"-j{jobs}"], build_dir, log, f"{key}: compile", progress, env)
            progress(f"{key}: install")
            _run_logged(
                ["make", "install", f"DESTDIR={staging}", *_install_python(source, variant, root)],
                build_dir,
                log,
                f"{key}: install",
                progress,
                env,
            )
            installed = staging / final.relative_to("/")
            python = _find_python(installed)
            if sanitizer is not None:
                sanitizers.install_suppressions(source.path, installed, sanitizer)
            smoke = subprocess.run(
                [*(sanitizers.launcher_prefix(sanitizer) if sanitizer else []), str(python), "-I", "-c", SMOKE],
                capture_output=True,
                text=True,
                timeout=300,
                env=env,
            )
            if smoke.returncode != 0:
                raise ProvisionError(f"{key}: the built interpreter does not start: {smoke.stderr.strip()[-500:]}")
            facts = json.loads(smoke.stdout)
            if facts["ft"] != variant.startswith("ft") or facts["debug"] != variant.endswith("debug"):
                raise ProvisionError(f"{key}: the build is not the {variant} variant: {facts}")
            relative_python = str(python.relative_to(installed))
            meta = {
                "version": source.version,
                "variant": variant,
                "python": relative_python,
                "sanitizer": sanitizer,
                "origin": source.origin,
                "configure": list(CONFIGURE_FLAGS[variant]),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "build_seconds": round(time.monotonic() - started, 1),
                "log": str(log),
            }
            os.replace(installed, final)
            marker_tmp = final / f".{BUILD_MARKER}.tmp"
            marker_tmp.write_text(json.dumps(meta, indent=2))
            os.replace(marker_tmp, final / BUILD_MARKER)  # the build exists from this moment
        except BaseException:
            if not (final / BUILD_MARKER).is_file():
                shutil.rmtree(final, ignore_errors=True)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(build_dir, ignore_errors=True)
        progress(f"{key}: done in {time.monotonic() - started:.0f}s -> {final / relative_python}")
        return next(b for b in provisioned_builds(root) if b.key == key)


def _install_python(source: Source, variant: str, root: Path) -> list[str]:
    """make variables for `make install` of a sanitizer build: its byte-compilation of the
    whole library (three optimization levels) run by the sanitized interpreter took over
    twenty minutes on two shared cores; a plain build of the same source version writes
    the same .pyc files in a fraction of that.  Nothing for other variants, or when no
    such build exists yet."""
    if variant not in sanitizers.SANITIZER_OF_VARIANT:
        return []
    for build in provisioned_builds(root):
        if build.version == source.version and build.variant in ("ft", "gil", "ft-debug"):
            return [f"PYTHON_FOR_BUILD={build.python} -E"]
    return []


def _find_python(installed: Path) -> Path:
    # The ABI-tagged name (python3.13td) first: it says which build it is.
    candidates = sorted((installed / "bin").glob("python3.*"), key=lambda p: (-len(p.name), p.name))
    for candidate in candidates:
        if re.fullmatch(r"python3\.\d+[td]*", candidate.name) and os.access(candidate, os.X_OK):
            return candidate
    raise ProvisionError(f"no python3.X executable was installed under {installed / 'bin'}")


def provision(
    variants: tuple[str, ...] = ("ft-debug", "ft"),
    tarball: Path | None = None,
    source_dir: Path | None = None,
    progress: Progress = _quiet,
    force: bool = False,
    refresh: bool = False,
    jobs: int | None = None,
    wanted: str | None = None,
    source_url: str | None = None,
    fallback_url: str | None = None,
    sha256: str | None = None,
) -> list[Build]:
    """Make sure every requested variant is built; returns the builds (existing or new).

    Without --tarball/--source and without `refresh`, a variant that already has a build
    is not rebuilt and apt is not consulted: a second call is instant.  `source_url` (the
    user's --source-url) fetches the release tarball of `wanted` from there; otherwise,
    when apt has no source matching `wanted`, it comes from `fallback_url` (config,
    environment, or python.org's).
    """
    if (source_url is not None or sha256) and not wanted:
        raise ProvisionError("--source-url and --sha256 need --version X.Y.Z: the release to download")
    for variant in variants:
        if variant not in CONFIGURE_FLAGS:
            raise ProvisionError(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    existing = {b.variant: b for b in provisioned_builds()}  # newest per variant
    fresh = tarball is None and source_dir is None and not refresh and not force and not wanted
    if fresh and all(v in existing for v in variants):
        for variant in variants:
            progress(f"{existing[variant].key}: already provisioned")
        return [existing[v] for v in variants]
    check_build_dependencies(progress)
    sources_dir = cache_root() / "src"
    if source_dir is not None:
        source = checkout_source(source_dir)
    elif tarball is not None:
        source = unpack_tarball(tarball.resolve(), sources_dir, f"tarball:{tarball.name}")
    elif source_url is not None:
        assert wanted  # refused above without it
        downloaded, origin = fetch_release_tarball(wanted, source_url, cache_root() / "downloads", progress, sha256)
        source = unpack_tarball(downloaded, sources_dir, origin)
    else:
        try:
            with _lock("apt"):
                downloaded, origin = fetch_apt_source(cache_root() / "downloads", progress, wanted)
        except ProvisionError as exc:
            if not wanted:
                raise
            base = fallback_url or DEFAULT_SOURCE_URL
            progress(f"apt: {str(exc).splitlines()[0]}; trying the release tarball from {base}")
            downloaded, origin = fetch_release_tarball(wanted, base, cache_root() / "downloads", progress, sha256)
        source = unpack_tarball(downloaded, sources_dir, origin)
    progress(f"source: CPython {source.version} ({source.origin})")
    return [build_variant(source, variant, progress, jobs=jobs, force=force) for variant in variants]
