"""Interpreters: probe what a Python is and offers, keep the registry, resolve names.

A name resolves, in order, to: an entry of the config ([interpreters] in tandem.toml or
[tool.tandem.interpreters] in pyproject.toml), a provisioned build in the cache
("ft", "ft-debug", "gil", "3.13-ft", "3.13.15-ft"), or a path to an executable.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import ConfigError, InterpreterError
from .model import Features, Interpreter
from .store import atomic_write_text

VARIANTS = ("ft", "ft-debug", "gil", "ft-tsan", "ft-asan")
DEFAULT_TARGET = "ft-debug"
DEFAULT_ORACLE = "ft"
MIN_VERSION = (3, 11)
BUILD_MARKER = "tandem-build.json"
PROBE_TIMEOUT = 60.0

# Runs inside the candidate interpreter; prints one JSON object.  Keep it 3.11-compatible.
PROBE_SOURCE = r"""
import json, os, sys, sysconfig
info = {
    "implementation": sys.implementation.name,
    "version_info": list(sys.version_info[:3]),
    "abiflags": getattr(sys, "abiflags", ""),
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "debug": hasattr(sys, "gettotalrefcount"),
    "executable": sys.executable,
    "sanitizer": next((name for flag, name in (("--with-thread-sanitizer", "thread"),
                                               ("--with-address-sanitizer", "address"))
                       if flag in (sysconfig.get_config_var("CONFIG_ARGS") or "")), ""),
}
features = {}
def importable(name):
    try:
        __import__(name)
        return True
    except Exception:
        return False
features["testinternalcapi"] = importable("_testinternalcapi")
features["testcapi"] = importable("_testcapi")
features["ctypes"] = importable("ctypes")
features["monitoring"] = hasattr(sys, "monitoring")
import threading
features["setprofile_all_threads"] = hasattr(threading, "setprofile_all_threads")
features["eval_frame_hook"] = False
if features["testinternalcapi"]:
    import _testinternalcapi
    features["eval_frame_hook"] = hasattr(_testinternalcapi, "set_eval_frame_default") and (
        hasattr(_testinternalcapi, "set_eval_frame_record"))
features["stack_trampoline"] = False
if hasattr(sys, "activate_stack_trampoline"):
    try:
        sys.activate_stack_trampoline("perf")
        sys.deactivate_stack_trampoline()
        features["stack_trampoline"] = True
    except Exception:
        pass
    try:
        os.unlink("/tmp/perf-%d.map" % os.getpid())
    except OSError:
        pass
features["specializer"] = False
try:
    import dis
    table = getattr(dis, "_specializations", {})
    special = {n for names in table.values() for n in names}
    class Probe:
        def __init__(self):
            self.x = 1
    def read(o):
        return o.x
    def make():
        return Probe()
    for _ in range(3000):
        read(make())
    names = {i.opname for f in (read, make) for i in dis.get_instructions(f, adaptive=True)}
    features["specializer"] = bool(names & special)
except Exception:
    pass
