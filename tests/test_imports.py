"""The code's structure: no two modules import each other, directly or through a loop."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "healthgap": "healthgap",
    "model": "healthgap.model",
    "scenarios": "healthgap.scenarios",
}
PACKAGES |= {"experiments": "healthgap.experiments", "viz": "healthgap.viz"}


def module_names() -> dict[str, Path]:
    """Every module of the package by its dotted name."""
    modules = {}
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).glob("*.py"):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            modules[name] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that `name` imports anywhere (in functions too), except for type
    checking only."""
    tree = ast.parse(path.read_text())
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else base)
    return {m for m in found if m in modules and m != name}


def test_no_module_imports_itself_through_a_loop():
    modules = module_names()
    assert "healthgap.model.model" in modules and "healthgap.scenarios.schema" in modules
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_edges_from((name, other) for other in imports_of(name, path, modules))
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, "import loops: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles)
