"""The code's structure: the packages stack in one order, and no module imports itself through
a loop.

The order, lowest first: the model, scenarios, the API (the package's root: `Simulation`,
`compare`), experiments, viz, and the command line that fronts them all. A module may import
its own layer or one below it, never one above, even inside a function (type-checking-only
imports count too: they are a dependency all the same).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {  # each folder of the repository and the package it installs as
    "healthgap": "healthgap",
    "model": "healthgap.model",
    "scenarios": "healthgap.scenarios",
    "experiments": "healthgap.experiments",
    "viz": "healthgap.viz",
}
LAYERS = ["model", "scenarios", "API", "experiments", "viz", "command line"]
COMMAND_LINE = {"healthgap.cli", "healthgap.__main__"}


def module_names(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package, in every folder and subfolder, by its dotted name."""
    modules = {}
    for folder, package in FOLDERS.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = path.relative_to(root / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def layer(module: str) -> str:
    """The layer a module of the package belongs to."""
    if module in COMMAND_LINE:
        return "command line"
    below_root = module.split(".")[1] if module.count(".") else ""
    names = {"model": "model", "scenarios": "scenarios", "experiments": "experiments"}
    return names.get(below_root, "viz" if below_root == "viz" else "API")


def imports_of(name: str, path: Path, modules: dict[str, Path], when_run: bool = False) -> set[str]:
    """The package's modules that `name` imports anywhere: at the top, in functions, in
    type-checking blocks, and lazily through `lazy_loader.attach`. With `when_run`, only those
    imported when the code runs (no type-checking blocks, no lazy attachments)."""
    tree = ast.parse(path.read_text())
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if when_run and isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
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
        elif (
            not when_run
            and isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("lazy_loader.attach")
        ):
            for keyword in node.keywords:
                if keyword.arg == "submod_attrs" and isinstance(keyword.value, ast.Dict):
                    found |= {f"{package}.{key.value}" for key in keyword.value.keys}
    return {m for m in found if m in modules and m != name}


def import_graph(modules: dict[str, Path], when_run: bool = False) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        imported = imports_of(name, path, modules, when_run)
        graph.add_edges_from((name, other) for other in imported)
    return graph


def upward_imports(graph: nx.DiGraph) -> list[str]:
    """Each import of a module in a layer above the importer's."""
    return [
        f"{a} ({layer(a)}) imports {b} ({layer(b)})"
        for a, b in graph.edges
        if LAYERS.index(layer(b)) > LAYERS.index(layer(a))
    ]


def test_every_folder_is_walked_and_every_module_has_a_layer():
    modules = module_names()
    assert {"healthgap.viz.app.page", "healthgap.model.model", "healthgap.simulation"} <= set(
        modules
    )
    assert layer("healthgap.simulation") == "API" and layer("healthgap.viz.app.page") == "viz"
    assert layer("healthgap.cli") == "command line"
    assert {layer(m) for m in modules} == set(LAYERS)


def test_no_package_imports_one_above_it():
    upward = upward_imports(import_graph(module_names()))
    assert not upward, (
        "imports against the order " + " <- ".join(LAYERS) + ":\n" + "\n".join(upward)
    )


def test_an_import_against_the_order_is_found_even_inside_a_function(tmp_path):
    for folder in FOLDERS:
        (tmp_path / folder).mkdir()
    (tmp_path / "viz" / "report.py").write_text("def render():\n    pass\n")
    (tmp_path / "experiments" / "trials.py").write_text("X = 1\n")
    (tmp_path / "model" / "behaviour.py").write_text(
        "from . import people\n\ndef chart():\n    from healthgap.viz.report import render\n"
    )
    (tmp_path / "model" / "people.py").write_text("")
    (tmp_path / "healthgap" / "__init__.py").write_text(
        "import lazy_loader\n"
        "__getattr__, __dir__, __all__ = lazy_loader.attach(\n"
        "    __name__, submod_attrs={'experiments.trials': ['X']}\n)\n"
    )
    upward = upward_imports(import_graph(module_names(tmp_path)))
    assert sorted(upward) == [
        "healthgap (API) imports healthgap.experiments.trials (experiments)",
        "healthgap.model.behaviour (model) imports healthgap.viz.report (viz)",
    ]


def test_no_module_imports_itself_through_a_loop():
    """When the code runs (a loop through type hints or a lazy attachment never runs)."""
    cycles = list(nx.simple_cycles(import_graph(module_names(), when_run=True)))
    assert not cycles, "import loops: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles)