info["features"] = features
print(json.dumps(info))
"""


def cache_root() -> Path:
    """Where tandem keeps builds and probe results ($TANDEM_CACHE overrides)."""
    if os.environ.get("TANDEM_CACHE"):
        return Path(os.environ["TANDEM_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tandem"


def interpreters_dir() -> Path:
    return cache_root() / "interpreters"


# -- probing ---------------------------------------------------------------------------


def _probe_key(path: Path) -> str:
    stat = path.stat()
    material = f"{path}\0{stat.st_ino}\0{stat.st_size}\0{stat.st_mtime_ns}\0{len(PROBE_SOURCE)}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def _run_probe(path: Path) -> dict[str, Any]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        # a sanitizer build must answer, not fail on a leak or a start-up race
        "ASAN_OPTIONS": "detect_leaks=0",
        "TSAN_OPTIONS": "exitcode=0:report_bugs=0",
    }
    try:
        proc = subprocess.run(
            [str(path), "-I", "-c", PROBE_SOURCE], capture_output=True, timeout=PROBE_TIMEOUT, env=env, cwd="/"
        )
        if proc.returncode != 0 and b"unexpected memory mapping" in proc.stderr and shutil.which("setarch"):
            # gcc's TSan runtime on a kernel randomizing more mmap bits: the executor
            # runs such a build under `setarch -R` (oracle/sanitizers.py), so does the probe
            proc = subprocess.run(
                [shutil.which("setarch") or "setarch", os.uname().machine, "-R", str(path), "-I", "-c", PROBE_SOURCE],
                capture_output=True,
                timeout=PROBE_TIMEOUT,
                env=env,
                cwd="/",
            )
    except subprocess.TimeoutExpired as exc:
        raise InterpreterError(f"{path}: did not answer the probe within {PROBE_TIMEOUT:.0f}s") from exc
    except OSError as exc:
        raise InterpreterError(f"{path}: cannot be executed: {exc.strerror}") from exc
    if proc.returncode < 0:
        raise InterpreterError(
            f"{path}: crashed at start-up (signal {-proc.returncode}); "
            f"stderr: {proc.stderr.decode(errors='replace')[-500:].strip()}"
        )
    try:
        info = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        info["version_info"] = tuple(info["version_info"])
    except (ValueError, IndexError, KeyError, UnicodeDecodeError):
        tail = (proc.stderr or proc.stdout).decode(errors="replace")[-300:].strip()
        raise InterpreterError(
            f"{path}: is not a Python interpreter tandem can use (exit {proc.returncode}; {tail or 'no output'})"
        ) from None
    return info


def probe(path: str | os.PathLike, name: str | None = None, origin: str = "path") -> Interpreter:
    """Probe the interpreter at `path` (results cached by inode, size and mtime)."""
    resolved = Path(path).expanduser()
    if not resolved.is_absolute():
        found = shutil.which(str(path)) if os.sep not in str(path) else None
        resolved = Path(found) if found else resolved.absolute()
    if not resolved.exists():
        raise InterpreterError(f"interpreter path does not exist: {resolved}")
    if not resolved.is_file() or not os.access(resolved, os.X_OK):
        raise InterpreterError(f"interpreter path is not an executable file: {resolved}")
    cache = cache_root() / "probes" / f"{_probe_key(resolved)}.json"
    info = None
    if cache.exists():
        try:
            info = json.loads(cache.read_text())
            info["version_info"] = tuple(info["version_info"])
        except (ValueError, KeyError, OSError):
            info = None
    if info is None:
        info = _run_probe(resolved)
        atomic_write_text(cache, json.dumps(info))
    if info["implementation"] == "cpython" and tuple(info["version_info"][:2]) < MIN_VERSION:
        raise InterpreterError(
            f"{resolved}: Python {'.'.join(map(str, info['version_info']))} is too old; tandem's harness needs >= 3.11"
        )
    feature_names = {f.name for f in dataclasses.fields(Features)}
    features = Features(**{k: bool(v) for k, v in info.get("features", {}).items() if k in feature_names})
    major, minor, micro = (int(x) for x in info["version_info"])  # the probe's sys.version_info[:3]
    version_info = (major, minor, micro)
    return Interpreter(
        name=name or str(resolved),
        path=str(resolved),
        version=".".join(map(str, version_info)),
        version_info=version_info,
        free_threaded=bool(info["free_threaded"]),
        debug=bool(info["debug"]),
        implementation=info["implementation"],
        abiflags=info.get("abiflags", ""),
        features=features,
        origin=origin,
        sanitizer=str(info.get("sanitizer", "")),
    )


# -- configuration ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Config:
    """Interpreter names and defaults, from tandem.toml and [tool.tandem]."""

    interpreters: dict[str, str]
    target: str = DEFAULT_TARGET
    oracle: str = DEFAULT_ORACLE
    path: Path | None = None  # the tandem.toml that `add` writes to
    source_url: str | None = None  # [provision] source_url: a release-tarball mirror
    scheduler: str | None = None  # [cluster] scheduler: the Dask scheduler of `tandem fuzz`


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _section(data: dict[str, Any], path: Path) -> tuple[dict[str, str], dict[str, str]]:
    interpreters = data.get("interpreters", {})
    defaults = data.get("defaults", {})
    if not isinstance(interpreters, dict) or not all(isinstance(v, str) for v in interpreters.values()):
        raise ConfigError(f"{path}: [interpreters] must map names to path strings")
    if not isinstance(defaults, dict) or not all(isinstance(v, str) for v in defaults.values()):
        raise ConfigError(f"{path}: [defaults] must map 'target'/'oracle' to names")
    unknown = set(defaults) - {"target", "oracle"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [defaults]: {', '.join(sorted(unknown))}")
    provision = data.get("provision", {})
    if (
        not isinstance(provision, dict)
        or set(provision) - {"source_url"}
        or not all(isinstance(v, str) for v in provision.values())
    ):
        raise ConfigError(f"{path}: [provision] may only set source_url (a string)")
    cluster = data.get("cluster", {})
    if (
        not isinstance(cluster, dict)
        or set(cluster) - {"scheduler"}
        or not all(isinstance(v, str) for v in cluster.values())
    ):
        raise ConfigError(f'{path}: [cluster] takes one key, scheduler = "tcp://HOST:8786"')
    if "scheduler" in cluster:
        defaults = {**defaults, "scheduler": cluster["scheduler"]}
    unknown = set(data) - {"interpreters", "defaults", "provision", "cluster"}
    if unknown:
        raise ConfigError(f"{path}: unknown table(s): {', '.join(sorted(unknown))}")
    if "source_url" in provision:
        defaults = {**defaults, "source_url": provision["source_url"]}
    return interpreters, defaults


def load_config(directory: Path | None = None, explicit: Path | None = None) -> Config:
    """tandem.toml (or $TANDEM_CONFIG, or `explicit`) over [tool.tandem] in pyproject.toml."""
    directory = directory or Path.cwd()
    interpreters: dict[str, str] = {}
    defaults: dict[str, str] = {}
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file() and explicit is None:
        tool = _read_toml(pyproject).get("tool", {}).get("tandem")
        if tool is not None:
            found, chosen = _section(tool, pyproject)
            interpreters.update(found)
            defaults.update(chosen)
    config_path = explicit or (
        Path(os.environ["TANDEM_CONFIG"]) if os.environ.get("TANDEM_CONFIG") else directory / "tandem.toml"
    )
    if explicit is not None and not config_path.is_file():
        raise ConfigError(f"config file does not exist: {config_path}")
    if config_path.is_file():
        found, chosen = _section(_read_toml(config_path), config_path)
        interpreters.update(found)
        defaults.update(chosen)
    return Config(
        interpreters=interpreters,
        target=defaults.get("target", DEFAULT_TARGET),
        oracle=defaults.get("oracle", DEFAULT_ORACLE),
        path=config_path,
        source_url=os.environ.get("TANDEM_SOURCE_URL") or defaults.get("source_url"),
        scheduler=defaults.get("scheduler"),
    )


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def save_config(config: Config) -> Path:
    """Write the tandem.toml part of `config` atomically (comments are not preserved)."""
    assert config.path is not None
    lines = [
        "# tandem configuration (written by `tandem interpreters add`)",
        "",
        "[defaults]",
        f"target = {_toml_string(config.target)}",
        f"oracle = {_toml_string(config.oracle)}",
        "",
        "[interpreters]",
    ]
    for name in sorted(config.interpreters):
        lines.append(f"{_toml_string(name)} = {_toml_string(config.interpreters[name])}")
    if config.source_url and config.source_url != os.environ.get("TANDEM_SOURCE_URL"):
        lines += ["", "[provision]", f"source_url = {_toml_string(config.source_url)}"]
    if config.scheduler:
        lines += ["", "[cluster]", f"scheduler = {_toml_string(config.scheduler)}"]
    atomic_write_text(config.path, "\n".join(lines) + "\n")
    return config.path


def add_interpreter(config: Config, name: str, path: str) -> tuple[Config, Interpreter]:
    """Probe `path` and register it as `name` in tandem.toml; the probe must succeed."""
    if not name or any(c.isspace() for c in name) or "/" in name:
        raise ConfigError(f"invalid interpreter name {name!r}: use letters, digits, '-', '_' or '.'")
    interpreter = probe(path, name=name, origin="config")
    current = load_config(config.path.parent) if config.path else config
    names = dict(current.interpreters)
    names[name] = interpreter.path
    updated = dataclasses.replace(current, interpreters=names, path=config.path)
    save_config(updated)
    return updated, interpreter


# -- provisioned builds ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Build:
    """A finished build in the cache (only complete builds carry the marker)."""

    version: str
    variant: str
    prefix: Path
    python: Path
    meta: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.version}-{self.variant}"

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.version.split(".") if p.isdigit())


def provisioned_builds(root: Path | None = None) -> list[Build]:
    """Complete builds in the cache, newest version first."""
    root = root or interpreters_dir()
    builds = []
    if root.is_dir():
        for entry in root.iterdir():
            marker = entry / BUILD_MARKER
            if not marker.is_file():
                continue
            try:
                meta = json.loads(marker.read_text())
                builds.append(Build(meta["version"], meta["variant"], entry, entry / meta["python"], meta))
            except (ValueError, KeyError, OSError):
                continue
    builds.sort(key=lambda b: (b.version_tuple, b.variant), reverse=True)
    return builds


def provisioned_names(builds: Iterable[Build]) -> dict[str, Build]:
    """'ft' -> newest ft build, '3.13-ft' -> newest 3.13 ft build, '3.13.15-ft' -> that one."""
    names: dict[str, Build] = {}
    for build in builds:  # newest first, so the first claim of a short name wins
        minor = ".".join(build.version.split(".")[:2])
        for name in (build.key, f"{minor}-{build.variant}", build.variant):
            names.setdefault(name, build)
    return names


# -- lookup ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Entry:
    """A name tandem knows, before probing; `aliases` are other names of the same build."""

    name: str
    path: str
    origin: str
    aliases: tuple[str, ...] = ()


def known(config: Config) -> list[Entry]:
    """Config entries, then one entry per provisioned build under its shortest free name."""
    entries = [Entry(name, path, "config") for name, path in sorted(config.interpreters.items())]
    by_build: dict[str, list[str]] = {}
    builds = provisioned_names(provisioned_builds())
    for name, build in builds.items():
        if name not in config.interpreters:
            by_build.setdefault(build.key, []).append(name)
    for _key, names in by_build.items():
        names.sort(key=lambda n: (len(n), n))
        entries.append(Entry(names[0], str(builds[names[0]].python), "provisioned", tuple(names[1:])))
    return entries


def resolve(name: str, config: Config) -> Interpreter:
    """A name from the registry, or a path; raises InterpreterError with what is known."""
    if name in config.interpreters:
        return probe(config.interpreters[name], name=name, origin="config")
    builds = provisioned_names(provisioned_builds())
    if name in builds:
        return probe(builds[name].python, name=name, origin="provisioned")
    if os.sep in name or Path(name).exists() or shutil.which(name):
        return probe(name, name=name, origin="path")
    choices = sorted(set(config.interpreters) | set(builds))
    hint = f"known: {', '.join(choices)}" if choices else "none is provisioned yet: run `tandem interpreters provision`"
    if name in VARIANTS:
        hint = f"variant {name!r} is not provisioned: run `tandem interpreters provision --variant {name}`"
    raise InterpreterError(f"unknown interpreter {name!r} ({hint})")
