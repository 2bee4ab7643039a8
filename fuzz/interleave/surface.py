"""The API surface of an interpreter: each receiver kind's methods and their text
signatures, read inside the interpreter itself (cached by the interpreter's identity).

Without an interpreter (Hypothesis strategies, tests, a scenario built for default
capabilities) the snapshot shipped for the nearest older minor version is used
(`surface-3.13.json`, written by `python -m tandem.fuzz.interleave.surface PYTHON`).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

from tandem.oracle.errors import InterpreterError
from tandem.oracle.interpreters import cache_root
from tandem.oracle.store import atomic_write_text

from .catalog import EXCLUDED, PROTOCOLS, RECEIVERS

SNAPSHOTS = Path(__file__).parent
Surface = dict[str, dict[str, "str | None"]]

# Runs inside the interpreter; prints one JSON object.  Keep it 3.11-compatible.
SCRIPT = r"""
import collections, contextvars, functools, inspect, io, json, pickle, sys, tracemalloc, types, weakref
import xml.etree.ElementTree
receivers = json.loads(sys.argv[1])
protocols = set(json.loads(sys.argv[2]))
found = {}
for kind, expression in receivers:
    try:
        tp = eval(expression)
    except Exception:
        continue
    methods = {}
    for name in dir(tp):
        if name.startswith("_") and name not in protocols:
            continue
        try:
            attribute = getattr(tp, name)
        except Exception:
            continue
        if not callable(attribute):
            continue
        signature = getattr(attribute, "__text_signature__", None)
        if signature is None:
            try:
                signature = str(inspect.signature(attribute))
            except (TypeError, ValueError):
                signature = None
        methods[name] = signature
    found[kind] = methods
print(json.dumps(found, sort_keys=True))
"""


def _query() -> tuple[str, str]:
    receivers = [(r.kind, r.type_expr) for r in RECEIVERS]
    return json.dumps(receivers), json.dumps(sorted(set(PROTOCOLS) - EXCLUDED))


def introspect(python: str | os.PathLike) -> Surface:
    """Run the introspection inside `python`."""
    receivers, protocols = _query()
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"}
    try:
        proc = subprocess.run(
            [str(python), "-I", "-c", SCRIPT, receivers, protocols], capture_output=True, timeout=120, env=env, cwd="/"
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InterpreterError(f"{python}: the API surface could not be read: {exc}") from exc
    try:
        data = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError, UnicodeDecodeError):
        raise InterpreterError(
            f"{python}: the API surface could not be read (exit {proc.returncode}): "
            f"{proc.stderr.decode(errors='replace')[-300:]}"
        ) from None
    return data


def of_interpreter(path: str) -> Surface:
    """The surface of the interpreter at `path`, cached by inode, size and mtime."""
    stat = Path(path).stat()
    query = hashlib.sha256((SCRIPT + "".join(_query())).encode()).hexdigest()[:10]
    key = f"{Path(path).name}-{stat.st_ino}-{stat.st_size}-{stat.st_mtime_ns}-{query}"
    cached = cache_root() / "surfaces" / f"{key}.json"
    try:
        return json.loads(cached.read_text())
    except (OSError, ValueError):
        pass
    data = introspect(path)
    cached.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(cached, json.dumps(data, sort_keys=True))
    return data


def common(*surfaces: Surface) -> Surface:
    """What every surface offers, with the first one's signatures."""
    first, *rest = surfaces
    return {
        kind: {name: sig for name, sig in methods.items() if all(name in s.get(kind, {}) for s in rest)}
        for kind, methods in first.items()
        if all(kind in s for s in rest)
    }


@cache
def _snapshot_text(version: tuple[int, int]) -> str:
    candidates = sorted(
        (tuple(int(x) for x in p.stem.split("-")[1].split(".")), p) for p in SNAPSHOTS.glob("surface-*.json")
    )
    usable = [p for v, p in candidates if v <= version] or [candidates[0][1]]
    return usable[-1].read_text()


def snapshot(version: tuple[int, int]) -> Surface:
    """The shipped surface of the newest minor version not newer than `version`."""
    return json.loads(_snapshot_text(tuple(version)))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tandem.fuzz.interleave.surface PYTHON  (writes surface-X.Y.json here)", file=sys.stderr)
        return 2
    data = introspect(argv[0])
    version = subprocess.run(
        [argv[0], "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    atomic_write_text(SNAPSHOTS / f"surface-{version}.json", json.dumps(data, sort_keys=True, indent=1) + "\n")
    print(f"wrote surface-{version}.json: {sum(len(m) for m in data.values())} methods of {len(data)} kinds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
