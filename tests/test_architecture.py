"""Layering (DESIGN.md, "Rooms"): oracle imports neither fuzz nor triage; no cycles; every
import of the project's code goes through the `tandem` namespace."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("oracle", "fuzz", "triage")
# Python files outside the packages that import them: tests, benchmarks, CI scripts.
USERS = ("tests", "bench", "ci")
GENERATED = ("tests/programs", "tests/data", "corpus")


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(("tandem",) + (parts[:-1] if parts[-1] == "__init__" else parts))
            yield name, path


def _top(module: str) -> str:
    """The project package a module name is in ('fuzz' for tandem.fuzz.cli), or ''."""
    parts = module.split(".")
    return parts[1] if parts[0] == "tandem" and len(parts) > 1 else ""


def _imports(name: str, path: Path) -> set[str]:
    found = set()
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
            elif node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in found if _top(m) in PACKAGES}


def test_modules_are_found():
    names = dict(_modules())
    assert {"tandem.fuzz.cli", "tandem.oracle.executor", "tandem.triage.minimize", "tandem.fuzz.campaign"} <= set(names)
    # relative and absolute imports both resolve to tandem.* names
    assert "tandem.oracle.model" in _imports("tandem.oracle.signature", names["tandem.oracle.signature"])
    assert any(_top(m) == "oracle" for m in _imports("tandem.fuzz.cli", names["tandem.fuzz.cli"]))


def test_oracle_imports_neither_fuzz_nor_triage():
    for name, path in _modules():
        if _top(name) == "oracle":
            bad = {m for m in _imports(name, path) if _top(m) in ("fuzz", "triage")}
            assert not bad, f"{path} imports {bad}"


def test_triage_does_not_import_fuzz():
    for name, path in _modules():
        if _top(name) == "triage":
            bad = {m for m in _imports(name, path) if _top(m) == "fuzz"}
            assert not bad, f"{path} imports {bad}"


def _python_files():
    yield from (path for _, path in _modules())
    for folder in USERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if not str(path.relative_to(ROOT)).startswith(GENERATED):
                yield path


def test_no_bare_imports_of_the_packages():
    """`import fuzz` works only from the repository's root (the folders are there); an
    installed tandem has only tandem.fuzz.  A bare import would also load a second copy of
    a module beside its tandem.* one."""
    bare = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and not node.level and node.module
                else []
            )
            bare += [f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in names if n.split(".")[0] in PACKAGES]
    assert not bare, bare


def test_no_import_cycles():
    modules = dict(_modules())
    graph = {name: {m for m in _imports(name, path) if m in modules and m != name} for name, path in modules.items()}
    visiting, done = set(), set()

    def visit(node, trail):
        if node in done:
            return
        assert node not in visiting, "import cycle: " + " -> ".join([*trail, node])
        visiting.add(node)
        for nxt in sorted(graph[node]):
            visit(nxt, [*trail, node])
        visiting.discard(node)
        done.add(node)

    for name in sorted(graph):
        visit(name, [])


def test_harness_is_stdlib_only():
    tree = ast.parse((ROOT / "oracle" / "_child.py").read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    import sys

    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)
