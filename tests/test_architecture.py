"""Layering (DESIGN.md, "Rooms"): oracle imports neither fuzz nor triage; no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("oracle", "fuzz", "triage")


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


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
    return {m for m in found if m.split(".")[0] in PACKAGES}


def test_oracle_imports_neither_fuzz_nor_triage():
    for name, path in _modules():
        if name.startswith("oracle"):
            bad = {m for m in _imports(name, path) if m.split(".")[0] in ("fuzz", "triage")}
            assert not bad, f"{path} imports {bad}"


def test_triage_does_not_import_fuzz():
    for name, path in _modules():
        if name.startswith("triage"):
            bad = {m for m in _imports(name, path) if m.split(".")[0] == "fuzz"}
            assert not bad, f"{path} imports {bad}"


def test_no_import_cycles():
    modules = dict(_modules())
    graph = {name: {m for m in _imports(name, path) if m in modules and m != name} for name, path in modules.items()}
    visiting, done = set(), set()

    def visit(node, trail):
        if node in done:
            return
        assert node not in visiting, "import cycle: " + " -> ".join(trail + [node])
        visiting.add(node)
        for nxt in sorted(graph[node]):
            visit(nxt, trail + [node])
        visiting.discard(node)
        done.add(node)

    for name in sorted(graph):
        visit(name, [])


def test_harness_is_stdlib_only():
    tree = ast.parse((ROOT / "oracle" / "_child.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    import sys
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)
